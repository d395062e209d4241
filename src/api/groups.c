/*
 * groups.c: group buys (issue 15 item 4). Admin: POST /group-buys (a
 * campaign), PATCH /group-buys/{id} (stop or resume), GET /group-members
 * (seats by state: refund_due lists what a failed group owes), POST
 * /group-members/{id}/refunded. Any signed-in principal: GET /group-buys,
 * /group-buys/{id}, /group-buys/{id}/groups, /groups/{id}; POST
 * /group-buys/{id}/groups starts a group, POST /groups/{id}/join joins
 * one, each answering the group and the seat's order. See
 * src/svc/groups.c and group_orders.c for the rules.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/orders.h"
#include "holdfast/groups.h"

static const char *const group_states[] = { "open", "succeeded", "failed",
    NULL };
static const char *const seat_states[] = { "pending", "paid", "succeeded",
    "cancelled", "expired", "refund_due", "refunded", NULL };

enum { GC_NAME, GC_SKU, GC_SIZE, GC_PRICE, GC_DEADLINE, GC_PER_USER };
static const struct field f_grp_create[] = {
	[GC_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL, NULL,
	    NULL },
	[GC_SKU] = { "sku", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL, NULL,
	    NULL },
	[GC_SIZE] = { "group_size", FIELD_INT, FIELD_REQUIRED, 2,
	    GRP_SIZE_MAX, NULL, NULL, NULL },
	[GC_PRICE] = { "group_price", FIELD_MONEY, FIELD_REQUIRED, 0, 0, NULL,
	    NULL, NULL },
	[GC_DEADLINE] = { "deadline", FIELD_STRING, FIELD_REQUIRED, 1, 40,
	    NULL, NULL, NULL },
	[GC_PER_USER] = { "per_user", FIELD_INT, 0, 0, 1000, NULL, NULL, "1" },
};
const struct body_schema schema_grp_create = SCHEMA(f_grp_create);

static const struct field f_grp_patch[] = {
	{ "active", FIELD_BOOL, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL },
};
const struct body_schema schema_grp_patch = SCHEMA(f_grp_patch);

static const struct hf_field campaign_fields[] = {
	DB_MAP_GRP_CAMPAIGN
};

static const struct hf_field group_fields[] = {
	DB_MAP_GRP_GROUP
};

static const struct hf_field member_fields[] = {
	DB_MAP_GRP_MEMBER
};

/* The seat's order in a start or join answer (its lines: GET /orders). */
static const struct hf_field seat_order_fields[] = {
	HF_FIELD(struct order, id, HF_K_U64),
	HF_FIELD(struct order, reference_id, HF_K_STR),
	HF_FIELD(struct order, status, HF_K_STR),
	HF_FIELD(struct order, total, HF_K_MONEY),
	HF_FIELD(struct order, currency, HF_K_STR),
	HF_FIELD(struct order, expires_at, HF_K_STR),
};

/* The "group" of GET /orders/{id} for a seat's order. */
static const struct hf_field seat_fields[] = {
	HF_FIELD(struct grp_seat, group_id, HF_K_U64),
	HF_FIELD(struct grp_seat, campaign_id, HF_K_U64),
	HF_FIELD(struct grp_seat, state, HF_K_STR),
	HF_FIELD(struct grp_seat, group_state, HF_K_STR),
	HF_FIELD(struct grp_seat, size, HF_K_INT),
	HF_FIELD(struct grp_seat, joined, HF_K_INT),
	HF_FIELD(struct grp_seat, paid, HF_K_INT),
	HF_FIELD(struct grp_seat, deadline, HF_K_STR),
};

void
api_grp_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct grp_campaign_new	 in;
	struct grp_campaign	 out;
	int			 rc;

	memset(&in, 0, sizeof(in));
	in.name = fv[GC_NAME].s;
	in.sku = fv[GC_SKU].s;
	in.group_size = fv[GC_SIZE].i;
	in.price_cents = fv[GC_PRICE].i;
	in.per_user = fv[GC_PER_USER].present ? fv[GC_PER_USER].i : 1;
	if (in.price_cents <= 0) {
		api_bad_query(req, "group_price", "more than 0");
		return;
	}
	if ((in.deadline = api_time_param(req, fv[GC_DEADLINE].s)) == NULL) {
		api_bad_query(req, "deadline", "ISO 8601 UTC, e.g. "
		    "2026-11-21T10:00:00Z");
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_grp_campaign_create(&ctx, &in, &out)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 201, hf_fields_json(campaign_fields,
	    HF_NITEMS(campaign_fields), &out));
}

