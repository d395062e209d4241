/*
 * inventory.c: stock, all-or-nothing reservations and the ledger.
 *
 * Every change to a stock row goes through inv_stock_change(), in the caller's
 * transaction, with the row already locked: it checks the invariant
 * 0 <= reserved <= on_hand, writes the row, appends one ledger row with both
 * deltas and both values after, and writes one outbox event when the level
 * crosses down into warning, critical or out (stock.low, stock.out). Rows
 * are locked in SKU order, so two batches can never deadlock each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/lending.h"
#include "holdfast/outbox.h"
#include "holdfast/svc.h"
#include "inv_int.h"

#define RESERVE_MAX_LINES	100
#define TTL_DEFAULT		900
#define TTL_MAX			86400

/* Columns of STOCK_COLS (sql_inventory.c). */
enum { S_PID, S_SKU, S_NAME, S_ON, S_RES, S_AVAIL, S_LEVEL, S_WARN, S_CRIT,
    S_LOC, S_ACTIVE, S_LOW, S_UPDATED, S_PSTATUS, S__MAX };

static void
stock_from_row(const struct db_result *r, size_t row, size_t off,
    struct stock_row *s)
{
	s->product_id = (uint64_t)inv_cell_ll(r, row, off + S_PID);
	s->sku = DB_CELL(r, row, off + S_SKU);
	s->name = DB_CELL(r, row, off + S_NAME);
	s->on_hand = inv_cell_ll(r, row, off + S_ON);
	s->reserved = inv_cell_ll(r, row, off + S_RES);
	s->available = inv_cell_ll(r, row, off + S_AVAIL);
	s->level = DB_CELL(r, row, off + S_LEVEL);
	s->warning_threshold = inv_cell_ll(r, row, off + S_WARN);
	s->critical_threshold = inv_cell_ll(r, row, off + S_CRIT);
	s->location = DB_CELL(r, row, off + S_LOC);
	s->is_active = inv_cell_ll(r, row, off + S_ACTIVE) != 0;
	s->low_state = DB_CELL(r, row, off + S_LOW);
	s->updated_at = DB_CELL(r, row, off + S_UPDATED);
	s->product_status = off + S_PSTATUS < r->ncols ?
	    DB_CELL(r, row, off + S_PSTATUS) : NULL;
}

void
inv_reservation_from_row(const struct db_result *r, size_t row,
    struct reservation *v)
{
	v->id = (uint64_t)inv_cell_ll(r, row, R_ID);
	v->sku = DB_CELL(r, row, R_SKU);
	v->quantity = inv_cell_ll(r, row, R_QTY);
	v->type = DB_CELL(r, row, R_TYPE);
	v->reference_id = DB_CELL(r, row, R_REF);
	v->status = DB_CELL(r, row, R_STATUS);
	v->expires_at = DB_CELL(r, row, R_EXPIRES);
	v->created_at = DB_CELL(r, row, R_CREATED);
	v->origin = DB_CELL(r, row, R_ORIGIN);
	v->created_by = DB_CELL(r, row, R_OWNER);
}

/*
 * A reservation belongs to the key or user that made it; admin sees all.
 * Everyone else is told it does not exist.
 */
int
inv_reservation_visible(const struct svc_ctx *ctx, const struct reservation *v)
{
	return ctx->who->role == ROLE_ADMIN || (v->created_by != NULL &&
	    strcmp(v->created_by, ctx->who->actor) == 0);
}

/* The same rule as the generated column stock.level. */
const char *
stock_level(long long available, long long warning, long long critical)
{
	if (available <= 0)
		return "out";
	if (available <= critical)
		return "critical";
	if (available <= warning)
		return "warning";
	return "ok";
}

static int
level_rank(const char *l)
{
	if (l == NULL || strcmp(l, "ok") == 0)
		return 0;
	if (strcmp(l, "warning") == 0)
		return 1;
	if (strcmp(l, "critical") == 0)
		return 2;
	return 3;
}

/* Locks one stock row by SKU (by_id: product id). HF_E_INV_NOT_FOUND. */
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


int
inv_stock_event(struct db *db, const struct svc_ctx *ctx,
    const struct stock_row *s, const char *event)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "sku", json_object_new_string(s->sku));
	json_object_object_add(o, "on_hand", json_object_new_int64(s->on_hand));
	json_object_object_add(o, "reserved",
	    json_object_new_int64(s->reserved));
	json_object_object_add(o, "available",
	    json_object_new_int64(s->available));
	json_object_object_add(o, "level", json_object_new_string(s->level));
	return outbox_event(db, event, o, ctx->request_id);
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
	struct db_param	 p[13];
	long long	 on = s->on_hand + c->d_on, res = s->reserved + c->d_res;
	const char	*level, *low = s->low_state, *event = NULL;
	int		 rc;

	if (res < 0 || on < 0 || res > on || on > 2000000000LL)
		return HF_E_INV_INSUFFICIENT;
	level = stock_level(on - res, s->warning_threshold,
	    s->critical_threshold);
	if (level_rank(level) > level_rank(s->low_state)) {
		event = strcmp(level, "out") == 0 ? "stock.out" : "stock.low";
		low = level;
	} else if (level_rank(level) < level_rank(s->low_state))
		low = level;	/* recovered: the next fall alerts again */
	p[0] = DB_INT(on);
	p[1] = DB_INT(res);
	p[2] = DB_STR(low);
	p[3] = DB_INT((long long)s->product_id);
	if ((rc = db_exec(db, &db_sql_stock_write, p, 4, NULL, NULL)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)s->product_id);
	p[1] = DB_STR(s->sku);
	p[2] = DB_STR(c->type);
	p[3] = DB_INT(c->d_on);
	p[4] = DB_INT(c->d_res);
	p[5] = DB_INT(on);
	p[6] = DB_INT(res);
	p[7] = c->ref_type != NULL ? DB_STR(c->ref_type) : DB_NULL;
	p[8] = c->ref_id != NULL ? DB_STR(c->ref_id) : DB_NULL;
	p[9] = c->reason != NULL ? DB_STR(c->reason) : DB_NULL;
	p[10] = DB_STR(ctx->who->actor);
	p[11] = ctx->request_id != NULL ? DB_STR(ctx->request_id) : DB_NULL;
	p[12] = c->reservation_id != 0 ? DB_INT((long long)c->reservation_id) :
	    DB_NULL;
	if ((rc = db_exec(db, &db_sql_ledger_insert, p, 13, NULL, ledger_id)) !=
	    HF_OK)
		return rc;
	svc_touch(ctx, s->product_id, s->sku);
	s->on_hand = on;
	s->reserved = res;
	s->available = on - res;
	s->level = level;
	s->low_state = low;
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
 * The only way from this file into the lending code: the hold queue
 * registered by svc_init (struct inv_queue, inv_int.h). Everything else
 * here knows nothing of holds. Unregistered, every call fails loudly.
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

