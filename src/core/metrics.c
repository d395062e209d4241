/*
 * metrics.c: the workers' shared counters (see metrics.h) and their
 * Prometheus text.
 *
 * The file: a header, a table of row names (one row per route, found by
 * name), then one slot per worker. Each slot is written only by the
 * process that claimed it, with relaxed atomic loads and stores (plain
 * moves on x86-64 and arm64: no lock, no fence, no system call); a scrape
 * reads every slot the same way and adds them up.
 *
 * Who owns a slot is decided by a one-byte OFD lock (fcntl F_OFD_SETLK)
 * per slot, held for the life of the process: the kernel drops it when
 * the process dies, however it dies, so a free slot is one whose byte can
 * be locked, and a pid that the system has since reused cannot make a dead
 * worker's slot look alive. Claiming a slot, naming rows and laying the
 * file out happen under another lock byte, once per worker start. The
 * lock bytes sit at fixed offsets far past the end of any layout, so a
 * worker can tell whether any other holds a slot without understanding
 * the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "holdfast/metrics.h"

/*
 * The layout. A change to any size below is seen by the header check; a
 * change to what a column means (metrics_codes, metrics_le_us, the order
 * of enum metric_counter) must bump METRICS_VERSION.
 */
#define METRICS_MAGIC		0x31464d48u	/* "HMF1" */
#define METRICS_VERSION		2u
#define METRICS_SLOTS		64	/* workers at once on one file */
#define METRICS_ROWS		128	/* routes, ever, while the file lives */
#define METRICS_COUNTERS	32	/* room for enum metric_counter */
#define METRICS_METHOD_LEN	8
#define METRICS_PATTERN_LEN	116
#define METRICS_ROW_UNMATCHED	0	/* no route matched the request */
#define METRICS_ROW_OTHER	1	/* a route the table had no room for */

/* Lock bytes: past any layout, the same in every version. */
#define METRICS_LOCK_SETUP	((off_t)1 << 30)
#define METRICS_LOCK_SLOT(i)	(METRICS_LOCK_SETUP + 1 + (off_t)(i))
#define METRICS_LOCK_SLOTS_ANY	4096	/* any slot of any layout */
#define METRICS_SETUP_WAIT_MS	2000

#ifdef F_OFD_SETLK
#define MX_SETLK	F_OFD_SETLK
#define MX_GETLK	F_OFD_GETLK
#else
#define MX_SETLK	F_SETLK		/* per process: keep one descriptor */
#define MX_GETLK	F_GETLK
#endif

/* Statuses counted one by one; any other by its class, then "other". */
static const int metrics_codes[] = {
	200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429,
	500, 503
};
#define METRICS_NCODES	(sizeof(metrics_codes) / sizeof(metrics_codes[0]))
#define METRICS_STATUSES (METRICS_NCODES + 5 + 1)	/* 1xx..5xx, other */

/* Upper bounds of the duration buckets, microseconds; then +Inf. */
static const uint64_t metrics_le_us[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000
};
static const char *const metrics_le_text[] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "+Inf"
};
#define METRICS_BUCKETS	(sizeof(metrics_le_us) / sizeof(metrics_le_us[0]) + 1)

struct metrics_head {
	uint32_t	 magic;		/* written last when laid out */
	uint32_t	 version;
	uint32_t	 nslots, nrows, nstatuses, nbuckets, ncounters;
	uint32_t	 rows_used;	/* rows named so far */
	uint64_t	 size;		/* bytes of the whole layout */
	uint64_t	 cache_lost;	/* bumped when a cache invalidation failed */
};

struct metrics_row {
	uint32_t	 used;		/* set after the name is written */
	char		 method[METRICS_METHOD_LEN];
	char		 pattern[METRICS_PATTERN_LEN];
};

struct metrics_slot {
	_Alignas(64) int32_t pid;	/* the last owner, for people reading */
	uint32_t	 starts;	/* times a worker claimed this slot */
	uint64_t	 counters[METRICS_COUNTERS];
	uint64_t	 buckets[METRICS_BUCKETS];	/* not cumulative */
	uint64_t	 duration_us;
	uint64_t	 requests[METRICS_ROWS][METRICS_STATUSES];
};

