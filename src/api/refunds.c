/*
 * refunds.c: partial refunds and returns of an order, its money, the
 * payments read API and the payments report (issue 15 item 6):
 *
 *	POST /orders/{id}/refunds	admin: by lines, by amount, or both
 *	POST /orders/{id}/returns	business or admin: goods back
 *	GET  /orders/{id}/payments	staff: payments, refunds, returns
 *	GET  /payments, /payments/{id}	staff: the notifications, newest first
 *	GET  /reports/payments		staff: orders whose payments and
 *					totals disagree
 *
 * The rules are in src/svc/refunds.c and returns.c.
 */
#include <limits.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/refunds.h"

static const char *const outcomes[] = { "applied", "rejected", "duplicate",
    NULL };

enum { RL_SKU, RL_QTY, RL_SELLABLE, RL_REASON };

static const struct field f_refund_line[] = {
	[RL_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 0, 0, NULL, NULL,
	    NULL },
	[RL_QTY] = { "quantity", FIELD_INT, FIELD_REQUIRED, 1,
	    API_QUANTITY_MAX, NULL, NULL, NULL },
};
static const struct body_schema schema_refund_line = SCHEMA(f_refund_line);

static const struct field f_return_line[] = {
	[RL_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 0, 0, NULL, NULL,
	    NULL },
	[RL_QTY] = { "quantity", FIELD_INT, FIELD_REQUIRED, 1,
	    API_QUANTITY_MAX, NULL, NULL, NULL },
	[RL_SELLABLE] = { "sellable", FIELD_BOOL, FIELD_REQUIRED, 0, 0, NULL,
	    NULL, NULL },
	/* why an unsellable unit leaves (the write-off's reason) */
	[RL_REASON] = { "reason", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL,
	    NULL, NULL },
};
static const struct body_schema schema_return_line = SCHEMA(f_return_line);

enum { RF_LINES, RF_AMOUNT, RF_REASON, RF_REF };

static const struct field f_refund[] = {
	[RF_LINES] = { "lines", FIELD_ARRAY, 0, 1, REFUND_MAX_LINES, NULL,
	    &schema_refund_line, NULL },
	[RF_AMOUNT] = { "amount", FIELD_MONEY, 0, 0, 0, NULL, NULL, NULL },
	[RF_REASON] = { "reason", FIELD_STRING, FIELD_REQUIRED, 1, 255, NULL,
	    NULL, NULL },
	[RF_REF] = { "provider_reference", FIELD_STRING, FIELD_NULLABLE, 1,
	    128, NULL, NULL, NULL },
};
const struct body_schema schema_refund = SCHEMA(f_refund);

enum { RT_LINES, RT_NOTE };

static const struct field f_return[] = {
	[RT_LINES] = { "lines", FIELD_ARRAY, FIELD_REQUIRED, 1,
	    REFUND_MAX_LINES, NULL, &schema_return_line, NULL },
	[RT_NOTE] = { "note", FIELD_STRING, FIELD_NULLABLE, 0, 255, NULL,
	    NULL, NULL },
};
const struct body_schema schema_return = SCHEMA(f_return);

static const struct hf_field payment_fields[] = {
	HF_FIELD(struct payment_row, id, HF_K_U64),
	HF_FIELDF(struct payment_row, order_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct payment_row, provider_txn_id, HF_K_STR),
	HF_FIELD(struct payment_row, amount, HF_K_MONEY),
	HF_FIELD(struct payment_row, currency, HF_K_STR),
	HF_FIELD(struct payment_row, status, HF_K_STR),
	HF_FIELD(struct payment_row, outcome, HF_K_STR),
	HF_FIELD(struct payment_row, reason, HF_K_STR),
	HF_FIELD(struct payment_row, created_at, HF_K_STR),
};

static const struct hf_field refund_fields[] = {
	HF_FIELD(struct refund_row, id, HF_K_U64),
	HF_FIELD(struct refund_row, kind, HF_K_STR),
	HF_FIELD(struct refund_row, amount, HF_K_MONEY),
	HF_FIELD(struct refund_row, currency, HF_K_STR),
	HF_FIELD(struct refund_row, reason, HF_K_STR),
	HF_FIELD(struct refund_row, provider_reference, HF_K_STR),
	HF_FIELD(struct refund_row, points_returned, HF_K_INT),
	HF_FIELD(struct refund_row, points_revoked, HF_K_INT),
	HF_FIELD(struct refund_row, created_by, HF_K_STR),
	HF_FIELD(struct refund_row, created_at, HF_K_STR),
};

