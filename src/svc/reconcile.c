/*
 * reconcile.c: invariants 1 to 4 of design.md for one SKU (GET
 * /stock/{sku}/reconcile, holdfast-admin reconcile):
 *
 *   1. 0 <= reserved <= on_hand
 *   2. on_hand and reserved are the sums of the SKU's ledger deltas
 *   3. reserved is the sum of its active reservations
 *   4. every ended reservation has exactly one ending row (deduct or
 *      release) in the ledger, an active one none
 *
 * and, per location (009_locations.sql), the same 1 to 3 on each of the
 * product's places, and that the product's on_hand and reserved are the
 * sums of its places'; and (6, 010_transfers.sql) that every unit a
 * transfer shipped is accounted for: the product's transfer_out units are
 * its transfer lines' received + returned + written off + in transit, its
 * transfer_in units their received + returned, each line's ledger rows
 * naming its transfer agree with it, and no ended transfer has units in
 * transit.
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_transfers.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* 3 checks of one row each, at most 20 endings (the SQL's LIMIT), 2
 * sums; then 4 per location */
#define MISMATCH_MAX	26
#define MISMATCH_PER_PLACE	4
/* check 6: 3 sums, at most 20 lines (the SQL's LIMIT) */
#define MISMATCH_XFER	23

static void
mismatch(struct reconcile_report *rep, const char *invariant,
    long long expected, long long actual, const char *detail)
{
	struct reconcile_mismatch	*m;

	if (rep->n >= rep->cap)
		return;
	m = &rep->mismatches[rep->n++];
	m->invariant = invariant;
	m->expected = expected;
	m->actual = actual;
	m->detail = detail;
}

/* The per-location checks of the locked row s over its places pl. */
static int
reconcile_places(struct reconcile_report *rep, struct arena *a,
    const struct stock_row *s, const struct place_sums *pl, size_t n)
{
	long long	on = 0, res = 0;
	const char	*at;
	size_t		i;

	for (i = 0; i < n; i++) {
		on += pl[i].on_hand;
		res += pl[i].reserved;
		at = arena_printf(a, "location %s", pl[i].location);
		if (pl[i].reserved < 0 || pl[i].reserved > pl[i].on_hand)
			mismatch(rep, "1: 0 <= reserved <= on_hand at each "
			    "location", pl[i].on_hand, pl[i].reserved, at);
		if (pl[i].ledger_on_hand != pl[i].on_hand)
			mismatch(rep, "2: on_hand at a location = sum of its "
			    "ledger on_hand_delta", pl[i].ledger_on_hand,
			    pl[i].on_hand, at);
		if (pl[i].ledger_reserved != pl[i].reserved)
			mismatch(rep, "2: reserved at a location = sum of its "
			    "ledger reserved_delta", pl[i].ledger_reserved,
			    pl[i].reserved, at);
		if (pl[i].active != pl[i].reserved)
			mismatch(rep, "3: reserved at a location = sum of its "
			    "active reservations", pl[i].active,
			    pl[i].reserved, at);
	}
	if (on != s->on_hand)
		mismatch(rep, "5: on_hand = sum over locations", on,
		    s->on_hand, "stock.on_hand");
	if (res != s->reserved)
		mismatch(rep, "5: reserved = sum over locations", res,
		    s->reserved, "stock.reserved");
	return HF_OK;
}

/*
 * Check 6: the units product pid's transfers shipped, from its transfer
 * lines and from its ledger (transfer_out / transfer_in rows), and each
 * line whose ledger rows naming its transfer disagree with it.
 */
static int
reconcile_transfers(struct db *db, struct arena *a,
    struct reconcile_report *rep, uint64_t pid)
{
	struct db_param			 p[3];
	struct transfer_sums		 ts;
	struct transfer_line_check	*lc;
	size_t				 i, n;
	int				 rc, found;

	p[0] = p[1] = p[2] = DB_INT((long long)pid);
	if ((rc = db_row(db, a, &db_sql_reconcile_transfers, p, 3, &ts,
	    &found)) != HF_OK)
		return rc;
	if (ts.ledger_out != ts.received + ts.returned + ts.written_off +
	    ts.in_transit)
		mismatch(rep, "6: transfer_out units = received + returned + "
		    "written off + in transit", ts.ledger_out, ts.received +
		    ts.returned + ts.written_off + ts.in_transit,
		    arena_printf(a, "transfer lines: %lld shipped, %lld "
		    "received, %lld returned, %lld written off, %lld in "
		    "transit", ts.quantity, ts.received, ts.returned,
		    ts.written_off, ts.in_transit));
	if (ts.ledger_in != ts.received + ts.returned)
		mismatch(rep, "6: transfer_in units = received + returned",
		    ts.ledger_in, ts.received + ts.returned,
		    "transfer lines");
	if (ts.ended_in_transit != 0)
		mismatch(rep, "6: an ended transfer has nothing in transit", 0,
		    ts.ended_in_transit, "transfer lines");
	if ((rc = db_rows(db, a, &db_sql_reconcile_transfer_lines, p, 1, &lc,
	    &n)) != HF_OK)
		return rc;
	for (i = 0; i < n; i++)
		mismatch(rep, "6: a transfer line = its ledger rows",
		    lc[i].quantity + lc[i].received + lc[i].returned,
		    lc[i].ledger_out + lc[i].ledger_in_to +
		    lc[i].ledger_in_from, arena_printf(a, "transfer %llu (%s): "
		    "shipped %lld, out %lld; received %lld, in %lld; returned "
		    "%lld, back %lld; in transit %lld",
		    (unsigned long long)lc[i].transfer_id, lc[i].status,
		    lc[i].quantity, lc[i].ledger_out, lc[i].received,
		    lc[i].ledger_in_to, lc[i].returned, lc[i].ledger_in_from,
		    lc[i].in_transit));
	return HF_OK;
}