struct metrics_map {
	struct metrics_head	 head;
	struct metrics_row	 rows[METRICS_ROWS];
	struct metrics_slot	 slots[METRICS_SLOTS];
};

/* This process's view: the mapping, its slot, route index -> row. */
static struct {
	int			 fd;
	struct metrics_map	*map;
	struct metrics_slot	*slot;
	int			 slot_index;
	uint16_t		*rows;
	size_t			 nroutes;
} mx = { -1, NULL, NULL, -1, NULL, 0 };

static uint64_t
mx_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Only the owner writes its slot: load, add, store, no locked add. */
static void
mx_bump(uint64_t *p, uint64_t n)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n,
	    __ATOMIC_RELAXED);
}

static int
mx_lock(int fd, int cmd, short type, off_t start, off_t len,
    struct flock *out)
{
	struct flock	fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	if (fcntl(fd, cmd, &fl) != 0)
		return -1;
	if (out != NULL)
		*out = fl;
	return 0;
}

/* 1 when another process holds a lock on [start, start + len). */
static int
mx_locked_by_other(int fd, off_t start, off_t len)
{
	struct flock	fl;

	if (mx_lock(fd, MX_GETLK, F_WRLCK, start, len, &fl) != 0)
		return 1;	/* cannot tell: assume it is in use */
	return fl.l_type != F_UNLCK;
}

/* Waits a bounded time for the setup byte. */
static int
mx_setup_lock(int fd)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	int		waited;

	for (waited = 0; waited < METRICS_SETUP_WAIT_MS; waited += 10) {
		if (mx_lock(fd, MX_SETLK, F_WRLCK, METRICS_LOCK_SETUP, 1,
		    NULL) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES)
			return -1;
		nanosleep(&ts, NULL);
	}
	errno = EAGAIN;
	return -1;
}

static void
mx_row_name(struct metrics_row *row, const char *method, const char *pattern)
{
	snprintf(row->method, sizeof(row->method), "%s", method);
	snprintf(row->pattern, sizeof(row->pattern), "%s", pattern);
	__atomic_store_n(&row->used, 1, __ATOMIC_RELEASE);
}

static int
mx_layout_ok(const struct metrics_map *m, off_t file_size)
{
	const struct metrics_head	*h = &m->head;

	return h->magic == METRICS_MAGIC && h->version == METRICS_VERSION &&
	    h->nslots == METRICS_SLOTS && h->nrows == METRICS_ROWS &&
	    h->nstatuses == METRICS_STATUSES &&
	    h->nbuckets == METRICS_BUCKETS &&
	    h->ncounters == METRICS_COUNTERS &&
	    h->size == sizeof(struct metrics_map) &&
	    h->rows_used >= 2 && h->rows_used <= METRICS_ROWS &&
	    file_size == (off_t)sizeof(struct metrics_map);
}

static void
mx_lay_out(struct metrics_map *m)
{
	struct metrics_head	*h = &m->head;

	h->version = METRICS_VERSION;
	h->nslots = METRICS_SLOTS;
	h->nrows = METRICS_ROWS;
	h->nstatuses = METRICS_STATUSES;
	h->nbuckets = METRICS_BUCKETS;
	h->ncounters = METRICS_COUNTERS;
	h->size = sizeof(struct metrics_map);
	mx_row_name(&m->rows[METRICS_ROW_UNMATCHED], "", "unmatched");
	mx_row_name(&m->rows[METRICS_ROW_OTHER], "", "other");
	__atomic_store_n(&h->rows_used, 2, __ATOMIC_RELEASE);
	__atomic_store_n(&h->magic, METRICS_MAGIC, __ATOMIC_RELEASE);
}

/*
 * Maps the file, laying it out afresh when it is new or was laid out by
 * another version that no live worker uses any more. Called with the
 * setup byte held.
 */
