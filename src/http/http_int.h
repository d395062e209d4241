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

/* Writes status line, headers and body to the client (serve.c). */
void	http_write(struct http_request *, int status,
	    const char *content_type, const char *body, size_t len);

#define HTTP_MAX_PARTS	4

struct http_part {
	const char	*data;
	size_t		 len;
};

void	http_writev(struct http_request *, int status,
	    const char *content_type, const struct http_part *, size_t);

#endif /* HOLDFAST_HTTP_INT_H */
