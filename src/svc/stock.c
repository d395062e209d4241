/*
 * stock.c: the stock primitives every taker builds on, below the locker
 * (locker.c) and every flow that moves units (reservations, orders,
 * loans, holds): locking a stock row, changing it, ending a reservation,
 * freeing expired units, and what a caller may take.
 *
 * Every change to a stock row goes through inv_stock_change(), in the
 * caller's transaction, with the row already locked: it checks the
 * invariant 0 <= reserved <= on_hand, writes the row, appends one ledger
 * row with both deltas and both values after, and writes one outbox event
 * when the level crosses down into warning, critical or out (stock.low,
 * stock.out). Rows are locked in SKU order, so two batches can never
 * deadlock each other. The hold queue is reached only through the table
 * svc_init registers (inv_queue_set): this file calls no lending code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "holdfast/db.h"
#include "holdfast/outbox.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* The same rule as the generated column stock.level. */
const char *
inv_stock_level(long long available, long long warning, long long critical)
{
	if (available <= 0)
		return "out";
	if (available <= critical)
		return "critical";
	if (available <= warning)
		return "warning";
	return "ok";
}

/* A level's rank: ok 0, warning 1, critical 2, out 3. */
int
inv_level_rank(const char *l)
{
	if (l == NULL || strcmp(l, "ok") == 0)
		return 0;
	if (strcmp(l, "warning") == 0)
		return 1;
	if (strcmp(l, "critical") == 0)
		return 2;
	return 3;
}

/*
 * Locks one stock row (with its product's status) by SKU, or by product
 * id when sku is NULL, into *s (strings in a). HF_E_INV_NOT_FOUND when
 * there is none.
 */
int
inv_stock_lock(struct db *db, struct arena *a, const char *sku, uint64_t pid,
    struct stock_row *s)
{
	struct db_param		p[1];
	int			rc, found;