struct reconcile_txn {
	struct svc_ctx		*ctx;
	const char		*sku;
	struct reconcile_report	*out;
};

/* Under a lock of the stock row, so no write moves it in between. */
static int
reconcile_fn(struct db *db, void *arg)
{
	struct reconcile_txn		*t = arg;
	struct reconcile_report		*rep = t->out;
	struct arena			*a = t->ctx->arena;
	struct stock_row		 s;
	struct ledger_sums		 sums;
	struct reservation_endings	*e;
	struct place_sums		*pl;
	struct db_param			 p[1], pp[4];
	long long			 active;
	size_t				 i, ne, npl;
	int				 rc, found;

	if ((rc = inv_stock_lock(db, a, t->sku, 0, &s)) != HF_OK) {
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(t->ctx, t->sku);
		return rc;
	}
	rep->sku = s.sku;
	rep->n = 0;
	p[0] = DB_INT((long long)s.product_id);
	pp[0] = pp[1] = pp[2] = pp[3] = p[0];
	if ((rc = db_rows(db, a, &db_sql_reconcile_places, pp, 4, &pl,
	    &npl)) != HF_OK)
		return rc;
	rep->cap = MISMATCH_MAX + MISMATCH_PER_PLACE * npl + MISMATCH_XFER;
	rep->mismatches = arena_calloc(a, rep->cap,
	    sizeof(*rep->mismatches));
	if (rep->mismatches == NULL)
		return HF_E_SYS_INTERNAL;
	if (s.reserved < 0 || s.reserved > s.on_hand)
		mismatch(rep, "1: 0 <= reserved <= on_hand", s.on_hand,
		    s.reserved, "reserved is outside 0..on_hand");
	if ((rc = db_row(db, a, &db_sql_reconcile_ledger, p, 1, &sums,
	    &found)) != HF_OK)
		return rc;
	if (sums.on_hand != s.on_hand)
		mismatch(rep, "2: on_hand = sum of ledger on_hand_delta",
		    sums.on_hand, s.on_hand, "stock.on_hand");
	if (sums.reserved != s.reserved)
		mismatch(rep, "2: reserved = sum of ledger reserved_delta",
		    sums.reserved, s.reserved, "stock.reserved");
	active = db_count_of(db, a, &db_sql_reconcile_active, p, 1, &rc);
	if (rc != HF_OK)
		return rc;
	if (active != s.reserved)
		mismatch(rep, "3: reserved = sum of active reservations",
		    active, s.reserved, "stock.reserved");
	if ((rc = db_rows(db, a, &db_sql_reconcile_endings, p, 1, &e,
	    &ne)) != HF_OK)
		return rc;
	for (i = 0; i < ne; i++)
		mismatch(rep, "4: one ledger row per reservation ending",
		    strcmp(e[i].status, "active") == 0 ? 0 : 1, e[i].endings,
		    arena_printf(a, "reservation %llu (%s)",
		    (unsigned long long)e[i].id, e[i].status));
	if ((rc = reconcile_places(rep, a, &s, pl, npl)) != HF_OK)
		return rc;
	return reconcile_transfers(db, a, rep, s.product_id);
}

/*
 * The mismatches of one SKU (none: it reconciles) into *out, in the
 * arena. INV_001 when there is no such SKU.
 */
int
svc_reconcile(struct svc_ctx *ctx, const char *sku,
    struct reconcile_report *out)
{
	struct reconcile_txn	t = { ctx, sku, out };

	memset(out, 0, sizeof(*out));
	return db_txn(ctx->app->db, reconcile_fn, &t);
}

/* Every SKU, for holdfast-admin reconcile. */
int
svc_all_skus(struct svc_ctx *ctx, const char ***out, size_t *n)
{
	struct product_sku	*rows;
	size_t			 i;
	int			 rc;

	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_products_all,
	    NULL, 0, &rows, n)) != HF_OK)
		return rc;
	if ((*out = arena_calloc(ctx->arena, *n + 1, sizeof(**out))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < *n; i++)
		(*out)[i] = rows[i].sku;
	return HF_OK;
}
