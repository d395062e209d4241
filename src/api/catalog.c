/*
 * catalog.c: GET /api/v1/products (search, filters, sort, pages; cached),
 * PATCH and DELETE (retire) a product, its cover image, the categories.
 */
#include <string.h>
#include "holdfast/api.h"


static const char *const sorts[] = { "name", "-created_at", "price", "-price",
    NULL };
static const char *const statuses[] = { "active", "maintenance", "retired",
    NULL };
static const char *const settable[] = { "active", "maintenance", NULL };

enum { PP_NAME, PP_DESC, PP_CATEGORY, PP_PRICE, PP_ATTRS, PP_STATUS };

static const struct field f_product_patch[] = {
	[PP_NAME] = { "name", FIELD_STRING, 0, 1, 255, NULL, NULL, NULL },
	[PP_DESC] = { "description", FIELD_STRING, FIELD_NULLABLE, 0,
	    API_DESCRIPTION_MAX, NULL, NULL, NULL },
	[PP_CATEGORY] = { "category", FIELD_STRING, FIELD_NULLABLE, 1, 100,
	    NULL, NULL, NULL },
	[PP_PRICE] = { "price", FIELD_MONEY, 0, 0, 0, NULL, NULL, NULL },
	[PP_ATTRS] = { "attributes", FIELD_OBJECT, FIELD_NULLABLE, 0,
	    API_ATTRIBUTES_MAX, NULL, NULL, NULL },
	[PP_STATUS] = { "status", FIELD_STRING, 0, 0, 0, settable, NULL, NULL },
};

const struct body_schema schema_product_patch = SCHEMA(f_product_patch);

static int
one_of(const char *v, const char *const *values)
{
	size_t	i;

	for (i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], v) == 0)
			return 1;
	return 0;
}

