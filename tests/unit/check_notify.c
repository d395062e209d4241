/*
 * check_notify.c: the pure parts of e-mail delivery: address and header
 * checks, the message builder (headers, encodings, CRLF) and the outbox
 * backoff schedule; webhook URLs and the payment callback's signature
 * check. Its own runner, so it needs nothing from check_main.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/notify.h"
#include "holdfast/orders.h"
#include "holdfast/outbox.h"

#define T_DATE	1763712000	/* Fri, 21 Nov 2025 08:00:00 UTC */

static char	*msg;
static size_t	 msglen;
static char	 err[256];

static int
build(const char *to, const char *subject, const char *body)
{
	struct notify_mail	m;

	free(msg);
	msg = NULL;
	m.from = "Holdfast <holdfast@example.org>";
	m.to = to;
	m.subject = subject;
	m.body = body;
	m.date = T_DATE;
	m.message_id = "abc123@example.org";
	return notify_mail_build(&m, &msg, &msglen, err, sizeof(err));
}

static void
teardown(void)
{
	free(msg);
	msg = NULL;
}

/* Every line ends in CRLF and no line is longer than max (without it). */
static int
lines_ok(const char *s, size_t max)
{
	const char	*p, *start = s;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\r' && p[1] != '\n')
			return 0;
		if (*p == '\n') {
			if (p == s || p[-1] != '\r')
				return 0;
			if ((size_t)(p - 1 - start) > max)
				return 0;
			start = p + 1;
		}
	}
	return start == p;	/* ends with a line end */
}

START_TEST(test_addr_checks)
{
	ck_assert_int_eq(notify_addr_ok("a@b.example"), 1);
	ck_assert_int_eq(notify_addr_ok("first.last+tag@example.org"), 1);
	ck_assert_int_eq(notify_addr_ok(NULL), 0);
	ck_assert_int_eq(notify_addr_ok(""), 0);
	ck_assert_int_eq(notify_addr_ok("no-at.example"), 0);
	ck_assert_int_eq(notify_addr_ok("@example.org"), 0);
	ck_assert_int_eq(notify_addr_ok("a@"), 0);
	ck_assert_int_eq(notify_addr_ok("a@b@c"), 0);
	ck_assert_int_eq(notify_addr_ok("a b@example.org"), 0);
	ck_assert_int_eq(notify_addr_ok("a@example.org\r\nBcc: x@y.z"), 0);
	ck_assert_int_eq(notify_addr_ok("<a@example.org>"), 0);
	ck_assert_int_eq(notify_addr_ok("a@example.org,b@example.org"), 0);
	ck_assert_int_eq(notify_addr_ok("caf\xc3\xa9@example.org"), 0);
}
END_TEST

START_TEST(test_header_checks)
{
	ck_assert_int_eq(notify_header_ok("Your code"), 1);
	ck_assert_int_eq(notify_header_ok("a\r\nBcc: x@y.z"), 0);
	ck_assert_int_eq(notify_header_ok("a\nb"), 0);
	ck_assert_int_eq(notify_header_ok("a\rb"), 0);
	ck_assert_int_eq(notify_header_ok(NULL), 0);
}
END_TEST

START_TEST(test_from_addr)
{
	char	a[256];

	ck_assert_int_eq(notify_from_addr("holdfast@localhost", a,
	    sizeof(a)), 0);
	ck_assert_str_eq(a, "holdfast@localhost");
	ck_assert_int_eq(notify_from_addr("Holdfast <noreply@example.org>",
	    a, sizeof(a)), 0);
	ck_assert_str_eq(a, "noreply@example.org");
	ck_assert_int_eq(notify_from_addr("Holdfast <noreply@example.org",
	    a, sizeof(a)), -1);
	ck_assert_int_eq(notify_from_addr("not an address", a, sizeof(a)),
	    -1);
	ck_assert_int_eq(notify_from_addr("a@b.c", a, 3), -1);
}
END_TEST

