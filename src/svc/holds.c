/*
 * holds.c: the waiting list of an SKU.
 *
 * A hold waits while no unit is free. When one comes back (a return, a
 * restock, a cancelled or lapsed hold, or the cron's sweep), it goes in
 * the same transaction to the first waiting hold, queue order
 * (created_at, id): a `hold` reservation of one unit (reference
 * "hold:<id>") that lasts the pickup window, the hold turns `ready`, and
 * a hold.ready event and an e-mail to the user are written to the outbox.
 * Checkout commits that reservation and creates the loan: one `deduct`
 * row naming the loan, like every loan's, that carries the reservation in
 * ledger.reservation_id, so reconcile's invariant 4 holds.
 * An uncollected hold lapses at the end of its window (holdfast-expire)
 * and its unit passes to the next in line.
 *
 * Every path locks the stock row first, then the hold, then its
 * reservation, as the loan paths do, and the borrower's users row after
 * the stock row (lend_user_lock); the stock layer's lazy expiry
 * (holds_lapse, through inventory.c's queue table) has the reservation
 * locked before it finds the hold, which the stock lock keeps safe. A
 * product in maintenance or retired gets no new hold and no checkout,
 * and its queue is not filled; retiring it cancels its waiting holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/lending.h"
#include "holdfast/outbox.h"
#include "inv_int.h"
#include "lend_int.h"

/* Columns of db_sql_hold_lock. */
enum { HL_ID, HL_USER, HL_PID, HL_STATUS, HL_RES, HL_PASSED, HL__MAX };

static void
hold_from_row(const struct db_result *r, size_t row, struct hold *h)
{
	h->id = (uint64_t)inv_cell_ll(r, row, H_ID);
	h->user_id = (uint64_t)inv_cell_ll(r, row, H_USER);
	h->product_id = (uint64_t)inv_cell_ll(r, row, H_PID);
	h->reservation_id = (uint64_t)inv_cell_ll(r, row, H_RES);
	h->loan_id = (uint64_t)inv_cell_ll(r, row, H_LOAN);
	h->sku = DB_CELL(r, row, H_SKU);
	h->name = DB_CELL(r, row, H_NAME);
	h->status = DB_CELL(r, row, H_STATUS);
	h->ready_at = DB_CELL(r, row, H_READY);
	h->pickup_until = DB_CELL(r, row, H_PICKUP);
	h->created_at = DB_CELL(r, row, H_CREATED);
	h->ended_at = DB_CELL(r, row, H_ENDED);
	h->position = inv_cell_ll(r, row, H_POSITION);
}

