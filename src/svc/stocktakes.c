/*
 * stocktakes.c: counting one location (issue 17, item 4). A stocktake
 * starts with the largest ledger id (its mark): what was at the location
 * "when the count started" is, per product, the on_hand_after of its
 * last ledger row there at or below the mark. Counts are entered as one
 * sheet (replacing the last); posting locks every counted product's
 * stock row (SKU order, as every batch does), recomputes what was there
 * at the mark, and adds counted - expected to what is there now, one
 * `adjust` row per line that differs: a unit that moved between the
 * start and the post moved on top of the count, so none is lost. A post
 * that would leave a place with fewer units than it has reserved is
 * refused whole (STK_003, every such line named). Products not counted
 * are left alone. A stocktake may freeze its location (frozen_by):
 * inv_stock_change then refuses every change there but a release and
 * this post, until the post or a cancel thaws it.
 *
 * This file: start, the count sheet, cancel, reads, and what the post
 * (stocktake_post.c) shares with them (stk_int.h). Above places.c; below
 * stocktake_post.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/stocktakes.h"
#include "holdfast/svc.h"
#include "inv_int.h"
#include "stk_int.h"

/* What the audit log keeps of a stocktake. */
static const struct hf_field stocktake_audit_fields[] = {
	HF_FIELD(struct stocktake, location, HF_K_STR),
	HF_FIELD(struct stocktake, status, HF_K_STR),
	HF_FIELD(struct stocktake, freeze, HF_K_BOOL),
	HF_FIELD(struct stocktake, start_ledger_id, HF_K_U64),
	HF_FIELD(struct stocktake, line_count, HF_K_INT),
};

static const char *
stocktake_audit(struct arena *a, const struct stocktake *t)
{
	return hf_fields_text(a, stocktake_audit_fields,
	    HF_NITEMS(stocktake_audit_fields), t);
}

static int
not_found(struct svc_ctx *ctx, uint64_t id)
{
	ctx->message = arena_printf(ctx->arena, "stocktake %llu not found",
	    (unsigned long long)id);
	svc_details_clear(ctx);
	svc_detail_int(ctx, "stocktake_id", (long long)id);
	return HF_E_NOT_FOUND;
}

/* Stocktake id into out, with its lines when lines is set; 404 if none. */
int
stocktake_read(struct db *db, struct svc_ctx *ctx, uint64_t id, int lines,
    struct stocktake *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, ctx->arena, &db_sql_stocktake_by_id, p, 1, out,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return not_found(ctx, id);
	if (!lines)
		return HF_OK;
	return db_rows(db, ctx->arena, &db_sql_stocktake_lines, p, 1,
	    &out->lines, &out->nlines);
}

/* Locks stocktake id, which must be open: 404, or STK_001 naming it. */
int
stocktake_lock_open(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct stocktake *t)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, ctx->arena, &db_sql_stocktake_lock_id, p, 1, t,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return not_found(ctx, id);
	if (strcmp(t->status, "open") == 0)
		return HF_OK;
	ctx->message = arena_printf(ctx->arena, "stocktake %llu is %s, not "
	    "open", (unsigned long long)id, t->status);
	svc_details_clear(ctx);
	svc_detail_int(ctx, "stocktake_id", (long long)id);
	svc_detail_str(ctx, "status", t->status);
	return HF_E_STK_STATE;
}

/* STK_002: the location has the open stocktake open_id already. */
static int
location_busy(struct svc_ctx *ctx, const char *code, long long open_id)
{
	ctx->message = arena_printf(ctx->arena, "location %s already has an "
	    "open stocktake (%lld): post or cancel it first", code, open_id);
	svc_details_clear(ctx);
	svc_detail_str(ctx, "location", code);
	svc_detail_int(ctx, "stocktake_id", open_id);
	return HF_E_STK_OPEN;
}

