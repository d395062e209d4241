/*
 * refunds.c: partial refunds and returns (issue 15 item 6; sql/025).
 *
 * A refund gives money back on a paid or fulfilled order, by lines and
 * quantities (worth their unit prices, at most what is left), by an
 * amount, or both (the amount then stands for the lines). Over all of an
 * order's refunds no more than its total goes back; the order row's lock
 * makes two refunds at once run one after the other, so the second sees
 * the first. The points go back in proportion: after a refund the order
 * has given back used * refunded / total of the points spent on it and
 * taken back earned * refunded / total of those it earned (as far as
 * they are left), the last refund all that remains.
 *
 * Stock: the refunded lines of a paid order not yet fulfilled go back on
 * the shelf (the goods never left); once a refund covers the whole total
 * of such an order, every unit still out does. Fulfilled goods never come
 * back with a refund: only a return brings them (POST /orders/{id}/
 * returns), each unit sellable (a restock naming the order) or not (the
 * same restock, then a deduct whose reason says why: the ledger shows the
 * units arriving and leaving, and on_hand never counts them). No more is
 * returned than was fulfilled and is still out.
 *
 * The whole refund (POST /orders/{id}/refund, order_state.c) is
 * refund_order_whole: what is left of the money, the points as before,
 * and the units of a paid order back on the shelf; a fulfilled order's
 * goods are with the customer, so they come back only through a return
 * (issue 15: "refunding fulfilled goods does not put them back").
 *
 * Lock order: the order row, the stock rows (SKU order), the points
 * account.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "holdfast/db.h"
#include "holdfast/db_orders.h"
#include "holdfast/groups.h"
#include "holdfast/orders.h"
#include "holdfast/outbox.h"
#include "holdfast/points.h"
#include "holdfast/refunds.h"
#include "inv_int.h"
#include "ord_int.h"
#include "rfd_int.h"

/* order.refunded */
struct refund_event {
	uint64_t	 order_id, refund_id;
	const char	*status, *amount, *currency, *refunded_total;
	const char	*reason, *provider_reference;
	const char	*lines;		/* JSON text */
};

static const struct hf_field refund_event_fields[] = {
	HF_FIELD(struct refund_event, order_id, HF_K_U64),
	HF_FIELD(struct refund_event, refund_id, HF_K_U64),
	HF_FIELD(struct refund_event, status, HF_K_STR),
	HF_FIELD(struct refund_event, amount, HF_K_MONEY),
	HF_FIELD(struct refund_event, currency, HF_K_STR),
	HF_FIELD(struct refund_event, refunded_total, HF_K_MONEY),
	HF_FIELD(struct refund_event, reason, HF_K_STR),
	HF_FIELD(struct refund_event, provider_reference, HF_K_STR),
	HF_FIELD(struct refund_event, lines, HF_K_JSON),
};

static const struct hf_field refund_line_fields[] = {
	HF_FIELD(struct refund_line_row, sku, HF_K_STR),
	HF_FIELD(struct refund_line_row, quantity, HF_K_INT),
	HF_FIELD(struct refund_line_row, restocked, HF_K_INT),
};

/* "12.50" (the database's DECIMAL(12,2) text) in cents; 0 for NULL. */
long long
refund_cents(const char *s)
{
	long long	v = 0, f = 0;
	int		neg = 0, d = 0;

	if (s == NULL)
		return 0;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && d < 2; s++, d++)
			f = f * 10 + (*s - '0');
	for (; d < 2; d++)
		f *= 10;
	return neg ? -(v * 100 + f) : v * 100 + f;
}

char *
refund_money(struct arena *a, long long c)
{
	return arena_printf(a, "%s%lld.%02lld", c < 0 ? "-" : "",
	    (c < 0 ? -c : c) / 100, (c < 0 ? -c : c) % 100);
}

int
rfd_state_load(struct db *db, struct svc_ctx *ctx, uint64_t oid,
    struct rfd_state *st)
{
	struct db_param	p[3];
	int		found, rc;

	p[0] = DB_INT((long long)oid);
	p[1] = p[0];
	p[2] = p[0];
	if ((rc = db_row(db, ctx->arena, &db_sql_refund_sums, p, 1,
	    &st->sums, &found)) != HF_OK)
		return rc;
	return db_rows(db, ctx->arena, &db_sql_refund_line_sums, p, 3,
	    &st->left, &st->nleft);
}

