/*
 * groups.c: group buys (issue 15 item 4; sql/023_groups.sql): the admin's
 * campaigns, starting and joining a group, and reading them. The order
 * side (a seat's order reserved, paid, ended; a group failed by
 * holdfast-expire) is group_orders.c.
 *
 * An admin opens a campaign on a product: group size (2 to 1000), group
 * price, deadline, seats per customer (0: no limit). Every group of a
 * campaign ends at the campaign's deadline. Stopping a campaign (PATCH
 * active false) refuses new groups; its open groups may still fill.
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/orders.h"
#include "holdfast/groups.h"

/* --- the admin's side ------------------------------------------------ */

struct create_txn {
	struct svc_ctx			*ctx;
	const struct grp_campaign_new	*in;
	uint64_t			 id;
};

static int
create_fn(struct db *db, void *arg)
{
	struct create_txn		*t = arg;
	struct svc_ctx			*ctx = t->ctx;
	const struct grp_campaign_new	*in = t->in;
	struct db_param			 p[7];
	uint64_t			 n = 0;
	int				 rc;

	p[0] = DB_STR(in->name);
	p[1] = DB_INT(in->group_size);
	p[2] = DB_STR(arena_printf(ctx->arena, "%lld.%02lld",
	    in->price_cents / 100, in->price_cents % 100));
	p[3] = DB_STR(in->deadline);
	p[4] = DB_INT(in->per_user);
	p[5] = DB_STR(ctx->who->actor);
	p[6] = DB_STR(in->sku);
	if ((rc = db_exec(db, &db_sql_grp_campaign_insert, p, 7, &n,
	    &t->id)) != HF_OK)
		return rc;
	if (n == 0) {
		ctx->field = "sku";
		ctx->reason = "no product has this SKU";
		return HF_E_REQ_FIELD;
	}
	return svc_audit_text(db, ctx, "group_buy.create", "group_buy", t->id,
	    NULL, NULL);
}

int
svc_grp_campaign_create(struct svc_ctx *ctx,
    const struct grp_campaign_new *in, struct grp_campaign *out)
{
	struct create_txn	t;
	int			rc;

	if (hf_currency_minor() == 0 && in->price_cents % 100 != 0) {
		ctx->field = "group_price";
		ctx->reason = arena_printf(ctx->arena, "%s has no minor unit",
		    ctx->app->cfg.currency);
		return HF_E_REQ_FIELD;
	}
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.in = in;
	if ((rc = svc_txn(ctx, create_fn, &t)) != HF_OK)
		return rc;
	return svc_grp_campaign_get(ctx, t.id, out);
}

int
svc_grp_campaign_get(struct svc_ctx *ctx, uint64_t id,
    struct grp_campaign *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		found, rc;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_grp_campaign_get, p,
	    1, out, &found)) != HF_OK)
		return rc;
	if (!found) {
		ctx->message = arena_printf(ctx->arena, "group buy %llu not "
		    "found", (unsigned long long)id);
		return HF_E_GRP_NO_CAMPAIGN;
	}
	return HF_OK;
}

int
svc_grp_campaigns_list(struct svc_ctx *ctx, long long page,
    long long per_page, struct grp_campaign **rows, size_t *n,
    long long *total)
{
	struct db_param	p[2];
	int		rc;

	p[0] = DB_INT(per_page);
	p[1] = DB_INT((page - 1) * per_page);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_grp_campaigns_list,
	    p, 2, rows, n)) != HF_OK)
		return rc;
	*total = db_count_of(ctx->app->db, ctx->arena,
	    &db_sql_grp_campaigns_count, NULL, 0, &rc);
	return rc;
}

int
svc_grp_campaign_set_active(struct svc_ctx *ctx, uint64_t id, int active,
    struct grp_campaign *out)
{
	struct db_param	p[2];
	int		rc;

	if ((rc = svc_grp_campaign_get(ctx, id, out)) != HF_OK)
		return rc;
	p[0] = DB_INT(active);
	p[1] = DB_INT((long long)id);
	if ((rc = db_exec(ctx->app->db, &db_sql_grp_campaign_set_active, p, 2,
	    NULL, NULL)) != HF_OK)
		return rc;
	return svc_grp_campaign_get(ctx, id, out);
}

/* --- groups ---------------------------------------------------------- */

int
svc_grp_get(struct svc_ctx *ctx, uint64_t id, struct grp_group *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		found, rc;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_grp_get, p, 1, out,
	    &found)) != HF_OK)
		return rc;
	if (!found) {
		ctx->message = arena_printf(ctx->arena, "group %llu not "
		    "found", (unsigned long long)id);
		return HF_E_GRP_NO_GROUP;
	}
	return HF_OK;
}

