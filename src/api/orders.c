/*
 * orders.c: place, list and read orders; pay, cancel, refund and fulfill
 * them; and the payment provider's signed callback.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/orders.h"
#include "holdfast/delivery.h"

static const char *const order_statuses[] = { "pending_payment", "paid",
    "cancelled", "expired", "refunded", "fulfilled", NULL };

enum { OC_ITEMS, OC_NOTE, OC_POINTS, OC_COUPON, OC_DELIVERY };

static const struct field f_order_create[] = {
	[OC_ITEMS] = { "items", FIELD_ARRAY, FIELD_REQUIRED, 1, ORDER_MAX_LINES,
	    NULL, &schema_line, NULL },
	[OC_NOTE] = { "note", FIELD_STRING, FIELD_NULLABLE, 0, ORDER_NOTE_MAX,
	    NULL, NULL, NULL },
	/* points to pay with (issue 15): reserved with the order */
	[OC_POINTS] = { "points", FIELD_INT, 0, 0, 1000000000, NULL, NULL,
	    "0" },
	/* a coupon code (issue 15): one coupon reserved with the order */
	[OC_COUPON] = { "coupon", FIELD_STRING, FIELD_NULLABLE, 1, 64, NULL,
	    NULL, NULL },
	/* delivery or pickup with a slot (issue 15): api/delivery.c */
	[OC_DELIVERY] = { "delivery", FIELD_OBJECT, FIELD_NULLABLE, 0, 512,
	    NULL, NULL, NULL },
};

const struct body_schema schema_order_create = SCHEMA(f_order_create);

enum { PN_ORDER, PN_AMOUNT, PN_CURRENCY, PN_TXN, PN_STATUS };

static const struct field f_payment[] = {
	[PN_ORDER] = { "order_id", FIELD_INT, FIELD_REQUIRED, 1, LLONG_MAX,
	    NULL, NULL, NULL },
	[PN_AMOUNT] = { "amount", FIELD_MONEY, FIELD_REQUIRED, 0, 0, NULL, NULL,
	    NULL },
	[PN_CURRENCY] = { "currency", FIELD_STRING, FIELD_REQUIRED, 3, 3, NULL,
	    NULL, NULL },
	[PN_TXN] = { "provider_txn_id", FIELD_STRING, FIELD_REQUIRED, 1, 128,
	    NULL, NULL, NULL },
	[PN_STATUS] = { "status", FIELD_STRING, FIELD_REQUIRED, 1, 32, NULL,
	    NULL, NULL },
};

static const struct body_schema schema_payment = SCHEMA(f_payment);

/* An order as the API shows it; its lines: order_line_fields. */
static const struct hf_field order_fields[] = {
	HF_FIELD(struct order, id, HF_K_U64),
	HF_FIELD(struct order, reference_id, HF_K_STR),
	HF_FIELDF(struct order, user_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct order, created_by, HF_K_STR),
	HF_FIELD(struct order, status, HF_K_STR),
	HF_FIELD(struct order, total, HF_K_MONEY),
	HF_FIELD(struct order, currency, HF_K_STR),
	HF_FIELD(struct order, points_used, HF_K_INT),
	HF_FIELD(struct order, points_discount, HF_K_MONEY),
	HF_FIELD(struct order, points_earned, HF_K_INT),
	HF_FIELD(struct order, coupon_code, HF_K_STR),
	HF_FIELD(struct order, coupon_discount, HF_K_MONEY),
	HF_FIELD(struct order, note, HF_K_STR),
	HF_FIELD(struct order, expires_at, HF_K_STR),
	HF_FIELD(struct order, paid_at, HF_K_STR),
	HF_FIELD(struct order, cancelled_at, HF_K_STR),
	HF_FIELD(struct order, refunded_at, HF_K_STR),
	HF_FIELD(struct order, fulfilled_at, HF_K_STR),
	HF_FIELD(struct order, created_at, HF_K_STR),
	HF_FIELD(struct order, updated_at, HF_K_STR),
};

/* What POST /payments/notify answers beside the order. */
static const struct hf_field payment_fields[] = {
	HF_FIELD(struct payment_result, payment_id, HF_K_U64),
	HF_FIELD(struct payment_result, outcome, HF_K_STR),
};

/* An order; lines only when loaded (one order, not a list). */
static json_object *
order_json(const struct order *o, int with_lines)
{
	json_object	*j;

	j = hf_fields_json(order_fields, HF_NITEMS(order_fields), o);
	if (j != NULL && with_lines)
		json_object_object_add(j, "lines", hf_fields_json_array(
		    order_line_fields, HF_NITEMS(order_line_fields), o->lines,
		    sizeof(*o->lines), o->nlines));
	return j;
}

static json_object *
one_json(struct http_request *req, void *arg)
{
	json_object	*j = order_json(arg, 1);

	api_dlv_order_add(req, j, ((struct order *)arg)->id);
	return j;
}

void
api_order_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct order_new	 in;
	struct order		 out;
	struct idem		 idem;
	struct dlv_choice	 dc;
	struct api_render	 render = { req, 201, one_json, &out };

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if (api_lines(req, &fv[OC_ITEMS], &in.items, &in.nitems) != 0 ||
	    api_dlv_choice(req, &fv[OC_DELIVERY], &dc) != 0)
		return;
	in.delivery = dc.method != NULL ? &dc : NULL;
	in.points = fv[OC_POINTS].present ? fv[OC_POINTS].i : 0;
	in.coupon = fv[OC_COUPON].present && !fv[OC_COUPON].null ?
	    fv[OC_COUPON].s : NULL;
	in.note = fv[OC_NOTE].present && !fv[OC_NOTE].null ? fv[OC_NOTE].s :
	    NULL;
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_order_create(&ctx, &in, &idem, &out));
}

