/*
 * metrics.c: the gauges of GET /metrics, read from MariaDB and Redis at
 * scrape time (the counters live in the shared file, see metrics.h).
 */
#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/metrics.h"
#include "holdfast/svc.h"

static long long
gauge_cell(const struct db_result *res, size_t col)
{
	const char	*v = DB_CELL(res, 0, col);
	long long	 n;

	if (v == NULL || hf_parse_ll(v, 0, 1LL << 62, &n) != 0)
		return -1;
	return n;
}

/*
 * Fills g. A database that does not answer leaves its gauges unknown
 * (left out of the text) and database_up 0. The ping reopens a
 * connection lost since the last request, as svc_health() does.
 */
void
svc_metrics_gauges(struct app *app, struct arena *a,
    struct metrics_gauges *g)
{
	struct db_result	res;
	int			rc;

	metrics_gauges_unknown(g);
	if ((rc = db_ping(app->db)) == HF_OK)
		rc = db_query(app->db, a, &db_sql_metrics_gauges, NULL, 0,
		    &res);
	if (rc != HF_OK)
		log_warn(NULL, "metrics: database gauges: %s",
		    db_last_error(app->db));
	else if (res.nrows == 1 && res.ncols == 5) {
		g->database_up = 1;
		g->reservations_active = gauge_cell(&res, 0);
		g->reservations_expired = gauge_cell(&res, 1);
		g->skus_warning = gauge_cell(&res, 2);
		g->skus_critical = gauge_cell(&res, 3);
		g->skus_out = gauge_cell(&res, 4);
	}
	g->redis_up = cache_ping(app->cache) == HF_OK;
}
