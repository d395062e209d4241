/*
 * stocktake_post.c: posting a stocktake (stocktakes.c has the rest).
 * Every counted product's stock row is locked in SKU order (case folded,
 * as every batch locks), with its places; the stock at the start is read
 * again under that lock (a locking read of the ledger: no earlier
 * snapshot of the transaction can hide a row at or below the mark); and
 * counted - expected is added to the units at the location now, one
 * `adjust` row per line that differs (reason `stocktake <id>`), the
 * change carrying the stocktake so that it passes the freeze. Nothing is
 * written when a line would leave its place with fewer units than it has
 * reserved (STK_003, every such line named).
 *
 * Above stock.c and places.c, and stocktakes.c (stk_int.h).
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
 * Locks the stock row (and places) of every line in SKU order and sets
 * each line's expected (at the mark) and variance; STK_003 naming every
 * line whose place would be left with fewer units than it has reserved
 * (requested: the units the post would take off; available: those free
 * there now).
 */
static int
post_check(struct db *db, struct svc_ctx *ctx, const struct stocktake *st,
    struct stock_row *rows)
{
	struct stocktake_line	*l;
	struct stock_place	*pl;
	struct db_param		 p[3];
	long long		 after;
	size_t			 i, nbad = 0;
	int			 rc;

	for (i = 0; i < st->nlines; i++) {
		l = &st->lines[i];
		if ((rc = inv_stock_lock(db, ctx->arena, NULL, l->product_id,
		    &rows[i])) != HF_OK ||
		    (rc = inv_places_lock(db, ctx, &rows[i])) != HF_OK)
			return rc == HF_E_INV_NOT_FOUND ? HF_E_SYS_INTERNAL : rc;
		p[0] = DB_INT((long long)l->product_id);
		p[1] = DB_INT((long long)st->location_id);
		p[2] = DB_INT((long long)st->start_ledger_id);
		l->expected = db_count_of(db, ctx->arena,
		    &db_sql_stocktake_expected_lock, p, 3, &rc);
		if (rc != HF_OK)
			return rc;
		l->variance = l->counted - l->expected;
		if ((pl = inv_place(ctx, &rows[i], st->location_id)) == NULL)
			return HF_E_SYS_INTERNAL;
		after = pl->on_hand + l->variance;
		if (after >= pl->reserved &&
		    rows[i].on_hand + l->variance <= 2000000000LL)
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

static int
post_fn(struct db *db, void *arg)
{
	struct stk_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct stocktake	 st;
	const struct location	*lo;
	struct stocktake_line	*l;
	struct stock_row	*rows;
	struct change		 c;
	struct db_param		 p[5];
	struct db_param		 id1[1] = { DB_INT((long long)t->id) };
	uint64_t		 lid;
	char			 ref[24];
	size_t			 i;
	int			 rc;

	svc_details_clear(ctx);
	ctx->locs = NULL;	/* read afresh on every try of the transaction */
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
	if ((rc = db_rows(db, ctx->arena, &db_sql_stocktake_lines, id1, 1,
	    &st.lines, &st.nlines)) != HF_OK)
		return rc;
	qsort(st.lines, st.nlines, sizeof(*st.lines), cmp_lines);
	if ((rows = arena_calloc(ctx->arena, st.nlines + 1,
	    sizeof(*rows))) == NULL)
		return HF_E_SYS_INTERNAL;
	if ((rc = post_check(db, ctx, &st, rows)) != HF_OK)
		return rc;
	snprintf(ref, sizeof(ref), "%llu", (unsigned long long)t->id);
	memset(&c, 0, sizeof(c));
	c.type = "adjust";
	c.ref_type = "stocktake";
	c.ref_id = ref;
	c.reason = arena_printf(ctx->arena, "stocktake %s", ref);
	c.location_id = st.location_id;
	c.stocktake_id = t->id;
	for (i = 0; i < st.nlines; i++) {
		l = &st.lines[i];
		lid = 0;
		c.d_on = l->variance;
		if (l->variance != 0 && (rc = inv_stock_change(db, ctx,
		    &rows[i], &c, &lid)) != HF_OK)
			return rc == HF_E_INV_INSUFFICIENT ? HF_E_SYS_INTERNAL :
			    rc;
		p[0] = DB_INT(l->expected);
		p[1] = DB_INT(l->variance);
		p[2] = lid != 0 ? DB_INT((long long)lid) : DB_NULL;
		p[3] = DB_INT((long long)t->id);
		p[4] = DB_INT((long long)l->product_id);
		if ((rc = db_exec(db, &db_sql_stocktake_line_post, p, 5, NULL,
		    NULL)) != HF_OK)
			return rc;
	}
	if ((rc = stocktake_end(db, ctx, &st, "posted")) != HF_OK)
		return rc;
	/* units found go first to the SKU's waiting holds, as a restock's */
	for (i = 0; i < st.nlines; i++)
		if (st.lines[i].variance > 0 &&
		    (rc = inv_queue_pass(db, ctx, &rows[i])) != HF_OK)
			return rc;
	return stocktake_done(db, t, "stocktake.post", &st);
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
