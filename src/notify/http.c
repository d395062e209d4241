/*
 * http.c: webhook deliveries, one JSON POST each, on the notifier's one
 * curl easy handle (reset before every use, like smtp.c). Each POST is
 * signed with the webhook's secret, X-Holdfast-Signature: sha256=<hex
 * HMAC-SHA256 of the body>, and carries the event's id for receivers that
 * de-duplicate (delivery is at least once). Redirects are not followed:
 * a receiver answers 2xx itself or the delivery is retried.
 *
 * Targets: a webhook reaches public addresses only, unless
 * webhook_allow_private says otherwise. The URL's host is checked when
 * the webhook is made (an address literal in any spelling, and the names
 * of this host), and every address curl is about to connect to is checked
 * again in its open-socket callback, so a name that resolves (or later
 * re-resolves) to an internal address is refused too. No proxy is used:
 * through one, the address that is checked would be the proxy's.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
	/* "scheme://host" as written: curl would also take "http:///x" */
	i = strncasecmp(url, "http://", 7) == 0 ? 7 :
	    strncasecmp(url, "https://", 8) == 0 ? 8 : 0;
	if (i == 0 || url[i] == '/' || url[i] == '\\')
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

/* --- targets ----------------------------------------------------------- */

enum addr_kind {
	ADDR_PUBLIC,
	ADDR_LOOPBACK,		/* this host */
	ADDR_PRIVATE		/* private, link-local, reserved, multicast */
};

/* IPv4 blocks that are not the public Internet, host byte order. */
static const struct {
	uint32_t	net, mask;
} addr4_private[] = {
	{ 0x00000000, 0xff000000 },	/* 0.0.0.0/8 "this network" */
	{ 0x0a000000, 0xff000000 },	/* 10.0.0.0/8 */
	{ 0x64400000, 0xffc00000 },	/* 100.64.0.0/10 carrier NAT */
	{ 0xa9fe0000, 0xffff0000 },	/* 169.254.0.0/16 link-local */
	{ 0xac100000, 0xfff00000 },	/* 172.16.0.0/12 */
	{ 0xc0000000, 0xffffff00 },	/* 192.0.0.0/24 IETF protocols */
	{ 0xc0000200, 0xffffff00 },	/* 192.0.2.0/24 TEST-NET-1 */
	{ 0xc0a80000, 0xffff0000 },	/* 192.168.0.0/16 */
	{ 0xc6120000, 0xfffe0000 },	/* 198.18.0.0/15 benchmarking */
	{ 0xc6336400, 0xffffff00 },	/* 198.51.100.0/24 TEST-NET-2 */
	{ 0xcb007100, 0xffffff00 },	/* 203.0.113.0/24 TEST-NET-3 */
	{ 0xe0000000, 0xf0000000 },	/* 224.0.0.0/4 multicast */
	{ 0xf0000000, 0xf0000000 },	/* 240.0.0.0/4 reserved, broadcast */
};

static enum addr_kind
addr4_kind(uint32_t a)
{
	size_t	i;

	if ((a & 0xff000000) == 0x7f000000)
		return ADDR_LOOPBACK;
	for (i = 0; i < sizeof(addr4_private) / sizeof(addr4_private[0]); i++)
		if ((a & addr4_private[i].mask) == addr4_private[i].net)
			return ADDR_PRIVATE;
	return ADDR_PUBLIC;
}

static uint32_t
be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/* An IPv4 address carried inside an IPv6 one reaches another host. */
static enum addr_kind
addr4_embedded(const unsigned char *b)
{
	return addr4_kind(be32(b)) == ADDR_PUBLIC ? ADDR_PUBLIC :
	    ADDR_PRIVATE;
}

static enum addr_kind
addr6_kind(const unsigned char b[16])
{
	static const unsigned char	zero[12];

	if (memcmp(b, zero, 8) == 0) {
		if (be32(b + 8) == 0x0000ffff)		/* ::ffff:a.b.c.d */
			return addr4_kind(be32(b + 12));
		if (be32(b + 8) == 0 && be32(b + 12) == 1)
			return ADDR_LOOPBACK;		/* ::1 */
		return ADDR_PRIVATE;	/* ::, ::a.b.c.d, ::ffff:0:a.b.c.d */
	}
	if (be32(b) == 0x0064ff9b)	/* NAT64: 64:ff9b::/96, else local */
		return memcmp(b + 4, zero, 8) == 0 ? addr4_embedded(b + 12) :
		    ADDR_PRIVATE;
	if (b[0] == 0x20 && b[1] == 0x02)
		return addr4_embedded(b + 2);		/* 2002::/16 6to4 */
	if (be32(b) == 0x20010000 ||			/* 2001::/32 Teredo */
	    be32(b) == 0x20010db8 ||			/* 2001:db8::/32 docs */
	    (be32(b) == 0x01000000 && be32(b + 4) == 0) ||  /* 100::/64 */
	    (b[0] & 0xfe) == 0xfc ||			/* fc00::/7 ULA */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||	/* fe80::/10 */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) ||	/* fec0::/10 */
	    b[0] == 0xff)				/* ff00::/8 multicast */
		return ADDR_PRIVATE;
	return ADDR_PUBLIC;
}

