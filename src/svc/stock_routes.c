/*
 * stock_routes.c: the /stock services: read one SKU's stock (with its
 * places), list, patch the settings, and a restock, deduct or adjust at
 * one location. Above the locker, which allocates a deduct that names no
 * location.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* --- the /stock routes ------------------------------------------------ */

/*
 * Reads the places of s as they are (no lock), every location the product
 * has a row at, in allocation order, into s->places.
 */
static int
stock_places_read(struct db *db, struct svc_ctx *ctx, struct stock_row *s)
{
	struct db_param	p[1] = { DB_INT((long long)s->product_id) };

	return db_rows(db, ctx->arena, &db_sql_places_of, p, 1, &s->places,
	    &s->nplaces);
}

int
svc_stock_get(struct svc_ctx *ctx, const char *sku, struct stock_row *s)
{
	struct db_param		p[1] = { DB_STR(sku) };
	int			rc, found;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_stock_by_sku, p,
	    1, s, &found)) != HF_OK)
		return rc;
	if (!found) {
		inv_set_not_found(ctx, sku);
		return HF_E_INV_NOT_FOUND;
	}
	return stock_places_read(ctx->app->db, ctx, s);
}

int
svc_stock_list(struct svc_ctx *ctx, const char *level, long long page,
    long long per_page, struct stock_row **out, size_t *n, long long *total)
{
	struct db_param		p[3];
	int			rc;

	p[0] = DB_OPT_STR(level);
	p[1] = DB_INT(per_page);
	p[2] = DB_INT((page - 1) * per_page);
	*total = db_count_of(ctx->app->db, ctx->arena, &db_sql_stock_count, p,
	    1, &rc);
	if (rc != HF_OK)
		return rc;
	return db_rows(ctx->app->db, ctx->arena, &db_sql_stock_list, p, 3, out,
	    n);
}

/* What the audit log keeps of a stock row's settings. */
static const struct hf_field stock_audit_fields[] = {
	HF_FIELD(struct stock_row, warning_threshold, HF_K_INT),
	HF_FIELD(struct stock_row, critical_threshold, HF_K_INT),
	HF_FIELD(struct stock_row, is_active, HF_K_BOOL),
};

struct patch_txn {
	struct svc_ctx			*ctx;
	const char			*sku;
	const struct stock_patch	*in;
	struct stock_row		*out;
};

static int
stock_patch_fn(struct db *db, void *arg)
{
	struct patch_txn	*t = arg;
	const struct stock_patch *in = t->in;
	struct svc_ctx		*ctx = t->ctx;
	struct stock_row	 s, nv;
	struct db_param		 p[5];
	int			 rc;

	if ((rc = inv_stock_lock(db, ctx->arena, t->sku, 0, &s)) != HF_OK) {
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(ctx, t->sku);
		return rc;
	}
	nv = s;
	if (in->set_warning)
		nv.warning_threshold = in->warning_threshold;
	if (in->set_critical)
		nv.critical_threshold = in->critical_threshold;
	if (in->set_location)
		nv.location = in->location;
	if (in->set_active)
		nv.is_active = in->is_active;
	/* the schema checks each; only the pair can disagree */
	if (nv.critical_threshold > nv.warning_threshold) {
		ctx->message = "critical_threshold must not exceed "
		    "warning_threshold";
		return HF_E_INV_PARAM;
	}
	p[0] = DB_INT(nv.warning_threshold);
	p[1] = DB_INT(nv.critical_threshold);
	p[2] = DB_STR_OR_NULL(nv.location);
	p[3] = DB_INT(nv.is_active);
	p[4] = DB_INT((long long)s.product_id);
	if ((rc = db_exec(db, &db_sql_stock_patch, p, 5, NULL, NULL)) != HF_OK)
		return rc;
	svc_touch(ctx, s.product_id, s.sku);
	if ((rc = inv_stock_lock(db, ctx->arena, NULL, s.product_id,
	    t->out)) != HF_OK ||
	    (rc = stock_places_read(db, ctx, t->out)) != HF_OK)
		return rc;
	return svc_audit_text(db, ctx, "stock.update", "stock", s.product_id,
	    hf_fields_text(ctx->arena, stock_audit_fields,
	    HF_NITEMS(stock_audit_fields), &s),
	    hf_fields_text(ctx->arena, stock_audit_fields,
	    HF_NITEMS(stock_audit_fields), &nv));
}

int
svc_stock_patch(struct svc_ctx *ctx, const char *sku,
    const struct stock_patch *in, struct stock_row *out)
{
	struct patch_txn	t = { ctx, sku, in, out };

	return svc_txn(ctx, stock_patch_fn, &t);
}

struct move_txn {
	struct svc_ctx		*ctx;
	struct stock_move	*m;
	struct idem		*idem;
};

/*
 * INV_002 for a move that would take more than its place has (an adjust
 * down): the line names that place and what it has, as an allocated
 * line's refusal names each place.
 */
