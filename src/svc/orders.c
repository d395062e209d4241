/*
 * orders.c: the shop's orders (issue 6): placing and reading them, and
 * what every order file shares (loading an order, who may see it, the
 * JSON shape of its lines). An order reserves every line or none for
 * order_ttl seconds at the prices of that moment; order_state.c moves it
 * from state to state, payments.c applies the provider's callback,
 * order_stats.c sums the revenue.
 *
 * Every stock move goes through the inventory primitives (inv_int.h), in
 * one transaction per call. The ledger rows of an order name it
 * (reference_type 'order', reference_id its id); the rows that reserve
 * one of its reservations also carry that reservation's id
 * (ledger.reservation_id), which reconcile checks. Creating an order
 * locks stock rows first (inv_lock_lines, SKU order), but its order and
 * reservation rows are new: nobody else can be waiting on them.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_orders.h"
#include "holdfast/orders.h"
#include "holdfast/coupons.h"
#include "holdfast/delivery.h"
#include "holdfast/points.h"
#include "holdfast/groups.h"
#include "inv_int.h"
#include "ord_int.h"

#define MONEY_MAX_CENTS	999999999999LL	/* DECIMAL(12,2) */

/* --- what the order files share ------------------------------------- */

/*
 * An order line in the API's replies and in order.* events alike (the
 * columns id and product_id stay inside).
 */
const struct hf_field order_line_fields[6] = {
	HF_FIELD(struct order_line, sku, HF_K_STR),
	HF_FIELD(struct order_line, quantity, HF_K_INT),
	HF_FIELD(struct order_line, unit_price, HF_K_MONEY),
	HF_FIELD(struct order_line, line_total, HF_K_MONEY),
	HF_FIELDF(struct order_line, reservation_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct order_line, location, HF_K_STR),
};

int
order_load(struct db *db, struct arena *a, uint64_t id, int lock,
    struct order *o)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, a, lock ? &db_sql_order_lock :
	    &db_sql_order_by_id, p, 1, o, &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_ORD_NOT_FOUND;
	return db_rows(db, a, &db_sql_order_lines, p, 1, &o->lines,
	    &o->nlines);
}

/* The user who placed it, 0 when an API key did. */
uint64_t
order_user(const struct order *o)
{
	return o->user_id > 0 ? (uint64_t)o->user_id : 0;
}

/* Staff (business, admin) see every order; a user sees their own. */
int
order_visible(const struct principal *who, const struct order *o)
{
	return who->role >= ROLE_BUSINESS ||
	    (order_user(o) != 0 && order_user(o) == who->user_id);
}

int
order_not_found(struct svc_ctx *ctx, uint64_t id)
{
	ctx->message = arena_printf(ctx->arena, "order %llu not found",
	    (unsigned long long)id);
	return HF_E_ORD_NOT_FOUND;
}

