/*
 * reservations.c: all-or-none reservations (POST /reservations), their
 * commit and release one by one or by reference, and reading them.
 *
 * A reservation takes its lines through the one locker (locker.c), so it
 * sits above it; the stock primitives it ends reservations with
 * (stock.c) sit below. Lock order (design.md): the stock rows in SKU
 * order, then the reservation rows. A path that starts from a
 * reservation reads it without a lock for its product (which never
 * changes), locks the stock row, then locks and re-checks the
 * reservation.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

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

/* One reservation by id (sql: by_id or lock_id); HF_E_NOT_FOUND if none. */
static int
reservation_read(struct db *db, struct arena *a, struct db_sql *sql,
    uint64_t id, struct reservation *v)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, a, sql, p, 1, v, &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_NOT_FOUND;
}

struct reserve_txn {
	struct svc_ctx			*ctx;
	const struct reserve_req	*in;
	struct reserve_item		*lines;	/* sorted, summed */
	size_t				 n;
	struct idem			*idem;
	struct reserve_result		*out;
};

static int
reserve_fn(struct db *db, void *arg)
{
	struct reserve_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct stock_row	*rows;
	struct inv_lock		 lk;
	struct db_param		 p[7];
	struct change		 c;
	char			 rid[24];
	uint64_t		 id;
	size_t			 i, k;
	int			 rc;

	/* every row in SKU order, expired units freed where short */
	if ((rc = inv_lock_lines(db, ctx, t->lines, t->n, NULL, NULL,
	    &lk)) != HF_OK || (rc = inv_lock_verdict(ctx, &lk)) != HF_OK)
		return rc;
	rows = lk.rows;
	t->out->items = arena_calloc(ctx->arena, lk.ntakes + 1,
	    sizeof(*t->out->items));
	if (t->out->items == NULL)
		return HF_E_SYS_INTERNAL;
	/* one reservation per line and location it was allocated to */
	for (k = 0; k < lk.ntakes; k++) {
		i = lk.takes[k].line;
		p[0] = DB_INT((long long)rows[i].product_id);
		p[1] = DB_INT((long long)lk.takes[k].loc->id);
		p[2] = DB_STR(t->in->type);
		p[3] = DB_STR(t->out->reference_id);
		p[4] = DB_INT(lk.takes[k].qty);
		p[5] = DB_INT(t->in->ttl_seconds);
		p[6] = DB_STR(ctx->who->actor);
		if ((rc = db_exec(db, &db_sql_reservation_insert, p, 7, NULL,
		    &id)) != HF_OK)
			return rc;
		snprintf(rid, sizeof(rid), "%llu", (unsigned long long)id);
		memset(&c, 0, sizeof(c));
		c.type = "reserve";
		c.d_res = lk.takes[k].qty;
		c.ref_type = "reservation";
		c.ref_id = rid;
		c.reason = t->in->type;
		c.reservation_id = id;
		c.location_id = lk.takes[k].loc->id;
		if ((rc = inv_stock_change(db, ctx, &rows[i], &c, NULL)) != HF_OK)
			return rc;
		rc = reservation_read(db, ctx->arena, &db_sql_reservation_by_id,
		    id, &t->out->items[k]);
		if (rc != HF_OK)
			return rc == HF_E_NOT_FOUND ? HF_E_DB : rc;
		t->out->items[k].location = lk.takes[k].loc->code;
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
	if (db_count_of(db, ctx->arena, &db_sql_reservation_ref_foreign, p, 2,
	    &rc) != 0) {
		ctx->field = "reference_id";
		ctx->reason = "already used by another owner or by an order, "
		    "loan or hold";
		return HF_E_INV_REF_TAKEN;
	}
	if (rc != HF_OK)
		return rc;
	t->out->n = lk.ntakes;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

struct reserve_trip {
	struct svc_ctx			*ctx;
	const struct reserve_req	*in;
	const char			*lines;	/* trip_lines */
	struct reserve_result		*out;
	int				 done;
};

/*
 * One CALL: the reservations made and committed, or none (done stays 0)
 * when the procedure left the request to the C path.
 */
static int
reserve_trip_fn(struct db *db, void *arg)
{
	struct reserve_trip	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct reservation	*rows;
	struct db_param		 p[6];
	size_t			 i, n;
	int			 rc;

	p[0] = DB_STR(t->lines);
	p[1] = DB_STR(t->in->type);
	p[2] = DB_STR(t->out->reference_id);
	p[3] = DB_INT(t->in->ttl_seconds);
	p[4] = DB_STR(ctx->who->actor);
	p[5] = DB_STR_OR_NULL(ctx->request_id);
	if ((rc = db_rows(db, ctx->arena, &db_sql_reserve_call, p, 6, &rows,
	    &n)) != HF_OK || n == 0)
		return rc;
	for (i = 0; i < n; i++)
		svc_touch(ctx, rows[i].product_id, rows[i].sku);
	t->out->items = rows;
	t->out->n = n;
	t->done = 1;
	return HF_OK;
}

/*
 * Reserves every line or none. Lines of one SKU are summed and the rows
 * locked in SKU order. A shortfall lists every short line in ctx->details.
 * The schema bounds the lines (1 to 100) and ttl_seconds (1 to 86400,
 * its default 900).
 */
int
svc_reserve(struct svc_ctx *ctx, const struct reserve_req *in,
    struct idem *idem, struct reserve_result *out)
{
	struct reserve_txn	 t;
	struct reserve_item	*lines;
	char			 ref[40];
	size_t			 n = 0;
	struct reserve_trip	 tr = { ctx, in, NULL, out, 0 };
	int			 rc;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
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
	/* the plain case in one round trip; a request that stores its
	 * answer (Idempotency-Key) renders it inside the transaction, so it
	 * takes the C path */
	if (svc_unkeyed(idem))
		tr.lines = inv_trip_lines(ctx, lines, n);
	t.ctx = ctx;
	t.in = in;
	t.lines = lines;
	t.n = n;
	t.idem = idem;
	t.out = out;
	return svc_write(ctx, tr.lines != NULL ? reserve_trip_fn : NULL, &tr,
	    &tr.done, reserve_fn, &t);
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
 * May the caller end reservation v this way? HF_OK, or the refusal: 404
 * for another owner's, INV_010 for a flow's, INV_003 for a commit of an
 * expired one (ended by expiry, or past its time), INV_007 for one
 * already ended.
 */
static int
end_check(struct svc_ctx *ctx, const struct reservation *v, int commit)
{
	if (!inv_reservation_visible(ctx, v))
		return HF_E_NOT_FOUND;
	if (strcmp(v->origin, "api") != 0 || strcmp(v->type, "hold") == 0)
		return end_flow_error(ctx, v);
	if (commit && (strcmp(v->status, "expired") == 0 ||
	    (strcmp(v->status, "active") == 0 && v->expired))) {
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
	int			 done;	/* end_trip_fn did it */
};

/* The reservation first without a lock, its stock row, then it locked. */
static int
end_one_fn(struct db *db, void *arg)
{
	struct end_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct stock_row	 s;
	const char		*end = t->commit ? "committed" : "released";
	int			 rc;

	if ((rc = reservation_read(db, ctx->arena, &db_sql_reservation_by_id,
	    t->id, t->one)) != HF_OK)
		return rc;
	if (!inv_reservation_visible(ctx, t->one))
		return HF_E_NOT_FOUND;
	if ((rc = inv_stock_lock(db, ctx->arena, NULL, t->one->product_id,
	    &s)) != HF_OK)
		return rc;
	if ((rc = reservation_read(db, ctx->arena, &db_sql_reservation_lock_id,
	    t->id, t->one)) != HF_OK)
		return rc;
	if ((rc = end_check(ctx, t->one, t->commit)) != HF_OK)
		return rc;
	if ((rc = inv_reservation_finish(db, ctx, &s, t->one, end, end)) !=
	    HF_OK)
		return rc;
	t->one->status = end;
	if ((rc = inv_name_reservations(db, ctx, t->one, 1)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/* The one-trip path (hf_reservation_end): done stays 0 when the
 * procedure left the request to the C path (end_one_fn). */
static int
end_trip_fn(struct db *db, void *arg)
{
	struct end_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct reservation	*row;
	struct db_param		 p[5];
	size_t			 n;
	int			 rc;

	p[0] = DB_INT((long long)t->id);
	p[1] = DB_INT(t->commit);
	p[2] = DB_STR(ctx->who->actor);
	p[3] = DB_INT(ctx->who->role == ROLE_ADMIN);
	p[4] = DB_STR_OR_NULL(ctx->request_id);
	if ((rc = db_rows(db, ctx->arena, &db_sql_reservation_end_call, p, 5,
	    &row, &n)) != HF_OK || n == 0)
		return rc;
	*t->one = *row;
	svc_touch(ctx, row->product_id, row->sku);
	t->done = 1;
	return HF_OK;
}

int
svc_reservation_end(struct svc_ctx *ctx, uint64_t id, int commit,
    struct idem *idem, struct reservation *out)
{
	struct end_txn	t = { ctx, id, NULL, commit, idem, out, NULL, 0 };

	return svc_write(ctx, svc_unkeyed(idem) ? end_trip_fn : NULL, &t,
	    &t.done, end_one_fn, &t);
}

/*
 * Locks the stock rows of the active lines of a reference (SKU order),
 * then the lines themselves, into *rows (arena) and *n. A line that
 * appeared on another product in between makes the transaction start
 * over (HF_E_DEADLOCK: db_txn retries it), so no reservation is ever
 * locked before its stock.
 */
int
inv_lock_ref_lines(struct db *db, struct svc_ctx *ctx, const char *ref,
    struct reservation **rows, size_t *n)
{
	struct db_param		 p[1] = { DB_STR(ref) };
	struct reservation	*seen;
	struct stock_row	 s;
	uint64_t		*pids;
	size_t			 i, j, nseen, npids = 0;
	int			 rc;

	if ((rc = db_rows(db, ctx->arena, &db_sql_reservation_of_ref, p, 1,
	    &seen, &nseen)) != HF_OK)
		return rc;
	if ((pids = arena_calloc(ctx->arena, nseen + 1,
	    sizeof(*pids))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < nseen; i++) {
		if (npids > 0 && pids[npids - 1] == seen[i].product_id)
			continue;	/* rows come in SKU order */
		if ((rc = inv_stock_lock(db, ctx->arena, NULL,
		    seen[i].product_id, &s)) != HF_OK)
			return rc;
		pids[npids++] = seen[i].product_id;
	}
	if ((rc = db_rows(db, ctx->arena, &db_sql_reservation_lock_ref, p, 1,
	    rows, n)) != HF_OK)
		return rc;
	for (i = 0; i < *n; i++) {
		for (j = 0; j < npids && pids[j] != (*rows)[i].product_id; j++)
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
	struct reservation	*v;
	struct stock_row	 s;
	const char		*end = t->commit ? "committed" : "released";
	size_t			 i, n;
	int			 rc;

	if ((rc = inv_lock_ref_lines(db, ctx, t->reference_id, &v, &n)) !=
	    HF_OK)
		return rc;
	if (n == 0) {
		ctx->message = arena_printf(ctx->arena, "no active "
		    "reservation for reference %s", t->reference_id);
		return HF_E_INV_NOT_ACTIVE;
	}
	for (i = 0; i < n; i++)
		if ((rc = end_check(ctx, &v[i], t->commit)) != HF_OK)
			return rc;	/* another owner's: 404 */
	for (i = 0; i < n; i++) {
		/* locked already: this reads the row's current values */
		if ((rc = inv_stock_lock(db, ctx->arena, NULL,
		    v[i].product_id, &s)) != HF_OK)
			return rc;
		if ((rc = inv_reservation_finish(db, ctx, &s, &v[i], end,
		    end)) != HF_OK)
			return rc;
		v[i].status = end;
	}
	if ((rc = inv_name_reservations(db, ctx, v, n)) != HF_OK)
		return rc;
	t->many->reference_id = t->reference_id;
	t->many->items = v;
	t->many->n = n;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/* The one-trip path (hf_reference_end): done stays 0 when the procedure
 * left the request to the C path (end_ref_fn). */
static int
end_ref_trip_fn(struct db *db, void *arg)
{
	struct end_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct reservation	*rows;
	struct db_param		 p[5];
	size_t			 i, n;
	int			 rc;

	p[0] = DB_STR(t->reference_id);
	p[1] = DB_INT(t->commit);
	p[2] = DB_STR(ctx->who->actor);
	p[3] = DB_INT(ctx->who->role == ROLE_ADMIN);
	p[4] = DB_STR_OR_NULL(ctx->request_id);
	if ((rc = db_rows(db, ctx->arena, &db_sql_reference_end_call, p, 5,
	    &rows, &n)) != HF_OK || n == 0)
		return rc;
	for (i = 0; i < n; i++)
		svc_touch(ctx, rows[i].product_id, rows[i].sku);
	t->many->reference_id = t->reference_id;
	t->many->items = rows;
	t->many->n = n;
	t->done = 1;
	return HF_OK;
}

int
svc_reference_end(struct svc_ctx *ctx, const char *reference_id, int commit,
    struct idem *idem, struct reserve_result *out)
{
	struct end_txn	t = { ctx, 0, reference_id, commit, idem, NULL, out, 0 };

	memset(out, 0, sizeof(*out));
	return svc_write(ctx, svc_unkeyed(idem) ? end_ref_trip_fn : NULL, &t,
	    &t.done, end_ref_fn, &t);
}

int
svc_reservation_get(struct svc_ctx *ctx, uint64_t id, struct reservation *v)
{
	int	rc;

	if ((rc = reservation_read(ctx->app->db, ctx->arena,
	    &db_sql_reservation_by_id, id, v)) != HF_OK)
		return rc;
	if (!inv_reservation_visible(ctx, v))
		return HF_E_NOT_FOUND;
	return inv_name_reservations(ctx->app->db, ctx, v, 1);
}
