/*
 * stocktake_post.c: posting a stocktake (stocktakes.c has the rest).
 * Every counted product's stock row is locked in SKU order (case folded,
 * as every batch locks), with its place at the location; the stock at
 * the start is read again under that lock (a locking read of the ledger:
 * no earlier snapshot of the transaction can hide a row at or below the
 * mark); and counted - expected is added to the units at the location
 * now, one `adjust` row per line that differs (reason `stocktake <id>`),
 * the change carrying the stocktake so that it passes the freeze.
 * Nothing is written when a line would leave its place with fewer units
 * than it has reserved (STK_003, every such line named).
 *
 * A sheet may hold 10,000 lines: each line's rows are read into a
 * scratch arena emptied after the line, so the request's arena keeps
 * only the lines themselves. Of a product's places only the counted one
 * is locked and read: every place lock is taken under the product's
 * stock row lock, which the post holds, so no other order can meet it.
 *
 * Above stock.c, places.c and stocktakes.c (stk_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/stocktakes.h"
#include "holdfast/svc.h"
#include "inv_int.h"
#include "stk_int.h"

static int
cmp_lines(const void *a, const void *b)
{
	const struct stocktake_line	*x = a, *y = b;
	int				 c = hf_sku_cmp(x->sku, y->sku);

	if (c != 0)
		return c;
	return x->product_id < y->product_id ? -1 :
	    x->product_id > y->product_id;
}

/*
 * Locks line l's stock row and its place at the stocktake's location
 * (none yet: an empty one, which the first change inserts) into s, all
 * in the arena a. A product that is gone is an internal error.
 */
static int
line_lock(struct db *db, struct svc_ctx *ctx, struct arena *a,
    const struct stocktake *st, const struct stocktake_line *l,
    struct stock_row *s)
{
	struct db_param	 p[2];
	int		 rc, found;

	if ((rc = inv_stock_lock(db, a, NULL, l->product_id, s)) != HF_OK)
		return rc == HF_E_INV_NOT_FOUND ? HF_E_SYS_INTERNAL : rc;
	if ((s->places = arena_calloc(a, 2, sizeof(*s->places))) == NULL)
		return HF_E_SYS_INTERNAL;
	p[0] = DB_INT((long long)l->product_id);
	p[1] = DB_INT((long long)st->location_id);
	if ((rc = db_row(db, a, &db_sql_stocktake_place_lock, p, 2,
	    &s->places[0], &found)) != HF_OK)
		return rc;
	s->nplaces = 0;
	if (found) {
		s->places[0].location = st->location;
		s->nplaces = 1;
	}
	return inv_place(ctx, s, st->location_id) != NULL ? HF_OK :
	    HF_E_SYS_INTERNAL;
}

/*
 * Locks every line's rows in SKU order and sets its expected (at the
 * mark) and variance; STK_003 naming every line whose place would be
 * left with fewer units than it has reserved (requested: the units the
 * post would take off; available: those free there now).
 */
static int
post_check(struct db *db, struct svc_ctx *ctx, struct arena *a,
    const struct stocktake *st)
{
	struct stocktake_line	*l;
	struct stock_place	*pl;
	struct stock_row	 s;
	struct db_param		 p[3];
	size_t			 i, nbad = 0;
	int			 rc;

	for (i = 0; i < st->nlines; i++, arena_reset(a)) {
		l = &st->lines[i];
		if ((rc = line_lock(db, ctx, a, st, l, &s)) != HF_OK)
			return rc;
		p[0] = DB_INT((long long)l->product_id);
		p[1] = DB_INT((long long)st->location_id);
		p[2] = DB_INT((long long)st->start_ledger_id);
		l->expected = db_count_of(db, a,
		    &db_sql_stocktake_expected_lock, p, 3, &rc);
		if (rc != HF_OK)
			return rc;
		l->variance = l->counted - l->expected;
		pl = inv_place(ctx, &s, st->location_id);
		if (pl->on_hand + l->variance >= pl->reserved &&
		    s.on_hand + l->variance <= 2000000000LL)
			continue;
		if (nbad++ == 0)
			svc_details_clear(ctx);
		if (svc_detail_line(ctx, l->sku, -l->variance,
		    pl->on_hand - pl->reserved, NULL) != 0)
			return HF_E_SYS_INTERNAL;
	}
	if (nbad == 0)
		return HF_OK;
	ctx->message = arena_printf(ctx->arena, "stocktake %llu cannot post: "
	    "at %s the count would leave SKU %s with fewer units than are "
	    "reserved%s; release or commit them, or count again",
	    (unsigned long long)st->id, st->location, ctx->lines[0].sku,
	    nbad > 1 ? arena_printf(ctx->arena, " (and %zu more)", nbad - 1) :
	    "");
	svc_detail_str(ctx, "location", st->location);
	svc_detail_int(ctx, "stocktake_id", (long long)st->id);
	return HF_E_STK_RESERVED;
}

