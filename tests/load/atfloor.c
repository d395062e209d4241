/*
 * atfloor.c: the database floor of tests/load/bench-stock-at.sh. Runs what
 * GET /api/v1/stock/{sku}?at=, ?ledger_id= and GET /api/v1/stock?at=
 * run in MariaDB (src/svc/stock_at.c), statement for statement and with
 * the same parameters, from a plain C loop: no HTTP, FastCGI, JSON, auth
 * or Redis in the way.
 *
 *	one	db_sql_stock_at_future (a random moment), then
 *		db_sql_stock_places_one (a random SKU) and one
 *		db_sql_stock_at_dives per DB_AT_DIVES of its places
 *	page	db_sql_stock_at_future, db_sql_stock_count,
 *		db_sql_stock_places_page (a random page of -s products) and
 *		its dives
 *	id	db_sql_stock_at_mark (a random ledger id), then as one
 *
 * The statement texts are the service's own: src/db/sql_stock_at.c and
 * sql_inventory.c are compiled in. -V FILE checks that every one of them
 * occurs in FILE (the running worker's executable), i.e. that the workers
 * run the same SQL; -S N prints statement N (0: the dives, for EXPLAIN).
 * Each thread owns one connection opened like db_connect() (utf8mb4,
 * time_zone '+00:00', READ COMMITTED) with the statements prepared once;
 * rows are fetched as strings like db_query() does.
 *
 * usage: atfloor -m one|page|id -n products -p sku-prefix -a T0_ms -b T1_ms
 *	[-c conns] [-d seconds] [-s per_page] [-f first-page -l last-page]
 *	[-i first-id -j last-id]
 *        atfloor -V worker-executable | -S N
 * Connection: DB_SOCKET, DB_USER, DB_PASS, DB_NAME in the environment.
 * Prints one line: mode, conns, secs, reqs, errors, rps, p50 and p99 in
 * milliseconds, statements and points (dives) per request. Exits 1 if any
 * request failed.
 */
#define _GNU_SOURCE	/* memmem */
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/db/sql_inventory.c"
#include "../../src/db/sql_stock_at.c"

/* db.c's map of a DB_SQL_COUNT statement, which the files above name */
const struct hf_field	db_map_count[1] = {
	HF_FIELD(struct db_count, n, HF_K_INT),
};

#define AF_CELL		128
#define AF_COLS		8
#define AF_MAX_ROWS	2048

enum af_mode { AF_ONE, AF_PAGE, AF_ID };
enum { Q_DIVES, Q_FUTURE, Q_COUNT, Q_ONE, Q_PAGE, Q_MARK, Q__MAX };

/* in the order -S numbers them; the parameters each takes */
static struct db_sql *const af_sql[Q__MAX] = {
	&db_sql_stock_at_dives, &db_sql_stock_at_future, &db_sql_stock_count,
	&db_sql_stock_places_one, &db_sql_stock_places_page,
	&db_sql_stock_at_mark,
};
static const unsigned long af_params[Q__MAX] = { DB_AT_DIVES * 4, 1, 2, 3,
    4, 1 };

static struct {
	enum af_mode	 mode;
	int		 conns;
	double		 secs;
	long		 nprod, per_page, page0, page1;
	const char	*prefix;
	long long	 t0, t1, id0, id1;
} opts = { AF_ONE, 4, 10.0, 10000, 100, 1, 1, "BAT-", 0, 0, 1, 1 };

static volatile int		 af_stop;
static pthread_barrier_t	 af_ready;

struct af_conn {
	MYSQL		*conn;
	MYSQL_STMT	*st[Q__MAX];
	char		 err[320];
};

/* one row of cells, as db_query() copies them */
struct af_row {
	char		 c[AF_COLS][AF_CELL];
	int		 null[AF_COLS];
};

struct af_worker {
	pthread_t	 thread;
	unsigned	 seed;
	double		*lat;
	size_t		 n, cap;
	long		 errors, stmts, points;
	struct af_row	*rows;
	char		 err[320];
};

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
env_or(const char *k, const char *def)
{
	const char	*v = getenv(k);

	return v != NULL && *v != '\0' ? v : def;
}

static void
af_close(struct af_conn *c)
{
	int	i;

	for (i = 0; i < Q__MAX; i++)
		if (c->st[i] != NULL)
			mysql_stmt_close(c->st[i]);
	if (c->conn != NULL)
		mysql_close(c->conn);
	memset(c, 0, sizeof(*c));
}

