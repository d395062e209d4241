/*
 * chat.c: the catalog assistant's client (issue 14, item 5): one JSON POST
 * to an OpenAI-compatible chat-completions endpoint (DeepSeek's API is
 * one) on the notifier's curl easy handle, reset before every use as for
 * webhooks (http.c). The URL is the operator's (config), so no target
 * check applies; only http and https, no redirects, no proxy.
 *
 * Time: one deadline, total_ms, covers everything, the retry and its wait
 * included, so a worker is never held longer; each connect is bounded by
 * connect_ms too. One retry on a 5xx, a 429 or a connect that timed out,
 * after Retry-After (at most retry_max_s; 200 ms when none) when that
 * still fits before the deadline. A read that timed out has used the
 * deadline: no retry. The key goes in the Authorization header only; no
 * error text names it or the URL.
 *
 * The request is {model, messages, stream: false}; the answer must be
 * JSON with choices[0].message.content a string, else it is garbage.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "holdfast/notify.h"
#include "notify_int.h"

#define CHAT_UA		"Holdfast-Assistant/1"
#define CHAT_BODY_MAX	(1024 * 1024)	/* an answer past it is garbage */
#define CHAT_PAUSE_MS	200		/* before a retry without Retry-After */
#define CHAT_MIN_TRY_MS	100		/* a retry needs at least this left */

struct chat_sink {
	char	*p;
	size_t	 len, cap;
	int	 toobig;
	long	 retry_after;		/* seconds, -1: none */
	/* a streamed answer (c->stream): its SSE lines as they come */
	const struct notify_chat *c;
	CURL	*h;
	size_t	 line;			/* where the next line starts in p */
	int	 sse;			/* a data: line with a delta came */
	size_t	 deltas;		/* passed on to c->on_delta */
	char	*text;			/* the deltas, joined */
	size_t	 tlen, tcap;
};

