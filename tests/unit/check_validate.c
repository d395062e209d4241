/*
 * check_validate.c: body schemas whose arrays hold objects (.item), and
 * defaults (.def). A refusal inside an element names its place
 * ("items[1].sku") with the code and reason the same field would have at
 * the top; caps hold at and past the limit; a field the body lacks reads
 * as its default; every route's table is well formed.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/api.h"
#include "suites.h"

static const char *const kinds[] = { "a", "b", NULL };

enum { T_NAME, T_QTY, T_TAGS };

static const struct field f_tag[] = {
	{ "label", FIELD_STRING, FIELD_REQUIRED, 1, 8, NULL, NULL, NULL },
};
static const struct body_schema schema_tag = SCHEMA(f_tag);

static const struct field f_row[] = {
	[T_NAME] = { "name", FIELD_SKU, FIELD_REQUIRED, 0, 0, NULL, NULL,
	    NULL },
	[T_QTY] = { "qty", FIELD_INT, FIELD_REQUIRED | FIELD_INVENTORY, 1, 10,
	    NULL, NULL, NULL },
	[T_TAGS] = { "tags", FIELD_ARRAY, 0, 0, 2, NULL, &schema_tag, NULL },
};
static const struct body_schema schema_row = SCHEMA(f_row);

enum { B_ROWS, B_TTL, B_KIND, B_FLAG, B_PRICE, B_NOTE };

static const struct field f_body[] = {
	[B_ROWS] = { "rows", FIELD_ARRAY, FIELD_REQUIRED, 1, 3, NULL,
	    &schema_row, NULL },
	[B_TTL] = { "ttl", FIELD_INT, FIELD_INVENTORY, 1, 100, NULL, NULL,
	    "60" },
	[B_KIND] = { "kind", FIELD_STRING, 0, 0, 0, kinds, NULL, "b" },
	[B_FLAG] = { "flag", FIELD_BOOL, 0, 0, 0, NULL, NULL, "true" },
	[B_PRICE] = { "price", FIELD_MONEY, 0, 0, 0, NULL, NULL, "0.00" },
	[B_NOTE] = { "note", FIELD_STRING, FIELD_NULLABLE, 0, 10, NULL, NULL,
	    NULL },
};
static const struct body_schema schema_body = SCHEMA(f_body);

static struct arena	arena;
static json_object	*doc;
static char		 field[128], reason[128];

static void
setup(void)
{
	arena_init(&arena, 0);
	doc = NULL;
}

static void
teardown(void)
{
	json_object_put(doc);
	arena_free(&arena);
}

/* Checks json against sc; the place and reason are copied for asserts. */
static int
run(const struct body_schema *sc, const char *json, struct field_value *fv)
{
	const char	*f, *r;
	int		 rc;

	json_object_put(doc);
	doc = json_tokener_parse(json);
	ck_assert_msg(doc != NULL, "bad test JSON: %s", json);
	rc = schema_check(sc, doc, &arena, fv, &f, &r);
	snprintf(field, sizeof(field), "%s", f != NULL ? f : "");
	snprintf(reason, sizeof(reason), "%s", r != NULL ? r : "");
	if (rc == HF_OK)
		ck_assert(f == NULL && r == NULL);
	else
		ck_assert(f != NULL && r != NULL && *r != '\0');
	return rc;
}

static int
body(const char *json, struct field_value *fv)
{
	return run(&schema_body, json, fv);
}

START_TEST(test_array_of_objects_read_typed)
{
	struct field_value	fv[6];

	ck_assert_int_eq(body("{\"rows\":[{\"name\":\"A-1\",\"qty\":2},"
	    "{\"name\":\"b.2\",\"qty\":10,\"tags\":[{\"label\":\"x\"}]}]}",
	    fv), HF_OK);
	ck_assert(fv[B_ROWS].present);
	ck_assert_int_eq(fv[B_ROWS].i, 2);
	ck_assert_ptr_nonnull(fv[B_ROWS].items);
	ck_assert_str_eq(fv[B_ROWS].items[0][T_NAME].s, "A-1");
	ck_assert_int_eq(fv[B_ROWS].items[0][T_QTY].i, 2);
	ck_assert(!fv[B_ROWS].items[0][T_TAGS].present);
	ck_assert_str_eq(fv[B_ROWS].items[1][T_NAME].s, "b.2");
	ck_assert_int_eq(fv[B_ROWS].items[1][T_QTY].i, 10);
	ck_assert_int_eq(fv[B_ROWS].items[1][T_TAGS].i, 1);
	ck_assert_str_eq(fv[B_ROWS].items[1][T_TAGS].items[0][0].s, "x");
}
END_TEST

