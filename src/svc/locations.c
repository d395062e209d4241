/*
 * locations.c: the /locations services: list, read, create and change a
 * location (warehouse, store, branch, pickup point). A location is never
 * deleted: the ledger and reservations name it. It is deactivated, which
 * only an empty location may be (LOC_005), and then takes no units.
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* What the audit log keeps of a location. */
static const struct hf_field location_audit_fields[] = {
	HF_FIELD(struct location, code, HF_K_STR),
	HF_FIELD(struct location, name, HF_K_STR),
	HF_FIELD(struct location, kind, HF_K_STR),
	HF_FIELD(struct location, is_active, HF_K_BOOL),
	HF_FIELD(struct location, priority, HF_K_INT),
};

static const char *
location_audit(struct arena *a, const struct location *l)
{
	return hf_fields_text(a, location_audit_fields,
	    HF_NITEMS(location_audit_fields), l);
}

int
svc_locations_list(struct svc_ctx *ctx, struct location **out, size_t *n)
{
	return db_rows(ctx->app->db, ctx->arena, &db_sql_location_list, NULL,
	    0, out, n);
}

/* One location by code (any case); LOC_001 naming it when none. */
static int
location_read(struct db *db, struct svc_ctx *ctx, struct db_sql *sql,
    const char *code, struct location *out)
{
	struct db_param	p[1] = { DB_STR(code) };
	int		rc, found;

	if ((rc = db_row(db, ctx->arena, sql, p, 1, out, &found)) != HF_OK)
		return rc;
	if (!found) {
		svc_details_clear(ctx);
		svc_detail_str(ctx, "location", code);
		return HF_E_LOC_NOT_FOUND;
	}
	return HF_OK;
}

int
svc_location_get(struct svc_ctx *ctx, const char *code, struct location *out)
{
	return location_read(ctx->app->db, ctx, &db_sql_location_by_code, code,
	    out);
}

struct location_txn {
	struct svc_ctx			*ctx;
	const char			*code;
	const struct location_patch	*in;
	struct location			*out;
};

static int
create_fn(struct db *db, void *arg)
{
	struct location_txn		*t = arg;
	const struct location_patch	*in = t->in;
	struct db_param			 p[5];
	uint64_t			 id;
	int				 rc;

	p[0] = DB_STR(t->code);
	p[1] = DB_STR(in->name);
	p[2] = DB_STR(in->kind);
	p[3] = DB_INT(in->is_active);
	p[4] = DB_INT(in->priority);
	rc = db_exec(db, &db_sql_location_insert, p, 5, NULL, &id);
	if (rc == HF_E_DUPLICATE) {
		svc_details_clear(t->ctx);
		svc_detail_str(t->ctx, "location", t->code);
		return HF_E_LOC_CODE_TAKEN;
	}
	if (rc != HF_OK ||
	    (rc = location_read(db, t->ctx, &db_sql_location_by_code, t->code,
	    t->out)) != HF_OK)
		return rc;
	return svc_audit_text(db, t->ctx, "location.create", "location", id,
	    NULL, location_audit(t->ctx->arena, t->out));
}

/* A new location; every field of in is set (the schema's defaults). */
int
svc_location_create(struct svc_ctx *ctx, const char *code,
    const struct location_patch *in, struct location *out)
{
	struct location_txn	t = { ctx, code, in, out };

	return db_txn(ctx->app->db, create_fn, &t);
}

static int
patch_fn(struct db *db, void *arg)
{
	struct location_txn		*t = arg;
	const struct location_patch	*in = t->in;
	struct location			 old, nv;
	struct db_param			 p[5];
	long long			 units;
	int				 rc;

	if ((rc = location_read(db, t->ctx, &db_sql_location_lock_code,
	    t->code, &old)) != HF_OK)
		return rc;
	nv = old;
	if (in->name != NULL)
		nv.name = in->name;
	if (in->kind != NULL)
		nv.kind = in->kind;
	if (in->set_active)
		nv.is_active = in->is_active;
	if (in->set_priority)
		nv.priority = in->priority;
	if (old.is_active && !nv.is_active) {
		p[0] = DB_INT((long long)old.id);
		units = db_count_of(db, t->ctx->arena, &db_sql_location_units,
		    p, 1, &rc);
		if (rc != HF_OK)
			return rc;
		if (units > 0) {
			t->ctx->message = arena_printf(t->ctx->arena,
			    "location %s still holds %lld unit%s: transfer "
			    "them out first", old.code, units,
			    units == 1 ? "" : "s");
			svc_details_clear(t->ctx);
			svc_detail_str(t->ctx, "location", old.code);
			svc_detail_int(t->ctx, "on_hand", units);
			return HF_E_LOC_IN_USE;
		}
	}
	p[0] = DB_STR(nv.name);
	p[1] = DB_STR(nv.kind);
	p[2] = DB_INT(nv.is_active);
	p[3] = DB_INT(nv.priority);
	p[4] = DB_INT((long long)old.id);
	t->ctx->nshared = 0;	/* changed here: read it again (places.c) */
	if ((rc = db_exec(db, &db_sql_location_update, p, 5, NULL, NULL)) !=
	    HF_OK ||
	    (rc = location_read(db, t->ctx, &db_sql_location_by_code, t->code,
	    t->out)) != HF_OK)
		return rc;
	return svc_audit_text(db, t->ctx, "location.update", "location",
	    old.id, location_audit(t->ctx->arena, &old),
	    location_audit(t->ctx->arena, t->out));
}

/* Changes the fields of in that are set; LOC_005 to deactivate one that
 * still holds units. */
int
svc_location_patch(struct svc_ctx *ctx, const char *code,
    const struct location_patch *in, struct location *out)
{
	struct location_txn	t = { ctx, code, in, out };

	return db_txn(ctx->app->db, patch_fn, &t);
}