int
svc_grp_list(struct svc_ctx *ctx, uint64_t campaign_id, const char *state,
    long long page, long long per_page, struct grp_group **rows, size_t *n,
    long long *total)
{
	struct grp_campaign	c;
	struct db_param		p[4];
	int			rc;

	if ((rc = svc_grp_campaign_get(ctx, campaign_id, &c)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)campaign_id);
	p[1] = DB_OPT_STR(state);
	p[2] = DB_INT(per_page);
	p[3] = DB_INT((page - 1) * per_page);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_grp_list, p, 4,
	    rows, n)) != HF_OK)
		return rc;
	*total = db_count_of(ctx->app->db, ctx->arena, &db_sql_grp_count, p, 2,
	    &rc);
	return rc;
}

/*
 * Starts a group of campaign_id (group_id 0) or joins group group_id: an
 * order of one unit of the campaign's product at the group's price, its
 * unit reserved at once (svc_order_create, which calls
 * grp_order_reserve in its transaction). *gid: the group.
 */
int
svc_grp_join(struct svc_ctx *ctx, uint64_t campaign_id, uint64_t group_id,
    struct order *out, uint64_t *gid)
{
	struct grp_campaign	c;
	struct grp_group	g;
	struct reserve_item	item;
	struct order_new	in;
	struct grp_join		j;
	int			rc;

	memset(&item, 0, sizeof(item));
	memset(&j, 0, sizeof(j));
	if (campaign_id != 0) {
		if ((rc = svc_grp_campaign_get(ctx, campaign_id, &c)) != HF_OK)
			return rc;
		item.sku = c.sku;
	} else {
		if ((rc = svc_grp_get(ctx, group_id, &g)) != HF_OK)
			return rc;
		item.sku = g.sku;
	}
	item.quantity = 1;
	j.campaign_id = campaign_id;
	j.group_id = group_id;
	memset(&in, 0, sizeof(in));
	in.items = &item;
	in.nitems = 1;
	in.group = &j;
	if ((rc = svc_order_create(ctx, &in, NULL, out)) != HF_OK)
		return rc;
	*gid = j.out_group;
	return HF_OK;
}

/* --- seats ----------------------------------------------------------- */

int
svc_grp_members_list(struct svc_ctx *ctx, const char *state, long long page,
    long long per_page, struct grp_member **rows, size_t *n,
    long long *total)
{
	struct db_param	p[3];
	int		rc;

	p[0] = DB_OPT_STR(state);
	p[1] = DB_INT(per_page);
	p[2] = DB_INT((page - 1) * per_page);
	if ((rc = db_rows(ctx->app->db, ctx->arena,
	    &db_sql_grp_members_by_state, p, 3, rows, n)) != HF_OK)
		return rc;
	*total = db_count_of(ctx->app->db, ctx->arena,
	    &db_sql_grp_members_state_count, p, 1, &rc);
	return rc;
}

/* An admin records that a failed group's paid seat was refunded. */
int
svc_grp_member_refunded(struct svc_ctx *ctx, uint64_t oid,
    struct grp_member *out)
{
	struct db_param	p[4];
	uint64_t	n = 0;
	int		found, rc;

	p[0] = DB_INT((long long)oid);
	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_grp_member_of, p, 1,
	    out, &found)) != HF_OK)
		return rc;
	if (!found) {
		ctx->message = arena_printf(ctx->arena, "order %llu holds no "
		    "group seat", (unsigned long long)oid);
		return HF_E_GRP_NO_GROUP;
	}
	p[0] = DB_STR("refunded");
	p[1] = DB_STR("refunded");
	p[2] = DB_INT((long long)oid);
	p[3] = DB_STR("refund_due");
	if ((rc = db_exec(ctx->app->db, &db_sql_grp_member_set, p, 4, &n,
	    NULL)) != HF_OK)
		return rc;
	if (n == 0) {
		svc_details_clear(ctx);
		svc_detail_str(ctx, "seat", out->state);
		ctx->message = arena_printf(ctx->arena, "order %llu's seat is "
		    "%s: no refund is due", (unsigned long long)oid,
		    out->state);
		return HF_E_GRP_NOT_DUE;
	}
	p[0] = DB_INT((long long)oid);
	return db_row(ctx->app->db, ctx->arena, &db_sql_grp_member_of, p, 1,
	    out, &found);
}

int
svc_grp_seat_of_order(struct svc_ctx *ctx, uint64_t oid,
    struct grp_seat *seat, int *found)
{
	struct grp_member	m;
	struct grp_group	g;
	struct db_param		p[1] = { DB_INT((long long)oid) };
	int			rc;

	memset(seat, 0, sizeof(*seat));
	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_grp_member_of, p, 1,
	    &m, found)) != HF_OK || !*found)
		return rc;
	if ((rc = svc_grp_get(ctx, m.group_id, &g)) != HF_OK)
		return rc;
	seat->group_id = m.group_id;
	seat->campaign_id = m.campaign_id;
	seat->state = m.state;
	seat->group_state = g.state;
	seat->size = g.size;
	seat->joined = g.joined;
	seat->paid = g.paid;
	seat->deadline = g.deadline;
	return HF_OK;
}
