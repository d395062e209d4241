/*
 * metrics_int.h: what the files of the shared counters share and nobody
 * else sees: the layout of the metrics file and this process's view of
 * it. metrics.c maps the file and claims a slot, metrics_count.c counts
 * into the slot, metrics_text.c adds the slots up for a scrape.
 */
#ifndef HOLDFAST_METRICS_INT_H
#define HOLDFAST_METRICS_INT_H

#include <stdint.h>
#include <sys/types.h>

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
struct metrics_proc {
	int			 fd;
	struct metrics_map	*map;
	struct metrics_slot	*slot;
	int			 slot_index;
	uint16_t		*rows;
	size_t			 nroutes;
};

extern struct metrics_proc	metrics_mx;	/* metrics.c */

/* 1 when another process holds a lock on [start, start + len). */
int	 metrics_locked_by_other(int fd, off_t start, off_t len);

#endif /* HOLDFAST_METRICS_INT_H */
