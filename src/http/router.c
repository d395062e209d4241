/*
 * router.c: matches a method and a decoded path against the route table.
 * Patterns are literal segments and {name} segments; a {name} segment
 * matches one non-empty path segment and is captured in order.
 */
#include <string.h>

#include "holdfast/http.h"

static const char *const http_method_names[HTTP_METHOD__MAX] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"
};

int
http_method_parse(const char *s)
{
	int	i;

	for (i = 0; i < HTTP_METHOD__MAX; i++)
		if (strcmp(http_method_names[i], s) == 0)
			return i;
	return -1;
}

const char *
http_method_name(enum http_method m)
{
	return (unsigned)m < HTTP_METHOD__MAX ? http_method_names[m] : "?";
}

/*
 * Matches path against one pattern. Captured segments are copied into
 * scratch, NUL-terminated, and args points at them. Returns the number of
 * captures, or -1 when the path does not match.
 */
static int
route_pattern_match(const char *pat, const char *path, const char **args,
    char *scratch, size_t scratchlen)
{
	const char	*p = pat, *s = path, *pe, *se;
	size_t		 n = 0, used = 0, len;

	for (;;) {
		if (*p != '/' || *s != '/')
			return -1;
		p++;
		s++;
		pe = strchr(p, '/');
		if (pe == NULL)
			pe = p + strlen(p);
		se = strchr(s, '/');
		if (se == NULL)
			se = s + strlen(s);
		if (*p == '{') {
			len = (size_t)(se - s);
			if (len == 0 || n >= HTTP_MAX_ARGS ||
			    used + len + 1 > scratchlen)
				return -1;
			memcpy(scratch + used, s, len);
			scratch[used + len] = '\0';
			args[n++] = scratch + used;
			used += len + 1;
		} else if ((size_t)(pe - p) != (size_t)(se - s) ||
		    memcmp(p, s, (size_t)(pe - p)) != 0)
			return -1;
		p = pe;
		s = se;
		if (*p == '\0' && *s == '\0')
			return (int)n;
		if (*p == '\0' || *s == '\0')
			return -1;
	}
}

/*
 * Finds the route for method and path. ROUTE_FOUND fills *found and the
 * captures, NUL-terminated copies kept in the caller's scratch buffer;
 * ROUTE_NO_METHOD sets allow[m] for every method the path accepts. HEAD
 * matches GET.
 */
enum route_match
router_match(const struct route *routes, size_t nroutes, enum http_method m,
    const char *path, const struct route **found, const char **args,
    size_t *nargs, int allow[HTTP_METHOD__MAX], char *scratch,
    size_t scratchlen)
{
	const char	*tmp[HTTP_MAX_ARGS];
	size_t		 i;
	int		 n, any = 0;

	memset(allow, 0, sizeof(int) * HTTP_METHOD__MAX);
	for (i = 0; i < nroutes; i++) {
		n = route_pattern_match(routes[i].pattern, path, tmp, scratch,
		    scratchlen);
		if (n < 0)
			continue;
		any = 1;
		allow[routes[i].method] = 1;
		if (routes[i].method == m ||
		    (m == HTTP_HEAD && routes[i].method == HTTP_GET)) {
			memcpy(args, tmp, sizeof(tmp[0]) * (size_t)n);
			*nargs = (size_t)n;
			*found = &routes[i];
			return ROUTE_FOUND;
		}
	}
	return any ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}
