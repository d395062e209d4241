/*
 * txnfloor.c: the database floor of tests/load/bench-inventory.sh: the
 * least correct work of a reservation, which is the service's one-trip
 * path (issue 13) from a plain C loop, with no HTTP, FastCGI, JSON
 * parsing, auth or Redis in the way:
 *
 *	CALL hf_reserve(lines, 'cart', reference, ttl, actor, request_id)
 *
 * one round trip that locks each line's stock row (SKU order) and its
 * places, allocates, writes the reservation, stock, place and ledger rows
 * (invariants 1 to 4, the ledger's after-values), checks the reference,
 * commits and returns the reservations (sql/012_procedures.sql). The
 * statement text is the service's own (sql_procs.c is compiled in), and
 * the lines are what src/svc/reservations.c sends. -V FILE checks that the
 * statement text occurs in FILE (the running worker's executable). Each
 * thread owns one connection opened like db_connect() (utf8mb4,
 * time_zone '+00:00', READ COMMITTED, lock wait 5 s) with the CALL
 * prepared once, and the rows are fetched as strings like db_query()
 * does. A deadlock retries up to 3 times, like svc_trip().
 *
 * usage: txnfloor -m uniform|hot|batch [-c conns] [-d seconds]
 *	[-n skus] [-b lines] [-p sku-prefix] [-H hot-sku] [-a actor]
 *	[-t ttl-seconds]
 *        txnfloor -V worker-executable
 * Connection: DB_SOCKET, DB_USER, DB_PASS, DB_NAME in the environment.
 * Prints one line: mode, conns, secs, txns, errors, deadlock retries, tps,
 * p50 and p99 in milliseconds. Exits 1 if any transaction failed (a line
 * the procedure left to the C path counts as one: the floor's stock must
 * be there).
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/db/sql_inventory.c"
#include "../../src/db/sql_procs.c"

/* db.c's map of a DB_SQL_COUNT statement, which sql_inventory.c names */
const struct hf_field	db_map_count[1] = {
	HF_FIELD(struct db_count, n, HF_K_INT),
};

#define FLOOR_MAX_LINES		100
#define FLOOR_DEADLOCK_RETRIES	3
#define FLOOR_CELL		256

enum floor_mode { MODE_UNIFORM, MODE_HOT, MODE_BATCH, MODE__MAX };

/* The columns of a reservation row of hf_reserve (res_loc_map). */
#define S__MAX	14

struct floor_opts {
	enum floor_mode	 mode;
	int		 conns;
	double		 secs;
	long		 nskus;
	int		 lines;
	const char	*prefix;
	const char	*hot;
	const char	*actor;
	long long	 ttl;
};

static struct floor_opts	 opts = { MODE_UNIFORM, 4, 10.0, 10000, 10,
				    "BENCH-", "BENCH-HOT", "bench:txnfloor", 900 };
static volatile int		 floor_stop;
static pthread_barrier_t	 floor_ready;


struct floor_conn {
	MYSQL		*conn;
	MYSQL_STMT	*call;
	char		 err[320];
};

/* The statement of a reservation's one trip. */
static struct db_sql *const floor_sql[] = {
	&db_sql_reserve_call,
};