static int
hold_load(struct db *db, struct arena *a, uint64_t id, struct hold *h)
{
	struct db_param		p[1] = { DB_INT((long long)id) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(db, a, &db_sql_hold_by_id, p, 1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	hold_from_row(&r, 0, h);
	return HF_OK;
}

/* Locks a hold (after its stock row); r holds the HL_ columns. */
static int
hold_lock(struct db *db, struct arena *a, uint64_t id, struct db_result *r)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc;

	if ((rc = db_query(db, a, &db_sql_hold_lock, p, 1, r)) != HF_OK)
		return rc;
	return r->nrows == 1 ? HF_OK : HF_E_NOT_FOUND;
}

static int
hold_end(struct db *db, uint64_t id, const char *status)
{
	struct db_param	p[2];
	uint64_t	n = 0;
	int		rc;

	p[0] = DB_STR(status);
	p[1] = DB_INT((long long)id);
	if ((rc = db_exec(db, &db_sql_hold_end, p, 2, &n, NULL)) != HF_OK)
		return rc;
	return n == 1 ? HF_OK : HF_E_DB;
}

/*
 * Locks the reservation of a ready hold. *active is 1 when it is still
 * active and not past its expiry (the pickup window).
 */
static int
hold_reservation(struct db *db, struct arena *a, uint64_t id,
    struct reservation *v, int *active)
{
	struct db_param		p[1] = { DB_INT((long long)id) };
	struct db_result	r;
	int			rc;

	*active = 0;
	if ((rc = db_query(db, a, &db_sql_reservation_lock_id, p, 1, &r)) !=
	    HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_DB;
	inv_reservation_from_row(&r, 0, v);
	*active = strcmp(v->status, "active") == 0 ? 1 : 0;
	if (*active && inv_cell_ll(&r, 0, R_EXPIRED) != 0)
		*active = -1;	/* active, but its window has passed */
	return HF_OK;
}

/*
 * Ends a ready hold (status end: cancelled or expired) and releases its
 * unit, which stays on the locked row s for the caller to pass on. A
 * reservation someone else already expired is left as it is.
 */
static int
hold_release(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    uint64_t hold_id, uint64_t res_id, const char *end)
{
	struct reservation	v;
	int			rc, active;

	if ((rc = hold_reservation(db, ctx->arena, res_id, &v, &active)) !=
	    HF_OK)
		return rc;
	if (active != 0 && (rc = inv_reservation_finish(db, ctx, s, &v,
	    strcmp(end, "expired") == 0 ? "expired" : "released", end)) !=
	    HF_OK)
		return rc;
	return hold_end(db, hold_id, end);
}

/*
 * Queues a patron's e-mail about hold h in the outbox (event type event)
 * and notes it in mail for sending after COMMIT. An address no server
 * takes is logged, and the hold goes on without the mail.
 */
static int
hold_mail(struct db *db, struct svc_ctx *ctx, const struct hold *h,
    const char *to, const char *event, const char *subject, const char *body,
    struct lend_mail *mail)
{
	uint64_t	mid = 0;
	int		rc;

	if (subject == NULL || body == NULL)
		return HF_E_SYS_INTERNAL;
	rc = outbox_email(db, event, to, subject, body, &mid);
	if (rc == HF_E_REQ_FIELD) {
		log_warn(ctx->request_id, "hold %llu: no e-mail for user %llu",
		    (unsigned long long)h->id, (unsigned long long)h->user_id);
		return HF_OK;
	}
	if (rc == HF_OK)
		lend_mail_add(mail, mid);
	return rc;
}

/* The hold.ready event and e-mail of a hold that just turned ready. */
static int
hold_ready_notices(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct lend_mail *mail)
{
	struct hold		 h;
	struct lend_user	 u;
	json_object		*data;
	const char		*name, *subject, *body;
	int			 rc;

	if ((rc = hold_load(db, ctx->arena, id, &h)) != HF_OK ||
	    (rc = lend_user_get(db, ctx->arena, h.user_id, &u)) != HF_OK)
		return rc;
	data = json_object_new_object();
	json_object_object_add(data, "hold_id",
	    json_object_new_int64((int64_t)h.id));
	json_object_object_add(data, "user_id",
	    json_object_new_int64((int64_t)h.user_id));
	json_object_object_add(data, "sku", json_object_new_string(h.sku));
	json_object_object_add(data, "reservation_id",
	    json_object_new_int64((int64_t)h.reservation_id));
	json_object_object_add(data, "pickup_until",
	    json_object_new_string(h.pickup_until));
	if ((rc = outbox_event(db, "hold.ready", data, ctx->request_id)) !=
	    HF_OK)
		return rc;
	name = lend_oneline(ctx->arena, h.name);
	subject = arena_printf(ctx->arena, "Ready for pickup: %s", name);
	body = arena_printf(ctx->arena, "Hello %s,\n\n"
	    "the item you are waiting for is ready for pickup:\n\n"
	    "  %s (SKU %s)\n\n"
	    "It is kept for you until %s. After that it goes to the next\n"
	    "person in line.\n\nHold %llu\n",
	    u.display_name != NULL ? u.display_name : u.email, h.name, h.sku,
	    lend_when(ctx->arena, h.pickup_until), (unsigned long long)h.id);
	return hold_mail(db, ctx, &h, u.email, "hold.ready", subject, body,
	    mail);
}

/*
 * Gives the available units of the locked row s to the waiting holds of
 * its product, first in line first, one `hold` reservation each. *passed
 * (may be NULL) counts them.
 */
int
holds_fill(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    struct lend_mail *mail, unsigned *passed)
{
	struct db_param		 p[6];
	struct db_result	 r;
	struct change		 c;
	char			 rid[24];
	const char		*ref;
	uint64_t		 hold_id, res_id, n;
	int			 rc;

	/* a product in maintenance keeps its queue waiting */
	while (s->is_active && !inv_closed(s) && s->available > 0) {
		p[0] = DB_INT((long long)s->product_id);
		if ((rc = db_query(db, ctx->arena, &db_sql_hold_head_lock, p,
		    1, &r)) != HF_OK)
			return rc;
		if (r.nrows == 0)
			break;
		hold_id = (uint64_t)inv_cell_ll(&r, 0, 0);
		ref = arena_printf(ctx->arena, "hold:%llu",
		    (unsigned long long)hold_id);
		p[0] = DB_INT((long long)s->product_id);
		p[1] = DB_STR("hold");
		p[2] = DB_STR(ref);
		p[3] = DB_INT(1);
		p[4] = DB_INT((long long)ctx->app->cfg.hold_pickup_days *
		    86400);
		p[5] = DB_STR(ctx->who->actor);
		if ((rc = db_exec(db, &db_sql_reservation_insert, p, 6, NULL,
		    &res_id)) != HF_OK)
			return rc;
		snprintf(rid, sizeof(rid), "%llu", (unsigned long long)res_id);
		memset(&c, 0, sizeof(c));
		c.type = "reserve";
		c.d_res = 1;
		c.ref_type = "reservation";
		c.ref_id = rid;
		c.reason = "hold";
		c.reservation_id = res_id;
		if ((rc = inv_stock_change(db, ctx, s, &c, NULL)) != HF_OK)
			return rc;
		p[0] = DB_INT((long long)res_id);
		p[1] = DB_INT((long long)res_id);
		p[2] = DB_INT((long long)hold_id);
		n = 0;
		if ((rc = db_exec(db, &db_sql_hold_set_ready, p, 3, &n,
		    NULL)) != HF_OK)
			return rc;
		if (n != 1)
			return HF_E_DB;
		if ((rc = hold_ready_notices(db, ctx, hold_id, mail)) != HF_OK)
			return rc;
		if (passed != NULL)
			(*passed)++;
	}
	return HF_OK;
}

/* The queue as the stock layer sees it (inv_int.h), for svc_init. */
const struct inv_queue	holds_queue = {
	.owed = holds_owed,		/* count of waiting holds */
	.lapse = holds_lapse,		/* reservation and hold `expired` */
	.pass = holds_after_restock,	/* units to the first in line */
};

int
holds_after_restock(struct db *db, struct svc_ctx *ctx,
    struct stock_row *s)
{
	return holds_fill(db, ctx, s, NULL, NULL);
}

/* The units of the locked row s owed to its waiting holds. */
int
holds_owed(struct db *db, struct svc_ctx *ctx, const struct stock_row *s,
    long long *n)
{
	return lend_waiting(db, ctx->arena, s->product_id, n);
}

/*
 * For the stock layer's lazy expiry (inv_free_expired): the expired
 * `hold` reservation v, locked after the stock row s, ends with its ready
 * hold exactly as lapse_fn ends it (reservation and hold `expired`); the
 * unit stays on s for the caller to pass on. A hold reservation no ready
 * hold points at just expires.
 */
int
holds_lapse(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    const struct reservation *v)
{
	struct db_param		p[1] = { DB_INT((long long)v->id) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(db, ctx->arena, &db_sql_hold_of_reservation, p, 1,
	    &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return inv_reservation_finish(db, ctx, s, v, "expired",
		    "expired");
	return hold_release(db, ctx, s, (uint64_t)inv_cell_ll(&r, 0, 0),
	    v->id, "expired");
}

/* The e-mail telling a patron their waiting hold ended with the product. */
static int
hold_retired_notice(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct lend_mail *mail)
{
	struct hold		 h;
	struct lend_user	 u;
	const char		*subject, *body;
	int			 rc;

	if ((rc = hold_load(db, ctx->arena, id, &h)) != HF_OK ||
	    (rc = lend_user_get(db, ctx->arena, h.user_id, &u)) != HF_OK)
		return rc;
	subject = arena_printf(ctx->arena, "Hold cancelled: %s",
	    lend_oneline(ctx->arena, h.name));
	body = arena_printf(ctx->arena, "Hello %s,\n\n"
	    "the item you were waiting for has been withdrawn:\n\n"
	    "  %s (SKU %s)\n\n"
	    "Your hold on it is cancelled (reason: retired). Nothing is\n"
	    "needed from you.\n\nHold %llu\n",
	    u.display_name != NULL ? u.display_name : u.email, h.name, h.sku,
	    (unsigned long long)h.id);
	return hold_mail(db, ctx, &h, u.email, "hold.cancelled", subject,
	    body, mail);
}

/*
 * A product retired, in the caller's transaction with its products and
 * stock rows locked: every waiting hold of it ends `cancelled`, and each
 * patron gets an e-mail through the outbox (event type hold.cancelled).
 * Ready holds cannot be there: their reservations keep a product from
 * retiring. *n counts the holds ended.
 */
int
holds_retire(struct db *db, struct svc_ctx *ctx, uint64_t product_id,
    struct lend_mail *mail, unsigned *n)
{
	struct db_param		p[1] = { DB_INT((long long)product_id) };
	struct db_result	r;
	uint64_t		id;
	size_t			i;
	int			rc;

	*n = 0;
	if ((rc = db_query(db, ctx->arena, &db_sql_holds_waiting_lock, p, 1,
	    &r)) != HF_OK)
		return rc;
	for (i = 0; i < r.nrows; i++) {
		id = (uint64_t)inv_cell_ll(&r, i, 0);
		if ((rc = hold_end(db, id, "cancelled")) != HF_OK ||
		    (rc = hold_retired_notice(db, ctx, id, mail)) != HF_OK)
			return rc;
		(*n)++;
	}
	return HF_OK;
}

/* --- joining, reading, leaving ---------------------------------------- */

struct hold_txn {
	struct svc_ctx		*ctx;
	uint64_t		 id;		/* the hold */
	uint64_t		 user_id;	/* create */
	const char		*sku;		/* create */
	struct idem		*idem;
	struct hold		*out;
	struct loan		*loan;		/* checkout */
	struct lend_mail	 mail;
};

static int
create_fn(struct db *db, void *arg)
{
	struct hold_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct lend_user	 u;
	struct stock_row	 s;
	struct db_param		 p[2];
	struct db_result	 r;
	long long		 free_units;
	uint64_t		 id;
	int			 rc;

	if ((rc = inv_stock_lock(db, ctx->arena, t->sku, 0, &s)) != HF_OK) {
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(ctx, t->sku);
		return rc;
	}
	/* the borrower's row after the stock row (lend_user_lock) */
	if ((rc = lend_user_lock(db, ctx, t->user_id, &u)) != HF_OK)
		return rc;
	/*
	 * No queue for a product in maintenance or retired. Units available
	 * to this caller (the one definition) are borrowed, not held; a hold
	 * takes nothing, so it frees nothing (want 0): what expires reaches
	 * the queue through the next taker or the cron.
	 */
	if ((rc = inv_check_open(ctx, &s)) != HF_OK ||
	    (rc = inv_takeable(db, ctx, &s, 0, &free_units)) != HF_OK)
		return rc;
	if (free_units > 0) {
		ctx->message = arena_printf(ctx->arena, "%lld unit%s of SKU "
		    "%s available: borrow it instead", free_units,
		    free_units == 1 ? "" : "s", s.sku);
		svc_details_clear(ctx);
		svc_detail_str(ctx, "sku", s.sku);
		svc_detail_int(ctx, "available", free_units);
		return HF_E_HOLD_AVAILABLE;
	}
	p[0] = DB_INT((long long)t->user_id);
	p[1] = DB_INT((long long)s.product_id);
	if ((rc = db_query(db, ctx->arena, &db_sql_loans_active_of_product, p,
	    2, &r)) != HF_OK)
		return rc;
	if (inv_cell_ll(&r, 0, 0) > 0) {
		ctx->message = arena_printf(ctx->arena, "SKU %s is already on "
		    "loan to this user", s.sku);
		return HF_E_HOLD_ON_LOAN;
	}
	rc = db_exec(db, &db_sql_hold_insert, p, 2, NULL, &id);
	if (rc == HF_E_DUPLICATE) {
		ctx->message = arena_printf(ctx->arena, "this user already "
		    "holds SKU %s", s.sku);
		return HF_E_HOLD_DUPLICATE;
	}
	if (rc != HF_OK || (rc = hold_load(db, ctx->arena, id, t->out)) !=
	    HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Joins the queue of an SKU: HOLD_001 while units are free to borrow,
 * HOLD_002 when the user already holds it, HOLD_006 when they have it on
 * loan.
 */
int
svc_hold_create(struct svc_ctx *ctx, const char *sku, uint64_t user_id,
    struct idem *idem, struct hold *out)
{
	struct hold_txn	t;
	int		rc;

	memset(&t, 0, sizeof(t));
	if ((rc = lend_resolve_user(ctx, user_id, &t.user_id)) != HF_OK)
		return rc;
	t.ctx = ctx;
	t.sku = sku;
	t.idem = idem;
	t.out = out;
	return svc_txn(ctx, create_fn, &t);
}

int
svc_hold_get(struct svc_ctx *ctx, uint64_t id, struct hold *h)
{
	int	rc = hold_load(ctx->app->db, ctx->arena, id, h);

	if (rc == HF_OK && !lend_may_see(ctx->who, h->user_id))
		return HF_E_NOT_FOUND;
	return rc;
}

int
svc_holds_list(struct svc_ctx *ctx, const struct lend_filter *f,
    struct hold **out, size_t *n, long long *total)
{
	struct db_param		p[8];
	struct db_result	r;
	uint64_t		uid = f->user_id;
	size_t			i;
	int			rc;

	if (!lend_is_staff(ctx->who))
		uid = ctx->who->user_id;
	p[0] = uid != 0 ? DB_INT((long long)uid) : DB_NULL;
	p[1] = p[0];
	p[2] = f->status != NULL ? DB_STR(f->status) : DB_NULL;
	p[3] = p[2];
	p[4] = f->sku != NULL ? DB_STR(f->sku) : DB_NULL;
	p[5] = p[4];
	p[6] = DB_INT(f->per_page);
	p[7] = DB_INT((f->page - 1) * f->per_page);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_holds_count, p,
	    6, &r)) != HF_OK)
		return rc;
	*total = inv_cell_ll(&r, 0, 0);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_holds_list, p, 8,
	    &r)) != HF_OK)
		return rc;
	if ((*out = arena_calloc(ctx->arena, r.nrows + 1, sizeof(**out))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++)
		hold_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	return HF_OK;
}

/*
 * Reads hold t->id (404 for others), locks its stock row into s, then the
 * hold into r.
 */
static int
hold_open(struct db *db, struct hold_txn *t, struct stock_row *s,
    struct db_result *r)
{
	struct hold	h;
	int		rc;

	if ((rc = hold_load(db, t->ctx->arena, t->id, &h)) != HF_OK)
		return rc;
	if (!lend_may_see(t->ctx->who, h.user_id))
		return HF_E_NOT_FOUND;
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, h.product_id, s)) !=
	    HF_OK)
		return rc;
	return hold_lock(db, t->ctx->arena, t->id, r);
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
	struct db_result	 r;
	const char		*status;
	int			 rc;

	t->mail.n = 0;
	if ((rc = hold_open(db, t, &s, &r)) != HF_OK)
		return rc;
	status = DB_CELL(&r, 0, HL_STATUS);
	if (strcmp(status, "waiting") == 0)
		rc = hold_end(db, t->id, "cancelled");
	else if (strcmp(status, "ready") == 0) {
		if ((rc = hold_release(db, t->ctx, &s, t->id,
		    (uint64_t)inv_cell_ll(&r, 0, HL_RES), "cancelled")) ==
		    HF_OK)
			rc = holds_fill(db, t->ctx, &s, &t->mail, NULL);
	} else
		return hold_state_error(t->ctx, t->id, status,
		    HF_E_HOLD_ENDED);
	if (rc != HF_OK || (rc = hold_load(db, t->ctx->arena, t->id,
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
	struct db_result	 r;
	struct reservation	 v;
	struct hold		 h;
	struct db_param		 p[2];
	const char		*status;
	char			 lid[24];
	uint64_t		 loan_id = 0, n = 0;
	int			 rc, active;

	if ((rc = hold_load(db, ctx->arena, t->id, &h)) != HF_OK)
		return rc;
	if (!lend_may_see(ctx->who, h.user_id))
		return HF_E_NOT_FOUND;
	/* the stock row, the hold, then the borrower's row (lend_user_lock) */
	if ((rc = hold_open(db, t, &s, &r)) != HF_OK ||
	    (rc = lend_user_lock(db, ctx, h.user_id, &u)) != HF_OK)
		return rc;
	status = DB_CELL(&r, 0, HL_STATUS);
	if (strcmp(status, "waiting") == 0)
		return hold_state_error(ctx, t->id, status,
		    HF_E_HOLD_NOT_READY);
	if (strcmp(status, "ready") != 0)
		return hold_state_error(ctx, t->id, status, HF_E_HOLD_ENDED);
	/* no new loan of a product in maintenance: the hold stays ready */
	if ((rc = inv_check_open(ctx, &s)) != HF_OK)
		return rc;
	if ((rc = hold_reservation(db, ctx->arena,
	    (uint64_t)inv_cell_ll(&r, 0, HL_RES), &v, &active)) != HF_OK)
		return rc;
	if (active != 1 || inv_cell_ll(&r, 0, HL_PASSED) != 0) {
		ctx->message = arena_printf(ctx->arena, "the pickup window of "
		    "hold %llu ended at %s", (unsigned long long)t->id,
		    h.pickup_until != NULL ? h.pickup_until : "(unknown)");
		return HF_E_HOLD_PICKUP_PASSED;
	}
	if ((rc = lend_limit_check(db, ctx, h.user_id, 1)) != HF_OK ||
	    (rc = lend_loan_insert(db, ctx, h.user_id, &s, &loan_id)) != HF_OK)
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
	if ((rc = hold_load(db, ctx->arena, t->id, t->out)) != HF_OK ||
	    (rc = lend_loan_load(db, ctx->arena, loan_id, t->loan)) != HF_OK)
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

/* --- the cron: lapsed holds and stalled queues ------------------------- */

/* Expires hold t->id if it is still ready past its window. */
static int
lapse_fn(struct db *db, void *arg)
{
	struct sweep_item	*t = arg;
	struct hold		 h;
	struct stock_row	 s;
	struct db_result	 r;
	int			 rc;

	t->done = 0;
	t->passed = 0;
	if ((rc = hold_load(db, t->ctx->arena, t->id, &h)) != HF_OK)
		return rc == HF_E_NOT_FOUND ? HF_OK : rc;
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, h.product_id, &s)) !=
	    HF_OK ||
	    (rc = hold_lock(db, t->ctx->arena, t->id, &r)) != HF_OK)
		return rc;
	if (strcmp(DB_CELL(&r, 0, HL_STATUS), "ready") != 0 ||
	    inv_cell_ll(&r, 0, HL_PASSED) == 0)
		return HF_OK;	/* collected or cancelled meanwhile */
	if ((rc = hold_release(db, t->ctx, &s, t->id,
	    (uint64_t)inv_cell_ll(&r, 0, HL_RES), "expired")) != HF_OK)
		return rc;
	t->done = 1;
	return holds_fill(db, t->ctx, &s, NULL, &t->passed);
}

