/* check_log.c: the log file is reopened after logrotate moves it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holdfast/core.h"
#include "suites.h"

static char	dir[64], path[96], moved[96];

static void
setup_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hflogXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/holdfast.log", dir);
	snprintf(moved, sizeof(moved), "%s/holdfast.log.1", dir);
}

static void
cleanup_dir(void)
{
	log_close();
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

/* Does the file at p hold the text s? */
static int
file_has(const char *p, const char *s)
{
	char	 buf[4096];
	size_t	 n;
	FILE	*fp;

	if ((fp = fopen(p, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return strstr(buf, s) != NULL;
}

START_TEST(test_reopen_on_usr2)
{
	setup_dir();
	ck_assert_int_eq(log_open(path, HF_LOG_INFO), 0);
	ck_assert_int_eq(log_reopen_signals(), 0);
	log_info(NULL, "before the move");
	ck_assert_int_eq(rename(path, moved), 0);
	/* at once, within the same second: only the signal tells */
	raise(SIGUSR2);
	log_info(NULL, "after the signal");
	ck_assert(file_has(moved, "before the move"));
	ck_assert(!file_has(moved, "after the signal"));
	ck_assert(file_has(path, "after the signal"));
	cleanup_dir();
}
END_TEST

START_TEST(test_reopen_when_moved)
{
	setup_dir();
	ck_assert_int_eq(log_open(path, HF_LOG_INFO), 0);
	log_info(NULL, "before the move");
	ck_assert_int_eq(rename(path, moved), 0);
	/* no signal: the next line after a second's check finds the move */
	sleep(2);
	log_info(NULL, "after the move");
	ck_assert(!file_has(moved, "after the move"));
	ck_assert(file_has(path, "after the move"));
	cleanup_dir();
}
END_TEST

START_TEST(test_quiet_on_stderr_only)
{
	setup_dir();
	/* a file keeps its level; stderr drops to warnings */
	ck_assert_int_eq(log_open(path, HF_LOG_INFO), 0);
	log_quiet_on_stderr();
	log_info(NULL, "info to the file");
	ck_assert(file_has(path, "info to the file"));
	cleanup_dir();
}
END_TEST

Suite *
suite_log(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_reopen_on_usr2);
	tcase_add_test(tc, test_reopen_when_moved);
	tcase_add_test(tc, test_quiet_on_stderr_only);
	suite_add_tcase(s, tc);
	return s;
}
