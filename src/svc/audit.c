/*
 * audit.c: one audit row per write, in the write's own transaction, and
 * the log as typed rows (struct audit_row) for GET /api/v1/audit. Values
 * are JSON text made from the entity's field table (hf_fields_text), never
 * a password, code, token or key.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"

/*
 * An audit row; old_value and new_value are JSON text or NULL (from a
 * field table: hf_fields_text).
 */
int
svc_audit_text(struct db *db, const struct svc_ctx *ctx, const char *action,
    const char *entity, uint64_t entity_id, const char *ov, const char *nv)
{
	struct db_param	 p[10];
	char		 id[24], ua[512];
	int		 rc;

	snprintf(id, sizeof(id), "%llu", (unsigned long long)entity_id);
	snprintf(ua, sizeof(ua), "%s", ctx->user_agent != NULL ?
	    ctx->user_agent : "");
	p[0] = DB_STR(ctx->who->actor);
	p[1] = DB_STR(hf_role_name(ctx->who->role));
	p[2] = DB_STR(action);
	p[3] = DB_STR(entity);
	p[4] = entity_id != 0 ? DB_STR(id) : DB_NULL;
	p[5] = ov != NULL ? DB_STR(ov) : DB_NULL;
	p[6] = nv != NULL ? DB_STR(nv) : DB_NULL;
	p[7] = ctx->ip != NULL ? DB_STR(ctx->ip) : DB_NULL;
	p[8] = DB_STR(ua);
	p[9] = ctx->request_id != NULL ? DB_STR(ctx->request_id) : DB_NULL;
	rc = db_exec(db, &db_sql_audit_insert, p, 10, NULL, NULL);
	return rc;
}

/*
 * One keyset page of the log, newest first, from out->ks.after on, and
 * how many rows match in all, to the cap (keyset.c). A time window with
 * no actor or entity walks ix_audit_created in (created_at, id) order
 * (sql_accounts.c), its after bound first.
 */
int
svc_audit_list(struct svc_ctx *ctx, const struct audit_filter *f,
    struct audit_list *out)
{
	long long	 offset = svc_ks_offset(&out->ks, f->page, f->per_page);
	struct db_sql	*list = &db_sql_audit_list;
	struct db_param	 p[9];
	size_t		 k = 0, nf;
	int		 time = (f->from != NULL || f->to != NULL) &&
			    f->actor == NULL && f->entity == NULL &&
			    f->entity_id == NULL;
	int		 rc;

	if (time && out->ks.after != 0) {
		list = &db_sql_audit_list_time_after;
		p[k++] = DB_INT((long long)out->ks.after);
	} else if (time)
		list = &db_sql_audit_list_time;
	nf = k;
	p[k++] = DB_OPT_STR(f->actor);
	p[k++] = DB_OPT_STR(f->entity);
	p[k++] = DB_OPT_STR(f->entity_id);
	p[k++] = DB_OPT_STR(f->from);
	p[k++] = DB_OPT_STR(f->to);
	if (!time)
		p[k++] = DB_INT(svc_ks_after(&out->ks));
	p[k++] = DB_INT(f->per_page + 1);
	p[k++] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, list, p, k, &out->items,
	    &out->n)) != HF_OK)
		return rc;
	if (svc_ks_trim(&out->ks, &out->n, f->per_page))
		out->ks.next = out->items[out->n - 1].id;
	return svc_ks_count(ctx, &out->ks, &db_sql_audit_count, p + nf, 5,
	    offset, out->n);
}
