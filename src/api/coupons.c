/*
 * coupons.c: coupon campaigns (issue 15 item 2), admin only: POST and GET
 * /coupons, GET and PATCH /coupons/{id} (active, name, ends_at, total,
 * per_user: the console's edit, item 7). An order names a code in POST
 * /orders ("coupon"); see src/svc/coupons.c for the rules.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/coupons.h"

static const char *const coupon_kinds[] = { "percent", "fixed", NULL };

enum { CC_NAME, CC_KIND, CC_VALUE, CC_MIN, CC_STARTS, CC_ENDS, CC_TOTAL,
    CC_PER_USER, CC_SINGLE, CC_CODES, CC_SKUS, CC_CATEGORIES };
static const struct field f_coupon_create[] = {
	[CC_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL, NULL,
	    NULL },
	[CC_KIND] = { "kind", FIELD_STRING, FIELD_REQUIRED, 0, 0, coupon_kinds,
	    NULL, NULL },
	[CC_VALUE] = { "value", FIELD_MONEY, FIELD_REQUIRED, 0, 0, NULL, NULL,
	    NULL },
	[CC_MIN] = { "min_spend", FIELD_MONEY, 0, 0, 0, NULL, NULL, "0" },
	[CC_STARTS] = { "starts_at", FIELD_STRING, FIELD_NULLABLE, 1, 40, NULL,
	    NULL, NULL },
	[CC_ENDS] = { "ends_at", FIELD_STRING, FIELD_REQUIRED, 1, 40, NULL,
	    NULL, NULL },
	[CC_TOTAL] = { "total", FIELD_INT, FIELD_REQUIRED, 1, 1000000, NULL,
	    NULL, NULL },
	[CC_PER_USER] = { "per_user", FIELD_INT, 0, 0, 1000000, NULL, NULL,
	    "1" },
	[CC_SINGLE] = { "single_use", FIELD_BOOL, 0, 0, 0, NULL, NULL,
	    "false" },
	[CC_CODES] = { "codes", FIELD_ARRAY, FIELD_REQUIRED, 1,
	    COUPON_CODES_MAX, NULL, NULL, NULL },
	[CC_SKUS] = { "skus", FIELD_ARRAY, 0, 0, COUPON_SCOPE_MAX, NULL, NULL,
	    NULL },
	[CC_CATEGORIES] = { "categories", FIELD_ARRAY, 0, 0, COUPON_SCOPE_MAX,
	    NULL, NULL, NULL },
};
const struct body_schema schema_coupon_create = SCHEMA(f_coupon_create);

/* at least one of them (the console's edit, issue 15 item 7) */
enum { CP_ACTIVE, CP_NAME, CP_ENDS, CP_TOTAL, CP_PER_USER };
static const struct field f_coupon_patch[] = {
	[CP_ACTIVE] = { "active", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL },
	[CP_NAME] = { "name", FIELD_STRING, 0, 1, 100, NULL, NULL, NULL },
	[CP_ENDS] = { "ends_at", FIELD_STRING, 0, 1, 40, NULL, NULL, NULL },
	[CP_TOTAL] = { "total", FIELD_INT, 0, 1, 1000000, NULL, NULL, NULL },
	[CP_PER_USER] = { "per_user", FIELD_INT, 0, 0, 1000000, NULL, NULL,
	    NULL },
};
const struct body_schema schema_coupon_patch = SCHEMA(f_coupon_patch);

static const struct hf_field coupon_fields[] = {
	DB_MAP_COUPON
};

/* The strings of an array field, or -1 after a 422 naming it. */
static int
strings(struct http_request *req, const struct field_value *v,
    const char *name, const char ***out, size_t *n)
{
	json_object	*e;
	size_t		 i;

	*out = NULL;
	*n = 0;
	if (!v->present)
		return 0;
	*n = json_object_array_length(v->j);
	if ((*out = arena_calloc(req->arena, *n + 1, sizeof(**out))) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < *n; i++) {
		e = json_object_array_get_idx(v->j, i);
		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) < 1 ||
		    json_object_get_string_len(e) > 100) {
			api_bad_query(req, name, "strings of 1 to 100 bytes");
			return -1;
		}
		(*out)[i] = json_object_get_string(e);
	}
	return 0;
}

