/*
 * check_fields.c: a struct filled from result text and rendered through
 * its field table (core/fields.c): kinds, SQL NULL, hidden members, bad
 * numbers.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "holdfast/core.h"
#include "suites.h"

struct row {
	uint64_t	 id;
	const char	*name;
	long long	 qty;
	long long	 owner;		/* nullable */
	int		 active;
	const char	*attrs;		/* JSON text */
	const char	*secret;	/* never rendered */
};

static const struct hf_field row_fields[] = {
	HF_FIELD(struct row, id, HF_K_U64),
	HF_FIELD(struct row, name, HF_K_STR),
	HF_FIELD(struct row, qty, HF_K_INT),
	HF_FIELDF(struct row, owner, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct row, active, HF_K_BOOL),
	HF_FIELD(struct row, attrs, HF_K_JSON),
	HF_FIELDF(struct row, secret, HF_K_STR, HF_F_HIDE),
};

static void
fill(struct row *r, const char *const *cells)
{
	size_t	i;

	for (i = 0; i < HF_NITEMS(row_fields); i++)
		ck_assert_int_eq(hf_field_set(&row_fields[i], r, cells[i]), 0);
}

START_TEST(test_fill_and_render)
{
	const char	*cells[] = { "42", "Widget", "-3", NULL, "1",
	    "{\"a\":[1,2]}", "s3cret" };
	struct row	 r;
	struct arena	 a;
	const char	*t;

	memset(&r, 0, sizeof(r));
	fill(&r, cells);
	ck_assert_uint_eq(r.id, 42);
	ck_assert_str_eq(r.name, "Widget");
	ck_assert_int_eq(r.qty, -3);
	ck_assert(r.owner == HF_NULL_INT);
	ck_assert_int_eq(r.active, 1);
	arena_init(&a, 0);
	t = hf_fields_text(&a, row_fields, HF_NITEMS(row_fields), &r);
	ck_assert_str_eq(t, "{\"id\":42,\"name\":\"Widget\",\"qty\":-3,"
	    "\"owner\":null,\"active\":true,\"attrs\":{\"a\":[1,2]}}");
	arena_free(&a);
}
END_TEST

START_TEST(test_nulls_and_bad_numbers)
{
	const char	*cells[] = { NULL, NULL, NULL, "7", "0", NULL, NULL };
	struct row	 r, rows[2];
	json_object	*o;

	memset(&r, 0, sizeof(r));
	fill(&r, cells);
	ck_assert_uint_eq(r.id, 0);
	ck_assert_ptr_null(r.name);
	ck_assert_int_eq(r.qty, 0);	/* not nullable: NULL is 0 */
	ck_assert_int_eq(r.owner, 7);
	ck_assert_int_eq(r.active, 0);
	/* a number that is not one, or a negative id, is refused */
	ck_assert_int_eq(hf_field_set(&row_fields[2], &r, "12x"), -1);
	ck_assert_int_eq(hf_field_set(&row_fields[0], &r, "-1"), -1);
	ck_assert_int_eq(hf_field_set(&row_fields[2], &r,
	    "9223372036854775808"), -1);
	ck_assert_ptr_eq(hf_field_find(row_fields, HF_NITEMS(row_fields),
	    "qty"), &row_fields[2]);
	ck_assert_ptr_null(hf_field_find(row_fields, HF_NITEMS(row_fields),
	    "nope"));
	memset(rows, 0, sizeof(rows));
	rows[1].qty = 5;
	o = hf_fields_json_array(row_fields, HF_NITEMS(row_fields), rows,
	    sizeof(rows[0]), 2);
	ck_assert_int_eq((int)json_object_array_length(o), 2);
	ck_assert_str_eq(json_object_to_json_string_ext(
	    json_object_array_get_idx(o, 1), JSON_C_TO_STRING_PLAIN),
	    "{\"id\":0,\"name\":null,\"qty\":5,\"owner\":0,\"active\":false,"
	    "\"attrs\":null}");
	json_object_put(o);
}
END_TEST

START_TEST(test_parse_back)
{
	struct row	 r, back;
	struct arena	 a;
	const char	*t;

	memset(&r, 0, sizeof(r));
	r.id = 9;
	r.name = "caf\xc3\xa9 \"x\"";
	r.qty = -4;
	r.active = 1;
	r.attrs = "[1,{\"k\":null}]";
	arena_init(&a, 0);
	t = hf_fields_text(&a, row_fields, HF_NITEMS(row_fields), &r);
	memset(&back, 0, sizeof(back));
	back.owner = 77;	/* rendered as 0: read back as 0 */
	ck_assert_int_eq(hf_fields_parse(&a, row_fields,
	    HF_NITEMS(row_fields), &back, t), 0);
	ck_assert_uint_eq(back.id, 9);
	ck_assert_str_eq(back.name, r.name);
	ck_assert_int_eq(back.qty, -4);
	ck_assert_int_eq(back.owner, 0);
	ck_assert_int_eq(back.active, 1);
	ck_assert_str_eq(back.attrs, "[1,{\"k\":null}]");
	/* wrong types leave members alone; non-objects are refused */
	back.name = "kept";
	ck_assert_int_eq(hf_fields_parse(&a, row_fields,
	    HF_NITEMS(row_fields), &back, "{\"name\":5,\"qty\":\"7\"}"), 0);
	ck_assert_str_eq(back.name, "kept");
	ck_assert_int_eq(back.qty, -4);
	ck_assert_int_eq(hf_fields_parse(&a, row_fields,
	    HF_NITEMS(row_fields), &back, "[1]"), -1);
	ck_assert_int_eq(hf_fields_parse(&a, row_fields,
	    HF_NITEMS(row_fields), &back, "{"), -1);
	ck_assert_int_eq(hf_fields_parse(&a, row_fields,
	    HF_NITEMS(row_fields), &back, NULL), -1);
	arena_free(&a);
}
END_TEST

Suite *
suite_fields(void)
{
	Suite	*s = suite_create("fields");
	TCase	*tc = tcase_create("fields");

	tcase_add_test(tc, test_fill_and_render);
	tcase_add_test(tc, test_nulls_and_bad_numbers);
	tcase_add_test(tc, test_parse_back);
	suite_add_tcase(s, tc);
	return s;
}
