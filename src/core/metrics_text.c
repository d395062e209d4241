/*
 * metrics_text.c: the Prometheus text (version 0.0.4) of a scrape: every
 * slot of the metrics file added up (request counts by route and status,
 * the duration histogram, the plain counters, the workers alive), then
 * the gauges the caller read at scrape time.
 */
#include <stdint.h>
#include <stdlib.h>

#include "holdfast/metrics.h"
#include "metrics_int.h"

/* The le labels of metrics_le_us (metrics_int.h), seconds; then +Inf. */
static const char *const metrics_le_text[] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "+Inf"
};

static uint64_t
mx_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
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
	g->replica_up = -1;
	g->replica_lag_seconds = -1;
	g->replica_lag_trx = -1;
	g->replica_io_running = -1;
	g->replica_sql_running = -1;
	g->host = NULL;
	g->cache_lost_gen = -1;
}

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
		if ((int)i == metrics_mx.slot_index ||
		    metrics_locked_by_other(metrics_mx.fd,
		    METRICS_LOCK_SLOT(i), 1))
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

/*
 * Issue 16: the host that answered, as a label a per-host scrape keeps
 * (README "Scale-out: shared state"). A label value escapes a backslash, "
 * and newline; other bytes below 0x20 become '?'.
 */
static void
mx_render_host(struct hf_buf *t, const char *host)
{
	const char	*p;

	mx_family(t, "holdfast_host_info", "gauge",
	    "1, labelled with the host whose workers these figures are "
	    "(host_name, else the hostname): scrape every host.");
	hf_buf_printf(t, "holdfast_host_info{host=\"");
	for (p = host != NULL ? host : ""; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			hf_buf_printf(t, "\\%c", *p);
		else if (*p == '\n')
			hf_buf_printf(t, "\\n");
		else
			hf_buf_printf(t, "%c", (unsigned char)*p < 0x20 ?
			    '?' : *p);
	}
	hf_buf_printf(t, "\"} 1\n");
}

