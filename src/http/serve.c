/*
 * serve.c: the FastCGI accept loop. spawn-fcgi hands the listening socket
 * over as fd 0; each accepted request gets the worker's one arena, which
 * is reset when the request ends. The front door answers 413, 404, 405,
 * 415, 401/403 and malformed JSON before any handler runs.
 */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "holdfast/app.h"
#include "holdfast/http.h"
#include "holdfast/metrics.h"
#include "http_int.h"

/* above 4 x max_body_bytes: room for the largest list page (100 products
 * at every cap need about 8 MiB: their rows and the page's text) */
#define HTTP_ARENA_SLACK	(12 * 1024 * 1024)
#define HTTP_JSON_DEPTH		32
#define HTTP_USER_AGENT_MAX	511	/* bytes; audit_log.user_agent */

static volatile sig_atomic_t	serve_busy;
static volatile sig_atomic_t	serve_stopping;

/* SIGTERM: leave now when idle, else after the current request. */
static void
serve_on_term(int sig)
{
	(void)sig;
	if (!serve_busy)
		_exit(0);
	serve_stopping = 1;
}

static const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

const char *
http_env(const struct http_request *req, const char *name)
{
	const FCGX_Request	*fr = req->io;

	return FCGX_GetParam(name, fr->envp);
}

/*
 * Writes the status line, the headers and the body, given as parts that
 * are sent one after the other (a cached page goes out between its
 * envelope's head and tail, never copied into one buffer). libfcgi's own
 * printf knows no %zu, so headers are formatted here and written as plain
 * bytes.
 */
void
http_writev(struct http_request *req, int status, const char *content_type,
    const struct http_part *parts, size_t nparts)
{
	FCGX_Request		*fr = req->io;
	struct http_header	*h;
	struct http_part	 part[HTTP_MAX_PARTS];
	char			 head[1024], *clean[HTTP_MAX_PARTS];
	size_t			 i, len = 0;
	int			 n;

	if (nparts > HTTP_MAX_PARTS)
		nparts = HTTP_MAX_PARTS;
	/*
	 * The last line of defence: no answer carries bytes that are not
	 * UTF-8, whatever a handler echoed or an old row holds. Each part
	 * is whole JSON text or ASCII, so each is repaired on its own.
	 */
	for (i = 0; i < nparts; i++) {
		part[i] = parts[i];
		clean[i] = NULL;
		if (part[i].len > 0 && !hf_utf8_valid(part[i].data,
		    part[i].len) && (clean[i] = malloc(part[i].len * 3)) !=
		    NULL) {
			log_warn(req->request_id, "reply part of %zu bytes was "
			    "not UTF-8: repaired", part[i].len);
			part[i].len = hf_utf8_repair(clean[i], part[i].data,
			    part[i].len);
			part[i].data = clean[i];
		}
		len += part[i].len;
	}
	req->replied = 1;
	req->status = status;
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "X-Request-Id: %s\r\n"
	    "Cache-Control: no-store\r\n", status, http_reason(status),
	    content_type, len, req->request_id);
	if (n > 0 && (size_t)n < sizeof(head))
		FCGX_PutStr(head, n, fr->out);
	for (h = req->headers_out; h != NULL; h = h->next) {
		n = snprintf(head, sizeof(head), "%s: %s\r\n", h->name,
		    h->value);
		if (n > 0 && (size_t)n < sizeof(head))
			FCGX_PutStr(head, n, fr->out);
	}
	FCGX_PutStr("\r\n", 2, fr->out);
	for (i = 0; i < nparts; i++) {
		if (req->method != HTTP_HEAD && part[i].len > 0)
			FCGX_PutStr(part[i].data, (int)part[i].len, fr->out);
		free(clean[i]);
	}
}

void
http_write(struct http_request *req, int status, const char *content_type,
    const char *body, size_t len)
{
	struct http_part	one = { body, len };

	http_writev(req, status, content_type, &one, 1);
}

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