static const struct hf_field refund_line_fields[] = {
	HF_FIELD(struct refund_line_row, sku, HF_K_STR),
	HF_FIELD(struct refund_line_row, quantity, HF_K_INT),
	HF_FIELD(struct refund_line_row, restocked, HF_K_INT),
};

static const struct hf_field return_fields[] = {
	HF_FIELD(struct return_line_row, return_id, HF_K_U64),
	HF_FIELD(struct return_line_row, sku, HF_K_STR),
	HF_FIELD(struct return_line_row, quantity, HF_K_INT),
	HF_FIELD(struct return_line_row, sellable, HF_K_BOOL),
	HF_FIELD(struct return_line_row, reason, HF_K_STR),
	HF_FIELD(struct return_line_row, note, HF_K_STR),
	HF_FIELD(struct return_line_row, created_by, HF_K_STR),
	HF_FIELD(struct return_line_row, created_at, HF_K_STR),
};

static const struct hf_field line_fields[] = {
	HF_FIELD(struct refund_line_view, sku, HF_K_STR),
	HF_FIELD(struct refund_line_view, quantity, HF_K_INT),
	HF_FIELD(struct refund_line_view, refunded, HF_K_INT),
	HF_FIELD(struct refund_line_view, restocked, HF_K_INT),
	HF_FIELD(struct refund_line_view, returned, HF_K_INT),
	HF_FIELD(struct refund_line_view, returnable, HF_K_INT),
};

static const struct hf_field money_fields[] = {
	HF_FIELD(struct order_money, order_id, HF_K_U64),
	HF_FIELD(struct order_money, status, HF_K_STR),
	HF_FIELD(struct order_money, total, HF_K_MONEY),
	HF_FIELD(struct order_money, currency, HF_K_STR),
	HF_FIELD(struct order_money, paid, HF_K_MONEY),
	HF_FIELD(struct order_money, refunded, HF_K_MONEY),
	HF_FIELD(struct order_money, refundable, HF_K_MONEY),
};

/* A report row as the API shows it (with its problem). */
struct mismatch_view {
	uint64_t	 order_id;
	const char	*status, *total, *currency, *paid, *refunded;
	long long	 payments;
	const char	*problem;
};

static const struct hf_field mismatch_fields[] = {
	HF_FIELD(struct mismatch_view, order_id, HF_K_U64),
	HF_FIELD(struct mismatch_view, status, HF_K_STR),
	HF_FIELD(struct mismatch_view, total, HF_K_MONEY),
	HF_FIELD(struct mismatch_view, currency, HF_K_STR),
	HF_FIELD(struct mismatch_view, paid, HF_K_MONEY),
	HF_FIELD(struct mismatch_view, refunded, HF_K_MONEY),
	HF_FIELD(struct mismatch_view, payments, HF_K_INT),
	HF_FIELD(struct mismatch_view, problem, HF_K_STR),
};

#define ARRAY(f, rows, n) \
	hf_fields_json_array((f), HF_NITEMS(f), (rows), sizeof(*(rows)), (n))

/* An order's money; each refund with its lines. */
static json_object *
money_json(const struct order_money *m)
{
	json_object	*o, *refunds, *r, *lines;
	size_t		 i, k;

	if ((o = hf_fields_json(money_fields, HF_NITEMS(money_fields), m)) ==
	    NULL)
		return NULL;
	if (m->created_id != 0)
		json_object_object_add(o, "id",
		    json_object_new_int64((long long)m->created_id));
	json_object_object_add(o, "lines", ARRAY(line_fields, m->lines,
	    m->nlines));
	json_object_object_add(o, "payments", ARRAY(payment_fields,
	    m->payments, m->npayments));
	refunds = json_object_new_array();
	for (i = 0; i < m->nrefunds; i++) {
		r = hf_fields_json(refund_fields, HF_NITEMS(refund_fields),
		    &m->refunds[i]);
		lines = json_object_new_array();
		for (k = 0; k < m->nrefund_lines; k++)
			if (m->refund_lines[k].refund_id == m->refunds[i].id)
				json_object_array_add(lines, hf_fields_json(
				    refund_line_fields,
				    HF_NITEMS(refund_line_fields),
				    &m->refund_lines[k]));
		if (r != NULL)
			json_object_object_add(r, "lines", lines);
		else
			json_object_put(lines);
		json_object_array_add(refunds, r);
	}
	json_object_object_add(o, "refunds", refunds);
	json_object_object_add(o, "returns", ARRAY(return_fields, m->returns,
	    m->nreturns));
	return o;
}

static json_object *
money_build(struct http_request *req, void *arg)
{
	(void)req;
	return money_json(arg);
}