START_TEST(test_plain_message)
{
	ck_assert_int_eq(build("user@example.org", "Your Holdfast code",
	    "Hello,\n\ncode: 123456\n"), 0);
	ck_assert_uint_eq(strlen(msg), msglen);
	ck_assert_ptr_nonnull(strstr(msg,
	    "Date: Fri, 21 Nov 2025 08:00:00 +0000\r\n"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "\r\nFrom: Holdfast <holdfast@example.org>\r\n"));
	ck_assert_ptr_nonnull(strstr(msg, "\r\nTo: user@example.org\r\n"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "\r\nSubject: Your Holdfast code\r\n"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "\r\nMessage-ID: <abc123@example.org>\r\n"));
	ck_assert_ptr_nonnull(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "\r\nContent-Transfer-Encoding: 7bit\r\n"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "\r\n\r\nHello,\r\n\r\ncode: 123456\r\n"));
	ck_assert_int_eq(lines_ok(msg, 998), 1);
}
END_TEST

START_TEST(test_line_ends_normalised)
{
	ck_assert_int_eq(build("u@example.org", "s", "a\r\nb\rc\nd"), 0);
	ck_assert_ptr_nonnull(strstr(msg, "\r\n\r\na\r\nb\r\nc\r\nd\r\n"));
	ck_assert_int_eq(lines_ok(msg, 998), 1);
}
END_TEST

START_TEST(test_utf8_subject_encoded)
{
	/* "Votre code: café ☕" */
	ck_assert_int_eq(build("u@example.org",
	    "Votre code: caf\xc3\xa9 \xe2\x98\x95", "x"), 0);
	ck_assert_ptr_nonnull(strstr(msg,
	    "\r\nSubject: =?UTF-8?B?Vm90cmUgY29kZTogY2Fmw6kg4piV?=\r\n"));
}
END_TEST

START_TEST(test_long_subject_folded)
{
	char		 s[400];
	const char	*p, *e;
	size_t		 i;

	/* 120 two-byte characters: six encoded words, folded */
	for (i = 0; i < 120; i++) {
		s[2 * i] = '\xc3';
		s[2 * i + 1] = '\xa9';
	}
	s[240] = '\0';
	ck_assert_int_eq(build("u@example.org", s, "x"), 0);
	ck_assert_int_eq(lines_ok(msg, 78), 1);
	p = strstr(msg, "Subject: ");
	ck_assert_ptr_nonnull(p);
	e = strstr(p, "\r\nMessage-ID");
	ck_assert_ptr_nonnull(e);
	/* 42 bytes (21 characters) per word: never half a character */
	ck_assert_ptr_nonnull(strstr(p, "?=\r\n =?UTF-8?B?"));
	for (i = 0; p < e; p++)
		if (strncmp(p, "=?UTF-8?B?", 10) == 0)
			i++;
	ck_assert_uint_eq(i, 6);
}
END_TEST

START_TEST(test_subject_that_looks_encoded)
{
	ck_assert_int_eq(build("u@example.org", "=?UTF-8?B?eA==?=", "x"), 0);
	ck_assert_ptr_null(strstr(msg, "Subject: =?UTF-8?B?eA==?=\r\n"));
	ck_assert_ptr_nonnull(strstr(msg, "Subject: =?UTF-8?B?"));
}
END_TEST

START_TEST(test_qp_body)
{
	char	long_line[300];

	ck_assert_int_eq(build("u@example.org", "s",
	    "caf\xc3\xa9 = ok \nend"), 0);
	ck_assert_ptr_nonnull(strstr(msg,
	    "Content-Transfer-Encoding: quoted-printable\r\n"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "\r\n\r\ncaf=C3=A9 =3D ok=20\r\nend\r\n"));

	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	long_line[0] = '\xc3';
	long_line[1] = '\xa9';
	ck_assert_int_eq(build("u@example.org", "s", long_line), 0);
	ck_assert_int_eq(lines_ok(msg, 76), 1);
	ck_assert_ptr_nonnull(strstr(msg, "=\r\naaaa"));
}
END_TEST

START_TEST(test_injection_refused)
{
	ck_assert_int_eq(build("u@example.org\r\nBcc: x@example.org", "s",
	    "b"), -1);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(build("u@example.org", "s\r\nBcc: x@example.org",
	    "b"), -1);
	ck_assert_int_eq(build("u@example.org", "s\nBcc: x@example.org",
	    "b"), -1);
}
END_TEST