/*
 * Ends one locked, active, expired reservation by the rules of its type:
 * a hold's lapses with its hold, as holdfast-expire does it; any other
 * expires. The unit stays on s for the caller to pass on.
 */
static int
expire_by_type(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    const struct reservation *v)
{
	if (strcmp(v->type, "hold") == 0)
		return queue->lapse(db, ctx, s, v);
	return inv_reservation_finish(db, ctx, s, v, "expired", "expired");
}

/*
 * Frees the expired reservations of one locked product, so a request is
 * never refused because the cron has not run yet, each by the rules of
 * its type (expire_by_type); then the units on the shelf go to the
 * waiting holds, first in line first, as the cron's sweep would give
 * them. Locks: the stock row (the caller's), then the reservation rows,
 * then the holds.
 */
int
inv_free_expired(struct db *db, struct svc_ctx *ctx, struct stock_row *s)
{
	struct db_param		 p[1] = { DB_INT((long long)s->product_id) };
	struct db_result	 r;
	struct reservation	 v;
	size_t			 i;
	int			 rc;

	if ((rc = db_query(db, ctx->arena, &db_sql_reservation_expired_of, p,
	    1, &r)) != HF_OK)
		return rc;
	for (i = 0; i < r.nrows; i++) {
		inv_reservation_from_row(&r, i, &v);
		if ((rc = expire_by_type(db, ctx, s, &v)) != HF_OK)
			return rc;
	}
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

/* --- products --------------------------------------------------------- */

/* A row of the product columns followed by the stock columns. */
void
inv_product_from_row(const struct db_result *r, size_t row, struct product *p)
{
	p->id = (uint64_t)inv_cell_ll(r, row, 0);
	p->sku = DB_CELL(r, row, 1);
	p->name = DB_CELL(r, row, 2);
	p->description = DB_CELL(r, row, 3);
	p->category = DB_CELL(r, row, 4);
	p->price = DB_CELL(r, row, 5);
	p->attributes = DB_CELL(r, row, 6);
	p->cover_url = DB_CELL(r, row, 7);
	p->status = DB_CELL(r, row, 8);
	p->created_at = DB_CELL(r, row, 9);
	stock_from_row(r, row, 10, &p->stock);
}

static int
product_load(struct db *db, struct arena *a, uint64_t id, struct product *p)
{
	struct db_param		q[1] = { DB_INT((long long)id) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(db, a, &db_sql_product_by_id, q, 1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_INV_NOT_FOUND;
	inv_product_from_row(&r, 0, p);
	return HF_OK;
}

char *
inv_slugify(struct arena *a, const char *name)
{
	char	*s = arena_strdup(a, name), *o = s;
	int	 dash = 0;

	for (const char *p = name; s != NULL && *p != '\0'; p++) {
		unsigned char	c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c >= 0x80) {
			*o++ = (char)c;
			dash = 0;
		} else if (c >= 'A' && c <= 'Z') {
			*o++ = (char)(c - 'A' + 'a');
			dash = 0;
		} else if (!dash && o != s) {
			*o++ = '-';
			dash = 1;
		}
	}
	if (s != NULL) {
		if (o > s && o[-1] == '-')
			o--;
		*o = '\0';
	}
	return s;
}

struct product_txn {
	struct svc_ctx			*ctx;
	const struct product_new	*in;
	struct idem			*idem;
	struct product			*out;
};

static int
product_create_fn(struct db *db, void *arg)
{
	struct product_txn	*t = arg;
	const struct product_new *in = t->in;
	struct db_param		 p[6];
	struct stock_row	 s;
	struct change		 c;
	uint64_t		 cat = 0, pid = 0;
	int			 rc;

	if (in->category != NULL) {
		p[0] = DB_STR(in->category);
		p[1] = DB_STR(inv_slugify(t->ctx->arena, in->category));
		if ((rc = db_exec(db, &db_sql_category_upsert, p, 2, NULL,
		    &cat)) != HF_OK)
			return rc;
	}
	p[0] = DB_STR(in->sku);
	p[1] = DB_STR(in->name);
	p[2] = in->description != NULL ? DB_STR(in->description) : DB_NULL;
	p[3] = cat != 0 ? DB_INT((long long)cat) : DB_NULL;
	p[4] = DB_STR(in->price != NULL ? in->price : "0.00");
	p[5] = in->attributes != NULL ? DB_STR(in->attributes) : DB_NULL;
	rc = db_exec(db, &db_sql_product_insert, p, 6, NULL, &pid);
	if (rc == HF_E_DUPLICATE) {
		t->ctx->message = arena_printf(t->ctx->arena,
		    "SKU %s already exists", in->sku);
		return HF_E_INV_SKU_TAKEN;
	}
	if (rc != HF_OK)
		return rc;
	p[0] = DB_INT((long long)pid);
	p[1] = DB_INT(in->warning_threshold);
	p[2] = DB_INT(in->critical_threshold);
	p[3] = in->location != NULL ? DB_STR(in->location) : DB_NULL;
	if ((rc = db_exec(db, &db_sql_stock_insert, p, 4, NULL, NULL)) != HF_OK)
		return rc;
	svc_touch(t->ctx, pid, in->sku);
	if (in->initial_quantity > 0) {
		if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, pid, &s)) != HF_OK)
			return rc;
		memset(&c, 0, sizeof(c));
		c.type = "restock";
		c.d_on = in->initial_quantity;
		c.ref_type = "manual";
		c.reason = "initial stock";
		if ((rc = inv_stock_change(db, t->ctx, &s, &c, NULL)) != HF_OK)
			return rc;
	}
	if ((rc = product_load(db, t->ctx->arena, pid, t->out)) != HF_OK)
		return rc;
	{
		json_object	*nv = json_object_new_object();

		json_object_object_add(nv, "sku",
		    json_object_new_string(in->sku));
		json_object_object_add(nv, "name",
		    json_object_new_string(in->name));
		json_object_object_add(nv, "initial_quantity",
		    json_object_new_int64(in->initial_quantity));
		if ((rc = svc_audit(db, t->ctx, "product.create", "product",
		    pid, NULL, nv)) != HF_OK)
			return rc;
	}
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

