/*
 * front.c: the front door of one request, from the CGI parameters to its
 * handler: the request id, method, path and query string, then 413, 404,
 * 405, 415, 401/403 (http_guard) and a bad JSON body, answered before any
 * handler runs; then the route's handler, and a 500 if it wrote nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/http.h"
#include "http_int.h"

#define HTTP_USER_AGENT_MAX	511	/* bytes; audit_log.user_agent */

static void
serve_request_id(struct http_request *req)
{
	const char	*given = http_env(req, "HTTP_X_REQUEST_ID");
	unsigned char	 rnd[12];

	if (http_request_id_valid(given)) {
		snprintf(req->request_id, sizeof(req->request_id), "%s",
		    given);
		return;
	}
	if (hf_random(rnd, sizeof(rnd)) != 0)
		memset(rnd, 0, sizeof(rnd));
	hf_hex(req->request_id, rnd, sizeof(rnd));
}

/* 1 if s[0..len) has a C0 control character or DEL. */
static int
has_control(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * The decoded path without the query, from REQUEST_URI (nginx, Apache).
 * Returns 0, or -1 for a bad escape or bytes no path may hold (NUL and
 * other controls, anything not UTF-8).
 */
static int
serve_path(struct http_request *req)
{
	const char	*uri = http_env(req, "REQUEST_URI");
	const char	*q;
	size_t		 n;
	char		*path;

	if (uri == NULL || *uri == '\0')
		uri = http_env(req, "DOCUMENT_URI");
	if (uri == NULL || *uri == '\0')
		uri = http_env(req, "SCRIPT_NAME");
	if (uri == NULL || *uri != '/')
		return -1;
	req->raw_uri = uri;
	q = strchr(uri, '?');
	n = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if ((path = arena_alloc(req->arena, n + 1)) == NULL ||
	    http_url_decode(path, uri, n, 0) != 0)
		return -1;
	n = strlen(path);
	if (!hf_utf8_valid(path, n) || has_control(path, n))
		return -1;
	if (n > 1 && path[n - 1] == '/')
		path[n - 1] = '\0';
	req->path = path;
	return 0;
}

/*
 * Splits QUERY_STRING into decoded pairs. Returns 0, or -1 for a bad
 * escape, NUL or bytes that are not UTF-8, with the parameter's name in
 * *bad when the name itself is clean.
 */
static int
serve_query(struct http_request *req, const char **bad)
{
	size_t	i;

	*bad = NULL;
	if (http_query_parse(req->arena, http_env(req, "QUERY_STRING"),
	    &req->query, &req->nquery) != 0)
		return -1;
	for (i = 0; i < req->nquery; i++) {
		const char	*k = req->query[i].name, *v = req->query[i].value;

		if (!hf_utf8_valid(k, strlen(k)))
			return -1;
		if (!hf_utf8_valid(v, strlen(v))) {
			if (strlen(k) <= 64)
				*bad = k;
			return -1;
		}
	}
	return 0;
}

static void
serve_allow(struct http_request *req, const int allow[HTTP_METHOD__MAX])
{
	char	buf[128] = "";
	size_t	n = 0;
	int	m;

	for (m = 0; m < HTTP_METHOD__MAX; m++) {
		if (!allow[m])
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    n > 0 ? ", " : "", http_method_name(m));
		if (m == HTTP_GET)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    ", HEAD");
		if (n >= sizeof(buf))
			break;
	}
	http_header(req, "Allow", buf);
}


/* 400 REQ_012 for a malformed part of the request, named in details. */
static void
serve_bad(struct http_request *req, const char *part, const char *why)
{
	json_object	*details = json_object_new_object();

	json_object_object_add(details, "field", json_object_new_string(part));
	json_object_object_add(details, "reason", json_object_new_string(why));
	http_reply_err(req, HF_E_REQ_BAD, arena_printf(req->arena,
	    "malformed request: %s: %s", part, why), details);
}

/*
 * User-Agent is only recorded (audit log, 512 characters): bytes that are
 * not UTF-8 become U+FFFD and it is cut on a character boundary, rather
 * than refusing a client for what it cannot help.
 */
static void
serve_user_agent(struct http_request *req)
{
	const char	*ua = req->user_agent;
	size_t		 len;
	char		*clean;

	if (ua == NULL)
		return;
	len = strlen(ua);
	if (!hf_utf8_valid(ua, len)) {
		if ((clean = arena_alloc(req->arena, len * 3 + 1)) == NULL) {
			req->user_agent = NULL;
			return;
		}
		len = hf_utf8_repair(clean, ua, len);
		clean[len] = '\0';
		ua = clean;
	}
	if (len > HTTP_USER_AGENT_MAX)
		ua = arena_strndup(req->arena, ua, hf_utf8_cut(ua, len,
		    HTTP_USER_AGENT_MAX));
	req->user_agent = ua;
}