/* The order's line of a product (its place and price), NULL if none. */
const struct order_line *
rfd_line(const struct order *o, uint64_t product_id)
{
	size_t	i;

	for (i = 0; i < o->nlines; i++)
		if (o->lines[i].product_id == product_id)
			return &o->lines[i];
	return NULL;
}

/*
 * n units of line l of order o back on the shelf where they left (or the
 * default location when that one closed since), a restock naming the
 * order; writeoff non-NULL: then out again, a deduct with that reason.
 */
int
rfd_restock(struct db *db, struct svc_ctx *ctx, const struct order *o,
    const struct order_line *l, long long n, const char *reason,
    const char *writeoff)
{
	const struct location	*lo;
	struct stock_row	 s;
	struct change		 c;
	int			 rc;

	if (n <= 0)
		return HF_OK;
	memset(&c, 0, sizeof(c));
	c.type = "restock";
	c.ref_type = "order";
	c.ref_id = order_id_text(ctx->arena, o->id);
	c.reason = reason;
	c.d_on = n;
	if ((rc = inv_stock_lock(db, ctx->arena, NULL, l->product_id, &s)) !=
	    HF_OK)
		return rc;
	if ((rc = inv_location_back(db, ctx, l->location_id, &lo)) != HF_OK)
		return rc;
	c.location_id = lo->id;
	if ((rc = inv_stock_change(db, ctx, &s, &c, NULL)) != HF_OK ||
	    writeoff == NULL)
		return rc;
	c.type = "deduct";
	c.d_on = -n;
	c.reason = writeoff;
	return inv_stock_change(db, ctx, &s, &c, NULL);
}

/* a * b / c, floored, without overflow (a, b, c >= 0, c > 0) */
static long long
rfd_share(long long a, long long b, long long c)
{
	return (long long)((__int128)a * b / c);
}

/*
 * The points of a refund that brings the order's refunds to after_cents:
 * what the proportion asks less what earlier refunds gave and took.
 */
static int
rfd_points(struct db *db, struct svc_ctx *ctx, const struct order *o,
    const struct rfd_state *st, long long after_cents, long long *given,
    long long *taken)
{
	long long	give, take;

	if (after_cents >= o->total_cents) {
		give = o->points_used;
		take = o->points_earned;
	} else {
		give = rfd_share(o->points_used, after_cents, o->total_cents);
		take = rfd_share(o->points_earned, after_cents,
		    o->total_cents);
	}
	give -= st->sums.points_returned;
	take -= st->sums.points_revoked;
	return points_order_refund_part(db, ctx, o, give > 0 ? give : 0,
	    take > 0 ? take : 0, given, taken);
}

/* A JSON array of rows (arena), NULL when out of memory. */
const char *
rfd_array(struct arena *a, const struct hf_field *f, size_t nf,
    const void *rows, size_t size, size_t n)
{
	const char	*t = "[", *one;
	size_t		 i;

	for (i = 0; i < n && t != NULL; i++) {
		if ((one = hf_fields_text(a, f, nf, (const char *)rows +
		    i * size)) == NULL)
			return NULL;
		t = arena_printf(a, "%s%s%s", t, i > 0 ? "," : "", one);
	}
	return t != NULL ? arena_printf(a, "%s]", t) : NULL;
}

/*
 * Records a refund of o: its row, its lines (lines[k] units refunded and
 * back[k] restocked of st's line k; either may be NULL), the
 * order.refunded event. *id: the new refund's.
 */
