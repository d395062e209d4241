/* check_reply.c: the envelope writer of design.md section 4. */
#include <json-c/json.h>
#include <string.h>

#include "holdfast/http.h"
#include "suites.h"

static json_object *
parse(const char *s)
{
	json_object	*o = json_tokener_parse(s);

	ck_assert_ptr_nonnull(o);
	return o;
}

START_TEST(test_success_envelope)
{
	struct arena	 a;
	json_object	*data, *o, *v;
	char		*s;
	size_t		 len = 0;

	arena_init(&a, 0);
	data = json_object_new_object();
	json_object_object_add(data, "sku", json_object_new_string("BK-1"));
	s = http_envelope(&a, 200, NULL, NULL, data, NULL, 1763712000,
	    "rid-1", &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(len, strlen(s));
	o = parse(s);
	ck_assert(json_object_object_get_ex(o, "code", &v));
	ck_assert_int_eq(json_object_get_int(v), 200);
	ck_assert(json_object_object_get_ex(o, "message", &v));
	ck_assert_str_eq(json_object_get_string(v), "success");
	ck_assert(json_object_object_get_ex(o, "data", &v));
	ck_assert(json_object_object_get_ex(v, "sku", &v));
	ck_assert_str_eq(json_object_get_string(v), "BK-1");
	ck_assert(json_object_object_get_ex(o, "timestamp", &v));
	ck_assert_int_eq(json_object_get_int64(v), 1763712000);
	ck_assert(json_object_object_get_ex(o, "request_id", &v));
	ck_assert_str_eq(json_object_get_string(v), "rid-1");
	ck_assert(!json_object_object_get_ex(o, "error", NULL));
	json_object_put(o);
	arena_free(&a);
}
END_TEST

START_TEST(test_error_envelope)
{
	struct arena	 a;
	json_object	*details, *o, *v;
	char		*s;

	arena_init(&a, 0);
	details = json_object_new_object();
	json_object_object_add(details, "field",
	    json_object_new_string("quantity"));
	s = http_envelope(&a, 422, "REQ_010", "missing field", NULL, details,
	    1, "r", NULL);
	o = parse(s);
	ck_assert(json_object_object_get_ex(o, "code", &v));
	ck_assert_int_eq(json_object_get_int(v), 422);
	ck_assert(json_object_object_get_ex(o, "error", &v));
	ck_assert_str_eq(json_object_get_string(v), "REQ_010");
	ck_assert(json_object_object_get_ex(o, "message", &v));
	ck_assert_str_eq(json_object_get_string(v), "missing field");
	ck_assert(json_object_object_get_ex(o, "details", &v));
	ck_assert(!json_object_object_get_ex(o, "data", NULL));
	json_object_put(o);
	arena_free(&a);
}
END_TEST

START_TEST(test_null_data_is_empty_object_and_strings_escaped)
{
	struct arena	 a;
	json_object	*o, *v;
	char		*s;

	arena_init(&a, 0);
	s = http_envelope(&a, 200, NULL, NULL, NULL, NULL, 1, "r\"x", NULL);
	o = parse(s);
	ck_assert(json_object_object_get_ex(o, "data", &v));
	ck_assert(json_object_is_type(v, json_type_object));
	ck_assert(json_object_object_get_ex(o, "request_id", &v));
	ck_assert_str_eq(json_object_get_string(v), "r\"x");
	json_object_put(o);
	arena_free(&a);
}
END_TEST

Suite *
suite_reply(void)
{
	Suite	*s = suite_create("reply");
	TCase	*tc = tcase_create("http");

	tcase_add_test(tc, test_success_envelope);
	tcase_add_test(tc, test_error_envelope);
	tcase_add_test(tc, test_null_data_is_empty_object_and_strings_escaped);
	suite_add_tcase(s, tc);
	return s;
}
