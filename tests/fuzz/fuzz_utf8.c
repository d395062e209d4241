/*
 * fuzz_utf8.c: hf_utf8_valid() (src/core/utf8.c) against a reference
 * decoder written here, differential: any byte string on which the two
 * disagree aborts.
 *
 * The reference decodes each sequence into its code point by its lead
 * byte's bit pattern and then applies RFC 3629's rules to the number:
 * no overlong form (a code point below the least one of its length), no
 * surrogate (U+D800..U+DFFF), nothing past U+10FFFF, no lone or missing
 * continuation byte, no 5- or 6-byte forms. U+0000 is well-formed.
 * Each buffer is exactly the size given, so ASan reports any read past
 * len; the input's last few prefixes are checked too (a sequence cut at
 * the end), and for a valid input, the input twice over must be valid.
 *
 * Built only when src/core/utf8.c is in the tree (configure's
 * HF_HAVE_UTF8, see Makefile.am).
 */
#include <string.h>

#include "holdfast/core.h"
#include "fuzz.h"

/* the contract (issue 10), repeated: a mismatch with core.h fails here */
int	hf_utf8_valid(const char *, size_t);

static int
ref_valid(const unsigned char *s, size_t n)
{
	size_t		i = 0, k, more;
	uint32_t	cp, least;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			more = 1;
			cp = s[i] & 0x1f;
			least = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			more = 2;
			cp = s[i] & 0x0f;
			least = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			more = 3;
			cp = s[i] & 0x07;
			least = 0x10000;
		} else
			return 0;	/* a continuation byte, or F8..FF */
		if (n - i - 1 < more)
			return 0;
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < least || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += more + 1;
	}
	return 1;
}

static void
check(const unsigned char *s, size_t n)
{
	int	got = hf_utf8_valid((const char *)s, n);
	int	want = ref_valid(s, n);

	if (got != want) {
		size_t	i;

		fprintf(stderr, "hf_utf8_valid %d, reference %d, on", got,
		    want);
		for (i = 0; i < n; i++)
			fprintf(stderr, " %02x", s[i]);
		fprintf(stderr, "\n");
	}
	FUZZ_ASSERT(got == want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*buf;
	size_t		 n;

	if (size > 4096)
		return 0;
	/* each prefix in a buffer of exactly its size */
	for (n = size; n + 8 > size && n > 0; n--) {
		if ((buf = malloc(n)) == NULL)
			return 0;
		memcpy(buf, data, n);
		check(buf, n);
		free(buf);
	}
	FUZZ_ASSERT(hf_utf8_valid((const char *)data, 0) == 1);
	if (ref_valid(data, size) && size > 0 && size <= 2048) {
		if ((buf = malloc(2 * size)) == NULL)
			return 0;
		memcpy(buf, data, size);
		memcpy(buf + size, data, size);
		FUZZ_ASSERT(hf_utf8_valid((const char *)buf, 2 * size) == 1);
		free(buf);
	}
	return 0;
}