static int
move_short(struct svc_ctx *ctx, struct stock_move *m,
    const struct location *lo)
{
	struct svc_line_place	*pl;
	long long		 n = inv_place_free(ctx, &m->stock, lo);
	int			 rc = inv_short(ctx, m->sku, -m->delta, n);

	if (ctx->nlines == 1 && (pl = arena_calloc(ctx->arena, 1,
	    sizeof(*pl))) != NULL) {
		pl->location = lo->code;
		pl->available = n;
		ctx->lines[0].places = pl;
		ctx->lines[0].nplaces = 1;
	}
	return rc;
}

static int
stock_move_fn(struct db *db, void *arg)
{
	struct move_txn		*t = arg;
	struct stock_move	*m = t->m;
	const struct location	*lo;
	struct reserve_item	 line;
	struct change		 c;
	long long		 n;
	int			 rc;

	if ((rc = inv_stock_lock(db, t->ctx->arena, m->sku, 0, &m->stock)) !=
	    HF_OK) {
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(t->ctx, m->sku);
		return rc;
	}
	/* a deduct takes what any taker may (an adjust corrects the count),
	 * at the location it names or the first that has it all; a restock
	 * or an adjust goes to the named or the default location */
	if (strcmp(m->type, "deduct") == 0) {
		memset(&line, 0, sizeof(line));
		line.sku = m->sku;
		line.quantity = -m->delta;
		line.location = m->location;
		if ((rc = inv_takeable(db, t->ctx, &m->stock, -m->delta,
		    &n)) != HF_OK ||
		    (rc = inv_lock_one(db, t->ctx, &m->stock, &line, n,
		    &lo)) != HF_OK)
			return rc;
	} else if ((rc = inv_location_open(db, t->ctx, m->location, &lo)) !=
	    HF_OK)
		return rc;
	memset(&c, 0, sizeof(c));
	c.type = m->type;
	c.d_on = m->delta;
	c.ref_type = "manual";
	c.ref_id = m->reference_id;
	c.reason = m->reason;
	c.location_id = lo->id;
	m->moved_at = lo->code;
	rc = inv_stock_change(db, t->ctx, &m->stock, &c, &m->ledger_id);
	if (rc == HF_E_INV_INSUFFICIENT)
		return move_short(t->ctx, m, lo);
	if (rc != HF_OK)
		return rc;
	/* units back on the shelf go first to the SKU's waiting holds */
	if (m->delta > 0 && (rc = inv_queue_pass(db, t->ctx, &m->stock)) != HF_OK)
		return rc;
	/* the answer shows the row as stored (updated_at moved with it) */
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, m->stock.product_id,
	    &m->stock)) != HF_OK ||
	    (rc = stock_places_read(db, t->ctx, &m->stock)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

struct move_trip {
	struct svc_ctx		*ctx;
	struct stock_move	*m;
	int			 done;
};

/*
 * The one-trip path (sql/012_procedures.sql, hf_stock_move): one CALL
 * that moves the units and commits, then the places read as they are;
 * done stays 0 when the procedure left the move to the C path.
 */
static int
move_trip_fn(struct db *db, void *arg)
{
	struct move_trip	*t = arg;
	struct stock_move	*m = t->m;
	struct stock_moved	*row;
	struct db_param		 p[8];
	size_t			 n;
	int			 rc;

	p[0] = DB_STR(m->sku);
	p[1] = DB_STR(m->type);
	p[2] = DB_INT(m->delta);
	p[3] = DB_STR_OR_NULL(m->location);
	p[4] = DB_STR_OR_NULL(m->reference_id);
	p[5] = DB_STR_OR_NULL(m->reason);
	p[6] = DB_STR(t->ctx->who->actor);
	p[7] = DB_STR_OR_NULL(t->ctx->request_id);
	if ((rc = db_rows(db, t->ctx->arena, &db_sql_stock_move_call, p, 8,
	    &row, &n)) != HF_OK || n == 0)
		return rc;
	m->stock = row->stock;
	m->ledger_id = row->ledger_id;
	m->moved_at = row->moved_at;
	svc_touch(t->ctx, m->stock.product_id, m->stock.sku);
	t->done = 1;
	return stock_places_read(db, t->ctx, &m->stock);
}

/*
 * A restock, deduct or adjust of one SKU, with its ledger row: the plain
 * case in one round trip, anything else (and a request that stores its
 * answer under an Idempotency-Key) statement by statement.
 */
int
svc_stock_move(struct svc_ctx *ctx, struct stock_move *m, struct idem *idem)
{
	struct move_txn		t = { ctx, m, idem };
	struct move_trip	tr = { ctx, m, 0 };
	int			trip;

	trip = svc_unkeyed(idem) && hf_sku_valid(m->sku, strlen(m->sku)) &&
	    (m->location == NULL || (strlen(m->location) <= 32 &&
	    hf_sku_valid(m->location, strlen(m->location))));
	return svc_write(ctx, trip ? move_trip_fn : NULL, &tr, &tr.done,
	    stock_move_fn, &t);
}
