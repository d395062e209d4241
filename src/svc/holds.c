/*
 * holds.c: the hold routes: join the waiting list of an SKU, read it,
 * leave it, and turn a ready hold into a loan (checkout). The queue they
 * act on (a unit passing to the first in line, a hold lapsing) is
 * hold_queue.c.
 *
 * A hold waits while no unit is free; it turns `ready` when a unit comes
 * back (hold_queue.c). Checkout commits the hold's reservation and
 * creates the loan: one `deduct` row naming the loan, like every loan's,
 * that carries the reservation in ledger.reservation_id, so reconcile's
 * invariant 4 holds.
 *
 * Every path locks the stock row first, then the hold, then its
 * reservation, as the loan paths do, and the borrower's users row after
 * the stock row (lend_user_lock). A product in maintenance or retired
 * gets no new hold and no checkout.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/lending.h"
#include "inv_int.h"
#include "lend_int.h"

/* --- joining, reading, leaving ---------------------------------------- */

struct hold_txn {
	struct svc_ctx		*ctx;
	uint64_t		 id;		/* the hold */
	uint64_t		 user_id;	/* create */
	const char		*sku;		/* create */
	const char		*pickup;	/* create: a location code */
	struct idem		*idem;
	struct hold		*out;
	struct loan		*loan;		/* checkout */
	struct lend_mail	 mail;
};

/*
 * Places a hold of user_id on sku (to pick up at pickup, a code, or
 * NULL) in the caller's transaction, and queues its confirmation
 * (lend_hold_placed): the refusals of svc_hold_create.
 */
int
holds_place(struct db *db, struct svc_ctx *ctx, uint64_t user_id,
    const char *sku, const char *pickup, struct lend_mail *mail,
    struct hold *out)
{
	struct lend_user	 u;
	struct stock_row	 s;
	struct db_param		 p[3];
	const struct location	*pick = NULL;
	long long		 free_units, on_loan, here;
	uint64_t		 id;
	int			 rc;

	if ((rc = inv_stock_lock(db, ctx->arena, sku, 0, &s)) != HF_OK) {
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(ctx, sku);
		return rc;
	}
	/* the borrower's row after the stock row (lend_user_lock) */
	if ((rc = lend_user_lock(db, ctx, user_id, &u)) != HF_OK)
		return rc;
	/* a pickup branch must take units (active); a frozen one waits */
	if (pickup != NULL &&
	    (rc = inv_location_named(db, ctx, pickup, &pick)) != HF_OK)
		return rc;
	if (pick != NULL && !pick->is_active) {
		svc_details_clear(ctx);
		svc_detail_str(ctx, "location", pick->code);
		return HF_E_LOC_INACTIVE;
	}
	/*
	 * No queue for a product in maintenance or retired. Units available
	 * to this caller (the one definition) are borrowed, not held; a hold
	 * takes nothing, so it frees nothing (want 0): what expires reaches
	 * the queue through the next taker or the cron. With a pickup
	 * branch, only units free there are to borrow; one free elsewhere
	 * travels there for the new hold at once (holds_fill).
	 */
	if ((rc = inv_check_open(ctx, &s)) != HF_OK ||
	    (rc = inv_takeable(db, ctx, &s, 0, &free_units)) != HF_OK ||
	    (rc = inv_places_lock(db, ctx, &s)) != HF_OK)
		return rc;
	here = free_units;
	if (pick != NULL) {
		here = pick->frozen_by != 0 ? 0 : inv_place_free(ctx, &s, pick);
		if (here > free_units)
			here = free_units;
	}
	if (here > 0) {
		ctx->message = arena_printf(ctx->arena, "%lld unit%s of SKU "
		    "%s available%s%s: borrow it instead", here,
		    here == 1 ? "" : "s", s.sku, pick != NULL ? " at " : "",
		    pick != NULL ? pick->code : "");
		svc_details_clear(ctx);
		svc_detail_str(ctx, "sku", s.sku);
		svc_detail_int(ctx, "available", here);
		if (pick != NULL)
			svc_detail_str(ctx, "location", pick->code);
		return HF_E_HOLD_AVAILABLE;
	}
	p[0] = DB_INT((long long)user_id);
	p[1] = DB_INT((long long)s.product_id);
	on_loan = db_count_of(db, ctx->arena, &db_sql_loans_active_of_product,
	    p, 2, &rc);
	if (rc != HF_OK)
		return rc;
	if (on_loan > 0) {
		ctx->message = arena_printf(ctx->arena, "SKU %s is already on "
		    "loan to this user", s.sku);
		return HF_E_HOLD_ON_LOAN;
	}
	p[2] = pick != NULL ? DB_INT((long long)pick->id) : DB_NULL;
	rc = db_exec(db, &db_sql_hold_insert, p, 3, NULL, &id);
	if (rc == HF_E_DUPLICATE) {
		ctx->message = arena_printf(ctx->arena, "this user already "
		    "holds SKU %s", s.sku);
		return HF_E_HOLD_DUPLICATE;
	}
	if (rc != HF_OK ||
	    (free_units > 0 && (rc = holds_fill(db, ctx, &s, mail,
	    NULL)) != HF_OK) ||
	    (rc = lend_hold_placed(db, ctx, id, mail)) != HF_OK)
		return rc;
	return lend_hold_load(db, ctx->arena, id, out);
}

