/*
 * delivery.c: delivery areas, pickup points, saved addresses and time
 * slots (issue 15 item 5; sql/024_delivery.sql). dlv_order.c is the
 * order's side: a slot's place reserved with the order, the fee on its
 * total.
 *
 * An area carries a fee and a minimum order (money of the configured
 * currency: whole for one without a minor unit). A user's address names
 * its area (chosen by the user from the list, never guessed from the
 * text); at most DLV_ADDRESSES_MAX per user, counted under the user's row
 * lock. Another user's address is DLV_001, as if it did not exist. A slot
 * is for delivery in one area or pickup at one point, never both; its
 * capacity may change under its row's lock, never below the places taken
 * (DLV_010). Names of areas and of points are unique (DLV_009).
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/delivery.h"

/* a value or NULL, bound once (DB_OPT_INT binds twice) */
#define INT_OR_NULL(set, v)	((set) ? DB_INT(v) : DB_NULL)

static const char *
cents_text(struct arena *a, long long c)
{
	return arena_printf(a, "%lld.%02lld", c / 100, c % 100);
}

/* Money of the currency: whole when it has no minor unit. */
static int
money_ok(struct svc_ctx *ctx, const char *field, long long cents)
{
	if (cents >= 0 && (hf_currency_minor() != 0 || cents % 100 == 0))
		return HF_OK;
	ctx->field = field;
	ctx->reason = arena_printf(ctx->arena, "%s has no minor unit: a "
	    "whole amount", ctx->app->cfg.currency);
	return HF_E_REQ_FIELD;
}

static int
name_taken(struct svc_ctx *ctx, const char *what, const char *name)
{
	ctx->message = arena_printf(ctx->arena, "a %s named \"%s\" exists",
	    what, name);
	svc_details_clear(ctx);
	svc_detail_str(ctx, "name", name);
	return HF_E_DLV_NAME_TAKEN;
}

/* --- areas ------------------------------------------------------------ */

static int
area_get(struct svc_ctx *ctx, uint64_t id, struct dlv_area *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		found, rc;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_dlv_area_get, p, 1,
	    out, &found)) != HF_OK)
		return rc;
	if (found)
		return HF_OK;
	ctx->message = arena_printf(ctx->arena, "delivery area %llu not "
	    "found", (unsigned long long)id);
	return HF_E_DLV_NO_AREA;
}

int
svc_dlv_area_create(struct svc_ctx *ctx, const struct dlv_area_in *in,
    struct dlv_area *out)
{
	struct db_param	p[3];
	uint64_t	id;
	int		rc;

	if ((rc = money_ok(ctx, "fee", in->fee_cents)) != HF_OK ||
	    (rc = money_ok(ctx, "min_order", in->min_cents)) != HF_OK)
		return rc;
	p[0] = DB_STR(in->name);
	p[1] = DB_STR(cents_text(ctx->arena, in->fee_cents));
	p[2] = DB_STR(cents_text(ctx->arena, in->min_cents));
	rc = db_exec(ctx->app->db, &db_sql_dlv_area_insert, p, 3, NULL, &id);
	if (rc == HF_E_DUPLICATE)
		return name_taken(ctx, "delivery area", in->name);
	if (rc != HF_OK)
		return rc;
	return area_get(ctx, id, out);
}

int
svc_dlv_area_update(struct svc_ctx *ctx, uint64_t id,
    const struct dlv_area_in *in, struct dlv_area *out)
{
	struct db_param	p[5];
	int		rc;

	if ((rc = area_get(ctx, id, out)) != HF_OK)
		return rc;
	if ((in->fee_cents >= 0 && (rc = money_ok(ctx, "fee",
	    in->fee_cents)) != HF_OK) || (in->min_cents >= 0 &&
	    (rc = money_ok(ctx, "min_order", in->min_cents)) != HF_OK))
		return rc;
	p[0] = DB_STR_OR_NULL(in->name);
	p[1] = in->fee_cents >= 0 ? DB_STR(cents_text(ctx->arena,
	    in->fee_cents)) : DB_NULL;
	p[2] = in->min_cents >= 0 ? DB_STR(cents_text(ctx->arena,
	    in->min_cents)) : DB_NULL;
	p[3] = INT_OR_NULL(in->active >= 0, in->active);
	p[4] = DB_INT((long long)id);
	rc = db_exec(ctx->app->db, &db_sql_dlv_area_update, p, 5, NULL, NULL);
	if (rc == HF_E_DUPLICATE)
		return name_taken(ctx, "delivery area", in->name);
	if (rc != HF_OK)
		return rc;
	return area_get(ctx, id, out);
}