static struct metrics_map *
mx_map(int fd, char *err, size_t errlen)
{
	struct metrics_map	*m;
	struct stat		 st;
	int			 fresh = 0;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		return NULL;
	}
	if (st.st_size != (off_t)sizeof(struct metrics_map)) {
		if (st.st_size != 0 && mx_locked_by_other(fd,
		    METRICS_LOCK_SLOT(0), METRICS_LOCK_SLOTS_ANY)) {
			snprintf(err, errlen, "laid out by another version "
			    "that a running worker still uses");
			return NULL;
		}
		if (ftruncate(fd, 0) != 0 ||
		    ftruncate(fd, (off_t)sizeof(struct metrics_map)) != 0) {
			snprintf(err, errlen, "cannot size it: %s",
			    strerror(errno));
			return NULL;
		}
		fresh = 1;
	}
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return NULL;
	}
	if (!fresh && !mx_layout_ok(m, (off_t)sizeof(*m))) {
		if (mx_locked_by_other(fd, METRICS_LOCK_SLOT(0),
		    METRICS_LOCK_SLOTS_ANY)) {
			snprintf(err, errlen, "laid out by another version "
			    "that a running worker still uses");
			munmap(m, sizeof(*m));
			return NULL;
		}
		memset(m, 0, sizeof(*m));
		fresh = 1;
	}
	if (fresh)
		mx_lay_out(m);
	return m;
}

/* Names a row for every route; a route with no room counts as "other". */
static int
mx_name_rows(struct metrics_map *m, const struct metrics_route *routes,
    size_t n)
{
	struct metrics_row	*row;
	uint32_t		 used, r;
	size_t			 i;

	free(mx.rows);
	mx.nroutes = 0;
	if ((mx.rows = calloc(n + 1, sizeof(*mx.rows))) == NULL)
		return -1;
	used = m->head.rows_used;
	for (i = 0; i < n; i++) {
		mx.rows[i] = METRICS_ROW_OTHER;
		if (strlen(routes[i].method) >= METRICS_METHOD_LEN ||
		    strlen(routes[i].pattern) >= METRICS_PATTERN_LEN)
			continue;
		for (r = 2; r < used; r++) {
			row = &m->rows[r];
			if (strcmp(row->method, routes[i].method) == 0 &&
			    strcmp(row->pattern, routes[i].pattern) == 0)
				break;
		}
		if (r == used) {
			if (used == METRICS_ROWS)
				continue;
			mx_row_name(&m->rows[used], routes[i].method,
			    routes[i].pattern);
			__atomic_store_n(&m->head.rows_used, ++used,
			    __ATOMIC_RELEASE);
		}
		mx.rows[i] = (uint16_t)r;
	}
	mx.nroutes = n;
	return 0;
}

/* The first slot no live process holds: a dead worker's or a new one. */
static int
mx_claim(int fd, struct metrics_map *m)
{
	struct metrics_slot	*s;
	int			 i;

	for (i = 0; i < METRICS_SLOTS; i++) {
		if (mx_lock(fd, MX_SETLK, F_WRLCK, METRICS_LOCK_SLOT(i), 1,
		    NULL) != 0)
			continue;
		s = &m->slots[i];
		__atomic_store_n(&s->pid, (int32_t)getpid(), __ATOMIC_RELAXED);
		__atomic_store_n(&s->starts, s->starts + 1, __ATOMIC_RELAXED);
		return i;
	}
	return -1;
}

