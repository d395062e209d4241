/*
 * dlv_order.c: the order's side of delivery and pickup (issue 15 item 5;
 * delivery.c has the rest).
 *
 * An order that names "delivery" chooses delivery to one of the caller's
 * saved addresses (its area: fee and minimum order) or pickup at a point
 * (no fee, no minimum), and a slot of that area or point. In the order's
 * transaction, after its stock rows: the slot's row is locked, one place
 * reserved (never over capacity: DLV_007), one order_delivery row written
 * and the area's fee added to the order's total, which the payment
 * callback must then match. The minimum order is on the lines' total
 * before any coupon or points (the goods ordered). The place that fills
 * the slot writes slot.full. Paying uses the place and writes
 * delivery.booked; cancelling or expiring releases it; a refund keeps it
 * used (the delivery was booked for a sale that happened).
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/orders.h"
#include "holdfast/outbox.h"
#include "holdfast/delivery.h"

static const char *
cents_text(struct arena *a, long long c)
{
	return arena_printf(a, "%lld.%02lld", c / 100, c % 100);
}

/* slot.full: the slot's last place went to this order */
struct slot_full_event {
	uint64_t	 slot_id, order_id;
	long long	 area_id, pickup_point_id, capacity;
	const char	*starts_at, *ends_at;
};

static const struct hf_field slot_full_fields[] = {
	HF_FIELD(struct slot_full_event, slot_id, HF_K_U64),
	HF_FIELD(struct slot_full_event, order_id, HF_K_U64),
	HF_FIELDF(struct slot_full_event, area_id, HF_K_INT, HF_F_NULL),
	HF_FIELDF(struct slot_full_event, pickup_point_id, HF_K_INT,
	    HF_F_NULL),
	HF_FIELD(struct slot_full_event, capacity, HF_K_INT),
	HF_FIELD(struct slot_full_event, starts_at, HF_K_STR),
	HF_FIELD(struct slot_full_event, ends_at, HF_K_STR),
};

/* delivery.booked: the order's choice when it was paid */
static const struct hf_field booked_fields[] = {
	DB_MAP_DLV_ORDER
};

static int
refuse(struct svc_ctx *ctx, int code, const char *msg)
{
	ctx->message = msg;
	return code;
}

static const char *
id_text(struct arena *a, uint64_t id)
{
	return arena_printf(a, "%llu", (unsigned long long)id);
}

/* The address or the point chosen: its area, fee and text. */
static int
choice_place(struct db *db, struct svc_ctx *ctx, const struct dlv_choice *c,
    long long lines_cents, struct dlv_address_area *ad)
{
	struct dlv_point_lite	pt;
	struct db_param		p[2];
	int			found, rc;

	memset(ad, 0, sizeof(*ad));
	svc_details_clear(ctx);
	if (strcmp(c->method, "pickup") == 0) {
		p[0] = DB_INT((long long)c->pickup_point_id);
		if ((rc = db_row(db, ctx->arena, &db_sql_dlv_point_for_order,
		    p, 1, &pt, &found)) != HF_OK)
			return rc;
		svc_detail_str(ctx, "pickup_point_id", id_text(ctx->arena,
		    c->pickup_point_id));
		if (!found || !pt.active)
			return refuse(ctx, HF_E_DLV_NO_POINT, found ? "this "
			    "pickup point is closed" : "no such pickup point");
		svc_details_clear(ctx);
		return HF_OK;
	}
	p[0] = DB_INT((long long)c->address_id);
	p[1] = DB_INT((long long)ctx->who->user_id);
	if ((rc = db_row(db, ctx->arena, &db_sql_dlv_address_for_order, p, 2,
	    ad, &found)) != HF_OK)
		return rc;
	svc_detail_str(ctx, "address_id", id_text(ctx->arena, c->address_id));
	if (!found || ctx->who->user_id == 0)
		return refuse(ctx, HF_E_DLV_NO_ADDRESS, "no such saved address "
		    "of yours");
	if (!ad->area_active)
		return refuse(ctx, HF_E_DLV_NO_AREA, "this address's area is "
		    "not served");
	if (lines_cents < ad->min_cents) {
		svc_detail_str(ctx, "min_order", cents_text(ctx->arena,
		    ad->min_cents));
		return refuse(ctx, HF_E_DLV_MIN_ORDER, arena_printf(ctx->arena,
		    "delivery to this area needs an order of %s",
		    cents_text(ctx->arena, ad->min_cents)));
	}
	svc_details_clear(ctx);
	return HF_OK;
}

/*
 * A new order oid whose lines total lines_cents chose c: one place of its
 * slot reserved, its row written, the fee on the order's total.
 */