int
svc_product_create(struct svc_ctx *ctx, const struct product_new *in,
    struct idem *idem, struct product *out)
{
	struct product_txn	t = { ctx, in, idem, out };

	if (in->critical_threshold > in->warning_threshold) {
		ctx->message = "critical_threshold must not exceed "
		    "warning_threshold";
		return HF_E_INV_PARAM;
	}
	return svc_txn(ctx, product_create_fn, &t);
}

int
svc_product_get(struct svc_ctx *ctx, uint64_t id, struct product *p)
{
	return product_load(ctx->app->db, ctx->arena, id, p);
}

/* --- stock ------------------------------------------------------------ */

int
svc_stock_get(struct svc_ctx *ctx, const char *sku, struct stock_row *s)
{
	struct db_param		p[1] = { DB_STR(sku) };
	int			rc, found;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_stock_by_sku, p,
	    1, s, &found)) != HF_OK)
		return rc;
	if (!found) {
		inv_set_not_found(ctx, sku);
		return HF_E_INV_NOT_FOUND;
	}
	return HF_OK;
}

int
svc_stock_list(struct svc_ctx *ctx, const char *level, long long page,
    long long per_page, struct stock_row **out, size_t *n, long long *total)
{
	struct db_param		p[3];
	int			rc;

	p[0] = DB_OPT_STR(level);
	p[1] = DB_INT(per_page);
	p[2] = DB_INT((page - 1) * per_page);
	*total = db_count_of(ctx->app->db, ctx->arena, &db_sql_stock_count, p,
	    1, &rc);
	if (rc != HF_OK)
		return rc;
	return db_rows(ctx->app->db, ctx->arena, &db_sql_stock_list, p, 3, out,
	    n);
}

struct patch_txn {
	struct svc_ctx			*ctx;
	const char			*sku;
	const struct stock_patch	*in;
	struct stock_row		*out;
};

static int
stock_patch_fn(struct db *db, void *arg)
{
	struct patch_txn	*t = arg;
	const struct stock_patch *in = t->in;
	struct stock_row	 s;
	struct db_param		 p[5];
	long long		 warn, crit;
	const char		*loc;
	int			 rc, active;

	if ((rc = inv_stock_lock(db, t->ctx->arena, t->sku, 0, &s)) != HF_OK) {
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(t->ctx, t->sku);
		return rc;
	}
	warn = in->set_warning ? in->warning_threshold : s.warning_threshold;
	crit = in->set_critical ? in->critical_threshold :
	    s.critical_threshold;
	loc = in->set_location ? in->location : s.location;
	active = in->set_active ? in->is_active : s.is_active;
	if (crit > warn) {
		t->ctx->message = "critical_threshold must not exceed "
		    "warning_threshold";
		return HF_E_INV_PARAM;
	}
	p[0] = DB_INT(warn);
	p[1] = DB_INT(crit);
	p[2] = loc != NULL ? DB_STR(loc) : DB_NULL;
	p[3] = DB_INT(active);
	p[4] = DB_INT((long long)s.product_id);
	if ((rc = db_exec(db, &db_sql_stock_patch, p, 5, NULL, NULL)) != HF_OK)
		return rc;
	svc_touch(t->ctx, s.product_id, s.sku);
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, s.product_id, t->out)) !=
	    HF_OK)
		return rc;
	{
		json_object	*ov = json_object_new_object();
		json_object	*nv = json_object_new_object();

		json_object_object_add(ov, "warning_threshold",
		    json_object_new_int64(s.warning_threshold));
		json_object_object_add(ov, "critical_threshold",
		    json_object_new_int64(s.critical_threshold));
		json_object_object_add(ov, "is_active",
		    json_object_new_boolean(s.is_active));
		json_object_object_add(nv, "warning_threshold",
		    json_object_new_int64(warn));
		json_object_object_add(nv, "critical_threshold",
		    json_object_new_int64(crit));
		json_object_object_add(nv, "is_active",
		    json_object_new_boolean(active));
		return svc_audit(db, t->ctx, "stock.update", "stock",
		    s.product_id, ov, nv);
	}
}

