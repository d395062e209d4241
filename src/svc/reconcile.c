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
 * sums of its places'.
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* 3 checks of one row each, at most 20 endings (the SQL's LIMIT), 2
 * sums; then 4 per location */
#define MISMATCH_MAX	26
#define MISMATCH_PER_PLACE	4

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
	rep->cap = MISMATCH_MAX + MISMATCH_PER_PLACE * npl;
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
	return reconcile_places(rep, a, &s, pl, npl);
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