struct floor_worker {
	pthread_t	 thread;
	unsigned	 seed;
	double		*lat;
	size_t		 n, cap;
	long		 errors, retries, shorts;
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

/*
 * Prepares sql, which must take lo to hi parameters: the values bound
 * below are the ones reservations.c and stock.c bind for that many.
 */
static MYSQL_STMT *
floor_prepare(struct floor_conn *c, const struct db_sql *q, unsigned long lo,
    unsigned long hi)
{
	MYSQL_STMT	*st;
	my_bool		 on = 1;
	unsigned long	 n;

	if ((st = mysql_stmt_init(c->conn)) == NULL)
		return NULL;
	if (mysql_stmt_prepare(st, q->text, (unsigned long)strlen(q->text)) !=
	    0) {
		snprintf(c->err, sizeof(c->err), "prepare: %s",
		    mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	if ((n = mysql_stmt_param_count(st)) < lo || n > hi) {
		snprintf(c->err, sizeof(c->err), "\"%.60s...\" now takes %lu "
		    "parameters: update txnfloor.c to bind what the "
		    "service binds", q->text, n);
		mysql_stmt_close(st);
		return NULL;
	}
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
	return st;
}

static void
floor_conn_close(struct floor_conn *c)
{
	MYSQL_STMT	*all[] = { c->call };
	size_t		 i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] != NULL)
			mysql_stmt_close(all[i]);
	if (c->conn != NULL)
		mysql_close(c->conn);
	memset(c, 0, sizeof(*c));
}

/* Connects like db_connect() and prepares the CALL. */
static int
floor_conn_open(struct floor_conn *c)
{
	unsigned	 timeout = 2, rw_timeout = 30;
	my_bool		 off = 0;
	const char	*init = "SET SESSION time_zone = '+00:00', "
	    "SESSION tx_isolation = 'READ-COMMITTED', "
	    "SESSION innodb_lock_wait_timeout = 5";

	memset(c, 0, sizeof(*c));
	if ((c->conn = mysql_init(NULL)) == NULL) {
		snprintf(c->err, sizeof(c->err), "mysql_init failed");
		return -1;
	}
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
		floor_conn_close(c);
		return -1;
	}
	if ((c->call = floor_prepare(c, floor_sql[0], 6, 6)) == NULL) {
		floor_conn_close(c);
		return -1;
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

/* Executes st with params; returns 0 or the MariaDB error number. */
static unsigned
floor_exec(struct floor_conn *c, MYSQL_STMT *st, MYSQL_BIND *params)
{
	unsigned	e;

	if (mysql_stmt_bind_param(st, params) != 0 ||
	    mysql_stmt_execute(st) != 0) {
		e = mysql_stmt_errno(st);
		snprintf(c->err, sizeof(c->err), "%u: %s", e,
		    mysql_stmt_error(st));
		mysql_stmt_reset(st);
		return e != 0 ? e : 1;
	}
	return 0;
}

/*
 * Stores the result of st and fetches its first row as strings into
 * cells, as db_query() does (every column bound as a string). Returns the
 * number of rows, or -1.
 */
static long
floor_fetch(struct floor_conn *c, MYSQL_STMT *st, char cells[][FLOOR_CELL],
    size_t ncols_max)
{
	MYSQL_RES	*meta;
	MYSQL_BIND	 b[S__MAX];
	unsigned long	 lens[S__MAX];
	my_bool		 nulls[S__MAX];
	size_t		 i, ncols;
	long		 rows = -1;
	int		 f;

	if ((meta = mysql_stmt_result_metadata(st)) == NULL)
		return -1;
	ncols = mysql_num_fields(meta);
	if (ncols > ncols_max || mysql_stmt_store_result(st) != 0) {
		snprintf(c->err, sizeof(c->err), "fetch: %u columns: %s",
		    (unsigned)ncols, mysql_stmt_error(st));
		goto done;
	}
	memset(b, 0, sizeof(b));
	for (i = 0; i < ncols; i++) {
		b[i].buffer_type = MYSQL_TYPE_STRING;
		b[i].buffer = cells[i];
		b[i].buffer_length = FLOOR_CELL;
		b[i].length = &lens[i];
		b[i].is_null = &nulls[i];
	}
	if (mysql_stmt_bind_result(st, b) != 0)
		goto done;
	rows = (long)mysql_stmt_num_rows(st);
	if (rows > 0) {
		f = mysql_stmt_fetch(st);
		if (f != 0 && f != MYSQL_DATA_TRUNCATED) {
			rows = -1;
			goto done;
		}
		for (i = 0; i < ncols; i++)
			cells[i][nulls[i] ? 0 : lens[i] < FLOOR_CELL ?
			    lens[i] : FLOOR_CELL - 1] = '\0';
	}
done:
	mysql_free_result(meta);
	mysql_stmt_free_result(st);
	return rows;
}

static void
random_hex(unsigned *seed, char *out, size_t nbytes)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < nbytes * 2; i++)
		out[i] = hex[rand_r(seed) & 15];
	out[nbytes * 2] = '\0';
}

