/* check_buf.c: the one growable buffer and the one base64 encoder. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/core.h"
#include "suites.h"

START_TEST(test_buf_heap_grows_to_its_cap)
{
	struct hf_buf	b;
	char		chunk[1000];
	int		i;

	memset(chunk, 'x', sizeof(chunk));
	hf_buf_init(&b, NULL, 10000);
	for (i = 0; i < 9; i++)
		ck_assert_int_eq(hf_buf_put(&b, chunk, sizeof(chunk)), 0);
	ck_assert_uint_eq(b.len, 9000);
	ck_assert_uint_eq(strlen(b.p), 9000);
	/* 9999 bytes and the NUL fit, 10000 do not */
	ck_assert_int_eq(hf_buf_put(&b, chunk, 999), 0);
	ck_assert_int_eq(hf_buf_put(&b, "y", 1), -1);
	ck_assert_int_eq(b.toobig, 1);
	ck_assert_int_eq(hf_buf_puts(&b, ""), -1);	/* stays failed */
	ck_assert_int_eq(hf_buf_printf(&b, "%d", 1), -1);
	ck_assert_uint_eq(b.len, 9999);
	ck_assert_uint_eq(strlen(b.p), 9999);
	hf_buf_free(&b);
	ck_assert_ptr_null(b.p);
}
END_TEST

START_TEST(test_buf_printf_in_an_arena)
{
	struct arena	a;
	struct hf_buf	b;
	char		want[32];
	int		i;

	arena_init(&a, 0);
	hf_buf_init(&b, &a, 0);
	ck_assert_int_eq(hf_buf_printf(&b, "%s", ""), 0);
	ck_assert_str_eq(b.p, "");
	for (i = 0; i < 3000; i++)	/* past the first 4096 bytes */
		ck_assert_int_eq(hf_buf_printf(&b, "%04d,", i), 0);
	ck_assert_uint_eq(b.len, 15000);
	ck_assert_uint_eq(strlen(b.p), 15000);
	ck_assert_int_eq(memcmp(b.p, "0000,0001,", 10), 0);
	snprintf(want, sizeof(want), "%04d,", 2999);
	ck_assert_str_eq(b.p + 14995, want);
	ck_assert_int_eq(hf_buf_puts(&b, "end"), 0);
	ck_assert_str_eq(b.p + 15000, "end");
	/* an arena's cap is the buffer's too */
	arena_free(&a);
	arena_init(&a, 6000);
	hf_buf_init(&b, &a, 0);
	for (i = 0; i < 3000 && hf_buf_printf(&b, "%04d,", i) == 0; i++)
		;
	ck_assert_int_eq(b.toobig, 1);
	ck_assert_uint_eq(strlen(b.p), b.len);
	arena_free(&a);
}
END_TEST

START_TEST(test_base64_rfc4648_vectors)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob",
	    "fooba", "foobar" };
	static const char *const std[] = { "", "Zg==", "Zm8=", "Zm9v",
	    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *const url[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg",
	    "Zm9vYmE", "Zm9vYmFy" };
	static const unsigned char odd[] = { 0xfb, 0xff, 0xbf };
	char	out[16];
	size_t	i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_uint_eq(hf_b64_encode(out, sizeof(out),
		    (const unsigned char *)in[i], strlen(in[i])),
		    strlen(std[i]));
		ck_assert_str_eq(out, std[i]);
		ck_assert_uint_eq(hf_b64url_encode(out, sizeof(out),
		    (const unsigned char *)in[i], strlen(in[i])),
		    strlen(url[i]));
		ck_assert_str_eq(out, url[i]);
	}
	hf_b64_encode(out, sizeof(out), odd, sizeof(odd));
	ck_assert_str_eq(out, "+/+/");
	hf_b64url_encode(out, sizeof(out), odd, sizeof(odd));
	ck_assert_str_eq(out, "-_-_");
	/* too short an output: nothing */
	ck_assert_uint_eq(hf_b64_encode(out, 4, (const unsigned char *)"f",
	    1), 0);
	ck_assert_uint_eq(hf_b64_encode(out, 5, (const unsigned char *)"f",
	    1), 4);
}
END_TEST

Suite *
suite_buf(void)
{
	Suite	*s = suite_create("buf");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_buf_heap_grows_to_its_cap);
	tcase_add_test(tc, test_buf_printf_in_an_arena);
	tcase_add_test(tc, test_base64_rfc4648_vectors);
	suite_add_tcase(s, tc);
	return s;
}