START_TEST(test_backoff_schedule)
{
	ck_assert_uint_eq(outbox_backoff_s(0), 30);
	ck_assert_uint_eq(outbox_backoff_s(1), 30);
	ck_assert_uint_eq(outbox_backoff_s(2), 60);
	ck_assert_uint_eq(outbox_backoff_s(3), 120);
	ck_assert_uint_eq(outbox_backoff_s(7), 1920);
	ck_assert_uint_eq(outbox_backoff_s(8), 3600);
	ck_assert_uint_eq(outbox_backoff_s(100), 3600);
	ck_assert_uint_eq(outbox_backoff_s(4000000000u), 3600);
}
END_TEST

START_TEST(test_webhook_urls)
{
	ck_assert_int_eq(notify_webhook_url_ok("http://127.0.0.1:8080/hook"),
	    1);
	ck_assert_int_eq(notify_webhook_url_ok(
	    "https://shop.example/hooks/holdfast?token=abc"), 1);
	ck_assert_int_eq(notify_webhook_url_ok("HTTPS://shop.example/x"), 1);
	ck_assert_int_eq(notify_webhook_url_ok("ftp://shop.example/x"), 0);
	ck_assert_int_eq(notify_webhook_url_ok("file:///etc/passwd"), 0);
	ck_assert_int_eq(notify_webhook_url_ok("shop.example/hook"), 0);
	ck_assert_int_eq(notify_webhook_url_ok("http://"), 0);
	ck_assert_int_eq(notify_webhook_url_ok("http://a b/"), 0);
	ck_assert_int_eq(notify_webhook_url_ok("http://a/\r\nX: y"), 0);
	ck_assert_int_eq(notify_webhook_url_ok("http:///x"), 0);
	ck_assert_int_eq(notify_webhook_url_ok("http:\\\\x/"), 0);
	ck_assert_int_eq(notify_webhook_url_ok("http:x"), 0);
	ck_assert_int_eq(notify_webhook_url_ok(""), 0);
	ck_assert_int_eq(notify_webhook_url_ok(NULL), 0);
}
END_TEST

/* Webhook targets (issue 10): every spelling of an internal address. */
START_TEST(test_webhook_targets)
{
	static const char *const internal[] = {
		"http://10.0.0.1/", "http://10.255.255.255:8080/x",
		"http://172.16.0.1/", "http://172.31.255.255/",
		"http://192.168.1.1/", "http://169.254.169.254/latest/",
		"http://100.64.0.1/", "http://0.0.0.0/", "http://0/",
		"http://224.0.0.1/", "http://255.255.255.255/",
		"http://192.0.2.1/", "http://198.18.0.1/",
		"http://0x0a.0.0.1/", "http://012.0.0.1/", "http://167772161/",
		"http://10.1/", "http://169.254.169.254./",
		"http://%31%30.0.0.1/", "http://[fc00::1]/",
		"http://[fd12::1]/",
		"http://[fe80::1]/", "http://[fe80::1%25eth0]/", "http://[::]/",
		"http://[::ffff:10.0.0.1]/", "http://[::ffff:a00:1]/",
		"http://[::ffff:169.254.169.254]/", "http://[::10.0.0.1]/",
		"http://[::ffff:0:8.8.8.8]/", "http://[::8.8.8.8]/",
		"http://[64:ff9b::a00:1]/", "http://[64:ff9b::7f00:1]/",
		"http://[2002:a00:1::]/", "http://[2001::1]/",
		"http://[2001:db8::1]/", "http://[ff02::1]/",
		"http://[fec0::1]/",
		NULL
	};
	static const char *const loopback[] = {
		"http://127.0.0.1:16330/", "http://127.1/", "http://0x7f.1/",
		"http://2130706433/", "http://0177.0.0.1/",
		"http://127.0.0.1./",
		"http://127.255.255.254/", "http://[::1]/",
		"http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:127.0.0.1]/",
		"http://localhost/", "http://LOCALHOST:80/",
		"http://a.localhost/",
		"http://localhost./", NULL
	};
	static const char *const public[] = {
		"https://example.com/h", "http://8.8.8.8/",
		"http://1.1.1.1:8443/",
		"http://172.32.0.1/", "http://100.128.0.1/", "http://11.0.0.1/",
		"http://[2606:4700::1111]/", "http://[::ffff:8.8.8.8]/",
		"http://[64:ff9b::808:808]/", "http://localhost.example.com/",
		NULL
	};
	size_t	i;

	for (i = 0; internal[i] != NULL; i++) {
		ck_assert_msg(notify_webhook_target(internal[i],
		    HF_PRIVATE_LOOPBACK) == NOTIFY_TARGET_PRIVATE, "%s",
		    internal[i]);
		ck_assert_msg(notify_webhook_target(internal[i],
		    HF_PRIVATE_YES) == NOTIFY_TARGET_OK, "%s", internal[i]);
	}
	for (i = 0; loopback[i] != NULL; i++) {
		ck_assert_msg(notify_webhook_target(loopback[i],
		    HF_PRIVATE_NO) == NOTIFY_TARGET_PRIVATE, "%s",
		    loopback[i]);
		ck_assert_msg(notify_webhook_target(loopback[i],
		    HF_PRIVATE_LOOPBACK) == NOTIFY_TARGET_OK, "%s",
		    loopback[i]);
	}
	for (i = 0; public[i] != NULL; i++)
		ck_assert_msg(notify_webhook_target(public[i],
		    HF_PRIVATE_NO) == NOTIFY_TARGET_OK, "%s", public[i]);
	ck_assert_int_eq(notify_webhook_target("ftp://8.8.8.8/",
	    HF_PRIVATE_YES), NOTIFY_TARGET_BAD);
	ck_assert_int_eq(notify_webhook_target("gopher://127.0.0.1:6379/",
	    HF_PRIVATE_YES), NOTIFY_TARGET_BAD);
	ck_assert_int_eq(notify_webhook_target("file:///etc/passwd",
	    HF_PRIVATE_YES), NOTIFY_TARGET_BAD);
}
END_TEST

/* HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") */
#define FOX	"The quick brown fox jumps over the lazy dog"
#define FOX_MAC	"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"

START_TEST(test_payment_signature)
{
	static struct app	app;
	char			upper[80];
	size_t			i;

	memset(&app, 0, sizeof(app));
	snprintf(app.cfg.payment_secret, sizeof(app.cfg.payment_secret),
	    "key");
	ck_assert_int_eq(svc_payment_verify(&app, "sha256=" FOX_MAC, FOX,
	    strlen(FOX)), HF_OK);
	snprintf(upper, sizeof(upper), "sha256=%s", FOX_MAC);
	for (i = 7; upper[i] != '\0'; i++)
		if (upper[i] >= 'a' && upper[i] <= 'f')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	ck_assert_int_eq(svc_payment_verify(&app, upper, FOX, strlen(FOX)),
	    HF_OK);
	ck_assert_int_eq(svc_payment_verify(&app, "sha256=" FOX_MAC, FOX,
	    strlen(FOX) - 1), HF_E_PAY_SIGNATURE);
	ck_assert_int_eq(svc_payment_verify(&app, FOX_MAC, FOX, strlen(FOX)),
	    HF_E_PAY_SIGNATURE);
	ck_assert_int_eq(svc_payment_verify(&app, "sha256=" FOX_MAC "00", FOX,
	    strlen(FOX)), HF_E_PAY_SIGNATURE);
	ck_assert_int_eq(svc_payment_verify(&app, "sha256=", FOX,
	    strlen(FOX)), HF_E_PAY_SIGNATURE);
	ck_assert_int_eq(svc_payment_verify(&app, NULL, FOX, strlen(FOX)),
	    HF_E_PAY_SIGNATURE);
	app.cfg.payment_secret[0] = '\0';
	ck_assert_int_eq(svc_payment_verify(&app, "sha256=" FOX_MAC, FOX,
	    strlen(FOX)), HF_E_SYS_UNAVAILABLE);
}
END_TEST

static Suite *
suite_notify(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("mail");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_addr_checks);
	tcase_add_test(tc, test_webhook_targets);
	tcase_add_test(tc, test_header_checks);
	tcase_add_test(tc, test_from_addr);
	tcase_add_test(tc, test_plain_message);
	tcase_add_test(tc, test_line_ends_normalised);
	tcase_add_test(tc, test_utf8_subject_encoded);
	tcase_add_test(tc, test_long_subject_folded);
	tcase_add_test(tc, test_subject_that_looks_encoded);
	tcase_add_test(tc, test_qp_body);
	tcase_add_test(tc, test_injection_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("outbox");
	tcase_add_test(tc, test_backoff_schedule);
	suite_add_tcase(s, tc);
	tc = tcase_create("shop");
	tcase_add_test(tc, test_webhook_urls);
	tcase_add_test(tc, test_payment_signature);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(suite_notify());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
