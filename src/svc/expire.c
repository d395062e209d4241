/*
 * expire.c: holdfast-expire's reservations: every active reservation past
 * its time is released (a `release` row with reason `expired`), or, for a
 * hold's, lapses with its hold and passes its unit to the next in line.
 * A taker frees the expired units of a row it locks on its own
 * (inv_free_expired, stock.c), so nothing waits for this cron.
 *
 * Two ways: every type but holds' in bulk, a chunk of products per short
 * transaction (svc_expire_bulk, below: issue 13 item 7); holds' one per
 * transaction (svc_expire_due), as each lapse may pass a unit on.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/db.h"
#include "holdfast/db_sweep.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* Expires one reservation if it is still active and past its time. */
static int
expire_one_fn(struct db *db, void *arg)
{
	struct sweep_item	*t = arg;
	struct db_param		 p[1] = { DB_INT((long long)t->id) };
	struct reservation	 v;
	struct stock_row	 s;
	int			 rc, found;

	t->done = 0;
	/* lock order: the stock row, then the reservation (reservations.c) */
	if ((rc = db_row(db, t->ctx->arena, &db_sql_reservation_by_id, p, 1,
	    &v, &found)) != HF_OK || !found)
		return rc;
	if ((rc = inv_stock_lock(db, t->ctx->arena, NULL, v.product_id,
	    &s)) != HF_OK)
		return rc;
	if ((rc = db_row(db, t->ctx->arena, &db_sql_reservation_lock_id, p, 1,
	    &v, &found)) != HF_OK || !found)
		return rc;
	if (strcmp(v.status, "active") != 0 || !v.expired)
		return HF_OK;	/* committed, released or renewed meanwhile */
	/* a hold's lapses and passes its unit on, as lapse_fn (holds.c) */
	if ((rc = inv_expire_by_type(db, t->ctx, &s, &v)) != HF_OK)
		return rc;
	t->done = 1;
	if (strcmp(v.type, "hold") == 0)
		return inv_queue_pass(db, t->ctx, &s);
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

/* --- the batched sweep (issue 13 item 7) ------------------------------ */

/*
 * Products per transaction. Its locks are held for a few round trips; a
 * taker meets one of them with the odds of 64 in the catalogue's size.
 */
#define SWEEP_PRODUCTS	64
/* products listed per round (db_sql_sweep_due), and rounds per run */
#define SWEEP_LIST	50000
#define SWEEP_ROUNDS	1000

/* One transaction's products: due[0..n), SKU order. */
struct sweep_chunk {
	struct svc_ctx		*ctx;
	const struct sweep_due	*due;
	size_t			 n;
	int			 cap;	/* reservations at most */
	unsigned		 freed;
	/* the products it changed, for the cache after COMMIT */
	uint64_t		 pid[SWEEP_PRODUCTS];
	const char		*sku[SWEEP_PRODUCTS];
	size_t			 ntouched;
};

/* The locked place (pid, lid) among pl[0..n), or NULL. */
static struct stock_place *
sweep_place(struct stock_place *pl, size_t n, uint64_t pid, uint64_t lid)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (pl[i].product_id == pid && pl[i].location_id == lid)
			return &pl[i];
	return NULL;
}

/* An affected-row count that must be n, else HF_E_DB (rows are locked). */
static int
sweep_exec(struct db *db, struct db_sql *q, const struct db_param *p,
    size_t np, uint64_t n)
{
	uint64_t	done = 0;
	int		rc;

	if ((rc = db_exec(db, q, p, np, &done, NULL)) != HF_OK)
		return rc;
	if (done != n) {
		log_error(NULL, "holdfast-expire: \"%.60s\": %llu rows, "
		    "not %llu", q->text, (unsigned long long)done,
		    (unsigned long long)n);
		return HF_E_DB;
	}
	return HF_OK;
}

/*
 * The stock rows' new values, as inv_stock_change writes them: reserved,
 * and low_state, which a release lowers with the level; a level worse
 * than low_state (thresholds raised since) writes its stock.low or
 * stock.out event and becomes low_state. JSON lines into b; *n counts.
 */
