/*
 * delivery.c: delivery and pickup (issue 15 item 5): delivery areas,
 * pickup points and time slots (admin writes, anyone reads), a reader's
 * saved addresses (/me/addresses), and the "delivery" object of POST
 * /orders with what the order's reply shows of it. See src/svc/delivery.c
 * and dlv_order.c for the rules.
 */
#include <limits.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/delivery.h"

#define ID_MAX	LLONG_MAX

static const char *const dlv_methods[] = { "delivery", "pickup", NULL };

enum { DA_NAME, DA_FEE, DA_MIN, DA_ACTIVE };
static const struct field f_area_create[] = {
	[DA_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL,
	    NULL, NULL },
	[DA_FEE] = { "fee", FIELD_MONEY, 0, 0, 0, NULL, NULL, "0" },
	[DA_MIN] = { "min_order", FIELD_MONEY, 0, 0, 0, NULL, NULL, "0" },
	[DA_ACTIVE] = { "active", FIELD_BOOL, 0, 0, 0, NULL, NULL, "true" },
};
const struct body_schema schema_dlv_area_create = SCHEMA(f_area_create);

static const struct field f_area_patch[] = {
	[DA_NAME] = { "name", FIELD_STRING, 0, 1, 100, NULL, NULL, NULL },
	[DA_FEE] = { "fee", FIELD_MONEY, 0, 0, 0, NULL, NULL, NULL },
	[DA_MIN] = { "min_order", FIELD_MONEY, 0, 0, 0, NULL, NULL, NULL },
	[DA_ACTIVE] = { "active", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL },
};
const struct body_schema schema_dlv_area_patch = SCHEMA(f_area_patch);

enum { DP_NAME, DP_ADDRESS, DP_HOURS, DP_ACTIVE };
static const struct field f_point_create[] = {
	[DP_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL,
	    NULL, NULL },
	[DP_ADDRESS] = { "address", FIELD_STRING, FIELD_REQUIRED, 1, 300,
	    NULL, NULL, NULL },
	[DP_HOURS] = { "hours", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL,
	    NULL, NULL },
	[DP_ACTIVE] = { "active", FIELD_BOOL, 0, 0, 0, NULL, NULL, "true" },
};
const struct body_schema schema_dlv_point_create = SCHEMA(f_point_create);

static const struct field f_point_patch[] = {
	[DP_NAME] = { "name", FIELD_STRING, 0, 1, 100, NULL, NULL, NULL },
	[DP_ADDRESS] = { "address", FIELD_STRING, 0, 1, 300, NULL, NULL,
	    NULL },
	[DP_HOURS] = { "hours", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL,
	    NULL, NULL },
	[DP_ACTIVE] = { "active", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL },
};
const struct body_schema schema_dlv_point_patch = SCHEMA(f_point_patch);

enum { AD_AREA, AD_LABEL, AD_RECIPIENT, AD_PHONE, AD_LINE1, AD_LINE2,
    AD_CITY, AD_POSTCODE };
static const struct field f_address_create[] = {
	[AD_AREA] = { "area_id", FIELD_INT, FIELD_REQUIRED, 1, ID_MAX, NULL,
	    NULL, NULL },
	[AD_LABEL] = { "label", FIELD_STRING, FIELD_REQUIRED, 1, 50, NULL,
	    NULL, NULL },
	[AD_RECIPIENT] = { "recipient", FIELD_STRING, FIELD_REQUIRED, 1, 100,
	    NULL, NULL, NULL },
	[AD_PHONE] = { "phone", FIELD_STRING, FIELD_REQUIRED, 3, 32, NULL,
	    NULL, NULL },
	[AD_LINE1] = { "line1", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL,
	    NULL, NULL },
	[AD_LINE2] = { "line2", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL,
	    NULL, NULL },
	[AD_CITY] = { "city", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL,
	    NULL, NULL },
	[AD_POSTCODE] = { "postcode", FIELD_STRING, FIELD_REQUIRED, 1, 20,
	    NULL, NULL, NULL },
};
const struct body_schema schema_dlv_address_create =
    SCHEMA(f_address_create);

