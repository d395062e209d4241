/*
 * coupons.c: coupon campaigns (issue 15 item 2; sql/021_coupons.sql).
 *
 * An admin creates a campaign: a percent (whole, 1 to 100) or a fixed
 * amount off, a minimum spend on the order's lines, a window, a number of
 * coupons, a limit per user (or per API key), the products and categories
 * it applies to (none: all), and its codes. An order that names a code
 * reserves one coupon in its own transaction, after its stock rows: the
 * code's row and its campaign's are locked, and every refusal is exact
 * (CPN_001 unknown, CPN_002 not valid now, CPN_003 not applicable,
 * CPN_004 minimum not met, CPN_005 none left, CPN_006 limit reached).
 * The discount comes off the total, which the payment callback must then
 * match. Paying uses the coupon, cancelling or expiring releases it; a
 * refund keeps it used (the coupon was spent on a sale that happened).
 * Using one writes coupon.redeemed, and using a campaign's last one
 * coupon.exhausted, in the payment's transaction. Reconcile
 * (svc_coupons_reconcile) checks the counts against the rows and the
 * rows against their orders.
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/orders.h"
#include "holdfast/coupons.h"
#include "holdfast/outbox.h"

/* Capitals of [A-Za-z0-9_-]{1,32}, or NULL (spaces, Unicode, ...). */
const char *
coupon_code_canon(struct arena *a, const char *s)
{
	char	*out;
	size_t	 n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > COUPON_CODE_MAX)
		return NULL;
	if ((out = arena_strdup(a, s)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (out[i] >= 'a' && out[i] <= 'z')
			out[i] = (char)(out[i] - 'a' + 'A');
		else if (!((out[i] >= 'A' && out[i] <= 'Z') ||
		    (out[i] >= '0' && out[i] <= '9') || out[i] == '_' ||
		    out[i] == '-'))
			return NULL;
	}
	return out;
}

static const char *
cents_text(struct arena *a, long long c)
{
	return arena_printf(a, "%lld.%02lld", c / 100, c % 100);
}

/* --- the admin's side ------------------------------------------------ */

struct create_txn {
	struct svc_ctx			*ctx;
	const struct coupon_new		*in;
	const char			**codes;
	uint64_t			 id;
};

static int
create_fn(struct db *db, void *arg)
{
	struct create_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	const struct coupon_new	*in = t->in;
	struct db_param		 p[9];
	uint64_t		 n;
	size_t			 i;
	int			 rc;

	p[0] = DB_STR(in->name);
	p[1] = DB_STR(in->kind);
	p[2] = DB_STR(cents_text(ctx->arena, in->value_cents));
	p[3] = DB_STR(cents_text(ctx->arena, in->min_cents));
	p[4] = DB_STR_OR_NULL(in->starts_at);
	p[5] = DB_STR(in->ends_at);
	p[6] = DB_INT(in->total);
	p[7] = DB_INT(in->per_user);
	p[8] = DB_STR(ctx->who->actor);
	if ((rc = db_exec(db, &db_sql_coupon_insert, p, 9, NULL, &t->id)) !=
	    HF_OK)
		return rc;
	for (i = 0; i < in->ncodes; i++) {
		p[0] = DB_STR(t->codes[i]);
		p[1] = DB_INT((long long)t->id);
		p[2] = DB_INT(in->single_use);
		rc = db_exec(db, &db_sql_coupon_code_insert, p, 3, NULL, NULL);
		if (rc == HF_E_DUPLICATE) {
			ctx->message = arena_printf(ctx->arena, "code %s is "
			    "taken (codes are matched in any case)",
			    t->codes[i]);
			svc_details_clear(ctx);
			svc_detail_str(ctx, "code", t->codes[i]);
			return HF_E_CPN_TAKEN;
		}
		if (rc != HF_OK)
			return rc;
	}
	p[0] = DB_INT((long long)t->id);
	for (i = 0; i < in->nskus + in->ncategories; i++) {
		int	sku = i < in->nskus;

		p[1] = DB_STR(sku ? in->skus[i] : in->categories[i -
		    in->nskus]);
		if ((rc = db_exec(db, sku ? &db_sql_coupon_scope_product :
		    &db_sql_coupon_scope_category, p, 2, &n, NULL)) != HF_OK)
			return rc;
		if (n == 0) {
			ctx->field = sku ? "skus" : "categories";
			ctx->reason = arena_printf(ctx->arena, "no %s %s",
			    sku ? "product" : "category", (const char *)
			    p[1].s);
			return HF_E_REQ_FIELD;
		}
	}
	return svc_audit_text(db, ctx, "coupon.create", "coupon", t->id, NULL,
	    NULL);
}

