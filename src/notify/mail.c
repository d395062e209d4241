/*
 * mail.c: builds one plain-text RFC 5322 message in memory, with CRLF
 * line ends. No I/O and no libcurl here, so the unit tests can check
 * every header and encoding. The subject travels as RFC 2047 encoded
 * words when it is not plain ASCII; the body is 7bit when it can be and
 * quoted-printable otherwise, so no relay needs 8BITMIME.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "holdfast/notify.h"

/* RFC 5322 2.1.1: longest line, without its CRLF */
#define MAIL_LINE_MAX	998
/* RFC 2045 6.7 (5): longest quoted-printable line, with the soft "=" */
#define MAIL_QP_LINE	76
/*
 * Raw bytes per encoded word: 56 base64 characters, a word of 68, a first
 * line of 77 with "Subject: ".
 */
#define MAIL_WORD_BYTES	42

/* 1 when s is non-NULL and holds no CR or LF (header injection). */
int
notify_header_ok(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL;
}

/*
 * 1 when s is one bare address that is safe in an SMTP command and a
 * header: printable ASCII, no space, no characters that start comments,
 * routes or lists, exactly one "@" with text on both sides, 254 bytes at
 * most (RFC 5321 4.5.3.1.3).
 */
int
notify_addr_ok(const char *s)
{
	const char	*at = NULL, *p;
	size_t		 n;

	if (s == NULL || (n = strlen(s)) < 3 || n > 254)
		return 0;
	for (p = s; *p != '\0'; p++) {
		unsigned char	c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
			return 0;
		if (c == '@') {
			if (at != NULL)
				return 0;
			at = p;
		}
	}
	return at != NULL && at != s && at[1] != '\0';
}

/*
 * The bare address of a From value, "addr" or "Name <addr>", into out.
 * Returns 0, or -1 when there is none or it does not fit.
 */