int
svc_stock_patch(struct svc_ctx *ctx, const char *sku,
    const struct stock_patch *in, struct stock_row *out)
{
	struct patch_txn	t = { ctx, sku, in, out };

	return svc_txn(ctx, stock_patch_fn, &t);
}

struct move_txn {
	struct svc_ctx		*ctx;
	struct stock_move	*m;
	struct idem		*idem;
};

static int
stock_move_fn(struct db *db, void *arg)
{
	struct move_txn		*t = arg;
	struct stock_move	*m = t->m;
	struct change		 c;
	long long		 n;
	int			 rc;

	if ((rc = inv_stock_lock(db, t->ctx->arena, m->sku, 0, &m->stock)) !=
	    HF_OK) {
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(t->ctx, m->sku);
		return rc;
	}
	/* a deduct takes what any taker may (an adjust corrects the count) */
	if (strcmp(m->type, "deduct") == 0) {
		if ((rc = inv_takeable(db, t->ctx, &m->stock, -m->delta,
		    &n)) != HF_OK)
			return rc;
		if (n < -m->delta)
			return inv_short(t->ctx, m->sku, -m->delta, n);
	}
	memset(&c, 0, sizeof(c));
	c.type = m->type;
	c.d_on = m->delta;
	c.ref_type = "manual";
	c.ref_id = m->reference_id;
	c.reason = m->reason;
	rc = inv_stock_change(db, t->ctx, &m->stock, &c, &m->ledger_id);
	if (rc == HF_E_INV_INSUFFICIENT)
		return inv_short(t->ctx, m->sku, -m->delta, m->stock.available);
	if (rc != HF_OK)
		return rc;
	/* units back on the shelf go first to the SKU's waiting holds */
	if (m->delta > 0 && (rc = queue->pass(db, t->ctx, &m->stock)) != HF_OK)
		return rc;
	/* the answer shows the row as stored (updated_at moved with it) */
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, m->stock.product_id,
	    &m->stock)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

int
svc_stock_move(struct svc_ctx *ctx, struct stock_move *m, struct idem *idem)
{
	struct move_txn	t = { ctx, m, idem };

	return svc_txn(ctx, stock_move_fn, &t);
}

/* --- reservations ----------------------------------------------------- */

static int
cmp_items(const void *a, const void *b)
{
	return hf_sku_cmp(((const struct reserve_item *)a)->sku,
	    ((const struct reserve_item *)b)->sku);
}

struct reserve_txn {
	struct svc_ctx			*ctx;
	const struct reserve_req	*in;
	struct reserve_item		*lines;	/* sorted, summed */
	size_t				 n;
	struct idem			*idem;
	struct reserve_result		*out;
	long long			 ttl_seconds;	/* default applied */
};