static int
cmp_sku(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * One reservation of one unit on each SKU of skus (sorted, distinct), as
 * one CALL. Returns 0, 1 when the procedure reserved nothing (a line
 * short: the C path's case), or the MariaDB error number (the procedure
 * has rolled back).
 */
static unsigned
floor_reserve_once(struct floor_conn *c, struct floor_worker *w,
    char **skus, int n)
{
	char		 cells[S__MAX][FLOOR_CELL];
	char		 ref[32], rid[32], lines[FLOOR_MAX_LINES * 48 + 4];
	MYSQL_BIND	 p[6];
	long long	 ttl = opts.ttl;
	unsigned	 e;
	size_t		 off = 0;
	long		 got;
	int		 i;

	random_hex(&w->seed, rid, 12);		/* a request id */
	memcpy(ref, "res_", 4);
	random_hex(&w->seed, ref + 4, 12);	/* the generated reference */
	lines[off++] = '[';
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(lines + off, sizeof(lines) - off,
		    "%s{\"s\":\"%s\",\"q\":1}", i > 0 ? "," : "", skus[i]);
	lines[off++] = ']';
	lines[off] = '\0';
	bind_str(&p[0], lines);
	bind_str(&p[1], "cart");
	bind_str(&p[2], ref);
	bind_int(&p[3], &ttl);
	bind_str(&p[4], opts.actor);
	bind_str(&p[5], rid);
	if ((e = floor_exec(c, c->call, p)) != 0)
		return e;
	got = floor_fetch(c, c->call, cells, S__MAX);
	while (mysql_stmt_more_results(c->call) &&
	    mysql_stmt_next_result(c->call) == 0)
		mysql_stmt_free_result(c->call);
	if (got != n) {
		snprintf(c->err, sizeof(c->err), "%s: %ld of %d lines "
		    "reserved (short?)", skus[0], got, n);
		return 1;
	}
	return 0;
}

/* Picks the SKUs of one transaction into names (sorted, distinct). */
static int
floor_pick(struct floor_worker *w, char names[][32], char **skus)
{
	long	 picked[FLOOR_MAX_LINES];
	int	 n = 0, i, dup;

	if (opts.mode == MODE_HOT) {
		snprintf(names[0], 32, "%s", opts.hot);
		skus[0] = names[0];
		return 1;
	}
	while (n < (opts.mode == MODE_BATCH ? opts.lines : 1)) {
		long	k = 1 + (long)(rand_r(&w->seed) % opts.nskus);

		for (dup = 0, i = 0; i < n; i++)
			dup |= picked[i] == k;
		if (dup)
			continue;
		picked[n] = k;
		snprintf(names[n], 32, "%s%05ld", opts.prefix, k);
		skus[n] = names[n];
		n++;
	}
	qsort(skus, (size_t)n, sizeof(*skus), cmp_sku);
	return n;
}

static void *
floor_run(void *arg)
{
	struct floor_worker	*w = arg;
	struct floor_conn	 c;
	char			 names[FLOOR_MAX_LINES][32];
	char			*skus[FLOOR_MAX_LINES];
	double			 t0;
	unsigned		 e;
	int			 n, attempt, ok;

	mysql_thread_init();
	ok = floor_conn_open(&c) == 0;
	if (!ok) {
		snprintf(w->err, sizeof(w->err), "%s", c.err);
		w->errors++;
	}
	pthread_barrier_wait(&floor_ready);
	while (ok && !floor_stop) {
		n = floor_pick(w, names, skus);
		t0 = now_s();
		for (attempt = 0;; attempt++) {
			e = floor_reserve_once(&c, w, skus, n);
			if (e == ER_LOCK_DEADLOCK &&
			    attempt < FLOOR_DEADLOCK_RETRIES) {
				w->retries++;
				continue;
			}
			break;
		}
		if (e != 0) {
			w->errors++;
			if (e == 1)
				w->shorts++;
			snprintf(w->err, sizeof(w->err), "%s", c.err);
			if (mysql_ping(c.conn) != 0)
				break;	/* the server went away: stop */
			continue;
		}
		if (w->n == w->cap) {
			double	*grown;

			w->cap = w->cap != 0 ? w->cap * 2 : 65536;
			if ((grown = realloc(w->lat, w->cap *
			    sizeof(*w->lat))) == NULL)
				break;
			w->lat = grown;
		}
		w->lat[w->n++] = now_s() - t0;
	}
	if (ok)
		floor_conn_close(&c);
	mysql_thread_end();
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static long
parse_long(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < lo || v > hi) {
		fprintf(stderr, "txnfloor: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

/* Exits 0 if every statement text occurs in the file path, else 1. */
static int
floor_verify(const char *path)
{
	FILE	*f;
	char	*buf = NULL, *grown;
	size_t	 len = 0, cap = 0, got, i;
	int	 missing = 0;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "txnfloor: %s: %s\n", path, strerror(errno));
		return 2;
	}
	do {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			if ((grown = realloc(buf, cap)) == NULL) {
				fclose(f);
				free(buf);
				return 2;
			}
			buf = grown;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	for (i = 0; i < sizeof(floor_sql) / sizeof(floor_sql[0]); i++)
		if (memmem(buf, len, floor_sql[i]->text,
		    strlen(floor_sql[i]->text)) == NULL) {
			printf("not in %s: %s\n", path, floor_sql[i]->text);
			missing++;
		}
	free(buf);
	return missing != 0 ? 1 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: txnfloor -m uniform|hot|batch [-c conns] "
	    "[-d seconds] [-n skus] [-b lines] [-p prefix] [-H hot-sku] "
	    "[-a actor] [-t ttl-seconds]\n"
	    "       txnfloor -V worker-executable\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const char *const modes[] = { "uniform", "hot", "batch" };
	struct floor_worker	*w;
	double			*all, t0, el, p50, p99;
	size_t			 total = 0, k;
	long			 errors = 0, retries = 0, shorts = 0;
	const char		*last_err = NULL;
	int			 o, i;

	while ((o = getopt(argc, argv, "a:b:c:d:H:m:n:p:t:V:")) != -1) {
		switch (o) {
		case 'a':
			opts.actor = optarg;
			break;
		case 'b':
			opts.lines = (int)parse_long(optarg, 1,
			    FLOOR_MAX_LINES, "lines");
			break;
		case 'c':
			opts.conns = (int)parse_long(optarg, 1, 1000, "conns");
			break;
		case 'd':
			opts.secs = (double)parse_long(optarg, 1, 3600,
			    "seconds");
			break;
		case 'H':
			opts.hot = optarg;
			break;
		case 'm':
			for (i = 0; i < MODE__MAX; i++)
				if (strcmp(optarg, modes[i]) == 0)
					break;
			if (i == MODE__MAX)
				usage();
			opts.mode = (enum floor_mode)i;
			break;
		case 'n':
			opts.nskus = parse_long(optarg, 1, 99999, "skus");
			break;
		case 'p':
			opts.prefix = optarg;
			break;
		case 't':
			opts.ttl = parse_long(optarg, 1, 86400, "ttl");
			break;
		case 'V':
			return floor_verify(optarg);
		default:
			usage();
		}
	}
	if (opts.mode == MODE_BATCH && opts.lines > opts.nskus)
		usage();
	if (mysql_library_init(0, NULL, NULL) != 0 ||
	    (w = calloc((size_t)opts.conns, sizeof(*w))) == NULL ||
	    pthread_barrier_init(&floor_ready, NULL,
	    (unsigned)opts.conns + 1) != 0) {
		fprintf(stderr, "txnfloor: initialisation failed\n");
		return 2;
	}
	for (i = 0; i < opts.conns; i++) {
		w[i].seed = (unsigned)(i * 7919) ^ (unsigned)getpid() ^
		    (unsigned)time(NULL);
		if (pthread_create(&w[i].thread, NULL, floor_run, &w[i]) != 0) {
			fprintf(stderr, "txnfloor: pthread_create failed\n");
			return 2;
		}
	}
	pthread_barrier_wait(&floor_ready);	/* every connection is open */
	t0 = now_s();
	while (now_s() - t0 < opts.secs)
		usleep(10000);
	floor_stop = 1;
	for (i = 0; i < opts.conns; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].n;
		errors += w[i].errors;
		retries += w[i].retries;
		shorts += w[i].shorts;
		if (w[i].err[0] != '\0')
			last_err = w[i].err;
	}
	el = now_s() - t0;
	if ((all = calloc(total + 1, sizeof(*all))) == NULL)
		return 2;
	for (k = 0, i = 0; i < opts.conns; i++) {
		if (w[i].n > 0)
			memcpy(all + k, w[i].lat, w[i].n * sizeof(*all));
		k += w[i].n;
		free(w[i].lat);
	}
	qsort(all, total, sizeof(*all), cmp_double);
	p50 = total > 0 ? all[total / 2] : 0;
	p99 = total > 0 ? all[(size_t)((double)total * 0.99)] : 0;
	printf("txnfloor mode=%s conns=%d secs=%.2f txns=%zu errors=%ld "
	    "short=%ld deadlock_retries=%ld tps=%.1f p50_ms=%.3f "
	    "p99_ms=%.3f\n", modes[opts.mode], opts.conns, el, total, errors,
	    shorts, retries, (double)total / el, p50 * 1e3, p99 * 1e3);
	if (last_err != NULL)
		fprintf(stderr, "txnfloor: last error: %s\n", last_err);
	free(all);
	free(w);
	mysql_library_end();
	return errors != 0 ? 1 : 0;
}