int
notify_from_addr(const char *from, char *out, size_t outlen)
{
	const char	*lt, *gt;
	size_t		 n;

	if (!notify_header_ok(from))
		return -1;
	if ((lt = strrchr(from, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
			return -1;
		lt++;
		n = (size_t)(gt - lt);
	} else {
		lt = from;
		n = strlen(from);
	}
	if (n >= outlen)
		return -1;
	memcpy(out, lt, n);
	out[n] = '\0';
	return notify_addr_ok(out) ? 0 : -1;
}

/* RFC 5322 3.3 date in UTC: "Fri, 21 Nov 2025 10:00:00 +0000". */
static int
mail_date(struct hf_buf *b, int64_t t)
{
	static const char	*const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char	*const months[] = { "Jan", "Feb", "Mar",
	    "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm		 tm;
	time_t			 tt = (time_t)t;
	char			 s[64];
	int			 n;

	if (gmtime_r(&tt, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		return -1;
	n = snprintf(s, sizeof(s), "Date: %s, %02d %s %04d %02d:%02d:%02d "
	    "+0000\r\n", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= sizeof(s))
		return -1;
	return hf_buf_put(b, s, (size_t)n);
}

/* One encoded word's text: at most MAIL_WORD_BYTES raw bytes. */
static int
mail_base64(struct hf_buf *b, const unsigned char *in, size_t n)
{
	char	enc[(MAIL_WORD_BYTES + 2) / 3 * 4 + 1];
	size_t	len;

	if (n > MAIL_WORD_BYTES ||
	    ((len = hf_b64_encode(enc, sizeof(enc), in, n)) == 0 && n > 0))
		return -1;
	return hf_buf_put(b, enc, len);
}

/* Length of the UTF-8 sequence that starts with c (1 for stray bytes). */
static size_t
utf8_len(unsigned char c)
{
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	if (c >= 0xe0)
		return c <= 0xef ? 3 : 1;
	if (c >= 0xc2)
		return 2;
	return 1;
}

/*
 * The Subject header. Printable ASCII that cannot be read as an encoded
 * word goes as it is; anything else as "=?UTF-8?B?...?=" words (RFC
 * 2047: at most 75 characters each), one per folded line of at most 78,
 * never splitting a character.
 */
static int
mail_subject(struct hf_buf *b, const char *subject)
{
	const unsigned char	*s = (const unsigned char *)subject;
	size_t			 n = strlen(subject), i, start, cl;
	int			 plain = n <= MAIL_LINE_MAX - 10 &&
				     strstr(subject, "=?") == NULL;

	for (i = 0; plain && i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			plain = 0;
	if (hf_buf_puts(b, "Subject: ") != 0)
		return -1;
	if (plain) {
		if (hf_buf_put(b, subject, n) != 0)
			return -1;
		return hf_buf_puts(b, "\r\n");
	}
	for (start = 0; start < n;) {
		for (i = start; i < n; i += cl) {
			cl = utf8_len(s[i]);
			if (i + cl > n)
				cl = n - i;
			if (i + cl - start > MAIL_WORD_BYTES)
				break;
		}
		if (start > 0 && hf_buf_puts(b, "\r\n ") != 0)
			return -1;
		if (hf_buf_puts(b, "=?UTF-8?B?") != 0 ||
		    mail_base64(b, s + start, i - start) != 0 ||
		    hf_buf_puts(b, "?=") != 0)
			return -1;
		start = i;
	}
	return hf_buf_puts(b, "\r\n");
}

/*
 * Splits body into lines at CRLF, LF or a lone CR, and tells whether all
 * of it can go as 7bit: printable ASCII and tabs, lines of at most 998
 * bytes.
 */
static int
body_is_7bit(const char *body)
{
	const unsigned char	*p;
	size_t			 col = 0;

	for (p = (const unsigned char *)body; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n') {
			col = 0;
			continue;
		}
		if ((*p < 0x20 && *p != '\t') || *p > 0x7e)
			return 0;
		if (++col > MAIL_LINE_MAX)
			return 0;
	}
	return 1;
}

/* Length of the line at p, up to (not counting) its CR, LF or NUL. */
static size_t
line_len(const char *p)
{
	return strcspn(p, "\r\n");
}

/* Steps over one line end (CRLF, LF or CR) at p. */
static const char *
skip_eol(const char *p)
{
	if (p[0] == '\r' && p[1] == '\n')
		return p + 2;
	if (p[0] == '\r' || p[0] == '\n')
		return p + 1;
	return p;
}

static int
body_7bit(struct hf_buf *b, const char *p)
{
	size_t	n;

	while (*p != '\0') {
		n = line_len(p);
		if (hf_buf_put(b, p, n) != 0 || hf_buf_puts(b, "\r\n") != 0)
			return -1;
		p = skip_eol(p + n);
	}
	return 0;
}

/*
 * Quoted-printable (RFC 2045 6.7): "=", controls, bytes above 126 and
 * a space or tab that ends a line are "=XX"; lines are cut with soft
 * breaks ("=" CRLF) at 76 characters.
 */
static int
body_qp(struct hf_buf *b, const char *p)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s;
	size_t			 n, i, col, tl;
	char			 tok[3];

	while (*p != '\0') {
		n = line_len(p);
		s = (const unsigned char *)p;
		col = 0;
		for (i = 0; i < n; i++) {
			if ((s[i] >= 33 && s[i] <= 126 && s[i] != '=') ||
			    ((s[i] == ' ' || s[i] == '\t') && i + 1 < n)) {
				tok[0] = (char)s[i];
				tl = 1;
			} else {
				tok[0] = '=';
				tok[1] = hex[s[i] >> 4];
				tok[2] = hex[s[i] & 15];
				tl = 3;
			}
			if (col + tl > MAIL_QP_LINE - 1) {
				if (hf_buf_puts(b, "=\r\n") != 0)
					return -1;
				col = 0;
			}
			if (hf_buf_put(b, tok, tl) != 0)
				return -1;
			col += tl;
		}
		if (hf_buf_puts(b, "\r\n") != 0)
			return -1;
		p = skip_eol(p + n);
	}
	return 0;
}

/*
 * Builds the whole message: Date, From, To, Subject, Message-ID,
 * MIME-Version, Content-Type, Content-Transfer-Encoding, a blank line and
 * the body, every line ending in CRLF. Returns 0 with *out (the caller
 * frees it) and *outlen, or -1 with a reason in err.
 */
int
notify_mail_build(const struct notify_mail *m, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct hf_buf	 b;
	int		 seven;

	*out = NULL;
	*outlen = 0;
	hf_buf_init(&b, NULL, NOTIFY_MAIL_MAX);
	if (!notify_header_ok(m->from) || !notify_header_ok(m->message_id) ||
	    !notify_header_ok(m->subject)) {
		snprintf(err, errlen, "line break in a header");
		return -1;
	}
	if (!notify_addr_ok(m->to)) {
		snprintf(err, errlen, "invalid recipient address");
		return -1;
	}
	seven = body_is_7bit(m->body != NULL ? m->body : "");
	if (mail_date(&b, m->date) != 0 ||
	    hf_buf_puts(&b, "From: ") != 0 || hf_buf_puts(&b, m->from) != 0 ||
	    hf_buf_puts(&b, "\r\nTo: ") != 0 || hf_buf_puts(&b, m->to) != 0 ||
	    hf_buf_puts(&b, "\r\n") != 0 ||
	    mail_subject(&b, m->subject) != 0 ||
	    hf_buf_puts(&b, "Message-ID: <") != 0 ||
	    hf_buf_puts(&b, m->message_id) != 0 ||
	    hf_buf_puts(&b, ">\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: ") != 0 ||
	    hf_buf_puts(&b, seven ? "7bit" : "quoted-printable") != 0 ||
	    hf_buf_puts(&b, "\r\n\r\n") != 0)
		goto fail;
	if (m->body != NULL &&
	    (seven ? body_7bit(&b, m->body) : body_qp(&b, m->body)) != 0)
		goto fail;
	*out = b.p;
	*outlen = b.len;
	return 0;
fail:
	if (b.toobig)
		snprintf(err, errlen, "message larger than %d bytes or out "
		    "of memory", NOTIFY_MAIL_MAX);
	else
		snprintf(err, errlen, "cannot build the message");
	hf_buf_free(&b);
	return -1;
}
