/*
 * shop_check.c: the reconcile of the shop's own counters (issue 15):
 * points accounts against their ledger, lots and unpaid orders
 * (sql/020_points.sql), coupon campaigns against their redemptions and
 * the orders that hold them (sql/021_coupons.sql). Read-only; GET
 * /points/reconcile, GET /coupons/reconcile and holdfast-admin reconcile
 * call them.
 */
#include "holdfast/db.h"
#include "holdfast/coupons.h"
#include "holdfast/points.h"

int
svc_points_reconcile(struct svc_ctx *ctx, uint64_t uid,
    struct points_check **bad, size_t *nbad, size_t *checked)
{
	struct points_check	*rows;
	struct db_param		 p[2];
	size_t			 n, i, k = 0;
	int			 rc;

	p[0] = DB_INT((long long)uid);
	p[1] = DB_INT((long long)uid);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_points_reconcile,
	    p, 2, &rows, &n)) != HF_OK)
		return rc;
	for (i = 0; i < n; i++)
		if (rows[i].balance != rows[i].ledger_balance ||
		    rows[i].reserved != rows[i].ledger_reserved ||
		    rows[i].balance != rows[i].last_balance ||
		    rows[i].reserved != rows[i].last_reserved ||
		    rows[i].reserved != rows[i].orders_reserved ||
		    rows[i].balance != rows[i].lots_remaining)
			rows[k++] = rows[i];
	*bad = rows;
	*nbad = k;
	*checked = n;
	return HF_OK;
}

/* Whether campaign row c agrees with its rows and their orders. */
static int
coupon_check_ok(const struct coupon_check *c)
{
	return c->reserved == c->rows_reserved && c->used == c->rows_used &&
	    c->reserved + c->used <= c->total && c->orders_off == 0 &&
	    c->orders_missing == 0 && c->codes_over == 0;
}

int
svc_coupons_reconcile(struct svc_ctx *ctx, uint64_t campaign_id,
    struct coupon_check **bad, size_t *nbad, size_t *checked)
{
	struct coupon_check	*rows;
	struct db_param		 p[2];
	size_t			 n, i, k = 0;
	int			 rc;

	p[0] = DB_INT((long long)campaign_id);
	p[1] = DB_INT((long long)campaign_id);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_coupon_reconcile,
	    p, 2, &rows, &n)) != HF_OK)
		return rc;
	for (i = 0; i < n; i++)
		if (!coupon_check_ok(&rows[i]))
			rows[k++] = rows[i];
	*bad = rows;
	*nbad = k;
	*checked = n;
	return HF_OK;
}