static const struct field f_address_patch[] = {
	[AD_AREA] = { "area_id", FIELD_INT, 0, 1, ID_MAX, NULL, NULL, NULL },
	[AD_LABEL] = { "label", FIELD_STRING, 0, 1, 50, NULL, NULL, NULL },
	[AD_RECIPIENT] = { "recipient", FIELD_STRING, 0, 1, 100, NULL, NULL,
	    NULL },
	[AD_PHONE] = { "phone", FIELD_STRING, 0, 3, 32, NULL, NULL, NULL },
	[AD_LINE1] = { "line1", FIELD_STRING, 0, 1, 200, NULL, NULL, NULL },
	[AD_LINE2] = { "line2", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL,
	    NULL, NULL },
	[AD_CITY] = { "city", FIELD_STRING, 0, 1, 100, NULL, NULL, NULL },
	[AD_POSTCODE] = { "postcode", FIELD_STRING, 0, 1, 20, NULL, NULL,
	    NULL },
};
const struct body_schema schema_dlv_address_patch = SCHEMA(f_address_patch);

enum { DS_AREA, DS_POINT, DS_STARTS, DS_ENDS, DS_CAPACITY };
static const struct field f_slot_create[] = {
	[DS_AREA] = { "area_id", FIELD_INT, FIELD_NULLABLE, 1, ID_MAX, NULL,
	    NULL, NULL },
	[DS_POINT] = { "pickup_point_id", FIELD_INT, FIELD_NULLABLE, 1, ID_MAX,
	    NULL, NULL, NULL },
	[DS_STARTS] = { "starts_at", FIELD_STRING, FIELD_REQUIRED, 1, 40,
	    NULL, NULL, NULL },
	[DS_ENDS] = { "ends_at", FIELD_STRING, FIELD_REQUIRED, 1, 40, NULL,
	    NULL, NULL },
	[DS_CAPACITY] = { "capacity", FIELD_INT, FIELD_REQUIRED, 1,
	    DLV_CAPACITY_MAX, NULL, NULL, NULL },
};
const struct body_schema schema_dlv_slot_create = SCHEMA(f_slot_create);

enum { SP_CAPACITY, SP_ACTIVE };
static const struct field f_slot_patch[] = {
	[SP_CAPACITY] = { "capacity", FIELD_INT, 0, 0, DLV_CAPACITY_MAX, NULL,
	    NULL, NULL },
	[SP_ACTIVE] = { "active", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL },
};
const struct body_schema schema_dlv_slot_patch = SCHEMA(f_slot_patch);

/* "delivery" of POST /orders, checked by api_dlv_choice */
enum { DC_METHOD, DC_ADDRESS, DC_POINT, DC_SLOT };
static const struct field f_choice[] = {
	[DC_METHOD] = { "method", FIELD_STRING, FIELD_REQUIRED, 0, 0,
	    dlv_methods, NULL, NULL },
	[DC_ADDRESS] = { "address_id", FIELD_INT, FIELD_NULLABLE, 1, ID_MAX,
	    NULL, NULL, NULL },
	[DC_POINT] = { "pickup_point_id", FIELD_INT, FIELD_NULLABLE, 1, ID_MAX,
	    NULL, NULL, NULL },
	[DC_SLOT] = { "slot_id", FIELD_INT, FIELD_REQUIRED, 1, ID_MAX, NULL,
	    NULL, NULL },
};
static const struct body_schema schema_choice = SCHEMA(f_choice);

static const struct hf_field area_fields[] = { DB_MAP_DLV_AREA };
static const struct hf_field point_fields[] = { DB_MAP_DLV_POINT };
static const struct hf_field address_fields[] = { DB_MAP_DLV_ADDRESS };
static const struct hf_field slot_fields[] = { DB_MAP_DLV_SLOT };
static const struct hf_field order_fields[] = { DB_MAP_DLV_ORDER };

#define GIVEN(v)	((v).present && !(v).null)

static void
reply_one(struct http_request *req, struct svc_ctx *ctx, int rc,
    int status, const struct hf_field *f, size_t nf, const void *row)
{
	if (rc != HF_OK)
		api_fail(req, ctx, rc);
	else
		http_reply(req, status, hf_fields_json(f, nf, row));
}

