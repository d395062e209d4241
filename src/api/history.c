/*
 * history.c: GET and DELETE /api/v1/me/history (issue 14, item 3). The
 * views are recorded by the product detail (products.c calls
 * svc_history_record); they live in Redis (svc/history.c).
 */
#include "holdfast/api.h"

static const struct hf_field hist_fields[] = {
	HF_FIELD(struct hist_entry, product_id, HF_K_U64),
	HF_FIELD(struct hist_entry, viewed_at, HF_K_STR),
	HF_FIELD_AS("sku", struct hist_entry, product.sku, HF_K_STR),
	HF_FIELD_AS("name", struct hist_entry, product.name, HF_K_STR),
	HF_FIELD_AS("status", struct hist_entry, product.status, HF_K_STR),
	HF_FIELD(struct hist_entry, available, HF_K_INT),
	HF_FIELD_AS("stock_status", struct hist_entry, product.stock_status,
	    HF_K_STR),
};

void
api_history_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct hist_entry	*rows = NULL;
	struct svc_keyset	 ks;
	long long		 page, per_page;
	size_t			 n = 0;
	int			 rc;

	if (api_keyset(req, &page, &per_page, &ks) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_history_list(&ctx, page, per_page, &rows, &n, &ks)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(hf_fields_json_array(hist_fields,
	    HF_NITEMS(hist_fields), rows, sizeof(*rows), n), page, per_page,
	    &ks));
}

void
api_history_clear(struct http_request *req)
{
	struct svc_ctx	 ctx;
	json_object	*o;
	int		 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_history_clear(&ctx)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "cleared", json_object_new_boolean(1));
	http_reply(req, 200, o);
}
