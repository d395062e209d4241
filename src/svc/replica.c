/*
 * replica.c: which server answers a catalog read (issue 16, item 3;
 * docs/internals.md "Issue 16: replica reads and failover").
 *
 * With db_replica_reads on, a catalog or list read goes to the replica
 * once the replica has applied everything the primary had in its binary
 * log when the read began: one SELECT @@gtid_binlog_pos on the primary,
 * then MASTER_GTID_WAIT on the replica for at most db_replica_wait_ms.
 * Whatever the caller (or anyone) wrote and was answered before this read
 * is in that position, so the replica never answers older than the
 * caller's own last write, and a cache entry filled from it is never
 * older than the version it is stored under. A replica that is behind,
 * down or not configured leaves the read to the primary. Decided once per
 * request; after a write in the same request, the primary answers.
 * Stock, reservation and order reads never come here: the primary.
 */
#include "holdfast/db_replica.h"
#include "holdfast/metrics.h"
#include "holdfast/svc.h"

/* after a failed connection the replica is left alone this long */
#define REPLICA_BACKOFF_MS	2000

static int64_t	replica_down_until;

static struct db *
to_primary(struct svc_ctx *ctx)
{
	ctx->read_route = SVC_READ_PRIMARY;
	metrics_add(M_DB_REPLICA_FALLBACKS, 1);
	return ctx->app->db;
}

struct db *
svc_read_db(struct svc_ctx *ctx)
{
	struct app	*app = ctx->app;
	const char	*pos;
	int		 reached = 0, rc;

	if (ctx->read_route == SVC_READ_REPLICA)
		return app->replica;
	if (ctx->read_route == SVC_READ_PRIMARY || app->replica == NULL ||
	    !app->cfg.db_replica_reads || db_in_txn(app->db))
		return app->db;
	if (hf_now_ms() < replica_down_until)
		return to_primary(ctx);
	if (db_gtid_pos(app->db, ctx->arena, &pos) != HF_OK)
		return to_primary(ctx);
	rc = db_gtid_wait(app->replica, ctx->arena, pos,
	    app->cfg.db_replica_wait_ms, &reached);
	if (rc == HF_E_SYS_UNAVAILABLE) {
		log_warn(ctx->request_id, "replica: %s",
		    db_last_error(app->replica));
		replica_down_until = hf_now_ms() + REPLICA_BACKOFF_MS;
	}
	if (rc != HF_OK || !reached)
		return to_primary(ctx);
	ctx->read_route = SVC_READ_REPLICA;
	metrics_add(M_DB_REPLICA_READS, 1);
	return app->replica;
}

/* The replica's gauges for GET /metrics; nothing when none is set. */
void
svc_replica_gauges(struct app *app, struct arena *a,
    struct metrics_gauges *g)
{
	struct db_replica_state	st;

	if (app->replica == NULL)
		return;
	g->replica_up = 0;
	if (db_replica_state(app->replica, app->db, a, &st) != HF_OK)
		return;
	g->replica_up = 1;
	g->replica_lag_seconds = st.lag_seconds;
	g->replica_lag_trx = st.lag_trx;
	g->replica_io_running = st.io_running;
	g->replica_sql_running = st.sql_running;
}