void
api_orders_list(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct order	*rows;
	const char	*status;
	struct svc_keyset ks;
	long long	 page, per_page;
	size_t		 n = 0;
	int		 rc;

	if (api_keyset(req, &page, &per_page, &ks) != 0 ||
	    api_enum_param(req, "status", order_statuses, &status) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_orders_list(&ctx, status, page, per_page, &rows, &n,
	    &ks)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(hf_fields_json_array(order_fields,
	    HF_NITEMS(order_fields), rows, sizeof(*rows), n), page, per_page,
	    &ks));
}

void
api_order_get(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct order	o;
	uint64_t	id;
	int		rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_order_get(&ctx, id, &o)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_grp_on_order(&ctx, one_json(req, &o), o.id));
}

static void
order_act(struct http_request *req, enum order_action action)
{
	struct svc_ctx		ctx;
	struct order		out;
	struct idem		idem;
	struct api_render	render = { req, 200, one_json, &out };
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&out, 0, sizeof(out));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_order_act(&ctx, id, action, &idem, &out));
}

void
api_order_pay(struct http_request *req)
{
	order_act(req, ORDER_PAY);
}

void
api_order_cancel(struct http_request *req)
{
	order_act(req, ORDER_CANCEL);
}

void
api_order_refund(struct http_request *req)
{
	order_act(req, ORDER_REFUND);
}

void
api_order_fulfill(struct http_request *req)
{
	order_act(req, ORDER_FULFILL);
}

/*
 * The body of a notification whose signature passed: strict JSON, the
 * fields of schema_payment. Returns the object (the caller puts it) or
 * NULL after replying.
 */
static json_object *
payment_parse(struct http_request *req, struct field_value *fv)
{
	struct json_tokener	*tok;
	json_object		*o, *details;
	const char		*field = NULL, *reason = NULL, *text;
	size_t			 i, end, len;
	char			 path[256];
	int			 rc;

	if (req->body == NULL || req->body_len == 0 ||
	    req->body_len > INT_MAX) {
		http_reply_err(req, HF_E_REQ_JSON, "the body must be a JSON "
		    "object", NULL);
		return NULL;
	}
	if ((tok = json_tokener_new()) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return NULL;
	}
	if ((text = http_json_escapes(req->arena, req->body, req->body_len,
	    &len)) == NULL) {
		json_tokener_free(tok);
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	while (end < len && strchr(" \t\r\n", text[end]) != NULL &&
	    text[end] != '\0')
		end++;
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    end != len)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		http_reply_err(req, HF_E_REQ_JSON, "the body must be a JSON "
		    "object", NULL);
		return NULL;
	}
	if ((reason = http_json_check(o, path, sizeof(path))) != NULL) {
		rc = HF_E_REQ_FIELD;
		field = path[0] != '\0' ? path : "body";
	} else
		rc = schema_check(&schema_payment, o, req->arena, fv, &field,
		    &reason);
	if (rc == HF_OK) {
		for (i = 0; i < 3; i++)
			if (fv[PN_CURRENCY].s[i] < 'A' ||
			    fv[PN_CURRENCY].s[i] > 'Z')
				break;
		if (i == 3)
			return o;
		rc = HF_E_REQ_FIELD;
		field = "currency";
		reason = "three capital letters (ISO 4217)";
	}
	details = json_object_new_object();
	json_object_object_add(details, "field", json_object_new_string(field));
	json_object_object_add(details, "reason",
	    json_object_new_string(reason));
	http_reply_err(req, rc, arena_printf(req->arena, "%s: %s", field,
	    reason), details);
	json_object_put(o);
	return NULL;
}

/*
 * POST /api/v1/payments/notify: the signature over the raw body is checked
 * before anything is parsed (401 PAY_001, nothing changes); then the
 * service applies it once per provider_txn_id and records it whatever
 * comes of it.
 */
void
api_payment_notify(struct http_request *req)
{
	struct field_value	 fv[sizeof(f_payment) / sizeof(f_payment[0])];
	struct principal	 provider;
	struct svc_ctx		 ctx;
	struct payment_note	 in;
	struct payment_result	 out;
	json_object		*o, *data;
	int			 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_payment_verify(req->app, http_env(req,
	    "HTTP_X_SIGNATURE"), req->body != NULL ? req->body : "",
	    req->body_len)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	if ((o = payment_parse(req, fv)) == NULL)
		return;
	memset(&in, 0, sizeof(in));
	in.order_id = (uint64_t)fv[PN_ORDER].i;
	in.amount = fv[PN_AMOUNT].s;
	in.amount_cents = fv[PN_AMOUNT].i;
	in.currency = fv[PN_CURRENCY].s;
	in.provider_txn_id = fv[PN_TXN].s;
	in.status = fv[PN_STATUS].s;
	in.raw = arena_strdup(req->arena, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	/* the ledger and the payment say who moved the stock */
	provider = req->who;
	snprintf(provider.actor, sizeof(provider.actor), "payment-provider");
	ctx.who = &provider;
	rc = svc_payment_notify(&ctx, &in, &out);
	if (rc != HF_OK) {
		if (out.payment_id != 0) {
			svc_detail_int(&ctx, "payment_id",
			    (long long)out.payment_id);
		}
		api_fail(req, &ctx, rc);
		return;
	}
	data = hf_fields_json(payment_fields, HF_NITEMS(payment_fields), &out);
	if (data != NULL)
		json_object_object_add(data, "order",
		    order_json(&out.order, 1));
	http_reply(req, 200, data);
}
