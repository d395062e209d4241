/*
 * xfer_receive.c: a transfer's receipts and its close
 * (POST /transfers/{id}/receive, /close).
 *
 * A receipt adds units at `to`, in full or short, one `transfer_in` row
 * per line naming the transfer; more than a line has in transit is
 * XFER_002 (nothing changes). The last unit received ends the transfer
 * (status received). Closing ends it with units still in transit: each is
 * returned to `from` (a `transfer_in` row there) or written off (the
 * line's written_off count and reason, and an audit row `transfer.close`
 * with the lines before and after; no ledger row: the units left `from`
 * when shipped, and nothing moves now). Only a transfer in transit takes
 * either (XFER_001). Units that arrive anywhere go to the product's hold
 * queue, as a restock's do; a hold's copy (transfers.hold_id) is first set
 * aside for that hold at its pickup branch (holds_arrived), and a hold
 * whose copy is closed short waits again (holds_copy_lost).
 *
 * Locks: the stock rows of the products concerned in SKU order, then the
 * transfer, its lines, then holds, so the lock order stays (product,
 * location) first. The transfer is read once without a lock for what to
 * lock; its lines never change product after it ships.
 */
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_transfers.h"
#include "holdfast/transfers.h"
#include "inv_int.h"
#include "lend_int.h"
#include "xfer_int.h"

struct recv_txn {
	struct svc_ctx			*ctx;
	uint64_t			 id;
	struct reserve_item		*lines;		/* receive: merged */
	size_t				 n;
	const struct transfer_close_req	*close;		/* close */
	struct idem			*idem;
	struct transfer			*out;
	struct lend_mail		 mail;
	/* set by xfer_open */
	struct stock_row		*rows;		/* locked, SKU order */
	size_t				 nrows;
	struct transfer			 tr;		/* locked */
	struct transfer_line		*tl;		/* locked */
	size_t				 ntl;
	const struct location		*from, *to;
};

