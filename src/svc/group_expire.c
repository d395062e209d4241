/*
 * group_expire.c: holdfast-expire's step for group buys (issue 15 item 4):
 * an open group past its deadline fails. Every member's order is
 * cancelled (its units released, naming it: order_end_unpaid), each paid
 * seat turns refund_due, group.failed is written, all in one transaction
 * per group.
 *
 * Locks: every open seat's order row first (order id order), then each
 * one's stock row and reservations, then the group: the order of paying
 * one, so a payment or an order expiry racing it waits on an order row,
 * never on a stock row held here.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/orders.h"
#include "grp_int.h"
#include "inv_int.h"
#include "ord_int.h"

/* An open seat: it holds a unit (pending or paid). */
static int
seat_open(const struct grp_member *m)
{
	return strcmp(m->state, "pending") == 0 ||
	    strcmp(m->state, "paid") == 0;
}

/*
 * Fails group t->id if it is still open past its deadline: every member
 * order is cancelled (its units released, naming it), each paid seat
 * marked refund_due, group.failed written. Locks: the members' orders
 * (order id order), their stock and reservations, then the group; a seat
 * taken meanwhile (not among the locked) leaves it to the next run.
 */
static int
fail_fn(struct db *db, void *arg)
{
	struct sweep_item	 *t = arg;
	struct svc_ctx		 *ctx = t->ctx;
	struct grp_member	 *ms, *now;
	struct order		 *os;
	struct reservation	**res;
	struct grp_lock		  lk;
	struct grp_event	  e;
	struct db_param		  p[4];
	const char		 *ids = "[", *due = "[";
	size_t			 *nres, i, k, n, nnow;
	int			  found, rc;

	t->done = 0;
	p[0] = DB_INT((long long)t->id);
	if ((rc = db_rows(db, ctx->arena, &db_sql_grp_members, p, 1, &ms,
	    &n)) != HF_OK)
		return rc;
	if ((os = arena_calloc(ctx->arena, n + 1, sizeof(*os))) == NULL ||
	    (res = arena_calloc(ctx->arena, n + 1, sizeof(*res))) == NULL ||
	    (nres = arena_calloc(ctx->arena, n + 1, sizeof(*nres))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < n; i++)
		if (seat_open(&ms[i]) && (rc = order_load(db, ctx->arena,
		    ms[i].order_id, 1, &os[i])) != HF_OK)
			return rc;
	for (i = 0; i < n; i++)
		if (seat_open(&ms[i]) && (rc = inv_lock_ref_lines(db, ctx,
		    os[i].reference_id, &res[i], &nres[i])) != HF_OK)
			return rc;
	if ((rc = grp_lock_row(db, ctx->arena, t->id, &lk, &found)) != HF_OK ||
	    !found)
		return rc;
	if (strcmp(lk.state, "open") != 0 || !lk.past)
		return HF_OK;	/* another run, or a payment, ended it */
	/* the seats again, under the group's lock */
	if ((rc = db_rows(db, ctx->arena, &db_sql_grp_members, p, 1, &now,
	    &nnow)) != HF_OK)
		return rc;
	for (k = 0; k < nnow; k++) {
		for (i = 0; i < n; i++)
			if (ms[i].order_id == now[k].order_id)
				break;
		if (seat_open(&now[k]) && (i == n || !seat_open(&ms[i])))
			return HF_OK;	/* not locked: the next run */
	}
	for (k = 0; k < nnow; k++) {
		if (!seat_open(&now[k]))
			continue;
		for (i = 0; i < n && ms[i].order_id != now[k].order_id; i++)
			;
		if (strcmp(now[k].state, "paid") == 0) {
			if ((rc = grp_member_set(db, now[k].order_id, "paid",
			    "refund_due")) != HF_OK)
				return rc;
			due = grp_ids_add(ctx->arena, due, now[k].order_id);
		} else if ((rc = grp_member_set(db, now[k].order_id, "pending",
		    "cancelled")) != HF_OK)
			return rc;
		ids = grp_ids_add(ctx->arena, ids, now[k].order_id);
		if (strcmp(os[i].status, "pending_payment") != 0 &&
		    strcmp(os[i].status, "paid") != 0)
			continue;	/* cannot be: a seat is open */
		if ((rc = order_end_unpaid(db, ctx, &os[i], res[i], nres[i],
		    "cancelled")) != HF_OK)
			return rc;
	}
	p[0] = DB_STR("failed");
	p[1] = DB_STR("failed");
	p[2] = DB_STR("failed");
	p[3] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_grp_set_state, p, 4, NULL, NULL)) !=
	    HF_OK)
		return rc;
	memset(&e, 0, sizeof(e));
	e.group_id = t->id;
	e.campaign_id = lk.campaign_id;
	e.size = lk.size;
	e.joined = lk.joined;
	e.paid = lk.paid;
	e.order_id = HF_NULL_INT;
	if ((e.orders = grp_ids_end(ctx->arena, ids)) == NULL ||
	    (e.refund_due = grp_ids_end(ctx->arena, due)) == NULL)
		return HF_E_SYS_INTERNAL;
	if ((rc = grp_event_write(db, ctx, "group.failed", &e)) != HF_OK)
		return rc;
	t->done = 1;
	return HF_OK;
}

int
svc_grp_fail_due(struct app *app, int batch, int dry_run, unsigned *failed,
    unsigned *skipped)
{
	struct sweep_stats	st;
	int			rc;

	rc = svc_sweep(app, &db_sql_grp_due, batch, dry_run, fail_fn, &st);
	*failed = st.done;
	*skipped = st.skipped;
	return rc;
}
