/* suites.h: one constructor per unit-test suite (check_*.c). */
#ifndef HOLDFAST_SUITES_H
#define HOLDFAST_SUITES_H

#include <check.h>

Suite	*suite_arena(void);
Suite	*suite_config(void);
Suite	*suite_errors(void);
Suite	*suite_router(void);
Suite	*suite_reply(void);
Suite	*suite_auth(void);
Suite	*suite_metrics(void);
Suite	*suite_utf8(void);
Suite	*suite_day(void);
Suite	*suite_api_fail(void);
Suite	*suite_buf(void);
Suite	*suite_log(void);
Suite	*suite_validate(void);
Suite	*suite_fields(void);
Suite	*suite_csv(void);

#endif
