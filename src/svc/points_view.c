/*
 * points_view.c: a points account as its owner or an admin reads it
 * (GET /me/points, GET /users/{id}/points): the balance, what unpaid
 * orders hold, what expires next and the ledger, newest first, in keyset
 * pages. Read-only; points.c writes (sql/020_points.sql).
 */
#include "holdfast/db.h"
#include "holdfast/points.h"

int
svc_points_get(struct svc_ctx *ctx, uint64_t uid, long long page,
    long long per_page, struct points_view *out)
{
	struct db		*db = ctx->app->db;
	struct points_account	 a;
	struct points_expiring	 e;
	struct db_param		 p[4];
	long long		 offset = svc_ks_offset(&out->ks, page, per_page);
	int			 found, rc;

	out->user_id = uid;
	p[0] = DB_INT((long long)uid);
	if ((rc = db_row(db, ctx->arena, &db_sql_points_account_get, p, 1, &a,
	    &found)) != HF_OK)
		return rc;
	out->balance = found ? a.balance : 0;
	out->reserved = found ? a.reserved : 0;
	out->available = out->balance - out->reserved;
	p[1] = DB_INT((long long)uid);
	if ((rc = db_row(db, ctx->arena, &db_sql_points_expiring, p, 2, &e,
	    &found)) != HF_OK)
		return rc;
	out->expiring_points = found && e.expires_at != NULL ? e.points : 0;
	out->expiring_at = found ? e.expires_at : NULL;
	p[1] = DB_INT(svc_ks_after(&out->ks));
	p[2] = DB_INT(per_page + 1);
	p[3] = DB_INT(offset);
	if ((rc = db_rows(db, ctx->arena, &db_sql_points_ledger_list, p, 4,
	    &out->items, &out->n)) != HF_OK)
		return rc;
	if (svc_ks_trim(&out->ks, &out->n, per_page))
		out->ks.next = out->items[out->n - 1].id;
	return svc_ks_count(ctx, &out->ks, &db_sql_points_ledger_count, p, 1,
	    offset, out->n);
}
