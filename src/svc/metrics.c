/*
 * metrics.c: the gauges of GET /metrics, read from MariaDB and Redis at
 * scrape time (the counters live in the shared file, see metrics.h).
 */
#include <stdlib.h>
#include <unistd.h>

#include "holdfast/cache.h"
#include "holdfast/db_hoststate.h"
#include "holdfast/db_system.h"
#include "holdfast/metrics.h"
#include "holdfast/svc.h"

static void	metrics_hoststate(struct app *, struct arena *,
		    struct metrics_gauges *);

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
	metrics_hoststate(app, a, g);
}

/*
 * Issue 16 (README "Scale-out: shared state"): the host label, host_name
 * or else the hostname, and the shared generation of lost invalidations.
 */
static char	metrics_hostname[256];

static void
metrics_hoststate(struct app *app, struct arena *a,
    struct metrics_gauges *g)
{
	struct db_result	res;

	if (app->cfg.host_name[0] != '\0')
		g->host = app->cfg.host_name;
	else {
		if (metrics_hostname[0] == '\0' && gethostname(
		    metrics_hostname, sizeof(metrics_hostname) - 1) != 0)
			metrics_hostname[0] = '\0';
		g->host = metrics_hostname;
	}
	if (g->database_up && db_query(app->db, a, &db_sql_lost_get, NULL, 0,
	    &res) == HF_OK && res.nrows == 1 && DB_CELL(&res, 0, 0) != NULL)
		g->cache_lost_gen = strtoll(DB_CELL(&res, 0, 0), NULL, 10);
}