static int
reserve_fn(struct db *db, void *arg)
{
	struct reserve_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct stock_row	*rows;
	struct inv_lock		 lk;
	struct db_param		 p[6];
	struct db_result	 r;
	struct change		 c;
	char			 rid[24];
	uint64_t		 id;
	size_t			 i;
	int			 rc;

	/* every row in SKU order, expired units freed where short */
	if ((rc = inv_lock_lines(db, ctx, t->lines, t->n, NULL, NULL,
	    &lk)) != HF_OK || (rc = inv_lock_verdict(ctx, &lk)) != HF_OK)
		return rc;
	rows = lk.rows;
	t->out->items = arena_calloc(ctx->arena, t->n, sizeof(*t->out->items));
	if (t->out->items == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < t->n; i++) {
		p[0] = DB_INT((long long)rows[i].product_id);
		p[1] = DB_STR(t->in->type);
		p[2] = DB_STR(t->out->reference_id);
		p[3] = DB_INT(t->lines[i].quantity);
		p[4] = DB_INT(t->ttl_seconds);
		p[5] = DB_STR(ctx->who->actor);
		if ((rc = db_exec(db, &db_sql_reservation_insert, p, 6, NULL,
		    &id)) != HF_OK)
			return rc;
		snprintf(rid, sizeof(rid), "%llu", (unsigned long long)id);
		memset(&c, 0, sizeof(c));
		c.type = "reserve";
		c.d_res = t->lines[i].quantity;
		c.ref_type = "reservation";
		c.ref_id = rid;
		c.reason = t->in->type;
		c.reservation_id = id;
		if ((rc = inv_stock_change(db, ctx, &rows[i], &c, NULL)) != HF_OK)
			return rc;
		p[0] = DB_INT((long long)id);
		if ((rc = db_query(db, ctx->arena, &db_sql_reservation_by_id, p,
		    1, &r)) != HF_OK)
			return rc;
		if (r.nrows != 1)
			return HF_E_DB;
		inv_reservation_from_row(&r, 0, &t->out->items[i]);
	}
	/*
	 * A reference is its first caller's, and never an order's or hold's.
	 * Checked after this caller's lines are in: a locking read sees no
	 * row of a reference nobody has yet (READ COMMITTED takes no gap
	 * lock), so two owners opening one reference at once on other SKUs
	 * both passed a check made before. Now each waits for the other's
	 * new lines: one sees them committed and is refused, or the two
	 * deadlock and the retry is refused.
	 */
	p[0] = DB_STR(t->out->reference_id);
	p[1] = DB_STR(ctx->who->actor);
	if ((rc = db_query(db, ctx->arena, &db_sql_reservation_ref_foreign, p,
	    2, &r)) != HF_OK)
		return rc;
	if (inv_cell_ll(&r, 0, 0) != 0) {
		ctx->field = "reference_id";
		ctx->reason = "already used by another owner or by an order, "
		    "loan or hold";
		return HF_E_INV_REF_TAKEN;
	}
	t->out->n = t->n;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Copies items into the arena sorted by SKU, the lines of one SKU (however
 * it is spelled: hf_sku_cmp folds case as the collation does) summed: the
 * order stock rows are locked in. HF_E_INV_PARAM when a sum passes
 * 1,000,000,000.
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

/*
 * Reserves every line or none. Lines of one SKU are summed and the rows
 * locked in SKU order. A shortfall lists every short line in ctx->details.
 */
int
svc_reserve(struct svc_ctx *ctx, const struct reserve_req *in,
    struct idem *idem, struct reserve_result *out)
{
	struct reserve_txn	 t;
	struct reserve_item	*lines;
	char			 ref[40];
	size_t			 n = 0;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if (in->nitems == 0 || in->nitems > RESERVE_MAX_LINES) {
		ctx->field = "items";
		ctx->reason = "1 to 100 lines";
		return HF_E_REQ_FIELD;
	}
	memset(&t, 0, sizeof(t));
	t.ttl_seconds = in->ttl_seconds == 0 ? TTL_DEFAULT : in->ttl_seconds;
	if (t.ttl_seconds < 1 || t.ttl_seconds > TTL_MAX) {
		ctx->message = "ttl_seconds must be from 1 to 86400";
		return HF_E_INV_PARAM;
	}
	if ((rc = inv_lines_merge(ctx, in->items, in->nitems, &lines, &n)) !=
	    HF_OK)
		return rc;
	if (in->reference_id != NULL)
		out->reference_id = in->reference_id;
	else {
		if (hf_random_hex(ref + 4, 12) != 0)
			return HF_E_SYS_INTERNAL;
		memcpy(ref, "res_", 4);
		out->reference_id = arena_strdup(ctx->arena, ref);
	}
	t.ctx = ctx;
	t.in = in;
	t.lines = lines;
	t.n = n;
	t.idem = idem;
	t.out = out;
	return svc_txn(ctx, reserve_fn, &t);
}

/*
 * A reservation made by an order, a loan or a hold ends through that flow
 * (pay, cancel, checkout, lapse), which keeps it and its owner in step:
 * the generic routes refuse it.
 */
static int
end_flow_error(struct svc_ctx *ctx, const struct reservation *v)
{
	const char	*how;

	if (strcmp(v->type, "hold") == 0 || strcmp(v->origin, "hold") == 0)
		how = "check it out or cancel it through /api/v1/holds";
	else if (strcmp(v->origin, "order") == 0)
		how = "pay or cancel the order through /api/v1/orders";
	else
		how = "end it through /api/v1/loans";
	ctx->message = arena_printf(ctx->arena, "reservation %llu belongs to "
	    "%s %s: %s", (unsigned long long)v->id, strcmp(v->type, "hold") ==
	    0 ? "hold" : v->origin, v->reference_id, how);
	return HF_E_INV_HOLD;
}

/*
 * May the caller end reservation v (row i of r) this way? HF_OK, or the
 * refusal: 404 for another owner's, INV_010 for a flow's, INV_003 for a
 * commit of an expired one (ended by expiry, or past its time), INV_007
 * for one already ended.
 */
static int
end_check(struct svc_ctx *ctx, const struct db_result *r, size_t i,
    const struct reservation *v, int commit)
{
	if (!inv_reservation_visible(ctx, v))
		return HF_E_NOT_FOUND;
	if (strcmp(v->origin, "api") != 0 || strcmp(v->type, "hold") == 0)
		return end_flow_error(ctx, v);
	if (commit && (strcmp(v->status, "expired") == 0 ||
	    (strcmp(v->status, "active") == 0 &&
	    inv_cell_ll(r, i, R_EXPIRED) != 0))) {
		ctx->message = arena_printf(ctx->arena, "reservation %llu "
		    "expired at %s", (unsigned long long)v->id, v->expires_at);
		return HF_E_INV_EXPIRED;
	}
	if (strcmp(v->status, "active") != 0) {
		ctx->message = arena_printf(ctx->arena, "reservation %llu is %s",
		    (unsigned long long)v->id, v->status);
		return HF_E_INV_NOT_ACTIVE;
	}
	return HF_OK;
}

struct end_txn {
	struct svc_ctx		*ctx;
	uint64_t		 id;
	const char		*reference_id;
	int			 commit;
	struct idem		*idem;
	struct reservation	*one;
	struct reserve_result	*many;
};

/*
 * Lock order (design.md): the stock row first, then the reservation. The
 * reservation is read without a lock for its product (which never
 * changes), the stock row locked, then the reservation locked and checked.
 */
static int
end_one_fn(struct db *db, void *arg)
{
	struct end_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct db_param		 p[1] = { DB_INT((long long)t->id) };
	struct db_result	 r;
	struct stock_row	 s;
	int			 rc;

	if ((rc = db_query(db, ctx->arena, &db_sql_reservation_by_id, p, 1,
	    &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	inv_reservation_from_row(&r, 0, t->one);
	if (!inv_reservation_visible(ctx, t->one))
		return HF_E_NOT_FOUND;
	if ((rc = inv_stock_lock(db, ctx->arena, NULL,
	    (uint64_t)inv_cell_ll(&r, 0, R_PID), &s)) != HF_OK)
		return rc;
	if ((rc = db_query(db, ctx->arena, &db_sql_reservation_lock_id, p, 1,
	    &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	inv_reservation_from_row(&r, 0, t->one);
	if ((rc = end_check(ctx, &r, 0, t->one, t->commit)) != HF_OK)
		return rc;
	if ((rc = inv_reservation_finish(db, ctx, &s, t->one, t->commit ?
	    "committed" : "released", t->commit ? "committed" : "released")) !=
	    HF_OK)
		return rc;
	t->one->status = t->commit ? "committed" : "released";
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

int
svc_reservation_end(struct svc_ctx *ctx, uint64_t id, int commit,
    struct idem *idem, struct reservation *out)
{
	struct end_txn	t = { ctx, id, NULL, commit, idem, out, NULL };

	return svc_txn(ctx, end_one_fn, &t);
}

/*
 * Locks the stock rows of the active lines of a reference (SKU order),
 * then the lines themselves, into *r. A line that appeared on another
 * product in between makes the transaction start over (HF_E_DEADLOCK:
 * db_txn retries it), so no reservation is ever locked before its stock.
 */
int
inv_lock_reference(struct db *db, struct svc_ctx *ctx, const char *ref,
    struct db_result *r)
{
	struct db_param		 p[1] = { DB_STR(ref) };
	struct db_result	 seen;
	struct stock_row	 s;
	uint64_t		*pids;
	size_t			 i, j, npids = 0;
	int			 rc;

	if ((rc = db_query(db, ctx->arena, &db_sql_reservation_of_ref, p, 1,
	    &seen)) != HF_OK)
		return rc;
	if ((pids = arena_calloc(ctx->arena, seen.nrows + 1,
	    sizeof(*pids))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < seen.nrows; i++) {
		uint64_t pid = (uint64_t)inv_cell_ll(&seen, i, R_PID);

		if (npids > 0 && pids[npids - 1] == pid)
			continue;	/* rows come in SKU order */
		if ((rc = inv_stock_lock(db, ctx->arena, NULL, pid, &s)) !=
		    HF_OK)
			return rc;
		pids[npids++] = pid;
	}
	if ((rc = db_query(db, ctx->arena, &db_sql_reservation_lock_ref, p, 1,
	    r)) != HF_OK)
		return rc;
	for (i = 0; i < r->nrows; i++) {
		uint64_t pid = (uint64_t)inv_cell_ll(r, i, R_PID);

		for (j = 0; j < npids && pids[j] != pid; j++)
			;
		if (j == npids)
			return HF_E_DEADLOCK;
	}
	return HF_OK;
}

static int
end_ref_fn(struct db *db, void *arg)
{
	struct end_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct db_result	 r;
	struct stock_row	 s;
	struct reservation	*v;
	size_t			 i;
	int			 rc;

	if ((rc = inv_lock_reference(db, ctx, t->reference_id, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0) {
		ctx->message = arena_printf(ctx->arena, "no active "
		    "reservation for reference %s", t->reference_id);
		return HF_E_INV_NOT_ACTIVE;
	}
	v = arena_calloc(ctx->arena, r.nrows, sizeof(*v));
	if (v == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++) {
		inv_reservation_from_row(&r, i, &v[i]);
		if ((rc = end_check(ctx, &r, i, &v[i], t->commit)) != HF_OK)
			return rc;	/* another owner's: 404 */
	}
	for (i = 0; i < r.nrows; i++) {
		/* locked already: this reads the row's current values */
		if ((rc = inv_stock_lock(db, ctx->arena, NULL,
		    (uint64_t)inv_cell_ll(&r, i, R_PID), &s)) != HF_OK)
			return rc;
		if ((rc = inv_reservation_finish(db, ctx, &s, &v[i], t->commit ?
		    "committed" : "released", t->commit ? "committed" :
		    "released")) != HF_OK)
			return rc;
		v[i].status = t->commit ? "committed" : "released";
	}
	t->many->reference_id = t->reference_id;
	t->many->items = v;
	t->many->n = r.nrows;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

int
svc_reference_end(struct svc_ctx *ctx, const char *reference_id, int commit,
    struct idem *idem, struct reserve_result *out)
{
	struct end_txn	t = { ctx, 0, reference_id, commit, idem, NULL, out };

	memset(out, 0, sizeof(*out));
	return svc_txn(ctx, end_ref_fn, &t);
}

int
svc_reservation_get(struct svc_ctx *ctx, uint64_t id, struct reservation *v)
{
	struct db_param		p[1] = { DB_INT((long long)id) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_reservation_by_id,
	    p, 1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	inv_reservation_from_row(&r, 0, v);
	return inv_reservation_visible(ctx, v) ? HF_OK : HF_E_NOT_FOUND;
}

/* Filter a = reference_id, b = status, c = sku; the caller's own only. */
int
svc_reservations_list(struct svc_ctx *ctx, const struct list_filter *f,
    struct reservation **out, size_t *n, long long *total)
{
	struct db_param		p[10];
	struct db_result	r;
	size_t			i;
	int			rc;

	p[0] = f->a != NULL ? DB_STR(f->a) : DB_NULL;
	p[1] = p[0];
	p[2] = f->b != NULL ? DB_STR(f->b) : DB_NULL;
	p[3] = p[2];
	p[4] = f->c != NULL ? DB_STR(f->c) : DB_NULL;
	p[5] = p[4];
	/* only the caller's own, unless admin */
	p[6] = ctx->who->role == ROLE_ADMIN ? DB_NULL : DB_STR(ctx->who->actor);
	p[7] = p[6];
	p[8] = DB_INT(f->per_page);
	p[9] = DB_INT((f->page - 1) * f->per_page);
	if ((rc = db_query(ctx->app->db, ctx->arena,
	    &db_sql_reservations_count, p, 8, &r)) != HF_OK)
		return rc;
	*total = inv_cell_ll(&r, 0, 0);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_reservations_list,
	    p, 10, &r)) != HF_OK)
		return rc;
	if ((*out = arena_calloc(ctx->arena, r.nrows + 1, sizeof(**out))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++)
		inv_reservation_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	return HF_OK;
}

/* --- the ledger ------------------------------------------------------- */

/* LEDGER_COLS (sql_inventory.c) as the API shows a ledger row. */
static const struct col ledger_cols[] = {
	{ "id", COL_INT }, { "sku", COL_STR }, { "type", COL_STR },
	{ "on_hand_delta", COL_INT }, { "reserved_delta", COL_INT },
	{ "on_hand_after", COL_INT }, { "reserved_after", COL_INT },
	{ "reference_type", COL_STR }, { "reference_id", COL_STR },
	{ "reason", COL_STR }, { "actor", COL_STR }, { "request_id", COL_STR },
	{ "created_at", COL_STR },
};

/* Filter a = sku, b = type, c = reference_id. */
int
svc_ledger_list(struct svc_ctx *ctx, const struct list_filter *f,
    json_object **items, long long *total)
{
	struct db_param		 p[12], *q = p;
	struct db_result	 r;
	size_t			 n = 12;
	int			 rc, by_sku = f->a != NULL;

	p[0] = f->a != NULL ? DB_STR(f->a) : DB_NULL;
	p[1] = p[0];
	p[2] = f->b != NULL ? DB_STR(f->b) : DB_NULL;
	p[3] = p[2];
	p[4] = f->c != NULL ? DB_STR(f->c) : DB_NULL;
	p[5] = p[4];
	p[6] = f->from != NULL ? DB_STR(f->from) : DB_NULL;
	p[7] = p[6];
	p[8] = f->to != NULL ? DB_STR(f->to) : DB_NULL;
	p[9] = p[8];
	p[10] = DB_INT(f->per_page);
	p[11] = DB_INT((f->page - 1) * f->per_page);
	if (by_sku) {
		q = p + 1;	/* "sku = ?" binds the SKU once */
		n = 11;
	}
	if ((rc = db_query(ctx->app->db, ctx->arena, by_sku ?
	    &db_sql_ledger_count_sku : &db_sql_ledger_count, q, n - 2, &r)) !=
	    HF_OK)
		return rc;
	*total = inv_cell_ll(&r, 0, 0);
	if ((rc = db_query(ctx->app->db, ctx->arena, by_sku ?
	    &db_sql_ledger_list_sku : &db_sql_ledger_list, q, n, &r)) != HF_OK)
		return rc;
	*items = inv_rows_json(&r, COLS(ledger_cols));
	return HF_OK;
}

int
svc_ledger_get(struct svc_ctx *ctx, uint64_t id, json_object **out)
{
	struct db_param		p[1] = { DB_INT((long long)id) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_ledger_by_id, p,
	    1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	*out = inv_row_json(&r, 0, COLS(ledger_cols));
	return HF_OK;
}

int
svc_ledger_stats(struct svc_ctx *ctx, const char *from, const char *to,
    json_object **out)
{
	static const struct col	 stats_type_cols[] = {
		{ "type", COL_STR }, { "count", COL_INT },
		{ "on_hand_delta", COL_INT }, { "reserved_delta", COL_INT },
	};
	static const struct col	 stats_day_cols[] = {
		{ "day", COL_STR }, { "type", COL_STR }, { "count", COL_INT },
		{ "on_hand_delta", COL_INT }, { "reserved_delta", COL_INT },
	};
	struct db_param		 p[4];
	struct db_result	 r;
	json_object		*by_type, *by_day;
	int			 rc;

	p[0] = from != NULL ? DB_STR(from) : DB_NULL;
	p[1] = p[0];
	p[2] = to != NULL ? DB_STR(to) : DB_NULL;
	p[3] = p[2];
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_ledger_stats_type,
	    p, 4, &r)) != HF_OK)
		return rc;
	by_type = inv_rows_json(&r, COLS(stats_type_cols));
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_ledger_stats_day,
	    p, 4, &r)) != HF_OK) {
		json_object_put(by_type);
		return rc;
	}
	by_day = inv_rows_json(&r, COLS(stats_day_cols));
	*out = json_object_new_object();
	json_object_object_add(*out, "by_type", by_type);
	json_object_object_add(*out, "by_day", by_day);
	return HF_OK;
}

/* --- reconcile and expiry --------------------------------------------- */

static void
mismatch(json_object *list, const char *invariant, long long expected,
    long long actual, const char *detail)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "invariant",
	    json_object_new_string(invariant));
	json_object_object_add(o, "expected", json_object_new_int64(expected));
	json_object_object_add(o, "actual", json_object_new_int64(actual));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_array_add(list, o);
}

/*
 * Checks invariants 1 to 4 for one SKU under a consistent read of its
 * stock row (locked, so no write moves it in between).
 */
struct reconcile_txn {
	struct svc_ctx		*ctx;
	const char		*sku;
	struct reconcile_report	*out;
};

static int
reconcile_fn(struct db *db, void *arg)
{
	struct reconcile_txn	*t = arg;
	struct stock_row	 s;
	struct db_param		 p[1];
	struct db_result	 r;
	json_object		*m;
	size_t			 i;
	int			 rc;

	if ((rc = inv_stock_lock(db, t->ctx->arena, t->sku, 0, &s)) != HF_OK) {
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(t->ctx, t->sku);
		return rc;
	}
	m = json_object_new_array();
	t->out->sku = s.sku;
	t->out->mismatches = m;
	if (s.reserved < 0 || s.reserved > s.on_hand)
		mismatch(m, "1: 0 <= reserved <= on_hand", s.on_hand,
		    s.reserved, "reserved is outside 0..on_hand");
	p[0] = DB_INT((long long)s.product_id);
	if ((rc = db_query(db, t->ctx->arena, &db_sql_reconcile_ledger, p, 1,
	    &r)) != HF_OK)
		return rc;
	if (inv_cell_ll(&r, 0, 0) != s.on_hand)
		mismatch(m, "2: on_hand = sum of ledger on_hand_delta",
		    inv_cell_ll(&r, 0, 0), s.on_hand, "stock.on_hand");
	if (inv_cell_ll(&r, 0, 1) != s.reserved)
		mismatch(m, "2: reserved = sum of ledger reserved_delta",
		    inv_cell_ll(&r, 0, 1), s.reserved, "stock.reserved");
	if ((rc = db_query(db, t->ctx->arena, &db_sql_reconcile_active, p, 1,
	    &r)) != HF_OK)
		return rc;
	if (inv_cell_ll(&r, 0, 0) != s.reserved)
		mismatch(m, "3: reserved = sum of active reservations",
		    inv_cell_ll(&r, 0, 0), s.reserved, "stock.reserved");
	if ((rc = db_query(db, t->ctx->arena, &db_sql_reconcile_endings, p, 1,
	    &r)) != HF_OK)
		return rc;
	for (i = 0; i < r.nrows; i++)
		mismatch(m, "4: one ledger row per reservation ending",
		    strcmp(DB_CELL(&r, i, 1), "active") == 0 ? 0 : 1,
		    inv_cell_ll(&r, i, 2), arena_printf(t->ctx->arena,
		    "reservation %s (%s)", DB_CELL(&r, i, 0),
		    DB_CELL(&r, i, 1)));
	return HF_OK;
}

int
svc_reconcile(struct svc_ctx *ctx, const char *sku,
    struct reconcile_report *out)
{
	struct reconcile_txn	t = { ctx, sku, out };
	int			rc;

	memset(out, 0, sizeof(*out));
	rc = db_txn(ctx->app->db, reconcile_fn, &t);
	if (rc != HF_OK) {
		json_object_put(out->mismatches);
		out->mismatches = NULL;
	}
	return rc;
}

/* Every SKU, for holdfast-admin reconcile. */
int
svc_all_skus(struct svc_ctx *ctx, char ***out, size_t *n)
{
	struct db_result	r;
	size_t			i;
	int			rc;

	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_products_all,
	    NULL, 0, &r)) != HF_OK)
		return rc;
	if ((*out = arena_calloc(ctx->arena, r.nrows + 1, sizeof(char *))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++)
		(*out)[i] = DB_CELL(&r, i, 1);
	*n = r.nrows;
	return HF_OK;
}

/* Expires one reservation if it is still active and past its time. */
static int
expire_one_fn(struct db *db, void *arg)
{
	struct sweep_item	*t = arg;
	struct db_param		 p[1] = { DB_INT((long long)t->id) };
	struct db_result	 r;
	struct reservation	 v;
	struct stock_row	 s;
	int			 rc;

	t->done = 0;
	/* lock order: the stock row, then the reservation (end_one_fn) */
	if ((rc = db_query(db, t->ctx->arena, &db_sql_reservation_by_id, p,
	    1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_OK;
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL,
	    (uint64_t)inv_cell_ll(&r, 0, R_PID), &s)) != HF_OK)
		return rc;
	if ((rc = db_query(db, t->ctx->arena, &db_sql_reservation_lock_id, p,
	    1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_OK;
	inv_reservation_from_row(&r, 0, &v);
	if (strcmp(v.status, "active") != 0 ||
	    inv_cell_ll(&r, 0, R_EXPIRED) == 0)
		return HF_OK;	/* committed, released or renewed meanwhile */
	/* a hold's lapses and passes its unit on, as lapse_fn (holds.c) */
	if ((rc = expire_by_type(db, t->ctx, &s, &v)) != HF_OK)
		return rc;
	t->done = 1;
	if (strcmp(v.type, "hold") == 0)
		return queue->pass(db, t->ctx, &s);
	return HF_OK;
}

/*
 * Releases up to batch expired reservations, each in its own short
 * transaction, judged by the database's clock. Safe against a second copy
 * and against commits: each reservation is re-checked under its row lock.
 * Returns how many were due, or minus an hf_err.
 */
int
svc_expire_due(struct app *app, int batch, int dry_run, unsigned *released,
    unsigned *skipped)
{
	struct sweep_stats	st;
	int			rc;

	rc = svc_sweep(app, &db_sql_reservations_due, batch, dry_run,
	    expire_one_fn, &st);
	*released = st.done;
	*skipped = st.skipped;
	return rc;
}
