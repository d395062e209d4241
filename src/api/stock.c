/*
 * stock.c: stock levels, thresholds, restock, deduct, adjust, reconcile.
 */
#include <string.h>

#include "holdfast/api.h"

static const char *const levels[] = { "ok", "warning", "critical", "out",
    NULL };

static const struct field f_stock_patch[] = {
	{ "warning_threshold", FIELD_INT, FIELD_INVENTORY, 0, API_QUANTITY_MAX,
	    NULL, NULL, NULL },
	{ "critical_threshold", FIELD_INT, FIELD_INVENTORY, 0, API_QUANTITY_MAX,
	    NULL, NULL, NULL },
	{ "location", FIELD_STRING, FIELD_NULLABLE, 0, 128, NULL, NULL, NULL },
	{ "is_active", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL },
};
/* every move may name its location (the last field of each) */
#define F_MOVE_LOCATION { "location", FIELD_SKU, FIELD_NULLABLE, 1, \
	    API_LOCATION_MAX, NULL, NULL, NULL }

static const struct field f_restock[] = {
	{ "quantity", FIELD_INT, FIELD_REQUIRED | FIELD_INVENTORY, 1,
	    API_QUANTITY_MAX, NULL, NULL, NULL },
	{ "reason", FIELD_STRING, FIELD_NULLABLE, 0, 255, NULL, NULL, NULL },
	{ "reference_id", FIELD_STRING, FIELD_NULLABLE, 1, 128, NULL, NULL,
	    NULL },
	F_MOVE_LOCATION,
};
static const struct field f_deduct[] = {
	{ "quantity", FIELD_INT, FIELD_REQUIRED | FIELD_INVENTORY, 1,
	    API_QUANTITY_MAX, NULL, NULL, NULL },
	{ "reason", FIELD_STRING, FIELD_NULLABLE, 0, 255, NULL, NULL, NULL },
	F_MOVE_LOCATION,
};
static const struct field f_adjust[] = {
	{ "delta", FIELD_INT, FIELD_REQUIRED | FIELD_INVENTORY,
	    -API_QUANTITY_MAX, API_QUANTITY_MAX, NULL, NULL, NULL },
	{ "reason", FIELD_STRING, FIELD_REQUIRED, 1, 255, NULL, NULL, NULL },
	F_MOVE_LOCATION,
};

const struct body_schema schema_stock_patch = SCHEMA(f_stock_patch);
const struct body_schema schema_restock = SCHEMA(f_restock);
const struct body_schema schema_deduct = SCHEMA(f_deduct);
const struct body_schema schema_adjust = SCHEMA(f_adjust);

static char *
fill_stock(struct svc_ctx *ctx, void *arg, size_t *len, int *rc)
{
	struct stock_row	s;

	if ((*rc = svc_stock_get(ctx, arg, &s)) != HF_OK)
		return NULL;
	return api_json_text(ctx->arena, api_stock_json(&s), len);
}

void
api_stock_get(struct http_request *req)
{
	struct svc_ctx	 ctx;
	const char	*text, *sku;
	size_t		 len = 0;
	int		 rc;

	if (api_stock_at_asked(req)) {
		api_stock_at_get(req);	/* a moment (stock_at.c) */
		return;
	}
	/* the grammar has no spaces: PAD SPACE cannot fold two spellings */
	if (api_sku_arg(req, 0, &sku) != 0)
		return;
	api_ctx(req, &ctx);
	rc = svc_cached(&ctx, CACHE_STOCK, sku, fill_stock,
	    (void *)(uintptr_t)sku, &text, &len);
	if (rc != HF_OK || text == NULL) {
		api_fail(req, &ctx, rc != HF_OK ? rc : HF_E_SYS_INTERNAL);
		return;
	}
	http_reply_data_raw(req, 200, text, len);
}

void
api_stock_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct stock_row	*rows;
	json_object		*items;
	const char		*level = http_query(req, "status");
	long long		 page, per_page, total = 0;
	size_t			 n = 0, i;
	int			 rc;

	if (api_stock_at_asked(req)) {
		api_stock_at_list(req);	/* a moment or a place (stock_at.c) */
		return;
	}
	if (api_paging(req, &page, &per_page) != 0)
		return;
	if (level != NULL && *level == '\0')
		level = NULL;
	for (i = 0; level != NULL && levels[i] != NULL; i++)
		if (strcmp(levels[i], level) == 0)
			break;
	if (level != NULL && levels[i] == NULL) {
		api_bad_query(req, "status", "ok, warning, critical or out");
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_stock_list(&ctx, level, page, per_page, &rows, &n,
	    &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, api_stock_json(&rows[i]));
	http_reply(req, 200, api_list(items, page, per_page, total));
}