int
metrics_open(const char *path, const struct metrics_route *routes,
    size_t nroutes, char *err, size_t errlen)
{
	struct metrics_map	*m = NULL;
	char			 why[160];
	int			 fd, slot;

	metrics_close();
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "metrics_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (mx_setup_lock(fd) != 0) {
		snprintf(err, errlen, "metrics_file %s: cannot lock it: %s",
		    path, strerror(errno));
		goto close_fd;
	}
	if ((m = mx_map(fd, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "metrics_file %s: %s", path, why);
		goto unlock;
	}
	if (mx_name_rows(m, routes, nroutes) != 0) {
		snprintf(err, errlen, "metrics_file %s: out of memory", path);
		goto unmap;
	}
	if ((slot = mx_claim(fd, m)) < 0) {
		snprintf(err, errlen, "metrics_file %s: all %d slots are held "
		    "by running workers", path, METRICS_SLOTS);
		goto unmap;
	}
	mx_lock(fd, MX_SETLK, F_UNLCK, METRICS_LOCK_SETUP, 1, NULL);
	mx.fd = fd;
	mx.map = m;
	mx.slot = &m->slots[slot];
	mx.slot_index = slot;
	return 0;
unmap:
	munmap(m, sizeof(*m));
	free(mx.rows);
	mx.rows = NULL;
	mx.nroutes = 0;
unlock:
	mx_lock(fd, MX_SETLK, F_UNLCK, METRICS_LOCK_SETUP, 1, NULL);
close_fd:
	close(fd);
	return -1;
}

/* Unmaps the file; closing the descriptor gives the slot up. */
void
metrics_close(void)
{
	if (mx.map != NULL)
		munmap(mx.map, sizeof(*mx.map));
	if (mx.fd >= 0)
		close(mx.fd);
	free(mx.rows);
	mx.fd = -1;
	mx.map = NULL;
	mx.slot = NULL;
	mx.slot_index = -1;
	mx.rows = NULL;
	mx.nroutes = 0;
}

int
metrics_slot(void)
{
	return mx.slot_index;
}

static size_t
mx_status_column(int status)
{
	size_t	i;

	for (i = 0; i < METRICS_NCODES; i++)
		if (metrics_codes[i] == status)
			return i;
	if (status >= 100 && status < 600)
		return METRICS_NCODES + (size_t)(status / 100 - 1);
	return METRICS_STATUSES - 1;
}

void
metrics_request(int route_index, int status, int64_t usec)
{
	struct metrics_slot	*s = mx.slot;
	size_t			 row = METRICS_ROW_UNMATCHED, b;

	if (s == NULL)
		return;
	if (route_index >= 0 && (size_t)route_index < mx.nroutes)
		row = mx.rows[route_index];
	if (usec < 0)
		usec = 0;
	for (b = 0; b + 1 < METRICS_BUCKETS; b++)
		if ((uint64_t)usec <= metrics_le_us[b])
			break;
	mx_bump(&s->requests[row][mx_status_column(status)], 1);
	mx_bump(&s->buckets[b], 1);
	mx_bump(&s->duration_us, (uint64_t)usec);
}

void
metrics_add(enum metric_counter c, uint64_t n)
{
	if (mx.slot == NULL || (unsigned)c >= M__MAX)
		return;
	mx_bump(&mx.slot->counters[c], n);
}

void
metrics_gauges_unknown(struct metrics_gauges *g)
{
	g->database_up = 0;
	g->redis_up = 0;
	g->reservations_active = -1;
	g->reservations_expired = -1;
	g->skus_warning = -1;
	g->skus_critical = -1;
	g->skus_out = -1;
}

/* ---------------------------------------------------------------- text */

/* A label value: backslash, double quote and newline escaped. */
static void
mx_label(struct hf_buf *t, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			hf_buf_printf(t, "\\\\");
		else if (*s == '"')
			hf_buf_printf(t, "\\\"");
		else if (*s == '\n')
			hf_buf_printf(t, "\\n");
		else
			hf_buf_printf(t, "%c", *s);
	}
}

