/*
 * group_orders.c: a group buy's orders (issue 15 item 4): the hooks the
 * order flow calls inside its transaction (orders.c, order_state.c).
 *
 * A join is an order of one unit at the group's price. Its seat is taken
 * under the group's row lock (and its campaign's, so that the limit per
 * customer holds across the campaign's groups), after the order's stock
 * rows: the lock order of every order. Paying a member turns its order
 * paid but keeps its reservation active, to a week past the deadline
 * (holdfast-expire's reservation sweep must not end it); the payment that
 * brings the paid members to the size commits every member's reservation
 * (a deduct naming each order) and writes group.succeeded. Failing a
 * group is group_expire.c. Nothing here calls the order files (they
 * call it).
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/orders.h"
#include "holdfast/outbox.h"
#include "holdfast/groups.h"
#include "inv_int.h"
#include "grp_int.h"

static const struct hf_field grp_event_fields[] = {
	HF_FIELD(struct grp_event, group_id, HF_K_U64),
	HF_FIELD(struct grp_event, campaign_id, HF_K_U64),
	HF_FIELD(struct grp_event, size, HF_K_INT),
	HF_FIELD(struct grp_event, joined, HF_K_INT),
	HF_FIELD(struct grp_event, paid, HF_K_INT),
	HF_FIELDF(struct grp_event, order_id, HF_K_INT, HF_F_NULL),
	HF_FIELDF(struct grp_event, orders, HF_K_JSON, HF_F_NULL),
	HF_FIELDF(struct grp_event, refund_due, HF_K_JSON, HF_F_NULL),
};

int
grp_event_write(struct db *db, struct svc_ctx *ctx, const char *type,
    const struct grp_event *e)
{
	const char	*data;

	if ((data = hf_fields_text(ctx->arena, grp_event_fields,
	    HF_NITEMS(grp_event_fields), e)) == NULL)
		return HF_E_SYS_INTERNAL;
	return outbox_event_text(db, type, data, ctx->request_id);
}

/* Appends id to a JSON array text being built ("[" to start). */
const char *
grp_ids_add(struct arena *a, const char *t, uint64_t id)
{
	if (t == NULL)
		return NULL;
	return arena_printf(a, "%s%s%llu", t, t[1] != '\0' ? "," : "",
	    (unsigned long long)id);
}

const char *
grp_ids_end(struct arena *a, const char *t)
{
	return t != NULL ? arena_printf(a, "%s]", t) : NULL;
}

static int
refuse(struct svc_ctx *ctx, int code, const char *msg)
{
	ctx->message = msg;
	return code;
}

int
grp_member_set(struct db *db, uint64_t oid, const char *from, const char *to)
{
	struct db_param	p[4];

	p[0] = DB_STR(to);
	p[1] = DB_STR(to);
	p[2] = DB_INT((long long)oid);
	p[3] = DB_STR(from);
	return db_exec(db, &db_sql_grp_member_set, p, 4, NULL, NULL);
}

int
grp_counts(struct db *db, uint64_t gid, long long joined, long long paid)
{
	struct db_param	p[3];

	p[0] = DB_INT(joined);
	p[1] = DB_INT(paid);
	p[2] = DB_INT((long long)gid);
	return db_exec(db, &db_sql_grp_counts, p, 3, NULL, NULL);
}

/* The seat of order oid (*found 0: none). No lock. */
int
grp_member_of(struct db *db, struct arena *a, uint64_t oid,
    struct grp_member *m, int *found)
{
	struct db_param	p[1] = { DB_INT((long long)oid) };

	return db_row(db, a, &db_sql_grp_member_of, p, 1, m, found);
}

int
grp_lock_row(struct db *db, struct arena *a, uint64_t gid, struct grp_lock *lk,
    int *found)
{
	struct db_param	p[1] = { DB_INT((long long)gid) };

	return db_row(db, a, &db_sql_grp_lock, p, 1, lk, found);
}

/* --- joining -------------------------------------------------------- */

/*
 * A new order oid (its one line reserved) takes a seat: in a new group of
 * j->campaign_id, or in group j->group_id. Its lines are repriced at the
 * group's price, its TTL cut to the group's deadline, group.joined
 * written. GRP_001..GRP_005 refuse it (the caller rolls back).
 */
int
grp_order_reserve(struct db *db, struct svc_ctx *ctx, uint64_t oid,
    struct grp_join *j)
{
	struct grp_lock		lk;
	struct grp_event	e;
	struct db_param		p[4];
	const char		*price;
	long long		n;
	uint64_t		gid;
	int			found, rc;