int
svc_coupon_create(struct svc_ctx *ctx, const struct coupon_new *in,
    struct coupon_campaign *out)
{
	struct create_txn	t;
	size_t			i, j;
	int			rc;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.in = in;
	if (strcmp(in->kind, "percent") == 0 && (in->value_cents % 100 != 0 ||
	    in->value_cents < 100 || in->value_cents > 10000)) {
		ctx->field = "value";
		ctx->reason = "a percent is a whole number from 1 to 100";
		return HF_E_REQ_FIELD;
	}
	if ((t.codes = arena_calloc(ctx->arena, in->ncodes + 1,
	    sizeof(*t.codes))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < in->ncodes; i++) {
		if ((t.codes[i] = coupon_code_canon(ctx->arena,
		    in->codes[i])) == NULL) {
			ctx->field = "codes";
			ctx->reason = "each code: 1 to 32 of A-Z, a-z, 0-9, "
			    "'_' and '-' (matched in any case)";
			return HF_E_REQ_FIELD;
		}
		for (j = 0; j < i; j++)
			if (strcmp(t.codes[i], t.codes[j]) == 0) {
				ctx->field = "codes";
				ctx->reason = "a code given twice (codes are "
				    "matched in any case)";
				return HF_E_REQ_FIELD;
			}
	}
	if ((rc = svc_txn(ctx, create_fn, &t)) != HF_OK)
		return rc;
	return svc_coupon_get(ctx, t.id, out);
}

int
svc_coupon_get(struct svc_ctx *ctx, uint64_t id, struct coupon_campaign *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		found, rc;

	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_coupon_get, p, 1,
	    out, &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_NOT_FOUND;
}

int
svc_coupons_list(struct svc_ctx *ctx, long long page, long long per_page,
    struct coupon_campaign **rows, size_t *n, long long *total)
{
	struct db_param	p[2];
	int		rc;

	p[0] = DB_INT(per_page);
	p[1] = DB_INT((page - 1) * per_page);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_coupons_list, p, 2,
	    rows, n)) != HF_OK)
		return rc;
	*total = db_count_of(ctx->app->db, ctx->arena, &db_sql_coupons_count,
	    NULL, 0, &rc);
	return rc;
}

int
svc_coupon_set_active(struct svc_ctx *ctx, uint64_t id, int active,
    struct coupon_campaign *out)
{
	struct db_param	p[2];
	int		rc;

	if ((rc = svc_coupon_get(ctx, id, out)) != HF_OK)
		return rc;
	p[0] = DB_INT(active);
	p[1] = DB_INT((long long)id);
	if ((rc = db_exec(ctx->app->db, &db_sql_coupon_set_active, p, 2, NULL,
	    NULL)) != HF_OK)
		return rc;
	return svc_coupon_get(ctx, id, out);
}

struct edit_txn {
	struct svc_ctx			*ctx;
	uint64_t			 id;
	const struct coupon_edit	*in;
};

/* Under the campaign's row lock: the new total covers what is held. */
static int
edit_fn(struct db *db, void *arg)
{
	struct edit_txn			*t = arg;
	struct svc_ctx			*ctx = t->ctx;
	const struct coupon_edit	*in = t->in;
	struct db_param			 p[6];
	long long			 held;
	int				 rc;

	p[0] = DB_INT((long long)t->id);
	held = db_count_of(db, ctx->arena, &db_sql_coupon_lock_held, p, 1,
	    &rc);
	if (rc != HF_OK)
		return rc;
	if (in->has_total && in->total < held) {
		ctx->field = "total";
		ctx->reason = arena_printf(ctx->arena, "at least %lld, the "
		    "coupons held by orders and used", held);
		return HF_E_REQ_FIELD;
	}
	p[0] = DB_STR_OR_NULL(in->name);
	p[1] = DB_STR_OR_NULL(in->ends_at);
	p[2] = in->has_total ? DB_INT(in->total) : DB_NULL;
	p[3] = in->has_per_user ? DB_INT(in->per_user) : DB_NULL;
	p[4] = in->has_active ? DB_INT(in->active) : DB_NULL;
	p[5] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_coupon_update, p, 6, NULL, NULL)) !=
	    HF_OK)
		return rc;
	return svc_audit_text(db, ctx, "coupon.update", "coupon", t->id,
	    NULL, NULL);
}

