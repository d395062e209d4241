/*
 * holds.c: join the waiting list of an SKU, read it, leave it, and turn
 * a ready hold into a loan.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/lending.h"

static const char *const statuses[] = { "waiting", "in_transit", "ready",
    "collected", "cancelled", "expired", NULL };

enum { HD_SKU, HD_USER, HD_PICKUP };

static const struct field f_hold[] = {
	[HD_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 1, 64, NULL, NULL,
	    NULL },
	[HD_USER] = { "user_id", FIELD_INT, FIELD_NULLABLE, 1, 1LL << 53, NULL,
	    NULL, NULL },
	/* a location code: the copy travels there (issue 17) */
	[HD_PICKUP] = { "pickup_location", FIELD_SKU, FIELD_NULLABLE, 1,
	    API_LOCATION_MAX, NULL, NULL, NULL },
};

const struct body_schema schema_hold = SCHEMA(f_hold);

/* A hold object (docs/internals.md, the lending contract). */
static const struct hf_field hold_fields[] = {
	HF_FIELD(struct hold, id, HF_K_U64),
	HF_FIELD(struct hold, user_id, HF_K_U64),
	HF_FIELD(struct hold, sku, HF_K_STR),
	HF_FIELD(struct hold, name, HF_K_STR),
	HF_FIELD(struct hold, status, HF_K_STR),
	HF_FIELDF(struct hold, position, HF_K_INT, HF_F_NULL),
	HF_FIELDF(struct hold, reservation_id, HF_K_INT, HF_F_NULL),
	HF_FIELDF(struct hold, loan_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct hold, ready_at, HF_K_STR),
	HF_FIELD(struct hold, pickup_until, HF_K_STR),
	HF_FIELD(struct hold, created_at, HF_K_STR),
	HF_FIELD(struct hold, ended_at, HF_K_STR),
	HF_FIELD(struct hold, pickup_location, HF_K_STR),
	HF_FIELDF(struct hold, transfer_id, HF_K_INT, HF_F_NULL),
};

static json_object *
hold_json(const struct hold *h)
{
	return hf_fields_json(hold_fields, HF_NITEMS(hold_fields), h);
}

/* for loans.c: the hold a borrow placed instead (issue 14, item 6) */
json_object *
api_hold_json(const struct hold *h)
{
	return hold_json(h);
}

static json_object *
one_json(struct http_request *req, void *arg)
{
	(void)req;
	return hold_json(arg);
}

void
api_hold_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct hold		 h;
	struct idem		 idem;
	struct api_render	 render = { req, 201, one_json, &h };
	uint64_t		 user_id = 0;

	memset(&h, 0, sizeof(h));
	if (fv[HD_USER].present && !fv[HD_USER].null)
		user_id = (uint64_t)fv[HD_USER].i;
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_hold_create(&ctx, fv[HD_SKU].s, user_id,
	    fv[HD_PICKUP].present && !fv[HD_PICKUP].null ? fv[HD_PICKUP].s :
	    NULL, &idem, &h));
}

void
api_holds_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct lend_filter	 f;
	struct hold		*rows;
	struct svc_keyset	 ks;
	size_t			 n = 0;
	int			 rc;

	if (api_lend_filter(req, statuses, &f, &ks) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_holds_list(&ctx, &f, &rows, &n, &ks)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(hf_fields_json_array(hold_fields,
	    HF_NITEMS(hold_fields), rows, sizeof(*rows), n), f.page,
	    f.per_page, &ks));
}

void
api_hold_get(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct hold	h;
	uint64_t	id;
	int		rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_hold_get(&ctx, id, &h)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, hold_json(&h));
}

void
api_hold_cancel(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct hold		h;
	struct idem		idem;
	struct api_render	render = { req, 200, one_json, &h };
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&h, 0, sizeof(h));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_hold_cancel(&ctx, id, &idem, &h));
}

struct checkout_out {
	struct hold	h;
	struct loan	l;
};

static json_object *
checkout_json(struct http_request *req, void *arg)
{
	struct checkout_out	*out = arg;
	json_object		*o = json_object_new_object();

	json_object_object_add(o, "hold", hold_json(&out->h));
	json_object_object_add(o, "loan", api_loan_json(req, &out->l));
	return o;
}

void
api_hold_checkout(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct checkout_out	out;
	struct idem		idem;
	struct api_render	render = { req, 201, checkout_json, &out };
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&out, 0, sizeof(out));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_hold_checkout(&ctx, id, &idem, &out.h, &out.l));
}
