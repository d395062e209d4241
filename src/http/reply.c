/*
 * reply.c: the one writer of every response body (design.md section 4).
 * Success: {"code","message":"success","data","timestamp","request_id"};
 * errors: {"code","error","message","details"?,"timestamp","request_id"}.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "holdfast/http.h"
#include "http_int.h"

/*
 * Serialises one envelope into the arena and returns it (length in *len),
 * or NULL when memory is short. Takes ownership of data and details.
 */
char *
http_envelope(struct arena *a, int status, const char *error,
    const char *message, json_object *data, json_object *details,
    int64_t timestamp, const char *request_id, size_t *len)
{
	json_object	*root;
	const char	*s;
	size_t		 n;
	char		*out;

	if ((root = json_object_new_object()) == NULL) {
		json_object_put(data);
		json_object_put(details);
		return NULL;
	}
	json_object_object_add(root, "code", json_object_new_int(status));
	if (error != NULL) {
		json_object_object_add(root, "error",
		    json_object_new_string(error));
		json_object_object_add(root, "message",
		    json_object_new_string(message));
		if (details != NULL)
			json_object_object_add(root, "details", details);
		json_object_put(data);
	} else {
		json_object_object_add(root, "message",
		    json_object_new_string(message != NULL ? message :
		    "success"));
		json_object_object_add(root, "data", data != NULL ? data :
		    json_object_new_object());
		json_object_put(details);
	}
	json_object_object_add(root, "timestamp",
	    json_object_new_int64(timestamp));
	json_object_object_add(root, "request_id",
	    json_object_new_string(request_id));
	s = json_object_to_json_string_length(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	out = s != NULL ? arena_strndup(a, s, n) : NULL;
	json_object_put(root);
	if (out != NULL && len != NULL)
		*len = n;
	return out;
}

void
http_header(struct http_request *req, const char *name, const char *value)
{
	struct http_header	*h;

	if ((h = arena_alloc(req->arena, sizeof(*h))) == NULL)
		return;
	h->name = arena_strdup(req->arena, name);
	h->value = arena_strdup(req->arena, value);
	if (h->name == NULL || h->value == NULL)
		return;
	h->next = req->headers_out;
	req->headers_out = h;
}

static const char *
reply_envelope(struct http_request *req, int status, const char *error,
    const char *message, json_object *data, json_object *details,
    size_t *lenp)
{
	char	*body;
	size_t	 len = 0;

	if (req->replied) {
		json_object_put(data);
		json_object_put(details);
		log_error(req->request_id, "second reply to one request");
		return NULL;
	}
	body = http_envelope(req->arena, status, error, message, data,
	    details, hf_unix_time(), req->request_id, &len);
	if (body == NULL) {
		static const char oom[] = "{\"code\":500,\"error\":\"SYS_002\","
		    "\"message\":\"internal error\"}";

		log_error(req->request_id, "out of memory building reply");
		http_write(req, 500, "application/json", oom,
		    sizeof(oom) - 1);
		return NULL;
	}
	http_write(req, status, HTTP_JSON_TYPE, body, len);
	if (lenp != NULL)
		*lenp = len;
	return body;
}

/* A success envelope around data (owned; NULL gives {}). */
void
http_reply(struct http_request *req, int status, json_object *data)
{
	reply_envelope(req, status, NULL, NULL, data, NULL, NULL);
}

void
http_reply_err(struct http_request *req, enum hf_err e, const char *message,
    json_object *details)
{
	http_reply_err_body(req, e, message, details, NULL);
}

/*
 * An error envelope for e, with message (NULL: the code's default) and
 * details (owned, may be NULL). 503 and 429 carry a Retry-After unless the
 * caller set one. Returns the body as written (arena), or NULL.
 */
const char *
http_reply_err_body(struct http_request *req, enum hf_err e,
    const char *message, json_object *details, size_t *len)
{
	struct http_header	*h;
	int			 status = hf_err_status(e);

	if (status == 503 || status == 429) {
		for (h = req->headers_out; h != NULL; h = h->next)
			if (strcasecmp(h->name, "Retry-After") == 0)
				break;
		if (h == NULL)
			http_header(req, "Retry-After", "5");
	}
	return reply_envelope(req, status, hf_err_code(e),
	    message != NULL ? message : hf_err_message(e), NULL, details, len);
}

void
http_reply_errf(struct http_request *req, enum hf_err e, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_reply_err(req, e, msg, NULL);
}

/*
 * A success envelope around data that is already JSON text (a cache hit):
 * no parse, no rebuild. The request id is [A-Za-z0-9._-] only, so it needs
 * no escaping.
 */
void
http_reply_data_raw(struct http_request *req, int status, const char *data,
    size_t len)
{
	struct http_part	part[3];
	char			head[64], tail[160];
	int			n, m;

	if (req->replied) {
		log_error(req->request_id, "second reply to one request");
		return;
	}
	/* the page itself is written where it lies: a list page is the
	 * largest thing a request holds, and is never copied again */
	n = snprintf(head, sizeof(head), "{\"code\":%d,\"message\":"
	    "\"success\",\"data\":", status);
	m = snprintf(tail, sizeof(tail), ",\"timestamp\":%lld,"
	    "\"request_id\":\"%s\"}", (long long)hf_unix_time(),
	    req->request_id);
	if (n < 0 || (size_t)n >= sizeof(head) || m < 0 ||
	    (size_t)m >= sizeof(tail)) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return;
	}
	part[0].data = head;
	part[0].len = (size_t)n;
	part[1].data = data;
	part[1].len = len;
	part[2].data = tail;
	part[2].len = (size_t)m;
	http_writev(req, status, HTTP_JSON_TYPE, part, 3);
}

/* A body already serialised (an idempotent replay, a metrics page). */
void
http_reply_raw(struct http_request *req, int status, const char *content_type,
    const char *body, size_t len)
{
	if (req->replied) {
		log_error(req->request_id, "second reply to one request");
		return;
	}
	http_write(req, status, content_type, body, len);
}