static void
reply_items(struct http_request *req, struct svc_ctx *ctx, int rc,
    const struct hf_field *f, size_t nf, const void *rows, size_t size,
    size_t n)
{
	json_object	*o;

	if (rc != HF_OK) {
		api_fail(req, ctx, rc);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "items", hf_fields_json_array(f, nf, rows,
	    size, n));
	http_reply(req, 200, o);
}

/* --- areas ------------------------------------------------------------ */

static void
area_in(const struct field_value *fv, struct dlv_area_in *in, int patch)
{
	in->name = GIVEN(fv[DA_NAME]) ? fv[DA_NAME].s : NULL;
	in->fee_cents = GIVEN(fv[DA_FEE]) || !patch ? fv[DA_FEE].i : -1;
	in->min_cents = GIVEN(fv[DA_MIN]) || !patch ? fv[DA_MIN].i : -1;
	in->active = GIVEN(fv[DA_ACTIVE]) || !patch ? (int)fv[DA_ACTIVE].i :
	    -1;
}

void
api_dlv_area_create(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct dlv_area_in	in;
	struct dlv_area		out;
	int			rc;

	area_in(req->fv, &in, 0);
	api_ctx(req, &ctx);
	if ((rc = svc_dlv_area_create(&ctx, &in, &out)) == HF_OK && !in.active)
		rc = svc_dlv_area_update(&ctx, out.id, &in, &out);
	reply_one(req, &ctx, rc, 201, area_fields, HF_NITEMS(area_fields),
	    &out);
}

void
api_dlv_area_patch(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct dlv_area_in	in;
	struct dlv_area		out;
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	area_in(req->fv, &in, 1);
	api_ctx(req, &ctx);
	reply_one(req, &ctx, svc_dlv_area_update(&ctx, id, &in, &out), 200,
	    area_fields, HF_NITEMS(area_fields), &out);
}

/* Anyone: the served areas; an admin: every area. */
void
api_dlv_areas_list(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct dlv_area	*rows = NULL;
	size_t		 n = 0;
	int		 rc;

	api_ctx(req, &ctx);
	rc = svc_dlv_areas_list(&ctx, ctx.who->role == ROLE_ADMIN, &rows, &n);
	reply_items(req, &ctx, rc, area_fields, HF_NITEMS(area_fields), rows,
	    sizeof(*rows), n);
}

/* --- pickup points ---------------------------------------------------- */

static void
point_in(const struct field_value *fv, struct dlv_point_in *in, int patch)
{
	in->name = GIVEN(fv[DP_NAME]) ? fv[DP_NAME].s : NULL;
	in->address = GIVEN(fv[DP_ADDRESS]) ? fv[DP_ADDRESS].s : NULL;
	in->hours = GIVEN(fv[DP_HOURS]) ? fv[DP_HOURS].s : NULL;
	in->set_hours = fv[DP_HOURS].present;
	in->active = GIVEN(fv[DP_ACTIVE]) || !patch ? (int)fv[DP_ACTIVE].i :
	    -1;
}

void
api_dlv_point_create(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct dlv_point_in	in;
	struct dlv_point	out;
	int			rc;

	point_in(req->fv, &in, 0);
	api_ctx(req, &ctx);
	if ((rc = svc_dlv_point_create(&ctx, &in, &out)) == HF_OK &&
	    !in.active)
		rc = svc_dlv_point_update(&ctx, out.id, &in, &out);
	reply_one(req, &ctx, rc, 201, point_fields, HF_NITEMS(point_fields),
	    &out);
}

void
api_dlv_point_patch(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct dlv_point_in	in;
	struct dlv_point	out;
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	point_in(req->fv, &in, 1);
	api_ctx(req, &ctx);
	reply_one(req, &ctx, svc_dlv_point_update(&ctx, id, &in, &out), 200,
	    point_fields, HF_NITEMS(point_fields), &out);
}

/* Anyone: the open points; an admin: every point. */
void
api_dlv_points_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct dlv_point	*rows = NULL;
	size_t			 n = 0;
	int			 rc;

	api_ctx(req, &ctx);
	rc = svc_dlv_points_list(&ctx, ctx.who->role == ROLE_ADMIN, &rows,
	    &n);
	reply_items(req, &ctx, rc, point_fields, HF_NITEMS(point_fields),
	    rows, sizeof(*rows), n);
}

/* --- addresses -------------------------------------------------------- */

