/*
 * io.c: a request as libfcgi holds it: the CGI parameters nginx or Apache
 * passed (http_env), the body's bytes, and the answer written back:
 * status line, headers and body parts, repaired to UTF-8 if they are not.
 */
#include <fcgiapp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/http.h"
#include "http_int.h"

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

int
http_body_read(struct http_request *req, size_t len)
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

/*
 * The status line and the headers; with Content-Length unless len is
 * (size_t)-1 (a streamed body). libfcgi's own printf knows no %zu, so
 * headers are formatted here and written as plain bytes.
 */
static void
http_head(struct http_request *req, int status, const char *content_type,
    size_t len)
{
	FCGX_Request		*fr = req->io;
	struct http_header	*h;
	char			 head[1024], clen[48] = "";
	int			 n;

	req->replied = 1;
	req->status = status;
	if (len != (size_t)-1)
		snprintf(clen, sizeof(clen), "Content-Length: %zu\r\n", len);
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "%s"
	    "X-Request-Id: %s\r\n"
	    "Cache-Control: no-store\r\n", status, http_reason(status),
	    content_type, clen, req->request_id);
	if (n > 0 && (size_t)n < sizeof(head))
		FCGX_PutStr(head, n, fr->out);
	for (h = req->headers_out; h != NULL; h = h->next) {
		n = snprintf(head, sizeof(head), "%s: %s\r\n", h->name,
		    h->value);
		if (n > 0 && (size_t)n < sizeof(head))
			FCGX_PutStr(head, n, fr->out);
	}
	FCGX_PutStr("\r\n", 2, fr->out);
}

/*
 * Writes the status line, the headers and the body, given as parts that
 * are sent one after the other (a cached page goes out between its
 * envelope's head and tail, never copied into one buffer).
 */
void
http_writev(struct http_request *req, int status, const char *content_type,
    const struct http_part *parts, size_t nparts)
{
	FCGX_Request		*fr = req->io;
	struct http_part	 part[HTTP_MAX_PARTS];
	char			*clean[HTTP_MAX_PARTS];
	size_t			 i, len = 0;

	if (nparts > HTTP_MAX_PARTS)
		nparts = HTTP_MAX_PARTS;
	/*
	 * The last line of defence: no answer carries bytes that are not
	 * UTF-8, whatever a handler echoed or an old row holds. Each part
	 * is whole JSON text or ASCII, so each is repaired on its own. An
	 * image (a cover from the database, issue 16) is bytes, not text.
	 */
	for (i = 0; i < nparts; i++) {
		part[i] = parts[i];
		clean[i] = NULL;
		if (part[i].len > 0 && strncmp(content_type, "image/", 6) != 0 &&
		    !hf_utf8_valid(part[i].data,
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
	http_head(req, status, content_type, len);
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

void
http_stream_begin(struct http_request *req, int status,
    const char *content_type)
{
	if (req->replied) {
		log_error(req->request_id, "second reply to one request");
		return;
	}
	http_head(req, status, content_type, (size_t)-1);
}

int
http_stream_write(struct http_request *req, const char *data, size_t len)
{
	FCGX_Request	*fr = req->io;
	char		*clean = NULL;
	int		 rc = 0;

	if (req->aborted)
		return -1;
	if (req->method == HTTP_HEAD || len == 0)
		return 0;
	/* each part is whole rows, so each is repaired on its own */
	if (!hf_utf8_valid(data, len)) {
		if ((clean = malloc(len * 3)) == NULL)
			return -1;
		log_warn(req->request_id, "stream part of %zu bytes was not "
		    "UTF-8: repaired", len);
		len = hf_utf8_repair(clean, data, len);
		data = clean;
	}
	if (len > INT_MAX || FCGX_PutStr(data, (int)len, fr->out) < 0)
		rc = -1;
	free(clean);
	return rc;
}

void
http_stream_flush(struct http_request *req)
{
	FCGX_Request	*fr = req->io;

	if (!req->aborted && req->method != HTTP_HEAD)
		FCGX_FFlush(fr->out);
}

void
http_stream_abort(struct http_request *req)
{
	req->aborted = 1;
}
