/* check_main.c: runs every unit-test suite; exit status 0 when all pass. */
#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(suite_arena());
	srunner_add_suite(sr, suite_config());
	srunner_add_suite(sr, suite_errors());
	srunner_add_suite(sr, suite_router());
	srunner_add_suite(sr, suite_reply());
	srunner_add_suite(sr, suite_auth());
	srunner_add_suite(sr, suite_metrics());
	srunner_add_suite(sr, suite_utf8());
	srunner_add_suite(sr, suite_day());
	srunner_add_suite(sr, suite_api_fail());
	srunner_add_suite(sr, suite_buf());
	srunner_add_suite(sr, suite_log());
	srunner_add_suite(sr, suite_validate());
	srunner_add_suite(sr, suite_fields());
	srunner_add_suite(sr, suite_csv());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
