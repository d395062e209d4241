/* check_csv.c: the RFC 4180 reader and writer (src/core/csv.c). */
#include <stdio.h>
#include <string.h>

#include "holdfast/csv.h"
#include "suites.h"

#define T(s)	(s), sizeof(s) - 1

/* Reads every record of text into "a|b;c|d" form, faults as "!<err>@col". */
static void
read_all(const char *text, size_t len, size_t cols, size_t field, char *out,
    size_t outlen)
{
	struct arena	a;
	struct hf_csv	r;
	size_t		i, n = 0;

	arena_init(&a, 0);
	out[0] = '\0';
	ck_assert_int_eq(hf_csv_init(&r, &a, text, len, cols, field), 0);
	while (hf_csv_next(&r)) {
		n += (size_t)snprintf(out + n, outlen - n, "%s%zu:", n > 0 ?
		    ";" : "", r.rec_line);
		for (i = 0; i < r.nfields; i++)
			n += (size_t)snprintf(out + n, outlen - n, "%s%s",
			    i > 0 ? "|" : "", r.field[i]);
		if (r.err != HF_CSV_OK)
			n += (size_t)snprintf(out + n, outlen - n, "!%d@%zu",
			    (int)r.err, r.err_col);
	}
	arena_free(&a);
}

START_TEST(test_csv_reads_rfc4180)
{
	char	out[512];

	read_all(T("a,b,c\r\n1,2,3\r\n"), 3, 64, out, sizeof(out));
	ck_assert_str_eq(out, "1:a|b|c;2:1|2|3");
	/* LF alone, no final newline, empty fields */
	read_all(T("a,,c\n,,\nx"), 3, 64, out, sizeof(out));
	ck_assert_str_eq(out, "1:a||c;2:||;3:x");
	/* quotes: commas, doubled quotes, CRLF and LF inside, empty */
	read_all(T("\"a,b\",\"say \"\"hi\"\"\",\"l1\r\nl2\nl3\",\"\"\r\nz\n"),
	    4, 64, out, sizeof(out));
	ck_assert_str_eq(out, "1:a,b|say \"hi\"|l1\r\nl2\nl3|;4:z");
	/* blank lines are skipped, their lines still counted */
	read_all(T("a\n\n\r\nb\n"), 2, 64, out, sizeof(out));
	ck_assert_str_eq(out, "1:a;4:b");
	/* a BOM at the start only */
	read_all(T("\xef\xbb\xbf" "sku\n\xef\xbb\xbfx\n"), 2, 64, out,
	    sizeof(out));
	ck_assert_str_eq(out, "1:sku;2:\xef\xbb\xbfx");
	/* non-ASCII passes through */
	read_all(T("Gr\xc3\xbc\xc3\x9f,\"\xe6\x97\xa5,\xe6\x9c\xac\"\n"), 2,
	    64, out, sizeof(out));
	ck_assert_str_eq(out, "1:Gr\xc3\xbc\xc3\x9f|\xe6\x97\xa5,\xe6\x9c\xac");
}
END_TEST

START_TEST(test_csv_faults_per_record)
{
	char	out[512];

	/* too many columns: stored up to the cap, then the next record */
	read_all(T("a,b,c,d\nx,y\n"), 2, 64, out, sizeof(out));
	ck_assert_str_eq(out, "1:a|b!1@3;2:x|y");
	/* a field past the cap: cut, flagged */
	read_all(T("abcdef,g\nh\n"), 2, 4, out, sizeof(out));
	ck_assert_str_eq(out, "1:abcd|g!2@1;2:h");
	/* a quote in an unquoted field, text after a closing quote */
	read_all(T("ab\"c,d\n\"x\"y,z\nok\n"), 2, 64, out, sizeof(out));
	ck_assert_str_eq(out, "1:ab\"c|d!3@1;2:x|z!3@1;3:ok");
	/* an unterminated quote swallows the rest */
	read_all(T("a\n\"open,\nb,c\n"), 2, 64, out, sizeof(out));
	ck_assert_str_eq(out, "1:a;2:open,\nb,c\n!4@1");
	/* bytes that are not UTF-8, a NUL, a bare CR */
	read_all(T("ok,\xc0\xaf\nn\0l\na\rb\nlast\n"), 2, 64, out,
	    sizeof(out));
	ck_assert_str_eq(out, "1:ok|\xc0\xaf!5@2;2:n!6@1;3:a\rb!7@1;4:last");
}
END_TEST

