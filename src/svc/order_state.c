/*
 * order_state.c: the order state machine (issue 6). An order moves
 *
 *	pending_payment -> paid -> fulfilled
 *	pending_payment -> cancelled | expired	(its units released)
 *	paid | fulfilled -> refunded		(its units restocked:
 *						 refunds.c, issue 15)
 *
 * by POST /orders/{id}/pay|cancel|refund|fulfill (svc_order_act), by the
 * payment callback (payments.c calls order_pay) and by holdfast-expire
 * (svc_orders_expire_due). Each ending of a reservation and each restock
 * is a ledger row naming the order (reference_type 'order'); paying and
 * cancelling write an order.* webhook event in the same transaction.
 *
 * Lock order: the order row, the stock rows of its reservations (SKU
 * order), then the reservations (inv_lock_ref_lines).
 *
 * A refusal that must still write something (paying an order past its
 * TTL expires it) commits that, then answers the refusal: see the
 * refusal fields below.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_orders.h"
#include "holdfast/orders.h"
#include "holdfast/outbox.h"
#include "holdfast/coupons.h"
#include "holdfast/delivery.h"
#include "holdfast/points.h"
#include "holdfast/groups.h"
#include "inv_int.h"
#include "ord_int.h"

/* enum order_action: its name in messages and in the audit log */
static const char *const order_actions[ORDER_ACTION__MAX] = {
	"pay",		/* ORDER_PAY */
	"cancel",	/* ORDER_CANCEL */
	"refund",	/* ORDER_REFUND */
	"fulfill",	/* ORDER_FULFILL */
};

/* The data of an order.* event. */
struct order_event {
	uint64_t	 order_id;
	const char	*reference_id, *status;
	long long	 user_id;	/* HF_NULL_INT: an API key's */
	const char	*total, *currency;
	const char	*lines;		/* JSON text: order_line_fields */
};

static const struct hf_field order_event_fields[] = {
	HF_FIELD(struct order_event, order_id, HF_K_U64),
	HF_FIELD(struct order_event, reference_id, HF_K_STR),
	HF_FIELD(struct order_event, status, HF_K_STR),
	HF_FIELDF(struct order_event, user_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct order_event, total, HF_K_MONEY),
	HF_FIELD(struct order_event, currency, HF_K_STR),
	HF_FIELD(struct order_event, lines, HF_K_JSON),
};

/* An order's status, the audit value of a transition. */
struct order_status_value {
	const char	*status;
};

static const struct hf_field order_status_fields[] = {
	HF_FIELD(struct order_status_value, status, HF_K_STR),
};

/* Who placed it: the user, or the API key when no user did. */
static int
order_owner(const struct principal *who, const struct order *o)
{
	if (order_user(o) != 0)
		return order_user(o) == who->user_id;
	return o->created_by != NULL && strcmp(o->created_by, who->actor) == 0;
}

/* Sets the message and details of an illegal transition; returns code. */
static int
order_refuse(struct svc_ctx *ctx, const struct order *o, int code,
    const char *action)
{
	ctx->message = arena_printf(ctx->arena, "order %llu is %s: %s",
	    (unsigned long long)o->id, o->status, hf_err_message(code));
	svc_details_clear(ctx);
	svc_detail_int(ctx, "order_id", (long long)o->id);
	svc_detail_str(ctx, "status", o->status);
	svc_detail_str(ctx, "action", action);
	return code;
}

/* The lines of o as a JSON array (arena), NULL when out of memory. */
static const char *
order_lines_text(struct arena *a, const struct order *o)
{
	const char	*t = "[", *line;
	size_t		 i;

	for (i = 0; i < o->nlines && t != NULL; i++) {
		if ((line = hf_fields_text(a, order_line_fields,
		    HF_NITEMS(order_line_fields), &o->lines[i])) == NULL)
			return NULL;
		t = arena_printf(a, "%s%s%s", t, i > 0 ? "," : "", line);
	}
	return t != NULL ? arena_printf(a, "%s]", t) : NULL;
}