void
api_stock_patch(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct stock_patch	 in;
	struct stock_row	 out;
	const char		*sku;
	int			 rc;

	if (api_sku_arg(req, 0, &sku) != 0)
		return;
	memset(&in, 0, sizeof(in));
	in.set_warning = fv[0].present;
	in.warning_threshold = fv[0].i;
	in.set_critical = fv[1].present;
	in.critical_threshold = fv[1].i;
	in.set_location = fv[2].present;
	in.location = fv[2].null ? NULL : fv[2].s;
	in.set_active = fv[3].present;
	in.is_active = (int)fv[3].i;
	api_ctx(req, &ctx);
	if ((rc = svc_stock_patch(&ctx, sku, &in, &out)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_stock_json(&out));
}

/* {"stock": the row after, "ledger_id": the row that records it,
 * "location": where the units moved} */
static const struct hf_field move_fields[] = {
	HF_FIELD(struct stock_move, ledger_id, HF_K_U64),
	HF_FIELD_AS("location", struct stock_move, moved_at, HF_K_STR),
};

static json_object *
move_json(struct http_request *req, void *arg)
{
	const struct stock_move	*m = arg;
	json_object		*o = json_object_new_object();

	(void)req;
	json_object_object_add(o, "stock", api_stock_json(&m->stock));
	json_object_object_add(o, "ledger_id", hf_field_json(&move_fields[0],
	    m));
	json_object_object_add(o, "location", hf_field_json(&move_fields[1],
	    m));
	return o;
}

static void
stock_move(struct http_request *req, const char *type, long long delta,
    const char *reason, const char *reference_id, const char *location)
{
	struct svc_ctx		ctx;
	struct stock_move	m;
	struct idem		idem;
	struct api_render	render = { req, 200, move_json, &m };

	memset(&m, 0, sizeof(m));
	if (api_sku_arg(req, 0, &m.sku) != 0)
		return;
	m.type = type;
	m.delta = delta;
	m.reason = reason;
	m.reference_id = reference_id;
	m.location = location;
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_stock_move(&ctx, &m, &idem));
}

static const char *
opt(const struct field_value *v)
{
	return v->present && !v->null ? v->s : NULL;
}

void
api_stock_restock(struct http_request *req)
{
	stock_move(req, "restock", req->fv[0].i, opt(&req->fv[1]),
	    opt(&req->fv[2]), opt(&req->fv[3]));
}

void
api_stock_deduct(struct http_request *req)
{
	stock_move(req, "deduct", -req->fv[0].i, opt(&req->fv[1]), NULL,
	    opt(&req->fv[2]));
}

void
api_stock_adjust(struct http_request *req)
{
	if (req->fv[0].i == 0) {
		json_object	*details = json_object_new_object();

		json_object_object_add(details, "field",
		    json_object_new_string("delta"));
		http_reply_err(req, HF_E_INV_PARAM, "delta: must not be zero",
		    details);
		return;
	}
	stock_move(req, "adjust", req->fv[0].i, req->fv[1].s, NULL,
	    opt(&req->fv[2]));
}

static const struct hf_field mismatch_fields[] = {
	SVC_FIELDS_MISMATCH
};

/* {"sku", "ok": no mismatch, "mismatches": [...]} */
void
api_stock_reconcile(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct reconcile_report	 rep;
	json_object		*data;
	const char		*sku;
	int			 rc;

	if (api_sku_arg(req, 0, &sku) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_reconcile(&ctx, sku, &rep)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	data = json_object_new_object();
	json_object_object_add(data, "sku", api_str_or_null(rep.sku));
	json_object_object_add(data, "ok", json_object_new_boolean(rep.n == 0));
	json_object_object_add(data, "mismatches", hf_fields_json_array(
	    mismatch_fields, HF_NITEMS(mismatch_fields), rep.mismatches,
	    sizeof(*rep.mismatches), rep.n));
	http_reply(req, 200, data);
}
