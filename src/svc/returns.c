/*
 * returns.c: goods back on a fulfilled order (POST /orders/{id}/returns),
 * an order's money (GET /orders/{id}/payments), the payments read API and
 * the report of orders whose payments and totals disagree (issue 15 item
 * 6; the rules are in refunds.c).
 *
 * A return names the lines that came back and whether each is sellable:
 * sellable units are restocked naming the order (reason "return");
 * unsellable ones are restocked and deducted in the same transaction, the
 * deduct's reason "written off: <why>" (default "damaged"), so the ledger
 * shows them arriving and leaving and the stock never counts them. No
 * more of a line comes back than was fulfilled and is still out (not
 * restocked by a refund, not returned before).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_orders.h"
#include "holdfast/orders.h"
#include "holdfast/outbox.h"
#include "holdfast/refunds.h"
#include "inv_int.h"
#include "ord_int.h"
#include "rfd_int.h"

/* order.returned */
struct return_event {
	uint64_t	 order_id, return_id;
	const char	*status;
	const char	*lines;		/* JSON text */
};

static const struct hf_field return_event_fields[] = {
	HF_FIELD(struct return_event, order_id, HF_K_U64),
	HF_FIELD(struct return_event, return_id, HF_K_U64),
	HF_FIELD(struct return_event, status, HF_K_STR),
	HF_FIELD(struct return_event, lines, HF_K_JSON),
};

static const struct hf_field return_line_fields[] = {
	HF_FIELD(struct return_line_row, sku, HF_K_STR),
	HF_FIELD(struct return_line_row, quantity, HF_K_INT),
	HF_FIELD(struct return_line_row, sellable, HF_K_BOOL),
	HF_FIELD(struct return_line_row, reason, HF_K_STR),
};

static int
return_fn(struct db *db, void *arg)
{
	struct rfd_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	const struct return_new	*in = t->ret;
	const struct order_line	*l;
	struct return_line_row	*rows;
	struct return_event	 e;
	struct rfd_state	 st;
	struct order		 o;
	struct db_param		 p[7];
	long long		*qty, *at, left;
	const char		*data, *why;
	uint64_t		 rid;
	size_t			 i, k, n = 0;
	int			 rc;

	if ((rc = rfd_order(db, t, &o, &st)) != HF_OK)
		return rc;
	if (o.fulfilled_at == NULL) {
		ctx->message = arena_printf(ctx->arena, "order %llu is %s and "
		    "was never fulfilled: nothing to return",
		    (unsigned long long)o.id, o.status);
		svc_details_clear(ctx);
		svc_detail_int(ctx, "order_id", (long long)o.id);
		svc_detail_str(ctx, "status", o.status);
		return HF_E_RFD_NOT_FULFILLED;
	}
	if ((qty = arena_calloc(ctx->arena, st.nleft + 1, sizeof(*qty))) ==
	    NULL || (at = arena_calloc(ctx->arena, in->nitems + 1,
	    sizeof(*at))) == NULL || (rows = arena_calloc(ctx->arena,
	    in->nitems + 1, sizeof(*rows))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < in->nitems; i++) {
		if ((at[i] = rfd_find(&st, in->items[i].sku)) < 0)
			return rfd_not_on_order(ctx, &o, i, in->items[i].sku);
		k = (size_t)at[i];
		qty[k] += in->items[i].quantity;
		left = st.left[k].quantity - st.left[k].restocked -
		    st.left[k].returned;
		if (qty[k] > left)
			return rfd_over(ctx, HF_E_RFD_OVER_FULFILLED,
			    st.left[k].sku, "returnable", left);
	}
	p[0] = DB_INT((long long)o.id);
	p[1] = DB_STR_OR_NULL(in->note);
	p[2] = DB_STR(ctx->who->actor);
	p[3] = DB_STR_OR_NULL(ctx->request_id);
	if ((rc = db_exec(db, &db_sql_return_insert, p, 4, NULL, &rid)) !=
	    HF_OK)
		return rc;
	/* the stock rows in SKU order: st's lines are */
	for (k = 0; k < st.nleft; k++) {
		for (i = 0; i < in->nitems; i++) {
			if (at[i] != (long long)k)
				continue;
			why = in->items[i].sellable ? NULL : in->items[i].reason
			    != NULL ? in->items[i].reason : "damaged";
			if ((l = rfd_line(&o, st.left[k].product_id)) == NULL)
				return HF_E_SYS_INTERNAL;
			if ((rc = rfd_restock(db, ctx, &o, l,
			    in->items[i].quantity, why == NULL ? "return" :
			    "return (not sellable)", why == NULL ? NULL :
			    arena_printf(ctx->arena, "written off: %s",
			    why))) != HF_OK)
				return rc;
			rows[n].return_id = rid;
			rows[n].sku = st.left[k].sku;
			rows[n].quantity = in->items[i].quantity;
			rows[n].sellable = in->items[i].sellable;
			rows[n].reason = why;
			n++;
			p[0] = DB_INT((long long)rid);
			p[1] = DB_INT((long long)o.id);
			p[2] = DB_INT((long long)st.left[k].product_id);
			p[3] = DB_STR(st.left[k].sku);
			p[4] = DB_INT(in->items[i].quantity);
			p[5] = DB_INT(in->items[i].sellable ? 1 : 0);
			p[6] = DB_STR_OR_NULL(why);
			if ((rc = db_exec(db, &db_sql_return_line_insert, p, 7,
			    NULL, NULL)) != HF_OK)
				return rc;
		}
	}
	memset(&e, 0, sizeof(e));
	e.order_id = o.id;
	e.return_id = rid;
	e.status = o.status;
	if ((e.lines = rfd_array(ctx->arena, return_line_fields,
	    HF_NITEMS(return_line_fields), rows, sizeof(*rows), n)) == NULL ||
	    (data = hf_fields_text(ctx->arena, return_event_fields,
	    HF_NITEMS(return_event_fields), &e)) == NULL)
		return HF_E_SYS_INTERNAL;
	if ((rc = outbox_event_text(db, "order.returned", data,
	    ctx->request_id)) != HF_OK)
		return rc;
	if ((rc = svc_audit_text(db, ctx, "order.return", "order", o.id, NULL,
	    arena_printf(ctx->arena, "{\"return_id\":%llu}",
	    (unsigned long long)rid))) != HF_OK)
		return rc;
	if ((rc = rfd_money_load(db, ctx, &o, t->out)) != HF_OK)
		return rc;
	t->out->created_id = rid;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

int
svc_return_create(struct svc_ctx *ctx, uint64_t order_id,
    const struct return_new *in, struct idem *idem, struct order_money *out)
{
	struct rfd_txn	t;

	memset(&t, 0, sizeof(t));
	memset(out, 0, sizeof(*out));
	t.ctx = ctx;
	t.id = order_id;
	t.ret = in;
	t.idem = idem;
	t.out = out;
	return svc_txn(ctx, return_fn, &t);
}

/* --- the read side ---------------------------------------------------- */

int
svc_order_money(struct svc_ctx *ctx, uint64_t order_id,
    struct order_money *out)
{
	struct db	*db = ctx->app->db;
	struct order	 o;
	int		 rc;

	rc = order_load(db, ctx->arena, order_id, 0, &o);
	if (rc == HF_E_ORD_NOT_FOUND || (rc == HF_OK &&
	    !order_visible(ctx->who, &o)))
		return order_not_found(ctx, order_id);
	if (rc != HF_OK)
		return rc;
	return rfd_money_load(db, ctx, &o, out);
}

int
svc_payments_list(struct svc_ctx *ctx, const struct payment_filter *f,
    struct payment_row **rows, size_t *n, struct svc_keyset *ks)
{
	struct db_param	p[5];
	long long	offset = svc_ks_offset(ks, f->page, f->per_page);
	int		rc;

	p[0] = DB_OPT_INT(f->order_id != 0, (long long)f->order_id);
	p[1] = DB_OPT_STR(f->outcome);
	p[2] = DB_INT(svc_ks_after(ks));
	p[3] = DB_INT(f->per_page + 1);
	p[4] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_payments_list, p,
	    5, rows, n)) != HF_OK)
		return rc;
	if (svc_ks_trim(ks, n, f->per_page))
		ks->next = (*rows)[*n - 1].id;
	return svc_ks_count(ctx, ks, &db_sql_payments_count, p, 2, offset,
	    *n);
}

