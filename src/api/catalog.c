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

struct list_fill {
	struct product_filter	f;
};

static char *
fill_list(struct svc_ctx *ctx, void *arg, size_t *len, int *rc)
{
	struct list_fill	*lf = arg;
	struct product		*rows;
	json_object		*items;
	long long		 total = 0;
	size_t			 n = 0, i;

	if ((*rc = svc_products_list(ctx, &lf->f, &rows, &n, &total)) !=
	    HF_OK)
		return NULL;
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, api_product_json(&rows[i]));
	return api_json_text(ctx->arena, api_list(items, lf->f.page,
	    lf->f.per_page, total), len);
}

void
api_products_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct list_fill	 lf;
	const char		*text, *key;
	char			 hash[HF_SHA256_HEX];
	size_t			 len = 0;
	int			 rc;

	memset(&lf, 0, sizeof(lf));
	if (api_paging(req, &lf.f.page, &lf.f.per_page) != 0)
		return;
	lf.f.q = nonempty(req, "q");
	lf.f.category = nonempty(req, "category");
	lf.f.status = nonempty(req, "status");
	lf.f.sort = nonempty(req, "sort");
	if (lf.f.sort != NULL && !one_of(lf.f.sort, sorts)) {
		api_bad_query(req, "sort", "name, -created_at, price or -price");
		return;
	}
	if (lf.f.status != NULL && !one_of(lf.f.status, statuses)) {
		api_bad_query(req, "status", "active, maintenance or retired");
		return;
	}
	/* one cache entry per distinct query, under the lists' version */
	key = arena_printf(req->arena, "%s\n%s\n%s\n%s\n%lld\n%lld",
	    lf.f.q != NULL ? lf.f.q : "", lf.f.category != NULL ?
	    lf.f.category : "", lf.f.status != NULL ? lf.f.status : "",
	    lf.f.sort != NULL ? lf.f.sort : "", lf.f.page, lf.f.per_page);
	if (key == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return;
	}
	hf_sha256_hex(hash, key, strlen(key));
	api_ctx(req, &ctx);
	if ((rc = svc_cached(&ctx, CACHE_PLIST, hash, fill_list, &lf, &text,
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