static int
is_json_type(const char *ct)
{
	size_t	n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static int
serve_read_body(struct http_request *req, size_t len)
{
	FCGX_Request	*fr = req->io;
	char		*buf;
	int		 got;

	if ((buf = arena_alloc(req->arena, len + 1)) == NULL)
		return -1;
	got = len > 0 ? FCGX_GetStr(buf, (int)len, fr->in) : 0;
	if (got < 0 || (size_t)got != len)
		return -1;
	buf[len] = '\0';
	req->body = buf;
	req->body_len = len;
	return 0;
}

static void
put_json(void *obj)
{
	json_object_put(obj);
}

/* Parses the body as one JSON object. Replies and returns -1 if not. */
static int
serve_parse_json(struct http_request *req)
{
	struct json_tokener	*tok;
	json_object		*obj, *details;
	enum json_tokener_error	 jerr;
	const char		*text, *why;
	size_t			 len;
	char			 path[256];

	if (req->body_len == 0) {
		req->json = json_object_new_object();
		arena_on_reset(req->arena, put_json, req->json);
		return 0;
	}
	if ((tok = json_tokener_new_ex(HTTP_JSON_DEPTH)) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	if (http_json_raw_control(req->body, req->body_len)) {
		json_tokener_free(tok);
		http_reply_err(req, HF_E_REQ_JSON, "malformed JSON: a control "
		    "character inside a string must be escaped", NULL);
		return -1;
	}
	/* the raw body stays as sent: it is the idempotency fingerprint */
	if ((text = http_json_escapes(req->arena, req->body, req->body_len,
	    &len)) == NULL) {
		json_tokener_free(tok);
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	/* UTF-8 is checked after parsing, where the field can be named */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj != NULL && jerr == json_tokener_success &&
	    json_tokener_get_parse_end(tok) < len) {
		/* trailing bytes after the value: only white space may stay */
		size_t	i;

		for (i = json_tokener_get_parse_end(tok); i < len; i++)
			if (text[i] != ' ' && text[i] != '\n' &&
			    text[i] != '\r' && text[i] != '\t')
				jerr = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		json_object_put(obj);
		http_reply_errf(req, HF_E_REQ_JSON, "malformed JSON: %s",
		    obj == NULL && jerr == json_tokener_success ?
		    "incomplete" : json_tokener_error_desc(jerr));
		return -1;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		http_reply_err(req, HF_E_REQ_JSON,
		    "the body must be a JSON object", NULL);
		return -1;
	}
	if (arena_on_reset(req->arena, put_json, obj) != 0) {
		json_object_put(obj);
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	if ((why = http_json_check(obj, path, sizeof(path))) != NULL) {
		if (path[0] == '\0')
			snprintf(path, sizeof(path), "body");
		details = json_object_new_object();
		json_object_object_add(details, "field",
		    json_object_new_string(path));
		json_object_object_add(details, "reason",
		    json_object_new_string(why));
		http_reply_err(req, HF_E_REQ_FIELD, arena_printf(req->arena,
		    "%s: %s", path, why), details);
		return -1;
	}
	req->json = obj;
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

/* Checks the parsed body against the route's schema; replies if bad. */
static int
serve_schema(struct http_request *req)
{
	const struct body_schema	*sc = req->route->schema;
	const char			*field = NULL, *reason = NULL;
	json_object			*details;
	int				 rc;

	if (sc == NULL)
		return 0;
	req->fv = arena_calloc(req->arena, sc->nfields + 1,
	    sizeof(*req->fv));
	if (req->fv == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	rc = schema_check(sc, req->json, req->arena, req->fv, &field, &reason);
	if (rc == HF_OK)
		return 0;
	details = json_object_new_object();
	json_object_object_add(details, "field", json_object_new_string(field));
	json_object_object_add(details, "reason",
	    json_object_new_string(reason));
	http_reply_err(req, rc, arena_printf(req->arena, "%s: %s", field,
	    reason), details);
	return -1;
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

static void
serve_one(struct http_request *req, const struct route *routes,
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
	    !is_json_type(req->content_type)) {
		http_reply_err(req, HF_E_REQ_MEDIA_TYPE,
		    "expected Content-Type: application/json", NULL);
		return;
	}
	if (req->route->body != ROUTE_BODY_NONE &&
	    serve_read_body(req, (size_t)content_length) != 0) {
		http_reply_err(req, HF_E_REQ_BAD, "incomplete request body",
		    NULL);
		return;
	}
	if (http_guard(req) != 0)
		return;
	if (req->route->body == ROUTE_BODY_JSON &&
	    (serve_parse_json(req) != 0 || serve_schema(req) != 0))
		return;
	req->route->handler(req);
	http_guard_end(req);
	if (!req->replied) {
		log_error(req->request_id, "handler for %s %s wrote no reply",
		    req->method_name, req->route->pattern);
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
	}
}

/*
 * Maps the shared counters (metrics_file) with a row named for every
 * route. Here rather than in app_init(): only the workers count, and
 * holdfast-admin, run as root, must not create the file that the workers
 * (www-data) could then not open. A failure only costs the counters.
 */
static void
serve_metrics_open(struct app *app, const struct route *routes,
    size_t nroutes)
{
	struct metrics_route	*names;
	char			 err[512];
	size_t			 i;

	if (app->cfg.metrics_file[0] == '\0') {
		log_info(NULL, "metrics_file is empty: no request counters");
		return;
	}
	if ((names = calloc(nroutes + 1, sizeof(*names))) == NULL) {
		log_warn(NULL, "metrics: out of memory: no request counters");
		return;
	}
	for (i = 0; i < nroutes; i++) {
		names[i].method = http_method_name(routes[i].method);
		names[i].pattern = routes[i].pattern;
	}
	if (metrics_open(app->cfg.metrics_file, names, nroutes, err,
	    sizeof(err)) != 0)
		log_warn(NULL, "%s: serving without request counters", err);
	else
		log_debug(NULL, "metrics: slot %d of %s", metrics_slot(),
		    app->cfg.metrics_file);
	free(names);
}

/*
 * Accepts and serves requests until SIGTERM or a fatal accept error.
 * Returns 0 on a clean stop, -1 otherwise.
 */
int
http_serve(struct app *app, const struct route *routes, size_t nroutes)
{
	FCGX_Request		 fr;
	struct arena		 arena;
	struct http_request	 req;
	struct sigaction	 sa;
	int64_t			 usec;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_error(NULL, "FastCGI initialisation failed");
		return -1;
	}
	arena_init(&arena, (size_t)app->cfg.max_body_bytes * 4 +
	    HTTP_ARENA_SLACK);
	serve_metrics_open(app, routes, nroutes);
	while (!serve_stopping) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		serve_busy = 1;
		memset(&req, 0, sizeof(req));
		req.app = app;
		req.arena = &arena;
		req.io = &fr;
		req.started_us = hf_now_us();
		serve_one(&req, routes, nroutes);
		usec = hf_now_us() - req.started_us;
		log_access(req.method_name, req.raw_uri, req.status, usec,
		    req.request_id);
		/* counted before the reply is flushed, so a client that has
		 * its answer finds it in the next scrape */
		metrics_request(req.route != NULL ?
		    (int)(req.route - routes) : -1, req.status, usec);
		FCGX_Finish_r(&fr);
		arena_reset(&arena);
		serve_busy = 0;
	}
	metrics_close();
	arena_free(&arena);
	FCGX_Free(&fr, 1);
	return serve_stopping ? 0 : -1;
}
