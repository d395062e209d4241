/*
 * smtp.c: e-mail over SMTP with libcurl. One easy handle per process,
 * made by notify_new() before the accept loop and reset before every
 * message, so connections and DNS answers are reused while no option of
 * one message leaks into the next.
 *
 * Credentials (smtp_user) are only ever sent under TLS: smtps:// URLs
 * are TLS from the start, and smtp:// URLs then require STARTTLS.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/notify.h"
#include "notify_int.h"

/* The message being uploaded, read by curl in pieces. */
struct smtp_upload {
	const char	*p;
	size_t		 left;
};

static int	notify_curl_ready;

/*
 * Returns a notifier for cfg (kept by pointer: it must outlive the
 * notifier), or NULL when memory or libcurl fails. Free with
 * notify_free().
 */
struct notifier *
notify_new(const struct hf_config *cfg)
{
	struct notifier	*n;
	char		 addr[256];
	const char	*at;

	if (!notify_curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		notify_curl_ready = 1;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->cfg = cfg;
	if ((n->curl = curl_easy_init()) == NULL) {
		free(n);
		return NULL;
	}
	if (notify_from_addr(cfg->smtp_from, addr, sizeof(addr)) == 0) {
		snprintf(n->mail_from, sizeof(n->mail_from), "<%s>", addr);
		at = strrchr(addr, '@');
		snprintf(n->domain, sizeof(n->domain), "%s", at + 1);
		n->from_ok = 1;
	} else
		log_warn(NULL, "smtp_from: not an e-mail address, no mail "
		    "can be sent");
	return n;
}

void
notify_free(struct notifier *n)
{
	if (n == NULL)
		return;
	curl_easy_cleanup(n->curl);
	free(n);
}

static size_t
smtp_read(char *buf, size_t size, size_t nmemb, void *userp)
{
	struct smtp_upload	*up = userp;
	size_t			 n = size * nmemb;

	if (n > up->left)
		n = up->left;
	memcpy(buf, up->p, n);
	up->p += n;
	up->left -= n;
	return n;
}

/* err: what went wrong, printable ASCII only (server text is not ours). */
static void
smtp_reason(char *err, size_t errlen, CURLcode rc, const char *detail,
    long code)
{
	const char	*why = detail[0] != '\0' ? detail :
			    curl_easy_strerror(rc);
	char		*p;

	if (code >= 400)
		snprintf(err, errlen, "smtp: %s (server replied %ld)", why,
		    code);
	else
		snprintf(err, errlen, "smtp: %s", why);
	for (p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

static int
smtp_setup(struct notifier *n, struct smtp_upload *up, size_t len,
    struct curl_slist *rcpt)
{
	const struct hf_config	*c = n->cfg;
	CURL			*h = n->curl;
	CURLcode		 rc = CURLE_OK;
	long			 timeout = c->smtp_timeout_ms;

	curl_easy_reset(h);
	n->errbuf[0] = '\0';
	rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, n->errbuf);
	rc |= curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	rc |= curl_easy_setopt(h, CURLOPT_MAIL_FROM, n->mail_from);
	rc |= curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	rc |= curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_READFUNCTION, smtp_read);
	rc |= curl_easy_setopt(h, CURLOPT_READDATA, up);
	rc |= curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	if (c->smtp_user[0] != '\0') {
		rc |= curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		rc |= curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password);
		rc |= curl_easy_setopt(h, CURLOPT_USE_SSL,
		    (long)CURLUSESSL_ALL);
	}
	return rc == CURLE_OK ? 0 : -1;
}

/*
 * Sends one plain-text UTF-8 message to one recipient. Returns 0 once
 * the server accepted it; NOTIFY_PERMANENT when the message can never be
 * sent (bad address, line break in a header, too big); NOTIFY_RETRY for
 * everything else (server down, refused, timed out). err gets a reason
 * without secrets.
 */
int
notify_smtp_send(struct notifier *n, const char *to, const char *subject,
    const char *body, char *err, size_t errlen)
{
	struct notify_mail	 m;
	struct smtp_upload	 up;
	struct curl_slist	*rcpt = NULL;
	unsigned char		 rnd[16];
	char			 hex[2 * sizeof(rnd) + 1];
	char			 msgid[sizeof(hex) + 256 + 2];
	char			 rcpt_s[258];
	char			*msg = NULL;
	size_t			 len;
	CURLcode		 rc;
	long			 code = 0;
	int			 ret = NOTIFY_RETRY;

	if (!notify_addr_ok(to) || !notify_header_ok(subject)) {
		snprintf(err, errlen, "invalid recipient or line break in "
		    "the subject");
		return NOTIFY_PERMANENT;
	}
	if (!n->from_ok) {
		snprintf(err, errlen, "smtp_from is not an e-mail address");
		return NOTIFY_RETRY;
	}
	if (hf_random(rnd, sizeof(rnd)) != 0) {
		snprintf(err, errlen, "no randomness for the Message-ID");
		return NOTIFY_RETRY;
	}
	hf_hex(hex, rnd, sizeof(rnd));
	snprintf(msgid, sizeof(msgid), "%s@%s", hex, n->domain);
	m.from = n->cfg->smtp_from;
	m.to = to;
	m.subject = subject;
	m.body = body != NULL ? body : "";
	m.date = hf_unix_time();
	m.message_id = msgid;
	if (notify_mail_build(&m, &msg, &len, err, errlen) != 0)
		return NOTIFY_PERMANENT;
	snprintf(rcpt_s, sizeof(rcpt_s), "<%s>", to);
	if ((rcpt = curl_slist_append(NULL, rcpt_s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto free_msg;
	}
	up.p = msg;
	up.left = len;
	if (smtp_setup(n, &up, len, rcpt) != 0) {
		snprintf(err, errlen, "smtp: cannot set up libcurl");
		goto free_rcpt;
	}
	rc = curl_easy_perform(n->curl);
	curl_easy_getinfo(n->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		smtp_reason(err, errlen, rc, n->errbuf, code);
		goto free_rcpt;
	}
	ret = 0;
free_rcpt:
	/* the handle must not keep pointers into what is freed here */
	curl_easy_setopt(n->curl, CURLOPT_MAIL_RCPT, (struct curl_slist *)NULL);
	curl_easy_setopt(n->curl, CURLOPT_READDATA, (void *)NULL);
	curl_slist_free_all(rcpt);
free_msg:
	free(msg);
	return ret;
}