void
api_coupon_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct coupon_new	 in;
	struct coupon_campaign	 out;
	int			 rc;

	memset(&in, 0, sizeof(in));
	in.name = fv[CC_NAME].s;
	in.kind = fv[CC_KIND].s;
	in.value_cents = fv[CC_VALUE].i;
	in.min_cents = fv[CC_MIN].present ? fv[CC_MIN].i : 0;
	in.total = fv[CC_TOTAL].i;
	in.per_user = fv[CC_PER_USER].present ? fv[CC_PER_USER].i : 1;
	in.single_use = fv[CC_SINGLE].present && fv[CC_SINGLE].i;
	if (in.value_cents <= 0) {
		api_bad_query(req, "value", "more than 0");
		return;
	}
	if (fv[CC_STARTS].present && !fv[CC_STARTS].null &&
	    (in.starts_at = api_time_param(req, fv[CC_STARTS].s)) == NULL) {
		api_bad_query(req, "starts_at", "ISO 8601 UTC, e.g. "
		    "2026-11-21T10:00:00Z");
		return;
	}
	if ((in.ends_at = api_time_param(req, fv[CC_ENDS].s)) == NULL) {
		api_bad_query(req, "ends_at", "ISO 8601 UTC, e.g. "
		    "2026-11-21T10:00:00Z");
		return;
	}
	if (strings(req, &fv[CC_CODES], "codes", &in.codes, &in.ncodes) != 0 ||
	    strings(req, &fv[CC_SKUS], "skus", &in.skus, &in.nskus) != 0 ||
	    strings(req, &fv[CC_CATEGORIES], "categories", &in.categories,
	    &in.ncategories) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_coupon_create(&ctx, &in, &out)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 201, hf_fields_json(coupon_fields,
	    HF_NITEMS(coupon_fields), &out));
}

void
api_coupons_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct coupon_campaign	*rows;
	long long		 page, per_page, total = 0;
	size_t			 n = 0;
	int			 rc;

	if (api_paging(req, &page, &per_page) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_coupons_list(&ctx, page, per_page, &rows, &n, &total)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(hf_fields_json_array(coupon_fields,
	    HF_NITEMS(coupon_fields), rows, sizeof(*rows), n), page, per_page,
	    total));
}

void
api_coupon_get(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct coupon_campaign	c;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_coupon_get(&ctx, id, &c)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, hf_fields_json(coupon_fields,
	    HF_NITEMS(coupon_fields), &c));
}

void
api_coupon_patch(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct coupon_campaign	 c;
	struct coupon_edit	 in;
	uint64_t		 id;
	int			 rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&in, 0, sizeof(in));
	if (!fv[CP_ACTIVE].present && !fv[CP_NAME].present &&
	    !fv[CP_ENDS].present && !fv[CP_TOTAL].present &&
	    !fv[CP_PER_USER].present) {
		api_bad_query(req, "active", "one of active, name, ends_at, "
		    "total, per_user");
		return;
	}
	if (fv[CP_ENDS].present && (in.ends_at = api_time_param(req,
	    fv[CP_ENDS].s)) == NULL) {
		api_bad_query(req, "ends_at", "ISO 8601 UTC, e.g. "
		    "2026-11-21T10:00:00Z");
		return;
	}
	in.name = fv[CP_NAME].present ? fv[CP_NAME].s : NULL;
	in.has_active = fv[CP_ACTIVE].present;
	in.active = in.has_active && fv[CP_ACTIVE].i;
	in.has_total = fv[CP_TOTAL].present;
	in.total = fv[CP_TOTAL].i;
	in.has_per_user = fv[CP_PER_USER].present;
	in.per_user = fv[CP_PER_USER].i;
	api_ctx(req, &ctx);
	if ((rc = svc_coupon_update(&ctx, id, &in, &c)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, hf_fields_json(coupon_fields,
	    HF_NITEMS(coupon_fields), &c));
}

static const struct hf_field check_fields[] = {
	HF_FIELD(struct coupon_check, campaign_id, HF_K_U64),
	HF_FIELD(struct coupon_check, total, HF_K_INT),
	HF_FIELD(struct coupon_check, reserved, HF_K_INT),
	HF_FIELD(struct coupon_check, used, HF_K_INT),
	HF_FIELD(struct coupon_check, rows_reserved, HF_K_INT),
	HF_FIELD(struct coupon_check, rows_used, HF_K_INT),
	HF_FIELD(struct coupon_check, orders_off, HF_K_INT),
	HF_FIELD(struct coupon_check, orders_missing, HF_K_INT),
	HF_FIELD(struct coupon_check, codes_over, HF_K_INT),
};

/* GET /coupons/reconcile[?campaign_id=N]: {ok, checked, mismatches} */
void
api_coupons_reconcile(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct coupon_check	*bad;
	size_t			 nbad, checked;
	uint64_t		 cid;
	json_object		*o;
	int			 rc;

	if (api_id_query(req, "campaign_id", "a campaign's id", &cid) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_coupons_reconcile(&ctx, cid, &bad, &nbad,
	    &checked)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(nbad == 0));
	json_object_object_add(o, "checked",
	    json_object_new_int64((long long)checked));
	json_object_object_add(o, "mismatches",
	    hf_fields_json_array(check_fields, HF_NITEMS(check_fields), bad,
	    sizeof(*bad), nbad));
	http_reply(req, 200, o);
}