static int
create_fn(struct db *db, void *arg)
{
	struct hold_txn	*t = arg;
	int		 rc;

	t->mail.n = 0;
	if ((rc = holds_place(db, t->ctx, t->user_id, t->sku, t->pickup,
	    &t->mail, t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Joins the queue of an SKU, to pick it up at the location pickup (NULL:
 * where the copy is): HOLD_001 while units are free to borrow (there),
 * HOLD_002 when the user already holds it, HOLD_006 when they have it on
 * loan, LOC_001/LOC_004 for an unknown or inactive pickup branch.
 */
int
svc_hold_create(struct svc_ctx *ctx, const char *sku, uint64_t user_id,
    const char *pickup, struct idem *idem, struct hold *out)
{
	struct hold_txn	t;
	int		rc;

	memset(&t, 0, sizeof(t));
	if ((rc = lend_resolve_user(ctx, user_id, &t.user_id)) != HF_OK)
		return rc;
	t.ctx = ctx;
	t.sku = sku;
	t.pickup = pickup;
	t.idem = idem;
	t.out = out;
	if ((rc = svc_txn(ctx, create_fn, &t)) == HF_OK)
		lend_mail_deliver(ctx->app, &t.mail);
	return rc;
}

int
svc_hold_get(struct svc_ctx *ctx, uint64_t id, struct hold *h)
{
	int	rc = lend_hold_load(ctx->app->db, ctx->arena, id, h);

	if (rc == HF_OK && !lend_may_see(ctx->who, h->user_id))
		return HF_E_NOT_FOUND;
	return rc;
}

int
svc_holds_list(struct svc_ctx *ctx, const struct lend_filter *f,
    struct hold **out, size_t *n, struct svc_keyset *ks)
{
	struct db_param	p[6];
	uint64_t	uid = f->user_id;
	long long	offset = svc_ks_offset(ks, f->page, f->per_page);
	int		rc;

	if (!lend_is_staff(ctx->who))
		uid = ctx->who->user_id;	/* a user sees their own */
	p[0] = DB_OPT_INT(uid != 0, (long long)uid);
	p[1] = DB_OPT_STR(f->status);
	p[2] = DB_OPT_STR(f->sku);
	p[3] = DB_INT(svc_ks_after(ks));
	p[4] = DB_INT(f->per_page + 1);
	p[5] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_holds_list, p, 6,
	    out, n)) != HF_OK)
		return rc;
	if (svc_ks_trim(ks, n, f->per_page))
		ks->next = (*out)[*n - 1].id;
	return svc_ks_count(ctx, ks, &db_sql_holds_count, p, 3, offset, *n);
}

/*
 * Reads hold t->id into h (404 for others), locks its stock row into s,
 * then the hold into l.
 */
static int
hold_open(struct db *db, struct hold_txn *t, struct hold *h,
    struct stock_row *s, struct hold *l)
{
	int	rc;

	if ((rc = lend_hold_load(db, t->ctx->arena, t->id, h)) != HF_OK)
		return rc;
	if (!lend_may_see(t->ctx->who, h->user_id))
		return HF_E_NOT_FOUND;
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, h->product_id, s)) !=
	    HF_OK)
		return rc;
	return holds_lock(db, t->ctx->arena, t->id, l);
}

static int
hold_state_error(struct svc_ctx *ctx, uint64_t id, const char *status,
    int rc)
{
	ctx->message = arena_printf(ctx->arena, "hold %llu is %s",
	    (unsigned long long)id, status);
	svc_details_clear(ctx);
	svc_detail_str(ctx, "status", status);
	return rc;
}