static void
mx_family(struct hf_buf *t, const char *name, const char *type,
    const char *help)
{
	hf_buf_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
mx_status_label(struct hf_buf *t, size_t col)
{
	if (col < METRICS_NCODES)
		hf_buf_printf(t, "%d", metrics_codes[col]);
	else if (col < METRICS_STATUSES - 1)
		hf_buf_printf(t, "%zuxx", col - METRICS_NCODES + 1);
	else
		hf_buf_printf(t, "other");
}

/* Every slot a worker ever claimed, added up. */
struct mx_sum {
	uint64_t	 requests[METRICS_ROWS][METRICS_STATUSES];
	uint64_t	 counters[METRICS_COUNTERS];
	uint64_t	 buckets[METRICS_BUCKETS];
	uint64_t	 duration_us;
	uint64_t	 starts;
	uint64_t	 alive;
};

static void
mx_add_up(const struct metrics_map *m, struct mx_sum *sum)
{
	const struct metrics_slot	*s;
	size_t				 i, r, c;
	uint32_t			 starts;

	for (i = 0; i < METRICS_SLOTS; i++) {
		s = &m->slots[i];
		starts = __atomic_load_n(&s->starts, __ATOMIC_RELAXED);
		if (starts == 0)
			continue;	/* never claimed: all zero */
		sum->starts += starts;
		if ((int)i == mx.slot_index ||
		    mx_locked_by_other(mx.fd, METRICS_LOCK_SLOT(i), 1))
			sum->alive++;
		for (r = 0; r < METRICS_ROWS; r++)
			for (c = 0; c < METRICS_STATUSES; c++)
				sum->requests[r][c] +=
				    mx_load(&s->requests[r][c]);
		for (c = 0; c < METRICS_COUNTERS; c++)
			sum->counters[c] += mx_load(&s->counters[c]);
		for (c = 0; c < METRICS_BUCKETS; c++)
			sum->buckets[c] += mx_load(&s->buckets[c]);
		sum->duration_us += mx_load(&s->duration_us);
	}
}

static void
mx_render_requests(struct hf_buf *t, const struct metrics_map *m,
    const struct mx_sum *sum)
{
	const struct metrics_row	*row;
	uint64_t			 n, cum = 0;
	uint32_t			 used, r;
	size_t				 c;

	mx_family(t, "holdfast_http_requests_total", "counter",
	    "Requests answered by the workers, by route and status.");
	used = __atomic_load_n(&m->head.rows_used, __ATOMIC_ACQUIRE);
	for (r = 0; r < used && r < METRICS_ROWS; r++) {
		row = &m->rows[r];
		if (!__atomic_load_n(&row->used, __ATOMIC_ACQUIRE))
			continue;
		for (c = 0; c < METRICS_STATUSES; c++) {
			if ((n = sum->requests[r][c]) == 0)
				continue;
			hf_buf_puts(t, "holdfast_http_requests_total{route=\"");
			mx_label(t, row->pattern);
			hf_buf_printf(t, "\",method=\"");
			mx_label(t, row->method);
			hf_buf_printf(t, "\",status=\"");
			mx_status_label(t, c);
			hf_buf_printf(t, "\"} %llu\n", (unsigned long long)n);
		}
	}
	mx_family(t, "holdfast_http_request_duration_seconds", "histogram",
	    "Time from accepting a request to its reply.");
	for (c = 0; c < METRICS_BUCKETS; c++) {
		cum += sum->buckets[c];
		hf_buf_printf(t, "holdfast_http_request_duration_seconds_bucket"
		    "{le=\"%s\"} %llu\n", metrics_le_text[c],
		    (unsigned long long)cum);
	}
	hf_buf_printf(t, "holdfast_http_request_duration_seconds_sum "
	    "%llu.%06llu\n"
	    "holdfast_http_request_duration_seconds_count %llu\n",
	    (unsigned long long)(sum->duration_us / 1000000),
	    (unsigned long long)(sum->duration_us % 1000000),
	    (unsigned long long)cum);
}

static void
mx_render_counter(struct hf_buf *t, const char *name, const char *help,
    uint64_t v)
{
	mx_family(t, name, "counter", help);
	hf_buf_printf(t, "%s %llu\n", name, (unsigned long long)v);
}

static void
mx_render_gauge(struct hf_buf *t, const char *name, const char *help,
    long long v)
{
	if (v < 0)
		return;
	mx_family(t, name, "gauge", help);
	hf_buf_printf(t, "%s %lld\n", name, v);
}

static void
mx_render_gauges(struct hf_buf *t, const struct metrics_gauges *g)
{
	mx_family(t, "holdfast_up", "gauge",
	    "Whether a dependency answered this scrape (1) or not (0).");
	hf_buf_printf(t, "holdfast_up{dependency=\"database\"} %d\n"
	    "holdfast_up{dependency=\"redis\"} %d\n", g->database_up ? 1 : 0,
	    g->redis_up ? 1 : 0);
	mx_render_gauge(t, "holdfast_reservations_active",
	    "Reservations in state active.", g->reservations_active);
	mx_render_gauge(t, "holdfast_reservations_expired_unreleased",
	    "Active reservations past expires_at that holdfast-expire has "
	    "not released yet (the cron's lag).", g->reservations_expired);
	if (g->skus_warning < 0 || g->skus_critical < 0 || g->skus_out < 0)
		return;
	mx_family(t, "holdfast_stock_skus", "gauge",
	    "SKUs (not retired) whose available stock is at a low level.");
	hf_buf_printf(t, "holdfast_stock_skus{level=\"warning\"} %lld\n"
	    "holdfast_stock_skus{level=\"critical\"} %lld\n"
	    "holdfast_stock_skus{level=\"out\"} %lld\n", g->skus_warning,
	    g->skus_critical, g->skus_out);
}

/*
 * Renders every family: the shared counters when this process mapped the
 * file, then the gauges. Returns the text (arena) or NULL.
 */
char *
metrics_render(struct arena *a, const struct metrics_gauges *g, size_t *len)
{
	struct hf_buf	 t;
	struct mx_sum	*sum;

	hf_buf_init(&t, a, 0);
	if (hf_buf_puts(&t, "") != 0)	/* "" when there is nothing */
		return NULL;
	if (mx.map != NULL) {
		if ((sum = arena_calloc(a, 1, sizeof(*sum))) == NULL)
			return NULL;
		mx_add_up(mx.map, sum);
		mx_render_requests(&t, mx.map, sum);
		mx_render_counter(&t, "holdfast_db_errors_total",
		    "Database statements and connections that failed "
		    "(a duplicate key is an answer, not a failure).",
		    sum->counters[M_DB_ERRORS]);
		mx_render_counter(&t, "holdfast_db_deadlock_retries_total",
		    "Transactions run again after a deadlock.",
		    sum->counters[M_DB_DEADLOCK_RETRIES]);
		mx_render_counter(&t, "holdfast_cache_hits_total",
		    "Reads answered from Redis.", sum->counters[M_CACHE_HIT]);
		mx_render_counter(&t, "holdfast_cache_misses_total",
		    "Reads Redis did not have.", sum->counters[M_CACHE_MISS]);
		mx_render_counter(&t, "holdfast_cache_errors_total",
		    "Redis calls that failed or timed out.",
		    sum->counters[M_CACHE_ERROR]);
		mx_render_counter(&t, "holdfast_worker_starts_total",
		    "Workers started on this metrics file (a restart counts "
		    "again).", sum->starts);
		mx_render_gauge(&t, "holdfast_workers",
		    "Workers alive, each holding a slot.",
		    (long long)sum->alive);
	}
	mx_render_gauges(&t, g);
	if (t.toobig)
		return NULL;
	*len = t.len;
	return t.p;
}

/*
 * A generation shared by the workers of this host: a worker whose cache
 * invalidation could not reach Redis bumps it, and every worker that sees
 * it move bumps the cache epoch before its next read, so an entry the
 * lost invalidation should have removed is never served. 0 without a file.
 */
uint64_t
metrics_cache_lost(void)
{
	if (mx.map == NULL)
		return 0;
	return __atomic_load_n(&mx.map->head.cache_lost, __ATOMIC_ACQUIRE);
}

void
metrics_cache_lost_bump(void)
{
	if (mx.map != NULL)
		__atomic_add_fetch(&mx.map->head.cache_lost, 1,
		    __ATOMIC_ACQ_REL);
}