int
svc_payment_get(struct svc_ctx *ctx, uint64_t id, struct payment_row *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		found, rc;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_payment_by_id, p, 1,
	    out, &found)) != HF_OK)
		return rc;
	if (!found) {
		ctx->message = arena_printf(ctx->arena, "payment %llu not "
		    "found", (unsigned long long)id);
		return HF_E_RFD_PAYMENT_NOT_FOUND;
	}
	return HF_OK;
}

int
svc_payments_report(struct svc_ctx *ctx, long long page, long long per_page,
    struct payment_mismatch **rows, size_t *n, struct svc_keyset *ks)
{
	struct db_param	p[3];
	long long	offset = svc_ks_offset(ks, page, per_page);
	int		rc;

	p[0] = DB_INT(svc_ks_after(ks));
	p[1] = DB_INT(per_page + 1);
	p[2] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_payments_report,
	    p, 3, rows, n)) != HF_OK)
		return rc;
	if (svc_ks_trim(ks, n, per_page))
		ks->next = (*rows)[*n - 1].order_id;
	p[0] = DB_INT(INT64_MAX);	/* the count: the whole report */
	return svc_ks_count(ctx, ks, &db_sql_payments_report_count, p, 1,
	    offset, *n);
}

/*
 * Why a report row is there: refunds_exceed_total (refunds add up to more
 * than the total), no_payment (paid offline, POST /orders/{id}/pay: no
 * payment recorded), payment_on_unpaid_order, or amount_differs.
 */
const char *
refund_mismatch_problem(const struct payment_mismatch *m)
{
	int	settled = strcmp(m->status, "paid") == 0 ||
		    strcmp(m->status, "fulfilled") == 0 ||
		    strcmp(m->status, "refunded") == 0;

	if (m->refunded_cents > m->total_cents)
		return "refunds_exceed_total";
	if (settled && m->payments == 0)
		return "no_payment";
	if (!settled)
		return "payment_on_unpaid_order";
	return "amount_differs";
}