static int
rfd_record(struct db *db, struct svc_ctx *ctx, const struct order *o,
    const struct rfd_state *st, const char *kind, long long cents,
    const char *reason, const char *provider_ref, const long long *lines,
    const long long *back, long long given, long long taken,
    const char *status, uint64_t *id)
{
	struct refund_line_row	*rows;
	struct refund_event	 e;
	struct db_param		 p[10];
	const char		*data;
	size_t			 k, n = 0;
	int			 rc;

	p[0] = DB_INT((long long)o->id);
	p[1] = DB_STR(kind);
	p[2] = DB_STR(refund_money(ctx->arena, cents));
	p[3] = DB_STR(o->currency);
	p[4] = DB_STR(reason);
	p[5] = DB_STR_OR_NULL(provider_ref);
	p[6] = DB_INT(given);
	p[7] = DB_INT(taken);
	p[8] = DB_STR(ctx->who->actor);
	p[9] = DB_STR_OR_NULL(ctx->request_id);
	if ((rc = db_exec(db, &db_sql_refund_insert, p, 10, NULL, id)) !=
	    HF_OK)
		return rc;
	if ((rows = arena_calloc(ctx->arena, st->nleft + 1,
	    sizeof(*rows))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (k = 0; k < st->nleft; k++) {
		long long	q = lines != NULL ? lines[k] : 0;
		long long	b = back != NULL ? back[k] : 0;

		if (q <= 0 && b <= 0)
			continue;
		rows[n].sku = st->left[k].sku;
		rows[n].quantity = q;
		rows[n].restocked = b;
		n++;
		p[0] = DB_INT((long long)*id);
		p[1] = DB_INT((long long)o->id);
		p[2] = DB_INT((long long)st->left[k].product_id);
		p[3] = DB_STR(st->left[k].sku);
		p[4] = DB_INT(q);
		p[5] = DB_INT(b);
		if ((rc = db_exec(db, &db_sql_refund_line_insert, p, 6, NULL,
		    NULL)) != HF_OK)
			return rc;
	}
	memset(&e, 0, sizeof(e));
	e.order_id = o->id;
	e.refund_id = *id;
	e.status = status;
	e.amount = refund_money(ctx->arena, cents);
	e.currency = o->currency;
	e.refunded_total = refund_money(ctx->arena, st->sums.cents + cents);
	e.reason = reason;
	e.provider_reference = provider_ref;
	if ((e.lines = rfd_array(ctx->arena, refund_line_fields,
	    HF_NITEMS(refund_line_fields), rows, sizeof(*rows), n)) == NULL ||
	    (data = hf_fields_text(ctx->arena, refund_event_fields,
	    HF_NITEMS(refund_event_fields), &e)) == NULL)
		return HF_E_SYS_INTERNAL;
	return outbox_event_text(db, "order.refunded", data, ctx->request_id);
}

/*
 * The whole refund of a locked paid or fulfilled order (order_state.c,
 * POST /orders/{id}/refund; the caller then sets it refunded): what is
 * left of the money, the points that are left, and (not yet fulfilled)
 * every unit still out back on the shelf.
 */
int
refund_order_whole(struct db *db, struct svc_ctx *ctx, const struct order *o)
{
	struct rfd_state	 st;
	const struct order_line	*l;
	long long		*lines, *back, given = 0, taken = 0;
	uint64_t		 id;
	size_t			 k;
	int			 rc;

	if ((rc = rfd_state_load(db, ctx, o->id, &st)) != HF_OK)
		return rc;
	if ((lines = arena_calloc(ctx->arena, st.nleft + 1,
	    sizeof(*lines))) == NULL || (back = arena_calloc(ctx->arena,
	    st.nleft + 1, sizeof(*back))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (k = 0; k < st.nleft; k++) {	/* SKU order */
		lines[k] = st.left[k].quantity - st.left[k].refunded;
		back[k] = o->fulfilled_at != NULL ? 0 : st.left[k].quantity -
		    st.left[k].restocked - st.left[k].returned;
		if ((l = rfd_line(o, st.left[k].product_id)) == NULL)
			return HF_E_SYS_INTERNAL;
		if ((rc = rfd_restock(db, ctx, o, l, back[k], "refund",
		    NULL)) != HF_OK)
			return rc;
	}
	if (st.sums.n == 0)	/* as it always was */
		rc = points_order_refund_part(db, ctx, o, o->points_used,
		    o->points_earned, &given, &taken);
	else
		rc = rfd_points(db, ctx, o, &st, o->total_cents, &given,
		    &taken);
	if (rc != HF_OK)
		return rc;
	return rfd_record(db, ctx, o, &st, "whole", o->total_cents -
	    st.sums.cents > 0 ? o->total_cents - st.sums.cents : 0,
	    "whole refund", NULL, lines, back, given, taken, "refunded", &id);
}

/* Loads the locked order of t; HF_OK or the refusal. */
int
rfd_order(struct db *db, struct rfd_txn *t, struct order *o,
    struct rfd_state *st)
{
	int	rc;

	rc = order_load(db, t->ctx->arena, t->id, 1, o);
	if (rc == HF_E_ORD_NOT_FOUND || (rc == HF_OK &&
	    !order_visible(t->ctx->who, o)))
		return order_not_found(t->ctx, t->id);
	if (rc != HF_OK)
		return rc;
	return rfd_state_load(db, t->ctx, o->id, st);
}

/* The line of st for sku (ASCII case folded, as SKUs compare), or -1. */
long long
rfd_find(const struct rfd_state *st, const char *sku)
{
	size_t	k;

	for (k = 0; k < st->nleft; k++)
		if (strcasecmp(st->left[k].sku, sku) == 0)
			return (long long)k;
	return -1;
}

/* 422 RFD_003 naming lines[i].sku */
int
rfd_not_on_order(struct svc_ctx *ctx, const struct order *o, size_t i,
    const char *sku)
{
	ctx->message = arena_printf(ctx->arena, "lines[%zu].sku: %s is not "
	    "on order %llu", i, sku, (unsigned long long)o->id);
	svc_details_clear(ctx);
	svc_detail_str(ctx, "field", arena_printf(ctx->arena, "lines[%zu].sku",
	    i));
	svc_detail_str(ctx, "sku", sku);
	return HF_E_RFD_NOT_ON_ORDER;
}

/* code, with the line's SKU and what is left of it in the details */
int
rfd_over(struct svc_ctx *ctx, int code, const char *sku, const char *what,
    long long left)
{
	ctx->message = arena_printf(ctx->arena, "%s: only %lld %s", sku,
	    left, what);
	svc_details_clear(ctx);
	svc_detail_str(ctx, "sku", sku);
	svc_detail_int(ctx, what, left);
	return code;
}

/* An order's money as the replies show it (o loaded). */
int
rfd_money_load(struct db *db, struct svc_ctx *ctx, const struct order *o,
    struct order_money *m)
{
	struct rfd_state	 st;
	struct db_param		 p[1];
	long long		 paid = 0, left;
	size_t			 i;
	int			 rc;

	memset(m, 0, sizeof(*m));
	m->order_id = o->id;
	m->status = o->status;
	m->total = o->total;
	m->currency = o->currency;
	if ((rc = rfd_state_load(db, ctx, o->id, &st)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)o->id);
	if ((rc = db_rows(db, ctx->arena, &db_sql_payments_of_order, p, 1,
	    &m->payments, &m->npayments)) != HF_OK ||
	    (rc = db_rows(db, ctx->arena, &db_sql_refunds_of, p, 1,
	    &m->refunds, &m->nrefunds)) != HF_OK ||
	    (rc = db_rows(db, ctx->arena, &db_sql_refund_lines_of, p, 1,
	    &m->refund_lines, &m->nrefund_lines)) != HF_OK ||
	    (rc = db_rows(db, ctx->arena, &db_sql_returns_of, p, 1,
	    &m->returns, &m->nreturns)) != HF_OK)
		return rc;
	for (i = 0; i < m->npayments; i++)
		if (strcmp(m->payments[i].outcome, "applied") == 0)
			paid += refund_cents(m->payments[i].amount);
	left = strcmp(o->status, "paid") == 0 || strcmp(o->status,
	    "fulfilled") == 0 ? o->total_cents - st.sums.cents : 0;
	m->paid = refund_money(ctx->arena, paid);
	m->refunded = refund_money(ctx->arena, st.sums.cents);
	m->refundable = refund_money(ctx->arena, left > 0 ? left : 0);
	if ((m->lines = arena_calloc(ctx->arena, st.nleft + 1,
	    sizeof(*m->lines))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < st.nleft; i++) {
		m->lines[i].sku = st.left[i].sku;
		m->lines[i].quantity = st.left[i].quantity;
		m->lines[i].refunded = st.left[i].refunded;
		m->lines[i].restocked = st.left[i].restocked;
		m->lines[i].returned = st.left[i].returned;
		m->lines[i].returnable = o->fulfilled_at == NULL ? 0 :
		    st.left[i].quantity - st.left[i].restocked -
		    st.left[i].returned;
	}
	m->nlines = st.nleft;
	return HF_OK;
}

static int
refund_fn(struct db *db, void *arg)
{
	struct rfd_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	const struct refund_new	*in = t->in;
	const struct order_line	*l;
	struct rfd_state	 st;
	struct order		 o;
	long long		*qty, *back, worth = 0, left, cents;
	long long		 given, taken;
	uint64_t		 rid;
	size_t			 i, k;
	int			 rc, paid, whole;

	if ((rc = rfd_order(db, t, &o, &st)) != HF_OK)
		return rc;
	paid = strcmp(o.status, "paid") == 0;
	if (!paid && strcmp(o.status, "fulfilled") != 0) {
		ctx->message = arena_printf(ctx->arena, "order %llu is %s: %s",
		    (unsigned long long)o.id, o.status,
		    hf_err_message(HF_E_ORD_NOT_REFUNDABLE));
		svc_details_clear(ctx);
		svc_detail_int(ctx, "order_id", (long long)o.id);
		svc_detail_str(ctx, "status", o.status);
		return HF_E_ORD_NOT_REFUNDABLE;
	}
	/* a group's paid seat: its units are still reserved, not sold,
	 * until the group succeeds (GRP_006) */
	if ((rc = grp_order_settled(db, ctx, &o)) != HF_OK)
		return rc;
	if ((qty = arena_calloc(ctx->arena, st.nleft + 1, sizeof(*qty))) ==
	    NULL || (back = arena_calloc(ctx->arena, st.nleft + 1,
	    sizeof(*back))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < in->nitems; i++) {
		if ((k = (size_t)rfd_find(&st, in->items[i].sku)) ==
		    (size_t)-1)
			return rfd_not_on_order(ctx, &o, i, in->items[i].sku);
		qty[k] += in->items[i].quantity;
		left = st.left[k].quantity - st.left[k].refunded;
		if (qty[k] > left)
			return rfd_over(ctx, HF_E_RFD_OVER_LINE,
			    st.left[k].sku, "refundable", left);
		if ((l = rfd_line(&o, st.left[k].product_id)) == NULL)
			return HF_E_SYS_INTERNAL;
		worth += in->items[i].quantity * refund_cents(l->unit_price);
	}
	left = o.total_cents - st.sums.cents;
	cents = in->amount_cents >= 0 ? in->amount_cents : worth < left ?
	    worth : left;
	if (left <= 0 || cents > left) {
		ctx->message = arena_printf(ctx->arena, "order %llu: %s %s "
		    "asked, %s %s left to refund of %s", (unsigned long
		    long)o.id, refund_money(ctx->arena, cents), o.currency,
		    refund_money(ctx->arena, left), o.currency, o.total);
		svc_details_clear(ctx);
		svc_detail_int(ctx, "order_id", (long long)o.id);
		svc_detail_str(ctx, "refundable", refund_money(ctx->arena,
		    left));
		svc_detail_str(ctx, "currency", o.currency);
		return HF_E_RFD_OVER_PAID;
	}
	if (cents <= 0) {
		ctx->field = "amount";
		ctx->reason = "the lines are worth nothing: give an amount";
		return HF_E_REQ_FIELD;
	}
	whole = st.sums.cents + cents >= o.total_cents;
	/* goods not yet fulfilled: the refunded lines back on the shelf,
	 * and all that is still out once the whole total is refunded */
	for (k = 0; paid && k < st.nleft; k++) {
		back[k] = whole ? st.left[k].quantity - st.left[k].restocked -
		    st.left[k].returned : qty[k];
		if ((l = rfd_line(&o, st.left[k].product_id)) == NULL)
			return HF_E_SYS_INTERNAL;
		if ((rc = rfd_restock(db, ctx, &o, l, back[k], "refund",
		    NULL)) != HF_OK)
			return rc;
	}
	if ((rc = rfd_points(db, ctx, &o, &st, st.sums.cents + cents, &given,
	    &taken)) != HF_OK)
		return rc;
	if (whole) {	/* refunded in full: the order is refunded */
		struct db_param	p[1] = { DB_INT((long long)o.id) };

		if ((rc = db_exec(db, &db_sql_refund_set_status, p, 1, NULL,
		    NULL)) != HF_OK)
			return rc;
		o.status = "refunded";
	}
	if ((rc = rfd_record(db, ctx, &o, &st, "partial", cents, in->reason,
	    in->provider_ref, qty, back, given, taken, o.status, &rid)) !=
	    HF_OK)
		return rc;
	if ((rc = svc_audit_text(db, ctx, "order.refund_part", "order", o.id,
	    NULL, arena_printf(ctx->arena, "{\"refund_id\":%llu,"
	    "\"amount\":\"%s\"}", (unsigned long long)rid,
	    refund_money(ctx->arena, cents)))) != HF_OK)
		return rc;
	if ((rc = order_load(db, ctx->arena, o.id, 0, &o)) != HF_OK ||
	    (rc = rfd_money_load(db, ctx, &o, t->out)) != HF_OK)
		return rc;
	t->out->created_id = rid;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

int
svc_refund_create(struct svc_ctx *ctx, uint64_t order_id,
    const struct refund_new *in, struct idem *idem, struct order_money *out)
{
	struct rfd_txn	t;

	memset(&t, 0, sizeof(t));
	memset(out, 0, sizeof(*out));
	t.ctx = ctx;
	t.id = order_id;
	t.in = in;
	t.idem = idem;
	t.out = out;
	return svc_txn(ctx, refund_fn, &t);
}
