/*
 * points.c: a user's points (issue 15 item 3): GET /me/points, POST
 * /me/points/checkin (a signed-in user), GET and POST /users/{id}/points
 * and GET /points/reconcile (admin). The order's side is a field of POST
 * /orders ("points"); see src/svc/points.c for the rules.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/points.h"

#define POINTS_DELTA_MAX	1000000000LL

static const struct hf_field entry_fields[] = {
	DB_MAP_POINTS_ENTRY
};

static const struct hf_field view_fields[] = {
	HF_FIELD(struct points_view, user_id, HF_K_U64),
	HF_FIELD(struct points_view, balance, HF_K_INT),
	HF_FIELD(struct points_view, reserved, HF_K_INT),
	HF_FIELD(struct points_view, available, HF_K_INT),
	HF_FIELD(struct points_view, expiring_points, HF_K_INT),
	HF_FIELD(struct points_view, expiring_at, HF_K_STR),
};

static const struct hf_field check_fields[] = {
	HF_FIELD(struct points_check, user_id, HF_K_U64),
	HF_FIELD(struct points_check, balance, HF_K_INT),
	HF_FIELD(struct points_check, reserved, HF_K_INT),
	HF_FIELD(struct points_check, ledger_balance, HF_K_INT),
	HF_FIELD(struct points_check, ledger_reserved, HF_K_INT),
	HF_FIELD(struct points_check, orders_reserved, HF_K_INT),
	HF_FIELD(struct points_check, lots_remaining, HF_K_INT),
};

enum { PA_DELTA, PA_REASON };
static const struct field f_points_adjust[] = {
	[PA_DELTA] = { "delta", FIELD_INT, FIELD_REQUIRED, -POINTS_DELTA_MAX,
	    POINTS_DELTA_MAX, NULL, NULL, NULL },
	[PA_REASON] = { "reason", FIELD_STRING, FIELD_REQUIRED, 1, 255, NULL,
	    NULL, NULL },
};
const struct body_schema schema_points_adjust = SCHEMA(f_points_adjust);

/* {balance, reserved, available, expiring_*, items: the ledger, page} */
static json_object *
view_json(const struct points_view *v, long long page, long long per_page)
{
	json_object	*o, *list;

	list = api_list_ks(hf_fields_json_array(entry_fields,
	    HF_NITEMS(entry_fields), v->items, sizeof(*v->items), v->n), page,
	    per_page, &v->ks);
	o = hf_fields_json(view_fields, HF_NITEMS(view_fields), v);
	if (o == NULL || list == NULL) {
		json_object_put(o);
		json_object_put(list);
		return NULL;
	}
	json_object_object_foreach(list, k, val)
		json_object_object_add(o, k, json_object_get(val));
	json_object_put(list);
	return o;
}

static void
points_show(struct http_request *req, uint64_t uid, int status)
{
	struct svc_ctx		ctx;
	struct points_view	v;
	struct user		u;
	long long		page, per_page;
	int			rc;

	memset(&v, 0, sizeof(v));
	if (api_keyset(req, &page, &per_page, &v.ks) != 0)
		return;
	api_ctx(req, &ctx);
	if (uid != ctx.who->user_id && (rc = svc_user_get(&ctx, uid, &u)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	if ((rc = svc_points_get(&ctx, uid, page, per_page, &v)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, status, view_json(&v, page, per_page));
}

void
api_points_me(struct http_request *req)
{
	struct svc_ctx	ctx;

	api_ctx(req, &ctx);
	if (ctx.who->user_id == 0) {	/* an API key has no points */
		api_fail(req, &ctx, HF_E_AUTH_FORBIDDEN);
		return;
	}
	points_show(req, ctx.who->user_id, 200);
}

void
api_points_user(struct http_request *req)
{
	uint64_t	id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	points_show(req, id, 200);
}

void
api_points_checkin(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct points_view	v;
	long long		earned = 0;
	json_object		*o;
	int			rc;

	memset(&v, 0, sizeof(v));
	api_ctx(req, &ctx);
	if ((rc = svc_points_checkin(&ctx, &earned, &v)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	if ((o = view_json(&v, 1, 20)) != NULL)
		json_object_object_add(o, "earned",
		    json_object_new_int64(earned));
	http_reply(req, 201, o);
}

void
api_points_adjust(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct points_view	v;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	if (req->fv[PA_DELTA].i == 0) {
		api_ctx(req, &ctx);
		ctx.field = "delta";
		ctx.reason = "must not be 0";
		api_fail(req, &ctx, HF_E_REQ_FIELD);
		return;
	}
	memset(&v, 0, sizeof(v));
	api_ctx(req, &ctx);
	if ((rc = svc_points_adjust(&ctx, id, req->fv[PA_DELTA].i,
	    req->fv[PA_REASON].s, &v)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, view_json(&v, 1, 20));
}

/* GET /points/reconcile[?user_id=N]: {ok, checked, mismatches} */
void
api_points_reconcile(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct points_check	*bad;
	size_t			 nbad, checked;
	uint64_t		 uid;
	json_object		*o;
	int			 rc;

	if (api_id_query(req, "user_id", "a user's id", &uid) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_points_reconcile(&ctx, uid, &bad, &nbad,
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