/* Connects like db_connect() and prepares every statement. */
static int
af_open(struct af_conn *c)
{
	unsigned	 timeout = 2, rw_timeout = 30;
	my_bool		 off = 0, on = 1;
	const char	*init = "SET SESSION time_zone = '+00:00', "
	    "SESSION tx_isolation = 'READ-COMMITTED'";
	int		 i;

	memset(c, 0, sizeof(*c));
	if ((c->conn = mysql_init(NULL)) == NULL)
		return -1;
	mysql_options(c->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(c->conn, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
	mysql_options(c->conn, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
	mysql_options(c->conn, MYSQL_OPT_RECONNECT, &off);
	mysql_options(c->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(c->conn, MYSQL_INIT_COMMAND, init);
	if (mysql_real_connect(c->conn, NULL, env_or("DB_USER", "holdfast"),
	    env_or("DB_PASS", ""), env_or("DB_NAME", "holdfast"), 0,
	    env_or("DB_SOCKET", "/run/mysqld/mysqld.sock"), 0) == NULL) {
		snprintf(c->err, sizeof(c->err), "connect: %s",
		    mysql_error(c->conn));
		af_close(c);
		return -1;
	}
	for (i = 0; i < Q__MAX; i++) {
		if ((c->st[i] = mysql_stmt_init(c->conn)) == NULL ||
		    mysql_stmt_prepare(c->st[i], af_sql[i]->text,
		    (unsigned long)strlen(af_sql[i]->text)) != 0) {
			snprintf(c->err, sizeof(c->err), "prepare %d: %s", i,
			    c->st[i] != NULL ? mysql_stmt_error(c->st[i]) :
			    "no memory");
			af_close(c);
			return -1;
		}
		if (mysql_stmt_param_count(c->st[i]) != af_params[i]) {
			snprintf(c->err, sizeof(c->err), "statement %d now "
			    "takes %lu parameters: bind here what "
			    "stock_at.c binds", i,
			    mysql_stmt_param_count(c->st[i]));
			af_close(c);
			return -1;
		}
		mysql_stmt_attr_set(c->st[i], STMT_ATTR_UPDATE_MAX_LENGTH,
		    &on);
	}
	return 0;
}

static void
bind_int(MYSQL_BIND *b, long long *v)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = v;
}

static void
bind_str(MYSQL_BIND *b, const char *s)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = (void *)(uintptr_t)s;
	b->buffer_length = (unsigned long)strlen(s);
}

static void
bind_null(MYSQL_BIND *b)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_NULL;
}

/*
 * Executes statement q with params and fetches every row as strings into
 * w->rows. Returns the number of rows, or -1 (w->err says why).
 */
static long
af_run(struct af_conn *c, struct af_worker *w, int q, MYSQL_BIND *params)
{
	MYSQL_STMT	*st = c->st[q];
	MYSQL_RES	*meta;
	MYSQL_BIND	 b[AF_COLS];
	unsigned long	 lens[AF_COLS];
	my_bool		 nulls[AF_COLS];
	size_t		 i, ncols;
	long		 n = 0;
	int		 f;

	w->stmts++;
	if (mysql_stmt_bind_param(st, params) != 0 ||
	    mysql_stmt_execute(st) != 0 ||
	    (meta = mysql_stmt_result_metadata(st)) == NULL) {
		snprintf(w->err, sizeof(w->err), "statement %d: %s", q,
		    mysql_stmt_error(st));
		mysql_stmt_reset(st);
		return -1;
	}
	ncols = mysql_num_fields(meta);
	mysql_free_result(meta);
	if (ncols > AF_COLS || mysql_stmt_store_result(st) != 0)
		goto fail;
	memset(b, 0, sizeof(b));
	for (;;) {
		if (n >= AF_MAX_ROWS)
			goto fail;
		for (i = 0; i < ncols; i++) {
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = w->rows[n].c[i];
			b[i].buffer_length = AF_CELL;
			b[i].length = &lens[i];
			b[i].is_null = &nulls[i];
		}
		if (mysql_stmt_bind_result(st, b) != 0)
			goto fail;
		f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f != 0 && f != MYSQL_DATA_TRUNCATED)
			goto fail;
		for (i = 0; i < ncols; i++) {
			w->rows[n].null[i] = nulls[i];
			w->rows[n].c[i][nulls[i] ? 0 : lens[i] < AF_CELL ?
			    lens[i] : AF_CELL - 1] = '\0';
		}
		n++;
	}
	mysql_stmt_free_result(st);
	return n;
fail:
	snprintf(w->err, sizeof(w->err), "fetch %d: %s", q,
	    mysql_stmt_error(st));
	mysql_stmt_free_result(st);
	return -1;
}

