/*
 * metrics.c: the gauges of GET /metrics, read from MariaDB and Redis at
 * scrape time (the counters live in the shared file, see metrics.h).
 */
#include "holdfast/cache.h"
#include "holdfast/db_system.h"
#include "holdfast/metrics.h"
#include "holdfast/svc.h"

/*
 * Fills g. A database that does not answer leaves its gauges unknown
 * (left out of the text) and database_up 0. The ping reopens a
 * connection lost since the last request, as svc_health() does.
 */
void
svc_metrics_gauges(struct app *app, struct arena *a,
    struct metrics_gauges *g)
{
	struct metrics_gauge_row	row;
	int				rc, found = 0;

	metrics_gauges_unknown(g);
	if ((rc = db_ping(app->db)) == HF_OK)
		rc = db_row(app->db, a, &db_sql_metrics_gauges, NULL, 0, &row,
		    &found);
	if (rc != HF_OK)
		log_warn(NULL, "metrics: database gauges: %s",
		    db_last_error(app->db));
	else if (found) {
		g->database_up = 1;
		g->reservations_active = row.reservations_active;
		g->reservations_expired = row.reservations_expired;
		g->skus_warning = row.skus_warning;
		g->skus_critical = row.skus_critical;
		g->skus_out = row.skus_out;
	}
	g->redis_up = cache_ping(app->cache) == HF_OK;
	svc_replica_gauges(app, a, g);
}