/* A campaign's name, end, count, per-customer limit or active flag. */
int
svc_coupon_update(struct svc_ctx *ctx, uint64_t id,
    const struct coupon_edit *in, struct coupon_campaign *out)
{
	struct edit_txn	t = { ctx, id, in };
	int		rc;

	if ((rc = svc_coupon_get(ctx, id, out)) != HF_OK)
		return rc;
	if ((rc = svc_txn(ctx, edit_fn, &t)) != HF_OK)
		return rc;
	return svc_coupon_get(ctx, id, out);
}

/* --- the order's side ------------------------------------------------ */

static int
refuse(struct svc_ctx *ctx, int code, const char *msg)
{
	ctx->message = msg;
	return code;
}

/*
 * A new order oid whose lines total lines_cents names code: one coupon of
 * its campaign reserved, the discount written on the order (*discount).
 */
int
coupon_order_reserve(struct db *db, struct svc_ctx *ctx, uint64_t oid,
    const char *code, long long lines_cents, long long *discount)
{
	struct coupon_lock	c;
	struct db_param		p[5];
	long long		elig, d, n;
	const char		*canon, *dtext;
	int			found, rc;

	*discount = 0;
	if ((canon = coupon_code_canon(ctx->arena, code)) == NULL) {
		ctx->field = "coupon";
		ctx->reason = "1 to 32 of A-Z, a-z, 0-9, '_' and '-'";
		return HF_E_REQ_FIELD;
	}
	p[0] = DB_STR(canon);
	if ((rc = db_row(db, ctx->arena, &db_sql_coupon_code_lock, p, 1, &c,
	    &found)) != HF_OK)
		return rc;
	svc_details_clear(ctx);
	svc_detail_str(ctx, "coupon", canon);
	if (!found)
		return refuse(ctx, HF_E_CPN_NOT_FOUND, "no such coupon code");
	if (!c.active || !c.started || c.ended) {
		svc_detail_str(ctx, "starts_at", c.starts_at);
		svc_detail_str(ctx, "ends_at", c.ends_at);
		return refuse(ctx, HF_E_CPN_NOT_VALID, !c.active ? "this "
		    "coupon's campaign was stopped" : c.ended ? "this coupon "
		    "has expired" : "this coupon is not valid yet");
	}
	if (lines_cents < c.min_cents) {
		svc_detail_str(ctx, "min_spend", cents_text(ctx->arena,
		    c.min_cents));
		return refuse(ctx, HF_E_CPN_MIN_SPEND, arena_printf(ctx->arena,
		    "this coupon needs a spend of %s", cents_text(ctx->arena,
		    c.min_cents)));
	}
	p[0] = DB_INT((long long)oid);
	p[1] = DB_INT((long long)c.campaign_id);
	p[2] = DB_INT((long long)c.campaign_id);
	elig = db_count_of(db, ctx->arena, &db_sql_coupon_eligible, p, 3, &rc);
	if (rc != HF_OK)
		return rc;
	if (elig <= 0)
		return refuse(ctx, HF_E_CPN_NOT_APPLICABLE, "this coupon "
		    "applies to none of the order's products");
	if (c.reserved + c.used >= c.total)
		return refuse(ctx, HF_E_CPN_EXHAUSTED, "no coupons of this "
		    "campaign are left");
	if (c.single_use) {
		p[0] = DB_STR(canon);
		n = db_count_of(db, ctx->arena, &db_sql_coupon_code_taken, p,
		    1, &rc);
		if (rc != HF_OK)
			return rc;
		if (n > 0)
			return refuse(ctx, HF_E_CPN_EXHAUSTED, "this code was "
			    "used already (it goes once)");
	}
	if (c.per_user > 0) {
		p[0] = DB_INT((long long)c.campaign_id);
		p[1] = DB_STR(ctx->who->actor);
		n = db_count_of(db, ctx->arena, &db_sql_coupon_actor_count, p,
		    2, &rc);
		if (rc != HF_OK)
			return rc;
		if (n >= c.per_user) {
			svc_detail_int(ctx, "per_user", c.per_user);
			return refuse(ctx, HF_E_CPN_LIMIT, arena_printf(
			    ctx->arena, "this campaign allows %lld coupon(s) "
			    "per customer", c.per_user));
		}
	}
	/* percent of the lines it applies to, down to the currency's step;
	 * a fixed amount, at most those lines */
	if (strcmp(c.kind, "percent") == 0) {
		d = elig * (c.value_cents / 100) / 100;
		if (hf_currency_minor() == 0)
			d -= d % 100;
	} else
		d = c.value_cents < elig ? c.value_cents : elig;
	dtext = cents_text(ctx->arena, d);
	p[0] = DB_INT((long long)c.campaign_id);
	p[1] = DB_STR(canon);
	p[2] = DB_INT((long long)oid);
	p[3] = DB_STR(ctx->who->actor);
	p[4] = DB_STR(dtext);
	if ((rc = db_exec(db, &db_sql_coupon_redeem, p, 5, NULL, NULL)) !=
	    HF_OK)
		return rc;
	p[0] = DB_INT(1);
	p[1] = DB_INT(0);
	p[2] = DB_INT((long long)c.campaign_id);
	if ((rc = db_exec(db, &db_sql_coupon_counts, p, 3, NULL, NULL)) !=
	    HF_OK)
		return rc;
	p[0] = DB_STR(canon);
	p[1] = DB_STR(dtext);
	p[2] = DB_STR(dtext);
	p[3] = DB_INT((long long)oid);
	if ((rc = db_exec(db, &db_sql_coupon_order_set, p, 4, NULL, NULL)) !=
	    HF_OK)
		return rc;
	svc_details_clear(ctx);
	*discount = d;
	return HF_OK;
}