static int
cmp_sku(const void *a, const void *b)
{
	return hf_sku_cmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Locks the stock rows of skus (n of them, sorted here), then transfer
 * t->id and its lines: HF_E_NOT_FOUND when there is no such transfer,
 * XFER_001 unless it is in transit.
 */
static int
xfer_open(struct db *db, struct recv_txn *t, const char **skus, size_t n)
{
	struct svc_ctx	*ctx = t->ctx;
	struct db_param	 p[1] = { DB_INT((long long)t->id) };
	size_t		 i;
	int		 rc, found;

	qsort(skus, n, sizeof(*skus), cmp_sku);
	if ((t->rows = arena_calloc(ctx->arena, n + 1, sizeof(*t->rows))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	t->nrows = n;
	for (i = 0; i < n; i++) {
		rc = inv_stock_lock(db, ctx->arena, skus[i], 0, &t->rows[i]);
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(ctx, skus[i]);
		if (rc != HF_OK)
			return rc;
	}
	if ((rc = db_row(db, ctx->arena, &db_sql_transfer_lock, p, 1, &t->tr,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_NOT_FOUND;
	if (strcmp(t->tr.status, "in_transit") != 0) {
		ctx->message = arena_printf(ctx->arena, "transfer %llu is %s",
		    (unsigned long long)t->id, t->tr.status);
		svc_details_clear(ctx);
		svc_detail_str(ctx, "status", t->tr.status);
		return HF_E_XFER_STATE;
	}
	if ((rc = inv_locations(db, ctx)) != HF_OK ||
	    (rc = db_rows(db, ctx->arena, &db_sql_transfer_lines_lock, p, 1,
	    &t->tl, &t->ntl)) != HF_OK)
		return rc;
	t->from = inv_location_by_id(ctx, t->tr.from_location_id);
	t->to = inv_location_by_id(ctx, t->tr.to_location_id);
	return t->from != NULL && t->to != NULL ? HF_OK : HF_E_SYS_INTERNAL;
}

/* The line of the transfer for product pid, or NULL. */
static struct transfer_line *
line_of(struct recv_txn *t, uint64_t pid)
{
	size_t	i;

	for (i = 0; i < t->ntl; i++)
		if (t->tl[i].product_id == pid)
			return &t->tl[i];
	return NULL;
}

/* The locked row of product pid, or NULL. */
static struct stock_row *
row_of(struct recv_txn *t, uint64_t pid)
{
	size_t	i;

	for (i = 0; i < t->nrows; i++)
		if (t->rows[i].product_id == pid)
			return &t->rows[i];
	return NULL;
}

/* XFER_002 from the lines in ctx (each: asked, in transit). */
static int
refuse_quantity(struct svc_ctx *ctx)
{
	ctx->message = arena_printf(ctx->arena, "more units than in transit "
	    "for SKU %s: %lld asked, %lld in transit%s", ctx->lines[0].sku,
	    ctx->lines[0].requested, ctx->lines[0].available,
	    ctx->nlines > 1 ? " (and more lines)" : "");
	return HF_E_XFER_QUANTITY;
}

/* The location l takes units now: active (LOC_004), not frozen (LOC_002). */
static int
location_takes(struct svc_ctx *ctx, const struct location *l)
{
	if (!l->is_active) {
		svc_details_clear(ctx);
		svc_detail_str(ctx, "location", l->code);
		return HF_E_LOC_INACTIVE;
	}
	return l->frozen_by != 0 ? inv_refuse_frozen(ctx, l) : HF_OK;
}

/* The end of every write: the transfer as it is now, and the key. */
static int
xfer_done(struct db *db, struct recv_txn *t)
{
	int	rc;

	if ((rc = xfer_load(db, t->ctx, t->id, t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/* --- receive ----------------------------------------------------------- */

/* qty units of the locked row s arrive at `to` (line l of the transfer). */
static int
arrive(struct db *db, struct recv_txn *t, struct stock_row *s,
    struct transfer_line *l, long long qty)
{
	struct svc_ctx	*ctx = t->ctx;
	struct db_param	 p[4];
	uint64_t	 n = 0;
	int		 rc, taken;

	p[0] = DB_INT(qty);
	p[1] = DB_INT((long long)t->id);
	p[2] = DB_INT((long long)l->product_id);
	p[3] = DB_INT(qty);
	if ((rc = db_exec(db, &db_sql_transfer_line_receive, p, 4, &n,
	    NULL)) != HF_OK)
		return rc;
	if (n != 1)
		return HF_E_DB;		/* checked under the same lock */
	l->in_transit -= qty;
	if ((rc = xfer_move_in(db, ctx, s, t->id, t->to, qty, arena_printf(
	    ctx->arena, "transfer from %s", t->from->code))) != HF_OK)
		return rc;
	/* a hold's copy is that hold's, at its pickup branch */
	if (t->tr.hold_id != HF_NULL_INT && (rc = holds_arrived(db, ctx, s,
	    (uint64_t)t->tr.hold_id, t->to, &t->mail, &taken)) != HF_OK)
		return rc;
	return holds_fill(db, ctx, s, &t->mail, NULL);
}

static int
receive_fn(struct db *db, void *arg)
{
	struct recv_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct transfer_line	*l;
	struct db_param		 p[3];
	const char		**skus;
	long long		 left = 0;
	size_t			 i;
	int			 rc;

	t->mail.n = 0;
	svc_details_clear(ctx);
	if ((skus = arena_calloc(ctx->arena, t->n + 1, sizeof(*skus))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < t->n; i++)
		skus[i] = t->lines[i].sku;
	if ((rc = xfer_open(db, t, skus, t->n)) != HF_OK)
		return rc;
	/* every line at fault at once, before anything moves */
	for (i = 0; i < t->nrows; i++) {
		l = line_of(t, t->rows[i].product_id);
		if (l != NULL && t->lines[i].quantity <= l->in_transit)
			continue;
		if (svc_detail_line(ctx, t->rows[i].sku, t->lines[i].quantity,
		    l != NULL ? l->in_transit : 0, NULL) != 0)
			return HF_E_SYS_INTERNAL;
	}
	if (ctx->nlines > 0)
		return refuse_quantity(ctx);
	if ((rc = location_takes(ctx, t->to)) != HF_OK)
		return rc;
	for (i = 0; i < t->nrows; i++)
		if ((rc = arrive(db, t, &t->rows[i], line_of(t,
		    t->rows[i].product_id), t->lines[i].quantity)) != HF_OK)
			return rc;
	for (i = 0; i < t->ntl; i++)
		left += t->tl[i].in_transit;
	p[0] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_transfer_received_at, p, 1, NULL,
	    NULL)) != HF_OK)
		return rc;
	if (left == 0) {
		p[0] = DB_STR("received");
		p[1] = DB_NULL;
		p[2] = DB_INT((long long)t->id);
		if ((rc = db_exec(db, &db_sql_transfer_end, p, 3, NULL,
		    NULL)) != HF_OK)
			return rc;
	}
	return xfer_done(db, t);
}

/*
 * Receives lines (merged here: one per SKU in any spelling) of transfer
 * id at its `to`: HF_E_NOT_FOUND, XFER_001 (not in transit), XFER_002
 * (more than a line has in transit, every such line named; a SKU not on
 * the transfer has 0), INV_001, LOC_002, LOC_004.
 */
int
svc_transfer_receive(struct svc_ctx *ctx, uint64_t id,
    const struct reserve_item *lines, size_t n, struct idem *idem,
    struct transfer *out)
{
	struct recv_txn	t;
	int		rc;

	memset(&t, 0, sizeof(t));
	if ((rc = inv_lines_merge(ctx, lines, n, &t.lines, &t.n)) != HF_OK)
		return rc;
	t.ctx = ctx;
	t.id = id;
	t.idem = idem;
	t.out = out;
	if ((rc = svc_txn(ctx, receive_fn, &t)) == HF_OK)
		lend_mail_deliver(ctx->app, &t.mail);
	return rc;
}

/* --- close ------------------------------------------------------------- */

/* What close does to each line of the transfer (t->tl order). */
struct close_plan {
	long long	 ret, wo;
	const char	*reason;	/* of the write-off */
};

static const struct hf_field line_fields[] = {
	DB_MAP_TRANSFER_LINE
};

/* The lines as JSON text for the audit log. */
static const char *
lines_text(struct arena *a, const struct transfer_line *l, size_t n)
{
	const char	*s = "[";
	size_t		 i;

	for (i = 0; i < n && s != NULL; i++)
		s = arena_printf(a, "%s%s%s", s, i > 0 ? "," : "",
		    hf_fields_text(a, line_fields, HF_NITEMS(line_fields),
		    &l[i]));
	return s != NULL ? arena_printf(a, "%s]", s) : NULL;
}

/*
 * Fills plan (one per line) from the request: its lines first, then the
 * rest by its action. REQ_010 for a write-off without a reason or units
 * left with no action; XFER_002 for more than a line has in transit.
 */
static int
close_plan(struct recv_txn *t, struct close_plan *plan)
{
	const struct transfer_close_req	*in = t->close;
	struct svc_ctx			*ctx = t->ctx;
	struct transfer_line		*l;
	long long			 rest;
	size_t				 i, j;

	for (i = 0; i < in->n; i++) {
		for (j = 0; j < t->ntl; j++)
			if (hf_sku_cmp(in->lines[i].sku, t->tl[j].sku) == 0)
				break;
		if (j == t->ntl) {
			if (svc_detail_line(ctx, in->lines[i].sku,
			    in->lines[i].quantity, 0, NULL) != 0)
				return HF_E_SYS_INTERNAL;
			continue;
		}
		if (in->lines[i].action == XFER_RETURN) {
			plan[j].ret += in->lines[i].quantity;
			continue;
		}
		plan[j].wo += in->lines[i].quantity;
		if (plan[j].reason == NULL)
			plan[j].reason = in->lines[i].reason != NULL ?
			    in->lines[i].reason : in->reason;
		if (plan[j].reason == NULL) {
			ctx->field = arena_printf(ctx->arena,
			    "lines[%zu].reason", i);
			ctx->reason = "a write-off needs a reason";
			return HF_E_REQ_FIELD;
		}
	}
	for (j = 0; j < t->ntl; j++) {
		l = &t->tl[j];
		if (plan[j].ret + plan[j].wo > l->in_transit &&
		    svc_detail_line(ctx, l->sku, plan[j].ret + plan[j].wo,
		    l->in_transit, NULL) != 0)
			return HF_E_SYS_INTERNAL;
	}
	if (ctx->nlines > 0)
		return refuse_quantity(ctx);
	for (j = 0; j < t->ntl; j++) {
		if ((rest = t->tl[j].in_transit - plan[j].ret - plan[j].wo) <=
		    0)
			continue;
		if (in->action == XFER_RETURN)
			plan[j].ret += rest;
		else if (in->action == XFER_WRITE_OFF && in->reason != NULL) {
			plan[j].wo += rest;
			if (plan[j].reason == NULL)
				plan[j].reason = in->reason;
		} else {
			ctx->field = in->action == XFER_NONE ? "action" :
			    "reason";
			ctx->reason = arena_printf(ctx->arena, "%lld unit%s of "
			    "SKU %s still in transit: %s", rest, rest == 1 ?
			    "" : "s", t->tl[j].sku, in->action == XFER_NONE ?
			    "say write_off or return" :
			    "a write-off needs a reason");
			return HF_E_REQ_FIELD;
		}
	}
	return HF_OK;
}

static int
close_fn(struct db *db, void *arg)
{
	struct recv_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct transfer		 seen;
	struct close_plan	*plan;
	struct stock_row	*s;
	struct db_param		 p[6];
	const char		**skus, *before;
	size_t			 i, nret = 0;
	uint64_t		 n;
	int			 rc;

	t->mail.n = 0;
	svc_details_clear(ctx);
	/* which rows to lock: every product of the transfer */
	if ((rc = xfer_load(db, ctx, t->id, &seen)) != HF_OK)
		return rc;
	if ((skus = arena_calloc(ctx->arena, seen.nlines + 1,
	    sizeof(*skus))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < seen.nlines; i++)
		skus[i] = seen.lines[i].sku;
	if ((rc = xfer_open(db, t, skus, seen.nlines)) != HF_OK)
		return rc;
	if ((plan = arena_calloc(ctx->arena, t->ntl + 1, sizeof(*plan))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	if ((rc = close_plan(t, plan)) != HF_OK)
		return rc;
	for (i = 0; i < t->ntl; i++)
		nret += plan[i].ret > 0;
	if (nret > 0 && (rc = location_takes(ctx, t->from)) != HF_OK)
		return rc;
	before = lines_text(ctx->arena, t->tl, t->ntl);
	for (i = 0; i < t->ntl; i++) {
		if (plan[i].ret + plan[i].wo == 0)
			continue;
		if ((s = row_of(t, t->tl[i].product_id)) == NULL)
			return HF_E_SYS_INTERNAL;
		p[0] = DB_INT(plan[i].ret);
		p[1] = DB_INT(plan[i].wo);
		p[2] = plan[i].wo > 0 ? DB_STR(plan[i].reason) : DB_NULL;
		p[3] = DB_INT((long long)t->id);
		p[4] = DB_INT((long long)t->tl[i].product_id);
		p[5] = DB_INT(plan[i].ret + plan[i].wo);
		n = 0;
		if ((rc = db_exec(db, &db_sql_transfer_line_close, p, 6, &n,
		    NULL)) != HF_OK)
			return rc;
		if (n != 1)
			return HF_E_DB;		/* checked under the lock */
		if (plan[i].ret > 0 && (rc = xfer_move_in(db, ctx, s, t->id,
		    t->from, plan[i].ret, arena_printf(ctx->arena,
		    "transfer returned from %s", t->to->code))) != HF_OK)
			return rc;
	}
	p[0] = DB_STR("closed");
	p[1] = DB_STR_OR_NULL(t->close->reason);
	p[2] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_transfer_end, p, 3, NULL, NULL)) !=
	    HF_OK)
		return rc;
	/* a hold whose copy never came waits again, first in line */
	if (t->tr.hold_id != HF_NULL_INT && (rc = holds_copy_lost(db, ctx,
	    (uint64_t)t->tr.hold_id)) != HF_OK)
		return rc;
	for (i = 0; i < t->nrows; i++)
		if ((rc = holds_fill(db, ctx, &t->rows[i], &t->mail, NULL)) !=
		    HF_OK)
			return rc;
	if ((rc = xfer_load(db, ctx, t->id, t->out)) != HF_OK ||
	    (rc = svc_audit_text(db, ctx, "transfer.close", "transfer", t->id,
	    before, lines_text(ctx->arena, t->out->lines,
	    t->out->nlines))) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Closes transfer id: in's lines first (returned to `from`, or written
 * off with their reason or in's), then every unit still in transit by
 * in->action. HF_E_NOT_FOUND, XFER_001, XFER_002, REQ_010 (a write-off
 * without a reason, units left with no action), INV_001, LOC_002 and
 * LOC_004 (`from` cannot take returned units).
 */
int
svc_transfer_close(struct svc_ctx *ctx, uint64_t id,
    const struct transfer_close_req *in, struct idem *idem,
    struct transfer *out)
{
	struct recv_txn	t;
	int		rc;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.close = in;
	t.idem = idem;
	t.out = out;
	if ((rc = svc_txn(ctx, close_fn, &t)) == HF_OK)
		lend_mail_deliver(ctx->app, &t.mail);
	return rc;
}