static int
chat_grow(char **p, size_t *cap, size_t need)
{
	size_t	 n = *cap == 0 ? 16384 : *cap;
	char	*q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if ((q = realloc(*p, n)) == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/*
 * One line of a streamed answer: "data: {...}" with choices[0].delta.
 * content (passed on and kept), "data: [DONE]", or anything else (an
 * event name, a comment, a blank line), which is skipped.
 */
static void
chat_sse_line(struct chat_sink *s, const char *l, size_t n)
{
	json_tokener	*tok;
	json_object	*o, *v;
	const char	*t;
	size_t		 tn;

	if (n > 0 && l[n - 1] == '\r')
		n--;
	if (n < 5 || strncmp(l, "data:", 5) != 0)
		return;
	l += 5;
	n -= 5;
	while (n > 0 && *l == ' ') {
		l++;
		n--;
	}
	if (n == 6 && strncmp(l, "[DONE]", 6) == 0)
		return;
	if ((tok = json_tokener_new()) == NULL)
		return;
	o = json_tokener_parse_ex(tok, l, (int)n);
	json_tokener_free(tok);
	if (o == NULL)
		return;
	if (json_object_object_get_ex(o, "choices", &v) &&
	    json_object_is_type(v, json_type_array) &&
	    (v = json_object_array_get_idx(v, 0)) != NULL &&
	    json_object_object_get_ex(v, "delta", &v) &&
	    json_object_object_get_ex(v, "content", &v) &&
	    json_object_is_type(v, json_type_string)) {
		s->sse = 1;
		t = json_object_get_string(v);
		tn = (size_t)json_object_get_string_len(v);
		if (tn > 0 && chat_grow(&s->text, &s->tcap, s->tlen + tn + 1) ==
		    0) {
			memcpy(s->text + s->tlen, t, tn);
			s->tlen += tn;
			s->text[s->tlen] = '\0';
			if (s->c->on_delta != NULL)
				s->c->on_delta(s->c->delta_arg, t, tn);
			s->deltas++;
		}
	}
	json_object_put(o);
}

static long long
chat_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
chat_write(char *buf, size_t size, size_t nmemb, void *userp)
{
	struct chat_sink	*s = userp;
	size_t			 n = size * nmemb;
	char			*p;

	if (s->len + n > CHAT_BODY_MAX) {
		s->toobig = 1;
		return 0;		/* curl stops: CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		size_t	cap = s->cap == 0 ? 16384 : s->cap;

		while (cap < s->len + n + 1)
			cap *= 2;
		if ((p = realloc(s->p, cap)) == NULL)
			return 0;
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->len, buf, n);
	s->len += n;
	s->p[s->len] = '\0';
	/* a streamed answer: each whole line as it comes (2xx only) */
	if (s->c->stream) {
		long	 code = 0;
		char	*nl;

		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
		while (code >= 200 && code <= 299 && (nl = memchr(s->p +
		    s->line, '\n', s->len - s->line)) != NULL) {
			chat_sse_line(s, s->p + s->line,
			    (size_t)(nl - (s->p + s->line)));
			s->line = (size_t)(nl - s->p) + 1;
		}
	}
	return n;
}

/* Retry-After: delta-seconds only (an HTTP date counts as none). */
static size_t
chat_header(char *buf, size_t size, size_t nitems, void *userp)
{
	struct chat_sink	*s = userp;
	size_t			 n = size * nitems, i = 12;
	long			 v = 0;

	if (n > 12 && strncasecmp(buf, "Retry-After:", 12) == 0) {
		while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (i < n && buf[i] >= '0' && buf[i] <= '9') {
			for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
				if (v < 100000)
					v = v * 10 + (buf[i] - '0');
			s->retry_after = v;
		}
	}
	return n;
}

/* {url}/chat/completions, or url itself when it names that already. */
static int
chat_url(char *out, size_t outlen, const char *url)
{
	static const char	 tail[] = "/chat/completions";
	size_t			 n = strlen(url), t = sizeof(tail) - 1;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= t && strncmp(url + n - t, tail, t) == 0)
		t = 0;
	if (n + t + 1 > outlen)
		return -1;
	memcpy(out, url, n);
	memcpy(out + n, tail, t);
	out[n + t] = '\0';
	return 0;
}

static int
chat_setup(struct notifier *n, const char *url, const struct notify_chat *c,
    const char *body, size_t blen, struct curl_slist *headers,
    struct chat_sink *sink, long left_ms)
{
	CURL		*h = n->curl;
	CURLcode	 rc = CURLE_OK;
	long		 conn = c->connect_ms < left_ms ? c->connect_ms : left_ms;

	curl_easy_reset(h);
	n->errbuf[0] = '\0';
	rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, n->errbuf);
	rc |= curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_PROXY, "");
	rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
	rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, conn);
	rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(h, CURLOPT_POST, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)blen);
	rc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, chat_write);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	rc |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, chat_header);
	rc |= curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);
	return rc == CURLE_OK ? 0 : -1;
}

static struct curl_slist *
chat_headers(const char *key)
{
	struct curl_slist	*h = NULL, *n;
	char			 auth[600];
	const char		*line[4];
	size_t			 i, nl = 3;

	line[0] = "Content-Type: application/json";
	line[1] = "Expect:";
	line[2] = "User-Agent: " CHAT_UA;
	if (key != NULL && key[0] != '\0') {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
		line[nl++] = auth;
	}
	for (i = 0; i < nl; i++) {
		if ((n = curl_slist_append(h, line[i])) == NULL) {
			curl_slist_free_all(h);
			h = NULL;
			break;
		}
		h = n;
	}
	explicit_bzero(auth, sizeof(auth));
	return h;
}

