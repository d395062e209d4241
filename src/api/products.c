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

/* A stock row as the API shows it (GET /stock/{sku}, a product's stock). */
static const struct hf_field stock_fields[] = {
	HF_FIELD(struct stock_row, sku, HF_K_STR),
	HF_FIELD(struct stock_row, product_id, HF_K_U64),
	HF_FIELD(struct stock_row, name, HF_K_STR),
	HF_FIELD(struct stock_row, on_hand, HF_K_INT),
	HF_FIELD(struct stock_row, reserved, HF_K_INT),
	HF_FIELD(struct stock_row, available, HF_K_INT),
	/* stock.level, the column the ?status= filter reads */
	HF_FIELD_AS("status", struct stock_row, level, HF_K_STR),
	HF_FIELD(struct stock_row, warning_threshold, HF_K_INT),
	HF_FIELD(struct stock_row, critical_threshold, HF_K_INT),
	HF_FIELD(struct stock_row, location, HF_K_STR),
	HF_FIELD(struct stock_row, is_active, HF_K_BOOL),
	HF_FIELD(struct stock_row, updated_at, HF_K_STR),
};

/* A product, then "stock": its stock row (stock_fields). */
static const struct hf_field product_fields[] = {
	HF_FIELD(struct product, id, HF_K_U64),
	HF_FIELD(struct product, sku, HF_K_STR),
	HF_FIELD(struct product, name, HF_K_STR),
	HF_FIELD(struct product, description, HF_K_STR),
	HF_FIELD(struct product, category, HF_K_STR),
	HF_FIELD(struct product, price, HF_K_MONEY),
	HF_FIELD(struct product, attributes, HF_K_JSON),
	HF_FIELD(struct product, cover_url, HF_K_STR),
	HF_FIELD(struct product, status, HF_K_STR),
	HF_FIELD(struct product, created_at, HF_K_STR),
	HF_FIELD_AS("available", struct product, stock.available, HF_K_INT),
	HF_FIELD_AS("stock_status", struct product, stock.level, HF_K_STR),
};

/* One location's units of a product (struct stock_place). */
static const struct hf_field place_fields[] = {
	HF_FIELD(struct stock_place, location, HF_K_STR),
	HF_FIELD(struct stock_place, on_hand, HF_K_INT),
	HF_FIELD(struct stock_place, reserved, HF_K_INT),
	HF_FIELD(struct stock_place, available, HF_K_INT),
};

/* A stock row; with "locations" when its places were read. */
json_object *
api_stock_json(const struct stock_row *s)
{
	json_object	*o = hf_fields_json(stock_fields,
			    HF_NITEMS(stock_fields), s);

	if (o != NULL && s->places != NULL)
		json_object_object_add(o, "locations", hf_fields_json_array(
		    place_fields, HF_NITEMS(place_fields), s->places,
		    sizeof(*s->places), s->nplaces));
	return o;
}

json_object *
api_product_json(const struct product *p)
{
	json_object	*o = hf_fields_json(product_fields,
			    HF_NITEMS(product_fields), p), *attrs;

	if (o == NULL)
		return NULL;
	/* no attributes (or a list's, left out over the cap): {} */
	if (json_object_object_get_ex(o, "attributes", &attrs) &&
	    attrs == NULL)
		json_object_object_add(o, "attributes",
		    json_object_new_object());
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

	json_object	*o;

	if ((*rc = svc_product_read(ctx, *(uint64_t *)arg, &p)) != HF_OK)
		return NULL;
	if ((o = api_product_json(&p)) != NULL &&
	    (*rc = api_fav_count_add(ctx, p.id, o)) != HF_OK) {
		json_object_put(o);
		return NULL;
	}
	return api_json_text(ctx->arena, o, len);
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
	/* issue 14: the reader's view (Redis only) and favorited */
	svc_history_record(&ctx, id);
	if ((text = api_fav_detail(req, &ctx, id, text, &len)) == NULL) {
		api_fail(req, &ctx, HF_E_SYS_UNAVAILABLE);
		return;
	}
	http_reply_data_raw(req, 200, text, len);
}
