/* check_arena.c: the per-request pool. */
#include <stdint.h>
#include <string.h>

#include "holdfast/core.h"
#include "suites.h"

static int	cleaned[3];
static int	order[3], norder;

static void
mark(void *p)
{
	int	i = (int)(intptr_t)p;

	cleaned[i] = 1;
	order[norder++] = i;
}

START_TEST(test_alloc_aligned_and_distinct)
{
	struct arena	 a;
	char		*p, *q;

	arena_init(&a, 0);
	p = arena_alloc(&a, 3);
	q = arena_alloc(&a, 5);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq((uintptr_t)p % 16, 0);
	ck_assert_int_eq((uintptr_t)q % 16, 0);
	ck_assert_ptr_ne(p, q);
	arena_free(&a);
}
END_TEST

START_TEST(test_large_allocation_gets_own_chunk)
{
	struct arena	 a;
	char		*big;

	arena_init(&a, 0);
	big = arena_alloc(&a, 1 << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 1 << 20);
	ck_assert_ptr_nonnull(arena_alloc(&a, 10));
	arena_reset(&a);
	ck_assert_uint_eq(a.total, 0);
	arena_free(&a);
}
END_TEST

START_TEST(test_cap_refuses)
{
	struct arena	a;

	arena_init(&a, 1000);
	ck_assert_ptr_nonnull(arena_alloc(&a, 500));
	ck_assert_ptr_null(arena_alloc(&a, 600));
	arena_reset(&a);
	ck_assert_ptr_nonnull(arena_alloc(&a, 600));
	arena_free(&a);
}
END_TEST

START_TEST(test_strings)
{
	struct arena	 a;
	char		*s;

	arena_init(&a, 0);
	ck_assert_str_eq(arena_strdup(&a, "abc"), "abc");
	ck_assert_str_eq(arena_strndup(&a, "abcdef", 2), "ab");
	s = arena_printf(&a, "%s-%d", "x", 42);
	ck_assert_str_eq(s, "x-42");
	arena_free(&a);
}
END_TEST

START_TEST(test_cleanups_run_newest_first_on_reset)
{
	struct arena	a;

	memset(cleaned, 0, sizeof(cleaned));
	norder = 0;
	arena_init(&a, 0);
	arena_on_reset(&a, mark, (void *)(intptr_t)0);
	arena_on_reset(&a, mark, (void *)(intptr_t)1);
	arena_on_reset(&a, mark, (void *)(intptr_t)2);
	ck_assert_int_eq(cleaned[0], 0);
	arena_reset(&a);
	ck_assert_int_eq(norder, 3);
	ck_assert_int_eq(order[0], 2);
	ck_assert_int_eq(order[2], 0);
	/* a second reset runs nothing again */
	arena_reset(&a);
	ck_assert_int_eq(norder, 3);
	arena_free(&a);
}
END_TEST

Suite *
suite_arena(void)
{
	Suite	*s = suite_create("arena");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_alloc_aligned_and_distinct);
	tcase_add_test(tc, test_large_allocation_gets_own_chunk);
	tcase_add_test(tc, test_cap_refuses);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_cleanups_run_newest_first_on_reset);
	suite_add_tcase(s, tc);
	return s;
}