/* The request's JSON, or NULL (out of memory): json_object_put it. */
static json_object *
chat_request(const struct notify_chat *c)
{
	json_object	*o = json_object_new_object(), *msgs, *m;
	size_t		 i;

	if (o == NULL || (msgs = json_object_new_array()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "model", json_object_new_string(c->model));
	for (i = 0; i < c->nmsgs; i++) {
		if ((m = json_object_new_object()) == NULL)
			break;
		json_object_object_add(m, "role",
		    json_object_new_string(c->msgs[i].role));
		json_object_object_add(m, "content",
		    json_object_new_string(c->msgs[i].content));
		json_object_array_add(msgs, m);
	}
	json_object_object_add(o, "messages", msgs);
	json_object_object_add(o, "stream",
	    json_object_new_boolean(c->stream != 0));
	return o;
}

/*
 * choices[0].message.content of an answer, malloc'd into out, or -1 when
 * the answer is no such JSON (or the content is empty or not UTF-8).
 */
static int
chat_content(const char *body, size_t len, struct notify_chat_reply *out)
{
	json_tokener	*tok;
	json_object	*o, *v;
	const char	*s;
	size_t		 n;
	int		 rc = -1;

	if ((tok = json_tokener_new()) == NULL)
		return -1;
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success)
		goto done;
	for (n = json_tokener_get_parse_end(tok); n < len; n++)
		if (body[n] != ' ' && body[n] != '\n' && body[n] != '\r' &&
		    body[n] != '\t')
			goto done;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "choices", &v) ||
	    !json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) < 1 ||
	    (v = json_object_array_get_idx(v, 0)) == NULL ||
	    !json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, "message", &v) ||
	    !json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, "content", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto done;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || memchr(s, '\0', n) != NULL || !hf_utf8_valid(s, n) ||
	    (out->content = malloc(n + 1)) == NULL)
		goto done;
	memcpy(out->content, s, n);
	out->content[n] = '\0';
	out->len = n;
	rc = 0;
done:
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

/* The joined deltas of a streamed answer as its content. */
static int
chat_streamed(struct chat_sink *s, struct notify_chat_reply *out)
{
	if (s->tlen == 0 || memchr(s->text, '\0', s->tlen) != NULL ||
	    !hf_utf8_valid(s->text, s->tlen))
		return NOTIFY_CHAT_GARBAGE;
	out->content = s->text;
	out->len = s->tlen;
	out->streamed = s->deltas;
	s->text = NULL;
	return NOTIFY_CHAT_OK;
}

