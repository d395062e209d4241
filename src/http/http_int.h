/*
 * http_int.h: what the files of src/http share and nobody else sees.
 */
#ifndef HOLDFAST_HTTP_INT_H
#define HOLDFAST_HTTP_INT_H

#include "holdfast/http.h"

struct http_header {
	struct http_header	*next;
	const char		*name;
	const char		*value;
};

/* Writes status line, headers and body to the client (io.c). */
void	http_write(struct http_request *, int status,
	    const char *content_type, const char *body, size_t len);

#define HTTP_MAX_PARTS	4

struct http_part {
	const char	*data;
	size_t		 len;
};

void	http_writev(struct http_request *, int status,
	    const char *content_type, const struct http_part *, size_t);

/* io.c: reads len bytes of body into req->body. Returns 0 or -1. */
int	http_body_read(struct http_request *, size_t len);

/*
 * body.c: http_body_is_json is 1 for an application/json Content-Type;
 * http_body_parse parses the body as one JSON object into req->json, and
 * http_body_schema checks it against the route's schema into req->fv.
 * Those two reply (4xx or 500) and return -1 when they refuse.
 */
int	http_body_is_json(const char *content_type);
int	http_body_is_csv(const char *content_type);
int	http_body_parse(struct http_request *);
int	http_body_schema(struct http_request *);

/* front.c: serves one accepted request, replying whatever happens. */
void	http_serve_one(struct http_request *, const struct route *,
	    size_t nroutes);

#endif /* HOLDFAST_HTTP_INT_H */