static int
kind_allowed(enum addr_kind k, int allow)
{
	switch (k) {
	case ADDR_PUBLIC:
		return 1;
	case ADDR_LOOPBACK:
		return allow == HF_PRIVATE_LOOPBACK || allow == HF_PRIVATE_YES;
	default:
		return allow == HF_PRIVATE_YES;
	}
}

/*
 * What the host of a URL (as libcurl normalised it: IPv4 in dotted
 * decimal, IPv6 in brackets) is, or -1 when it is no host. A name is
 * public here unless it names this host; curl resolves it later, and each
 * address it would connect to is checked then.
 */
static int
host_kind(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 buf[256];
	size_t		 n = strlen(host);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	if (host[0] == '[') {
		if (n < 3 || host[n - 1] != ']')
			return -1;
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return -1;
		return addr6_kind(a6.s6_addr);
	}
	memcpy(buf, host, n + 1);
	if (buf[n - 1] == '.')		/* "127.0.0.1." is 127.0.0.1 */
		buf[--n] = '\0';
	/* inet_aton takes every old spelling: 127.1, 0x7f.1, 2130706433 */
	if (n > 0 && inet_aton(buf, &a4) != 0)
		return addr4_kind(ntohl(a4.s_addr));
	if (strcasecmp(buf, "localhost") == 0 ||
	    (n > 10 && strcasecmp(buf + n - 10, ".localhost") == 0) ||
	    strcasecmp(buf, "localhost.localdomain") == 0 ||
	    strcasecmp(buf, "ip6-localhost") == 0 ||
	    strcasecmp(buf, "ip6-loopback") == 0)
		return ADDR_LOOPBACK;
	return ADDR_PUBLIC;
}

/*
 * NOTIFY_TARGET_OK when url may be a webhook under allow (enum
 * hf_private_targets), NOTIFY_TARGET_BAD when it is no http(s) URL with a
 * host, NOTIFY_TARGET_PRIVATE when its host is an address (or a name of
 * this host) that allow refuses.
 */
int
notify_webhook_target(const char *url, int allow)
{
	CURLU	*u;
	char	*host = NULL;
	int	 rc = NOTIFY_TARGET_BAD, kind;

	if (!notify_webhook_url_ok(url))
		return NOTIFY_TARGET_BAD;
	if ((u = curl_url()) == NULL)
		return NOTIFY_TARGET_BAD;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    (kind = host_kind(host)) >= 0)
		rc = kind_allowed((enum addr_kind)kind, allow) ?
		    NOTIFY_TARGET_OK : NOTIFY_TARGET_PRIVATE;
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/*
 * curl's open-socket callback: every address a delivery is about to
 * connect to, after DNS, whatever the URL said. A refused one is not
 * opened (curl then tries the name's next address, if any).
 */
static curl_socket_t
http_open_socket(void *clientp, curlsocktype purpose,
    struct curl_sockaddr *sa)
{
	struct notifier		*n = clientp;
	struct sockaddr_storage	 ss;
	enum addr_kind		 kind = ADDR_PRIVATE;
	size_t			 len = sa->addrlen;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, &sa->addr, len < sizeof(ss) ? len : sizeof(ss));
	if (sa->family == AF_INET && len >= sizeof(struct sockaddr_in))
		kind = addr4_kind(ntohl(((struct sockaddr_in *)(void *)&ss)->
		    sin_addr.s_addr));
	else if (sa->family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6))
		kind = addr6_kind(((struct sockaddr_in6 *)(void *)&ss)->
		    sin6_addr.s6_addr);
	if (!kind_allowed(kind, n->cfg->webhook_allow_private)) {
		n->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(sa->family, sa->socktype, sa->protocol);
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
	rc |= curl_easy_setopt(h, CURLOPT_PROXY, "");
	rc |= curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION,
	    http_open_socket);
	rc |= curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, n);
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
	n->refused = 0;
	rc = curl_easy_perform(n->curl);
	if (rc != CURLE_OK && n->refused) {
		snprintf(err, errlen, "webhook: target address refused "
		    "(private, loopback or reserved; webhook_allow_private)");
		ret = NOTIFY_PERMANENT;
		goto free_headers;
	}
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
	curl_easy_setopt(n->curl, CURLOPT_OPENSOCKETFUNCTION,
	    (curl_opensocket_callback)NULL);
	curl_slist_free_all(headers);
	return ret;
}
