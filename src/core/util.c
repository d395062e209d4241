/*
 * util.c: clocks, randomness, hex and checked number parsing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "holdfast/core.h"

int64_t
hf_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
hf_now_ms(void)
{
	return hf_now_us() / 1000;
}

int64_t
hf_unix_time(void)
{
	return (int64_t)time(NULL);
}

/* Fills buf from the kernel's CSPRNG. Returns 0, or -1 on failure. */
int
hf_random(void *buf, size_t n)
{
	unsigned char	*p = buf;
	ssize_t		 r;

	while (n > 0) {
		r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Writes 2n lowercase hex digits and a NUL to out (2n + 1 bytes). */
void
hf_hex(char *out, const unsigned char *in, size_t n)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/*
 * Parses a whole decimal integer in [min, max]. Returns 0 and stores it, or
 * -1 for empty input, trailing characters or a value out of range.
 */
int
hf_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Compares n bytes in time independent of where they differ. */
int
hf_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 d = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/*
 * The image type by its magic bytes (never by a name or a header): "png",
 * "jpg" or "webp", or NULL.
 */
const char *
hf_image_type(const void *buf, size_t len)
{
	const unsigned char	*b = buf;

	if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "png";
	if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return "jpg";
	if (len >= 12 && memcmp(b, "RIFF", 4) == 0 &&
	    memcmp(b + 8, "WEBP", 4) == 0)
		return "webp";
	return NULL;
}

/*
 * The SKU grammar (README "SKUs"): 1 to 64 bytes of ASCII letters, digits,
 * '.', '_' and '-', the first a letter or a digit. Nothing else can be
 * stored, so every SKU round-trips through a URL path segment unescaped.
 * Returns 1 if s[0..len) is an SKU.
 */
int
hf_sku_valid(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len < 1 || len > HF_SKU_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '.' || c == '_' || c == '-'))
			continue;
		return 0;
	}
	return 1;
}

static int
sku_fold(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/*
 * Compares two SKUs as the database's collation does (utf8mb4_general_ci,
 * 008_identity.sql): ASCII case folded to upper case. Two SKUs that
 * compare 0 are one product; stock rows are locked in this order.
 */
int
hf_sku_cmp(const char *a, const char *b)
{
	int	x, y;

	for (;; a++, b++) {
		x = sku_fold((unsigned char)*a);
		y = sku_fold((unsigned char)*b);
		if (x != y || x == 0)
			return x - y;
	}
}

/* The value of one hex digit (either case), or -1. */
int
hf_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