static void
address_in(const struct field_value *fv, struct dlv_address_in *in)
{
	memset(in, 0, sizeof(*in));
	in->area_id = GIVEN(fv[AD_AREA]) ? (uint64_t)fv[AD_AREA].i : 0;
	in->label = GIVEN(fv[AD_LABEL]) ? fv[AD_LABEL].s : NULL;
	in->recipient = GIVEN(fv[AD_RECIPIENT]) ? fv[AD_RECIPIENT].s : NULL;
	in->phone = GIVEN(fv[AD_PHONE]) ? fv[AD_PHONE].s : NULL;
	in->line1 = GIVEN(fv[AD_LINE1]) ? fv[AD_LINE1].s : NULL;
	in->line2 = GIVEN(fv[AD_LINE2]) ? fv[AD_LINE2].s : NULL;
	in->set_line2 = fv[AD_LINE2].present;
	in->city = GIVEN(fv[AD_CITY]) ? fv[AD_CITY].s : NULL;
	in->postcode = GIVEN(fv[AD_POSTCODE]) ? fv[AD_POSTCODE].s : NULL;
}

/* Addresses belong to a signed-in reader: an API key has none. */
static int
reader(struct http_request *req, struct svc_ctx *ctx)
{
	api_ctx(req, ctx);
	if (ctx->who->user_id != 0)
		return 0;
	http_reply_err(req, HF_E_AUTH_FORBIDDEN, "saved addresses belong to a "
	    "signed-in reader, not an API key", NULL);
	return -1;
}

void
api_dlv_addresses_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct dlv_address	*rows = NULL;
	size_t			 n = 0;
	int			 rc;

	if (reader(req, &ctx) != 0)
		return;
	rc = svc_dlv_addresses_list(&ctx, &rows, &n);
	reply_items(req, &ctx, rc, address_fields, HF_NITEMS(address_fields),
	    rows, sizeof(*rows), n);
}

void
api_dlv_address_create(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct dlv_address_in	in;
	struct dlv_address	out;

	if (reader(req, &ctx) != 0)
		return;
	address_in(req->fv, &in);
	reply_one(req, &ctx, svc_dlv_address_create(&ctx, &in, &out), 201,
	    address_fields, HF_NITEMS(address_fields), &out);
}

void
api_dlv_address_patch(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct dlv_address_in	in;
	struct dlv_address	out;
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0 || reader(req, &ctx) != 0)
		return;
	address_in(req->fv, &in);
	reply_one(req, &ctx, svc_dlv_address_update(&ctx, id, &in, &out), 200,
	    address_fields, HF_NITEMS(address_fields), &out);
}

void
api_dlv_address_delete(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct dlv_address	out;
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0 || reader(req, &ctx) != 0)
		return;
	reply_one(req, &ctx, svc_dlv_address_delete(&ctx, id, &out), 200,
	    address_fields, HF_NITEMS(address_fields), &out);
}

/* --- slots ------------------------------------------------------------ */

void
api_dlv_slot_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct dlv_slot_in	 in;
	struct dlv_slot		 out;

	memset(&in, 0, sizeof(in));
	in.area_id = GIVEN(fv[DS_AREA]) ? (uint64_t)fv[DS_AREA].i : 0;
	in.pickup_point_id = GIVEN(fv[DS_POINT]) ? (uint64_t)fv[DS_POINT].i :
	    0;
	in.capacity = fv[DS_CAPACITY].i;
	if ((in.starts_at = api_time_param(req, fv[DS_STARTS].s)) == NULL) {
		api_bad_query(req, "starts_at", "ISO 8601 UTC, e.g. "
		    "2026-11-21T10:00:00Z");
		return;
	}
	if ((in.ends_at = api_time_param(req, fv[DS_ENDS].s)) == NULL) {
		api_bad_query(req, "ends_at", "ISO 8601 UTC, e.g. "
		    "2026-11-21T12:00:00Z");
		return;
	}
	api_ctx(req, &ctx);
	reply_one(req, &ctx, svc_dlv_slot_create(&ctx, &in, &out), 201,
	    slot_fields, HF_NITEMS(slot_fields), &out);
}

