/*
 * fuzz_query.c: the query string and percent-decoding (src/http/
 * request.c): http_query_parse(), http_query(), http_url_decode() and
 * the X-Request-Id rule.
 *
 * Input: the QUERY_STRING (a C string: up to the first NUL). The
 * parser's pairs are compared with a reference written here (split on
 * '&', skip empty pieces, split on the first '=', '+' is a space, %XX
 * with two hex digits, %00 and a bad escape refuse the whole string).
 * http_query() must answer the first value of a name. The whole input,
 * NUL bytes included, also goes through http_url_decode() with and
 * without '+' handling, against the reference decoder.
 */
#include <ctype.h>
#include <string.h>

#include "holdfast/http.h"
#include "fuzz.h"

#define FUZZ_MAX	(64 * 1024)

struct pair {
	char	*k, *v;
};

static struct arena	 arena;
static char		*ref_buf;
static struct pair	*ref_pairs;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	arena_init(&arena, 0);
	ref_buf = malloc(2 * FUZZ_MAX + 2);
	ref_pairs = malloc(sizeof(*ref_pairs) * (FUZZ_MAX + 1));
	FUZZ_ASSERT(ref_buf != NULL && ref_pairs != NULL);
	return 0;
}

static int
hex(unsigned char c)
{
	static const char	digits[] = "0123456789abcdef";
	const char		*p;

	if (c == '\0' || (p = strchr(digits, tolower(c))) == NULL)
		return -1;
	return (int)(p - digits);
}

/* Decodes n bytes of s to out (NUL-terminated); -1 if refused. */
static int
ref_decode(const char *s, size_t n, int plus, char *out, size_t *outlen)
{
	size_t	i, o = 0;
	int	h, l;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\0':
			return -1;
		case '+':
			out[o++] = plus ? ' ' : '+';
			break;
		case '%':
			if (n - i < 3 ||
			    (h = hex((unsigned char)s[i + 1])) < 0 ||
			    (l = hex((unsigned char)s[i + 2])) < 0 ||
			    (h | l) == 0)
				return -1;
			out[o++] = (char)(h << 4 | l);
			i += 2;
			break;
		default:
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* The reference split; returns the number of pairs or -1. */
static long
ref_query(const char *qs)
{
	const char	*piece = qs, *end, *eq;
	char		*o = ref_buf;
	size_t		 n, np = 0;

	while (*piece != '\0') {
		end = piece + strcspn(piece, "&");
		if (end > piece) {
			eq = memchr(piece, '=', (size_t)(end - piece));
			ref_pairs[np].k = o;
			if (ref_decode(piece, (size_t)((eq ? eq : end) - piece),
			    1, o, &n) != 0)
				return -1;
			o += n + 1;
			ref_pairs[np].v = o;
			if (ref_decode(eq ? eq + 1 : end,
			    eq ? (size_t)(end - eq - 1) : 0, 1, o, &n) != 0)
				return -1;
			o += n + 1;
			np++;
		}
		piece = *end == '&' ? end + 1 : end;
	}
	return (long)np;
}

static void
check_query(const char *qs)
{
	struct http_request	 req;
	struct http_param	*q = NULL;
	size_t			 nq = 0, i, j;
	long			 want;
	int			 rc;
	const char		*v;

	rc = http_query_parse(&arena, qs, &q, &nq);
	want = ref_query(qs);
	if (want < 0) {
		FUZZ_ASSERT(rc == -1);
		return;
	}
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(nq == (size_t)want);
	for (i = 0; i < nq; i++) {
		FUZZ_ASSERT(strcmp(q[i].name, ref_pairs[i].k) == 0);
		FUZZ_ASSERT(strcmp(q[i].value, ref_pairs[i].v) == 0);
	}
	memset(&req, 0, sizeof(req));
	req.query = q;
	req.nquery = nq;
	for (i = 0; i < nq; i++) {
		for (j = 0; strcmp(q[j].name, q[i].name) != 0; j++)
			;
		v = http_query(&req, q[i].name);
		FUZZ_ASSERT(v == q[j].value);
	}
}

static void
check_decode(const char *s, size_t n, int plus)
{
	char	*dst = malloc(n + 1);
	size_t	 len;
	int	 rc, want;

	FUZZ_ASSERT(dst != NULL);
	rc = http_url_decode(dst, s, n, plus);
	want = ref_decode(s, n, plus, ref_buf, &len);
	FUZZ_ASSERT(rc == want);
	if (rc == 0) {
		FUZZ_ASSERT(strlen(dst) == len);
		FUZZ_ASSERT(memcmp(dst, ref_buf, len + 1) == 0);
	}
	free(dst);
}

static void
check_request_id(const char *s)
{
	size_t	n = strlen(s), i;
	int	want = n >= 1 && n <= 64;

	for (i = 0; i < n && want; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) ==
		    NULL)
			want = 0;
	FUZZ_ASSERT(http_request_id_valid(s) == want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*qs;

	if (size > FUZZ_MAX)
		return 0;
	/* exact size: ASan sees a read past the end */
	if ((qs = malloc(size + 1)) == NULL)
		return 0;
	memcpy(qs, data, size);
	qs[size] = '\0';
	check_query(qs);
	arena_reset(&arena);
	check_decode((const char *)data, size, 0);
	check_decode((const char *)data, size, 1);
	check_request_id(qs);
	free(qs);
	return 0;
}
