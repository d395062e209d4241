/*
 * csv_apply.c: the real run of the CSV import, IMPORT_CHUNK products to a
 * transaction in SKU order. Each product is planned again (csv_plan.c),
 * under its lock when something is to change, and what differs is
 * written: an on_hand that moves is ONE ledger row at that location,
 * reason "import", through the stock primitives (inv_stock_lock,
 * inv_stock_change): an existing product's an adjust, a new product's a
 * restock. A product whose fields and units already match is not locked
 * and not written: the same file twice writes nothing the second time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "csv_int.h"

#define IMP_ATTEMPTS	3	/* a chunk that met a racing writer */

/* A product the file brings: its rows, its first stock as restocks. */
static int
imp_create(struct imp_run *run, struct db *db, const struct imp_fields *f,
    struct imp_plan *plan)
{
	struct svc_ctx		*ctx = run->ctx;
	struct db_param		 p[6];
	struct stock_row	 s;
	struct change		 c;
	char			 price[32];
	uint64_t		 cat, pid = 0;
	size_t			 i;
	int			 rc, found;

	if ((rc = imp_category(run, db, f->category, 1, &cat, &found)) !=
	    HF_OK)
		return rc;
	snprintf(price, sizeof(price), "%lld.%02lld", f->price / 100,
	    f->price % 100);
	p[0] = DB_STR(f->sku);
	p[1] = DB_STR(f->name);
	p[2] = DB_STR_OR_NULL(f->description);
	p[3] = cat != 0 ? DB_INT((long long)cat) : DB_NULL;
	p[4] = DB_STR(price);
	p[5] = DB_NULL;
	/* a duplicate: another writer made it since: the chunk again */
	if ((rc = db_exec(db, &db_sql_product_insert, p, 6, NULL, &pid)) !=
	    HF_OK)
		return rc;
	p[0] = DB_INT((long long)pid);
	p[1] = DB_INT(0);
	p[2] = DB_INT(0);
	p[3] = DB_NULL;
	if ((rc = db_exec(db, &db_sql_stock_insert, p, 4, NULL, NULL)) != HF_OK)
		return rc;
	svc_touch_catalog(ctx, pid, f->sku);
	if (plan->nmoves == 0)
		return HF_OK;
	if ((rc = inv_stock_lock(db, ctx->arena, NULL, pid, &s)) != HF_OK)
		return rc;
	for (i = 0; i < plan->nmoves; i++) {
		memset(&c, 0, sizeof(c));
		c.type = "restock";
		c.d_on = plan->moves[i].row->on_hand;
		c.ref_type = "manual";
		c.reason = "import";
		c.location_id = plan->moves[i].row->loc_id;
		if ((rc = inv_stock_change(db, ctx, &s, &c, NULL)) != HF_OK)
			return rc;
	}
	return HF_OK;
}

/* A product that exists, locked: its fields, then one adjust a place. */
static int
imp_update(struct imp_run *run, struct db *db, struct imp_group *g,
    const struct imp_fields *f, struct imp_plan *plan)
{
	struct svc_ctx			*ctx = run->ctx;
	struct csv_import_product	 p;
	struct stock_row		 s;
	struct stock_place		*unlocked;
	struct db_param			 q[13];
	struct change			 c;
	char				 price[32];
	size_t				 i, n;
	int				 rc, found, more = 0;

	if ((rc = inv_stock_lock(db, ctx->arena, f->sku, 0, &s)) != HF_OK ||
	    (rc = inv_places_lock(db, ctx, &s)) != HF_OK ||
	    (rc = imp_read(run, db, f->sku, &p, &found, &unlocked, &n)) !=
	    HF_OK)
		return rc;
	if (!found)
		return HF_E_INV_NOT_FOUND;
	/* again under the lock: the places as they are now */
	if ((rc = imp_plan(run, db, g, f, &p, s.places, s.nplaces, 1,
	    plan)) != HF_OK)
		return rc;
	if (plan->set_name || plan->set_desc || plan->set_cat ||
	    plan->set_price) {
		snprintf(price, sizeof(price), "%lld.%02lld", f->price / 100,
		    f->price % 100);
		q[0] = DB_INT(plan->set_name);
		q[1] = DB_STR(f->name);
		q[2] = DB_INT(plan->set_desc);
		q[3] = DB_STR_OR_NULL(f->description);
		q[4] = DB_INT(plan->set_cat);
		q[5] = plan->cat_id != 0 ? DB_INT((long long)plan->cat_id) :
		    DB_NULL;
		q[6] = DB_INT(plan->set_price);
		q[7] = DB_STR(price);
		q[8] = DB_INT(0);
		q[9] = DB_NULL;
		q[10] = DB_INT(0);
		q[11] = DB_NULL;
		q[12] = DB_INT((long long)plan->pid);
		if ((rc = db_exec(db, &db_sql_product_update, q, 13, NULL,
		    NULL)) != HF_OK)
			return rc;
		svc_touch_catalog(ctx, plan->pid, s.sku);
	}
	for (i = 0; i < plan->nmoves; i++) {
		memset(&c, 0, sizeof(c));
		c.type = "adjust";
		c.d_on = plan->moves[i].row->on_hand - plan->moves[i].from;
		c.ref_type = "manual";
		c.reason = "import";
		c.location_id = plan->moves[i].row->loc_id;
		if ((rc = inv_stock_change(db, ctx, &s, &c, NULL)) != HF_OK)
			return rc;
		more |= c.d_on > 0;
	}
	/* units back on the shelf go first to the SKU's waiting holds */
	return more ? inv_queue_pass(db, ctx, &s) : HF_OK;
}