START_TEST(test_nested_refusals_name_their_place)
{
	struct field_value	fv[6];
	static const struct {
		const char	*json;
		int		 rc;
		const char	*field, *reason;
	} c[] = {
		/* a key the line's table lacks */
		{ "{\"rows\":[{\"name\":\"A\",\"qty\":1},{\"name\":\"A\","
		  "\"qty\":1,\"price\":\"1\"}]}", HF_E_REQ_UNKNOWN_FIELD,
		  "rows[1].price", "unknown or read-only field" },
		/* missing, null, wrong types, bad grammar */
		{ "{\"rows\":[{\"qty\":1}]}", HF_E_REQ_FIELD, "rows[0].name",
		  "required" },
		{ "{\"rows\":[{\"name\":null,\"qty\":1}]}", HF_E_REQ_FIELD,
		  "rows[0].name", "must not be null" },
		{ "{\"rows\":[{\"name\":7,\"qty\":1}]}", HF_E_REQ_FIELD,
		  "rows[0].name", "must be a string" },
		{ "{\"rows\":[{\"name\":\"-A\",\"qty\":1}]}", HF_E_REQ_FIELD,
		  "rows[0].name", HF_SKU_GRAMMAR },
		{ "{\"rows\":[{\"name\":\"A\",\"qty\":1},{\"name\":\"A\","
		  "\"qty\":\"2\"}]}", HF_E_INV_PARAM, "rows[1].qty",
		  "must be a whole number" },
		{ "{\"rows\":[{\"name\":\"A\",\"qty\":1.5}]}", HF_E_INV_PARAM,
		  "rows[0].qty", "must be a whole number" },
		{ "{\"rows\":[{\"name\":\"A\",\"qty\":true}]}", HF_E_INV_PARAM,
		  "rows[0].qty", "must be a whole number" },
		{ "{\"rows\":[{\"name\":\"A\"}]}", HF_E_REQ_FIELD,
		  "rows[0].qty", "required" },
		/* an element that is not an object is itself the field */
		{ "{\"rows\":[{\"name\":\"A\",\"qty\":1},\"A\"]}",
		  HF_E_REQ_FIELD, "rows[1]", "must be an object" },
		{ "{\"rows\":[null]}", HF_E_REQ_FIELD, "rows[0]",
		  "must be an object" },
		{ "{\"rows\":[[]]}", HF_E_REQ_FIELD, "rows[0]",
		  "must be an object" },
		/* the array itself */
		{ "{\"rows\":{}}", HF_E_REQ_FIELD, "rows", "must be an array" },
		{ "{\"rows\":null}", HF_E_REQ_FIELD, "rows",
		  "must not be null" },
		{ "{}", HF_E_REQ_FIELD, "rows", "required" },
		/* two levels down */
		{ "{\"rows\":[{\"name\":\"A\",\"qty\":1,\"tags\":[{\"label\":"
		  "\"ok\"},{\"label\":\"too long!\"}]}]}", HF_E_REQ_FIELD,
		  "rows[0].tags[1].label", "length out of range" },
		{ "{\"rows\":[{\"name\":\"A\",\"qty\":1,\"tags\":[{}]}]}",
		  HF_E_REQ_FIELD, "rows[0].tags[0].label", "required" },
		{ "{\"rows\":[{\"name\":\"A\",\"qty\":1,\"tags\":[1]}]}",
		  HF_E_REQ_FIELD, "rows[0].tags[0]", "must be an object" },
		/* a top-level unknown key is found before any line */
		{ "{\"rows\":[7],\"x\":1}", HF_E_REQ_UNKNOWN_FIELD, "x",
		  "unknown or read-only field" },
	};
	size_t			i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ck_assert_msg(body(c[i].json, fv) == c[i].rc,
		    "%s: rc, field %s", c[i].json, field);
		ck_assert_msg(strcmp(field, c[i].field) == 0,
		    "%s: field %s, not %s", c[i].json, field, c[i].field);
		ck_assert_msg(strcmp(reason, c[i].reason) == 0,
		    "%s: reason %s, not %s", c[i].json, reason, c[i].reason);
	}
}
END_TEST

