/*
 * hold_queue.c: the queue of an SKU's waiting holds, below the hold and
 * loan routes (holds.c, loans.c) and registered with the stock layer
 * (holds_queue, through svc_init).
 *
 * When a unit comes back (a return, a restock, a cancelled or lapsed
 * hold, or the cron's sweep), it goes in the same transaction to the
 * first waiting hold, queue order (created_at, id): a `hold` reservation
 * of one unit (reference "hold:<id>") that lasts the pickup window, the
 * hold turns `ready`, and a hold.ready event and an e-mail to the user
 * are written to the outbox (holds_fill). An uncollected hold lapses at
 * the end of its window, found by holdfast-expire (holds_expire_due) or
 * by the stock layer's lazy expiry (queue_lapse), and its unit passes to
 * the next in line. Retiring a product cancels its waiting holds
 * (holds_retire).
 *
 * A hold may ask for a pickup branch (holds.pickup_location_id): a unit
 * free there is held there; otherwise the unit, free elsewhere, travels
 * there by transfer (xfer_ship, naming the hold) and the hold is
 * `in_transit`: out of the queue, no window yet. The transfer's receipt
 * at the branch sets the unit aside there and the hold turns ready
 * (holds_arrived); a transfer closed without it puts the hold back to
 * waiting, first in line (holds_copy_lost).
 *
 * Every path has the stock row locked first, then the hold, then its
 * reservation; the stock layer's lazy expiry has the reservation locked
 * before it finds the hold, which the stock lock keeps safe. A product in
 * maintenance or retired does not fill its queue.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/db_transfers.h"
#include "holdfast/lending.h"
#include "holdfast/outbox.h"
#include "inv_int.h"
#include "lend_int.h"
#include "xfer_int.h"

/* The data of a hold.ready event. */
static const struct hf_field hold_ready_event[] = {
	HF_FIELD_AS("hold_id", struct hold, id, HF_K_U64),
	HF_FIELD(struct hold, user_id, HF_K_U64),
	HF_FIELD(struct hold, sku, HF_K_STR),
	HF_FIELDF(struct hold, reservation_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct hold, pickup_until, HF_K_STR),
};

/*
 * Locks hold id (after its stock row): id, user_id, product_id, status,
 * reservation_id and pickup_passed of *h.
 */
int
holds_lock(struct db *db, struct arena *a, uint64_t id, struct hold *h)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, a, &db_sql_hold_lock, p, 1, h, &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_NOT_FOUND;
}

/* Ends a waiting or ready hold: status cancelled or expired. */
int
holds_end(struct db *db, uint64_t id, const char *status)
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
 * Locks the reservation of a ready hold; *v gets what ending it takes
 * (id, quantity, status). *active is 1 when it is still active and in
 * its window (the pickup window), -1 when active past it, else 0.
 */
int
holds_reservation_lock(struct db *db, struct arena *a, uint64_t id,
    struct reservation *v, int *active)
{
	struct db_param		p[1] = { DB_INT((long long)id) };
	struct hold_reservation	r;
	int			rc, found;

