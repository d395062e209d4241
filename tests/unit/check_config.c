/* check_config.c: the configuration loader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holdfast/core.h"
#include "suites.h"

static char	path[64];

static void
write_conf(const char *text)
{
	FILE	*fp;
	int	 fd;

	snprintf(path, sizeof(path), "/tmp/hfconfXXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
}

START_TEST(test_defaults)
{
	struct hf_config	c;

	config_defaults(&c);
	ck_assert_int_eq(c.mode, HF_MODE_PRODUCTION);
	ck_assert_int_eq(c.db_port, 3306);
	ck_assert_str_eq(c.db_name, "holdfast");
	ck_assert_int_eq(c.max_body_bytes, 1048576);
}
END_TEST

START_TEST(test_file_and_comments)
{
	struct hf_config	c;
	char			err[256];

	write_conf("# a comment\n\nmode = development\n"
	    "db_port=3307   # trailing comment\n db_user = shop \n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), 0);
	ck_assert_int_eq(c.mode, HF_MODE_DEVELOPMENT);
	ck_assert_int_eq(c.db_port, 3307);
	ck_assert_str_eq(c.db_user, "shop");
	unlink(path);
}
END_TEST

START_TEST(test_unknown_key_named)
{
	struct hf_config	c;
	char			err[256];

	write_conf("db_prot = 3306\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "db_prot"));
	ck_assert_ptr_nonnull(strstr(err, "unknown key"));
	ck_assert_ptr_nonnull(strstr(err, ":1:"));
	unlink(path);
}
END_TEST

START_TEST(test_bad_values_say_why)
{
	struct hf_config	c;
	char			err[256];

	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "db_port", "70000", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "db_port"));
	ck_assert_ptr_nonnull(strstr(err, "65535"));
	ck_assert_int_eq(config_set(&c, "db_port", "12x", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(config_set(&c, "mode", "prod", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "production"));
	ck_assert_int_eq(c.db_port, 3306);
}
END_TEST

START_TEST(test_line_without_equals)
{
	struct hf_config	c;
	char			err[256];

	write_conf("mode development\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "key = value"));
	unlink(path);
}
END_TEST

START_TEST(test_environment_wins)
{
	struct hf_config	c;
	char			err[256];

	write_conf("db_user = fromfile\n");
	setenv("HOLDFAST_DB_USER", "fromenv", 1);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), 0);
	ck_assert_str_eq(c.db_user, "fromenv");
	setenv("HOLDFAST_DB_PORT", "nope", 1);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "HOLDFAST_DB_PORT"));
	unsetenv("HOLDFAST_DB_USER");
	unsetenv("HOLDFAST_DB_PORT");
	unlink(path);
}
END_TEST

START_TEST(test_secret_value_never_in_error)
{
	struct hf_config	c;
	char			err[512], big[400];

	memset(big, 'S', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "db_password", big, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(strstr(err, "SSSS"));
	ck_assert(config_is_secret("db_password"));
	ck_assert(!config_is_secret("db_user"));
}
END_TEST

START_TEST(test_missing_file)
{
	struct hf_config	c;
	char			err[256];

	ck_assert_int_eq(config_load(&c, "/nonexistent/holdfast.conf", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/holdfast.conf"));
}
END_TEST

START_TEST(test_include)
{
	struct hf_config	c;
	char			err[256], inc[64], text[160];
	FILE			*fp;

	/* the included file's keys apply where it is named: later wins */
	write_conf("db_user = secret_user\njwt_secret = from-include\n");
	memcpy(inc, path, sizeof(inc));
	snprintf(text, sizeof(text), "db_user = first\ninclude = %s\n"
	    "jwt_issuer = last\n", inc);
	write_conf(text);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), 0);
	ck_assert_str_eq(c.db_user, "secret_user");
	ck_assert_str_eq(c.jwt_secret, "from-include");
	ck_assert_str_eq(c.jwt_issuer, "last");
	unlink(path);
	/* a missing included file is an error that names it */
	unlink(inc);
	snprintf(text, sizeof(text), "include = %s\n", inc);
	write_conf(text);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, inc));
	unlink(path);
	/* relative paths and a file that includes itself are refused */
	write_conf("include = secrets.conf\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "absolute"));
	unlink(path);
	write_conf("");
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "include = %s\n", path);
	fclose(fp);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "nested too deep"));
	unlink(path);
}
END_TEST

/* currency.c: the ISO 4217 table and money written in its digits */
START_TEST(test_currency)
{
	char	b[32];

	ck_assert_int_eq(hf_currency_digits("EUR"), 2);
	ck_assert_int_eq(hf_currency_digits("CNY"), 2);
	ck_assert_int_eq(hf_currency_digits("ZWG"), 2);
	ck_assert_int_eq(hf_currency_digits("AED"), 2);
	ck_assert_int_eq(hf_currency_digits("JPY"), 0);
	ck_assert_int_eq(hf_currency_digits("KRW"), 0);
	ck_assert_int_eq(hf_currency_digits("BHD"), -3);
	ck_assert_int_eq(hf_currency_digits("CLF"), -3);
	/* not codes: case, length, a run across two entries, unknown */
	ck_assert_int_eq(hf_currency_digits("eur"), -1);
	ck_assert_int_eq(hf_currency_digits("EU"), -1);
	ck_assert_int_eq(hf_currency_digits("EURO"), -1);
	ck_assert_int_eq(hf_currency_digits("D A"), -1);
	ck_assert_int_eq(hf_currency_digits("XXY"), -1);
	ck_assert_int_eq(hf_currency_digits(""), -1);
	ck_assert_int_eq(hf_currency_digits(NULL), -1);
	hf_currency_set("JPY");
	ck_assert_int_eq(hf_currency_minor(), 0);
	ck_assert_str_eq(hf_money_text("1500.00", b, sizeof(b)), "1500");
	ck_assert_str_eq(hf_money_text("0.00", b, sizeof(b)), "0");
	/* a fraction is never dropped */
	ck_assert_str_eq(hf_money_text("5.50", b, sizeof(b)), "5.50");
	ck_assert_str_eq(hf_money_text("5", b, sizeof(b)), "5");
	hf_currency_set("EUR");
	ck_assert_int_eq(hf_currency_minor(), 2);
	ck_assert_str_eq(hf_money_text("1500.00", b, sizeof(b)), "1500.00");
}
END_TEST

Suite *
suite_config(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_file_and_comments);
	tcase_add_test(tc, test_unknown_key_named);
	tcase_add_test(tc, test_bad_values_say_why);
	tcase_add_test(tc, test_line_without_equals);
	tcase_add_test(tc, test_environment_wins);
	tcase_add_test(tc, test_secret_value_never_in_error);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_currency);
	suite_add_tcase(s, tc);
	return s;
}
