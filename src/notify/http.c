/*
 * http.c: webhook deliveries, one JSON POST each, on the notifier's one
 * curl easy handle (reset before every use, like smtp.c). Each POST is
 * signed with the webhook's secret, X-Holdfast-Signature: sha256=<hex
 * HMAC-SHA256 of the body>, and carries the event's id for receivers that
 * de-duplicate (delivery is at least once). Redirects are not followed:
 * a receiver answers 2xx itself or the delivery is retried.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "holdfast/notify.h"
#include "notify_int.h"

#define WEBHOOK_UA	"Holdfast-Webhook/1"

/*
 * 1 if url is an absolute http:// or https:// URL with a host that libcurl
 * can parse (no spaces, no control characters), 0 otherwise.
 */
int
notify_webhook_url_ok(const char *url)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL;
	int	 ok = 0;
	size_t	 i;

	if (url == NULL || strlen(url) > NOTIFY_URL_MAX)
		return 0;
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
			return 0;
	if ((u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto free_url;
	ok = (strcasecmp(scheme, "http") == 0 ||
	    strcasecmp(scheme, "https") == 0) && host[0] != '\0';
free_url:
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ok;
}

/* The receiver's answer is not needed: read and dropped. */
static size_t
http_discard(char *buf, size_t size, size_t nmemb, void *userp)
{
	(void)buf;
	(void)userp;
	return size * nmemb;
}

/* A header value we send must not break the header block. */
static int
http_value_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 100)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static struct curl_slist *
http_headers(const struct notify_webhook *w, const char *signature)
{
	struct curl_slist	*h = NULL, *n;
	char			 line[7][160];
	size_t			 i;

	snprintf(line[0], sizeof(line[0]), "Content-Type: application/json");
	/* an empty Expect: no 100-continue round trip */
	snprintf(line[1], sizeof(line[1]), "Expect:");
	snprintf(line[2], sizeof(line[2]), "User-Agent: %s", WEBHOOK_UA);
	snprintf(line[3], sizeof(line[3]), "X-Holdfast-Event: %s", w->event);
	snprintf(line[4], sizeof(line[4]), "X-Holdfast-Event-Id: %s",
	    w->event_id);
	snprintf(line[5], sizeof(line[5]), "X-Holdfast-Delivery: %llu",
	    (unsigned long long)w->delivery_id);
	snprintf(line[6], sizeof(line[6]), "X-Holdfast-Signature: sha256=%s",
	    signature);
	for (i = 0; i < sizeof(line) / sizeof(line[0]); i++) {
		if ((n = curl_slist_append(h, line[i])) == NULL) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = n;
	}
	return h;
}

static int
http_setup(struct notifier *n, const struct notify_webhook *w,
    struct curl_slist *headers)
{
	CURL		*h = n->curl;
	CURLcode	 rc = CURLE_OK;
	long		 timeout = n->cfg->webhook_timeout_ms;

	curl_easy_reset(h);
	n->errbuf[0] = '\0';
	rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, n->errbuf);
	rc |= curl_easy_setopt(h, CURLOPT_URL, w->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(h, CURLOPT_POST, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, w->body);
	rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)w->len);
	rc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_discard);
	return rc == CURLE_OK ? 0 : -1;
}

/* err: what went wrong, printable ASCII only, never the URL (it may hold
 * a token) nor the secret. */
static void
http_reason(char *err, size_t errlen, CURLcode rc, const char *detail)
{
	char	*p;

	snprintf(err, errlen, "http: %s", detail[0] != '\0' ? detail :
	    curl_easy_strerror(rc));
	for (p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

/*
 * POSTs one event to one webhook. Returns 0 once the receiver answered
 * 2xx; NOTIFY_PERMANENT when the delivery can never work (bad URL, no
 * secret); NOTIFY_RETRY for everything else (refused, timed out, any
 * other status). err gets a reason without secrets.
 */
int
notify_webhook_post(struct notifier *n, const struct notify_webhook *w,
    char *err, size_t errlen)
{
	struct curl_slist	*headers;
	unsigned char		 mac[32];
	char			 sig[2 * sizeof(mac) + 1];
	CURLcode		 rc;
	long			 code = 0;
	int			 ret = NOTIFY_RETRY;

	if (!notify_webhook_url_ok(w->url) || w->secret == NULL ||
	    w->secret[0] == '\0' || !http_value_ok(w->event) ||
	    !http_value_ok(w->event_id) || w->body == NULL) {
		snprintf(err, errlen, "webhook: bad URL, secret, event or "
		    "body");
		return NOTIFY_PERMANENT;
	}
	if (hf_hmac_sha256(mac, w->secret, strlen(w->secret), w->body,
	    w->len) != 0) {
		snprintf(err, errlen, "webhook: cannot sign");
		return NOTIFY_RETRY;
	}
	hf_hex(sig, mac, sizeof(mac));
	if ((headers = http_headers(w, sig)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NOTIFY_RETRY;
	}
	if (http_setup(n, w, headers) != 0) {
		snprintf(err, errlen, "http: cannot set up libcurl");
		goto free_headers;
	}
	rc = curl_easy_perform(n->curl);
	if (rc != CURLE_OK) {
		http_reason(err, errlen, rc, n->errbuf);
		goto free_headers;
	}
	curl_easy_getinfo(n->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		snprintf(err, errlen, "http: receiver answered %ld", code);
		goto free_headers;
	}
	ret = 0;
free_headers:
	/* the handle must not keep pointers into what is freed here */
	curl_easy_setopt(n->curl, CURLOPT_HTTPHEADER,
	    (struct curl_slist *)NULL);
	curl_easy_setopt(n->curl, CURLOPT_POSTFIELDS, (char *)NULL);
	curl_slist_free_all(headers);
	return ret;
}
