/* check_day.c: the one reader of days and times (core/day.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "holdfast/core.h"
#include "suites.h"

/* s as a day and time; -2 when refused. */
static int64_t
T(const char *s)
{
	int64_t	ms;

	return hf_time_parse(s, strlen(s), HF_TIME_CLOCK, &ms) == 0 ? ms : -2;
}

START_TEST(test_day_good)
{
	ck_assert_int_eq(hf_day_parse("1970-01-01"), 0);
	ck_assert_int_eq(hf_day_parse("1970-01-02"), 86400);
	ck_assert_int_eq(hf_day_parse("2000-03-01"), 951868800);
	ck_assert_int_eq(hf_day_parse("2024-02-29"), 1709164800);
	ck_assert_int_eq(hf_day_parse("2026-12-31"), 1798675200);
	ck_assert_int_eq(hf_day_parse("9999-12-31"), 253402214400LL);
	ck_assert_int_eq(hf_month_days(2000, 2), 29);
	ck_assert_int_eq(hf_month_days(1900, 2), 28);
	ck_assert_int_eq(hf_month_days(2026, 4), 30);
	ck_assert_int_eq(hf_month_days(2026, 13), 0);
}
END_TEST

START_TEST(test_day_agrees_with_timegm)
{
	struct tm	tm;
	int		y, m, d;

	for (y = 1970; y <= 2100; y += 13)
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= hf_month_days(y, m); d++) {
				char	s[16];

				memset(&tm, 0, sizeof(tm));
				tm.tm_year = y - 1900;
				tm.tm_mon = m - 1;
				tm.tm_mday = d;
				ck_assert_int_eq(snprintf(s, sizeof(s),
				    "%04d-%02d-%02d", y, m, d), 10);
				ck_assert_int_eq(hf_day_parse(s),
				    (long long)timegm(&tm));
			}
}
END_TEST

START_TEST(test_day_bad)
{
	static const char *const bad[] = {
		"2026-13-01", "2026-00-10", "2026-02-30", "2026-02-29",
		"1900-02-29", "2026-04-31", "2026-01-32", "2026-01-00",
		"1969-12-31", "2026-1-01", "2026-+1-01", "2026- 1-01",
		"+026-01-01", " 2026-01-1", "2026/01/01", "2026-01-01 ",
		"2026-01-01T", "20260101", "", "2026-01-0x", "２026-01-01",
		"2026-01-01T00:00:00Z",	/* a day only */
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hf_day_parse(bad[i]) == -1, "took %s", bad[i]);
	ck_assert_int_eq(hf_day_parse(NULL), -1);
}
END_TEST

START_TEST(test_time_good)
{
	ck_assert_int_eq(T("1970-01-01"), 0);
	ck_assert_int_eq(T("1970-01-01T00:00:01"), 1000);
	ck_assert_int_eq(T("1970-01-01T00:00:01Z"), 1000);
	ck_assert_int_eq(T("1970-01-01T00:00:01.250"), 1250);
	ck_assert_int_eq(T("1970-01-01T00:00:01.250Z"), 1250);
	ck_assert_int_eq(T("2026-11-21T10:00:00Z"), 1795255200000LL);
	ck_assert_int_eq(T("2024-02-29T23:59:59.999Z"), 1709251199999LL);
}
END_TEST

START_TEST(test_time_bad)
{
	static const char *const bad[] = {
		"2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
		"2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
		"2026-01-01T00:00:60Z", "2026-01-01t00:00:00Z",
		"2026-01-01T00:00:00z", "2026-01-01T00:00:00ZZ",
		"2026-01-01T00:00:00.", "2026-01-01T00:00:00.12",
		"2026-01-01T00:00:00.1234", "2026-01-01T00:00:00+01:00",
		"2026-01-01T 0:00:00", "2026-01-01T+0:00:00",
		"2026-01-01T00:00", "2026-01-01 00:00:00",
	};
	size_t	i;
	int64_t	ms;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(T(bad[i]) == -2, "took %s", bad[i]);
	/* the length is what counts, not a NUL */
	ck_assert_int_eq(hf_time_parse("2026-01-01T00:00:00Z", 10, 0, &ms), 0);
	ck_assert_int_eq(hf_time_parse("2026-01-01", 9, 0, &ms), -1);
}
END_TEST

