/*
 * csv_plan.c: pass 3 of the CSV import (csv_import.c): each product of
 * the file against the database as it is. What differs: its catalog
 * fields, and on_hand at each location it names; and what cannot be
 * (fewer units than are reserved there, an inactive or frozen location).
 * A chunk's products are read in one trip (a range of SKUs). The real
 * run (csv_apply.c) plans each product again, under its lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "csv_int.h"

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
int
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
int
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
void
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
int
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
int
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
int
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
void
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
void
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