static int
cancel_fn(struct db *db, void *arg)
{
	struct hold_txn		*t = arg;
	struct stock_row	 s;
	struct hold		 h, l;
	int			 rc;

	t->mail.n = 0;
	if ((rc = hold_open(db, t, &h, &s, &l)) != HF_OK)
		return rc;
	/* a copy in transit goes on to the branch, and to its queue there */
	if (strcmp(l.status, "waiting") == 0 ||
	    strcmp(l.status, "in_transit") == 0)
		rc = holds_end(db, t->id, "cancelled");
	else if (strcmp(l.status, "ready") == 0) {
		if ((rc = holds_release(db, t->ctx, &s, t->id,
		    (uint64_t)l.reservation_id, "cancelled")) == HF_OK)
			rc = holds_fill(db, t->ctx, &s, &t->mail, NULL);
	} else
		return hold_state_error(t->ctx, t->id, l.status,
		    HF_E_HOLD_ENDED);
	if (rc != HF_OK || (rc = lend_hold_load(db, t->ctx->arena, t->id,
	    t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Leaves the queue. A ready hold's unit is released and passes to the
 * next in line. HOLD_004 once the hold has ended.
 */
int
svc_hold_cancel(struct svc_ctx *ctx, uint64_t id, struct idem *idem,
    struct hold *out)
{
	struct hold_txn	t;
	int		rc;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.idem = idem;
	t.out = out;
	if ((rc = svc_txn(ctx, cancel_fn, &t)) == HF_OK)
		lend_mail_deliver(ctx->app, &t.mail);
	return rc;
}

static int
checkout_fn(struct db *db, void *arg)
{
	struct hold_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct lend_user	 u;
	struct stock_row	 s;
	struct reservation	 v;
	struct hold		 h, l;
	struct db_param		 p[2];
	char			 lid[24];
	uint64_t		 loan_id = 0, n = 0;
	int			 rc, active;

	/* the stock row, the hold, then the borrower's row (lend_user_lock) */
	if ((rc = hold_open(db, t, &h, &s, &l)) != HF_OK ||
	    (rc = lend_user_lock(db, ctx, h.user_id, &u)) != HF_OK ||
	    (rc = lend_overdue_check(db, ctx, h.user_id)) != HF_OK)
		return rc;
	if (strcmp(l.status, "waiting") == 0 ||
	    strcmp(l.status, "in_transit") == 0)
		return hold_state_error(ctx, t->id, l.status,
		    HF_E_HOLD_NOT_READY);
	if (strcmp(l.status, "ready") != 0)
		return hold_state_error(ctx, t->id, l.status, HF_E_HOLD_ENDED);
	/* no new loan of a product in maintenance: the hold stays ready */
	if ((rc = inv_check_open(ctx, &s)) != HF_OK)
		return rc;
	if ((rc = holds_reservation_lock(db, ctx->arena,
	    (uint64_t)l.reservation_id, &v, &active)) != HF_OK)
		return rc;
	if (active != 1 || l.pickup_passed) {
		ctx->message = arena_printf(ctx->arena, "the pickup window of "
		    "hold %llu ended at %s", (unsigned long long)t->id,
		    h.pickup_until != NULL ? h.pickup_until : "(unknown)");
		return HF_E_HOLD_PICKUP_PASSED;
	}
	if ((rc = lend_limit_check(db, ctx, h.user_id, 1)) != HF_OK ||
	    (rc = lend_loan_insert(db, ctx, h.user_id, &s, v.location_id,
	    &loan_id)) != HF_OK)
		return rc;
	/* the commit's deduct names the loan, as every loan's deduct does */
	snprintf(lid, sizeof(lid), "%llu", (unsigned long long)loan_id);
	if ((rc = inv_reservation_finish_as(db, ctx, &s, &v, "committed",
	    "hold checkout", "loan", lid)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)loan_id);
	p[1] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_hold_collect, p, 2, &n, NULL)) != HF_OK)
		return rc;
	if (n != 1)
		return HF_E_DB;
	if ((rc = lend_hold_load(db, ctx->arena, t->id, t->out)) != HF_OK ||
	    (rc = lend_loan_load(db, ctx, loan_id, t->loan)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Turns a ready hold into a loan: HOLD_003 while it waits, HOLD_004 once
 * ended, HOLD_005 past its pickup window, LOAN_001 at the loan limit.
 */
int
svc_hold_checkout(struct svc_ctx *ctx, uint64_t id, struct idem *idem,
    struct hold *out, struct loan *loan)
{
	struct hold_txn	t;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.idem = idem;
	t.out = out;
	t.loan = loan;
	return svc_txn(ctx, checkout_fn, &t);
}