/* The data of coupon.redeemed and coupon.exhausted. */
struct coupon_event {
	uint64_t	 campaign_id;
	const char	*code;
	long long	 order_id;	/* HF_NULL_INT: exhausted */
	const char	*discount;	/* NULL: exhausted */
};

static const struct hf_field coupon_event_fields[] = {
	HF_FIELD(struct coupon_event, campaign_id, HF_K_U64),
	HF_FIELDF(struct coupon_event, code, HF_K_STR, HF_F_NULL),
	HF_FIELDF(struct coupon_event, order_id, HF_K_INT, HF_F_NULL),
	HF_FIELDF(struct coupon_event, discount, HF_K_MONEY, HF_F_NULL),
};

static int
coupon_event(struct db *db, struct svc_ctx *ctx, const char *type,
    const struct coupon_event *e)
{
	return outbox_event_text(db, type, hf_fields_text(ctx->arena,
	    coupon_event_fields, HF_NITEMS(coupon_event_fields), e),
	    ctx->request_id);
}

/* A paid order's coupon: coupon.redeemed, then coupon.exhausted when it
 * was the campaign's last (under the campaign's lock: once). */
static int
coupon_used(struct db *db, struct svc_ctx *ctx, const struct order *o,
    const struct coupon_redemption *r)
{
	struct coupon_event	e;
	struct db_param		p[1];
	long long		unused;
	int			rc;

	e.campaign_id = r->campaign_id;
	e.code = r->code;
	e.order_id = (long long)o->id;
	e.discount = r->discount;
	if ((rc = coupon_event(db, ctx, "coupon.redeemed", &e)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)r->campaign_id);
	unused = db_count_of(db, ctx->arena, &db_sql_coupon_unused, p, 1, &rc);
	if (rc != HF_OK || unused != 0)
		return rc;
	e.code = NULL;
	e.order_id = HF_NULL_INT;
	e.discount = NULL;
	return coupon_event(db, ctx, "coupon.exhausted", &e);
}

/* The order was paid (the coupon is used) or ended unpaid (released). */
int
coupon_order_end(struct db *db, struct svc_ctx *ctx, const struct order *o,
    int paid)
{
	struct coupon_redemption	r;
	struct db_param			p[3];
	uint64_t			n;
	int				found, rc;

	if (o->coupon_code == NULL)
		return HF_OK;
	p[0] = DB_INT((long long)o->id);
	if ((rc = db_row(db, ctx->arena, &db_sql_coupon_of_order, p, 1, &r,
	    &found)) != HF_OK || !found)
		return rc;
	p[0] = DB_INT((long long)r.campaign_id);
	(void)db_count_of(db, ctx->arena, &db_sql_coupon_lock, p, 1, &rc);
	if (rc != HF_OK)
		return rc;
	p[0] = DB_STR(paid ? "used" : "released");
	p[1] = DB_INT((long long)o->id);
	if ((rc = db_exec(db, &db_sql_coupon_end, p, 2, &n, NULL)) != HF_OK ||
	    n == 0)
		return rc;
	p[0] = DB_INT(-1);
	p[1] = DB_INT(paid ? 1 : 0);
	p[2] = DB_INT((long long)r.campaign_id);
	if ((rc = db_exec(db, &db_sql_coupon_counts, p, 3, NULL, NULL)) !=
	    HF_OK)
		return rc;
	return paid ? coupon_used(db, ctx, o, &r) : HF_OK;
}
