/* check_router.c: route matching, captures, 404 and 405 with Allow. */
#include <string.h>

#include "holdfast/http.h"
#include "suites.h"

static void h(struct http_request *r) { (void)r; }

static const struct route routes[] = {
	{ HTTP_GET, "/api/v1", h, PERM_PUBLIC, ROUTE_BODY_NONE, 0, NULL },
	{ HTTP_GET, "/api/v1/stock/{sku}", h, PERM_PUBLIC, ROUTE_BODY_NONE, 0, NULL },
	{ HTTP_PATCH, "/api/v1/stock/{sku}", h, PERM_ADMIN, ROUTE_BODY_JSON, 0, NULL },
	{ HTTP_POST, "/api/v1/stock/{sku}/restock", h, PERM_BUSINESS,
	    ROUTE_BODY_JSON, 0, NULL },
	{ HTTP_POST, "/api/v1/reservations/commit", h, PERM_BUSINESS,
	    ROUTE_BODY_JSON, 0, NULL },
	{ HTTP_POST, "/api/v1/reservations/{id}/commit", h, PERM_BUSINESS,
	    ROUTE_BODY_JSON, 0, NULL },
};
#define NR (sizeof(routes) / sizeof(routes[0]))

static enum route_match
match(enum http_method m, const char *path, const struct route **r,
    const char **args, size_t *nargs, int *allow)
{
	static char	scratch[256];

	return router_match(routes, NR, m, path, r, args, nargs, allow,
	    scratch, sizeof(scratch));
}

START_TEST(test_literal_and_capture)
{
	const struct route	*r;
	const char		*args[HTTP_MAX_ARGS];
	size_t			 n;
	int			 allow[HTTP_METHOD__MAX];

	ck_assert_int_eq(match(HTTP_GET, "/api/v1", &r, args, &n, allow),
	    ROUTE_FOUND);
	ck_assert_ptr_eq(r, &routes[0]);
	ck_assert_int_eq(match(HTTP_GET, "/api/v1/stock/BK-1", &r, args, &n,
	    allow), ROUTE_FOUND);
	ck_assert_ptr_eq(r, &routes[1]);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(args[0], "BK-1");
	ck_assert_int_eq(match(HTTP_POST, "/api/v1/stock/BK-1/restock", &r,
	    args, &n, allow), ROUTE_FOUND);
	ck_assert_ptr_eq(r, &routes[3]);
}
END_TEST

START_TEST(test_literal_wins_by_order)
{
	const struct route	*r;
	const char		*args[HTTP_MAX_ARGS];
	size_t			 n;
	int			 allow[HTTP_METHOD__MAX];

	ck_assert_int_eq(match(HTTP_POST, "/api/v1/reservations/commit", &r,
	    args, &n, allow), ROUTE_FOUND);
	ck_assert_ptr_eq(r, &routes[4]);
	ck_assert_int_eq(match(HTTP_POST, "/api/v1/reservations/42/commit",
	    &r, args, &n, allow), ROUTE_FOUND);
	ck_assert_ptr_eq(r, &routes[5]);
	ck_assert_str_eq(args[0], "42");
}
END_TEST

START_TEST(test_no_path)
{
	const struct route	*r = NULL;
	const char		*args[HTTP_MAX_ARGS];
	size_t			 n;
	int			 allow[HTTP_METHOD__MAX];

	ck_assert_int_eq(match(HTTP_GET, "/api/v2", &r, args, &n, allow),
	    ROUTE_NO_PATH);
	ck_assert_int_eq(match(HTTP_GET, "/api/v1/stock", &r, args, &n,
	    allow), ROUTE_NO_PATH);
	ck_assert_int_eq(match(HTTP_GET, "/api/v1/stock/", &r, args, &n,
	    allow), ROUTE_NO_PATH);
	ck_assert_int_eq(match(HTTP_GET, "/api/v1/stock/a/b", &r, args, &n,
	    allow), ROUTE_NO_PATH);
	ck_assert_int_eq(match(HTTP_GET, "/api/v1x", &r, args, &n, allow),
	    ROUTE_NO_PATH);
	ck_assert_int_eq(match(HTTP_GET, "", &r, args, &n, allow),
	    ROUTE_NO_PATH);
}
END_TEST

START_TEST(test_wrong_method_lists_allowed)
{
	const struct route	*r;
	const char		*args[HTTP_MAX_ARGS];
	size_t			 n;
	int			 allow[HTTP_METHOD__MAX];

	ck_assert_int_eq(match(HTTP_DELETE, "/api/v1/stock/X", &r, args, &n,
	    allow), ROUTE_NO_METHOD);
	ck_assert_int_eq(allow[HTTP_GET], 1);
	ck_assert_int_eq(allow[HTTP_PATCH], 1);
	ck_assert_int_eq(allow[HTTP_POST], 0);
	ck_assert_int_eq(allow[HTTP_DELETE], 0);
}
END_TEST

START_TEST(test_head_matches_get)
{
	const struct route	*r;
	const char		*args[HTTP_MAX_ARGS];
	size_t			 n;
	int			 allow[HTTP_METHOD__MAX];

	ck_assert_int_eq(match(HTTP_HEAD, "/api/v1", &r, args, &n, allow),
	    ROUTE_FOUND);
	ck_assert_ptr_eq(r, &routes[0]);
}
END_TEST

START_TEST(test_method_names)
{
	ck_assert_int_eq(http_method_parse("PATCH"), HTTP_PATCH);
	ck_assert_int_eq(http_method_parse("patch"), -1);
	ck_assert_int_eq(http_method_parse("BREW"), -1);
	ck_assert_str_eq(http_method_name(HTTP_DELETE), "DELETE");
}
END_TEST

START_TEST(test_url_decode)
{
	char	out[64];

	ck_assert_int_eq(http_url_decode(out, "a%20b+c", 7, 1), 0);
	ck_assert_str_eq(out, "a b c");
	ck_assert_int_eq(http_url_decode(out, "a+b", 3, 0), 0);
	ck_assert_str_eq(out, "a+b");
	ck_assert_int_eq(http_url_decode(out, "%zz", 3, 0), -1);
	ck_assert_int_eq(http_url_decode(out, "%4", 2, 0), -1);
	ck_assert_int_eq(http_url_decode(out, "x%", 2, 0), -1);
	ck_assert_int_eq(http_url_decode(out, "%00", 3, 0), -1);
}
END_TEST

START_TEST(test_request_id_rule)
{
	char	long_id[80];

	ck_assert(http_request_id_valid("abc-123_x.y"));
	ck_assert(!http_request_id_valid(""));
	ck_assert(!http_request_id_valid(NULL));
	ck_assert(!http_request_id_valid("a b"));
	ck_assert(!http_request_id_valid("a\nb"));
	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	ck_assert(!http_request_id_valid(long_id));
	long_id[64] = '\0';
	ck_assert(http_request_id_valid(long_id));
}
END_TEST

Suite *
suite_router(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc = tcase_create("http");

	tcase_add_test(tc, test_literal_and_capture);
	tcase_add_test(tc, test_literal_wins_by_order);
	tcase_add_test(tc, test_no_path);
	tcase_add_test(tc, test_wrong_method_lists_allowed);
	tcase_add_test(tc, test_head_matches_get);
	tcase_add_test(tc, test_method_names);
	tcase_add_test(tc, test_url_decode);
	tcase_add_test(tc, test_request_id_rule);
	suite_add_tcase(s, tc);
	return s;
}