	svc_details_clear(ctx);
	if (j->campaign_id != 0) {
		p[0] = DB_INT((long long)j->campaign_id);
		if ((rc = db_row(db, ctx->arena, &db_sql_grp_campaign_lock, p,
		    1, &lk, &found)) != HF_OK)
			return rc;
		if (!found)
			return refuse(ctx, HF_E_GRP_NO_CAMPAIGN, "no such group "
			    "buy");
		svc_detail_int(ctx, "campaign_id", (long long)lk.campaign_id);
		if (!lk.active || lk.past) {
			svc_detail_str(ctx, "deadline", lk.deadline);
			return refuse(ctx, HF_E_GRP_CLOSED, !lk.active ? "this "
			    "group buy was stopped" : "this group buy's "
			    "deadline has passed");
		}
	} else {
		if ((rc = grp_lock_row(db, ctx->arena, j->group_id, &lk,
		    &found)) != HF_OK)
			return rc;
		if (!found)
			return refuse(ctx, HF_E_GRP_NO_GROUP, "no such group");
		svc_detail_int(ctx, "group_id", (long long)lk.group_id);
		if (strcmp(lk.state, "open") != 0 || lk.past) {
			svc_detail_str(ctx, "state", lk.state);
			svc_detail_str(ctx, "deadline", lk.deadline);
			return refuse(ctx, HF_E_GRP_CLOSED, strcmp(lk.state,
			    "open") != 0 ? arena_printf(ctx->arena, "this "
			    "group has %s", lk.state) : "this group's "
			    "deadline has passed");
		}
		if (lk.joined >= lk.size) {
			svc_detail_int(ctx, "size", lk.size);
			return refuse(ctx, HF_E_GRP_FULL, "every seat of this "
			    "group is taken");
		}
	}
	if (lk.per_user > 0) {
		p[0] = DB_INT((long long)lk.campaign_id);
		p[1] = DB_STR(ctx->who->actor);
		n = db_count_of(db, ctx->arena, &db_sql_grp_actor_count, p, 2,
		    &rc);
		if (rc != HF_OK)
			return rc;
		if (n >= lk.per_user) {
			svc_detail_int(ctx, "per_user", lk.per_user);
			return refuse(ctx, HF_E_GRP_LIMIT, arena_printf(
			    ctx->arena, "this group buy allows %lld seat(s) "
			    "per customer", lk.per_user));
		}
	}
	gid = lk.group_id;
	if (gid == 0) {
		p[0] = DB_STR(ctx->who->actor);
		p[1] = DB_INT((long long)lk.campaign_id);
		if ((rc = db_exec(db, &db_sql_grp_insert, p, 2, NULL, &gid)) !=
		    HF_OK)
			return rc;
	}
	p[0] = DB_INT((long long)oid);
	p[1] = DB_INT((long long)gid);
	p[2] = DB_INT((long long)lk.campaign_id);
	p[3] = DB_STR(ctx->who->actor);
	if ((rc = db_exec(db, &db_sql_grp_member_insert, p, 4, NULL, NULL)) !=
	    HF_OK || (rc = grp_counts(db, gid, 1, 0)) != HF_OK)
		return rc;
	price = arena_printf(ctx->arena, "%lld.%02lld", lk.price_cents / 100,
	    lk.price_cents % 100);
	p[0] = DB_STR(price);
	p[1] = DB_STR(price);
	p[2] = DB_INT((long long)oid);
	if ((rc = db_exec(db, &db_sql_grp_order_price, p, 3, NULL, NULL)) !=
	    HF_OK)
		return rc;
	p[0] = DB_INT((long long)oid);
	p[1] = DB_INT((long long)oid);
	if ((rc = db_exec(db, &db_sql_grp_order_total, p, 2, NULL, NULL)) !=
	    HF_OK)
		return rc;
	p[0] = DB_INT((long long)gid);
	p[1] = DB_INT((long long)oid);
	if ((rc = db_exec(db, &db_sql_grp_order_expiry, p, 2, NULL, NULL)) !=
	    HF_OK)
		return rc;
	p[0] = DB_INT((long long)oid);
	if ((rc = db_exec(db, &db_sql_grp_res_expiry, p, 1, NULL, NULL)) !=
	    HF_OK)
		return rc;
	memset(&e, 0, sizeof(e));
	e.group_id = gid;
	e.campaign_id = lk.campaign_id;
	e.size = lk.size;
	e.joined = lk.joined + 1;
	e.paid = lk.paid;
	e.order_id = (long long)oid;
	e.orders = e.refund_due = NULL;
	svc_details_clear(ctx);
	j->out_group = gid;
	return grp_event_write(db, ctx, "group.joined", &e);
}

/* --- paying ---------------------------------------------------------- */

/*
 * Commits the active reservations of another member's paid order (its
 * stock row is the locked product's; its reservations are locked here).
 */
static int
commit_member(struct db *db, struct svc_ctx *ctx, const struct grp_member *m)
{
	struct reservation	*res;
	struct stock_row	 s;
	const char		*oid;
	size_t			 i, n;
	int			 rc;

	oid = arena_printf(ctx->arena, "%llu", (unsigned long long)m->order_id);
	if ((rc = inv_lock_ref_lines(db, ctx, m->reference_id, &res, &n)) !=
	    HF_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = inv_stock_lock(db, ctx->arena, NULL,
		    res[i].product_id, &s)) != HF_OK)
			return rc;
		if ((rc = inv_reservation_finish_as(db, ctx, &s, &res[i],
		    "committed", "paid", "order", oid)) != HF_OK)
			return rc;
	}
	return HF_OK;
}

