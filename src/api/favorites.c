/*
 * favorites.c: PUT|DELETE /api/v1/me/favorites/{product_id}, GET
 * /api/v1/me/favorites (issue 14, item 1), and what a product's detail
 * shows of them: favorites_count in the cached body (a favorite's change
 * bumps the product's version), favorited per reader, added after the
 * cache (never stored in the shared entry).
 */
#include <string.h>

#include "holdfast/api.h"

enum { FV_NOTIFY };

static const struct field f_fav_put[] = {
	[FV_NOTIFY] = { "notify", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL },
};

const struct body_schema schema_fav_put = SCHEMA(f_fav_put);

static const struct hf_field fav_fields[] = {
	HF_FIELD(struct favorite, product_id, HF_K_U64),
	HF_FIELD(struct favorite, sku, HF_K_STR),
	HF_FIELD(struct favorite, name, HF_K_STR),
	HF_FIELD(struct favorite, status, HF_K_STR),
	HF_FIELD(struct favorite, available, HF_K_INT),
	HF_FIELD(struct favorite, stock_status, HF_K_STR),
	HF_FIELD(struct favorite, notify, HF_K_BOOL),
	HF_FIELD(struct favorite, created_at, HF_K_STR),
};

/*
 * The {product_id} argument: ASCII digits only (leading zeros name the
 * same product), 1 to 2^63-1; anything else (a sign, a fraction, other
 * digits) names no product: 404 INV_001.
 */
int
api_product_id_arg(struct http_request *req, size_t i, uint64_t *id)
{
	const char	*s = i < req->nargs ? req->args[i] : NULL;
	long long	 v;
	size_t		 k;

	for (k = 0; s != NULL && s[k] >= '0' && s[k] <= '9'; k++)
		;
	if (s == NULL || k == 0 || s[k] != '\0' ||
	    hf_parse_ll(s, 1, INT64_MAX, &v) != 0) {
		http_reply_err(req, HF_E_INV_NOT_FOUND, "product not found: "
		    "a product id is ASCII digits", NULL);
		return -1;
	}
	*id = (uint64_t)v;
	return 0;
}

void
api_fav_put(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct favorite	 f;
	uint64_t	 id;
	int		 rc, notify = -1;

	if (api_product_id_arg(req, 0, &id) != 0)
		return;
	if (req->fv[FV_NOTIFY].present)
		notify = req->fv[FV_NOTIFY].i != 0;
	api_ctx(req, &ctx);
	memset(&f, 0, sizeof(f));
	if ((rc = svc_fav_put(&ctx, id, notify, &f)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, hf_fields_json(fav_fields, HF_NITEMS(fav_fields),
	    &f));
}

/* 200 {"product_id", "favorited": false, "removed"} whether or not it was
 * a favorite (idempotent); 404 INV_001 only when the product is not. */
void
api_fav_delete(struct http_request *req)
{
	struct svc_ctx	 ctx;
	json_object	*o;
	uint64_t	 id;
	int		 rc, removed = 0;

	if (api_product_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_fav_delete(&ctx, id, &removed)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "product_id", json_object_new_int64(
	    (int64_t)id));
	json_object_object_add(o, "favorited", json_object_new_boolean(0));
	json_object_object_add(o, "removed", json_object_new_boolean(removed));
	http_reply(req, 200, o);
}

void
api_favs_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct favorite		*rows = NULL;
	struct svc_keyset	 ks;
	long long		 page, per_page;
	size_t			 n = 0;
	int			 rc;

	if (api_keyset(req, &page, &per_page, &ks) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_fav_list(&ctx, page, per_page, &rows, &n, &ks)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(hf_fields_json_array(fav_fields,
	    HF_NITEMS(fav_fields), rows, sizeof(*rows), n), page, per_page,
	    &ks));
}

/* The cached detail's favorites_count (added when the entry is filled). */
int
api_fav_count_add(struct svc_ctx *ctx, uint64_t id, json_object *o)
{
	long long	n = 0;
	int		rc;

	if ((rc = svc_fav_count(ctx, id, &n)) != HF_OK)
		return rc;
	json_object_object_add(o, "favorites_count", json_object_new_int64(n));
	return HF_OK;
}

/*
 * The detail text for this reader: the shared body with "favorited"
 * added before its closing brace (a signed-in reader's true or false;
 * an anonymous caller or an API key gets false, always). When the
 * database cannot say (down), the shared body goes as it is, without
 * favorited: a cached read does not fail for it. NULL when out of memory.
 */
const char *
api_fav_detail(struct http_request *req, struct svc_ctx *ctx, uint64_t id,
    const char *text, size_t *len)
{
	int	yes = 0;

	if (*len < 2 || text[*len - 1] != '}')
		return text;
	if (svc_fav_is(ctx, id, &yes) != HF_OK)
		return text;
	text = arena_printf(req->arena, "%.*s,\"favorited\":%s}",
	    (int)(*len - 1), text, yes ? "true" : "false");
	if (text != NULL)
		*len = strlen(text);
	return text;
}
