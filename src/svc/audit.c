/*
 * audit.c: one audit row per write, in the write's own transaction. Values
 * are the entity as the API shows it, never a password, code, token or key.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

static const char *
json_text(json_object *o)
{
	return o != NULL ? json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN) : NULL;
}

/*
 * Records one write. Takes ownership of old_value and new_value. Returns
 * HF_OK or the insert's error (which must roll the write back).
 */
int
svc_audit(struct db *db, const struct svc_ctx *ctx, const char *action,
    const char *entity, uint64_t entity_id, json_object *old_value,
    json_object *new_value)
{
	int	rc;

	rc = svc_audit_text(db, ctx, action, entity, entity_id,
	    json_text(old_value), json_text(new_value));
	json_object_put(old_value);
	json_object_put(new_value);
	return rc;
}

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

/* The columns of db_sql_audit_list as the API shows them. */
static const struct col audit_cols[] = {
	{ "id", COL_INT }, { "actor", COL_STR }, { "actor_role", COL_STR },
	{ "action", COL_STR }, { "entity", COL_STR }, { "entity_id", COL_STR },
	{ "old_value", COL_JSON }, { "new_value", COL_JSON },
	{ "ip", COL_STR }, { "user_agent", COL_STR },
	{ "request_id", COL_STR }, { "created_at", COL_STR },
};

int
svc_audit_list(struct svc_ctx *ctx, const struct audit_filter *f,
    json_object **items, long long *total)
{
	struct db_param		 p[12];
	struct db_result	 r;
	int			 rc;

	p[0] = f->actor != NULL ? DB_STR(f->actor) : DB_NULL;
	p[1] = p[0];
	p[2] = f->entity != NULL ? DB_STR(f->entity) : DB_NULL;
	p[3] = p[2];
	p[4] = f->entity_id != NULL ? DB_STR(f->entity_id) : DB_NULL;
	p[5] = p[4];
	p[6] = f->from != NULL ? DB_STR(f->from) : DB_NULL;
	p[7] = p[6];
	p[8] = f->to != NULL ? DB_STR(f->to) : DB_NULL;
	p[9] = p[8];
	p[10] = DB_INT(f->per_page);
	p[11] = DB_INT((f->page - 1) * f->per_page);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_audit_count, p,
	    10, &r)) != HF_OK)
		return rc;
	hf_parse_ll(DB_CELL(&r, 0, 0), 0, INT64_MAX, total);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_audit_list, p,
	    12, &r)) != HF_OK)
		return rc;
	*items = inv_rows_json(&r, COLS(audit_cols));
	return HF_OK;
}