static void
mx_render_gauges(struct hf_buf *t, const struct metrics_gauges *g)
{
	mx_render_host(t, g->host);
	mx_render_gauge(t, "holdfast_cache_lost_generation",
	    "Cache invalidations that could not reach Redis, on every host "
	    "(the database's cache_lost.gen).", g->cache_lost_gen);
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

/* issue 16: the replica's state, when one is configured */
static void
mx_render_replica(struct hf_buf *t, const struct metrics_gauges *g)
{
	if (g->replica_up < 0)
		return;
	mx_family(t, "holdfast_db_replica_up", "gauge",
	    "Whether the replica answered this scrape (1) or not (0).");
	hf_buf_printf(t, "holdfast_db_replica_up %d\n", g->replica_up);
	if (g->replica_up == 0)
		return;
	mx_family(t, "holdfast_db_replica_lag_seconds", "gauge",
	    "The replica's Seconds_Behind_Master; -1 when it cannot say "
	    "(a thread stopped, or no SLAVE MONITOR privilege).");
	hf_buf_printf(t, "holdfast_db_replica_lag_seconds %lld\n",
	    g->replica_lag_seconds);
	mx_render_gauge(t, "holdfast_db_replica_lag_transactions",
	    "Transactions in the primary's binary log the replica has not "
	    "applied yet (GTID sequence numbers).", g->replica_lag_trx);
	mx_family(t, "holdfast_db_replica_thread_running", "gauge",
	    "The replica's I/O and SQL threads running (1) or not (0).");
	hf_buf_printf(t, "holdfast_db_replica_thread_running{thread=\"io\"} "
	    "%d\nholdfast_db_replica_thread_running{thread=\"sql\"} %d\n",
	    g->replica_io_running > 0, g->replica_sql_running > 0);
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
	if (metrics_mx.map != NULL) {
		if ((sum = arena_calloc(a, 1, sizeof(*sum))) == NULL)
			return NULL;
		mx_add_up(metrics_mx.map, sum);
		mx_render_requests(&t, metrics_mx.map, sum);
		mx_render_counter(&t, "holdfast_db_errors_total",
		    "Database statements and connections that failed "
		    "(a duplicate key is an answer, not a failure).",
		    sum->counters[M_DB_ERRORS]);
		mx_render_counter(&t, "holdfast_db_deadlock_retries_total",
		    "Transactions run again after a deadlock.",
		    sum->counters[M_DB_DEADLOCK_RETRIES]);
		mx_render_counter(&t, "holdfast_write_one_trip_total",
		    "Writes done in one database round trip (a procedure).",
		    sum->counters[M_WRITE_ONE_TRIP]);
		mx_render_counter(&t, "holdfast_write_fallback_total",
		    "Writes the procedure left to the statement-by-statement "
		    "path.", sum->counters[M_WRITE_FALLBACK]);
		mx_render_counter(&t, "holdfast_db_statements_total",
		    "Prepared statements executed.",
		    sum->counters[M_DB_STATEMENTS]);
		mx_render_counter(&t, "holdfast_db_writes_total",
		    "Prepared statements executed that are not a SELECT "
		    "(INSERT, UPDATE, DELETE, CALL).",
		    sum->counters[M_DB_WRITES]);
		mx_render_counter(&t, "holdfast_db_replica_reads_total",
		    "Requests whose catalog reads the replica answered "
		    "(issue 16).", sum->counters[M_DB_REPLICA_READS]);
		mx_render_counter(&t, "holdfast_db_replica_fallbacks_total",
		    "Catalog reads the primary answered because the replica "
		    "was behind, down or unreachable.",
		    sum->counters[M_DB_REPLICA_FALLBACKS]);
		mx_render_counter(&t, "holdfast_cache_hits_total",
		    "Reads answered from the cache (Redis, or a worker's "
		    "copy).", sum->counters[M_CACHE_HIT]);
		mx_render_counter(&t, "holdfast_cache_misses_total",
		    "Reads Redis did not have.", sum->counters[M_CACHE_MISS]);
		mx_render_counter(&t, "holdfast_cache_errors_total",
		    "Redis calls that failed or timed out.",
		    sum->counters[M_CACHE_ERROR]);
		mx_render_counter(&t, "holdfast_local_cache_hits_total",
		    "Reads served from a worker's own copy (its key "
		    "confirmed current by the read's Redis trip).",
		    sum->counters[M_LCACHE_HIT]);
		mx_render_counter(&t, "holdfast_local_cache_misses_total",
		    "Copies looked up that were absent or not current.",
		    sum->counters[M_LCACHE_MISS]);
		mx_render_counter(&t, "holdfast_local_cache_kept_total",
		    "Copies kept by the workers.",
		    sum->counters[M_LCACHE_KEPT]);
		mx_render_counter(&t, "holdfast_local_cache_evicted_total",
		    "Copies evicted to stay within the bounds.",
		    sum->counters[M_LCACHE_EVICTED]);
		mx_render_counter(&t, "holdfast_local_cache_dropped_total",
		    "Copies dropped by Redis invalidation messages.",
		    sum->counters[M_LCACHE_DROPPED]);
		mx_render_counter(&t, "holdfast_local_cache_flushes_total",
		    "Times a worker dropped every copy (a Redis connection "
		    "lost, FLUSHALL).", sum->counters[M_LCACHE_FLUSH]);
		mx_render_gauge(&t, "holdfast_local_cache_entries",
		    "Copies held, all workers.",
		    (long long)sum->counters[M_LCACHE_ENTRIES]);
		mx_render_gauge(&t, "holdfast_local_cache_bytes",
		    "Bytes of the copies held, all workers.",
		    (long long)sum->counters[M_LCACHE_BYTES]);
		mx_render_counter(&t, "holdfast_worker_starts_total",
		    "Workers started on this metrics file (a restart counts "
		    "again).", sum->starts);
		mx_render_gauge(&t, "holdfast_workers",
		    "Workers alive, each holding a slot.",
		    (long long)sum->alive);
	}
	mx_render_gauges(&t, g);
	mx_render_replica(&t, g);
	if (t.toobig)
		return NULL;
	*len = t.len;
	return t.p;
}
