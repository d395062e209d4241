/*
 * csv_apply.c: the CSV import against the database (csv_import.c reads
 * the file). For each product of the file, in SKU order: what differs
 * from the database (its catalog fields; on_hand at each location it
 * names), and, in a real run, the writes that make it so. An on_hand
 * that moves is ONE ledger row at that location, reason "import",
 * through the stock primitives (inv_stock_lock, inv_stock_change): an
 * existing product's an adjust, a new product's a restock. A product
 * whose fields and units already match is not locked and not written:
 * the same file twice writes nothing the second time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "csv_int.h"

#define IMP_ATTEMPTS	3	/* a chunk that met a racing writer */

/* One row whose on_hand differs from its place's (from: on hand now). */
struct imp_move {
	const struct imp_ref	*row;
	long long		 from;
};

/* What a product needs: its fields to set, its units to move. */
struct imp_plan {
	int			 exists, set_name, set_desc, set_cat,
				 set_price;
	uint64_t		 pid, cat_id;
	struct imp_move		*moves;
	size_t			 nmoves;
};

/* "id:on_hand:reserved,..." (db_sql_csv_import_product) into places. */
static int
imp_places_parse(struct arena *a, const char *text, struct stock_place **out,
    size_t *n)
{
	const char		*p;
	struct stock_place	*pl;
	size_t			 cap = 1;
	unsigned long long	 id;
	long long		 on, res;
	int			 used;

	*out = NULL;
	*n = 0;
	if (text == NULL || *text == '\0')
		return HF_OK;
	for (p = text; *p != '\0'; p++)
		cap += *p == ',';
	if ((pl = arena_calloc(a, cap, sizeof(*pl))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (p = text; *p != '\0' && *n < cap; p += used) {
		if (sscanf(p, "%llu:%lld:%lld%n", &id, &on, &res, &used) != 3)
			return HF_E_SYS_INTERNAL;
		pl[*n].location_id = id;
		pl[*n].on_hand = on;
		pl[*n].reserved = res;
		(*n)++;
		if (p[used] == ',')
			used++;
	}
	*out = pl;
	return HF_OK;
}

/*
 * The category a name means, as a product create would file it (the
 * unique name or slug): found, or made when create is set; found is 0
 * for a name no category has yet. Names seen are remembered.
 */
static int
imp_category(struct imp_run *run, struct db *db, const char *name,
    int create, uint64_t *id, int *found)
{
	struct svc_ctx		*ctx = run->ctx;
	struct category_row	 c;
	struct db_param		 p[2];
	size_t			 i;
	int			 rc;

	*id = 0;
	*found = 1;
	if (name == NULL)
		return HF_OK;
	for (i = 0; i < run->ncats; i++)
		if (strcmp(run->cats[i].name, name) == 0) {
			*id = run->cats[i].id;
			return HF_OK;
		}
	p[0] = DB_STR(inv_slugify(ctx->arena, name));
	p[1] = DB_STR(name);
	if ((rc = db_row(db, ctx->arena, &db_sql_category_find, p, 2, &c,
	    found)) != HF_OK)
		return rc;
	if (*found)
		*id = c.id;
	else if (create) {
		p[0] = DB_STR(name);
		p[1] = DB_STR(inv_slugify(ctx->arena, name));
		if ((rc = db_exec(db, &db_sql_category_upsert, p, 2, NULL,
		    id)) != HF_OK)
			return rc;
		*found = 1;
	} else
		return HF_OK;
	if (run->ncats < IMP_CATS && (run->cats[run->ncats].name =
	    arena_strdup(run->keep, name)) != NULL)
		run->cats[run->ncats++].id = *id;
	return HF_OK;
}

static int
imp_same_text(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/*
 * What product g needs against p (NULL: none yet) and its places.
 * A row that cannot move: a row error (pass 3), or with apply the plan's
 * why, HF_E_INV_CONFLICT returned.
 */
static int
imp_plan(struct imp_run *run, struct db *db, struct imp_group *g,
    const struct imp_fields *f, const struct csv_import_product *p,
    const struct stock_place *pl, size_t npl, int apply,
    struct imp_plan *plan)
{
	struct svc_ctx		*ctx = run->ctx;
	const struct location	*lo;
	const struct imp_ref	*r;
	const char		*why;
	long long		 on, res;
	size_t			 i, k;
	int			 rc, found;

	memset(plan, 0, sizeof(*plan));
	if ((plan->moves = arena_calloc(ctx->arena, g->n, sizeof(
	    *plan->moves))) == NULL)
		return HF_E_SYS_INTERNAL;
	if ((plan->exists = p != NULL)) {
		plan->pid = p->id;
		plan->set_name = strcmp(p->name, f->name) != 0;
		plan->set_desc = !imp_same_text(p->description,
		    f->description);
		plan->set_price = imp_money(p->price, strlen(p->price)) !=
		    f->price;
		if ((rc = imp_category(run, db, f->category, apply,
		    &plan->cat_id, &found)) != HF_OK)
			return rc;
		plan->set_cat = !found || plan->cat_id != p->category_id;
	}
	for (i = 0; i < g->n; i++) {
		r = &g->rows[i];
		if (r->bad || r->loc_id == 0)
			continue;
		for (k = 0, on = res = 0; k < npl; k++)
			if (pl[k].location_id == r->loc_id) {
				on = pl[k].on_hand;
				res = pl[k].reserved;
			}
		if (r->on_hand == on)
			continue;
		why = NULL;
		if ((lo = inv_location_by_id(ctx, r->loc_id)) == NULL)
			why = "the location is gone";
		else if (!lo->is_active)
			why = arena_printf(run->keep, "location %s is not "
			    "active (LOC_004): its units cannot change",
			    lo->code);
		else if (lo->frozen_by != 0)
			why = arena_printf(run->keep, "location %s is frozen "
			    "for stocktake %llu (LOC_002)", lo->code,
			    (unsigned long long)lo->frozen_by);
		else if (r->on_hand < res)
			why = arena_printf(run->keep, "on_hand %d is below "
			    "the %lld units reserved at %s", (int)r->on_hand,
			    res, lo->code);
		if (why != NULL && apply) {
			run->fail_reason = why;
			run->fail_row = r;
			return HF_E_INV_CONFLICT;
		}
		if (why != NULL) {
			imp_error(run, r->line, r->sku, r->sku_len,
			    r->on_hand < res ? "on_hand" : "location", why);
			continue;
		}
		plan->moves[plan->nmoves].row = r;
		plan->moves[plan->nmoves++].from = on;
	}
	return HF_OK;
}

/* The counts of a product's plan, into the chunk's (or pass 3's). */
static void
imp_count(struct imp_run *run, const struct imp_plan *plan)
{
	size_t		i;
	long long	d;

	if (!plan->exists)
		run->c_created++;
	else if (plan->set_name || plan->set_desc || plan->set_cat ||
	    plan->set_price || plan->nmoves > 0)
		run->c_updated++;
	else
		run->c_unchanged++;
	run->c_changes += (long long)plan->nmoves;
	for (i = 0; i < plan->nmoves; i++) {
		d = plan->moves[i].row->on_hand - plan->moves[i].from;
		if (d > 0)
			run->c_added += d;
		else
			run->c_removed -= d;
	}
}

/* The product as it is (no lock), and its places; found 0 if none. */
static int
imp_read(struct imp_run *run, struct db *db, const char *sku,
    struct csv_import_product *p, int *found, struct stock_place **pl,
    size_t *npl)
{
	struct db_param	q[1] = { DB_STR(sku) };
	int		rc;

	*pl = NULL;
	*npl = 0;
	if ((rc = db_row(db, run->ctx->arena, &db_sql_csv_import_product, q,
	    1, p, found)) != HF_OK || !*found)
		return rc;
	return imp_places_parse(run->ctx->arena, p->places, pl, npl);
}

/*
 * The products of groups [g_from, g_to) as they are, in one trip: the
 * range of their SKUs in SKU order, merged with the groups (sorted the
 * same way). run->pre[i] is group g_from + i's product, or NULL when it
 * has none; run->pre_known[i] is 0 past the rows the LIMIT let through
 * (read on its own then).
 */
static int
imp_batch_read(struct imp_run *run, struct db *db)
{
	struct csv_import_product	*rows;
	struct imp_ref			*a, *b;
	struct db_param			 p[3];
	size_t				 n = run->g_to - run->g_from, i, k = 0;
	size_t				 nrows, limit = n * 4;
	int				 rc, c = 1;

	run->pre = arena_calloc(run->ctx->arena, n, sizeof(*run->pre));
	run->pre_known = arena_calloc(run->ctx->arena, n, 1);
	if (run->pre == NULL || run->pre_known == NULL)
		return HF_E_SYS_INTERNAL;
	a = run->groups[run->g_from].head;
	b = run->groups[run->g_to - 1].head;
	p[0] = DB_STRN(a->sku, a->sku_len);
	p[1] = DB_STRN(b->sku, b->sku_len);
	p[2] = DB_INT((long long)limit);
	if ((rc = db_rows(db, run->ctx->arena, &db_sql_csv_import_range, p, 3,
	    &rows, &nrows)) != HF_OK)
		return rc;
	for (i = 0; i < n; i++) {
		a = run->groups[run->g_from + i].head;
		while (k < nrows && (c = imp_sku_cmp(rows[k].sku,
		    strlen(rows[k].sku), a->sku, a->sku_len)) < 0)
			k++;
		if (k < nrows && c == 0)
			run->pre[i] = &rows[k];
		run->pre_known[i] = k < nrows || nrows < limit;
	}
	return HF_OK;
}

/* Group i's product: from the chunk's read, or on its own. */
static int
imp_read_group(struct imp_run *run, struct db *db, size_t i,
    const char *sku, struct csv_import_product *p, int *found,
    struct stock_place **pl, size_t *npl)
{
	size_t	k = i - run->g_from;

	if (run->pre == NULL || !run->pre_known[k])
		return imp_read(run, db, sku, p, found, pl, npl);
	*found = run->pre[k] != NULL;
	*pl = NULL;
	*npl = 0;
	if (!*found)
		return HF_OK;
	*p = *run->pre[k];
	return imp_places_parse(run->ctx->arena, p->places, pl, npl);
}

/* Pass 3 for one product: what a real run would do, and what it cannot. */
static int
imp_check_one(struct imp_run *run, struct db *db, size_t gi)
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
	    (rc = imp_plan(run, db, g, &f, found ? &p : NULL, pl, npl, 0,
	    &plan)) != HF_OK)
		return rc;
	imp_count(run, &plan);
	return HF_OK;
}

/* The chunk's counts into the report. */
static void
imp_report_add(struct imp_run *run)
{
	struct import_report	*rep = run->rep;

	rep->created += run->c_created;
	rep->updated += run->c_updated;
	rep->unchanged += run->c_unchanged;
	rep->stock_changes += run->c_changes;
	rep->units_added += run->c_added;
	rep->units_removed += run->c_removed;
	run->c_created = run->c_updated = run->c_unchanged = 0;
	run->c_changes = run->c_added = run->c_removed = 0;
}

/* The scratch arena emptied, and what pointed into it forgotten. */
static void
imp_scratch_reset(struct imp_run *run)
{
	arena_reset(&run->scratch);
	run->ctx->locs = NULL;
	run->ctx->nlocs = 0;
}

int
imp_check_all(struct imp_run *run, size_t n)
{
	struct db	*db = run->ctx->app->db;
	size_t		 i;
	int		 rc = HF_OK;

	run->ctx->arena = &run->scratch;
	imp_scratch_reset(run);
	for (i = 0; i < n && rc == HF_OK; i++) {
		if (i % IMPORT_CHUNK == 0) {
			imp_scratch_reset(run);
			run->g_from = i;
			run->g_to = i + IMPORT_CHUNK < n ? i + IMPORT_CHUNK : n;
			if ((rc = inv_locations(db, run->ctx)) != HF_OK ||
			    (rc = imp_batch_read(run, db)) != HF_OK)
				break;
		}
		rc = imp_check_one(run, db, i);
	}
	run->pre = NULL;
	imp_report_add(run);
	run->ctx->arena = run->keep;
	imp_scratch_reset(run);
	return rc;
}

/* --- the real run ------------------------------------------------------ */

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
	svc_touch(ctx, pid, NULL);
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
		svc_touch(ctx, plan->pid, s.sku);
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