/* The lines of a refund or a return (arena). */
static int
refund_items(struct http_request *req, const struct field_value *v,
    int returns, struct refund_item **out, size_t *n)
{
	size_t	i;

	*n = v->present && !v->null ? (size_t)v->i : 0;
	if ((*out = arena_calloc(req->arena, *n + 1, sizeof(**out))) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < *n; i++) {
		(*out)[i].sku = v->items[i][RL_SKU].s;
		(*out)[i].quantity = v->items[i][RL_QTY].i;
		if (!returns)
			continue;
		(*out)[i].sellable = v->items[i][RL_SELLABLE].i != 0;
		if (v->items[i][RL_REASON].present &&
		    !v->items[i][RL_REASON].null)
			(*out)[i].reason = v->items[i][RL_REASON].s;
	}
	return 0;
}

void
api_refund_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct refund_new	 in;
	struct order_money	 out;
	struct idem		 idem;
	struct api_render	 render = { req, 201, money_build, &out };
	uint64_t		 id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if (refund_items(req, &fv[RF_LINES], 0, &in.items, &in.nitems) != 0)
		return;
	in.amount_cents = fv[RF_AMOUNT].present ? fv[RF_AMOUNT].i : -1;
	in.reason = fv[RF_REASON].s;
	in.provider_ref = fv[RF_REF].present && !fv[RF_REF].null ?
	    fv[RF_REF].s : NULL;
	api_ctx(req, &ctx);
	if (in.nitems == 0 && in.amount_cents < 0) {
		ctx.field = "lines";
		ctx.reason = "give the lines, an amount, or both";
		api_fail(req, &ctx, HF_E_REQ_FIELD);
		return;
	}
	if (in.amount_cents == 0) {
		ctx.field = "amount";
		ctx.reason = "must be more than 0";
		api_fail(req, &ctx, HF_E_REQ_FIELD);
		return;
	}
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_refund_create(&ctx, id, &in, &idem, &out));
}

void
api_return_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct return_new	 in;
	struct order_money	 out;
	struct idem		 idem;
	struct api_render	 render = { req, 201, money_build, &out };
	uint64_t		 id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if (refund_items(req, &fv[RT_LINES], 1, &in.items, &in.nitems) != 0)
		return;
	in.note = fv[RT_NOTE].present && !fv[RT_NOTE].null ? fv[RT_NOTE].s :
	    NULL;
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_return_create(&ctx, id, &in, &idem, &out));
}

void
api_order_payments(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct order_money	m;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_order_money(&ctx, id, &m)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, money_json(&m));
}

void
api_payments_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct payment_filter	 f;
	struct payment_row	*rows;
	struct svc_keyset	 ks;
	size_t			 n = 0;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_keyset(req, &f.page, &f.per_page, &ks) != 0 ||
	    api_enum_param(req, "outcome", outcomes, &f.outcome) != 0)
		return;
	if (api_id_query(req, "order_id", "an order's id", &f.order_id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_payments_list(&ctx, &f, &rows, &n, &ks)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(ARRAY(payment_fields, rows, n),
	    f.page, f.per_page, &ks));
}

void
api_payment_get(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct payment_row	 p;
	json_object		*o, *raw;
	uint64_t		 id;
	int			 rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_payment_get(&ctx, id, &p)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	o = hf_fields_json(payment_fields, HF_NITEMS(payment_fields), &p);
	raw = p.raw != NULL ? json_tokener_parse(p.raw) : NULL;
	if (o != NULL)
		json_object_object_add(o, "raw", raw);
	else
		json_object_put(raw);
	http_reply(req, 200, o);
}

void
api_payments_report(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct payment_mismatch	*rows;
	struct mismatch_view	*view;
	struct svc_keyset	 ks;
	long long		 page, per_page;
	size_t			 n = 0, i;
	int			 rc;

	if (api_keyset(req, &page, &per_page, &ks) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_payments_report(&ctx, page, per_page, &rows, &n, &ks)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	if ((view = arena_calloc(req->arena, n + 1, sizeof(*view))) == NULL) {
		api_fail(req, &ctx, HF_E_SYS_INTERNAL);
		return;
	}
	for (i = 0; i < n; i++) {
		view[i].order_id = rows[i].order_id;
		view[i].status = rows[i].status;
		view[i].total = rows[i].total;
		view[i].currency = rows[i].currency;
		view[i].paid = rows[i].paid;
		view[i].refunded = rows[i].refunded;
		view[i].payments = rows[i].payments;
		view[i].problem = refund_mismatch_problem(&rows[i]);
	}
	http_reply(req, 200, api_list_ks(ARRAY(mismatch_fields, view, n),
	    page, per_page, &ks));
}
