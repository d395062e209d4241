/*
 * orders.c: the shop (issue 6). An order reserves every line or none for
 * order_ttl seconds at the prices of that moment, then moves
 *
 *	pending_payment -> paid -> fulfilled
 *	pending_payment -> cancelled | expired	(its units released)
 *	paid | fulfilled -> refunded		(its units restocked)
 *
 * Every stock move goes through the inventory primitives (inv_int.h), in
 * one transaction per call. The ledger rows of an order name it
 * (reference_type 'order', reference_id its id); the rows that reserve or
 * end one of its reservations also carry that reservation's id
 * (ledger.reservation_id), which reconcile checks.
 *
 * Lock order: the order row, the stock rows of its reservations (SKU
 * order), then the reservations (inv_lock_reference). Creating an order
 * locks stock rows first, but its order and reservation rows are new:
 * nobody else can be waiting on them.
 *
 * A refusal that must still write something (a payment notification that
 * does not match is recorded; paying an order past its TTL expires it)
 * commits that, then answers the refusal: see the refusal fields below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "holdfast/db.h"
#include "holdfast/db_orders.h"
#include "holdfast/orders.h"
#include "holdfast/outbox.h"
#include "inv_int.h"

#define MONEY_MAX_CENTS	999999999999LL	/* DECIMAL(12,2) */

/* Columns of ORDER_COLS (sql_orders.c). */
enum { O_ID, O_USER, O_BY, O_STATUS, O_TOTAL, O_CUR, O_NOTE, O_REF,
    O_EXPIRES, O_PAID, O_CANCELLED, O_REFUNDED, O_FULFILLED, O_CREATED,
    O_UPDATED, O_PAST, O_CENTS, O__MAX };

/* enum order_action: its name in messages and in the audit log */
static const char *const order_actions[ORDER_ACTION__MAX] = {
	"pay",		/* ORDER_PAY */
	"cancel",	/* ORDER_CANCEL */
	"refund",	/* ORDER_REFUND */
	"fulfill",	/* ORDER_FULFILL */
};

static void
order_from_row(const struct db_result *r, size_t row, struct order *o)
{
	memset(o, 0, sizeof(*o));
	o->id = (uint64_t)inv_cell_ll(r, row, O_ID);
	o->user_id = (uint64_t)inv_cell_ll(r, row, O_USER);
	o->created_by = DB_CELL(r, row, O_BY);
	o->status = DB_CELL(r, row, O_STATUS);
	o->total = DB_CELL(r, row, O_TOTAL);
	o->currency = DB_CELL(r, row, O_CUR);
	o->note = DB_CELL(r, row, O_NOTE);
	o->reference_id = DB_CELL(r, row, O_REF);
	o->expires_at = DB_CELL(r, row, O_EXPIRES);
	o->paid_at = DB_CELL(r, row, O_PAID);
	o->cancelled_at = DB_CELL(r, row, O_CANCELLED);
	o->refunded_at = DB_CELL(r, row, O_REFUNDED);
	o->fulfilled_at = DB_CELL(r, row, O_FULFILLED);
	o->created_at = DB_CELL(r, row, O_CREATED);
	o->updated_at = DB_CELL(r, row, O_UPDATED);
	o->past_ttl = inv_cell_ll(r, row, O_PAST) != 0;
	o->total_cents = inv_cell_ll(r, row, O_CENTS);
}

/* Loads order id with its lines (lock: FOR UPDATE). HF_E_ORD_NOT_FOUND. */
static int
order_load(struct db *db, struct arena *a, uint64_t id, int lock,
    struct order *o)
{
	struct db_param		 p[1] = { DB_INT((long long)id) };
	struct db_result	 r;
	struct order_line	*l;
	size_t			 i;
	int			 rc;