static int
sweep_stock_lines(struct db *db, struct sweep_chunk *t, struct stock_row *s,
    const int *dirty, size_t ns, struct hf_buf *b, uint64_t *n)
{
	const char	*level, *low;
	size_t		 i;
	int		 rc;

	for (i = 0; i < ns; i++) {
		if (!dirty[i])
			continue;
		if (s[i].reserved < 0 || s[i].reserved > s[i].on_hand)
			return HF_E_INV_INSUFFICIENT;
		s[i].available = s[i].on_hand - s[i].reserved;
		level = inv_stock_level(s[i].available, s[i].warning_threshold,
		    s[i].critical_threshold);
		low = s[i].low_state;
		if (inv_level_rank(level) != inv_level_rank(low)) {
			s[i].level = level;
			s[i].low_state = level;
			if (inv_level_rank(level) > inv_level_rank(low) &&
			    (rc = inv_stock_event(db, t->ctx, &s[i],
			    strcmp(level, "out") == 0 ? "stock.out" :
			    "stock.low")) != HF_OK)
				return rc;
		}
		hf_buf_printf(b, "%s[%llu,%lld,\"%s\"]", *n > 0 ? "," : "",
		    (unsigned long long)s[i].product_id, s[i].reserved,
		    s[i].low_state);
		(*n)++;
		t->pid[t->ntouched] = s[i].product_id;
		t->sku[t->ntouched++] = s[i].sku;
	}
	return HF_OK;
}

/* The chunk's product ids as a JSON array, SKU order. */
static const char *
sweep_ids(struct arena *a, const struct sweep_due *due, size_t n)
{
	struct hf_buf	b;
	size_t		i;

	hf_buf_init(&b, a, 0);
	hf_buf_puts(&b, "[");
	for (i = 0; i < n; i++)
		hf_buf_printf(&b, "%s%llu", i > 0 ? "," : "",
		    (unsigned long long)due[i].product_id);
	hf_buf_puts(&b, "]");
	return b.toobig ? NULL : b.p;
}

/*
 * One chunk, one transaction, nine round trips with BEGIN and COMMIT
 * whatever its size: its stock rows locked in SKU order (the lock order:
 * docs/internals.md), then its places, then its expired reservations
 * other than holds' (up to cap); each ends `expired` with a `release`
 * ledger row (reason `expired`, the location's after-values), and the
 * places and stock rows take their new values: what inv_expire_by_type
 * does to each, four statements for the chunk.
 */
static int
sweep_chunk_fn(struct db *db, void *arg)
{
	struct sweep_chunk	*t = arg;
	struct arena		*a = t->ctx->arena;
	struct stock_row	*s;
	struct stock_place	*pl, *p;
	struct sweep_res	*r;
	struct db_param		 q[3];
	struct hf_buf		 ends, rows, places, stock;
	const char		*ids;
	size_t			 i, k, npl, nr, ns;
	uint64_t		 nplw = 0, nsw = 0;
	int			*dirty, *pdirty, rc;

	t->freed = 0;
	t->ntouched = 0;
	if ((ids = sweep_ids(a, t->due, t->n)) == NULL)
		return HF_E_SYS_INTERNAL;
	q[0] = DB_STR(ids);
	if ((rc = db_rows(db, a, &db_sql_sweep_stock_lock, q, 1, &s, &ns)) !=
	    HF_OK || ns == 0)
		return rc;
	if ((rc = db_rows(db, a, &db_sql_sweep_places, q, 1, &pl, &npl)) !=
	    HF_OK)
		return rc;
	q[1] = DB_INT(t->cap);
	if ((rc = db_rows(db, a, &db_sql_sweep_lock, q, 2, &r, &nr)) != HF_OK ||
	    nr == 0)
		return rc;
	dirty = arena_calloc(a, ns + 1, sizeof(*dirty));
	pdirty = arena_calloc(a, npl + 1, sizeof(*pdirty));
	if (dirty == NULL || pdirty == NULL)
		return HF_E_SYS_INTERNAL;
	hf_buf_init(&ends, a, 0);
	hf_buf_init(&rows, a, 0);
	hf_buf_puts(&ends, "[");
	hf_buf_puts(&rows, "[");
	for (i = 0; i < nr; i++) {
		for (k = 0; k < ns && s[k].product_id != r[i].product_id; k++)
			;
		p = sweep_place(pl, npl, r[i].product_id, r[i].location_id);
		if (k == ns || p == NULL) {
			log_error(NULL, "holdfast-expire: reservation %llu: no "
			    "place %llu/%llu", (unsigned long long)r[i].id,
			    (unsigned long long)r[i].product_id,
			    (unsigned long long)r[i].location_id);
			return HF_E_SYS_INTERNAL;
		}
		p->reserved -= r[i].quantity;
		s[k].reserved -= r[i].quantity;
		if (p->reserved < 0 || r[i].quantity <= 0)
			return HF_E_INV_INSUFFICIENT;
		pdirty[p - pl] = 1;
		dirty[k] = 1;
		hf_buf_printf(&ends, "%s%llu", i > 0 ? "," : "",
		    (unsigned long long)r[i].id);
		hf_buf_printf(&rows, "%s[%llu,%llu,%llu,%lld,%lld,%lld]",
		    i > 0 ? "," : "", (unsigned long long)r[i].id,
		    (unsigned long long)r[i].product_id,
		    (unsigned long long)r[i].location_id, r[i].quantity,
		    p->on_hand, p->reserved);
	}
	hf_buf_puts(&ends, "]");
	hf_buf_puts(&rows, "]");
	hf_buf_init(&places, a, 0);
	hf_buf_puts(&places, "[");
	for (i = 0; i < npl; i++)
		if (pdirty[i])
			hf_buf_printf(&places, "%s[%llu,%llu,%lld]",
			    nplw++ > 0 ? "," : "",
			    (unsigned long long)pl[i].product_id,
			    (unsigned long long)pl[i].location_id,
			    pl[i].reserved);
	hf_buf_puts(&places, "]");
	hf_buf_init(&stock, a, 0);
	hf_buf_puts(&stock, "[");
	if ((rc = sweep_stock_lines(db, t, s, dirty, ns, &stock, &nsw)) !=
	    HF_OK)
		return rc;
	hf_buf_puts(&stock, "]");
	if (ends.toobig || rows.toobig || places.toobig || stock.toobig)
		return HF_E_SYS_INTERNAL;
	q[0] = DB_STR(ends.p);
	if ((rc = sweep_exec(db, &db_sql_sweep_end, q, 1, nr)) != HF_OK)
		return rc;
	q[0] = DB_STR(t->ctx->who->actor);
	q[1] = DB_STR_OR_NULL(t->ctx->request_id);
	q[2] = DB_STR(rows.p);
	if ((rc = sweep_exec(db, &db_sql_sweep_ledger, q, 3, nr)) != HF_OK)
		return rc;
	q[0] = DB_STR(places.p);
	if ((rc = sweep_exec(db, &db_sql_sweep_place_write, q, 1, nplw)) !=
	    HF_OK)
		return rc;
	q[0] = DB_STR(stock.p);
	if ((rc = sweep_exec(db, &db_sql_sweep_stock_write, q, 1, nsw)) !=
	    HF_OK)
		return rc;
	t->freed = (unsigned)nr;
	return HF_OK;
}

