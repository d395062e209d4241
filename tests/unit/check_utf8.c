/* check_utf8.c: the strict UTF-8 checker, its repair and its cut. */
#include <stdint.h>
#include <string.h>

#include "holdfast/core.h"
#include "holdfast/http.h"
#include "suites.h"

#define V(s)	hf_utf8_valid((s), sizeof(s) - 1)

START_TEST(test_utf8_well_formed)
{
	ck_assert_int_eq(hf_utf8_valid("", 0), 1);
	ck_assert_int_eq(hf_utf8_valid(NULL, 0), 1);
	ck_assert_int_eq(V("plain ASCII, and ~ DEL \x7f"), 1);
	ck_assert_int_eq(V("\x00"), 1);			/* U+0000 */
	ck_assert_int_eq(V("\xc2\x80"), 1);		/* U+0080 */
	ck_assert_int_eq(V("\xdf\xbf"), 1);		/* U+07FF */
	ck_assert_int_eq(V("\xe0\xa0\x80"), 1);		/* U+0800 */
	ck_assert_int_eq(V("\xed\x9f\xbf"), 1);		/* U+D7FF */
	ck_assert_int_eq(V("\xee\x80\x80"), 1);		/* U+E000 */
	ck_assert_int_eq(V("\xef\xbf\xbd"), 1);		/* U+FFFD */
	ck_assert_int_eq(V("\xef\xbf\xbf"), 1);		/* U+FFFF */
	ck_assert_int_eq(V("\xf0\x90\x80\x80"), 1);	/* U+10000 */
	ck_assert_int_eq(V("\xf0\x9f\x98\x80"), 1);	/* U+1F600 */
	ck_assert_int_eq(V("\xf4\x8f\xbf\xbf"), 1);	/* U+10FFFF */
	ck_assert_int_eq(V("Gr\xc3\xbc\xc3\x9f Gott, \xe6\x97\xa5\xe6\x9c\xac"),
	    1);
}
END_TEST

START_TEST(test_utf8_ill_formed)
{
	/* the cases */
	ck_assert_int_eq(V("\xc0\xaf"), 0);		/* overlong '/' */
	ck_assert_int_eq(V("\xe0\x80\xaf"), 0);		/* overlong '/' */
	ck_assert_int_eq(V("\xf4\x90\x80\x80"), 0);	/* U+110000 */
	ck_assert_int_eq(V("\xed\xa0\x80"), 0);		/* U+D800 */
	/* other overlongs */
	ck_assert_int_eq(V("\xc0\x80"), 0);		/* "modified" NUL */
	ck_assert_int_eq(V("\xc1\xbf"), 0);
	ck_assert_int_eq(V("\xe0\x9f\xbf"), 0);
	ck_assert_int_eq(V("\xf0\x80\x80\x80"), 0);
	ck_assert_int_eq(V("\xf0\x8f\xbf\xbf"), 0);
	/* surrogates, high and low */
	ck_assert_int_eq(V("\xed\xbf\xbf"), 0);		/* U+DFFF */
	ck_assert_int_eq(V("\xed\xb0\x80"), 0);		/* U+DC00 */
	ck_assert_int_eq(V("\xed\xa0\xbd\xed\xb8\x80"), 0); /* CESU pair */
	/* above U+10FFFF and bytes that never occur */
	ck_assert_int_eq(V("\xf5\x80\x80\x80"), 0);
	ck_assert_int_eq(V("\xf7\xbf\xbf\xbf"), 0);
	ck_assert_int_eq(V("\xf8\x88\x80\x80\x80"), 0);
	ck_assert_int_eq(V("\xfc\x84\x80\x80\x80\x80"), 0);
	ck_assert_int_eq(V("\xfe"), 0);
	ck_assert_int_eq(V("\xff"), 0);
	/* lone continuations and cut sequences */
	ck_assert_int_eq(V("\x80"), 0);
	ck_assert_int_eq(V("\xbf"), 0);
	ck_assert_int_eq(V("a\xc3"), 0);
	ck_assert_int_eq(V("\xe2\x82"), 0);
	ck_assert_int_eq(V("\xf0\x9f\x98"), 0);
	ck_assert_int_eq(V("\xc3\x28"), 0);
	ck_assert_int_eq(V("\xe2\x28\xa1"), 0);
	ck_assert_int_eq(V("\xe2\x82\x28"), 0);
	ck_assert_int_eq(V("\xf0\x28\x8c\xbc"), 0);
	ck_assert_int_eq(V("\xf0\x90\x28\xbc"), 0);
	ck_assert_int_eq(V("\xf0\x9f\x98\x28"), 0);
	/* the length is the caller's: a valid string cut mid-character */
	ck_assert_int_eq(hf_utf8_valid("\xc3\xbc", 1), 0);
	ck_assert_int_eq(hf_utf8_valid("\xc3\xbc", 2), 1);
}
END_TEST