void
http_serve_one(struct http_request *req, const struct route *routes,
    size_t nroutes)
{
	const char		*cl, *args[HTTP_MAX_ARGS], *bad = NULL, *idem;
	json_object		*details;
	int			 allow[HTTP_METHOD__MAX], m;
	long long		 content_length = 0;
	size_t			 cap, nargs = 0, i;
	enum route_match	 match = ROUTE_NO_PATH;
	char			 scratch[1024];

	serve_request_id(req);
	req->method_name = http_env(req, "REQUEST_METHOD");
	if (req->method_name == NULL)
		req->method_name = "GET";
	m = http_method_parse(req->method_name);
	req->method = m >= 0 ? (enum http_method)m : HTTP_METHOD__MAX;
	req->content_type = http_env(req, "CONTENT_TYPE");
	req->remote_addr = http_env(req, "REMOTE_ADDR");
	req->user_agent = http_env(req, "HTTP_USER_AGENT");
	req->authorization = http_env(req, "HTTP_AUTHORIZATION");
	req->raw_uri = "-";

	serve_user_agent(req);
	if (serve_path(req) != 0) {
		serve_bad(req, "path", "a bad %-escape, or bytes that are not "
		    "UTF-8 text (NUL and other control characters included)");
		return;
	}
	memset(allow, 0, sizeof(allow));
	match = router_match(routes, nroutes, req->method, req->path,
	    &req->route, args, &nargs, allow, scratch, sizeof(scratch));

	cl = http_env(req, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0' &&
	    hf_parse_ll(cl, 0, 1LL << 40, &content_length) != 0) {
		http_reply_err(req, HF_E_REQ_BAD, "bad Content-Length", NULL);
		return;
	}
	cap = (size_t)req->app->cfg.max_body_bytes;
	if (match == ROUTE_FOUND && req->route->max_body > 0)
		cap = req->route->max_body;
	if ((unsigned long long)content_length > cap) {
		http_reply_errf(req, HF_E_REQ_TOO_LARGE,
		    "request body too large: %lld bytes, at most %zu",
		    content_length, cap);
		return;
	}
	if (match == ROUTE_NO_PATH) {
		http_reply_err(req, HF_E_REQ_NO_ROUTE, NULL, NULL);
		return;
	}
	if (match == ROUTE_NO_METHOD) {
		serve_allow(req, allow);
		http_reply_errf(req, HF_E_REQ_METHOD,
		    "method %.16s not allowed here", req->method_name);
		return;
	}
	for (i = 0; i < nargs; i++)
		req->args[i] = arena_strdup(req->arena, args[i]);
	req->nargs = nargs;
	if (serve_query(req, &bad) != 0) {
		details = json_object_new_object();
		json_object_object_add(details, "field",
		    json_object_new_string(bad != NULL ? bad : "query string"));
		json_object_object_add(details, "reason",
		    json_object_new_string("a bad %-escape, NUL or bytes that "
		    "are not UTF-8"));
		http_reply_err(req, HF_E_REQ_FIELD, arena_printf(req->arena,
		    "malformed query string%s%s", bad != NULL ? ": " : "",
		    bad != NULL ? bad : ""), details);
		return;
	}
	idem = http_env(req, "HTTP_IDEMPOTENCY_KEY");
	if (idem != NULL && (!hf_utf8_valid(idem, strlen(idem)) ||
	    has_control(idem, strlen(idem)))) {
		serve_bad(req, "Idempotency-Key", "must be UTF-8 text without "
		    "control characters");
		return;
	}
	if (req->route->body == ROUTE_BODY_JSON && content_length > 0 &&
	    !http_body_is_json(req->content_type)) {
		http_reply_err(req, HF_E_REQ_MEDIA_TYPE,
		    "expected Content-Type: application/json", NULL);
		return;
	}
	if (req->route->body == ROUTE_BODY_CSV &&
	    !http_body_is_csv(req->content_type)) {
		http_reply_err(req, HF_E_REQ_MEDIA_TYPE,
		    "expected Content-Type: text/csv (charset UTF-8)", NULL);
		return;
	}
	if (req->route->body != ROUTE_BODY_NONE &&
	    http_body_read(req, (size_t)content_length) != 0) {
		http_reply_err(req, HF_E_REQ_BAD, "incomplete request body",
		    NULL);
		return;
	}
	if (http_guard(req) != 0)
		return;
	if (req->route->body == ROUTE_BODY_JSON &&
	    (http_body_parse(req) != 0 || http_body_schema(req) != 0))
		return;
	req->route->handler(req);
	http_guard_end(req);
	if (!req->replied) {
		log_error(req->request_id, "handler for %s %s wrote no reply",
		    req->method_name, req->route->pattern);
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
	}
}
