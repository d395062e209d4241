/*
 * transfers.c: the /transfers services: ship units from one location to
 * another (POST /transfers), list and read transfers. Receipts and the
 * close are xfer_receive.c; the primitives xfer_ship.c.
 *
 * A transfer ships at once, all lines or none: each line's stock row is
 * locked in SKU order (lines of one SKU in any spelling summed into one),
 * the units must be free at `from` (what any taker may take there:
 * inv_takeable for the product, capped by what is free at the location),
 * else INV_002 names every short line; then one `transfer_out` row per
 * line at `from`, naming the transfer. Both ends must be active (LOC_004)
 * and not frozen for a stocktake (LOC_002), and differ (REQ_010).
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_transfers.h"
#include "holdfast/transfers.h"
#include "inv_int.h"
#include "xfer_int.h"

struct create_txn {
	struct svc_ctx		*ctx;
	const struct transfer_req *in;
	struct reserve_item	*lines;		/* merged, SKU order */
	size_t			 n;
	struct idem		*idem;
	struct transfer		*out;
};

/* Records line i short at `from`: what it asked, what is free there. */
static int
short_line(struct svc_ctx *ctx, const char *sku, long long want,
    long long here, const struct location *from)
{
	struct svc_line_place	*pl;
	struct svc_line		*ln;

	if (svc_detail_line(ctx, sku, want, here, NULL) != 0 ||
	    (pl = arena_calloc(ctx->arena, 1, sizeof(*pl))) == NULL)
		return HF_E_SYS_INTERNAL;
	ln = &ctx->lines[ctx->nlines - 1];
	pl->location = from->code;
	pl->available = ln->available;
	ln->places = pl;
	ln->nplaces = 1;
	return HF_OK;
}

static int
create_fn(struct db *db, void *arg)
{
	struct create_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	const struct location	*from, *to;
	struct stock_row	*rows;
	struct xfer_line	*ship;
	long long		 can, here;
	uint64_t		 id;
	size_t			 i, nshort = 0;
	int			 rc;

	svc_details_clear(ctx);
	if ((rc = inv_location_open(db, ctx, t->in->from, &from)) != HF_OK ||
	    (rc = inv_location_open(db, ctx, t->in->to, &to)) != HF_OK)
		return rc;
	if (from->id == to->id) {
		ctx->field = "to";
		ctx->reason = "must be another location than from";
		return HF_E_REQ_FIELD;
	}
	rows = arena_calloc(ctx->arena, t->n + 1, sizeof(*rows));
	ship = arena_calloc(ctx->arena, t->n + 1, sizeof(*ship));
	if (rows == NULL || ship == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < t->n; i++) {
		rc = inv_stock_lock(db, ctx->arena, t->lines[i].sku, 0,
		    &rows[i]);
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(ctx, t->lines[i].sku);
		if (rc != HF_OK ||
		    (rc = inv_takeable(db, ctx, &rows[i], t->lines[i].quantity,
		    &can)) != HF_OK ||
		    (rc = inv_places_lock(db, ctx, &rows[i])) != HF_OK)
			return rc;
		here = inv_place_free(ctx, &rows[i], from);
		if (here > can)
			here = can;
		if (here < t->lines[i].quantity) {
			if ((rc = short_line(ctx, rows[i].sku,
			    t->lines[i].quantity, here, from)) != HF_OK)
				return rc;
			nshort++;
		}
		ship[i].s = &rows[i];
		ship[i].qty = t->lines[i].quantity;
	}
	if (nshort > 0)
		return inv_refuse_short(ctx);
	if ((rc = xfer_ship(db, ctx, from, to, t->in->note, 0, ship, t->n,
	    &id)) != HF_OK ||
	    (rc = xfer_load(db, ctx, id, t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Ships in->lines from in->from to in->to as one transfer, all or none;
 * *out is the transfer with its lines. INV_001 (an unknown SKU), INV_002
 * (every short line, with what is free at `from`), LOC_001, LOC_002,
 * LOC_004, REQ_010 (from = to), INV_005 (one SKU's lines over
 * 1,000,000,000 units).
 */
int
svc_transfer_create(struct svc_ctx *ctx, const struct transfer_req *in,
    struct idem *idem, struct transfer *out)
{
	struct create_txn	t;
	int			rc;

	memset(&t, 0, sizeof(t));
	/* one line per SKU, however it is spelled, in lock order */
	if ((rc = inv_lines_merge(ctx, in->lines, in->n, &t.lines, &t.n)) !=
	    HF_OK)
		return rc;
	t.ctx = ctx;
	t.in = in;
	t.idem = idem;
	t.out = out;
	return svc_txn(ctx, create_fn, &t);
}

int
svc_transfer_get(struct svc_ctx *ctx, uint64_t id, struct transfer *out)
{
	return xfer_load(ctx->app->db, ctx, id, out);
}

/*
 * A page of transfers, newest first (without their lines), filtered by
 * status and by a location at either end (LOC_001 when unknown).
 */
int
svc_transfers_list(struct svc_ctx *ctx, const struct transfer_filter *f,
    struct transfer **out, size_t *n, long long *total)
{
	const struct location	*l = NULL;
	struct db_param		 p[4];
	int			 rc;

	if (f->location != NULL &&
	    (rc = inv_location_named(ctx->app->db, ctx, f->location, &l)) !=
	    HF_OK)
		return rc;
	p[0] = DB_OPT_STR(f->status);
	p[1] = DB_OPT_INT(l != NULL, l != NULL ? (long long)l->id : 0);
	p[2] = DB_INT(f->per_page);
	p[3] = DB_INT((f->page - 1) * f->per_page);
	*total = db_count_of(ctx->app->db, ctx->arena, &db_sql_transfers_count,
	    p, 2, &rc);
	if (rc != HF_OK)
		return rc;
	return db_rows(ctx->app->db, ctx->arena, &db_sql_transfers_list, p, 4,
	    out, n);
}
