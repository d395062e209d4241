/*
 * metrics_count.c: what a worker counts into its own slot of the metrics
 * file (metrics.c claims it): every answered request by route, status
 * and duration, the plain counters of enum metric_counter, and the
 * host-wide generation of lost cache invalidations. Every call is a few
 * plain loads and stores and does nothing until metrics_open() succeeded.
 */
#include <stdint.h>
#include <stdlib.h>

#include "holdfast/metrics.h"
#include "metrics_int.h"

/* Only the owner writes its slot: load, add, store, no locked add. */
static void
mx_bump(uint64_t *p, uint64_t n)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n,
	    __ATOMIC_RELAXED);
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
	struct metrics_slot	*s = metrics_mx.slot;
	size_t			 row = METRICS_ROW_UNMATCHED, b;

	if (s == NULL)
		return;
	if (route_index >= 0 && (size_t)route_index < metrics_mx.nroutes)
		row = metrics_mx.rows[route_index];
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
	if (metrics_mx.slot == NULL || (unsigned)c >= M__MAX)
		return;
	mx_bump(&metrics_mx.slot->counters[c], n);
}

void
metrics_set(enum metric_counter c, uint64_t v)
{
	if (metrics_mx.slot == NULL || (unsigned)c >= M__MAX)
		return;
	__atomic_store_n(&metrics_mx.slot->counters[c], v, __ATOMIC_RELAXED);
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
	if (metrics_mx.map == NULL)
		return 0;
	return __atomic_load_n(&metrics_mx.map->head.cache_lost,
	    __ATOMIC_ACQUIRE);
}

void
metrics_cache_lost_bump(void)
{
	if (metrics_mx.map != NULL)
		__atomic_add_fetch(&metrics_mx.map->head.cache_lost, 1,
		    __ATOMIC_ACQ_REL);
}