/*
 * An order.* webhook event (outbox_event) for o in its new status, in the
 * caller's transaction.
 */
static int
order_event(struct db *db, const struct svc_ctx *ctx, const struct order *o,
    const char *event)
{
	struct order_event	 e;
	const char		*data;

	memset(&e, 0, sizeof(e));
	e.order_id = o->id;
	e.reference_id = o->reference_id;
	e.status = o->status;
	e.user_id = order_user(o) != 0 ? o->user_id : HF_NULL_INT;
	e.total = o->total;
	e.currency = o->currency;
	if ((e.lines = order_lines_text(ctx->arena, o)) == NULL ||
	    (data = hf_fields_text(ctx->arena, order_event_fields,
	    HF_NITEMS(order_event_fields), &e)) == NULL)
		return HF_E_SYS_INTERNAL;
	return outbox_event_text(db, event, data, ctx->request_id);
}

/* from -> to on a locked order; the matching *_at is set to now. */
static int
order_set_status(struct db *db, struct order *o, const char *to)
{
	struct db_param	p[7];
	uint64_t	n = 0;
	int		rc;

	p[0] = DB_STR(to);	/* the status, then each *_at's test */
	p[1] = DB_STR(to);
	p[2] = DB_STR(to);
	p[3] = DB_STR(to);
	p[4] = DB_STR(to);
	p[5] = DB_INT((long long)o->id);
	p[6] = DB_STR(o->status);
	if ((rc = db_exec(db, &db_sql_order_set_status, p, 7, &n, NULL)) !=
	    HF_OK)
		return rc;
	if (n != 1)
		return HF_E_DB;	/* the row is locked: cannot happen */
	o->status = to;
	return HF_OK;
}

/*
 * Ends every active reservation of a locked order: "committed" (a deduct
 * each), "released" or "expired" (a release each), every row naming the
 * order. res: its n reservations, locked by inv_lock_ref_lines (which
 * locks their stock rows first, in SKU order).
 */
static int
order_finish_all(struct db *db, struct svc_ctx *ctx, const struct order *o,
    const struct reservation *res, size_t n, const char *end,
    const char *reason)
{
	struct stock_row	s;
	const char		*oid = order_id_text(ctx->arena, o->id);
	size_t			i;
	int			rc;

	for (i = 0; i < n; i++) {
		if ((rc = inv_stock_lock(db, ctx->arena, NULL,
		    res[i].product_id, &s)) != HF_OK)
			return rc;
		if ((rc = inv_reservation_finish_as(db, ctx, &s, &res[i], end,
		    reason, "order", oid)) != HF_OK)
			return rc;
	}
	return HF_OK;
}

/*
 * Ends a locked unpaid order without payment: "cancelled" or "expired".
 * Its reservations that are still active are released (or expired), and
 * an order.cancelled event says which it was. (A group's failure ends
 * its paid, undeducted seats here too: group_expire.c.)
 */
int
order_end_unpaid(struct db *db, struct svc_ctx *ctx, struct order *o,
    struct reservation *res, size_t n, const char *to)
{
	int	rc, cancel = strcmp(to, "cancelled") == 0;

	if (res == NULL && (rc = inv_lock_ref_lines(db, ctx, o->reference_id,
	    &res, &n)) != HF_OK)
		return rc;
	if ((rc = order_finish_all(db, ctx, o, res, n, cancel ? "released" :
	    "expired", to)) != HF_OK)
		return rc;
	if ((rc = order_set_status(db, o, to)) != HF_OK)
		return rc;
	/* the group's row, the slot's, the campaign's, then the points
	 * account (the order of placing it) */
	if ((rc = grp_order_end(db, ctx, o, to)) != HF_OK ||
	    (rc = dlv_order_end(db, ctx, o, 0)) != HF_OK ||
	    (rc = coupon_order_end(db, ctx, o, 0)) != HF_OK ||
	    (rc = points_order_unpaid(db, ctx, o, to)) != HF_OK)
		return rc;
	return order_event(db, ctx, o, "order.cancelled");
}