int
dlv_order_reserve(struct db *db, struct svc_ctx *ctx, uint64_t oid,
    const struct dlv_choice *c, long long lines_cents)
{
	struct dlv_address_area	ad;
	struct dlv_slot_lock	s;
	struct slot_full_event	e;
	struct db_param		p[8];
	const char		*fee, *data;
	int			found, rc, pickup = strcmp(c->method,
				    "pickup") == 0;

	if ((rc = choice_place(db, ctx, c, lines_cents, &ad)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)c->slot_id);
	if ((rc = db_row(db, ctx->arena, &db_sql_dlv_slot_lock, p, 1, &s,
	    &found)) != HF_OK)
		return rc;
	svc_details_clear(ctx);
	svc_detail_str(ctx, "slot_id", id_text(ctx->arena, c->slot_id));
	if (!found)
		return refuse(ctx, HF_E_DLV_NO_SLOT, "no such time slot");
	if (pickup ? s.pickup_point_id != (long long)c->pickup_point_id :
	    s.area_id != (long long)ad.area_id)
		return refuse(ctx, HF_E_DLV_SLOT_MISMATCH, pickup ? "this slot "
		    "is not one of this pickup point's" : "this slot is not "
		    "one of the address's delivery area");
	if (!s.active || s.started) {
		svc_detail_str(ctx, "starts_at", s.starts_at);
		return refuse(ctx, HF_E_DLV_SLOT_CLOSED, !s.active ? "this "
		    "slot was stopped" : "this slot has started: it takes no "
		    "more orders");
	}
	if (s.reserved + s.used >= s.capacity) {
		svc_detail_int(ctx, "capacity", s.capacity);
		return refuse(ctx, HF_E_DLV_SLOT_FULL, "this slot is full");
	}
	svc_details_clear(ctx);
	fee = cents_text(ctx->arena, pickup ? 0 : ad.fee_cents);
	p[0] = DB_INT((long long)oid);
	p[1] = DB_STR(pickup ? "pickup" : "delivery");
	p[2] = DB_INT((long long)c->slot_id);
	p[3] = pickup ? DB_NULL : DB_INT((long long)ad.area_id);
	p[4] = pickup ? DB_INT((long long)c->pickup_point_id) : DB_NULL;
	p[5] = pickup ? DB_NULL : DB_INT((long long)c->address_id);
	p[6] = pickup ? DB_NULL : DB_STR(ad.text);
	p[7] = DB_STR(fee);
	if ((rc = db_exec(db, &db_sql_dlv_order_insert, p, 8, NULL, NULL)) !=
	    HF_OK)
		return rc;
	p[0] = DB_INT(1);
	p[1] = DB_INT(0);
	p[2] = DB_INT((long long)c->slot_id);
	if ((rc = db_exec(db, &db_sql_dlv_slot_counts, p, 3, NULL, NULL)) !=
	    HF_OK)
		return rc;
	if (!pickup && ad.fee_cents > 0) {
		p[0] = DB_STR(fee);
		p[1] = DB_INT((long long)oid);
		if ((rc = db_exec(db, &db_sql_dlv_order_total, p, 2, NULL,
		    NULL)) != HF_OK)
			return rc;
	}
	if (s.reserved + s.used + 1 < s.capacity)
		return HF_OK;
	memset(&e, 0, sizeof(e));
	e.slot_id = s.id;
	e.order_id = oid;
	e.area_id = s.area_id;
	e.pickup_point_id = s.pickup_point_id;
	e.capacity = s.capacity;
	e.starts_at = s.starts_at;
	e.ends_at = s.ends_at;
	if ((data = hf_fields_text(ctx->arena, slot_full_fields,
	    HF_NITEMS(slot_full_fields), &e)) == NULL)
		return HF_E_SYS_INTERNAL;
	return outbox_event_text(db, "slot.full", data, ctx->request_id);
}

/*
 * The order was paid (its place is used, delivery.booked) or ended unpaid
 * (released). Nothing for an order that chose neither.
 */
int
dlv_order_end(struct db *db, struct svc_ctx *ctx, const struct order *o,
    int paid)
{
	struct dlv_order	d;
	struct dlv_slot_lock	s;
	struct db_param		p[3];
	const char		*data;
	uint64_t		n;
	int			found, rc;

	p[0] = DB_INT((long long)o->id);
	if ((rc = db_row(db, ctx->arena, &db_sql_dlv_order_get, p, 1, &d,
	    &found)) != HF_OK || !found)
		return rc;
	p[0] = DB_INT((long long)d.slot_id);
	if ((rc = db_row(db, ctx->arena, &db_sql_dlv_slot_lock, p, 1, &s,
	    &found)) != HF_OK)
		return rc;
	p[0] = DB_STR(paid ? "used" : "released");
	p[1] = DB_INT((long long)o->id);
	if ((rc = db_exec(db, &db_sql_dlv_order_end, p, 2, &n, NULL)) !=
	    HF_OK || n == 0)
		return rc;
	p[0] = DB_INT(-1);
	p[1] = DB_INT(paid ? 1 : 0);
	p[2] = DB_INT((long long)d.slot_id);
	if ((rc = db_exec(db, &db_sql_dlv_slot_counts, p, 3, NULL, NULL)) !=
	    HF_OK || !paid)
		return rc;
	d.status = "used";
	if ((data = hf_fields_text(ctx->arena, booked_fields,
	    HF_NITEMS(booked_fields), &d)) == NULL)
		return HF_E_SYS_INTERNAL;
	return outbox_event_text(db, "delivery.booked", data,
	    ctx->request_id);
}

int
svc_dlv_of_order(struct svc_ctx *ctx, uint64_t oid, struct dlv_order *out,
    int *found)
{
	struct db_param	p[1] = { DB_INT((long long)oid) };

	return db_row(ctx->app->db, ctx->arena, &db_sql_dlv_order_get, p, 1,
	    out, found);
}