int
svc_dlv_areas_list(struct svc_ctx *ctx, int all, struct dlv_area **rows,
    size_t *n)
{
	struct db_param	p[1] = { DB_INT(all) };

	return db_rows(ctx->app->db, ctx->arena, &db_sql_dlv_areas_list, p, 1,
	    rows, n);
}

/* --- pickup points ---------------------------------------------------- */

static int
point_get(struct svc_ctx *ctx, uint64_t id, struct dlv_point *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		found, rc;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_dlv_point_get, p,
	    1, out, &found)) != HF_OK)
		return rc;
	if (found)
		return HF_OK;
	ctx->message = arena_printf(ctx->arena, "pickup point %llu not "
	    "found", (unsigned long long)id);
	return HF_E_DLV_NO_POINT;
}

int
svc_dlv_point_create(struct svc_ctx *ctx, const struct dlv_point_in *in,
    struct dlv_point *out)
{
	struct db_param	p[3];
	uint64_t	id;
	int		rc;

	p[0] = DB_STR(in->name);
	p[1] = DB_STR(in->address);
	p[2] = DB_STR_OR_NULL(in->hours);
	rc = db_exec(ctx->app->db, &db_sql_dlv_point_insert, p, 3, NULL, &id);
	if (rc == HF_E_DUPLICATE)
		return name_taken(ctx, "pickup point", in->name);
	if (rc != HF_OK)
		return rc;
	return point_get(ctx, id, out);
}

int
svc_dlv_point_update(struct svc_ctx *ctx, uint64_t id,
    const struct dlv_point_in *in, struct dlv_point *out)
{
	struct db_param	p[6];
	int		rc;

	if ((rc = point_get(ctx, id, out)) != HF_OK)
		return rc;
	p[0] = DB_STR_OR_NULL(in->name);
	p[1] = DB_STR_OR_NULL(in->address);
	p[2] = DB_INT(in->set_hours);
	p[3] = DB_STR_OR_NULL(in->hours);
	p[4] = INT_OR_NULL(in->active >= 0, in->active);
	p[5] = DB_INT((long long)id);
	rc = db_exec(ctx->app->db, &db_sql_dlv_point_update, p, 6, NULL, NULL);
	if (rc == HF_E_DUPLICATE)
		return name_taken(ctx, "pickup point", in->name);
	if (rc != HF_OK)
		return rc;
	return point_get(ctx, id, out);
}

int
svc_dlv_points_list(struct svc_ctx *ctx, int all, struct dlv_point **rows,
    size_t *n)
{
	struct db_param	p[1] = { DB_INT(all) };

	return db_rows(ctx->app->db, ctx->arena, &db_sql_dlv_points_list, p,
	    1, rows, n);
}

/* --- addresses -------------------------------------------------------- */

static int
address_get(struct svc_ctx *ctx, struct db *db, uint64_t id,
    struct dlv_address *out)
{
	struct db_param	p[2];
	int		found, rc;

	p[0] = DB_INT((long long)id);
	p[1] = DB_INT((long long)ctx->who->user_id);
	if ((rc = db_row(db, ctx->arena, &db_sql_dlv_address_get, p, 2, out,
	    &found)) != HF_OK)
		return rc;
	if (found)
		return HF_OK;
	ctx->message = arena_printf(ctx->arena, "address %llu not found",
	    (unsigned long long)id);
	return HF_E_DLV_NO_ADDRESS;
}

/* An area an address may name: it exists and is served. */
static int
area_served(struct svc_ctx *ctx, uint64_t id)
{
	struct dlv_area	a;
	int		rc;

	if ((rc = area_get(ctx, id, &a)) != HF_OK)
		return rc;
	if (a.active)
		return HF_OK;
	ctx->message = arena_printf(ctx->arena, "delivery area %llu is not "
	    "served", (unsigned long long)id);
	return HF_E_DLV_NO_AREA;
}

struct addr_txn {
	struct svc_ctx			*ctx;
	const struct dlv_address_in	*in;
	uint64_t			 id;
};