	if ((rc = db_query(db, a, lock ? &db_sql_order_lock :
	    &db_sql_order_by_id, p, 1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_ORD_NOT_FOUND;
	order_from_row(&r, 0, o);
	if ((rc = db_query(db, a, &db_sql_order_lines, p, 1, &r)) != HF_OK)
		return rc;
	if ((o->lines = arena_calloc(a, r.nrows + 1, sizeof(*l))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++) {
		l = &o->lines[i];
		l->id = (uint64_t)inv_cell_ll(&r, i, 0);
		l->sku = DB_CELL(&r, i, 1);
		l->quantity = inv_cell_ll(&r, i, 2);
		l->unit_price = DB_CELL(&r, i, 3);
		l->line_total = DB_CELL(&r, i, 4);
		l->reservation_id = (uint64_t)inv_cell_ll(&r, i, 5);
		l->product_id = (uint64_t)inv_cell_ll(&r, i, 6);
	}
	o->nlines = r.nrows;
	return HF_OK;
}

/* Staff (business, admin) see every order; a user sees their own. */
static int
order_visible(const struct principal *who, const struct order *o)
{
	return who->role >= ROLE_BUSINESS ||
	    (o->user_id != 0 && o->user_id == who->user_id);
}

/* Who placed it: the user, or the API key when no user did. */
static int
order_owner(const struct principal *who, const struct order *o)
{
	if (o->user_id != 0)
		return o->user_id == who->user_id;
	return o->created_by != NULL && strcmp(o->created_by, who->actor) == 0;
}

static int
order_not_found(struct svc_ctx *ctx, uint64_t id)
{
	ctx->message = arena_printf(ctx->arena, "order %llu not found",
	    (unsigned long long)id);
	return HF_E_ORD_NOT_FOUND;
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

static char *
order_id_text(struct arena *a, uint64_t id)
{
	return arena_printf(a, "%llu", (unsigned long long)id);
}

/* An order.* webhook event (outbox_event), in the caller's transaction. */
static int
order_event(struct db *db, const struct svc_ctx *ctx, const struct order *o,
    const char *event, const char *status)
{
	json_object	*d = json_object_new_object(), *lines, *l;
	size_t		 i;

	lines = json_object_new_array();
	for (i = 0; i < o->nlines; i++) {
		l = json_object_new_object();
		json_object_object_add(l, "sku",
		    json_object_new_string(o->lines[i].sku));
		json_object_object_add(l, "quantity",
		    json_object_new_int64(o->lines[i].quantity));
		json_object_object_add(l, "unit_price",
		    json_object_new_string(o->lines[i].unit_price));
		json_object_array_add(lines, l);
	}
	json_object_object_add(d, "order_id",
	    json_object_new_int64((int64_t)o->id));
	json_object_object_add(d, "reference_id",
	    json_object_new_string(o->reference_id));
	json_object_object_add(d, "status", json_object_new_string(status));
	json_object_object_add(d, "user_id", o->user_id != 0 ?
	    json_object_new_int64((int64_t)o->user_id) : NULL);
	json_object_object_add(d, "total", json_object_new_string(o->total));
	json_object_object_add(d, "currency",
	    json_object_new_string(o->currency));
	json_object_object_add(d, "lines", lines);
	return outbox_event(db, event, d, ctx->request_id);
}

/* from -> to on a locked order; the matching *_at is set to now. */
static int
order_set_status(struct db *db, struct order *o, const char *to)
{
	struct db_param	p[7];
	uint64_t	n = 0;
	int		rc;

	p[0] = DB_STR(to);
	p[1] = p[0];
	p[2] = p[0];
	p[3] = p[0];
	p[4] = p[0];
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
 * Locks the stock rows of a locked order's active reservations, then the
 * reservations (SKU order: the lock order of inv_lock_reference).
 */
static int
order_reservations(struct db *db, struct svc_ctx *ctx, const struct order *o,
    struct db_result *r)
{
	return inv_lock_reference(db, ctx, o->reference_id, r);
}

/*
 * Ends every active reservation of a locked order: "committed" (a deduct
 * each), "released" or "expired" (a release each), every row naming the
 * order. res: the reservations, locked by order_reservations().
 */
static int
order_finish_all(struct db *db, struct svc_ctx *ctx, const struct order *o,
    const struct db_result *res, const char *end, const char *reason)
{
	struct reservation	v;
	struct stock_row	s;
	const char		*oid = order_id_text(ctx->arena, o->id);
	size_t			i;
	int			rc;

	for (i = 0; i < res->nrows; i++) {
		inv_reservation_from_row(res, i, &v);
		if ((rc = inv_stock_lock(db, ctx->arena, NULL,
		    (uint64_t)inv_cell_ll(res, i, R_PID), &s)) != HF_OK)
			return rc;
		if ((rc = inv_reservation_finish_as(db, ctx, &s, &v, end,
		    reason, "order", oid)) != HF_OK)
			return rc;
	}
	return HF_OK;
}

/*
 * Ends a locked unpaid order without payment: "cancelled" or "expired".
 * Its reservations that are still active are released (or expired), and
 * an order.cancelled event says which it was.
 */
static int
order_end_unpaid(struct db *db, struct svc_ctx *ctx, struct order *o,
    const struct db_result *res, const char *to)
{
	struct db_result	r;
	int			rc, cancel = strcmp(to, "cancelled") == 0;

	if (res == NULL) {
		if ((rc = order_reservations(db, ctx, o, &r)) != HF_OK)
			return rc;
		res = &r;
	}
	if ((rc = order_finish_all(db, ctx, o, res, cancel ? "released" :
	    "expired", to)) != HF_OK)
		return rc;
	if ((rc = order_set_status(db, o, to)) != HF_OK)
		return rc;
	return order_event(db, ctx, o, "order.cancelled", to);
}

/*
 * Pays a locked order: every reservation is committed (a deduct naming
 * the order), the order turns paid and an order.paid event is written.
 * *refusal is set instead when it cannot be paid: ORD_003 for an order
 * past its TTL, which is expired here (its units come back at once), or
 * whose reservation the cron already expired; ORD_002 for any other
 * state. Returns HF_OK or a database error.
 */
static int
order_pay(struct db *db, struct svc_ctx *ctx, struct order *o, int *refusal)
{
	struct db_result	r;
	int			rc;

	if (strcmp(o->status, "expired") == 0) {
		*refusal = order_refuse(ctx, o, HF_E_ORD_EXPIRED, "pay");
		return HF_OK;
	}
	if (strcmp(o->status, "pending_payment") != 0) {
		*refusal = order_refuse(ctx, o, HF_E_ORD_NOT_PAYABLE, "pay");
		return HF_OK;
	}
	if ((rc = order_reservations(db, ctx, o, &r)) != HF_OK)
		return rc;
	if (o->past_ttl || r.nrows != o->nlines) {
		if ((rc = order_end_unpaid(db, ctx, o, &r, "expired")) != HF_OK)
			return rc;
		*refusal = order_refuse(ctx, o, HF_E_ORD_EXPIRED, "pay");
		ctx->message = arena_printf(ctx->arena, "order %llu expired at "
		    "%s: it can no longer be paid", (unsigned long long)o->id,
		    o->expires_at);
		return HF_OK;
	}
	if ((rc = order_finish_all(db, ctx, o, &r, "committed", "paid")) !=
	    HF_OK)
		return rc;
	if ((rc = order_set_status(db, o, "paid")) != HF_OK)
		return rc;
	return order_event(db, ctx, o, "order.paid", "paid");
}

/* Refund: every line comes back as a restock naming the order. */
static int
order_restock(struct db *db, struct svc_ctx *ctx, const struct order *o)
{
	struct stock_row	s;
	struct change		c;
	size_t			i;
	int			rc;

	memset(&c, 0, sizeof(c));
	c.type = "restock";
	c.ref_type = "order";
	c.ref_id = order_id_text(ctx->arena, o->id);
	c.reason = "refund";
	for (i = 0; i < o->nlines; i++) {	/* lines come in SKU order */
		if ((rc = inv_stock_lock(db, ctx->arena, NULL,
		    o->lines[i].product_id, &s)) != HF_OK)
			return rc;
		c.d_on = o->lines[i].quantity;
		if ((rc = inv_stock_change(db, ctx, &s, &c, NULL)) != HF_OK)
			return rc;
	}
	return HF_OK;
}

/* --- placing an order ------------------------------------------------ */

struct create_txn {
	struct svc_ctx			*ctx;
	const struct order_new		*in;
	struct reserve_item		*lines;	/* sorted, summed */
	size_t				 n;
	const char			*reference;
	struct idem			*idem;
	struct order			*out;
};

/*
 * The order's rule for the locker: the units available to this caller
 * (inv_takeable: units owed to waiting holds excluded, expired
 * reservations of the SKU freed first), and the line's unit price in
 * cents (arg: one per line) read from the product of the locked row.
 */
static int
create_rule(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    const struct reserve_item *line, size_t i, void *arg, long long *n)
{
	long long		*cents = arg;
	struct db_param		 p[1];
	struct db_result	 r;
	int			 rc;

	p[0] = DB_INT((long long)s->product_id);
	if ((rc = db_query(db, ctx->arena, &db_sql_order_product, p, 1, &r)) !=
	    HF_OK)
		return rc;
	if (r.nrows != 1)
		return HF_E_DB;
	cents[i] = inv_cell_ll(&r, 0, 0);
	return inv_takeable(db, ctx, s, line->quantity, n);
}

static int
create_fn(struct db *db, void *arg)
{
	struct create_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct stock_row	*rows;
	struct inv_lock		 lk;
	struct db_param		 p[5];
	struct change		 c;
	long long		*cents, total = 0;
	uint64_t		 oid, rid;
	const char		*oid_s;
	size_t			 i;
	int			 rc;

	if ((cents = arena_calloc(ctx->arena, t->n + 1, sizeof(*cents))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	if ((rc = inv_lock_lines(db, ctx, t->lines, t->n, create_rule, cents,
	    &lk)) != HF_OK)
		return rc;
	rows = lk.rows;
	for (i = 0; i < t->n; i++) {
		if (inv_closed(&rows[i]))
			continue;
		if (cents[i] > 0 && t->lines[i].quantity > (MONEY_MAX_CENTS -
		    total) / cents[i]) {
			ctx->message = "the order's total would exceed "
			    "9999999999.99";
			return HF_E_INV_PARAM;
		}
		total += cents[i] * t->lines[i].quantity;
	}
	if ((rc = inv_lock_verdict(ctx, &lk)) != HF_OK)
		return rc;
	p[0] = ctx->who->user_id != 0 ?
	    DB_INT((long long)ctx->who->user_id) : DB_NULL;
	p[1] = DB_STR(ctx->who->actor);
	p[2] = t->in->note != NULL ? DB_STR(t->in->note) : DB_NULL;
	p[3] = DB_STR(t->reference);
	p[4] = DB_INT(ctx->app->cfg.order_ttl);
	if ((rc = db_exec(db, &db_sql_order_insert, p, 5, NULL, &oid)) != HF_OK)
		return rc;
	oid_s = order_id_text(ctx->arena, oid);
	for (i = 0; i < t->n; i++) {
		p[0] = DB_INT((long long)rows[i].product_id);
		p[1] = DB_INT(t->lines[i].quantity);
		p[2] = DB_STR(ctx->who->actor);
		p[3] = DB_INT((long long)oid);
		if ((rc = db_exec(db, &db_sql_order_reserve, p, 4, NULL,
		    &rid)) != HF_OK)
			return rc;
		memset(&c, 0, sizeof(c));
		c.type = "reserve";
		c.d_res = t->lines[i].quantity;
		c.ref_type = "order";
		c.ref_id = oid_s;
		c.reason = "order";
		c.reservation_id = rid;
		if ((rc = inv_stock_change(db, ctx, &rows[i], &c, NULL)) !=
		    HF_OK)
			return rc;
		p[0] = DB_INT((long long)oid);
		p[1] = DB_INT(t->lines[i].quantity);
		p[2] = p[1];
		p[3] = DB_INT((long long)rid);
		p[4] = DB_INT((long long)rows[i].product_id);
		if ((rc = db_exec(db, &db_sql_order_line_insert, p, 5, NULL,
		    NULL)) != HF_OK)
			return rc;
	}
	p[0] = DB_INT((long long)oid);
	p[1] = p[0];
	if ((rc = db_exec(db, &db_sql_order_set_total, p, 2, NULL, NULL)) !=
	    HF_OK)
		return rc;
	if ((rc = order_load(db, ctx->arena, oid, 0, t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Places an order for the caller: every line reserved or none (lines of
 * one SKU summed, rows locked in SKU order), each at the product's price
 * of this moment. A shortfall is INV_002 with every short line in
 * ctx->details; an unknown SKU INV_001.
 */
int
svc_order_create(struct svc_ctx *ctx, const struct order_new *in,
    struct idem *idem, struct order *out)
{
	struct create_txn	t;
	char			ref[40];
	int			rc;

	memset(&t, 0, sizeof(t));
	memset(out, 0, sizeof(*out));
	if (in->nitems == 0 || in->nitems > ORDER_MAX_LINES) {
		ctx->field = "items";
		ctx->reason = "1 to 100 lines";
		return HF_E_REQ_FIELD;
	}
	if ((rc = inv_lines_merge(ctx, in->items, in->nitems, &t.lines,
	    &t.n)) != HF_OK)
		return rc;
	memcpy(ref, "ord_", 4);
	if (hf_random_hex(ref + 4, 12) != 0)
		return HF_E_SYS_INTERNAL;
	t.ctx = ctx;
	t.in = in;
	t.reference = arena_strdup(ctx->arena, ref);
	t.idem = idem;
	t.out = out;
	return svc_txn(ctx, create_fn, &t);
}

/* --- reading ---------------------------------------------------------- */

int
svc_order_get(struct svc_ctx *ctx, uint64_t id, struct order *o)
{
	int	rc;

	rc = order_load(ctx->app->db, ctx->arena, id, 0, o);
	if (rc == HF_E_ORD_NOT_FOUND || (rc == HF_OK &&
	    !order_visible(ctx->who, o)))
		return order_not_found(ctx, id);
	return rc;
}

/* Newest first; a user sees their own orders, staff every order. */
int
svc_orders_list(struct svc_ctx *ctx, const char *status, long long page,
    long long per_page, struct order **out, size_t *n, long long *total)
{
	struct db_param		p[6];
	struct db_result	r;
	size_t			i;
	int			rc;

	p[0] = ctx->who->role >= ROLE_BUSINESS ? DB_NULL :
	    DB_INT((long long)ctx->who->user_id);
	p[1] = p[0];
	p[2] = status != NULL ? DB_STR(status) : DB_NULL;
	p[3] = p[2];
	p[4] = DB_INT(per_page);
	p[5] = DB_INT((page - 1) * per_page);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_orders_count, p,
	    4, &r)) != HF_OK)
		return rc;
	*total = inv_cell_ll(&r, 0, 0);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_orders_list, p,
	    6, &r)) != HF_OK)
		return rc;
	if ((*out = arena_calloc(ctx->arena, r.nrows + 1, sizeof(**out))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++)
		order_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	return HF_OK;
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

static json_object *
status_json(const char *status)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string(status));
	return o;
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
		rc = order_end_unpaid(db, ctx, &o, NULL, "cancelled");
		break;
	case ORDER_REFUND:
		if (strcmp(o.status, "paid") != 0 &&
		    strcmp(o.status, "fulfilled") != 0)
			return order_refuse(ctx, &o, HF_E_ORD_NOT_REFUNDABLE,
			    action);
		if ((rc = order_restock(db, ctx, &o)) == HF_OK)
			rc = order_set_status(db, &o, "refunded");
		break;
	case ORDER_FULFILL:
		if (strcmp(o.status, "paid") != 0)
			return order_refuse(ctx, &o, HF_E_ORD_NOT_FULFILLABLE,
			    action);
		rc = order_set_status(db, &o, "fulfilled");
		break;
	default:
		return HF_E_SYS_INTERNAL;
	}
	if (rc != HF_OK)
		return rc;
	if (t->refusal != HF_OK)
		return HF_OK;	/* commit the expiry, then refuse */
	if ((rc = svc_audit(db, ctx, arena_printf(ctx->arena, "order.%s",
	    action), "order", o.id, status_json(from),
	    status_json(o.status))) != HF_OK)
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
	if ((rc = order_end_unpaid(db, t->ctx, &o, NULL, "expired")) != HF_OK)
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

/* --- statistics ------------------------------------------------------- */

#define STATS_DEFAULT_DAYS	30
#define STATS_MAX_DAYS		366

/* The day of t, as "YYYY-MM-DD" or (with_time) the midnight it starts. */
static const char *
stats_day_text(struct arena *a, long long t, int with_time)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		buf[32];

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof(buf),
	    with_time ? "%Y-%m-%d 00:00:00" : "%Y-%m-%d", &tm) == 0)
		return "";
	return arena_strdup(a, buf);
}

static int
stats_kept(const char *status)
{
	return strcmp(status, "paid") == 0 || strcmp(status, "fulfilled") == 0;
}

static json_object *
stats_group(const char *status, long long count, const char *total)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "count", json_object_new_int64(count));
	json_object_object_add(o, "total", json_object_new_string(total));
	return o;
}

static const char *
stats_money(struct arena *a, long long cents)
{
	return arena_printf(a, "%lld.%02lld", cents / 100, cents % 100);
}

/*
 * GET /stats/orders: the orders created on each day (UTC) of a range, both
 * days included (to: today, from: 29 days before, by default; at most 366
 * days), every day listed: their count and revenue, and count and total by
 * status. revenue is what was taken and kept: the totals of the orders now
 * paid or fulfilled. REQ_010 for a bad or reversed range.
 */
int
svc_order_stats(struct svc_ctx *ctx, const char *from_day, const char *to_day,
    json_object **out)
{
	static const char *const statuses[] = { "pending_payment", "paid",
	    "fulfilled", "cancelled", "expired", "refunded", NULL };
	struct db_param		 p[2];
	struct db_result	 r;
	json_object		*days, *day, *groups, *by_status;
	long long		 from, to, d, cnt, cents, n;
	long long		 all_n = 0, kept = 0;
	long long		 st_n[7], st_cents[7];
	const char		*name;
	size_t			 row = 0, k;
	int			 rc;

	*out = NULL;
	to = to_day != NULL ? hf_day_parse(to_day) :
	    hf_unix_time() / 86400 * 86400;
	from = from_day != NULL ? hf_day_parse(from_day) :
	    to - (STATS_DEFAULT_DAYS - 1) * 86400LL;
	ctx->reason = "a day as YYYY-MM-DD";
	if (to < 0 || from < 0) {
		ctx->field = to < 0 ? "to" : "from";
		return HF_E_REQ_FIELD;
	}
	if (from > to || (to - from) / 86400 + 1 > STATS_MAX_DAYS) {
		ctx->field = "from";
		ctx->reason = "from must not be after to, and the range at "
		    "most 366 days";
		return HF_E_REQ_FIELD;
	}
	ctx->reason = NULL;
	p[0] = DB_STR(stats_day_text(ctx->arena, from, 1));
	p[1] = DB_STR(stats_day_text(ctx->arena, to + 86400, 1));
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_orders_stats_day,
	    p, 2, &r)) != HF_OK)
		return rc;
	memset(st_n, 0, sizeof(st_n));
	memset(st_cents, 0, sizeof(st_cents));
	days = json_object_new_array();
	for (d = from; d <= to; d += 86400) {
		name = stats_day_text(ctx->arena, d, 0);
		groups = json_object_new_array();
		n = cents = 0;
		/* rows come sorted by day, then status */
		for (; row < r.nrows && strcmp(DB_CELL(&r, row, 0), name) == 0;
		    row++) {
			cnt = inv_cell_ll(&r, row, 2);
			json_object_array_add(groups, stats_group(
			    DB_CELL(&r, row, 1), cnt, DB_CELL(&r, row, 3)));
			n += cnt;
			for (k = 0; statuses[k] != NULL; k++)
				if (strcmp(statuses[k], DB_CELL(&r, row, 1)) ==
				    0) {
					st_n[k] += cnt;
					st_cents[k] += inv_cell_ll(&r, row, 4);
				}
			if (stats_kept(DB_CELL(&r, row, 1)))
				cents += inv_cell_ll(&r, row, 4);
		}
		day = json_object_new_object();
		json_object_object_add(day, "day",
		    json_object_new_string(name));
		json_object_object_add(day, "count", json_object_new_int64(n));
		json_object_object_add(day, "revenue", json_object_new_string(
		    stats_money(ctx->arena, cents)));
		json_object_object_add(day, "by_status", groups);
		json_object_array_add(days, day);
		all_n += n;
		kept += cents;
	}
	by_status = json_object_new_array();
	for (k = 0; statuses[k] != NULL; k++)
		json_object_array_add(by_status, stats_group(statuses[k],
		    st_n[k], stats_money(ctx->arena, st_cents[k])));
	*out = json_object_new_object();
	json_object_object_add(*out, "from", json_object_new_string(
	    stats_day_text(ctx->arena, from, 0)));
	json_object_object_add(*out, "to", json_object_new_string(
	    stats_day_text(ctx->arena, to, 0)));
	json_object_object_add(*out, "count", json_object_new_int64(all_n));
	json_object_object_add(*out, "revenue", json_object_new_string(
	    stats_money(ctx->arena, kept)));
	json_object_object_add(*out, "by_status", by_status);
	json_object_object_add(*out, "days", days);
	return HF_OK;
}