/* A random moment of [t0, t1] in the database's form, as the api binds. */
static void
af_moment(struct af_worker *w, char *out, size_t len)
{
	long long	 span = opts.t1 - opts.t0 + 1, ms;
	struct tm	 tm;
	time_t		 t;

	ms = opts.t0 + (long long)(((double)rand_r(&w->seed) / RAND_MAX) *
	    (double)(span - 1));
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d.%03lld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms % 1000);
}

/* What at_dive() does: the places of rows (location_id in column 3,
 * product_id in 0), DB_AT_DIVES per statement. */
static int
af_dives(struct af_conn *c, struct af_worker *w, long nrows,
    const char *bound, long long id_max)
{
	MYSQL_BIND	 p[DB_AT_DIVES * 4];
	long long	 ids[DB_AT_DIVES][2];
	long		 pid[AF_MAX_ROWS][2], i, k, m, n = 0;

	for (i = 0; i < nrows; i++)
		if (!w->rows[i].null[3]) {
			pid[n][0] = atol(w->rows[i].c[0]);
			pid[n][1] = atol(w->rows[i].c[3]);
			n++;
		}
	for (i = 0; i < n; i += k) {
		k = n - i < DB_AT_DIVES ? n - i : DB_AT_DIVES;
		for (m = 0; m < DB_AT_DIVES; m++) {
			ids[m][0] = m < k ? pid[i + m][0] : 0;
			ids[m][1] = m < k ? pid[i + m][1] : 0;
			bind_int(&p[4 * m], &ids[m][0]);
			bind_int(&p[4 * m + 1], &ids[m][1]);
			bind_str(&p[4 * m + 2], bound);
			bind_int(&p[4 * m + 3], &id_max);
		}
		if (af_run(c, w, Q_DIVES, p) < 0)
			return -1;
		w->points += k;
	}
	return 0;
}

/* One request's statements; 0 or -1. */
static int
af_request(struct af_conn *c, struct af_worker *w)
{
	static long long	 int_max = 9223372036854775807LL;
	MYSQL_BIND		 p[4];
	char			 at[96], sku[80], bound[AF_CELL];
	long long		 id, lim, off, page;
	long			 n;

	if (opts.mode == AF_ID) {
		id = opts.id0 + (long long)(((double)rand_r(&w->seed) /
		    RAND_MAX) * (double)(opts.id1 - opts.id0));
		bind_int(&p[0], &id);
		if (af_run(c, w, Q_MARK, p) != 1)
			return -1;
		snprintf(bound, sizeof(bound), "%s", w->rows[0].null[3] ?
		    "1970-01-01 00:00:00.000" : w->rows[0].c[3]);
	} else {
		af_moment(w, at, sizeof(at));
		bind_str(&p[0], at);
		if (af_run(c, w, Q_FUTURE, p) != 1 ||
		    strcmp(w->rows[0].c[0], "0") != 0)
			return -1;
		snprintf(bound, sizeof(bound), "%s", at);
		id = int_max;
	}
	if (opts.mode == AF_PAGE) {
		bind_null(&p[0]);
		bind_null(&p[1]);
		if (af_run(c, w, Q_COUNT, p) != 1)
			return -1;
		page = opts.page0 + rand_r(&w->seed) % (opts.page1 - opts.page0 +
		    1);
		lim = opts.per_page;
		off = (page - 1) * opts.per_page;
		bind_int(&p[0], &lim);
		bind_int(&p[1], &off);
		bind_null(&p[2]);
		bind_null(&p[3]);
		n = af_run(c, w, Q_PAGE, p);
	} else {
		snprintf(sku, sizeof(sku), "%s%05ld", opts.prefix,
		    1 + rand_r(&w->seed) % opts.nprod);
		bind_str(&p[0], sku);
		bind_null(&p[1]);
		bind_null(&p[2]);
		n = af_run(c, w, Q_ONE, p);
	}
	if (n < 1)
		return -1;
	return af_dives(c, w, n, bound, id);
}

static void *
af_thread(void *arg)
{
	struct af_worker	*w = arg;
	struct af_conn		 c;
	double			 t;
	int			 ok;

	ok = af_open(&c) == 0;
	if (!ok)
		snprintf(w->err, sizeof(w->err), "%s", c.err);
	pthread_barrier_wait(&af_ready);
	while (ok && !af_stop) {
		t = now_s();
		if (af_request(&c, w) != 0) {
			w->errors++;
			continue;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			if ((w->lat = realloc(w->lat, w->cap *
			    sizeof(*w->lat))) == NULL)
				break;
		}
		w->lat[w->n++] = now_s() - t;
	}
	if (ok)
		af_close(&c);
	else
		w->errors++;
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* 0 when every statement text occurs in the file (the worker). */
static int
af_verify(const char *path)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;
	long	 len;
	int	 i, bad = 0;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)len)) ==
	    NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "atfloor: cannot read %s\n", path);
		return 2;
	}
	fclose(f);
	for (i = 0; i < Q__MAX; i++)
		if (memmem(buf, (size_t)len, af_sql[i]->text,
		    strlen(af_sql[i]->text)) == NULL) {
			printf("not in %s: %.150s...\n", path,
			    af_sql[i]->text);
			bad = 1;
		}
	free(buf);
	return bad;
}

