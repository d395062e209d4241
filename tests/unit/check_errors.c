/* check_errors.c: the one map from internal error to status and code. */
#include "holdfast/core.h"
#include "suites.h"

START_TEST(test_design_table)
{
	ck_assert_int_eq(hf_err_status(HF_E_INV_NOT_FOUND), 404);
	ck_assert_str_eq(hf_err_code(HF_E_INV_NOT_FOUND), "INV_001");
	ck_assert_int_eq(hf_err_status(HF_E_INV_INSUFFICIENT), 400);
	ck_assert_str_eq(hf_err_code(HF_E_INV_INSUFFICIENT), "INV_002");
	ck_assert_int_eq(hf_err_status(HF_E_REQ_TOO_LARGE), 413);
	ck_assert_str_eq(hf_err_code(HF_E_REQ_TOO_LARGE), "REQ_002");
	ck_assert_int_eq(hf_err_status(HF_E_REQ_MEDIA_TYPE), 415);
	ck_assert_int_eq(hf_err_status(HF_E_REQ_METHOD), 405);
	ck_assert_str_eq(hf_err_code(HF_E_REQ_NO_ROUTE), "REQ_004");
	ck_assert_int_eq(hf_err_status(HF_E_REQ_IDEM_MISMATCH), 422);
	ck_assert_int_eq(hf_err_status(HF_E_SYS_UNAVAILABLE), 503);
	ck_assert_str_eq(hf_err_code(HF_E_SYS_UNAVAILABLE), "SYS_001");
}
END_TEST

START_TEST(test_internal_errors_never_leak)
{
	/* a deadlock that survived its retries is a conflict to retry */
	ck_assert_str_eq(hf_err_code(HF_E_DEADLOCK), "INV_004");
	ck_assert_int_eq(hf_err_status(HF_E_LOCK_TIMEOUT), 409);
	ck_assert_str_eq(hf_err_code(HF_E_DUPLICATE), "INV_006");
	ck_assert_int_eq(hf_err_status(HF_E__MAX), 500);
	ck_assert_int_eq(hf_err_status((enum hf_err)-1), 500);
}
END_TEST

START_TEST(test_every_error_has_code_and_message)
{
	int	e;

	for (e = 1; e < HF_E__MAX; e++) {
		ck_assert_ptr_nonnull(hf_err_code(e));
		ck_assert_ptr_nonnull(hf_err_message(e));
		ck_assert_int_ge(hf_err_status(e), 400);
	}
}
END_TEST

Suite *
suite_errors(void)
{
	Suite	*s = suite_create("errors");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_design_table);
	tcase_add_test(tc, test_internal_errors_never_leak);
	tcase_add_test(tc, test_every_error_has_code_and_message);
	suite_add_tcase(s, tc);
	return s;
}
