/*
 * audit.c: one audit row per write, in the write's own transaction. Values
 * are the entity as the API shows it, never a password, code, token or key.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"

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
	struct db_param	 p[10];
	const char	*ov = json_text(old_value), *nv = json_text(new_value);
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
	json_object_put(old_value);
	json_object_put(new_value);
	return rc;
}

enum { A_ID, A_ACTOR, A_ROLE, A_ACTION, A_ENTITY, A_ENTITY_ID, A_OLD, A_NEW,
    A_IP, A_UA, A_RID, A_CREATED, A__MAX };

static json_object *
cell_json(const struct db_result *r, size_t row, int col, int parse)
{
	const char	*v = DB_CELL(r, row, col);

	if (v == NULL)
		return NULL;
	return parse ? json_tokener_parse(v) : json_object_new_string(v);
}

int
svc_audit_list(struct svc_ctx *ctx, const struct audit_filter *f,
    json_object **items, long long *total)
{
	static const char *const names[A__MAX] = { "id", "actor",
	    "actor_role", "action", "entity", "entity_id", "old_value",
	    "new_value", "ip", "user_agent", "request_id", "created_at" };
	struct db_param		 p[12];
	struct db_result	 r;
	json_object		*o;
	size_t			 i;
	long long		 id;
	int			 rc, c;

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
	*items = json_object_new_array();
	for (i = 0; i < r.nrows; i++) {
		o = json_object_new_object();
		hf_parse_ll(DB_CELL(&r, i, A_ID), 0, INT64_MAX, &id);
		json_object_object_add(o, names[A_ID],
		    json_object_new_int64(id));
		for (c = A_ACTOR; c < A__MAX; c++)
			json_object_object_add(o, names[c], cell_json(&r, i, c,
			    c == A_OLD || c == A_NEW));
		json_object_array_add(*items, o);
	}
	return HF_OK;
}