/*
 * holdfast-expire's reservations other than holds', in bulk: the
 * products that have some past expires_at are listed in SKU order and
 * taken in chunks of up to SWEEP_PRODUCTS products and batch
 * reservations, one short transaction each (sweep_chunk_fn), until none
 * is left; after each COMMIT the chunk's cache entries go. A crash
 * between chunks leaves every chunk before it whole and the rest
 * untouched: the next run goes on. Safe against takers, commits and a
 * second copy: each chunk re-reads its reservations under its stock
 * rows' locks. *released counts the reservations ended, *skipped those
 * listed that another process ended first. Returns HF_OK or minus an
 * hf_err.
 */
int
svc_expire_bulk(struct app *app, int batch, unsigned *released,
    unsigned *skipped)
{
	struct principal	 who;
	struct arena		 a, wa;
	struct svc_ctx		 ctx;
	struct sweep_chunk	 t;
	struct db_param		 p[1] = { DB_INT(SWEEP_LIST) };
	struct sweep_due	*due;
	size_t			 i, j, n;
	long long		 sum;
	unsigned		 round_freed;
	int			 rc = HF_OK, round;

	*released = 0;
	*skipped = 0;
	arena_init(&a, 0);
	arena_init(&wa, 0);
	svc_cli_ctx(app, &wa, &who, &ctx, "cron:holdfast-expire");
	if ((rc = db_ensure(app->db)) != HF_OK)
		goto done;
	for (round = 0; round < SWEEP_ROUNDS; round++) {
		arena_reset(&a);
		if ((rc = db_rows(app->db, &a, &db_sql_sweep_due, p, 1, &due,
		    &n)) != HF_OK || n == 0)
			break;
		round_freed = 0;
		for (i = 0; i < n; i = j) {
			sum = due[i].n;
			for (j = i + 1; j < n && j - i < SWEEP_PRODUCTS &&
			    sum + due[j].n <= batch; j++)
				sum += due[j].n;
			memset(&t, 0, sizeof(t));
			t.ctx = &ctx;
			t.due = &due[i];
			t.n = j - i;
			t.cap = batch;
			rc = db_txn(app->db, sweep_chunk_fn, &t);
			if (rc == HF_OK && t.ntouched > 0)
				svc_invalidate(&ctx, t.pid, t.sku, t.ntouched);
			svc_details_clear(&ctx);	/* they live in wa */
			arena_reset(&wa);
			if (rc != HF_OK)
				goto done;
			*released += t.freed;
			round_freed += t.freed;
			if (sum <= batch && t.freed < sum)
				*skipped += (unsigned)(sum - t.freed);
		}
		if (round_freed == 0)
			break;
	}
done:
	arena_free(&wa);
	arena_free(&a);
	return rc == HF_OK ? HF_OK : -rc;
}