static void
usage(void)
{
	fprintf(stderr, "usage: atfloor -m one|page|id -n products -p prefix "
	    "-a T0_ms -b T1_ms [-c conns] [-d secs] [-s per_page] "
	    "[-f page -l page] [-i id -j id]\n       atfloor -V exe | -S N\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct af_worker	*w;
	double			*all, t0, el, p50, p99;
	size_t			 total = 0, k;
	long			 errors = 0, stmts = 0, points = 0;
	int			 ch, i;

	while ((ch = getopt(argc, argv, "m:c:d:n:p:a:b:s:f:l:i:j:V:S:")) !=
	    -1) {
		switch (ch) {
		case 'm':
			opts.mode = strcmp(optarg, "page") == 0 ? AF_PAGE :
			    strcmp(optarg, "id") == 0 ? AF_ID : AF_ONE;
			break;
		case 'c': opts.conns = atoi(optarg); break;
		case 'd': opts.secs = atof(optarg); break;
		case 'n': opts.nprod = atol(optarg); break;
		case 'p': opts.prefix = optarg; break;
		case 'a': opts.t0 = atoll(optarg); break;
		case 'b': opts.t1 = atoll(optarg); break;
		case 's': opts.per_page = atol(optarg); break;
		case 'f': opts.page0 = atol(optarg); break;
		case 'l': opts.page1 = atol(optarg); break;
		case 'i': opts.id0 = atoll(optarg); break;
		case 'j': opts.id1 = atoll(optarg); break;
		case 'V': return af_verify(optarg);
		case 'S':
			i = atoi(optarg);
			if (i < 0 || i >= Q__MAX)
				usage();
			puts(af_sql[i]->text);
			return 0;
		default: usage();
		}
	}
	if (opts.conns < 1 || opts.conns > 256 || opts.secs <= 0 ||
	    opts.nprod < 1 || opts.t1 < opts.t0 || opts.page1 < opts.page0 ||
	    opts.id1 < opts.id0 || opts.per_page < 1 || opts.per_page > 100)
		usage();
	if ((w = calloc((size_t)opts.conns, sizeof(*w))) == NULL)
		return 1;
	pthread_barrier_init(&af_ready, NULL, (unsigned)opts.conns + 1);
	for (i = 0; i < opts.conns; i++) {
		w[i].seed = (unsigned)time(NULL) * 7919u + (unsigned)i;
		if ((w[i].rows = calloc(AF_MAX_ROWS, sizeof(*w[i].rows))) ==
		    NULL)
			return 1;
		pthread_create(&w[i].thread, NULL, af_thread, &w[i]);
	}
	pthread_barrier_wait(&af_ready);
	t0 = now_s();
	while (now_s() - t0 < opts.secs)
		usleep(20000);
	af_stop = 1;
	for (i = 0; i < opts.conns; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].n;
		errors += w[i].errors;
		stmts += w[i].stmts;
		points += w[i].points;
		if (w[i].err[0] != '\0')
			fprintf(stderr, "atfloor: thread %d: %s\n", i,
			    w[i].err);
	}
	el = now_s() - t0;
	if ((all = malloc((total + 1) * sizeof(*all))) == NULL)
		return 1;
	for (i = 0, k = 0; i < opts.conns; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof(*all));
		k += w[i].n;
	}
	qsort(all, total, sizeof(*all), cmp_double);
	p50 = total ? all[total / 2] * 1000 : 0;
	p99 = total ? all[(size_t)((double)total * 0.99)] * 1000 : 0;
	printf("atfloor mode=%s conns=%d secs=%.1f reqs=%zu errors=%ld "
	    "rps=%.0f p50_ms=%.2f p99_ms=%.2f stmts_per_req=%.1f "
	    "points_per_req=%.1f\n", opts.mode == AF_PAGE ? "page" :
	    opts.mode == AF_ID ? "id" : "one", opts.conns, el, total, errors,
	    (double)total / el, p50, p99, total ? (double)stmts /
	    (double)(total + (size_t)errors) : 0, total ? (double)points /
	    (double)total : 0);
	return errors != 0;
}
