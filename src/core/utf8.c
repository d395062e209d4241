/*
 * utf8.c: strict UTF-8 (RFC 3629). Pure functions, no allocation: the
 * edge checks every string it lets in with hf_utf8_valid(), and the reply
 * writer repairs what it lets out with hf_utf8_repair().
 *
 * Well-formed sequences (RFC 3629 section 4, Unicode table 3-7):
 *
 *	00..7F
 *	C2..DF	80..BF
 *	E0	A0..BF	80..BF
 *	E1..EC	80..BF	80..BF
 *	ED	80..9F	80..BF		(no surrogates D800..DFFF)
 *	EE..EF	80..BF	80..BF
 *	F0	90..BF	80..BF	80..BF
 *	F1..F3	80..BF	80..BF	80..BF
 *	F4	80..8F	80..BF	80..BF	(nothing above U+10FFFF)
 *
 * C0, C1 and E0/F0 followed by a low second byte would be overlong forms.
 * U+0000 is well-formed UTF-8: callers that refuse NUL check it apart.
 */
#include <stdint.h>
#include <string.h>

#include "holdfast/core.h"

#define UTF8_ASCII_MASK	0x8080808080808080ULL

/*
 * The sequence that starts at p (n bytes left, n >= 1): its length (1..4)
 * if it is well-formed, else minus the length (1..3) of its maximal
 * subpart, the longest prefix that could have begun a well-formed
 * sequence (what one U+FFFD replaces, Unicode's "best practice").
 */
static int
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	int		need, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return -1;
	if (p[0] < 0xe0)
		need = 2;
	else if (p[0] < 0xf0)
		need = 3;
	else
		need = 4;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < need; i++) {
		if ((size_t)i >= n || p[i] < lo || p[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

/*
 * 1 if s[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if not.
 */
int
hf_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint64_t		 w;
	size_t			 i = 0;
	int			 k;

	if (len > 0 && s == NULL)
		return 0;
	while (i < len) {
		/* runs of ASCII, eight bytes at a time */
		while (len - i >= 8) {
			memcpy(&w, p + i, sizeof(w));
			if ((w & UTF8_ASCII_MASK) != 0)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if ((k = utf8_seq(p + i, len - i)) < 0)
			return 0;
		i += (size_t)k;
	}
	return 1;
}

/*
 * Copies s[0..len) to out, each ill-formed subpart replaced by U+FFFD
 * (EF BF BD). out must hold 3 * len bytes; nothing is NUL-terminated.
 * Returns the length written. The result is well-formed UTF-8, and
 * equal to s when s was.
 */
size_t
hf_utf8_repair(char *out, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, o = 0;
	int			 k;

	while (i < len) {
		if ((k = utf8_seq(p + i, len - i)) > 0) {
			memcpy(out + o, p + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
			continue;
		}
		memcpy(out + o, "\xef\xbf\xbd", 3);
		o += 3;
		i += (size_t)-k;
	}
	return o;
}

/*
 * The longest prefix of the well-formed string s[0..len) that is at most
 * max bytes and ends on a character boundary.
 */
size_t
hf_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}