/*
 * Pays a locked order: every reservation is committed (a deduct naming
 * the order), the order turns paid and an order.paid event is written.
 * *refusal is set instead when it cannot be paid: ORD_003 for an order
 * past its TTL, which is expired here (its units come back at once), or
 * whose reservation the cron already expired; ORD_002 for any other
 * state. Returns HF_OK or a database error.
 */
int
order_pay(struct db *db, struct svc_ctx *ctx, struct order *o, int *refusal)
{
	struct reservation	*res;
	size_t			 n;
	int			 rc, defer;

	if (strcmp(o->status, "expired") == 0) {
		*refusal = order_refuse(ctx, o, HF_E_ORD_EXPIRED, "pay");
		return HF_OK;
	}
	if (strcmp(o->status, "pending_payment") != 0) {
		*refusal = order_refuse(ctx, o, HF_E_ORD_NOT_PAYABLE, "pay");
		return HF_OK;
	}
	if ((rc = inv_lock_ref_lines(db, ctx, o->reference_id, &res, &n)) !=
	    HF_OK)
		return rc;
	if (o->past_ttl || n != o->nlines) {
		if ((rc = order_end_unpaid(db, ctx, o, res, n, "expired")) !=
		    HF_OK)
			return rc;
		*refusal = order_refuse(ctx, o, HF_E_ORD_EXPIRED, "pay");
		ctx->message = arena_printf(ctx->arena, "order %llu expired at "
		    "%s: it can no longer be paid", (unsigned long long)o->id,
		    o->expires_at);
		return HF_OK;
	}
	/* a group's seat keeps its units reserved until the group
	 * succeeds (group_orders.c) */
	if ((rc = grp_order_paid(db, ctx, o, &defer)) != HF_OK)
		return rc;
	if (!defer && (rc = order_finish_all(db, ctx, o, res, n, "committed",
	    "paid")) != HF_OK)
		return rc;
	if ((rc = order_set_status(db, o, "paid")) != HF_OK)
		return rc;
	if ((rc = dlv_order_end(db, ctx, o, 1)) != HF_OK ||
	    (rc = coupon_order_end(db, ctx, o, 1)) != HF_OK ||
	    (rc = points_order_paid(db, ctx, o)) != HF_OK)
		return rc;
	return order_event(db, ctx, o, "order.paid");
}

/* --- transitions ------------------------------------------------------ */

struct act_txn {
	struct svc_ctx		*ctx;
	uint64_t		 id;
	enum order_action	 action;
	struct idem		*idem;
	struct order		*out;
	int			 refusal;	/* answered after COMMIT */
};

/* {"status": status} as JSON text, an audit value. */
static const char *
status_text(struct arena *a, const char *status)
{
	struct order_status_value	v = { status };

	return hf_fields_text(a, order_status_fields,
	    HF_NITEMS(order_status_fields), &v);
}