static int
address_create_fn(struct db *db, void *arg)
{
	struct addr_txn			*t = arg;
	struct svc_ctx			*ctx = t->ctx;
	const struct dlv_address_in	*in = t->in;
	struct db_param			 p[9];
	long long			 n;
	int				 rc;

	p[0] = DB_INT((long long)ctx->who->user_id);
	(void)db_count_of(db, ctx->arena, &db_sql_dlv_user_lock, p, 1, &rc);
	if (rc != HF_OK)
		return rc;
	n = db_count_of(db, ctx->arena, &db_sql_dlv_address_count, p, 1, &rc);
	if (rc != HF_OK)
		return rc;
	if (n >= DLV_ADDRESSES_MAX) {
		ctx->message = arena_printf(ctx->arena, "at most %d saved "
		    "addresses: delete one first", DLV_ADDRESSES_MAX);
		svc_details_clear(ctx);
		svc_detail_int(ctx, "max", DLV_ADDRESSES_MAX);
		return HF_E_DLV_ADDRESSES_MAX;
	}
	p[1] = DB_INT((long long)in->area_id);
	p[2] = DB_STR(in->label);
	p[3] = DB_STR(in->recipient);
	p[4] = DB_STR(in->phone);
	p[5] = DB_STR(in->line1);
	p[6] = DB_STR_OR_NULL(in->line2);
	p[7] = DB_STR(in->city);
	p[8] = DB_STR(in->postcode);
	return db_exec(db, &db_sql_dlv_address_insert, p, 9, NULL, &t->id);
}

int
svc_dlv_address_create(struct svc_ctx *ctx, const struct dlv_address_in *in,
    struct dlv_address *out)
{
	struct addr_txn	t;
	int		rc;

	if (ctx->who->user_id == 0)
		return HF_E_AUTH_FORBIDDEN;
	if ((rc = area_served(ctx, in->area_id)) != HF_OK)
		return rc;
	t.ctx = ctx;
	t.in = in;
	t.id = 0;
	if ((rc = svc_txn(ctx, address_create_fn, &t)) != HF_OK)
		return rc;
	return address_get(ctx, ctx->app->db, t.id, out);
}

int
svc_dlv_address_update(struct svc_ctx *ctx, uint64_t id,
    const struct dlv_address_in *in, struct dlv_address *out)
{
	struct db_param	p[11];
	int		rc;

	if ((rc = address_get(ctx, ctx->app->db, id, out)) != HF_OK)
		return rc;
	if (in->area_id != 0 && in->area_id != out->area_id &&
	    (rc = area_served(ctx, in->area_id)) != HF_OK)
		return rc;
	p[0] = INT_OR_NULL(in->area_id != 0, (long long)in->area_id);
	p[1] = DB_STR_OR_NULL(in->label);
	p[2] = DB_STR_OR_NULL(in->recipient);
	p[3] = DB_STR_OR_NULL(in->phone);
	p[4] = DB_STR_OR_NULL(in->line1);
	p[5] = DB_INT(in->set_line2);
	p[6] = DB_STR_OR_NULL(in->line2);
	p[7] = DB_STR_OR_NULL(in->city);
	p[8] = DB_STR_OR_NULL(in->postcode);
	p[9] = DB_INT((long long)id);
	p[10] = DB_INT((long long)ctx->who->user_id);
	if ((rc = db_exec(ctx->app->db, &db_sql_dlv_address_update, p, 11,
	    NULL, NULL)) != HF_OK)
		return rc;
	return address_get(ctx, ctx->app->db, id, out);
}

int
svc_dlv_address_delete(struct svc_ctx *ctx, uint64_t id,
    struct dlv_address *out)
{
	struct db_param	p[2];
	uint64_t	n = 0;
	int		rc;

	if ((rc = address_get(ctx, ctx->app->db, id, out)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)id);
	p[1] = DB_INT((long long)ctx->who->user_id);
	if ((rc = db_exec(ctx->app->db, &db_sql_dlv_address_delete, p, 2, &n,
	    NULL)) != HF_OK)
		return rc;
	if (n == 0)	/* deleted meanwhile */
		return address_get(ctx, ctx->app->db, id, out);
	return HF_OK;
}

int
svc_dlv_addresses_list(struct svc_ctx *ctx, struct dlv_address **rows,
    size_t *n)
{
	struct db_param	p[1] = { DB_INT((long long)ctx->who->user_id) };

	return db_rows(ctx->app->db, ctx->arena, &db_sql_dlv_addresses_list,
	    p, 1, rows, n);
}

/* --- slots ------------------------------------------------------------ */

int
svc_dlv_slot_get(struct svc_ctx *ctx, uint64_t id, struct dlv_slot *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		found, rc;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_dlv_slot_get, p, 1,
	    out, &found)) != HF_OK)
		return rc;
	if (found)
		return HF_OK;
	ctx->message = arena_printf(ctx->arena, "time slot %llu not found",
	    (unsigned long long)id);
	return HF_E_DLV_NO_SLOT;
}