char *
order_id_text(struct arena *a, uint64_t id)
{
	return arena_printf(a, "%llu", (unsigned long long)id);
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
	const char			*trip;	/* inv_trip_lines */
	int				 done;	/* create_trip_fn did it */
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
	struct order_product	 pr;
	struct db_param		 p[1];
	long long		*cents = arg;
	int			 rc, found;

	p[0] = DB_INT((long long)s->product_id);
	if ((rc = db_row(db, ctx->arena, &db_sql_order_product, p, 1, &pr,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_DB;
	cents[i] = pr.price_cents;
	return inv_takeable(db, ctx, s, line->quantity, n);
}

/* The reservation, its ledger row and the order line of take tk. */
static int
create_line(struct db *db, struct create_txn *t, struct stock_row *row,
    uint64_t oid, const char *oid_s, const struct inv_take *tk)
{
	size_t		 i = tk->line;
	struct svc_ctx	*ctx = t->ctx;
	struct db_param	 p[5];
	struct change	 c;
	uint64_t	 rid;
	int		 rc;

	p[0] = DB_INT((long long)row->product_id);
	p[1] = DB_INT((long long)tk->loc->id);
	p[2] = DB_INT(t->lines[i].quantity);
	p[3] = DB_STR(ctx->who->actor);
	p[4] = DB_INT((long long)oid);
	if ((rc = db_exec(db, &db_sql_order_reserve, p, 5, NULL, &rid)) !=
	    HF_OK)
		return rc;
	memset(&c, 0, sizeof(c));
	c.type = "reserve";
	c.d_res = t->lines[i].quantity;
	c.ref_type = "order";
	c.ref_id = oid_s;
	c.reason = "order";
	c.reservation_id = rid;
	c.location_id = tk->loc->id;
	if ((rc = inv_stock_change(db, ctx, row, &c, NULL)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)oid);
	p[1] = DB_INT(t->lines[i].quantity);	/* the quantity, then the */
	p[2] = DB_INT(t->lines[i].quantity);	/* line total's factor */
	p[3] = DB_INT((long long)rid);
	p[4] = DB_INT((long long)row->product_id);
	return db_exec(db, &db_sql_order_line_insert, p, 5, NULL, NULL);
}

static int
create_fn(struct db *db, void *arg)
{
	struct create_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct inv_lock		 lk;
	struct db_param		 p[6];
	long long		*cents, total = 0, discount = 0;
	uint64_t		 oid;
	const char		*oid_s;
	size_t			 i;
	int			 rc;

	if ((cents = arena_calloc(ctx->arena, t->n + 1, sizeof(*cents))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	if ((rc = inv_lock_lines(db, ctx, t->lines, t->n, create_rule, cents,
	    &lk)) != HF_OK)
		return rc;
	for (i = 0; i < t->n; i++) {
		if (inv_closed(&lk.rows[i]))
			continue;
		if (cents[i] > 0 && t->lines[i].quantity > (MONEY_MAX_CENTS -
		    total) / cents[i]) {
			ctx->message = "the order's total would exceed "
			    "9999999999.99";
			return HF_E_INV_PARAM;
		}
		total += cents[i] * t->lines[i].quantity;
		if (hf_currency_minor() == 0 && cents[i] % 100 != 0) {
			ctx->message = arena_printf(ctx->arena, "%s has no "
			    "minor unit: the price of %s has a fraction",
			    ctx->app->cfg.currency, lk.rows[i].sku);
			svc_details_clear(ctx);
			svc_detail_str(ctx, "sku", lk.rows[i].sku);
			svc_detail_str(ctx, "currency", ctx->app->cfg.currency);
			return HF_E_INV_PARAM;
		}
	}
	if ((rc = inv_lock_verdict(ctx, &lk)) != HF_OK)
		return rc;
	p[0] = ctx->who->user_id != 0 ?
	    DB_INT((long long)ctx->who->user_id) : DB_NULL;
	p[1] = DB_STR(ctx->who->actor);
	p[2] = DB_STR_OR_NULL(t->in->note);
	p[3] = DB_STR(t->reference);
	p[4] = DB_INT(ctx->app->cfg.order_ttl);
	p[5] = DB_STR(ctx->app->cfg.currency);
	if ((rc = db_exec(db, &db_sql_order_insert, p, 6, NULL, &oid)) != HF_OK)
		return rc;
	oid_s = order_id_text(ctx->arena, oid);
	/* one take per line: an order's lines never split */
	for (i = 0; i < lk.ntakes; i++)
		if ((rc = create_line(db, t, &lk.rows[lk.takes[i].line], oid,
		    oid_s, &lk.takes[i])) != HF_OK)
			return rc;
	p[0] = DB_INT((long long)oid);	/* the lines' order, then the row */
	p[1] = DB_INT((long long)oid);
	if ((rc = db_exec(db, &db_sql_order_set_total, p, 2, NULL, NULL)) !=
	    HF_OK)
		return rc;
	if (t->in->group != NULL && (rc = grp_order_reserve(db, ctx, oid,
	    t->in->group)) != HF_OK)
		return rc;
	if (t->in->delivery != NULL && (rc = dlv_order_reserve(db, ctx, oid,
	    t->in->delivery, total)) != HF_OK)
		return rc;
	if (t->in->coupon != NULL && (rc = coupon_order_reserve(db, ctx, oid,
	    t->in->coupon, total, &discount)) != HF_OK)
		return rc;
	if (t->in->points > 0 && (rc = points_order_reserve(db, ctx, oid,
	    t->in->points, total - discount)) != HF_OK)
		return rc;
	if ((rc = order_load(db, ctx->arena, oid, 0, t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * The one-trip path (sql/012_procedures.sql, hf_order_create): one CALL
 * that places the order and commits, then the order read as it is; done
 * stays 0 when the procedure left the order to the C path (create_fn).
 */
static int
create_trip_fn(struct db *db, void *arg)
{
	struct create_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct db_param		 p[9];
	struct order_line	*l;
	long long		 oid;
	size_t			 i;
	int			 rc;

	p[0] = DB_STR(t->trip);
	p[1] = ctx->who->user_id != 0 ?
	    DB_INT((long long)ctx->who->user_id) : DB_NULL;
	p[2] = DB_STR(ctx->who->actor);
	p[3] = DB_STR_OR_NULL(t->in->note);
	p[4] = DB_STR(t->reference);
	p[5] = DB_INT(ctx->app->cfg.order_ttl);
	p[6] = DB_STR_OR_NULL(ctx->request_id);
	p[7] = DB_STR(ctx->app->cfg.currency);
	p[8] = DB_INT(hf_currency_minor() == 0);
	oid = db_count_of(db, ctx->arena, &db_sql_order_create_call, p, 9,
	    &rc);
	if (rc != HF_OK || oid <= 0)
		return rc;
	t->done = 1;
	if ((rc = order_load(db, ctx->arena, (uint64_t)oid, 0, t->out)) !=
	    HF_OK)
		return rc;
	for (i = 0, l = t->out->lines; i < t->out->nlines; i++, l++)
		svc_touch(ctx, l->product_id, l->sku);
	return HF_OK;
}

/*
 * Places an order for the caller: every line reserved or none (lines of
 * one SKU summed, rows locked in SKU order), each at the product's price
 * of this moment. A shortfall is INV_002 with every short line in
 * ctx->details; an unknown SKU INV_001. The request schema holds the
 * number of lines to 1..ORDER_MAX_LINES.
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
	/* the plain case in one round trip (a request that stores its
	 * answer under an Idempotency-Key takes the C path) */
	if (svc_unkeyed(idem) && in->points == 0 && in->coupon == NULL &&
	    in->group == NULL && in->delivery == NULL)
		t.trip = inv_trip_lines(ctx, t.lines, t.n);
	return svc_write(ctx, t.trip != NULL ? create_trip_fn : NULL, &t,
	    &t.done, create_fn, &t);
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

/*
 * Newest first, without their lines; a user sees their own orders, staff
 * every order. status NULL: any.
 */
int
svc_orders_list(struct svc_ctx *ctx, const char *status, long long page,
    long long per_page, struct order **out, size_t *n, struct svc_keyset *ks)
{
	struct db_param	p[5];
	long long	offset = svc_ks_offset(ks, page, per_page);
	int		rc;

	p[0] = DB_OPT_INT(ctx->who->role < ROLE_BUSINESS,
	    (long long)ctx->who->user_id);
	p[1] = DB_OPT_STR(status);
	p[2] = DB_INT(svc_ks_after(ks));
	p[3] = DB_INT(per_page + 1);
	p[4] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_orders_list, p, 5,
	    out, n)) != HF_OK)
		return rc;
	if (svc_ks_trim(ks, n, per_page))
		ks->next = (*out)[*n - 1].id;
	return svc_ks_count(ctx, ks, &db_sql_orders_count, p, 2, offset, *n);
}

