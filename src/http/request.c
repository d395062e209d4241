/*
 * request.c: pure helpers over a request: percent-decoding, the query
 * string, the request id rule.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "holdfast/http.h"

/*
 * Decodes len bytes of src into dst (at least len + 1 bytes), turning '+'
 * into a space when plus is set. Returns 0, or -1 for a bad escape or an
 * encoded NUL.
 */
int
http_url_decode(char *dst, const char *src, size_t len, int plus)
{
	size_t	i, o = 0;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if (src[i] == '%') {
			if (i + 2 >= len)
				return -1;
			hi = hf_hex_value((unsigned char)src[i + 1]);
			lo = hf_hex_value((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			dst[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus && src[i] == '+')
			dst[o++] = ' ';
		else if (src[i] == '\0')
			return -1;
		else
			dst[o++] = src[i];
	}
	dst[o] = '\0';
	return 0;
}

/* A client's X-Request-Id is kept when it is 1-64 of [A-Za-z0-9._-]. */
int
http_request_id_valid(const char *s)
{
	size_t	n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		if (n >= 64)
			return 0;
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' &&
		    s[n] != '_' && s[n] != '-')
			return 0;
	}
	return n > 0;
}

/*
 * Splits a query string ("a=1&b=x+y&c") into decoded name/value pairs in
 * arena memory; empty pairs are skipped, a name without '=' gets "". A
 * NULL or empty qs gives no pairs. Returns 0, or -1 for a bad escape (or
 * an encoded NUL) or when the arena is full. Pure: the serve loop passes
 * QUERY_STRING, the fuzzer (tests/fuzz/fuzz_query.c) anything.
 */
int
http_query_parse(struct arena *a, const char *qs, struct http_param **out,
    size_t *nout)
{
	const char		*p, *amp, *eq;
	size_t			 n = 1, i = 0, klen, vlen;
	char			*k, *v;
	struct http_param	*q;

	*out = NULL;
	*nout = 0;
	if (qs == NULL || *qs == '\0')
		return 0;
	for (p = qs; *p != '\0'; p++)
		if (*p == '&')
			n++;
	if ((q = arena_calloc(a, n, sizeof(*q))) == NULL)
		return -1;
	for (p = qs; *p != '\0' && i < n; p = *amp != '\0' ? amp + 1 : amp) {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		if (amp == p)
			continue;
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = (size_t)((eq != NULL ? eq : amp) - p);
		vlen = eq != NULL ? (size_t)(amp - eq - 1) : 0;
		k = arena_alloc(a, klen + 1);
		v = arena_alloc(a, vlen + 1);
		if (k == NULL || v == NULL ||
		    http_url_decode(k, p, klen, 1) != 0 ||
		    http_url_decode(v, eq != NULL ? eq + 1 : "", vlen, 1) != 0)
			return -1;
		q[i].name = k;
		q[i].value = v;
		i++;
	}
	*out = q;
	*nout = i;
	return 0;
}

/* The first value of a query parameter, decoded, or NULL. */
const char *
http_query(const struct http_request *req, const char *name)
{
	size_t	i;

	for (i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].name, name) == 0)
			return req->query[i].value;
	return NULL;
}