/*
 * Writes each line's adjust row (its rows locked again: the locks are
 * held, so this only reads them) and what the line applied; units found
 * go first to the SKU's waiting holds, as a restock's do.
 */
static int
post_apply(struct db *db, struct svc_ctx *ctx, struct arena *a,
    const struct stocktake *st)
{
	struct stocktake_line	*l;
	struct stock_row	 s;
	struct change		 c;
	struct db_param		 p[5];
	uint64_t		 lid;
	char			 ref[24];
	size_t			 i;
	int			 rc;

	snprintf(ref, sizeof(ref), "%llu", (unsigned long long)st->id);
	memset(&c, 0, sizeof(c));
	c.type = "adjust";
	c.ref_type = "stocktake";
	c.ref_id = ref;
	c.reason = arena_printf(ctx->arena, "stocktake %s", ref);
	c.location_id = st->location_id;
	c.stocktake_id = st->id;
	for (i = 0; i < st->nlines; i++, arena_reset(a)) {
		l = &st->lines[i];
		lid = 0;
		if (l->variance != 0) {
			if ((rc = line_lock(db, ctx, a, st, l, &s)) != HF_OK)
				return rc;
			/* the cache's list of touched SKUs outlives a */
			if (ctx->ntouched < HF_NITEMS(ctx->touched_pid))
				s.sku = arena_strdup(ctx->arena, s.sku);
			c.d_on = l->variance;
			if ((rc = inv_stock_change(db, ctx, &s, &c, &lid)) !=
			    HF_OK)
				return rc == HF_E_INV_INSUFFICIENT ?
				    HF_E_SYS_INTERNAL : rc;
			if (l->variance > 0 &&
			    (rc = inv_queue_pass(db, ctx, &s)) != HF_OK)
				return rc;
		}
		p[0] = DB_INT(l->expected);
		p[1] = DB_INT(l->variance);
		p[2] = lid != 0 ? DB_INT((long long)lid) : DB_NULL;
		p[3] = DB_INT((long long)st->id);
		p[4] = DB_INT((long long)l->product_id);
		if ((rc = db_exec(db, &db_sql_stocktake_line_post, p, 5, NULL,
		    NULL)) != HF_OK)
			return rc;
	}
	return HF_OK;
}

static int
post_run(struct db *db, struct stk_txn *t, struct arena *scratch)
{
	struct svc_ctx		*ctx = t->ctx;
	struct stocktake	 st;
	const struct location	*lo;
	struct db_param		 p[1] = { DB_INT((long long)t->id) };
	int			 rc;

	svc_details_clear(ctx);
	ctx->locs = NULL;	/* read afresh on every try of the txn */
	ctx->nlocs = 0;
	if ((rc = stocktake_lock_open(db, ctx, t->id, &st)) != HF_OK ||
	    (rc = inv_locations(db, ctx)) != HF_OK)
		return rc;
	if ((lo = inv_location_by_id(ctx, st.location_id)) == NULL)
		return HF_E_SYS_INTERNAL;
	st.location = lo->code;
	if (!lo->is_active) {
		svc_detail_str(ctx, "location", lo->code);
		return HF_E_LOC_INACTIVE;
	}
	if ((rc = db_rows(db, ctx->arena, &db_sql_stocktake_lines, p, 1,
	    &st.lines, &st.nlines)) != HF_OK)
		return rc;
	qsort(st.lines, st.nlines, sizeof(*st.lines), cmp_lines);
	/* ended and thawed first, so that units found can go to holds */
	if ((rc = post_check(db, ctx, scratch, &st)) != HF_OK ||
	    (rc = stocktake_end(db, ctx, &st, "posted")) != HF_OK ||
	    (rc = post_apply(db, ctx, scratch, &st)) != HF_OK)
		return rc;
	return stocktake_done(db, t, "stocktake.post", &st);
}

static int
post_fn(struct db *db, void *arg)
{
	struct arena	scratch;
	int		rc;

	arena_init(&scratch, 0);
	rc = post_run(db, arg, &scratch);
	arena_free(&scratch);
	return rc;
}

/*
 * Posts an open stocktake: one adjust row per line whose count differs
 * from the stock at the start, applied to the stock now; thaws the
 * location. STK_001 when not open, STK_003 (nothing written) when a
 * line would leave fewer units than are reserved.
 */
int
svc_stocktake_post(struct svc_ctx *ctx, uint64_t id, struct idem *idem,
    struct stocktake *out)
{
	struct stk_txn	t;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.idem = idem;
	t.out = out;
	return svc_txn(ctx, post_fn, &t);
}