START_TEST(test_csv_seek_rereads_a_record)
{
	struct arena	a;
	struct hf_csv	r;
	size_t		off, line;

	arena_init(&a, 0);
	ck_assert_int_eq(hf_csv_init(&r, &a, T("h\n\"x\ny\",1\nz,2\n"), 2,
	    16), 0);
	ck_assert_int_eq(hf_csv_next(&r), 1);
	ck_assert_int_eq(hf_csv_next(&r), 1);
	off = r.rec_off;
	line = r.rec_line;
	ck_assert_uint_eq(line, 2);
	ck_assert_int_eq(hf_csv_next(&r), 1);
	ck_assert_uint_eq(r.rec_line, 4);
	ck_assert_str_eq(r.field[0], "z");
	ck_assert_int_eq(hf_csv_next(&r), 0);
	hf_csv_seek(&r, off, line);
	ck_assert_int_eq(hf_csv_next(&r), 1);
	ck_assert_str_eq(r.field[0], "x\ny");
	ck_assert_str_eq(r.field[1], "1");
	ck_assert_uint_eq(r.rec_line, 2);
	/* caps out of range */
	ck_assert_int_eq(hf_csv_init(&r, &a, "", 0, 0, 16), -1);
	ck_assert_int_eq(hf_csv_init(&r, &a, "", 0, HF_CSV_COLS_MAX + 1, 16),
	    -1);
	arena_free(&a);
}
END_TEST

START_TEST(test_csv_writer_quotes_and_guards)
{
	struct hf_buf	b;

	hf_buf_init(&b, NULL, 0);
	hf_csv_puts(&b, "plain", 1);
	hf_csv_puts(&b, "a,b", 0);
	hf_csv_puts(&b, "say \"hi\"", 0);
	hf_csv_puts(&b, "l1\r\nl2", 0);
	hf_csv_puts(&b, NULL, 0);
	hf_csv_puts(&b, "\xe6\x97\xa5", 0);
	hf_csv_end(&b);
	ck_assert_str_eq(b.p, "plain,\"a,b\",\"say \"\"hi\"\"\",\"l1\r\nl2\","
	    ",\xe6\x97\xa5\r\n");
	b.len = 0;
	/* formulas get an apostrophe; plain numbers do not */
	hf_csv_puts(&b, "=SUM(A1)", 1);
	hf_csv_puts(&b, "+1", 0);
	hf_csv_puts(&b, "-2+3", 0);
	hf_csv_puts(&b, "@cmd", 0);
	hf_csv_puts(&b, "\tx", 0);
	hf_csv_puts(&b, "'quoted", 0);
	hf_csv_put_int(&b, -12, 0);
	hf_csv_puts(&b, "3.50", 0);
	hf_csv_puts(&b, "=a,b", 0);
	hf_csv_end(&b);
	ck_assert_str_eq(b.p, "'=SUM(A1),'+1,'-2+3,'@cmd,'\tx,''quoted,-12,"
	    "3.50,\"'=a,b\"\r\n");
	b.len = 0;
	/* a lone empty field is no blank line; a leading BOM is quoted */
	hf_csv_puts(&b, "", 1);
	hf_csv_end(&b);
	hf_csv_puts(&b, "\xef\xbb\xbfx", 1);
	hf_csv_puts(&b, "", 0);
	hf_csv_end(&b);
	ck_assert_str_eq(b.p, "\"\"\r\n\"\xef\xbb\xbfx\",\r\n");
	hf_buf_free(&b);
}
END_TEST

/* What the writer writes, the reader reads back, unguarded: the same. */
START_TEST(test_csv_round_trip)
{
	static const char *const v[] = { "\xef\xbb\xbf=1+2", "-", "-5", "'",
	    "''x",
	    "'=x", "a\"b", "\r", "\rx", "@", "", "x,y\nz", "'-5", "+", "-.5",
	    "1.", NULL };
	struct arena	 a;
	struct hf_buf	 b;
	struct hf_csv	 r;
	size_t		 i, k;

	arena_init(&a, 0);
	hf_buf_init(&b, NULL, 0);
	for (i = 0; v[i] != NULL; i++)
		hf_csv_puts(&b, v[i], i == 0);
	hf_csv_end(&b);
	ck_assert_int_eq(hf_csv_init(&r, &a, b.p, b.len, 32, 64), 0);
	ck_assert_int_eq(hf_csv_next(&r), 1);
	ck_assert_int_eq(r.err, HF_CSV_OK);
	for (i = 0; v[i] != NULL; i++) {
		ck_assert_uint_lt(i, r.nfields);
		k = hf_csv_unguard(r.field[i], r.len[i]);
		ck_assert_str_eq(r.field[i] + k, v[i]);
	}
	ck_assert_uint_eq(r.nfields, i);
	ck_assert_int_eq(hf_csv_next(&r), 0);
	hf_buf_free(&b);
	arena_free(&a);
}
END_TEST

Suite *
suite_csv(void)
{
	Suite	*s = suite_create("csv");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_csv_reads_rfc4180);
	tcase_add_test(tc, test_csv_faults_per_record);
	tcase_add_test(tc, test_csv_seek_rereads_a_record);
	tcase_add_test(tc, test_csv_writer_quotes_and_guards);
	tcase_add_test(tc, test_csv_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