/*
 * A locked member order o is being paid (its reservations locked): its
 * seat turns paid. *defer 1: order_pay must not commit its reservations
 * (the group is still short of paid members); 0 when o is no group's, or
 * when this payment completes the group: every other member's
 * reservations are committed here, o's by order_pay, group.succeeded.
 */
int
grp_order_paid(struct db *db, struct svc_ctx *ctx, const struct order *o,
    int *defer)
{
	struct grp_member	 m, *ms;
	struct grp_lock		 lk;
	struct grp_event	 e;
	struct db_param		 p[4];
	const char		*ids = "[";
	size_t			 i, n;
	int			 found, rc;

	*defer = 0;
	if ((rc = grp_member_of(db, ctx->arena, o->id, &m, &found)) != HF_OK ||
	    !found)
		return rc;
	if ((rc = grp_lock_row(db, ctx->arena, m.group_id, &lk, &found)) !=
	    HF_OK)
		return rc;
	if (!found || strcmp(lk.state, "open") != 0 ||
	    strcmp(m.state, "pending") != 0) {
		svc_details_clear(ctx);
		svc_detail_int(ctx, "group_id", (long long)m.group_id);
		return refuse(ctx, HF_E_GRP_CLOSED, "this order's group is "
		    "no longer open");
	}
	if ((rc = grp_member_set(db, o->id, "pending", "paid")) != HF_OK ||
	    (rc = grp_counts(db, m.group_id, 0, 1)) != HF_OK)
		return rc;
	if (lk.paid + 1 < lk.size) {
		p[0] = DB_INT((long long)o->id);
		*defer = 1;
		return db_exec(db, &db_sql_grp_res_extend, p, 1, NULL, NULL);
	}
	/* the last seat paid: paid == joined == size, no unpaid member */
	p[0] = DB_INT((long long)m.group_id);
	if ((rc = db_rows(db, ctx->arena, &db_sql_grp_members, p, 1, &ms,
	    &n)) != HF_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (strcmp(ms[i].state, "paid") != 0)
			continue;	/* cancelled or expired seats */
		if (ms[i].order_id != o->id &&
		    (rc = commit_member(db, ctx, &ms[i])) != HF_OK)
			return rc;
		if ((rc = grp_member_set(db, ms[i].order_id, "paid",
		    "succeeded")) != HF_OK)
			return rc;
		ids = grp_ids_add(ctx->arena, ids, ms[i].order_id);
	}
	p[0] = DB_STR("succeeded");
	p[1] = DB_STR("succeeded");
	p[2] = DB_STR("succeeded");
	p[3] = DB_INT((long long)m.group_id);
	if ((rc = db_exec(db, &db_sql_grp_set_state, p, 4, NULL, NULL)) !=
	    HF_OK)
		return rc;
	memset(&e, 0, sizeof(e));
	e.group_id = m.group_id;
	e.campaign_id = m.campaign_id;
	e.size = e.joined = e.paid = lk.size;
	e.order_id = HF_NULL_INT;
	if ((e.orders = grp_ids_end(ctx->arena, ids)) == NULL)
		return HF_E_SYS_INTERNAL;
	e.refund_due = NULL;
	return grp_event_write(db, ctx, "group.succeeded", &e);
}

/*
 * A locked unpaid member order ended (to: cancelled or expired): its seat
 * is given back. Nothing for a seat the group's failure already ended.
 */
int
grp_order_end(struct db *db, struct svc_ctx *ctx, const struct order *o,
    const char *to)
{
	struct grp_member	m;
	struct grp_lock		lk;
	int			found, rc;

	if ((rc = grp_member_of(db, ctx->arena, o->id, &m, &found)) != HF_OK ||
	    !found || strcmp(m.state, "pending") != 0)
		return rc;
	if ((rc = grp_lock_row(db, ctx->arena, m.group_id, &lk, &found)) !=
	    HF_OK)
		return rc;
	if ((rc = grp_member_set(db, o->id, "pending", strcmp(to, "expired") ==
	    0 ? "expired" : "cancelled")) != HF_OK)
		return rc;
	return grp_counts(db, m.group_id, -1, 0);
}

/*
 * Refunding or fulfilling a paid order: a member's only once its group
 * succeeded (before that its units were never deducted). GRP_006.
 */
int
grp_order_settled(struct db *db, struct svc_ctx *ctx, const struct order *o)
{
	struct grp_member	m;
	int			found, rc;

	if ((rc = grp_member_of(db, ctx->arena, o->id, &m, &found)) != HF_OK ||
	    !found || strcmp(m.state, "succeeded") == 0)
		return rc;
	svc_details_clear(ctx);
	svc_detail_int(ctx, "order_id", (long long)o->id);
	svc_detail_int(ctx, "group_id", (long long)m.group_id);
	svc_detail_str(ctx, "seat", m.state);
	return refuse(ctx, HF_E_GRP_PENDING, arena_printf(ctx->arena, "order "
	    "%llu is a seat of group %llu, which has not succeeded",
	    (unsigned long long)o->id, (unsigned long long)m.group_id));
}
