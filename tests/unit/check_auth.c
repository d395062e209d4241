/* check_auth.c: JWT, base64url, passwords and the body validator. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/http.h"
#include "suites.h"

#define KEY	"0123456789abcdef0123456789abcdef"

START_TEST(test_b64url_round_trip)
{
	const unsigned char	in[] = { 0xfb, 0xff, 0x00, 'a', 'b' };
	unsigned char		out[16];
	char			enc[16];
	size_t			n, len;

	for (len = 0; len <= sizeof(in); len++) {
		ck_assert_uint_gt(hf_b64url_encode(enc, sizeof(enc), in, len) + 1,
		    0);
		ck_assert_ptr_null(strpbrk(enc, "+/="));
		ck_assert_int_eq(hf_b64url_decode(out, sizeof(out), enc,
		    strlen(enc), &n), 0);
		ck_assert_uint_eq(n, len);
		ck_assert_int_eq(memcmp(out, in, len), 0);
	}
	ck_assert_int_eq(hf_b64url_decode(out, sizeof(out), "a+b/", 4, &n), -1);
	ck_assert_int_eq(hf_b64url_decode(out, sizeof(out), "abcde", 5, &n),
	    -1);
}
END_TEST

START_TEST(test_jwt_sign_verify)
{
	char			tok[1024];
	struct jwt_claims	c;

	ck_assert_int_eq(jwt_sign(tok, sizeof(tok), KEY, "hf", "api", 42,
	    ROLE_BUSINESS, 1000, 1900), 0);
	ck_assert_int_eq(jwt_verify(tok, KEY, "hf", "api", 1500, 60, &c),
	    HF_OK);
	ck_assert_uint_eq(c.sub, 42);
	ck_assert_int_eq(c.role, ROLE_BUSINESS);
	/* within the leeway, then past it */
	ck_assert_int_eq(jwt_verify(tok, KEY, "hf", "api", 1950, 60, &c),
	    HF_OK);
	ck_assert_int_eq(jwt_verify(tok, KEY, "hf", "api", 1961, 60, &c),
	    HF_E_AUTH_EXPIRED);
	ck_assert_int_eq(jwt_verify(tok, KEY, "other", "api", 1500, 60, &c),
	    HF_E_AUTH_INVALID);
	ck_assert_int_eq(jwt_verify(tok, KEY, "hf", "other", 1500, 60, &c),
	    HF_E_AUTH_INVALID);
	ck_assert_int_eq(jwt_verify(tok, KEY "x", "hf", "api", 1500, 60, &c),
	    HF_E_AUTH_INVALID);
	/* exp at INT64_MAX: exp + leeway overflowed (fuzz_jwt's crash) */
	ck_assert_int_eq(jwt_sign(tok, sizeof(tok), KEY, "hf", "api", 42,
	    ROLE_USER, 1000, INT64_MAX), 0);
	ck_assert_int_eq(jwt_verify(tok, KEY, "hf", "api", 1500, 60, &c),
	    HF_OK);
	ck_assert_int_eq(c.exp, INT64_MAX);
}
END_TEST

START_TEST(test_jwt_tampering_refused)
{
	char			tok[1024], bad[1200], *dot;
	struct jwt_claims	c;

	jwt_sign(tok, sizeof(tok), KEY, "hf", "api", 7, ROLE_USER, 1000, 1900);
	/* a stripped signature */
	snprintf(bad, sizeof(bad), "%s", tok);
	dot = strrchr(bad, '.');
	dot[1] = '\0';
	ck_assert_int_eq(jwt_verify(bad, KEY, "hf", "api", 1500, 60, &c),
	    HF_E_AUTH_INVALID);
	/* alg none with no signature */
	ck_assert_int_eq(jwt_verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiI3In0.",
	    KEY, "hf", "api", 1500, 60, &c), HF_E_AUTH_INVALID);
	/* one flipped character in the payload */
	snprintf(bad, sizeof(bad), "%s", tok);
	dot = strchr(bad, '.');
	dot[3] = dot[3] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(jwt_verify(bad, KEY, "hf", "api", 1500, 60, &c),
	    HF_E_AUTH_INVALID);
	ck_assert_int_eq(jwt_verify("garbage", KEY, "hf", "api", 1500, 60, &c),
	    HF_E_AUTH_INVALID);
	ck_assert_int_eq(jwt_verify(tok, "", "hf", "api", 1500, 60, &c),
	    HF_E_AUTH_INVALID);
}
END_TEST