static int
act_fn(struct db *db, void *arg)
{
	struct act_txn	*t = arg;
	struct svc_ctx	*ctx = t->ctx;
	struct order	 o;
	const char	*from, *action = order_actions[t->action];
	int		 rc;

	t->refusal = HF_OK;
	rc = order_load(db, ctx->arena, t->id, 1, &o);
	if (rc == HF_E_ORD_NOT_FOUND || (rc == HF_OK &&
	    !order_visible(ctx->who, &o)))
		return order_not_found(ctx, t->id);
	if (rc != HF_OK)
		return rc;
	from = o.status;
	switch (t->action) {
	case ORDER_PAY:
		rc = order_pay(db, ctx, &o, &t->refusal);
		break;
	case ORDER_CANCEL:
		if (ctx->who->role != ROLE_ADMIN &&
		    !order_owner(ctx->who, &o)) {
			ctx->message = arena_printf(ctx->arena, "only the "
			    "owner or an admin can cancel order %llu",
			    (unsigned long long)o.id);
			return HF_E_AUTH_FORBIDDEN;
		}
		if (strcmp(o.status, "pending_payment") != 0)
			return order_refuse(ctx, &o, HF_E_ORD_NOT_CANCELLABLE,
			    action);
		rc = order_end_unpaid(db, ctx, &o, NULL, 0, "cancelled");
		break;
	case ORDER_REFUND:
		if (strcmp(o.status, "paid") != 0 &&
		    strcmp(o.status, "fulfilled") != 0)
			return order_refuse(ctx, &o, HF_E_ORD_NOT_REFUNDABLE,
			    action);
		/* a group's seat only once its group succeeded; refunds.c:
		 * what is left, units and points back */
		if ((rc = grp_order_settled(db, ctx, &o)) == HF_OK &&
		    (rc = refund_order_whole(db, ctx, &o)) == HF_OK)
			rc = order_set_status(db, &o, "refunded");
		break;
	case ORDER_FULFILL:
		if (strcmp(o.status, "paid") != 0)
			return order_refuse(ctx, &o, HF_E_ORD_NOT_FULFILLABLE,
			    action);
		if ((rc = grp_order_settled(db, ctx, &o)) == HF_OK &&
		    (rc = points_order_fulfilled(db, ctx, &o)) == HF_OK)
			rc = order_set_status(db, &o, "fulfilled");
		break;
	default:
		return HF_E_SYS_INTERNAL;
	}
	if (rc != HF_OK)
		return rc;
	if (t->refusal != HF_OK)
		return HF_OK;	/* commit the expiry, then refuse */
	if ((rc = svc_audit_text(db, ctx, arena_printf(ctx->arena,
	    "order.%s", action), "order", o.id, status_text(ctx->arena, from),
	    status_text(ctx->arena, o.status))) != HF_OK)
		return rc;
	if ((rc = order_load(db, ctx->arena, t->id, 0, t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * pay, cancel, refund or fulfill order id (the route checked the role;
 * cancel also wants the owner or an admin). An illegal transition is 409
 * ORD_002..ORD_006 naming the current state.
 */
int
svc_order_act(struct svc_ctx *ctx, uint64_t id, enum order_action action,
    struct idem *idem, struct order *out)
{
	struct act_txn	t;
	int		rc;

	if ((unsigned)action >= ORDER_ACTION__MAX)
		return HF_E_SYS_INTERNAL;
	memset(&t, 0, sizeof(t));
	memset(out, 0, sizeof(*out));
	t.ctx = ctx;
	t.id = id;
	t.action = action;
	t.idem = idem;
	t.out = out;
	rc = svc_txn(ctx, act_fn, &t);
	return rc == HF_OK ? t.refusal : rc;
}

/* --- expiry (holdfast-expire) ----------------------------------------- */

/* Expires one order if it is still unpaid and past its TTL. */
static int
expire_fn(struct db *db, void *arg)
{
	struct sweep_item	*t = arg;
	struct order		 o;
	int			 rc;

	t->done = 0;
	rc = order_load(db, t->ctx->arena, t->id, 1, &o);
	if (rc == HF_E_ORD_NOT_FOUND)
		return HF_OK;
	if (rc != HF_OK)
		return rc;
	if (strcmp(o.status, "pending_payment") != 0 || !o.past_ttl)
		return HF_OK;	/* paid or cancelled meanwhile */
	if ((rc = order_end_unpaid(db, t->ctx, &o, NULL, 0, "expired")) != HF_OK)
		return rc;
	t->done = 1;
	return HF_OK;
}

/*
 * Expires up to batch unpaid orders past their TTL, each in its own
 * transaction under its row lock, so a second copy of the cron, a payment
 * or a cancel racing it find it already ended and skip it. Returns how
 * many were due, or minus an hf_err.
 */
int
svc_orders_expire_due(struct app *app, int batch, int dry_run,
    unsigned *expired, unsigned *skipped)
{
	struct sweep_stats	st;
	int			rc;

	rc = svc_sweep(app, &db_sql_orders_due, batch, dry_run, expire_fn,
	    &st);
	*expired = st.done;
	*skipped = st.skipped;
	return rc;
}