/* --- the payment provider's callback ---------------------------------- */

/*
 * Checks "sha256=<hex HMAC-SHA256 of body with payment_secret>" in
 * constant time. HF_OK, HF_E_PAY_SIGNATURE, or HF_E_SYS_UNAVAILABLE when
 * no payment_secret is configured (the provider should retry later).
 */
int
svc_payment_verify(struct app *app, const char *signature, const char *body,
    size_t len)
{
	const char	*secret = app->cfg.payment_secret;
	unsigned char	 mac[32];
	char		 want[2 * sizeof(mac) + 1], got[sizeof(want)];
	size_t		 i;

	if (secret[0] == '\0') {
		log_error(NULL, "payments/notify: payment_secret is not set: "
		    "every callback is refused");
		return HF_E_SYS_UNAVAILABLE;
	}
	if (signature == NULL || strncmp(signature, "sha256=", 7) != 0 ||
	    strlen(signature + 7) != sizeof(want) - 1)
		return HF_E_PAY_SIGNATURE;
	for (i = 0; i < sizeof(want) - 1; i++) {
		char	c = signature[7 + i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return HF_E_PAY_SIGNATURE;
		got[i] = c;
	}
	got[i] = '\0';
	if (hf_hmac_sha256(mac, secret, strlen(secret), body, len) != 0)
		return HF_E_SYS_INTERNAL;
	hf_hex(want, mac, sizeof(mac));
	return hf_ct_equal(want, got, sizeof(want) - 1) ? HF_OK :
	    HF_E_PAY_SIGNATURE;
}

struct notify_txn {
	struct svc_ctx			*ctx;
	const struct payment_note	*in;
	struct payment_result		*out;
	int				 refusal;	/* after COMMIT */
};

/* One row of payments: every notification is kept, whatever came of it. */
static int
payment_record(struct db *db, struct notify_txn *t, uint64_t order_id,
    const char *outcome, const char *reason)
{
	const struct payment_note	*in = t->in;
	struct db_param			 p[8];

	p[0] = order_id != 0 ? DB_INT((long long)order_id) : DB_NULL;
	p[1] = DB_STR(in->provider_txn_id);
	p[2] = DB_STR(in->amount);
	p[3] = DB_STR(in->currency);
	p[4] = DB_STR(in->status);
	p[5] = DB_STR(in->raw);
	p[6] = DB_STR(outcome);
	p[7] = reason != NULL ? DB_STR(reason) : DB_NULL;
	return db_exec(db, &db_sql_payment_insert, p, 8, NULL,
	    &t->out->payment_id);
}

static int
notify_fn(struct db *db, void *arg)
{
	struct notify_txn		*t = arg;
	struct svc_ctx			*ctx = t->ctx;
	const struct payment_note	*in = t->in;
	struct order			*o = &t->out->order;
	struct db_param			 p[1];
	struct db_result		 r;
	int				 rc;

	t->refusal = HF_OK;
	t->out->outcome = NULL;
	rc = order_load(db, ctx->arena, in->order_id, 1, o);
	if (rc == HF_E_ORD_NOT_FOUND) {
		memset(o, 0, sizeof(*o));
		t->refusal = order_not_found(ctx, in->order_id);
		return payment_record(db, t, 0, "rejected", "unknown order");
	}
	if (rc != HF_OK)
		return rc;
	p[0] = DB_STR(in->provider_txn_id);
	if ((rc = db_query(db, ctx->arena, &db_sql_payment_applied, p, 1,
	    &r)) != HF_OK)
		return rc;
	if (r.nrows > 0) {
		t->out->outcome = "duplicate";
		return payment_record(db, t, o->id, "duplicate", arena_printf(
		    ctx->arena, "applied before as payment %s",
		    DB_CELL(&r, 0, 0)));
	}
	if (strcmp(in->status, "paid") != 0) {
		t->out->outcome = "ignored";
		return payment_record(db, t, o->id, "rejected", arena_printf(
		    ctx->arena, "status %.32s: nothing to apply", in->status));
	}
	if (strcmp(in->currency, o->currency) != 0 ||
	    in->amount_cents != o->total_cents) {
		ctx->message = arena_printf(ctx->arena, "payment of %s %s does "
		    "not match order %llu: %s %s", in->amount, in->currency,
		    (unsigned long long)o->id, o->total, o->currency);
		svc_details_clear(ctx);
		svc_detail_int(ctx, "order_id", (long long)o->id);
		svc_detail_str(ctx, "expected_amount", o->total);
		svc_detail_str(ctx, "expected_currency", o->currency);
		t->refusal = HF_E_PAY_MISMATCH;
		return payment_record(db, t, o->id, "rejected", ctx->message);
	}
	if ((rc = order_pay(db, ctx, o, &t->refusal)) != HF_OK)
		return rc;
	if (t->refusal != HF_OK)
		return payment_record(db, t, o->id, "rejected", ctx->message);
	rc = payment_record(db, t, o->id, "applied", NULL);
	if (rc == HF_E_DUPLICATE)	/* applied to another order just now */
		return HF_E_INV_CONFLICT;
	if (rc != HF_OK)
		return rc;
	t->out->outcome = "applied";
	return order_load(db, ctx->arena, o->id, 0, o);
}

/*
 * Applies a notification whose signature was checked: a "paid" one for the
 * order's exact total and currency pays it (its reservations committed in
 * the same transaction); the same provider_txn_id again is a duplicate,
 * answered as a success and applied once. Every notification is recorded
 * in payments, refused ones included (outcome rejected): PAY_002 for the
 * wrong amount or currency, ORD_001 for an unknown order, ORD_002/ORD_003
 * for an order that cannot be paid.
 */
int
svc_payment_notify(struct svc_ctx *ctx, const struct payment_note *in,
    struct payment_result *out)
{
	struct notify_txn	t;
	int			rc;

	memset(&t, 0, sizeof(t));
	memset(out, 0, sizeof(*out));
	t.ctx = ctx;
	t.in = in;
	t.out = out;
	rc = svc_txn(ctx, notify_fn, &t);
	return rc == HF_OK ? t.refusal : rc;
}
