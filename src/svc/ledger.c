/*
 * ledger.c: reading the ledger (GET /ledger, /ledger/{id}, /ledger/stats).
 * Rows are only ever appended, by inv_stock_change (stock.c).
 */
#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/*
 * A page of ledger rows, newest first, from ks->after on, with the capped
 * count (keyset.c; a location named that does not exist: LOC_001). The
 * most selective filter given drives (sql_inventory.c): reference_id,
 * sku, the time window, location, type. Its value is bound first, then
 * every filter (each DB_OPT), then the page. A time window is in
 * (created_at, id) order, its after the row to start after.
 */
int
svc_ledger_list(struct svc_ctx *ctx, const struct ledger_filter *f,
    struct ledger_row **out, size_t *n, struct svc_keyset *ks)
{
	const struct location	*lo = NULL;
	struct db_sql		*list = &db_sql_ledger_list;
	struct db_sql		*count = &db_sql_ledger_count;
	struct db_param		 p[10];
	long long		 offset = svc_ks_offset(ks, f->page, f->per_page);
	size_t			 k = 0, nf;
	int			 rc;

	if (f->location != NULL && (rc = inv_location_named(ctx->app->db, ctx,
	    f->location, &lo)) != HF_OK)
		return rc;
	if (f->reference_id != NULL) {
		list = &db_sql_ledger_list_ref;
		count = &db_sql_ledger_count_ref;
		p[k++] = DB_STR(f->reference_id);
	} else if (f->sku != NULL) {
		list = &db_sql_ledger_list_sku;
		count = &db_sql_ledger_count_sku;
		p[k++] = DB_STR(f->sku);
	} else if (f->from != NULL || f->to != NULL) {
		list = ks->after != 0 ? &db_sql_ledger_list_time_after :
		    &db_sql_ledger_list_time;
		if (ks->after != 0)
			p[k++] = DB_INT((long long)ks->after);
	} else if (lo != NULL) {
		list = &db_sql_ledger_list_loc;
		count = &db_sql_ledger_count_loc;
		p[k++] = DB_INT((long long)lo->id);
	} else if (f->type != NULL) {
		list = &db_sql_ledger_list_type;
		count = &db_sql_ledger_count_type;
		p[k++] = DB_STR(f->type);
	}
	p[k++] = DB_OPT_STR(f->sku);
	p[k++] = DB_OPT_STR(f->type);
	p[k++] = DB_OPT_STR(f->reference_id);
	p[k++] = DB_OPT_STR(f->from);
	p[k++] = DB_OPT_STR(f->to);
	p[k++] = DB_OPT_INT(lo != NULL, lo != NULL ? (long long)lo->id : 0);
	nf = k;
	if (list != &db_sql_ledger_list_time &&
	    list != &db_sql_ledger_list_time_after)
		p[k++] = DB_INT(svc_ks_after(ks));
	p[k++] = DB_INT(f->per_page + 1);
	p[k++] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, list, p, k, out, n)) !=
	    HF_OK)
		return rc;
	if (svc_ks_trim(ks, n, f->per_page))
		ks->next = (*out)[*n - 1].id;
	/* the time window's count: the filters alone (not the after row) */
	if (list == &db_sql_ledger_list_time_after)
		return svc_ks_count(ctx, ks, count, p + 1, nf - 1, offset, *n);
	return svc_ks_count(ctx, ks, count, p, nf, offset, *n);
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