/* HF_TIME_ZONE: a moment (?at= of /stock), -2 if refused */
static int64_t
Z(const char *s)
{
	int64_t	ms;

	return hf_time_parse(s, strlen(s), HF_TIME_ZONE, &ms) == 0 ? ms : -2;
}

START_TEST(test_zone_good)
{
	ck_assert_int_eq(Z("2026-11-21T10:00:00Z"), 1795255200000LL);
	ck_assert_int_eq(Z("2026-11-21T10:00:00"), 1795255200000LL);
	ck_assert_int_eq(Z("2026-11-21"), 1795219200000LL);
	ck_assert_int_eq(Z("2026-11-21T12:00:00+02:00"), 1795255200000LL);
	ck_assert_int_eq(Z("2026-11-21T05:30:00-04:30"), 1795255200000LL);
	ck_assert_int_eq(Z("2026-11-21T10:00:00-00:00"), 1795255200000LL);
	/* a fraction of 1 to 9 digits, kept to the millisecond below */
	ck_assert_int_eq(Z("1970-01-01T00:00:01.5Z"), 1500);
	ck_assert_int_eq(Z("1970-01-01T00:00:01.25"), 1250);
	ck_assert_int_eq(Z("1970-01-01T00:00:01.250Z"), 1250);
	ck_assert_int_eq(Z("1970-01-01T00:00:01.2509"), 1250);
	ck_assert_int_eq(Z("1970-01-01T00:00:01.999999999Z"), 1999);
	ck_assert_int_eq(Z("1970-01-01T00:00:01.000000001+00:00"), 1000);
	ck_assert_int_eq(Z("1970-01-01T01:00:00+01:00"), 0);
}
END_TEST

START_TEST(test_zone_bad)
{
	static const char *const bad[] = {
		"2026-11-21T10:00:00ZZ", "2026-11-21T10:00:00Z+01:00",
		"2026-11-21T10:00:00+01:00Z", "2026-11-21T10:00:00+1:00",
		"2026-11-21T10:00:00+0100", "2026-11-21T10:00:00+01",
		"2026-11-21T10:00:00+24:00", "2026-11-21T10:00:00+01:60",
		"2026-11-21T10:00:00 01:00", "2026-11-21T10:00:00.",
		"2026-11-21T10:00:00.Z", "2026-11-21T10:00:00.1234567890",
		"2026-11-21T10:00:00.12a", "2026-11-21T10:00:00z",
		"2026-11-21t10:00:00", "2026-11-21T10:00", "2026-11-21 10:00:00",
		"2026-11-21T10:00:00+01:00:00", "2026-11-21T1:00:00",
		"1970-01-01T00:59:59+01:00", "1969-12-31T23:00:00-01:00",
		"2026-11-21T10:00:00++1:00", "2026-11-21T10:00:00+-1:00",
		"2026-02-29T00:00:00Z", "",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(Z(bad[i]) == -2, "took %s", bad[i]);
	/* without the flag, the plain grammar still refuses both */
	ck_assert_int_eq(T("2026-11-21T12:00:00+02:00"), -2);
	ck_assert_int_eq(T("1970-01-01T00:00:01.5Z"), -2);
}
END_TEST

Suite *
suite_day(void)
{
	Suite	*s = suite_create("day");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_day_good);
	tcase_add_test(tc, test_day_agrees_with_timegm);
	tcase_add_test(tc, test_day_bad);
	tcase_add_test(tc, test_time_good);
	tcase_add_test(tc, test_time_bad);
	tcase_add_test(tc, test_zone_good);
	tcase_add_test(tc, test_zone_bad);
	suite_add_tcase(s, tc);
	return s;
}
