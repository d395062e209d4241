/*
 * holds.c: join the waiting list of an SKU, read it, leave it, and turn
 * a ready hold into a loan.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/lending.h"

static const char *const statuses[] = { "waiting", "ready", "collected",
    "cancelled", "expired", NULL };

enum { HD_SKU, HD_USER };

static const struct field f_hold[] = {
	[HD_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 1, 64, NULL, NULL,
	    NULL },
	[HD_USER] = { "user_id", FIELD_INT, FIELD_NULLABLE, 1, 1LL << 53, NULL,
	    NULL, NULL },
};

const struct body_schema schema_hold = SCHEMA(f_hold);

static json_object *
id_or_null(uint64_t id)
{
	return id != 0 ? json_object_new_int64((int64_t)id) : NULL;
}

static json_object *
hold_json(const struct hold *h)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64((int64_t)h->id));
	json_object_object_add(o, "user_id",
	    json_object_new_int64((int64_t)h->user_id));
	json_object_object_add(o, "sku", api_str_or_null(h->sku));
	json_object_object_add(o, "name", api_str_or_null(h->name));
	json_object_object_add(o, "status", api_str_or_null(h->status));
	json_object_object_add(o, "position", h->position > 0 ?
	    json_object_new_int64(h->position) : NULL);
	json_object_object_add(o, "reservation_id",
	    id_or_null(h->reservation_id));
	json_object_object_add(o, "loan_id", id_or_null(h->loan_id));
	json_object_object_add(o, "ready_at", api_str_or_null(h->ready_at));
	json_object_object_add(o, "pickup_until",
	    api_str_or_null(h->pickup_until));
	json_object_object_add(o, "created_at", api_str_or_null(h->created_at));
	json_object_object_add(o, "ended_at", api_str_or_null(h->ended_at));
	return o;
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
	    svc_hold_create(&ctx, fv[HD_SKU].s, user_id, &idem, &h));
}

void
api_holds_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct lend_filter	 f;
	struct hold		*rows;
	json_object		*items;
	long long		 total = 0;
	size_t			 n = 0, i;
	int			 rc;

	if (api_lend_filter(req, statuses, &f) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_holds_list(&ctx, &f, &rows, &n, &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, hold_json(&rows[i]));
	http_reply(req, 200, api_list(items, f.page, f.per_page, total));
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