/* Ends a write: the audit row, the answer as stored, the idempotent reply. */
int
stocktake_done(struct db *db, struct stk_txn *t, const char *action,
    const struct stocktake *old)
{
	struct svc_ctx		*ctx = t->ctx;
	struct stocktake	 was;
	int			 rc;

	if ((rc = stocktake_read(db, ctx, t->id, 1, t->out)) != HF_OK)
		return rc;
	if (old != NULL) {
		was = *old;	/* read locked, without its location's code */
		was.location = t->out->location;
	}
	if ((rc = svc_audit_text(db, ctx, action, "stocktake", t->id,
	    old != NULL ? stocktake_audit(ctx->arena, &was) : NULL,
	    stocktake_audit(ctx->arena, t->out))) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/* --- start ------------------------------------------------------------ */

static int
start_fn(struct db *db, void *arg)
{
	struct stk_txn			*t = arg;
	struct svc_ctx			*ctx = t->ctx;
	const struct stocktake_new	*in = t->in;
	struct location			 lo;
	struct db_param			 p[5];
	long long			 open, mark;
	int				 rc, found;

	svc_details_clear(ctx);
	p[0] = DB_STR(in->location);
	if ((rc = db_row(db, ctx->arena, &db_sql_location_lock_code, p, 1,
	    &lo, &found)) != HF_OK)
		return rc;
	if (!found) {
		ctx->message = arena_printf(ctx->arena, "location %s not "
		    "found", in->location);
		svc_detail_str(ctx, "location", in->location);
		return HF_E_LOC_NOT_FOUND;
	}
	if (!lo.is_active) {
		svc_detail_str(ctx, "location", lo.code);
		return HF_E_LOC_INACTIVE;
	}
	/* the location's row lock orders two starts: the second sees one */
	p[0] = DB_INT((long long)lo.id);
	open = db_count_of(db, ctx->arena, &db_sql_stocktake_open_at, p, 1,
	    &rc);
	if (rc != HF_OK)
		return rc;
	if (open > 0)
		return location_busy(ctx, lo.code, open);
	mark = db_count_of(db, ctx->arena, &db_sql_stocktake_mark, NULL, 0,
	    &rc);
	if (rc != HF_OK)
		return rc;
	p[0] = DB_INT((long long)lo.id);
	p[1] = DB_INT(in->freeze != 0);
	p[2] = DB_INT(mark);
	p[3] = DB_STR_OR_NULL(in->note);
	p[4] = DB_STR(ctx->who->actor);
	rc = db_exec(db, &db_sql_stocktake_insert, p, 5, NULL, &t->id);
	if (rc == HF_E_DUPLICATE)	/* uq_stocktakes_open */
		return location_busy(ctx, lo.code, 0);
	if (rc != HF_OK)
		return rc;
	if (in->freeze) {
		p[0] = DB_INT((long long)t->id);
		p[1] = DB_INT((long long)lo.id);
		if ((rc = db_exec(db, &db_sql_location_freeze, p, 2, NULL,
		    NULL)) != HF_OK)
			return rc;
		ctx->nshared = 0;	/* read it again (places.c) */
	}
	return stocktake_done(db, t, "stocktake.start", NULL);
}

/*
 * Starts counting a location (active: LOC_004; at most one open
 * stocktake each: STK_002), at the ledger's mark now; freezes it when
 * asked.
 */
int
svc_stocktake_start(struct svc_ctx *ctx, const struct stocktake_new *in,
    struct idem *idem, struct stocktake *out)
{
	struct stk_txn	t;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.in = in;
	t.idem = idem;
	t.out = out;
	return db_txn(ctx->app->db, start_fn, &t);
}

/* --- counts ----------------------------------------------------------- */

struct counted {
	uint64_t	 pid;
	size_t		 line;
};

static int
cmp_counted(const void *a, const void *b)
{
	const struct counted	*x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* REQ_010 naming field of line i (its index in the caller's array). */
static int
bad_line(struct svc_ctx *ctx, size_t i, const char *field, const char *why)
{
	svc_details_clear(ctx);
	ctx->field = arena_printf(ctx->arena, "lines[%zu].%s", i, field);
	ctx->reason = why;
	return HF_E_REQ_FIELD;
}

/*
 * The product of each count line into prods (unknown ones: INV_001
 * naming every one), each product once (REQ_010 naming the line that
 * repeats one, whatever its spelling).
 */
static int
counts_resolve(struct db *db, struct svc_ctx *ctx,
    const struct stocktake_count *c, size_t n,
    struct stocktake_product *prods)
{
	struct counted	*by;
	struct db_param	 p[1];
	size_t		 i, nbad = 0;
	int		 rc, found;

	for (i = 0; i < n; i++) {
		if (c[i].sku == NULL || !hf_sku_valid(c[i].sku,
		    strlen(c[i].sku)))
			return bad_line(ctx, i, "sku", HF_SKU_GRAMMAR);
		if (c[i].counted < 0 || c[i].counted > STOCKTAKE_COUNT_MAX) {
			bad_line(ctx, i, "counted", "from 0 to 1000000000");
			return HF_E_INV_PARAM;
		}
	}
	for (i = 0; i < n; i++) {
		p[0] = DB_STR(c[i].sku);
		if ((rc = db_row(db, ctx->arena, &db_sql_stocktake_product, p,
		    1, &prods[i], &found)) != HF_OK)
			return rc;
		if (found)
			continue;
		if (nbad++ == 0)
			svc_details_clear(ctx);
		if (svc_detail_line(ctx, c[i].sku, 0, 0, "not_found") != 0)
			return HF_E_SYS_INTERNAL;
	}
	if (nbad > 0) {
		ctx->message = arena_printf(ctx->arena, "SKU %s not found%s",
		    ctx->lines[0].sku, nbad > 1 ? arena_printf(ctx->arena,
		    " (and %zu more)", nbad - 1) : "");
		return HF_E_INV_NOT_FOUND;
	}
	if ((by = arena_calloc(ctx->arena, n + 1, sizeof(*by))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < n; i++) {
		by[i].pid = prods[i].id;
		by[i].line = i;
	}
	qsort(by, n, sizeof(*by), cmp_counted);
	for (i = 1; i < n; i++)
		if (by[i].pid == by[i - 1].pid)
			return bad_line(ctx, by[i].line, "sku", arena_printf(
			    ctx->arena, "SKU %s is counted on lines[%zu] "
			    "already (an SKU is one product however its case "
			    "is spelled): one line per SKU",
			    prods[by[i].line].sku, by[i - 1].line));
	return HF_OK;
}

static int
counts_fn(struct db *db, void *arg)
{
	struct stk_txn			*t = arg;
	struct svc_ctx			*ctx = t->ctx;
	struct stocktake		 st;
	struct stocktake_product	*prods;
	struct db_param			 p[6];
	long long			 expected;
	size_t				 i;
	int				 rc;

	svc_details_clear(ctx);
	if ((rc = stocktake_lock_open(db, ctx, t->id, &st)) != HF_OK)
		return rc;
	prods = arena_calloc(ctx->arena, t->ncounts + 1, sizeof(*prods));
	if (prods == NULL)
		return HF_E_SYS_INTERNAL;
	if ((rc = counts_resolve(db, ctx, t->counts, t->ncounts, prods)) !=
	    HF_OK)
		return rc;
	p[0] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_stocktake_lines_clear, p, 1, NULL,
	    NULL)) != HF_OK)
		return rc;
	for (i = 0; i < t->ncounts; i++) {
		/* for the variance review; the post computes it again */
		p[0] = DB_INT((long long)prods[i].id);
		p[1] = DB_INT((long long)st.location_id);
		p[2] = DB_INT((long long)st.start_ledger_id);
		expected = db_count_of(db, ctx->arena,
		    &db_sql_stocktake_expected, p, 3, &rc);
		if (rc != HF_OK)
			return rc;
		p[0] = DB_INT((long long)t->id);
		p[1] = DB_INT((long long)prods[i].id);
		p[2] = DB_STR(prods[i].sku);
		p[3] = DB_INT(t->counts[i].counted);
		p[4] = DB_INT(expected);
		p[5] = DB_INT(t->counts[i].counted - expected);
		if ((rc = db_exec(db, &db_sql_stocktake_line_insert, p, 6,
		    NULL, NULL)) != HF_OK)
			return rc;
	}
	return stocktake_done(db, t, "stocktake.counts", &st);
}

int
svc_stocktake_counts(struct svc_ctx *ctx, uint64_t id,
    const struct stocktake_count *counts, size_t n, struct idem *idem,
    struct stocktake *out)
{
	struct stk_txn	t;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.counts = counts;
	t.ncounts = n;
	t.idem = idem;
	t.out = out;
	return db_txn(ctx->app->db, counts_fn, &t);
}

/* --- end and cancel ---------------------------------------------------- */

/* Ends the locked open stocktake st as status; thaws what it froze. */
int
stocktake_end(struct db *db, struct svc_ctx *ctx, const struct stocktake *st,
    const char *status)
{
	struct db_param	p[5];
	uint64_t	n = 0;
	size_t		i;
	int		rc;

	p[0] = p[1] = p[2] = DB_STR(status);
	p[3] = DB_STR(ctx->who->actor);
	p[4] = DB_INT((long long)st->id);
	if ((rc = db_exec(db, &db_sql_stocktake_end, p, 5, &n, NULL)) != HF_OK)
		return rc;
	if (n != 1)
		return HF_E_SYS_INTERNAL;	/* locked open: cannot be */
	if (!st->freeze)
		return HF_OK;
	p[0] = DB_NULL;
	p[1] = DB_INT((long long)st->location_id);
	if ((rc = db_exec(db, &db_sql_location_freeze, p, 2, NULL, NULL)) !=
	    HF_OK)
		return rc;
	/* what this request's later changes see of it */
	ctx->nshared = 0;
	for (i = 0; i < ctx->nlocs; i++)
		if (ctx->locs[i].id == st->location_id)
			ctx->locs[i].frozen_by = 0;
	return HF_OK;
}

static int
cancel_fn(struct db *db, void *arg)
{
	struct stk_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct stocktake	 st;
	int			 rc;

	svc_details_clear(ctx);
	if ((rc = stocktake_lock_open(db, ctx, t->id, &st)) != HF_OK ||
	    (rc = stocktake_end(db, ctx, &st, "cancelled")) != HF_OK)
		return rc;
	return stocktake_done(db, t, "stocktake.cancel", &st);
}

/* Ends an open stocktake without moving a unit, and thaws its location. */
int
svc_stocktake_cancel(struct svc_ctx *ctx, uint64_t id, struct idem *idem,
    struct stocktake *out)
{
	struct stk_txn	t;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.idem = idem;
	t.out = out;
	return db_txn(ctx->app->db, cancel_fn, &t);
}

/* --- reads ------------------------------------------------------------ */

int
svc_stocktake_get(struct svc_ctx *ctx, uint64_t id, struct stocktake *out)
{
	return stocktake_read(ctx->app->db, ctx, id, 1, out);
}

int
svc_stocktakes_list(struct svc_ctx *ctx, const struct stocktake_filter *f,
    struct stocktake **out, size_t *n, long long *total)
{
	const struct location	*l = NULL;
	struct db_param		 p[4];
	int			 rc;

	if (f->location != NULL && (rc = inv_location_named(ctx->app->db, ctx,
	    f->location, &l)) != HF_OK) {
		ctx->message = arena_printf(ctx->arena, "location %s not "
		    "found", f->location);
		return rc;
	}
	p[0] = DB_OPT_INT(l != NULL, l != NULL ? (long long)l->id : 0);
	p[1] = DB_OPT_STR(f->status);
	p[2] = DB_INT(f->per_page);
	p[3] = DB_INT((f->page - 1) * f->per_page);
	*total = db_count_of(ctx->app->db, ctx->arena,
	    &db_sql_stocktakes_count, p, 2, &rc);
	if (rc != HF_OK)
		return rc;
	return db_rows(ctx->app->db, ctx->arena, &db_sql_stocktakes_list, p, 4,
	    out, n);
}
