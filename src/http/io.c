/*
 * io.c: a request as libfcgi holds it: the CGI parameters nginx or Apache
 * passed (http_env), the body's bytes, and the answer written back:
 * status line, headers and body parts, repaired to UTF-8 if they are not.
 */
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>

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