int
svc_dlv_slot_create(struct svc_ctx *ctx, const struct dlv_slot_in *in,
    struct dlv_slot *out)
{
	struct dlv_area		a;
	struct dlv_point	pt;
	struct db_param		p[5];
	uint64_t		id;
	int			rc;

	if ((in->area_id != 0) == (in->pickup_point_id != 0)) {
		ctx->field = "area_id";
		ctx->reason = "a slot is for delivery in one area or pickup "
		    "at one point: give exactly one of area_id and "
		    "pickup_point_id";
		return HF_E_REQ_FIELD;
	}
	if (strcmp(in->starts_at, in->ends_at) >= 0) {
		ctx->field = "ends_at";
		ctx->reason = "after starts_at";
		return HF_E_REQ_FIELD;
	}
	if (in->area_id != 0 && (rc = area_get(ctx, in->area_id, &a)) !=
	    HF_OK)
		return rc;
	if (in->pickup_point_id != 0 && (rc = point_get(ctx,
	    in->pickup_point_id, &pt)) != HF_OK)
		return rc;
	p[0] = INT_OR_NULL(in->area_id != 0, (long long)in->area_id);
	p[1] = INT_OR_NULL(in->pickup_point_id != 0,
	    (long long)in->pickup_point_id);
	p[2] = DB_STR(in->starts_at);
	p[3] = DB_STR(in->ends_at);
	p[4] = DB_INT(in->capacity);
	if ((rc = db_exec(ctx->app->db, &db_sql_dlv_slot_insert, p, 5, NULL,
	    &id)) != HF_OK)
		return rc;
	return svc_dlv_slot_get(ctx, id, out);
}

struct slot_txn {
	struct svc_ctx	*ctx;
	uint64_t	 id;
	long long	 capacity;
	int		 active;
};

static int
slot_update_fn(struct db *db, void *arg)
{
	struct slot_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct dlv_slot_lock	 s;
	struct db_param		 p[3];
	int			 found, rc;

	p[0] = DB_INT((long long)t->id);
	if ((rc = db_row(db, ctx->arena, &db_sql_dlv_slot_lock, p, 1, &s,
	    &found)) != HF_OK)
		return rc;
	if (!found) {
		ctx->message = arena_printf(ctx->arena, "time slot %llu not "
		    "found", (unsigned long long)t->id);
		return HF_E_DLV_NO_SLOT;
	}
	if (t->capacity >= 0 && t->capacity < s.reserved + s.used) {
		ctx->message = arena_printf(ctx->arena, "%lld places of slot "
		    "%llu are taken: the capacity cannot go below that",
		    s.reserved + s.used, (unsigned long long)t->id);
		svc_details_clear(ctx);
		svc_detail_int(ctx, "reserved", s.reserved);
		svc_detail_int(ctx, "used", s.used);
		return HF_E_DLV_CAPACITY;
	}
	p[0] = INT_OR_NULL(t->capacity >= 0, t->capacity);
	p[1] = INT_OR_NULL(t->active >= 0, t->active);
	p[2] = DB_INT((long long)t->id);
	return db_exec(db, &db_sql_dlv_slot_update, p, 3, NULL, NULL);
}

int
svc_dlv_slot_update(struct svc_ctx *ctx, uint64_t id, long long capacity,
    int active, struct dlv_slot *out)
{
	struct slot_txn	t;
	int		rc;

	t.ctx = ctx;
	t.id = id;
	t.capacity = capacity;
	t.active = active;
	if ((rc = svc_txn(ctx, slot_update_fn, &t)) != HF_OK)
		return rc;
	return svc_dlv_slot_get(ctx, id, out);
}

int
svc_dlv_slots_list(struct svc_ctx *ctx, const struct dlv_slot_filter *f,
    struct dlv_slot **rows, size_t *n, long long *total)
{
	struct db_param	p[5];
	int		rc;

	p[0] = DB_OPT_INT(f->area_id != 0, (long long)f->area_id);
	p[1] = DB_OPT_INT(f->pickup_point_id != 0,
	    (long long)f->pickup_point_id);
	p[2] = DB_INT(f->all);
	p[3] = DB_INT(f->per_page);
	p[4] = DB_INT((f->page - 1) * f->per_page);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_dlv_slots_list, p,
	    5, rows, n)) != HF_OK)
		return rc;
	*total = db_count_of(ctx->app->db, ctx->arena, &db_sql_dlv_slots_count,
	    p, 3, &rc);
	return rc;
}