START_TEST(test_password_hash_and_verify)
{
	char	hash[HF_PASSWORD_HASH_MAX], other[HF_PASSWORD_HASH_MAX];

	ck_assert_int_eq(password_hash("correct horse", hash), 0);
	ck_assert_int_eq(strncmp(hash, "$2b$", 4), 0);
	ck_assert(password_verify("correct horse", hash));
	ck_assert(!password_verify("correct horsE", hash));
	ck_assert(!password_verify("correct horse", "not a hash"));
	ck_assert_int_eq(password_hash("correct horse", other), 0);
	ck_assert_str_ne(hash, other);	/* a new salt each time */
}
END_TEST

static const char *const colours[] = { "red", "blue", NULL };
static const struct field fields[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 3, 254, NULL, NULL, NULL },
	{ "qty", FIELD_INT, FIELD_INVENTORY, 1, 10, NULL, NULL, NULL },
	{ "colour", FIELD_STRING, FIELD_NULLABLE, 0, 0, colours, NULL, NULL },
	{ "price", FIELD_MONEY, 0, 0, 0, NULL, NULL, NULL },
};
static const struct body_schema schema = SCHEMA(fields);

/* field is copied: it may point into the JSON freed here */
static int
check(const char *json, const char **field, struct field_value *fv)
{
	static char	 name[64];
	struct arena	 a;
	json_object	*o = json_tokener_parse(json);
	const char	*reason;
	int		 rc;

	arena_init(&a, 0);
	rc = schema_check(&schema, o, &a, fv, field, &reason);
	snprintf(name, sizeof(name), "%s", *field != NULL ? *field : "");
	*field = name;
	json_object_put(o);
	arena_free(&a);
	return rc;
}

START_TEST(test_schema)
{
	struct field_value	fv[4];
	const char		*field;

	ck_assert_int_eq(check("{\"email\":\"A@B.example\",\"qty\":3}", &field,
	    fv), HF_OK);
	ck_assert_int_eq(fv[1].i, 3);
	ck_assert(!fv[2].present);
	ck_assert_int_eq(check("{\"email\":\"a@b.example\",\"role\":\"x\"}",
	    &field, fv), HF_E_REQ_UNKNOWN_FIELD);
	ck_assert_str_eq(field, "role");
	ck_assert_int_eq(check("{}", &field, fv), HF_E_REQ_FIELD);
	ck_assert_str_eq(field, "email");
	ck_assert_int_eq(check("{\"email\":\"nope\"}", &field, fv),
	    HF_E_REQ_FIELD);
	ck_assert_int_eq(check("{\"email\":\"a@b.example\",\"qty\":0}", &field,
	    fv), HF_E_INV_PARAM);
	ck_assert_int_eq(check("{\"email\":\"a@b.example\",\"qty\":\"3\"}",
	    &field, fv), HF_E_INV_PARAM);
	ck_assert_int_eq(check("{\"email\":\"a@b.example\",\"colour\":\"green\"}",
	    &field, fv), HF_E_REQ_FIELD);
	ck_assert_int_eq(check("{\"email\":\"a@b.example\",\"colour\":null}",
	    &field, fv), HF_OK);
	ck_assert(fv[2].null);
	ck_assert_int_eq(check("{\"email\":\"a@b.example\",\"price\":\"9.5\"}",
	    &field, fv), HF_OK);
	ck_assert_int_eq(fv[3].i, 950);
	ck_assert_int_eq(check("{\"email\":\"a@b.example\",\"price\":9.99}",
	    &field, fv), HF_E_REQ_FIELD);	/* never a float */
	ck_assert_int_eq(check("{\"email\":\"a@b.example\",\"price\":\"1.234\"}",
	    &field, fv), HF_E_REQ_FIELD);
}
END_TEST

Suite *
suite_auth(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_b64url_round_trip);
	tcase_add_test(tc, test_jwt_sign_verify);
	tcase_add_test(tc, test_jwt_tampering_refused);
	tcase_add_test(tc, test_password_hash_and_verify);
	tcase_add_test(tc, test_schema);
	suite_add_tcase(s, tc);
	return s;
}