/* Every offset of the eight-byte ASCII fast path sees a bad byte. */
START_TEST(test_utf8_fast_path_offsets)
{
	char	buf[64];
	size_t	i, len;

	for (len = 1; len <= sizeof(buf); len++)
		for (i = 0; i < len; i++) {
			memset(buf, 'a', sizeof(buf));
			buf[i] = (char)0xff;
			ck_assert_int_eq(hf_utf8_valid(buf, len), 0);
			buf[i] = (char)0xc3;
			ck_assert_int_eq(hf_utf8_valid(buf, len), 0);
			if (i + 1 < len) {
				buf[i + 1] = (char)0xbc;
				ck_assert_int_eq(hf_utf8_valid(buf, len), 1);
			}
		}
}
END_TEST

/*
 * A reference decoder: the code point of a sequence of n bytes and
 * whether its encoding is the shortest one and a Unicode scalar value.
 */
static int
ref_valid(const unsigned char *p, size_t n)
{
	uint32_t	cp;
	size_t		i, need;

	if (n == 0)
		return 1;
	if (p[0] < 0x80)
		return ref_valid(p + 1, n - 1);
	if ((p[0] & 0xe0) == 0xc0) {
		need = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		need = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) ||
	    (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return ref_valid(p + need, n - need);
}

/* Every string of one, two and three bytes agrees with the reference. */
START_TEST(test_utf8_exhaustive_short)
{
	unsigned char	b[3];
	uint32_t	v;

	for (v = 0; v < 0x100; v++) {
		b[0] = (unsigned char)v;
		ck_assert_int_eq(hf_utf8_valid((char *)b, 1), ref_valid(b, 1));
	}
	for (v = 0; v < 0x10000; v++) {
		b[0] = (unsigned char)(v >> 8);
		b[1] = (unsigned char)v;
		ck_assert_int_eq(hf_utf8_valid((char *)b, 2), ref_valid(b, 2));
	}
	for (v = 0; v < 0x1000000; v++) {
		b[0] = (unsigned char)(v >> 16);
		b[1] = (unsigned char)(v >> 8);
		b[2] = (unsigned char)v;
		if (hf_utf8_valid((char *)b, 3) != ref_valid(b, 3))
			ck_abort_msg("%02x %02x %02x disagrees", b[0], b[1],
			    b[2]);
	}
}
END_TEST

/* Four-byte strings whose first byte is F0..F4 or around them. */
START_TEST(test_utf8_exhaustive_four)
{
	unsigned char	b[4];
	uint32_t	v;

	for (v = 0; v < 0x1000000; v++) {
		b[0] = (unsigned char)(0xef + (v >> 20));	/* EF..FE */
		b[1] = (unsigned char)(0x70 + ((v >> 14) & 0x3f)); /* 70..AF */
		b[2] = (unsigned char)(0x80 + ((v >> 7) & 0x7f)); /* 80..FF */
		b[3] = (unsigned char)(0x80 + (v & 0x7f));
		if (hf_utf8_valid((char *)b, 4) != ref_valid(b, 4))
			ck_abort_msg("%02x %02x %02x %02x disagrees", b[0],
			    b[1], b[2], b[3]);
	}
}
END_TEST

START_TEST(test_utf8_repair)
{
	char	out[64];
	size_t	n;

	n = hf_utf8_repair(out, "ok \xc3\xbc", 5);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(memcmp(out, "ok \xc3\xbc", 5), 0);
	/* one U+FFFD per maximal subpart (Unicode 3.9, table 3-8) */
	n = hf_utf8_repair(out, "a\xc0\xaf" "b", 4);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(memcmp(out, "a\xef\xbf\xbd\xef\xbf\xbd" "b", 8), 0);
	n = hf_utf8_repair(out, "\xe2\x82" "x", 3);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(memcmp(out, "\xef\xbf\xbd" "x", 4), 0);
	n = hf_utf8_repair(out, "\xed\xa0\x80", 3);
	ck_assert_uint_eq(n, 9);
	ck_assert_int_eq(hf_utf8_valid(out, n), 1);
	n = hf_utf8_repair(out, "\xf4\x90\x80\x80\xff", 5);
	ck_assert_uint_eq(n, 15);
	ck_assert_int_eq(hf_utf8_valid(out, n), 1);
	n = hf_utf8_repair(out, "\xf0\x9f\x98", 3);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(out, "\xef\xbf\xbd", 3), 0);
}
END_TEST