void
api_grp_campaigns_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct grp_campaign	*rows;
	long long		 page, per_page, total = 0;
	size_t			 n = 0;
	int			 rc;

	if (api_paging(req, &page, &per_page) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_grp_campaigns_list(&ctx, page, per_page, &rows, &n,
	    &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(hf_fields_json_array(campaign_fields,
	    HF_NITEMS(campaign_fields), rows, sizeof(*rows), n), page, per_page,
	    total));
}

void
api_grp_campaign_get(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct grp_campaign	c;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_grp_campaign_get(&ctx, id, &c)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, hf_fields_json(campaign_fields,
	    HF_NITEMS(campaign_fields), &c));
}

void
api_grp_campaign_patch(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct grp_campaign	c;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_grp_campaign_set_active(&ctx, id, (int)req->fv[0].i,
	    &c)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, hf_fields_json(campaign_fields,
	    HF_NITEMS(campaign_fields), &c));
}

void
api_grp_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct grp_group	*rows;
	const char		*state;
	long long		 page, per_page, total = 0;
	uint64_t		 id;
	size_t			 n = 0;
	int			 rc;

	if (api_id_arg(req, 0, &id) != 0 ||
	    api_paging(req, &page, &per_page) != 0 ||
	    api_enum_param(req, "state", group_states, &state) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_grp_list(&ctx, id, state, page, per_page, &rows, &n,
	    &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(hf_fields_json_array(group_fields,
	    HF_NITEMS(group_fields), rows, sizeof(*rows), n), page, per_page,
	    total));
}

void
api_grp_get(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct grp_group	g;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_grp_get(&ctx, id, &g)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, hf_fields_json(group_fields,
	    HF_NITEMS(group_fields), &g));
}

/* Start (campaign) or join (group): 201 {group, order}. */
static void
grp_take(struct http_request *req, int start)
{
	struct svc_ctx		 ctx;
	struct grp_group	 g;
	struct order		 o;
	json_object		*j;
	uint64_t		 id, gid = 0;
	int			 rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	memset(&o, 0, sizeof(o));
	if ((rc = svc_grp_join(&ctx, start ? id : 0, start ? 0 : id, &o,
	    &gid)) != HF_OK || (rc = svc_grp_get(&ctx, gid, &g)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	j = hf_fields_json(group_fields, HF_NITEMS(group_fields), &g);
	if (j != NULL)
		json_object_object_add(j, "order", hf_fields_json(
		    seat_order_fields, HF_NITEMS(seat_order_fields), &o));
	http_reply(req, 201, j);
}

void
api_grp_start(struct http_request *req)
{
	grp_take(req, 1);
}

void
api_grp_join(struct http_request *req)
{
	grp_take(req, 0);
}

void
api_grp_members_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct grp_member	*rows;
	const char		*state;
	long long		 page, per_page, total = 0;
	size_t			 n = 0;
	int			 rc;

	if (api_paging(req, &page, &per_page) != 0 ||
	    api_enum_param(req, "state", seat_states, &state) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_grp_members_list(&ctx, state, page, per_page, &rows, &n,
	    &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(hf_fields_json_array(member_fields,
	    HF_NITEMS(member_fields), rows, sizeof(*rows), n), page, per_page,
	    total));
}

void
api_grp_member_refunded(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct grp_member	m;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_grp_member_refunded(&ctx, id, &m)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, hf_fields_json(member_fields,
	    HF_NITEMS(member_fields), &m));
}

/*
 * GET /orders/{id}: a seat's order shows its group ("group"); j as given
 * otherwise (and when the seat cannot be read: the order still answers).
 */
json_object *
api_grp_on_order(struct svc_ctx *ctx, json_object *j, uint64_t oid)
{
	struct grp_seat	s;
	int		found = 0;

	if (j == NULL || svc_grp_seat_of_order(ctx, oid, &s, &found) !=
	    HF_OK || !found)
		return j;
	json_object_object_add(j, "group", hf_fields_json(seat_fields,
	    HF_NITEMS(seat_fields), &s));
	return j;
}