/* {"rows": [n lines]} (and "tags" of t labels in the first) */
static const char *
rows_json(size_t n, long long qty, size_t t)
{
	static char	buf[4096];
	size_t		i, len;

	len = (size_t)snprintf(buf, sizeof(buf), "{\"rows\":[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%s{\"name\":\"S%zu\",\"qty\":%lld%s", i > 0 ? "," : "",
		    i, qty, i == 0 && t > 0 ? ",\"tags\":[" : "}");
	for (i = 0; i < t; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%s{\"label\":\"t\"}%s", i > 0 ? "," : "",
		    i + 1 == t ? "]}" : "");
	snprintf(buf + len, sizeof(buf) - len, "]}");
	return buf;
}

START_TEST(test_caps_at_and_past_the_limit)
{
	struct field_value	fv[6];

	/* element counts: 1..3 lines, 0..2 tags */
	ck_assert_int_eq(body(rows_json(3, 1, 0), fv), HF_OK);
	ck_assert_int_eq(fv[B_ROWS].i, 3);
	ck_assert_int_eq(body(rows_json(4, 1, 0), fv), HF_E_REQ_FIELD);
	ck_assert_str_eq(field, "rows");
	ck_assert_str_eq(reason, "wrong number of elements");
	ck_assert_int_eq(body(rows_json(0, 1, 0), fv), HF_E_REQ_FIELD);
	ck_assert_str_eq(field, "rows");
	ck_assert_int_eq(body(rows_json(1, 1, 2), fv), HF_OK);
	ck_assert_int_eq(fv[B_ROWS].items[0][T_TAGS].i, 2);
	ck_assert_int_eq(body(rows_json(1, 1, 3), fv), HF_E_REQ_FIELD);
	ck_assert_str_eq(field, "rows[0].tags");
	ck_assert_str_eq(reason, "wrong number of elements");
	/* values inside a line: 1..10 */
	ck_assert_int_eq(body(rows_json(2, 10, 0), fv), HF_OK);
	ck_assert_int_eq(body(rows_json(2, 11, 0), fv), HF_E_INV_PARAM);
	ck_assert_str_eq(field, "rows[0].qty");
	ck_assert_str_eq(reason, "out of range");
	ck_assert_int_eq(body(rows_json(1, 0, 0), fv), HF_E_INV_PARAM);
	ck_assert_int_eq(body(rows_json(1, 9223372036854775807LL, 0), fv),
	    HF_E_INV_PARAM);
	/* the top-level default's field keeps its cap */
	ck_assert_int_eq(body("{\"rows\":[{\"name\":\"A\",\"qty\":1}],"
	    "\"ttl\":100}", fv), HF_OK);
	ck_assert_int_eq(body("{\"rows\":[{\"name\":\"A\",\"qty\":1}],"
	    "\"ttl\":101}", fv), HF_E_INV_PARAM);
	ck_assert_str_eq(field, "ttl");
}
END_TEST

START_TEST(test_defaults_filled)
{
	struct field_value	fv[6];

	ck_assert_int_eq(body("{\"rows\":[{\"name\":\"A\",\"qty\":1}]}", fv),
	    HF_OK);
	ck_assert(!fv[B_TTL].present && !fv[B_TTL].null);
	ck_assert_ptr_null(fv[B_TTL].j);
	ck_assert_int_eq(fv[B_TTL].i, 60);
	ck_assert_str_eq(fv[B_KIND].s, "b");
	ck_assert_int_eq(fv[B_FLAG].i, 1);
	ck_assert_int_eq(fv[B_PRICE].i, 0);
	ck_assert_str_eq(fv[B_PRICE].s, "0.00");
	/* no default: nothing */
	ck_assert(!fv[B_NOTE].present);
	ck_assert_ptr_null(fv[B_NOTE].s);
	/* sent: the value sent, marked present */
	ck_assert_int_eq(body("{\"rows\":[{\"name\":\"A\",\"qty\":1}],"
	    "\"ttl\":5,\"kind\":\"a\",\"flag\":false,\"price\":\"1.5\"}", fv),
	    HF_OK);
	ck_assert(fv[B_TTL].present);
	ck_assert_int_eq(fv[B_TTL].i, 5);
	ck_assert_str_eq(fv[B_KIND].s, "a");
	ck_assert_int_eq(fv[B_FLAG].i, 0);
	ck_assert_str_eq(fv[B_PRICE].s, "1.50");
	/* null is not absent: no default for it */
	ck_assert_int_eq(body("{\"rows\":[{\"name\":\"A\",\"qty\":1}],"
	    "\"ttl\":null}", fv), HF_E_REQ_FIELD);
	ck_assert_str_eq(field, "ttl");
}
END_TEST

START_TEST(test_a_default_that_breaks_its_rules_is_internal)
{
	static const struct field f_bad[] = {
		{ "n", FIELD_INT, 0, 1, 10, NULL, NULL, "11" },
	};
	static const struct field f_text[] = {
		{ "n", FIELD_INT, 0, 1, 10, NULL, NULL, "ten" },
	};
	static const struct body_schema bad = SCHEMA(f_bad);
	static const struct body_schema text = SCHEMA(f_text);
	struct field_value	fv[1];

	ck_assert_int_eq(run(&bad, "{}", fv), HF_E_SYS_INTERNAL);
	ck_assert_str_eq(field, "n");
	ck_assert_int_eq(run(&text, "{}", fv), HF_E_SYS_INTERNAL);
	/* a value sent is checked as ever */
	ck_assert_int_eq(run(&bad, "{\"n\":3}", fv), HF_OK);
}
END_TEST

START_TEST(test_query_text)
{
	struct field_value	v;
	const struct field	*page = &schema_paging.fields[API_PAGE];
	const struct field	*pp = &schema_paging.fields[API_PER_PAGE];

	ck_assert_ptr_null(field_text_check(pp, NULL, &arena, &v));
	ck_assert(!v.present);
	ck_assert_int_eq(v.i, 20);
	ck_assert_ptr_null(field_text_check(page, NULL, &arena, &v));
	ck_assert_int_eq(v.i, 1);
	ck_assert_ptr_null(field_text_check(pp, "100", &arena, &v));
	ck_assert(v.present);
	ck_assert_int_eq(v.i, 100);
	ck_assert_str_eq(field_text_check(pp, "101", &arena, &v),
	    "out of range");
	ck_assert_str_eq(field_text_check(pp, "0", &arena, &v),
	    "out of range");
	ck_assert_str_eq(field_text_check(pp, "", &arena, &v),
	    "must be a whole number");
	ck_assert_str_eq(field_text_check(pp, "2x", &arena, &v),
	    "must be a whole number");
	ck_assert_str_eq(field_text_check(page, "99999999999999999999",
	    &arena, &v), "must be a whole number");
	ck_assert_str_eq(field_text_check(page, "1000001", &arena, &v),
	    "out of range");
}
END_TEST

/* {<head>"items":[n lines]}, each {"sku"} or {"sku", "quantity": 1}. */
static const char *
lines_json(const char *head, size_t n, int qty)
{
	static char	buf[8192];
	size_t		i, len;

	len = (size_t)snprintf(buf, sizeof(buf), "{%s\"items\":[", head);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%s{\"sku\":\"S%zu\"%s}", i > 0 ? "," : "", i,
		    qty ? ",\"quantity\":1" : "");
	snprintf(buf + len, sizeof(buf) - len, "]}");
	return buf;
}

/* The lines of the real routes: reservations, orders, loans. */
START_TEST(test_route_lines)
{
	struct field_value	 fv[8];
	size_t			 n;

	/* sku, quantity, location (issue 17) */
	ck_assert_int_eq(schema_line.nfields, 3);
	ck_assert_int_eq(run(&schema_reserve, "{\"type\":\"cart\",\"items\":["
	    "{\"sku\":\"A-1\",\"quantity\":2},{\"sku\":\"a-1\",\"quantity\":"
	    "1000000000}]}", fv), HF_OK);
	ck_assert_int_eq(fv[3].i, 2);
	ck_assert_str_eq(fv[3].items[1][API_LINE_SKU].s, "a-1");
	ck_assert_int_eq(fv[3].items[1][API_LINE_QTY].i, API_QUANTITY_MAX);
	ck_assert_int_eq(fv[3].items[1][API_LINE_LOC].present, 0);
	ck_assert_int_eq(fv[2].i, 900);		/* ttl_seconds */
	ck_assert_int_eq(fv[4].i, 0);		/* allow_split: false */
	ck_assert_int_eq(run(&schema_reserve, "{\"type\":\"cart\",\"items\":["
	    "{\"sku\":\"A-1\",\"quantity\":1,\"location\":\"main main\"}]}",
	    fv), HF_E_REQ_FIELD);
	ck_assert_str_eq(field, "items[0].location");
	ck_assert_int_eq(run(&schema_reserve, "{\"type\":\"cart\",\"items\":["
	    "{\"sku\":\"A-1\",\"quantity\":1},{\"sku\":\"A 1\",\"quantity\":1}"
	    "]}", fv), HF_E_REQ_FIELD);
	ck_assert_str_eq(field, "items[1].sku");
	ck_assert_str_eq(reason, HF_SKU_GRAMMAR);
	ck_assert_int_eq(run(&schema_reserve, "{\"type\":\"cart\",\"items\":["
	    "{\"sku\":\"A\",\"quantity\":1000000001}]}", fv), HF_E_INV_PARAM);
	ck_assert_str_eq(field, "items[0].quantity");
	ck_assert_int_eq(run(&schema_order_create, "{\"items\":[{\"sku\":"
	    "\"A\",\"quantity\":1,\"price\":\"0.01\"}]}", fv),
	    HF_E_REQ_UNKNOWN_FIELD);
	ck_assert_str_eq(field, "items[0].price");
	ck_assert_int_eq(run(&schema_loan, "{\"items\":[{\"sku\":\"A\"},"
	    "{\"sku\":\"B\",\"quantity\":2}]}", fv), HF_E_REQ_UNKNOWN_FIELD);
	ck_assert_str_eq(field, "items[1].quantity");
	/* 100 lines at the cap, 101 past it, on each route with lines */
	for (n = 100; n <= 101; n++) {
		ck_assert_int_eq(run(&schema_loan, lines_json("", n, 0), fv),
		    n == 100 ? HF_OK : HF_E_REQ_FIELD);
		ck_assert_int_eq(run(&schema_reserve, lines_json("\"type\":"
		    "\"order\",", n, 1), fv), n == 100 ? HF_OK :
		    HF_E_REQ_FIELD);
		ck_assert_int_eq(run(&schema_order_create, lines_json("", n, 1),
		    fv), n == 100 ? HF_OK : HF_E_REQ_FIELD);
		if (n == 101) {
			ck_assert_str_eq(field, "items");
			ck_assert_str_eq(reason, "wrong number of elements");
		}
	}
}
END_TEST

/*
 * Every table a route runs (and those of its arrays' elements): .item
 * only on an array, a default only on an optional field, and each
 * default passes its own field's rules.
 */
static void
table_well_formed(const struct body_schema *sc, const char *where,
    int depth)
{
	const struct field	*f;
	struct body_schema	 one;
	struct field_value	 fv;
	const char		*fld, *why;
	json_object		*empty;
	size_t			 i;

	ck_assert_msg(depth < 4, "%s: tables nested too deeply", where);
	for (i = 0; i < sc->nfields; i++) {
		f = &sc->fields[i];
		ck_assert_msg(f->item == NULL || f->type == FIELD_ARRAY,
		    "%s.%s: an item table on a field that is no array", where,
		    f->name);
		if (f->item != NULL)
			table_well_formed(f->item, f->name, depth + 1);
		if (f->def == NULL)
			continue;
		ck_assert_msg(!(f->flags & FIELD_REQUIRED),
		    "%s.%s: a default on a required field", where, f->name);
		one.fields = f;
		one.nfields = 1;
		empty = json_object_new_object();
		ck_assert_msg(schema_check(&one, empty, &arena, &fv, &fld,
		    &why) == HF_OK, "%s.%s: its default %s: %s", where,
		    f->name, f->def, why);
		json_object_put(empty);
	}
}

START_TEST(test_every_route_table_well_formed)
{
	size_t	i;

	for (i = 0; i < api_nroutes; i++)
		if (api_routes[i].schema != NULL)
			table_well_formed(api_routes[i].schema,
			    api_routes[i].pattern, 0);
	table_well_formed(&schema_paging, "paging", 0);
}
END_TEST

Suite *
suite_validate(void)
{
	Suite	*s = suite_create("validate");
	TCase	*tc = tcase_create("arrays");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_array_of_objects_read_typed);
	tcase_add_test(tc, test_nested_refusals_name_their_place);
	tcase_add_test(tc, test_caps_at_and_past_the_limit);
	tcase_add_test(tc, test_defaults_filled);
	tcase_add_test(tc, test_a_default_that_breaks_its_rules_is_internal);
	tcase_add_test(tc, test_query_text);
	tcase_add_test(tc, test_route_lines);
	tcase_add_test(tc, test_every_route_table_well_formed);
	suite_add_tcase(s, tc);
	return s;
}
