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
 * how many rows match in all, to the cap (keyset.c).
 */
int
svc_audit_list(struct svc_ctx *ctx, const struct audit_filter *f,
    struct audit_list *out)
{
	long long	offset = svc_ks_offset(&out->ks, f->page, f->per_page);
	struct db_param	p[] = { DB_OPT_STR(f->actor), DB_OPT_STR(f->entity),
	    DB_OPT_STR(f->entity_id), DB_OPT_STR(f->from), DB_OPT_STR(f->to),
	    DB_INT(svc_ks_after(&out->ks)), DB_INT(f->per_page + 1),
	    DB_INT(offset) };
	int		rc;

	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_audit_list, p,
	    HF_NITEMS(p), &out->items, &out->n)) != HF_OK)
		return rc;
	if (svc_ks_trim(&out->ks, &out->n, f->per_page))
		out->ks.next = out->items[out->n - 1].id;
	return svc_ks_count(ctx, &out->ks, &db_sql_audit_count, p, 5, offset,
	    out->n);
}
