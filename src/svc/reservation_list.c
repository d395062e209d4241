/*
 * reservation_list.c: GET /reservations (issue 13), a keyset page of the
 * caller's reservations (every caller's for an admin), newest first. The
 * most selective filter given drives (sql_inventory.c): reference_id,
 * then sku, then the owner, then status; its value is bound first, then
 * every filter (each DB_OPT), then the page (keyset.c).
 */
#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

int
svc_reservations_list(struct svc_ctx *ctx,
    const struct reservation_filter *f, struct reservation **out, size_t *n,
    struct svc_keyset *ks)
{
	struct db_sql		*list = &db_sql_reservations_list;
	struct db_sql		*count = &db_sql_reservations_count;
	struct db_param		 p[8];
	const char		*owner = ctx->who->role == ROLE_ADMIN ? NULL :
				    ctx->who->actor;
	long long		 offset = svc_ks_offset(ks, f->page, f->per_page);
	size_t			 k = 0;
	int			 rc;

	if (f->reference_id != NULL) {
		list = &db_sql_reservations_list_ref;
		count = &db_sql_reservations_count_ref;
		p[k++] = DB_STR(f->reference_id);
	} else if (f->sku != NULL) {
		list = &db_sql_reservations_list_sku;
		count = &db_sql_reservations_count_sku;
		p[k++] = DB_STR(f->sku);
	} else if (owner != NULL) {
		list = &db_sql_reservations_list_owner;
		count = &db_sql_reservations_count_owner;
		p[k++] = DB_STR(owner);
	} else if (f->status != NULL) {
		list = &db_sql_reservations_list_status;
		count = &db_sql_reservations_count_status;
		p[k++] = DB_STR(f->status);
	}
	p[k++] = DB_OPT_STR(f->reference_id);
	p[k++] = DB_OPT_STR(f->status);
	p[k++] = DB_OPT_STR(f->sku);
	p[k++] = DB_OPT_STR(owner);
	p[k++] = DB_INT(svc_ks_after(ks));
	p[k++] = DB_INT(f->per_page + 1);
	p[k++] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, list, p, k, out, n)) !=
	    HF_OK)
		return rc;
	if (svc_ks_trim(ks, n, f->per_page))
		ks->next = (*out)[*n - 1].id;
	if ((rc = svc_ks_count(ctx, ks, count, p, k - 3, offset, *n)) != HF_OK)
		return rc;
	return inv_name_reservations(ctx->app->db, ctx, *out, *n);
}
