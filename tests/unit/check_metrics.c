/*
 * check_metrics.c: the shared counters. Slots are claimed by live
 * processes only, a dead worker's slot is taken over without losing its
 * counts, every slot is summed, rows follow route names, and the text is
 * the Prometheus format. Other workers are forked children.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "holdfast/metrics.h"
#include "suites.h"

static const struct metrics_route routes[] = {
	{ "GET", "/api/v1" },
	{ "GET", "/api/v1/stock/{sku}" },
	{ "POST", "/api/v1/reservations" },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

#define STOCK_404	"holdfast_http_requests_total" \
	"{route=\"/api/v1/stock/{sku}\",method=\"GET\",status=\"404\"}"

static char	dir[64];
static char	path[96];
static struct arena	arena;

static void
setup(void)
{
	metrics_close();
	snprintf(dir, sizeof(dir), "/tmp/hf-metrics.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/metrics", dir);
	arena_init(&arena, 0);
}

static void
teardown(void)
{
	metrics_close();
	arena_free(&arena);
	unlink(path);
	rmdir(dir);
}

static int
open_metrics(const struct metrics_route *r, size_t n)
{
	char	err[256];

	return metrics_open(path, r, n, err, sizeof(err));
}

static char *
render(const struct metrics_gauges *g, size_t *len)
{
	struct metrics_gauges	 none;
	char			*text;
	size_t			 n;

	if (g == NULL) {
		metrics_gauges_unknown(&none);
		g = &none;
	}
	text = metrics_render(&arena, g, len != NULL ? len : &n);
	ck_assert_ptr_nonnull(text);
	return text;
}

/* The value of one series (exact name and labels), or -1 if absent. */
static long long
value_of(const char *text, const char *series)
{
	const char	*p = text;
	size_t		 n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

/* A child that counts k requests on the stock route, then waits. */
static pid_t
worker(int k, int hold_fd_in, int ready_fd_out)
{
	pid_t	pid;
	char	c = 'r';
	int	i;

	if ((pid = fork()) != 0)
		return pid;
	if (open_metrics(routes, NROUTES) != 0)
		_exit(2);
	for (i = 0; i < k; i++)
		metrics_request(1, 404, 100);
	if (ready_fd_out >= 0 && write(ready_fd_out, &c, 1) != 1)
		_exit(3);
	if (hold_fd_in >= 0 && read(hold_fd_in, &c, 1) < 0)
		_exit(4);
	_exit(0);
}

static void
reap(pid_t pid)
{
	int	status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

START_TEST(test_counts_by_route_status_and_duration)
{
	struct metrics_gauges	 g;
	char			*text;

	ck_assert_int_eq(open_metrics(routes, NROUTES), 0);
	ck_assert_int_eq(metrics_slot(), 0);
	metrics_request(1, 404, 1500);
	metrics_request(1, 404, 1500);
	metrics_request(0, 200, 500);
	metrics_request(-1, 404, 10);
	metrics_request(2, 299, 3000000);	/* by class, past 2.5 s */
	metrics_request(2, 999, 0);		/* neither: "other" */
	metrics_request(99, 200, 0);		/* out of the table */
	metrics_add(M_CACHE_HIT, 3);
	metrics_add(M_DB_ERRORS, 1);
	metrics_add(M_DB_DEADLOCK_RETRIES, 2);
	metrics_add(M__MAX, 5);			/* ignored */
	metrics_gauges_unknown(&g);
	g.database_up = 1;
	g.reservations_active = 7;
	g.reservations_expired = 2;
	g.skus_warning = 1;
	g.skus_critical = 0;
	g.skus_out = 4;
	text = render(&g, NULL);

	ck_assert_int_eq(value_of(text, STOCK_404), 2);
	ck_assert_int_eq(value_of(text, "holdfast_http_requests_total"
	    "{route=\"/api/v1\",method=\"GET\",status=\"200\"}"), 1);
	ck_assert_int_eq(value_of(text, "holdfast_http_requests_total"
	    "{route=\"unmatched\",method=\"\",status=\"404\"}"), 1);
	ck_assert_int_eq(value_of(text, "holdfast_http_requests_total"
	    "{route=\"unmatched\",method=\"\",status=\"200\"}"), 1);
	ck_assert_int_eq(value_of(text, "holdfast_http_requests_total"
	    "{route=\"/api/v1/reservations\",method=\"POST\",status=\"2xx\"}"),
	    1);
	ck_assert_int_eq(value_of(text, "holdfast_http_requests_total"
	    "{route=\"/api/v1/reservations\",method=\"POST\","
	    "status=\"other\"}"), 1);
	/* a pair that never happened is left out, not shown as 0 */
	ck_assert_int_eq(value_of(text, "holdfast_http_requests_total"
	    "{route=\"/api/v1\",method=\"GET\",status=\"500\"}"), -1);

	/* buckets are cumulative; +Inf equals the count */
	ck_assert_int_eq(value_of(text, "holdfast_http_request_duration_seconds"
	    "_bucket{le=\"0.001\"}"), 4);
	ck_assert_int_eq(value_of(text, "holdfast_http_request_duration_seconds"
	    "_bucket{le=\"0.0025\"}"), 6);
	ck_assert_int_eq(value_of(text, "holdfast_http_request_duration_seconds"
	    "_bucket{le=\"2.5\"}"), 6);
	ck_assert_int_eq(value_of(text, "holdfast_http_request_duration_seconds"
	    "_bucket{le=\"+Inf\"}"), 7);
	ck_assert_int_eq(value_of(text,
	    "holdfast_http_request_duration_seconds_count"), 7);
	ck_assert_ptr_nonnull(strstr(text,
	    "\nholdfast_http_request_duration_seconds_sum 3.003510\n"));

	ck_assert_int_eq(value_of(text, "holdfast_cache_hits_total"), 3);
	ck_assert_int_eq(value_of(text, "holdfast_cache_misses_total"), 0);
	ck_assert_int_eq(value_of(text, "holdfast_db_errors_total"), 1);
	ck_assert_int_eq(value_of(text, "holdfast_db_deadlock_retries_total"),
	    2);
	ck_assert_int_eq(value_of(text, "holdfast_workers"), 1);
	ck_assert_int_eq(value_of(text, "holdfast_worker_starts_total"), 1);
	ck_assert_int_eq(value_of(text,
	    "holdfast_up{dependency=\"database\"}"), 1);
	ck_assert_int_eq(value_of(text, "holdfast_up{dependency=\"redis\"}"),
	    0);
	ck_assert_int_eq(value_of(text, "holdfast_reservations_active"), 7);
	ck_assert_int_eq(value_of(text,
	    "holdfast_reservations_expired_unreleased"), 2);
	ck_assert_int_eq(value_of(text,
	    "holdfast_stock_skus{level=\"warning\"}"), 1);
	ck_assert_int_eq(value_of(text,
	    "holdfast_stock_skus{level=\"critical\"}"), 0);
	ck_assert_int_eq(value_of(text, "holdfast_stock_skus{level=\"out\"}"),
	    4);
}
END_TEST

/* Is name (up to len) declared by a TYPE line before offset `before`? */
static int
declared(const char *text, size_t before, const char *name, size_t len)
{
	const char	*p = text;
	char		 want[160];

	snprintf(want, sizeof(want), "# TYPE %.*s ", (int)len, name);
	while ((p = strstr(p, want)) != NULL && (size_t)(p - text) < before) {
		if (p == text || p[-1] == '\n')
			return 1;
		p++;
	}
	return 0;
}

/* After "{": label="value" pairs (values escaped), then "}". */
static const char *
labels_end(const char *p, const char *end)
{
	for (;;) {
		ck_assert(p < end && (*p == '_' || (*p >= 'a' && *p <= 'z')));
		while (p < end && (*p == '_' || (*p >= 'a' && *p <= 'z')))
			p++;
		ck_assert(p + 1 < end && p[0] == '=' && p[1] == '"');
		for (p += 2; p < end && *p != '"'; p++)
			if (*p == '\\') {
				p++;
				ck_assert(p < end && strchr("\\\"n", *p));
			}
		ck_assert(p + 1 < end);
		p++;
		if (*p == '}')
			return p + 1;
		ck_assert_int_eq(*p, ',');
		p++;
	}
}

START_TEST(test_text_is_prometheus_format)
{
	const char	*line, *end, *p, *sp;
	const char	*suffixes[] = { "_bucket", "_sum", "_count" };
	char		*text;
	size_t		 len, n, i;
	int		 samples = 0, ok;

	ck_assert_int_eq(open_metrics(routes, NROUTES), 0);
	metrics_request(1, 404, 100);
	text = render(NULL, &len);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert(len > 0 && text[len - 1] == '\n');
	for (line = text; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		if (*line == '#') {
			ck_assert(strncmp(line, "# HELP holdfast_", 16) == 0 ||
			    strncmp(line, "# TYPE holdfast_", 16) == 0);
			continue;
		}
		/* name{labels} value, or name value */
		for (p = line; p < end && (*p == '_' || (*p >= 'a' &&
		    *p <= 'z')); p++)
			;
		n = (size_t)(p - line);
		ck_assert_uint_gt(n, 0);
		if (*p == '{')
			p = labels_end(p + 1, end);
		ck_assert_int_eq(*p, ' ');
		sp = p + 1;
		ck_assert(sp < end && strspn(sp, "0123456789.") ==
		    (size_t)(end - sp));
		ok = declared(text, (size_t)(line - text), line, n);
		for (i = 0; !ok && i < 3; i++) {
			size_t	sl = strlen(suffixes[i]);

			if (n > sl && strncmp(line + n - sl, suffixes[i],
			    sl) == 0)
				ok = declared(text, (size_t)(line - text),
				    line, n - sl);
		}
		ck_assert_msg(ok, "no TYPE before %.*s", (int)n, line);
		samples++;
	}
	ck_assert_int_gt(samples, 10);
}
END_TEST

START_TEST(test_dead_workers_slot_is_taken_over_without_reset)
{
	char	*text;

	reap(worker(3, -1, -1));
	ck_assert_int_eq(open_metrics(routes, NROUTES), 0);
	ck_assert_int_eq(metrics_slot(), 0);	/* the dead child's */
	metrics_request(1, 404, 100);
	metrics_request(1, 404, 100);
	text = render(NULL, NULL);
	ck_assert_int_eq(value_of(text, STOCK_404), 5);
	ck_assert_int_eq(value_of(text, "holdfast_worker_starts_total"), 2);
	ck_assert_int_eq(value_of(text, "holdfast_workers"), 1);
}
END_TEST

START_TEST(test_live_workers_are_summed)
{
	int	hold[2], ready[2];
	pid_t	pid;
	char	c, *text;

	ck_assert_int_eq(pipe(hold), 0);
	ck_assert_int_eq(pipe(ready), 0);
	pid = worker(3, hold[0], ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(open_metrics(routes, NROUTES), 0);
	ck_assert_int_eq(metrics_slot(), 1);	/* the child holds slot 0 */
	metrics_request(1, 404, 100);
	text = render(NULL, NULL);
	ck_assert_int_eq(value_of(text, STOCK_404), 4);
	ck_assert_int_eq(value_of(text, "holdfast_workers"), 2);
	ck_assert_int_eq(write(hold[1], "x", 1), 1);
	reap(pid);
	arena_reset(&arena);
	text = render(NULL, NULL);
	ck_assert_int_eq(value_of(text, STOCK_404), 4);	/* kept */
	ck_assert_int_eq(value_of(text, "holdfast_workers"), 1);
	close(hold[0]);
	close(hold[1]);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

START_TEST(test_rows_follow_route_names)
{
	static const struct metrics_route v2[] = {
		{ "GET", "/api/v1/new" },
		{ "GET", "/api/v1/stock/{sku}" },
	};
	char	*text;

	reap(worker(2, -1, -1));	/* old table: the stock route is 1 */
	ck_assert_int_eq(open_metrics(v2, 2), 0);
	metrics_request(1, 404, 100);	/* new table: the stock route is 1 */
	metrics_request(0, 200, 100);
	text = render(NULL, NULL);
	ck_assert_int_eq(value_of(text, STOCK_404), 3);
	ck_assert_int_eq(value_of(text, "holdfast_http_requests_total"
	    "{route=\"/api/v1/new\",method=\"GET\",status=\"200\"}"), 1);
	ck_assert_int_eq(value_of(text, "holdfast_http_requests_total"
	    "{route=\"/api/v1\",method=\"GET\",status=\"200\"}"), -1);
}
END_TEST

static void
scribble(off_t off, const char *bytes, size_t n)
{
	int	fd = open(path, O_WRONLY | O_CREAT, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, bytes, n, off), (ssize_t)n);
	close(fd);
}

START_TEST(test_foreign_layout_is_replaced_only_when_unused)
{
	int	hold[2], ready[2];
	pid_t	pid;
	char	c, err[256], *text;

	/* a file of another version nobody uses: laid out afresh */
	scribble(0, "not a metrics file", 18);
	ck_assert_int_eq(open_metrics(routes, NROUTES), 0);
	metrics_request(1, 404, 100);
	text = render(NULL, NULL);
	ck_assert_int_eq(value_of(text, STOCK_404), 1);
	metrics_close();

	/* while a worker holds a slot it is never wiped */
	ck_assert_int_eq(pipe(hold), 0);
	ck_assert_int_eq(pipe(ready), 0);
	pid = worker(1, hold[0], ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	scribble(0, "XXXX", 4);		/* the magic */
	ck_assert_int_eq(metrics_open(path, routes, NROUTES, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "another version"));
	ck_assert_int_eq(metrics_slot(), -1);
	ck_assert_int_eq(write(hold[1], "x", 1), 1);
	reap(pid);
	close(hold[0]);
	close(hold[1]);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

START_TEST(test_without_a_file_only_gauges)
{
	struct metrics_gauges	 g;
	char			 err[256];
	char			*text;

	ck_assert_int_eq(metrics_open("/nonexistent-dir/metrics", routes,
	    NROUTES, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/metrics"));
	metrics_request(1, 200, 10);	/* nothing to count in: no crash */
	metrics_add(M_CACHE_MISS, 1);
	metrics_gauges_unknown(&g);
	g.redis_up = 1;
	text = render(&g, NULL);
	ck_assert_ptr_null(strstr(text, "holdfast_http_requests_total"));
	ck_assert_int_eq(value_of(text,
	    "holdfast_up{dependency=\"database\"}"), 0);
	ck_assert_int_eq(value_of(text, "holdfast_up{dependency=\"redis\"}"),
	    1);
	ck_assert_ptr_null(strstr(text, "holdfast_reservations_active"));
	ck_assert_ptr_null(strstr(text, "holdfast_stock_skus"));
}
END_TEST

Suite *
suite_metrics(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("shared file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_counts_by_route_status_and_duration);
	tcase_add_test(tc, test_text_is_prometheus_format);
	tcase_add_test(tc, test_dead_workers_slot_is_taken_over_without_reset);
	tcase_add_test(tc, test_live_workers_are_summed);
	tcase_add_test(tc, test_rows_follow_route_names);
	tcase_add_test(tc, test_foreign_layout_is_replaced_only_when_unused);
	tcase_add_test(tc, test_without_a_file_only_gauges);
	suite_add_tcase(s, tc);
	return s;
}
