/*
 * expire.c: holdfast-expire's reservations: every active reservation past
 * its time is released (a `release` row with reason `expired`), or, for a
 * hold's, lapses with its hold and passes its unit to the next in line.
 * A taker frees the expired units of a row it locks on its own
 * (inv_free_expired, stock.c), so nothing waits for this cron.
 */
#include <string.h>

#include "holdfast/db.h"
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