static const char *
nonempty(struct http_request *req, const char *name)
{
	const char	*v = http_query(req, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* A list item's own fields: api_product_json's, availability aside. */
static const struct hf_field item_fields[] = {
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
};

/*
 * The page of a list (svc/listpage.c): each item as api_product_json
 * writes it, with a byte 0x01 where its availability goes ("available",
 * "stock_status" and "stock", its last three members), then the paging and
 * whether the total is exact (a capped count: at least that many).
 */
static char *
list_page(struct svc_ctx *ctx, void *arg, const struct product *rows,
    size_t n, long long total, int exact, size_t *len)
{
	const struct product_filter	*f = arg;
	struct hf_buf			 b;
	json_object			*o, *attrs;
	const char			*t;
	size_t				 tl, i;

	hf_buf_init(&b, ctx->arena, 0);
	hf_buf_puts(&b, "{\"items\":[");
	for (i = 0; i < n; i++) {
		if ((o = hf_fields_json(item_fields, HF_NITEMS(item_fields),
		    &rows[i])) == NULL)
			return NULL;
		/* no attributes (or a list's, left out over the cap): {} */
		if (json_object_object_get_ex(o, "attributes", &attrs) &&
		    attrs == NULL)
			json_object_object_add(o, "attributes",
			    json_object_new_object());
		t = json_object_to_json_string_length(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &tl);
		if (t == NULL || tl < 2) {
			json_object_put(o);
			return NULL;
		}
		/* {...} becomes {...,<mark>} */
		if (i > 0)
			hf_buf_puts(&b, ",");
		hf_buf_put(&b, t, tl - 1);
		hf_buf_puts(&b, ",\001}");
		json_object_put(o);
	}
	hf_buf_printf(&b, "],\"page\":%lld,\"per_page\":%lld,\"total\":%lld,"
	    "\"total_exact\":%s}", f->page, f->per_page, total,
	    exact ? "true" : "false");
	if (b.toobig || b.p == NULL)
		return NULL;
	*len = b.len;
	return b.p;
}

/* One item's availability: "available":..,"stock_status":..,"stock":{..} */
static char *
list_stock(struct svc_ctx *ctx, void *arg, const struct stock_row *s,
    size_t *len)
{
	json_object	*o = json_object_new_object();
	char		*t;

	(void)arg;
	if (o == NULL)
		return NULL;
	json_object_object_add(o, "available",
	    json_object_new_int64(s->available));
	json_object_object_add(o, "stock_status", api_str_or_null(s->level));
	json_object_object_add(o, "stock", api_stock_json(s));
	if ((t = api_json_text(ctx->arena, o, len)) == NULL || *len < 2)
		return NULL;
	/* the members without the braces */
	*len -= 2;
	t[*len + 1] = '\0';
	return t + 1;
}

static const struct svc_list_render list_render = { list_page, list_stock };

void
api_products_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct product_filter	 f;
	const char		*text, *key;
	char			 hash[HF_SHA256_HEX];
	size_t			 len = 0;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_paging(req, &f.page, &f.per_page) != 0)
		return;
	f.q = nonempty(req, "q");
	f.category = nonempty(req, "category");
	f.status = nonempty(req, "status");
	f.sort = nonempty(req, "sort");
	if (f.sort != NULL && !one_of(f.sort, sorts)) {
		api_bad_query(req, "sort", "name, -created_at, price or -price");
		return;
	}
	if (f.status != NULL && !one_of(f.status, statuses)) {
		api_bad_query(req, "status", "active, maintenance or retired");
		return;
	}
	/* one cache entry per distinct query, under the lists' version */
	key = arena_printf(req->arena, "%s\n%s\n%s\n%s\n%lld\n%lld",
	    f.q != NULL ? f.q : "", f.category != NULL ? f.category : "",
	    f.status != NULL ? f.status : "", f.sort != NULL ? f.sort : "",
	    f.page, f.per_page);
	if (key == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return;
	}
	hf_sha256_hex(hash, key, strlen(key));
	api_ctx(req, &ctx);
	if ((rc = svc_products_page(&ctx, &f, hash, &list_render, &f, &text,
	    &len)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply_data_raw(req, 200, text, len);
}

void
api_product_patch(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct product_patch	 in;
	struct product		 out;
	uint64_t		 id;
	int			 rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&in, 0, sizeof(in));
	in.name = fv[PP_NAME].present ? fv[PP_NAME].s : NULL;
	in.set_description = fv[PP_DESC].present;
	in.description = fv[PP_DESC].null ? NULL : fv[PP_DESC].s;
	in.set_category = fv[PP_CATEGORY].present;
	in.category = fv[PP_CATEGORY].null ? NULL : fv[PP_CATEGORY].s;
	in.price = fv[PP_PRICE].present ? fv[PP_PRICE].s : NULL;
	in.set_attributes = fv[PP_ATTRS].present;
	if (fv[PP_ATTRS].present && !fv[PP_ATTRS].null)
		in.attributes = json_object_to_json_string_ext(fv[PP_ATTRS].j,
		    JSON_C_TO_STRING_PLAIN);
	in.status = fv[PP_STATUS].present ? fv[PP_STATUS].s : NULL;
	api_ctx(req, &ctx);
	if ((rc = svc_product_update(&ctx, id, &in, &out)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_product_json(&out));
}

void
api_product_delete(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct product	out;
	uint64_t	id;
	int		rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_product_retire(&ctx, id, &out)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_product_json(&out));
}

void
api_product_cover(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct product	out;
	uint64_t	id;
	int		rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	if (req->body_len == 0) {
		api_bad_query(req, "body", "a PNG, JPEG or WebP image");
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_product_cover(&ctx, id, req->body, req->body_len,
	    &out)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_product_json(&out));
}

static const struct hf_field category_fields[] = {
	DB_MAP_CATEGORY
};

/* Every category on one page: page 1, per_page and total the count. */
void
api_categories(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct category_row	*rows;
	size_t			 n = 0;
	int			 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_categories(&ctx, &rows, &n)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(hf_fields_json_array(category_fields,
	    HF_NITEMS(category_fields), rows, sizeof(*rows), n), 1,
	    (long long)n, (long long)n));
}