	p[0] = sku != NULL ? DB_STR(sku) : DB_INT((long long)pid);
	if ((rc = db_row(db, a, sku != NULL ? &db_sql_stock_lock_sku :
	    &db_sql_stock_lock_id, p, 1, s, &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_INV_NOT_FOUND;
}

/* The payload of stock.low and stock.out. */
static const struct hf_field stock_event_fields[] = {
	HF_FIELD(struct stock_row, sku, HF_K_STR),
	HF_FIELD(struct stock_row, on_hand, HF_K_INT),
	HF_FIELD(struct stock_row, reserved, HF_K_INT),
	HF_FIELD(struct stock_row, available, HF_K_INT),
	HF_FIELD(struct stock_row, level, HF_K_STR),
};

int
inv_stock_event(struct db *db, const struct svc_ctx *ctx,
    const struct stock_row *s, const char *event)
{
	return outbox_event_text(db, event, hf_fields_text(ctx->arena,
	    stock_event_fields, HF_NITEMS(stock_event_fields), s),
	    ctx->request_id);
}

/*
 * Applies one change to a locked row (s is updated to the values after).
 * Returns HF_OK, HF_E_INV_INSUFFICIENT when the invariant would break, or
 * a database error.
 */
int
inv_stock_change(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    const struct change *c, uint64_t *ledger_id)
{
	struct db_param		 p[14];
	struct stock_place	*pl;
	const struct location	*lo;
	struct location		 now;
	long long		 on = s->on_hand + c->d_on;
	long long		 res = s->reserved + c->d_res, pon, pres;
	long long		 was = s->available;
	const char		*level, *low = s->low_state, *event = NULL;
	int			 rc;

	if ((rc = inv_places_lock(db, ctx, s)) != HF_OK)
		return rc;
	if ((lo = inv_location_by_id(ctx, c->location_id)) == NULL ||
	    (pl = inv_place(ctx, s, c->location_id)) == NULL) {
		log_error(ctx->request_id, "inventory: change of %s at "
		    "unknown location %llu", s->sku,
		    (unsigned long long)c->location_id);
		return HF_E_SYS_INTERNAL;
	}
	/* the location as it is now (a deactivation or a freeze since the
	 * request read it), held so that neither passes this change: a
	 * frozen location takes only releases and its stocktake's post, an
	 * inactive one no new units */
	if ((rc = inv_location_share(db, ctx, lo->id, &now)) != HF_OK)
		return rc;
	if (now.frozen_by != 0 && c->stocktake_id != now.frozen_by &&
	    strcmp(c->type, "release") != 0)
		return inv_refuse_frozen(ctx, &now);
	if (!now.is_active && c->d_on > 0) {
		svc_details_clear(ctx);
		svc_detail_str(ctx, "location", now.code);
		return HF_E_LOC_INACTIVE;
	}
	pon = pl->on_hand + c->d_on;
	pres = pl->reserved + c->d_res;
	if (res < 0 || on < 0 || res > on || on > 2000000000LL ||
	    pres < 0 || pon < 0 || pres > pon)
		return HF_E_INV_INSUFFICIENT;
	level = inv_stock_level(on - res, s->warning_threshold,
	    s->critical_threshold);
	if (inv_level_rank(level) > inv_level_rank(s->low_state)) {
		event = strcmp(level, "out") == 0 ? "stock.out" : "stock.low";
		low = level;
	} else if (inv_level_rank(level) < inv_level_rank(s->low_state))
		low = level;	/* recovered: the next fall alerts again */
	p[0] = DB_INT(on);
	p[1] = DB_INT(res);
	p[2] = DB_STR(low);
	p[3] = DB_INT((long long)s->product_id);
	if ((rc = db_exec(db, &db_sql_stock_write, p, 4, NULL, NULL)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)s->product_id);
	p[1] = DB_INT((long long)lo->id);
	p[2] = DB_INT(pon);
	p[3] = DB_INT(pres);
	if ((rc = db_exec(db, &db_sql_place_write, p, 4, NULL, NULL)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)s->product_id);
	p[1] = DB_STR(s->sku);
	p[2] = DB_INT((long long)lo->id);
	p[3] = DB_STR(c->type);
	p[4] = DB_INT(c->d_on);
	p[5] = DB_INT(c->d_res);
	p[6] = DB_INT(pon);
	p[7] = DB_INT(pres);
	p[8] = DB_STR_OR_NULL(c->ref_type);
	p[9] = DB_STR_OR_NULL(c->ref_id);
	p[10] = DB_STR_OR_NULL(c->reason);
	p[11] = DB_STR(ctx->who->actor);
	p[12] = DB_STR_OR_NULL(ctx->request_id);
	p[13] = c->reservation_id != 0 ? DB_INT((long long)c->reservation_id) :
	    DB_NULL;
	if ((rc = db_exec(db, &db_sql_ledger_insert, p, 14, NULL, ledger_id)) !=
	    HF_OK)
		return rc;
	svc_touch(ctx, s->product_id, s->sku);
	pl->on_hand = pon;
	pl->reserved = pres;
	pl->available = pon - pres;
	s->on_hand = on;
	s->reserved = res;
	s->available = on - res;
	s->level = level;
	s->low_state = low;
	/* back in stock: readers waiting on a favorite (favorites.c) */
	if (was <= 0 && s->available > 0 &&
	    (rc = inv_fav_back_in_stock(db, ctx, s)) != HF_OK)
		return rc;
	if (event != NULL)
		return inv_stock_event(db, ctx, s, event);
	return HF_OK;
}

/* Ends one locked active reservation: commit (deduct) or release. */
int
inv_reservation_finish(struct db *db, struct svc_ctx *ctx,
    struct stock_row *s, const struct reservation *v, const char *end,
    const char *reason)
{
	return inv_reservation_finish_as(db, ctx, s, v, end, reason, NULL,
	    NULL);
}

/*
 * As inv_reservation_finish; the ending row names ref_type/ref_id (an
 * order, a loan) when ref_type is not NULL, and the reservation always
 * through ledger.reservation_id.
 */
int
inv_reservation_finish_as(struct db *db, struct svc_ctx *ctx,
    struct stock_row *s, const struct reservation *v, const char *end,
    const char *reason, const char *ref_type, const char *ref_id)
{
	struct change	 c;
	struct db_param	 p[2];
	char		 id[24];
	uint64_t	 n = 0;
	int		 rc, commit = strcmp(end, "committed") == 0;

	snprintf(id, sizeof(id), "%llu", (unsigned long long)v->id);
	c.type = commit ? "deduct" : "release";
	c.d_on = commit ? -v->quantity : 0;
	c.d_res = -v->quantity;
	c.ref_type = ref_type != NULL ? ref_type : "reservation";
	c.ref_id = ref_type != NULL ? ref_id : id;
	c.reason = reason;
	c.reservation_id = v->id;
	c.location_id = v->location_id;
	c.stocktake_id = 0;
	p[0] = DB_STR(end);
	p[1] = DB_INT((long long)v->id);
	if ((rc = db_exec(db, &db_sql_reservation_end, p, 2, &n, NULL)) !=
	    HF_OK)
		return rc;
	if (n != 1)
		return HF_E_INV_NOT_ACTIVE;	/* someone else ended it */
	return inv_stock_change(db, ctx, s, &c, NULL);
}

/* --- the hold queue, as the stock layer sees it ------------------------ */

/*
 * The only way from the stock layer into the lending code: the hold
 * queue registered by svc_init (struct inv_queue, inv_int.h). Everything
 * else here knows nothing of holds. Unregistered, every call fails
 * loudly.
 */
static int
queue_none(void)
{
	log_error(NULL, "inventory: no hold queue registered (svc_init)");
	return HF_E_SYS_INTERNAL;
}

static int
queue_none_owed(struct db *db, struct svc_ctx *ctx,
    const struct stock_row *s, long long *n)
{
	(void)db;
	(void)ctx;
	(void)s;
	*n = 0;
	return queue_none();
}

static int
queue_none_lapse(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    const struct reservation *v)
{
	(void)db;
	(void)ctx;
	(void)s;
	(void)v;
	return queue_none();
}

static int
queue_none_pass(struct db *db, struct svc_ctx *ctx, struct stock_row *s)
{
	(void)db;
	(void)ctx;
	(void)s;
	return queue_none();
}

static const struct inv_queue	queue_unset = {
	.owed = queue_none_owed,
	.lapse = queue_none_lapse,
	.pass = queue_none_pass,
};
static const struct inv_queue	*queue = &queue_unset;

void
inv_queue_set(const struct inv_queue *q)
{
	queue = q != NULL ? q : &queue_unset;
}

/* Units on the locked row s go to its product's waiting holds. */
int
inv_queue_pass(struct db *db, struct svc_ctx *ctx, struct stock_row *s)
{
	return queue->pass(db, ctx, s);
}

/*
 * Ends one locked, active, expired reservation by the rules of its type:
 * a hold's lapses with its hold, as holdfast-expire does it; any other
 * expires. The unit stays on s for the caller to pass on.
 */
int
inv_expire_by_type(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    const struct reservation *v)
{
	if (strcmp(v->type, "hold") == 0)
		return queue->lapse(db, ctx, s, v);
	return inv_reservation_finish(db, ctx, s, v, "expired", "expired");
}

/*
 * Frees the expired reservations of one locked product, so a request is
 * never refused because the cron has not run yet, each by the rules of
 * its type (inv_expire_by_type); then the units on the shelf go to the
 * waiting holds, first in line first, as the cron's sweep would give
 * them. Locks: the stock row (the caller's), then the reservation rows,
 * then the holds.
 */
int
inv_free_expired(struct db *db, struct svc_ctx *ctx, struct stock_row *s)
{
	struct db_param		 p[1] = { DB_INT((long long)s->product_id) };
	struct reservation	*v;
	size_t			 i, n;
	int			 rc;

	if ((rc = db_rows(db, ctx->arena, &db_sql_reservation_expired_of, p,
	    1, &v, &n)) != HF_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = inv_expire_by_type(db, ctx, s, &v[i])) != HF_OK)
			return rc;
	return queue->pass(db, ctx, s);
}

/*
 * "Available to this caller", the one definition every taker applies to
 * its locked stock row (a cart or order reservation, an order, a loan, a
 * deduct, a new hold): the units on hand that are neither reserved nor
 * owed to the SKU's waiting holds, and none while the stock row is
 * inactive. When that is fewer than want, the SKU's expired reservations
 * are freed first (inv_free_expired). Sets *n (never negative); returns
 * HF_OK or a database error. The product's status is checked apart
 * (inv_closed), as it refuses with a code of its own.
 */
int
inv_takeable(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    long long want, long long *n)
{
	long long	owed;
	int		rc;

	*n = 0;
	if (!s->is_active)
		return HF_OK;
	if ((rc = queue->owed(db, ctx, s, &owed)) != HF_OK)
		return rc;
	if (s->available - owed < want) {
		if ((rc = inv_free_expired(db, ctx, s)) != HF_OK ||
		    (rc = queue->owed(db, ctx, s, &owed)) != HF_OK)
			return rc;
	}
	*n = s->available - owed > 0 ? s->available - owed : 0;
	return HF_OK;
}

/* Two lines' location choices agree (both none, or one code any case). */
static int
same_location(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}

static int
cmp_items(const void *a, const void *b)
{
	return hf_sku_cmp(((const struct reserve_item *)a)->sku,
	    ((const struct reserve_item *)b)->sku);
}

/*
 * Copies items into the arena sorted by SKU, the lines of one SKU (however
 * it is spelled: hf_sku_cmp folds case as the collation does) summed: the
 * order stock rows are locked in. HF_E_INV_PARAM when a sum passes
 * 1,000,000,000; REQ_010 when lines of one SKU choose different
 * locations (one stock row is locked once, and allocated once).
 */
int
inv_lines_merge(struct svc_ctx *ctx, const struct reserve_item *items,
    size_t nitems, struct reserve_item **out, size_t *nout)
{
	struct reserve_item	*lines;
	size_t			 i, n = 0;

	lines = arena_calloc(ctx->arena, nitems + 1, sizeof(*lines));
	if (lines == NULL)
		return HF_E_SYS_INTERNAL;
	memcpy(lines, items, nitems * sizeof(*lines));
	qsort(lines, nitems, sizeof(*lines), cmp_items);
	for (i = 0; i < nitems; i++) {
		if (n > 0 && hf_sku_cmp(lines[n - 1].sku, lines[i].sku) == 0) {
			if (!same_location(lines[n - 1].location,
			    lines[i].location)) {
				ctx->field = "items";
				ctx->reason = "one SKU in two lines with "
				    "different locations: send one line per "
				    "SKU and location choice";
				return HF_E_REQ_FIELD;
			}
			lines[n - 1].quantity += lines[i].quantity;
			if (lines[n - 1].quantity > 1000000000LL) {
				ctx->message = "quantity too large";
				return HF_E_INV_PARAM;
			}
		} else
			lines[n++] = lines[i];
	}
	*out = lines;
	*nout = n;
	return HF_OK;
}