void
api_dlv_slot_patch(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct dlv_slot		 out;
	uint64_t		 id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	if (GIVEN(fv[SP_CAPACITY]) && fv[SP_CAPACITY].i < 1) {
		api_bad_query(req, "capacity", "1 to 100000");
		return;
	}
	api_ctx(req, &ctx);
	reply_one(req, &ctx, svc_dlv_slot_update(&ctx, id,
	    GIVEN(fv[SP_CAPACITY]) ? fv[SP_CAPACITY].i : -1,
	    GIVEN(fv[SP_ACTIVE]) ? (int)fv[SP_ACTIVE].i : -1, &out), 200,
	    slot_fields, HF_NITEMS(slot_fields), &out);
}

void
api_dlv_slot_get(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct dlv_slot	out;
	uint64_t	id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	reply_one(req, &ctx, svc_dlv_slot_get(&ctx, id, &out), 200,
	    slot_fields, HF_NITEMS(slot_fields), &out);
}

/* Anyone: the open slots to come; an admin: every slot. By start. */
void
api_dlv_slots_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct dlv_slot_filter	 f;
	struct dlv_slot		*rows = NULL;
	size_t			 n = 0;
	long long		 total = 0;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_paging(req, &f.page, &f.per_page) != 0 ||
	    api_id_query(req, "area_id", "an id", &f.area_id) != 0 ||
	    api_id_query(req, "pickup_point_id", "an id",
	    &f.pickup_point_id) != 0)
		return;
	api_ctx(req, &ctx);
	f.all = ctx.who->role == ROLE_ADMIN;
	if ((rc = svc_dlv_slots_list(&ctx, &f, &rows, &n, &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(hf_fields_json_array(slot_fields,
	    HF_NITEMS(slot_fields), rows, sizeof(*rows), n), f.page,
	    f.per_page, total));
}

/* --- the order's side ------------------------------------------------- */

/*
 * The "delivery" object of POST /orders into *c: -1 after a 422 naming
 * "delivery.<field>", 0 otherwise (c->method NULL when there is none).
 */
int
api_dlv_choice(struct http_request *req, const struct field_value *v,
    struct dlv_choice *c)
{
	struct field_value	 fv[HF_NITEMS(f_choice)];
	const char		*field, *reason;
	int			 rc, pickup;

	memset(c, 0, sizeof(*c));
	if (!GIVEN(*v))
		return 0;
	if ((rc = schema_check(&schema_choice, v->j, req->arena, fv, &field,
	    &reason)) != HF_OK) {
		if (rc == HF_E_SYS_INTERNAL) {
			http_reply_err(req, rc, NULL, NULL);
			return -1;
		}
		api_bad_query(req, arena_printf(req->arena, "delivery.%s",
		    field), reason);
		return -1;
	}
	pickup = strcmp(fv[DC_METHOD].s, "pickup") == 0;
	if (!GIVEN(fv[pickup ? DC_POINT : DC_ADDRESS])) {
		api_bad_query(req, pickup ? "delivery.pickup_point_id" :
		    "delivery.address_id", pickup ? "required for pickup" :
		    "required for delivery");
		return -1;
	}
	if (GIVEN(fv[pickup ? DC_ADDRESS : DC_POINT])) {
		api_bad_query(req, pickup ? "delivery.address_id" :
		    "delivery.pickup_point_id", pickup ? "not for pickup" :
		    "not for delivery");
		return -1;
	}
	c->method = fv[DC_METHOD].s;
	c->address_id = pickup ? 0 : (uint64_t)fv[DC_ADDRESS].i;
	c->pickup_point_id = pickup ? (uint64_t)fv[DC_POINT].i : 0;
	c->slot_id = (uint64_t)fv[DC_SLOT].i;
	return 0;
}

/* The order's "delivery": its choice, or null when it made none. */
void
api_dlv_order_add(struct http_request *req, json_object *j, uint64_t oid)
{
	struct svc_ctx		ctx;
	struct dlv_order	d;
	int			found = 0;

	if (j == NULL)
		return;
	api_ctx(req, &ctx);
	if (svc_dlv_of_order(&ctx, oid, &d, &found) != HF_OK || !found) {
		json_object_object_add(j, "delivery", NULL);
		return;
	}
	json_object_object_add(j, "delivery", hf_fields_json(order_fields,
	    HF_NITEMS(order_fields), &d));
}