START_TEST(test_utf8_cut)
{
	const char	*s = "ab\xc3\xbc\xe6\x97\xa5";	/* a b ü 日 */

	ck_assert_uint_eq(hf_utf8_cut(s, 7, 100), 7);
	ck_assert_uint_eq(hf_utf8_cut(s, 7, 7), 7);
	ck_assert_uint_eq(hf_utf8_cut(s, 7, 6), 4);
	ck_assert_uint_eq(hf_utf8_cut(s, 7, 5), 4);
	ck_assert_uint_eq(hf_utf8_cut(s, 7, 4), 4);
	ck_assert_uint_eq(hf_utf8_cut(s, 7, 3), 2);
	ck_assert_uint_eq(hf_utf8_cut(s, 7, 0), 0);
	ck_assert_int_eq(hf_utf8_valid(s, hf_utf8_cut(s, 7, 5)), 1);
}
END_TEST

/* The escapes json-c would hide become bytes the walk refuses. */
START_TEST(test_json_escapes)
{
	struct arena	 a;
	const char	*in, *out;
	size_t		 n;

	arena_init(&a, 0);
	in = "{\"a\":\"plain \\u00e9 \\ud83d\\ude00 \\\\ud800\"}";
	out = http_json_escapes(&a, in, strlen(in), &n);
	ck_assert_ptr_eq(out, in);		/* nothing to do: no copy */
	ck_assert_uint_eq(n, strlen(in));
	in = "{\"k\\u0000x\":\"\\ud800\\u0041\\udc00\"}";
	out = http_json_escapes(&a, in, strlen(in), &n);
	ck_assert_ptr_ne(out, in);
	ck_assert_uint_eq(n, strlen(in) - 3 * 4);
	ck_assert_int_eq(memcmp(out, "{\"k\xc0\x80x\":\"\xc0\x80\\u0041"
	    "\xc0\x80\"}", n), 0);
	/* a cut escape at the end is left to the parser */
	in = "\"\\ud8";
	out = http_json_escapes(&a, in, strlen(in), &n);
	ck_assert_ptr_eq(out, in);
	arena_free(&a);
}
END_TEST

static const char *
walk(const char *text, char *path, size_t len)
{
	json_object	*o = json_tokener_parse(text);
	const char	*why;

	ck_assert_ptr_nonnull(o);
	why = http_json_check(o, path, len);
	json_object_put(o);
	return why;
}

START_TEST(test_json_check_names_the_place)
{
	char	path[64];

	ck_assert_ptr_null(walk("{\"a\":[\"x\",{\"b\":\"\xc3\xa9\"}]}", path,
	    sizeof(path)));
	ck_assert_ptr_nonnull(walk("{\"a\":[\"x\",{\"b\":\"\xc0\xaf\"}]}",
	    path, sizeof(path)));
	ck_assert_str_eq(path, "a[1].b");
	ck_assert_ptr_nonnull(walk("{\"items\":[{\"sku\":\"S\\u0000j\"}]}",
	    path, sizeof(path)));
	ck_assert_str_eq(path, "items[0].sku");
	ck_assert_ptr_nonnull(walk("{\"a\":{\"\xed\xa0\x80\":1}}", path,
	    sizeof(path)));
	ck_assert_str_eq(path, "a");
	ck_assert_ptr_nonnull(walk("{\"n\":\"bell\\u0007\"}", path,
	    sizeof(path)));
	ck_assert_str_eq(path, "n");
	ck_assert_ptr_null(walk("{\"n\":\"tab\\tcr\\rlf\\n\"}", path,
	    sizeof(path)));
	/* a path longer than its buffer ends in "..." */
	ck_assert_ptr_nonnull(walk("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":{"
	    "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\":{\"ccc\":\"\xff\"}}}", path,
	    sizeof(path)));
	ck_assert_uint_lt(strlen(path), sizeof(path));
	ck_assert_int_eq(hf_utf8_valid(path, strlen(path)), 1);
}
END_TEST

Suite *
suite_utf8(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc = tcase_create("utf8");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_utf8_well_formed);
	tcase_add_test(tc, test_utf8_ill_formed);
	tcase_add_test(tc, test_utf8_fast_path_offsets);
	tcase_add_test(tc, test_utf8_exhaustive_short);
	tcase_add_test(tc, test_utf8_exhaustive_four);
	tcase_add_test(tc, test_utf8_repair);
	tcase_add_test(tc, test_utf8_cut);
	tcase_add_test(tc, test_json_escapes);
	tcase_add_test(tc, test_json_check_names_the_place);
	suite_add_tcase(s, tc);
	return s;
}
