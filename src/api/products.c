/*
 * products.c: POST /api/v1/products (with its stock) and GET one.
 */
#include <string.h>

#include "holdfast/api.h"

enum { P_SKU, P_NAME, P_DESC, P_CATEGORY, P_PRICE, P_ATTRS, P_QTY, P_WARN,
    P_CRIT, P_LOC };

static const struct field f_product_create[] = {
	[P_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 1, 64, NULL, NULL, NULL },
	[P_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, 255, NULL, NULL,
	    NULL },
	[P_DESC] = { "description", FIELD_STRING, FIELD_NULLABLE, 0,
	    API_DESCRIPTION_MAX, NULL, NULL, NULL },
	[P_CATEGORY] = { "category", FIELD_STRING, FIELD_NULLABLE, 1, 100, NULL,
	    NULL, NULL },
	[P_PRICE] = { "price", FIELD_MONEY, 0, 0, 0, NULL, NULL, "0.00" },
	[P_ATTRS] = { "attributes", FIELD_OBJECT, FIELD_NULLABLE, 0,
	    API_ATTRIBUTES_MAX, NULL, NULL, NULL },
	[P_QTY] = { "initial_quantity", FIELD_INT, FIELD_INVENTORY, 0,
	    API_QUANTITY_MAX, NULL, NULL, "0" },
	[P_WARN] = { "warning_threshold", FIELD_INT, FIELD_INVENTORY, 0,
	    API_QUANTITY_MAX, NULL, NULL, "0" },
	[P_CRIT] = { "critical_threshold", FIELD_INT, FIELD_INVENTORY, 0,
	    API_QUANTITY_MAX, NULL, NULL, "0" },
	[P_LOC] = { "location", FIELD_STRING, FIELD_NULLABLE, 0, 128, NULL,
	    NULL, NULL },
};

const struct body_schema schema_product_create = SCHEMA(f_product_create);

json_object *
api_stock_json(const struct stock_row *s)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "sku", json_object_new_string(s->sku));
	json_object_object_add(o, "product_id",
	    json_object_new_int64((int64_t)s->product_id));
	json_object_object_add(o, "name", api_str_or_null(s->name));
	json_object_object_add(o, "on_hand", json_object_new_int64(s->on_hand));
	json_object_object_add(o, "reserved",
	    json_object_new_int64(s->reserved));
	json_object_object_add(o, "available",
	    json_object_new_int64(s->available));
	json_object_object_add(o, "status", json_object_new_string(
	    stock_level(s->available, s->warning_threshold,
	    s->critical_threshold)));
	json_object_object_add(o, "warning_threshold",
	    json_object_new_int64(s->warning_threshold));
	json_object_object_add(o, "critical_threshold",
	    json_object_new_int64(s->critical_threshold));
	json_object_object_add(o, "location", api_str_or_null(s->location));
	json_object_object_add(o, "is_active",
	    json_object_new_boolean(s->is_active));
	json_object_object_add(o, "updated_at", api_str_or_null(s->updated_at));
	return o;
}

json_object *
api_product_json(const struct product *p)
{
	json_object		*o = json_object_new_object(), *attrs = NULL;

	if (p->attributes != NULL)
		attrs = json_tokener_parse(p->attributes);
	json_object_object_add(o, "id", json_object_new_int64((int64_t)p->id));
	json_object_object_add(o, "sku", json_object_new_string(p->sku));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "description",
	    api_str_or_null(p->description));
	json_object_object_add(o, "category", api_str_or_null(p->category));
	json_object_object_add(o, "price", api_str_or_null(p->price));
	json_object_object_add(o, "attributes", attrs != NULL ? attrs :
	    json_object_new_object());
	json_object_object_add(o, "cover_url", api_str_or_null(p->cover_url));
	json_object_object_add(o, "status", json_object_new_string(p->status));
	json_object_object_add(o, "created_at", api_str_or_null(p->created_at));
	json_object_object_add(o, "available",
	    json_object_new_int64(p->stock.available));
	json_object_object_add(o, "stock_status", json_object_new_string(
	    stock_level(p->stock.available, p->stock.warning_threshold,
	    p->stock.critical_threshold)));
	json_object_object_add(o, "stock", api_stock_json(&p->stock));
	return o;
}

static json_object *
product_json(struct http_request *req, void *arg)
{
	(void)req;
	return api_product_json(arg);
}

/* Serialises o into the arena (and releases it). */
char *
api_json_text(struct arena *a, json_object *o, size_t *len)
{
	const char	*s;
	char		*out;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, len);
	out = s != NULL ? arena_strndup(a, s, *len) : NULL;
	json_object_put(o);
	return out;
}

static char *
fill_product(struct svc_ctx *ctx, void *arg, size_t *len, int *rc)
{
	struct product	p;

	if ((*rc = svc_product_get(ctx, *(uint64_t *)arg, &p)) != HF_OK)
		return NULL;
	return api_json_text(ctx->arena, api_product_json(&p), len);
}

static const char *
opt_str(const struct field_value *v)
{
	return v->present && !v->null ? v->s : NULL;
}

void
api_product_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct product_new	 in;
	struct product		 out;
	struct idem		 idem;
	struct api_render	 render = { req, 201, product_json, &out };

	memset(&in, 0, sizeof(in));
	in.sku = fv[P_SKU].s;
	in.name = fv[P_NAME].s;
	in.description = opt_str(&fv[P_DESC]);
	in.category = opt_str(&fv[P_CATEGORY]);
	in.price = fv[P_PRICE].s;
	if (fv[P_ATTRS].present && !fv[P_ATTRS].null)
		in.attributes = json_object_to_json_string_ext(fv[P_ATTRS].j,
		    JSON_C_TO_STRING_PLAIN);
	in.initial_quantity = fv[P_QTY].i;
	in.warning_threshold = fv[P_WARN].i;
	in.critical_threshold = fv[P_CRIT].i;
	in.location = opt_str(&fv[P_LOC]);
	memset(&out, 0, sizeof(out));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_product_create(&ctx, &in, &idem, &out));
}

void
api_product_get(struct http_request *req)
{
	struct svc_ctx	 ctx;
	const char	*text;
	size_t		 len = 0;
	uint64_t	 id;
	int		 rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	/* the key is the id as a number: "01" and "1" are one entry */
	if ((rc = svc_cached(&ctx, CACHE_PRODUCT, arena_printf(req->arena,
	    "%llu", (unsigned long long)id), fill_product, &id, &text, &len)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply_data_raw(req, 200, text, len);
}
