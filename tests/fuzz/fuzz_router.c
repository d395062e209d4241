/*
 * fuzz_router.c: a method and a decoded path against the real route
 * table (api_routes, src/api/routes.c), as http_serve_one() matches them.
 *
 * Input: the first byte picks the method (one more value than there are
 * methods: an unknown method, which front.c passes as HTTP_METHOD__MAX);
 * the rest, up to a NUL, is the path. router_match() is compared with a
 * reference matcher written here, one that splits both strings into
 * segment lists first:
 *  - ROUTE_FOUND is the first route, in table order, whose pattern
 *    matches and whose method is the one asked (HEAD also takes GET);
 *    putting the captures back into its pattern gives the path again,
 *    and each capture is one non-empty segment;
 *  - ROUTE_NO_METHOD: some pattern matches, none with this method, and
 *    allow[] is exactly the methods of the matching patterns;
 *  - ROUTE_NO_PATH: no pattern matches.
 * A path whose captures do not fit the caller's scratch buffer (1 KB in
 * front.c) matches nothing, as in router.c.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/http.h"
#include "fuzz.h"

#define FUZZ_SCRATCH	1024	/* serve_one()'s scratch[] */
#define FUZZ_MAXSEG	512

struct seg {
	const char	*s;
	size_t		 len;
};

/* "/a/b" -> {a, b}; "/" -> {""}; -1 if s does not start with '/'. */
static int
split(const char *s, struct seg *out, size_t max, size_t *n)
{
	const char	*p;
	size_t		 i = 0;

	if (*s != '/')
		return -1;
	for (p = s + 1;; p++) {
		const char	*start = p;

		while (*p != '\0' && *p != '/')
			p++;
		if (i == max)
			return -1;
		out[i].s = start;
		out[i].len = (size_t)(p - start);
		i++;
		if (*p == '\0')
			break;
	}
	*n = i;
	return 0;
}

/*
 * 1 if the path, split into ss[ns], matches pattern within a scratch of
 * scratchlen bytes.
 */
static int
ref_match(const char *pattern, const struct seg *ss, size_t ns,
    size_t scratchlen)
{
	static struct seg	 ps[FUZZ_MAXSEG];
	size_t			 np, i, caps = 0, used = 0;

	if (split(pattern, ps, FUZZ_MAXSEG, &np) != 0 || np != ns)
		return 0;
	for (i = 0; i < np; i++) {
		if (ps[i].len > 0 && ps[i].s[0] == '{') {
			if (ss[i].len == 0)
				return 0;
			caps++;
			used += ss[i].len + 1;
			continue;
		}
		if (ps[i].len != ss[i].len ||
		    memcmp(ps[i].s, ss[i].s, ps[i].len) != 0)
			return 0;
	}
	return caps <= HTTP_MAX_ARGS && used <= scratchlen;
}

/* The pattern with each {name} replaced by the next capture. */
static void
check_rebuild(const char *pattern, const char *path, const char **args,
    size_t nargs)
{
	static char	 buf[8192];
	const char	*p = pattern;
	size_t		 o = 0, k = 0, n;

	while (*p != '\0') {
		if (*p == '{') {
			FUZZ_ASSERT(k < nargs);
			n = strlen(args[k]);
			FUZZ_ASSERT(n > 0 && strchr(args[k], '/') == NULL);
			FUZZ_ASSERT(o + n < sizeof(buf));
			memcpy(buf + o, args[k++], n);
			o += n;
			while (*p != '\0' && *p != '}')
				p++;
			if (*p == '}')
				p++;
			continue;
		}
		FUZZ_ASSERT(o + 1 < sizeof(buf));
		buf[o++] = *p++;
	}
	buf[o] = '\0';
	FUZZ_ASSERT(k == nargs);
	FUZZ_ASSERT(strcmp(buf, path) == 0);
}

static int
method_takes(enum http_method route, int m)
{
	return (int)route == m || (m == HTTP_HEAD && route == HTTP_GET);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 path[8192];
	static struct seg	 ss[FUZZ_MAXSEG];
	char			 scratch[FUZZ_SCRATCH];
	const struct route	*found = NULL;
	const char		*args[HTTP_MAX_ARGS];
	int			 allow[HTTP_METHOD__MAX];
	int			 want[HTTP_METHOD__MAX];
	size_t			 nargs = 0, i, first = (size_t)-1, len;
	size_t			 ns;
	int			 m, any = 0, split_ok;
	enum route_match	 rc;

	if (size < 1 || size > sizeof(path))
		return 0;
	m = data[0] % (HTTP_METHOD__MAX + 1);
	len = strnlen((const char *)data + 1, size - 1);
	memcpy(path, data + 1, len);
	path[len] = '\0';

	memset(want, 0, sizeof(want));
	split_ok = split(path, ss, FUZZ_MAXSEG, &ns) == 0;
	for (i = 0; i < api_nroutes && split_ok; i++) {
		if (!ref_match(api_routes[i].pattern, ss, ns, sizeof(scratch)))
			continue;
		any = 1;
		want[api_routes[i].method] = 1;
		if (first == (size_t)-1 &&
		    method_takes(api_routes[i].method, m))
			first = i;
	}

	rc = router_match(api_routes, api_nroutes, (enum http_method)m, path,
	    &found, args, &nargs, allow, scratch, sizeof(scratch));
	switch (rc) {
	case ROUTE_FOUND:
		FUZZ_ASSERT(first != (size_t)-1);
		FUZZ_ASSERT(found == &api_routes[first]);
		FUZZ_ASSERT(nargs <= HTTP_MAX_ARGS);
		for (i = 0; i < nargs; i++)
			FUZZ_ASSERT(args[i] >= scratch &&
			    args[i] < scratch + sizeof(scratch));
		check_rebuild(found->pattern, path, args, nargs);
		break;
	case ROUTE_NO_METHOD:
		FUZZ_ASSERT(any && first == (size_t)-1);
		FUZZ_ASSERT(memcmp(allow, want, sizeof(allow)) == 0);
		break;
	case ROUTE_NO_PATH:
		FUZZ_ASSERT(!any);
		for (i = 0; i < HTTP_METHOD__MAX; i++)
			FUZZ_ASSERT(allow[i] == 0);
		break;
	default:
		FUZZ_ASSERT(!"router_match answered no known value");
	}
	/* REQUEST_METHOD: only the exact names parse, and they name back */
	if (m < HTTP_METHOD__MAX)
		FUZZ_ASSERT(http_method_parse(http_method_name(
		    (enum http_method)m)) == m);
	if ((m = http_method_parse(path)) >= 0)
		FUZZ_ASSERT(strcmp(http_method_name((enum http_method)m),
		    path) == 0);
	return 0;
}