/*
 * holdfast-expire, before the reservation expiry: expires up to batch
 * ready holds past pickup_until, each in its own transaction, and passes
 * each unit to the next in line. Returns how many were due, or minus an
 * hf_err.
 */
int
holds_expire_due(struct app *app, int batch, int dry_run,
    struct lend_run *run)
{
	struct sweep_stats	st;
	int			rc;

	rc = svc_sweep(app, &db_sql_holds_due, batch, dry_run, lapse_fn, &st);
	run->expired += st.done;
	run->passed += st.passed;
	return rc;
}

static int
sweep_fn(struct db *db, void *arg)
{
	struct sweep_item	*t = arg;
	struct stock_row	 s;
	int			 rc;

	t->passed = 0;
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, t->id, &s)) != HF_OK)
		return rc == HF_E_INV_NOT_FOUND ? HF_OK : rc;
	return holds_fill(db, t->ctx, &s, NULL, &t->passed);
}

/*
 * holdfast-expire, after the reservation expiry: units left on the shelf
 * while people wait (a released or expired cart or order reservation)
 * go to the queue. Returns how many products were looked at, or minus an hf_err.
 */
int
holds_sweep(struct app *app, int batch, int dry_run, struct lend_run *run)
{
	struct sweep_stats	st;
	int			rc;

	/* nothing to count in a dry run: the queues are what they are */
	rc = svc_sweep(app, &db_sql_holds_stalled, batch, dry_run, sweep_fn,
	    &st);
	run->passed += st.passed;
	return rc;
}