static void
chat_pause(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * Asks the model. Returns NOTIFY_CHAT_OK with the answer's content in out
 * (notify_chat_reply_free it) when it answered 2xx with one, else one of NOTIFY_CHAT_* with err saying why (never the key nor
 * the URL) and out->retry_after (seconds) for NOTIFY_CHAT_BUSY.
 */
int
notify_chat_post(struct notifier *n, const struct notify_chat *c,
    struct notify_chat_reply *out, char *err, size_t errlen)
{
	struct curl_slist	*headers;
	struct chat_sink	 sink;
	json_object		*req;
	const char		*body;
	size_t			 blen;
	char			 url[NOTIFY_URL_MAX + 32];
	long long		 deadline = chat_now_ms() + c->total_ms, left;
	long			 code, wait;
	CURLcode		 rc;
	int			 attempt, ret = NOTIFY_CHAT_FAILED;

	memset(out, 0, sizeof(*out));
	if (c->url == NULL || !notify_webhook_url_ok(c->url) ||
	    chat_url(url, sizeof(url), c->url) != 0) {
		snprintf(err, errlen, "assistant_url is no http(s) URL");
		return NOTIFY_CHAT_FAILED;
	}
	if ((req = chat_request(c)) == NULL ||
	    (body = json_object_to_json_string_length(req,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	    &blen)) == NULL) {
		json_object_put(req);
		snprintf(err, errlen, "out of memory");
		return NOTIFY_CHAT_FAILED;
	}
	if ((headers = chat_headers(c->key)) == NULL) {
		json_object_put(req);
		snprintf(err, errlen, "out of memory");
		return NOTIFY_CHAT_FAILED;
	}
	for (attempt = 1; attempt <= 2; attempt++) {
		out->attempts = attempt;
		memset(&sink, 0, sizeof(sink));
		sink.retry_after = -1;
		sink.c = c;
		sink.h = n->curl;
		if ((left = deadline - chat_now_ms()) < CHAT_MIN_TRY_MS) {
			snprintf(err, errlen, "no time left for the model");
			ret = NOTIFY_CHAT_TIMEOUT;
			break;
		}
		if (chat_setup(n, url, c, body, blen, headers, &sink,
		    (long)left) != 0) {
			snprintf(err, errlen, "cannot set up libcurl");
			ret = NOTIFY_CHAT_FAILED;
			break;
		}
		rc = curl_easy_perform(n->curl);
		code = 0;
		curl_easy_getinfo(n->curl, CURLINFO_RESPONSE_CODE, &code);
		out->http_status = (int)code;
		wait = -1;
		if (rc == CURLE_OK && code >= 200 && code <= 299) {
			if (c->stream && sink.p != NULL && sink.line < sink.len)
				chat_sse_line(&sink, sink.p + sink.line,
				    sink.len - sink.line);
			ret = NOTIFY_CHAT_GARBAGE;
			if (sink.sse)
				ret = chat_streamed(&sink, out);
			else if (sink.p != NULL && chat_content(sink.p, sink.len,
			    out) == 0) {
				ret = NOTIFY_CHAT_OK;
				/* a whole answer to a stream: one delta */
				if (c->stream && c->on_delta != NULL)
					c->on_delta(c->delta_arg, out->content,
					    out->len);
			}
			if (ret != NOTIFY_CHAT_OK)
				snprintf(err, errlen, "the model's answer is "
				    "no chat completion");
			break;
		}
		if (rc == CURLE_OPERATION_TIMEDOUT) {
			/* a connect that timed out may be retried */
			curl_off_t	ct = 0;

			curl_easy_getinfo(n->curl, CURLINFO_CONNECT_TIME_T,
			    &ct);
			snprintf(err, errlen, "the model did not answer in time");
			ret = NOTIFY_CHAT_TIMEOUT;
			if (ct == 0)
				wait = CHAT_PAUSE_MS;
		} else if (rc == CURLE_WRITE_ERROR && sink.toobig) {
			snprintf(err, errlen, "the model's answer is over "
			    "%d bytes", CHAT_BODY_MAX);
			ret = NOTIFY_CHAT_GARBAGE;
		} else if (rc != CURLE_OK) {
			snprintf(err, errlen, "the model could not be "
			    "reached: %s", curl_easy_strerror(rc));
			ret = NOTIFY_CHAT_DOWN;
		} else if (code == 429 || code >= 500) {
			snprintf(err, errlen, "the model answered %ld", code);
			ret = code == 429 ? NOTIFY_CHAT_BUSY :
			    NOTIFY_CHAT_FAILED;
			out->retry_after = sink.retry_after > 0 ?
			    (int)sink.retry_after : 1;
			wait = sink.retry_after >= 0 ? sink.retry_after * 1000 :
			    CHAT_PAUSE_MS;
			if (sink.retry_after > c->retry_max_s)
				wait = -1;	/* longer than we wait */
		} else {
			snprintf(err, errlen, "the model answered %ld", code);
			ret = NOTIFY_CHAT_FAILED;
		}
		out->streamed = sink.deltas;
		free(sink.p);
		sink.p = NULL;
		free(sink.text);
		sink.text = NULL;
		/* what was passed on cannot be taken back: no retry */
		if (sink.deltas > 0)
			wait = -1;
		if (attempt == 2 || wait < 0 ||
		    chat_now_ms() + wait + CHAT_MIN_TRY_MS > deadline)
			break;
		if (wait > 0)
			chat_pause(wait);
	}
	free(sink.p);
	free(sink.text);
	curl_easy_setopt(n->curl, CURLOPT_HTTPHEADER,
	    (struct curl_slist *)NULL);
	curl_easy_setopt(n->curl, CURLOPT_POSTFIELDS, (char *)NULL);
	curl_slist_free_all(headers);
	json_object_put(req);
	return ret;
}

void
notify_chat_reply_free(struct notify_chat_reply *r)
{
	free(r->content);
	r->content = NULL;
	r->len = 0;
}
