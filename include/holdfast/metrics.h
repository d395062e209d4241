/*
 * metrics.h: counters shared by every worker of a pool, for GET /metrics.
 *
 * The workers are separate processes, so their counters live in one
 * file mapped by all of them (metrics_file): one slot per worker, written
 * only by its owner with plain stores, no lock and no system call on the
 * hot path. A scrape sums every slot. A worker that dies leaves its slot
 * to the next one, which goes on counting from the same numbers, so the
 * totals never go backwards while the file lives.
 *
 * Core: no dependency, callable from every layer. Until metrics_open()
 * succeeds (and in programs that never call it: holdfast-admin, the cron
 * jobs) every counting call does nothing.
 */
#ifndef HOLDFAST_METRICS_H
#define HOLDFAST_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/core.h"

/* Plain counters; the order is part of the file's layout: append only. */
enum metric_counter {
	M_DB_ERRORS = 0,	/* failed statements and connections */
	M_DB_DEADLOCK_RETRIES,	/* transactions run again after 1213 */
	M_CACHE_HIT,		/* a read answered from Redis */
	M_CACHE_MISS,		/* a read Redis did not have */
	M_CACHE_ERROR,		/* a Redis call that failed or timed out */
	M_WRITE_ONE_TRIP,	/* a write done by one CALL (012_procedures) */
	M_WRITE_FALLBACK,	/* one the procedure left to the C path */
	M_LCACHE_HIT,		/* a read served from the worker's copy */
	M_LCACHE_MISS,		/* a copy looked up, absent or not current */
	M_LCACHE_KEPT,		/* a copy kept */
	M_LCACHE_EVICTED,	/* a copy evicted by the bounds */
	M_LCACHE_DROPPED,	/* a copy dropped by an invalidation */
	M_LCACHE_FLUSH,		/* every copy dropped at once */
	M_LCACHE_ENTRIES,	/* gauge (metrics_set): copies held */
	M_LCACHE_BYTES,		/* gauge (metrics_set): their bytes */
	M_DB_STATEMENTS,	/* prepared statements executed (issue 14) */
	M_DB_WRITES,		/* of them, not a SELECT: a write or a CALL */
	M_DB_REPLICA_READS,	/* issue 16: requests read from the replica */
	M_DB_REPLICA_FALLBACKS,	/* ... that went to the primary instead */
	M__MAX
};

/* What the rows of the request counters are called: one per route. */
struct metrics_route {
	const char	*method;	/* "GET" */
	const char	*pattern;	/* "/api/v1/stock/{sku}" */
};

/*
 * Maps the file at path (creating it), lays it out if it is new, names a
 * row for every route (rows are found by name, so a new binary with a
 * changed route table keeps counting in the right rows) and claims a free
 * slot. Returns 0, or -1 with a reason in err: the caller logs it and
 * serves without counters.
 */
int	 metrics_open(const char *path, const struct metrics_route *,
	    size_t nroutes, char *err, size_t errlen);
void	 metrics_close(void);
int	 metrics_slot(void);		/* the claimed slot, or -1 */

/*
 * One answered request: route_index is the index in the table given to
 * metrics_open(), or -1 when no route matched; usec its duration.
 */
void	 metrics_request(int route_index, int status, int64_t usec);
void	 metrics_add(enum metric_counter, uint64_t);
/* a gauge of this worker's own (summed over workers at scrape time) */
void	 metrics_set(enum metric_counter, uint64_t);
uint64_t metrics_cache_lost(void);
void	 metrics_cache_lost_bump(void);

/* Values read at scrape time; a negative count is left out. */
struct metrics_gauges {
	int		 database_up;
	int		 redis_up;
	long long	 reservations_active;
	long long	 reservations_expired;	/* past expires_at, active */
	long long	 skus_warning;
	long long	 skus_critical;
	long long	 skus_out;
	/* issue 16: the replica; replica_up -1 when none is configured */
	int		 replica_up;
	long long	 replica_lag_seconds;
	long long	 replica_lag_trx;
	int		 replica_io_running;
	int		 replica_sql_running;
	/* issue 16: which host answered (per-host scrape), and the shared
	 * generation of lost cache invalidations (-1: not known) */
	const char	*host;
	long long	 cache_lost_gen;
};

void	 metrics_gauges_unknown(struct metrics_gauges *);

/*
 * The Prometheus text format (version 0.0.4) of every slot summed and
 * the gauges. Returns a NUL-terminated text in the arena and its length
 * in *len, or NULL when the arena is full.
 */
char	*metrics_render(struct arena *, const struct metrics_gauges *,
	    size_t *len);

#endif /* HOLDFAST_METRICS_H */