/* One product in the chunk's transaction. */
static int
imp_apply_one(struct imp_run *run, struct db *db, size_t gi)
{
	struct imp_group		*g = &run->groups[gi];
	struct csv_import_product	 p;
	struct imp_fields		 f;
	struct imp_plan			 plan;
	struct stock_place		*pl;
	size_t				 npl;
	int				 rc, found;

	if ((rc = imp_fields_read(run, g->head, &f)) != HF_OK ||
	    (rc = imp_read_group(run, db, gi, f.sku, &p, &found, &pl,
	    &npl)) != HF_OK ||
	    (rc = imp_plan(run, db, g, &f, found ? &p : NULL, pl, npl, 1,
	    &plan)) != HF_OK)
		return rc;
	if (!found)
		rc = imp_create(run, db, &f, &plan);
	else if (plan.set_name || plan.set_desc || plan.set_cat ||
	    plan.set_price || plan.nmoves > 0)
		rc = imp_update(run, db, g, &f, &plan);
	if (rc == HF_OK)
		imp_count(run, &plan);
	return rc;
}

static int
imp_chunk_fn(struct db *db, void *arg)
{
	struct imp_run	*run = arg;
	struct svc_ctx	*ctx = run->ctx;
	size_t		 i;
	int		 rc;

	run->c_created = run->c_updated = run->c_unchanged = 0;
	run->c_changes = run->c_added = run->c_removed = 0;
	if ((rc = inv_locations(db, ctx)) != HF_OK)
		return rc;
	/* a retried chunk reads each product on its own */
	run->pre = NULL;
	if (run->attempt == 0 && (rc = imp_batch_read(run, db)) != HF_OK)
		return rc;
	for (i = run->g_from; i < run->g_to; i++)
		if ((rc = imp_apply_one(run, db, i)) != HF_OK) {
			run->failed = &run->groups[i];
			return rc;
		}
	if (run->c_created + run->c_updated == 0)
		return HF_OK;
	return svc_audit_text(db, ctx, "import.products", "import", 0, NULL,
	    arena_printf(ctx->arena, "{\"products\":%zu,\"created\":%lld,"
	    "\"updated\":%lld,\"stock_changes\":%lld,\"first_line\":%u}",
	    run->g_to - run->g_from, run->c_created, run->c_updated,
	    run->c_changes, (unsigned)run->groups[run->g_from].head->line));
}

/* Where and why a chunk failed, in the report (the request's arena). */
static void
imp_failed(struct imp_run *run, int rc)
{
	struct import_report	*rep = run->rep;
	struct svc_ctx		*ctx = run->ctx;
	const struct imp_ref	*r;

	if (run->failed == NULL)
		run->failed = &run->groups[run->g_from];
	r = run->fail_row != NULL ? run->fail_row : run->failed->head;
	rep->failed_line = r->line;
	rep->failed_sku = arena_strndup(run->keep, r->sku, r->sku_len);
	rep->failed_code = hf_err_code(rc);
	rep->failed_reason = arena_strdup(run->keep, run->fail_reason != NULL ?
	    run->fail_reason : ctx->message != NULL ? ctx->message :
	    hf_err_message(rc));
}

int
imp_apply_all(struct imp_run *run, size_t n)
{
	struct import_report	*rep = run->rep;
	struct svc_ctx		*ctx = run->ctx;
	int			 rc = HF_OK, attempt;

	rep->created = rep->updated = rep->unchanged = 0;
	rep->stock_changes = rep->units_added = rep->units_removed = 0;
	rep->chunks = (long long)((n + IMPORT_CHUNK - 1) / IMPORT_CHUNK);
	ctx->arena = &run->scratch;
	for (run->g_from = 0; run->g_from < n && rc == HF_OK;
	    run->g_from = run->g_to) {
		run->g_to = run->g_from + IMPORT_CHUNK < n ?
		    run->g_from + IMPORT_CHUNK : n;
		for (attempt = 0; attempt < IMP_ATTEMPTS; attempt++) {
			run->attempt = attempt;
			imp_scratch_reset(run);
			run->failed = NULL;
			run->fail_reason = NULL;
			run->fail_row = NULL;
			ctx->message = NULL;
			rc = svc_txn(ctx, imp_chunk_fn, run);
			/* a product made or a lock held by a racing writer */
			if (rc != HF_E_DUPLICATE && rc != HF_E_LOCK_TIMEOUT &&
			    rc != HF_E_DEADLOCK)
				break;
		}
		if (rc == HF_OK) {
			imp_report_add(run);
			rep->chunks_done++;
		}
	}
	if (rc != HF_OK)
		imp_failed(run, rc);
	ctx->arena = run->keep;
	imp_scratch_reset(run);
	if (rc == HF_OK)
		return HF_OK;
	log_warn(ctx->request_id, "import stopped at line %lld (%s): %s: %s",
	    rep->failed_line, rep->failed_sku, rep->failed_code,
	    rep->failed_reason);
	if (rep->chunks_done == 0 && rc == HF_E_SYS_UNAVAILABLE)
		return rc;
	return HF_E_IMP_PARTIAL;
}
