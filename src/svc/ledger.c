/*
 * ledger.c: reading the ledger (GET /ledger, /ledger/{id}, /ledger/stats).
 * Rows are only ever appended, by inv_stock_change (stock.c).
 */
#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* A page of ledger rows, newest first, and how many match (a location
 * named that does not exist: LOC_001). */
int
svc_ledger_list(struct svc_ctx *ctx, const struct ledger_filter *f,
    struct ledger_row **out, size_t *n, long long *total)
{
	const struct location	*lo = NULL;
	struct db_param		 p[8];
	int			 rc, by_sku = f->sku != NULL;

	if (f->location != NULL && (rc = inv_location_named(ctx->app->db, ctx,
	    f->location, &lo)) != HF_OK)
		return rc;

	/* with a SKU, "sku = ?" (bound once) lets ix_ledger_sku_id serve */
	p[0] = DB_OPT_STR(f->sku);
	p[0].twice = !by_sku;
	p[1] = DB_OPT_STR(f->type);
	p[2] = DB_OPT_STR(f->reference_id);
	p[3] = DB_OPT_STR(f->from);
	p[4] = DB_OPT_STR(f->to);
	p[5] = DB_OPT_INT(lo != NULL, lo != NULL ? (long long)lo->id : 0);
	p[6] = DB_INT(f->per_page);
	p[7] = DB_INT((f->page - 1) * f->per_page);
	*total = db_count_of(ctx->app->db, ctx->arena, by_sku ?
	    &db_sql_ledger_count_sku : &db_sql_ledger_count, p, 6, &rc);
	if (rc != HF_OK)
		return rc;
	return db_rows(ctx->app->db, ctx->arena, by_sku ?
	    &db_sql_ledger_list_sku : &db_sql_ledger_list, p, 8, out, n);
}

int
svc_ledger_get(struct svc_ctx *ctx, uint64_t id, struct ledger_row *out)
{
	struct db_param		p[1] = { DB_INT((long long)id) };
	int			rc, found;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_ledger_by_id, p,
	    1, out, &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_NOT_FOUND;
}

/* The rows between from and to (each NULL: open) summed by type, and by
 * day and type. */
int
svc_ledger_stats(struct svc_ctx *ctx, const char *from, const char *to,
    struct ledger_stats *out)
{
	struct db_param		p[2];
	int			rc;

	p[0] = DB_OPT_STR(from);
	p[1] = DB_OPT_STR(to);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_ledger_stats_type,
	    p, 2, &out->by_type, &out->ntype)) != HF_OK)
		return rc;
	return db_rows(ctx->app->db, ctx->arena, &db_sql_ledger_stats_day, p,
	    2, &out->by_day, &out->nday);
}