	*active = 0;
	memset(v, 0, sizeof(*v));
	if ((rc = db_row(db, a, &db_sql_hold_reservation_lock, p, 1, &r,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_DB;
	v->id = r.id;
	v->quantity = r.quantity;
	v->status = r.status;
	v->location_id = r.location_id;
	v->type = "hold";
	if (r.status != NULL && strcmp(r.status, "active") == 0)
		*active = r.expired ? -1 : 1;
	return HF_OK;
}

/*
 * Ends a ready hold (status end: cancelled or expired) and releases its
 * unit, which stays on the locked row s for the caller to pass on. A
 * reservation someone else already expired is left as it is.
 */
int
holds_release(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    uint64_t hold_id, uint64_t res_id, const char *end)
{
	struct reservation	v;
	int			rc, active;

	if ((rc = holds_reservation_lock(db, ctx->arena, res_id, &v,
	    &active)) != HF_OK)
		return rc;
	if (active != 0 && (rc = inv_reservation_finish(db, ctx, s, &v,
	    strcmp(end, "expired") == 0 ? "expired" : "released", end)) !=
	    HF_OK)
		return rc;
	return holds_end(db, hold_id, end);
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
	const char		*name, *subject, *body;
	int			 rc;

	if ((rc = lend_hold_load(db, ctx->arena, id, &h)) != HF_OK ||
	    (rc = lend_user_get(db, ctx->arena, h.user_id, &u)) != HF_OK)
		return rc;
	if ((rc = lend_event(db, ctx, "hold.ready", hold_ready_event,
	    HF_NITEMS(hold_ready_event), &h)) != HF_OK)
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
 * Sets one free unit of the locked row s at lo aside for hold id: a
 * `hold` reservation of one unit (reference "hold:<id>") that lasts the
 * pickup window; the hold turns ready and its patron is told.
 */
static int
hold_reserve(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    uint64_t id, const struct location *lo, struct lend_mail *mail)
{
	struct db_param		 p[7];
	struct change		 c;
	char			 rid[24];
	const char		*ref;
	uint64_t		 res_id, n = 0;
	int			 rc;

	ref = arena_printf(ctx->arena, "hold:%llu", (unsigned long long)id);
	p[0] = DB_INT((long long)s->product_id);
	p[1] = DB_INT((long long)lo->id);
	p[2] = DB_STR("hold");
	p[3] = DB_STR(ref);
	p[4] = DB_INT(1);
	p[5] = DB_INT((long long)ctx->app->cfg.hold_pickup_days * 86400);
	p[6] = DB_STR(ctx->who->actor);
	if ((rc = db_exec(db, &db_sql_reservation_insert, p, 7, NULL,
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
	c.location_id = lo->id;
	if ((rc = inv_stock_change(db, ctx, s, &c, NULL)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)res_id);
	p[1] = DB_INT((long long)res_id);
	p[2] = DB_INT((long long)id);
	if ((rc = db_exec(db, &db_sql_hold_set_ready, p, 3, &n, NULL)) !=
	    HF_OK)
		return rc;
	if (n != 1)
		return HF_E_DB;
	return hold_ready_notices(db, ctx, id, mail);
}

/*
 * Sends one free unit of the locked row s at `from` to hold id's pickup
 * branch `to` (a transfer naming the hold); the hold turns in_transit
 * until the transfer is received there (holds_arrived).
 */
static int
hold_send(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    uint64_t id, const struct location *from, const struct location *to)
{
	struct xfer_line	 line = { s, 1 };
	struct db_param		 p[1] = { DB_INT((long long)id) };
	uint64_t		 xid, n = 0;
	int			 rc;

	if ((rc = xfer_ship(db, ctx, from, to, arena_printf(ctx->arena,
	    "hold %llu", (unsigned long long)id), id, &line, 1, &xid)) !=
	    HF_OK ||
	    (rc = db_exec(db, &db_sql_hold_set_in_transit, p, 1, &n, NULL)) !=
	    HF_OK)
		return rc;
	return n == 1 ? HF_OK : HF_E_DB;
}

/* The pickup branch of hold h, or NULL: none asked, or it is inactive
 * (the copy is then held where it is). */
static const struct location *
hold_pickup(const struct svc_ctx *ctx, const struct hold *h)
{
	const struct location	*l;

	if (h->pickup_location_id == 0 ||
	    (l = inv_location_by_id(ctx, h->pickup_location_id)) == NULL ||
	    !l->is_active)
		return NULL;
	return l;
}

/*
 * Gives the available units of the locked row s to the waiting holds of
 * its product, first in line first, one `hold` reservation each. A unit
 * is held where it is free, first in allocation order; a hold that asked
 * for a pickup branch takes a unit free there if there is one, else the
 * unit travels there (hold_send) and the hold is in_transit. *passed (may
 * be NULL) counts the units given.
 */
int
holds_fill(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    struct lend_mail *mail, unsigned *passed)
{
	struct db_param		 p[1];
	struct hold		 head;
	const struct location	*lo, *pick;
	int			 rc, found;

	/* a product in maintenance keeps its queue waiting */
	while (s->is_active && !inv_closed(s) && s->available > 0) {
		p[0] = DB_INT((long long)s->product_id);
		if ((rc = db_row(db, ctx->arena, &db_sql_hold_head_lock, p, 1,
		    &head, &found)) != HF_OK)
			return rc;
		if (!found)
			break;
		if ((rc = inv_places_lock(db, ctx, s)) != HF_OK)
			return rc;
		pick = hold_pickup(ctx, &head);
		if (pick != NULL && pick->frozen_by == 0 &&
		    inv_place_free(ctx, s, pick) > 0)
			lo = pick;
		else if ((lo = inv_place_first_free(db, ctx, s)) == NULL)
			break;
		if (pick != NULL && lo->id != pick->id)
			rc = hold_send(db, ctx, s, head.id, lo, pick);
		else
			rc = hold_reserve(db, ctx, s, head.id, lo, mail);
		if (rc != HF_OK)
			return rc;
		if (passed != NULL)
			(*passed)++;
	}
	return HF_OK;
}

/*
 * The copy of hold id, carried by a transfer, arrived at `at` on the
 * locked row s (the transfer row locked too). While the hold still waits
 * for it (in_transit) the unit is set aside there for it and the hold
 * turns ready: its pickup window starts now. *taken is 1 then; 0 when the
 * hold ended meanwhile, and the unit is the queue's like any other.
 */
int
holds_arrived(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    uint64_t id, const struct location *at, struct lend_mail *mail,
    int *taken)
{
	struct hold	h;
	int		rc;

	*taken = 0;
	if ((rc = holds_lock(db, ctx->arena, id, &h)) != HF_OK)
		return rc == HF_E_NOT_FOUND ? HF_OK : rc;
	if (h.product_id != s->product_id ||
	    strcmp(h.status, "in_transit") != 0 ||
	    inv_place_free(ctx, s, at) < 1)
		return HF_OK;
	if ((rc = hold_reserve(db, ctx, s, id, at, mail)) != HF_OK)
		return rc;
	*taken = 1;
	return HF_OK;
}

/*
 * The copy of hold id will not arrive (its transfer was closed short): a
 * hold still in transit waits again, first in line (its place in the
 * queue is its created_at, unchanged). The caller passes the product's
 * free units to the queue afterwards.
 */
int
holds_copy_lost(struct db *db, struct svc_ctx *ctx, uint64_t id)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	struct hold	h;
	int		rc;

	if ((rc = holds_lock(db, ctx->arena, id, &h)) != HF_OK)
		return rc == HF_E_NOT_FOUND ? HF_OK : rc;
	if (strcmp(h.status, "in_transit") != 0)
		return HF_OK;
	return db_exec(db, &db_sql_hold_set_waiting, p, 1, NULL, NULL);
}

/* --- the queue as the stock layer sees it ------------------------------ */

/* The units of the locked row s owed to its waiting holds. */
static int
queue_owed(struct db *db, struct svc_ctx *ctx, const struct stock_row *s,
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
static int
queue_lapse(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    const struct reservation *v)
{
	struct db_param	p[1] = { DB_INT((long long)v->id) };
	struct lend_id	h;
	int		rc, found;

	if ((rc = db_row(db, ctx->arena, &db_sql_hold_of_reservation, p, 1,
	    &h, &found)) != HF_OK)
		return rc;
	if (!found)
		return inv_reservation_finish(db, ctx, s, v, "expired",
		    "expired");
	return holds_release(db, ctx, s, h.id, v->id, "expired");
}

/* Units that came back to the locked row s go to the first in line. */
static int
queue_pass(struct db *db, struct svc_ctx *ctx, struct stock_row *s)
{
	return holds_fill(db, ctx, s, NULL, NULL);
}

/* The queue as the stock layer sees it (inv_int.h), for svc_init. */
const struct inv_queue	holds_queue = {
	.owed = queue_owed,		/* count of waiting holds */
	.lapse = queue_lapse,		/* reservation and hold `expired` */
	.pass = queue_pass,		/* units to the first in line */
};

/* --- a product retired ------------------------------------------------- */

/* The e-mail telling a patron their waiting hold ended with the product. */
static int
hold_retired_notice(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct lend_mail *mail)
{
	struct hold		 h;
	struct lend_user	 u;
	const char		*subject, *body;
	int			 rc;

	if ((rc = lend_hold_load(db, ctx->arena, id, &h)) != HF_OK ||
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
 * stock rows locked: every waiting hold of it (and every one whose copy
 * is in transit: the copy reaches the branch unclaimed) ends
 * `cancelled`, and each
 * patron gets an e-mail through the outbox (event type hold.cancelled).
 * Ready holds cannot be there: their reservations keep a product from
 * retiring. *n counts the holds ended.
 */
int
holds_retire(struct db *db, struct svc_ctx *ctx, uint64_t product_id,
    struct lend_mail *mail, unsigned *n)
{
	struct db_param	 p[1] = { DB_INT((long long)product_id) };
	struct lend_id	*ids;
	size_t		 i, nids;
	int		 rc;

	*n = 0;
	if ((rc = db_rows(db, ctx->arena, &db_sql_holds_waiting_lock, p, 1,
	    &ids, &nids)) != HF_OK)
		return rc;
	for (i = 0; i < nids; i++) {
		if ((rc = holds_end(db, ids[i].id, "cancelled")) != HF_OK ||
		    (rc = hold_retired_notice(db, ctx, ids[i].id, mail)) !=
		    HF_OK)
			return rc;
		(*n)++;
	}
	return HF_OK;
}

/* --- the cron: lapsed holds and stalled queues ------------------------- */

/* Expires hold t->id if it is still ready past its window. */
static int
lapse_fn(struct db *db, void *arg)
{
	struct sweep_item	*t = arg;
	struct hold		 h, l;
	struct stock_row	 s;
	int			 rc;

	t->done = 0;
	t->passed = 0;
	if ((rc = lend_hold_load(db, t->ctx->arena, t->id, &h)) != HF_OK)
		return rc == HF_E_NOT_FOUND ? HF_OK : rc;
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, h.product_id, &s)) !=
	    HF_OK ||
	    (rc = holds_lock(db, t->ctx->arena, t->id, &l)) != HF_OK)
		return rc;
	if (strcmp(l.status, "ready") != 0 || !l.pickup_passed)
		return HF_OK;	/* collected or cancelled meanwhile */
	if ((rc = holds_release(db, t->ctx, &s, t->id,
	    (uint64_t)l.reservation_id, "expired")) != HF_OK)
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

/* Passes the free units of product t->id to its queue. */
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
 * go to the queue. Returns how many products were looked at, or minus an
 * hf_err.
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
