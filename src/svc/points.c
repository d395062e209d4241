/*
 * points.c: a user's points (issue 15 item 3; sql/020_points.sql).
 *
 * An account holds a balance and the points that unpaid orders reserve
 * (available = balance - reserved), and changes only under its row lock,
 * each change one append-only ledger row with the after-values. Credits
 * (earn, checkin, return, a positive adjust) open a lot that expires
 * after points_expire_days; debits (spend, revoke, a negative adjust)
 * draw on the oldest lots first, and the sweep (holdfast-expire) takes
 * what is left of a lot past its expiry, but never the points an unpaid
 * order holds: those wait for the order to be paid or to end. So the
 * lots' remaining points always add up to the balance (reconcile).
 *
 * An order (orders.c, order_state.c) reserves its points when it is
 * placed (the discount off its total), spends them when paid, releases
 * them when cancelled or expired, gives them back when refunded; a
 * fulfilled order earns points_earn_rate points per whole currency unit
 * paid, taken back (as far as they are left) when it is refunded.
 * Earning (an order, a check-in) writes a points.earned event and the
 * sweep a points.expired one, in the change's transaction.
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/orders.h"
#include "holdfast/points.h"
#include "holdfast/outbox.h"
#include "inv_int.h"

#define PTS_LOTS_AT_ONCE	32

static long long
pts_gcd(long long a, long long b)
{
	while (b != 0) {
		long long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* One change of an account. */
struct pts_move {
	const char	*kind;
	long long	 delta;		/* balance */
	long long	 rdelta;	/* reserved */
	uint64_t	 order_id;	/* 0: none */
	const char	*reason;
};

/* The data of a points.earned or points.expired event. */
struct pts_event {
	uint64_t	 user_id;
	const char	*kind;		/* earn, checkin, expire */
	long long	 points, balance;	/* how many (> 0), after */
	long long	 order_id;	/* HF_NULL_INT: none */
	const char	*reason;
};

static const struct hf_field pts_event_fields[] = {
	HF_FIELD(struct pts_event, user_id, HF_K_U64),
	HF_FIELD(struct pts_event, kind, HF_K_STR),
	HF_FIELD(struct pts_event, points, HF_K_INT),
	HF_FIELD(struct pts_event, balance, HF_K_INT),
	HF_FIELDF(struct pts_event, order_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct pts_event, reason, HF_K_STR),
};

/* points.earned (earn, checkin) or points.expired, in m's transaction */
static int
pts_event(struct db *db, struct svc_ctx *ctx, const struct points_account *a,
    const struct pts_move *m)
{
	struct pts_event	e;
	const char		*type;

	if (strcmp(m->kind, "earn") == 0 || strcmp(m->kind, "checkin") == 0)
		type = "points.earned";
	else if (strcmp(m->kind, "expire") == 0)
		type = "points.expired";
	else
		return HF_OK;
	e.user_id = a->user_id;
	e.kind = m->kind;
	e.points = m->delta < 0 ? -m->delta : m->delta;
	e.balance = a->balance;
	e.order_id = m->order_id != 0 ? (long long)m->order_id : HF_NULL_INT;
	e.reason = m->reason != NULL ? m->reason : m->kind;
	return outbox_event_text(db, type, hf_fields_text(ctx->arena,
	    pts_event_fields, HF_NITEMS(pts_event_fields), &e),
	    ctx->request_id);
}

/*
 * Locks user_id's account into *a, making it (at 0) the first time. The
 * lock comes first: an INSERT IGNORE of a row that exists takes a shared
 * lock, and two transactions upgrading theirs to FOR UPDATE deadlock.
 */
static int
pts_lock(struct db *db, struct svc_ctx *ctx, uint64_t uid,
    struct points_account *a)
{
	struct db_param	p[1] = { DB_INT((long long)uid) };
	int		found, rc;

	if ((rc = db_row(db, ctx->arena, &db_sql_points_account_lock, p, 1,
	    a, &found)) != HF_OK || found)
		return rc;
	if ((rc = db_exec(db, &db_sql_points_account_ensure, p, 1, NULL,
	    NULL)) != HF_OK)
		return rc;
	if ((rc = db_row(db, ctx->arena, &db_sql_points_account_lock, p, 1,
	    a, &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_DB;
}

/* Draws n points from uid's oldest lots (locked after the account). */
static int
pts_draw(struct db *db, struct svc_ctx *ctx, uint64_t uid, long long n)
{
	struct db_param		 p[3];
	struct points_lot	*lots;
	size_t			 k, i;
	long long		 take;
	uint64_t		 hit;
	int			 rc;

	while (n > 0) {
		p[0] = DB_INT((long long)uid);
		p[1] = DB_INT(PTS_LOTS_AT_ONCE);
		if ((rc = db_rows(db, ctx->arena, &db_sql_points_lots_open, p,
		    2, &lots, &k)) != HF_OK)
			return rc;
		if (k == 0) {
			log_error(ctx->request_id, "points: user %llu: lots "
			    "short of the balance by %lld", (unsigned long
			    long)uid, n);
			return HF_E_DB;
		}
		for (i = 0; i < k && n > 0; i++) {
			take = lots[i].remaining < n ? lots[i].remaining : n;
			p[0] = DB_INT(take);
			p[1] = DB_INT((long long)lots[i].id);
			p[2] = DB_INT(take);
			if ((rc = db_exec(db, &db_sql_points_lot_draw, p, 3,
			    &hit, NULL)) != HF_OK)
				return rc;
			if (hit != 1)
				return HF_E_DB;	/* locked: cannot happen */
			n -= take;
		}
	}
	return HF_OK;
}

/*
 * Applies m to the locked account a: the account row, its ledger row, and
 * a new lot for a credit or a draw for a debit (lot_drawn: the caller drew
 * from a lot of its own, the sweep). The caller has checked that the
 * result keeps 0 <= reserved <= balance.
 */
static int
pts_apply(struct db *db, struct svc_ctx *ctx, struct points_account *a,
    const struct pts_move *m, int lot_drawn)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	struct db_param		 p[10];
	long long		 nb = a->balance + m->delta;
	long long		 nr = a->reserved + m->rdelta;
	uint64_t		 lid;
	int			 rc;

	if (nr < 0 || nr > nb)
		return HF_E_SYS_INTERNAL;
	p[0] = DB_INT(nb);
	p[1] = DB_INT(nr);
	p[2] = DB_INT((long long)a->user_id);
	if ((rc = db_exec(db, &db_sql_points_account_set, p, 3, NULL,
	    NULL)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)a->user_id);
	p[1] = DB_STR(m->kind);
	p[2] = DB_INT(m->delta);
	p[3] = DB_INT(m->rdelta);
	p[4] = DB_INT(nb);
	p[5] = DB_INT(nr);
	p[6] = m->order_id != 0 ? DB_INT((long long)m->order_id) : DB_NULL;
	p[7] = DB_STR_OR_NULL(m->reason);
	p[8] = DB_STR(ctx->who->actor);
	p[9] = DB_STR_OR_NULL(ctx->request_id);
	if ((rc = db_exec(db, &db_sql_points_ledger_insert, p, 10, NULL,
	    &lid)) != HF_OK)
		return rc;
	a->balance = nb;
	a->reserved = nr;
	if ((rc = pts_event(db, ctx, a, m)) != HF_OK)
		return rc;
	if (m->delta > 0) {
		p[0] = DB_INT((long long)a->user_id);
		p[1] = DB_INT((long long)lid);
		p[2] = DB_INT(m->delta);
		p[3] = DB_INT(m->delta);
		p[4] = DB_INT(cfg->points_expire_days);
		p[5] = DB_INT(cfg->points_expire_days);
		return db_exec(db, &db_sql_points_lot_insert, p, 6, NULL, NULL);
	}
	if (m->delta < 0 && !lot_drawn)
		return pts_draw(db, ctx, a->user_id, -m->delta);
	return HF_OK;
}

static int
pts_short(struct svc_ctx *ctx, const struct points_account *a, long long want)
{
	ctx->message = arena_printf(ctx->arena, "%lld points asked, %lld "
	    "available", want, a->balance - a->reserved);
	svc_details_clear(ctx);
	svc_detail_int(ctx, "requested", want);
	svc_detail_int(ctx, "available", a->balance - a->reserved);
	return HF_E_PTS_SHORT;
}

/* --- an order's points ----------------------------------------------- */

/*
 * A new order oid of total_cents (its lines) asks to pay with points: each
 * point is worth 1/points_per_unit of a currency unit, the discount must
 * be exact in the currency and at most points_max_percent of the total.
 * Reserves them and takes the discount off the order's total.
 */
int
points_order_reserve(struct db *db, struct svc_ctx *ctx, uint64_t oid,
    long long points, long long total_cents)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	struct points_account	 a;
	struct pts_move		 m;
	struct db_param		 p[4];
	long long		 ppu = cfg->points_per_unit, step, cents, cap;
	const char		*disc;
	int			 rc;

	if (ctx->who->user_id == 0) {
		ctx->field = "points";
		return HF_E_PTS_NO_USER;
	}
	/* the smallest number of points worth a whole step of money */
	step = hf_currency_minor() == 0 ? ppu : ppu / pts_gcd(ppu, 100);
	cents = points * 100 / ppu;
	cap = total_cents * cfg->points_max_percent / 100;
	if (points % step != 0 || cents > cap) {
		ctx->message = points % step != 0 ? arena_printf(ctx->arena,
		    "points are spent in steps of %lld (%lld points make one "
		    "%s)", step, ppu, cfg->currency) : arena_printf(ctx->arena,
		    "points may pay at most %d%% of an order: at most %lld "
		    "points here", cfg->points_max_percent,
		    cap * ppu / 100 / step * step);
		svc_details_clear(ctx);
		svc_detail_int(ctx, "step", step);
		svc_detail_int(ctx, "max_points", cap * ppu / 100 / step * step);
		return HF_E_PTS_UNUSABLE;
	}
	if ((rc = pts_lock(db, ctx, ctx->who->user_id, &a)) != HF_OK)
		return rc;
	if (a.balance - a.reserved < points)
		return pts_short(ctx, &a, points);
	memset(&m, 0, sizeof(m));
	m.kind = "reserve";
	m.rdelta = points;
	m.order_id = oid;
	m.reason = "order placed";
	if ((rc = pts_apply(db, ctx, &a, &m, 0)) != HF_OK)
		return rc;
	disc = arena_printf(ctx->arena, "%lld.%02lld", cents / 100,
	    cents % 100);
	p[0] = DB_INT(points);
	p[1] = DB_STR(disc);
	p[2] = DB_STR(disc);
	p[3] = DB_INT((long long)oid);
	return db_exec(db, &db_sql_order_points_set, p, 4, NULL, NULL);
}

/* one move of the order's user, the account locked first */
static int
pts_order_move(struct db *db, struct svc_ctx *ctx, const struct order *o,
    const char *kind, long long delta, long long rdelta, const char *reason)
{
	struct points_account	a;
	struct pts_move		m;
	int			rc;

	if ((rc = pts_lock(db, ctx, (uint64_t)o->user_id, &a)) != HF_OK)
		return rc;
	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.delta = delta;
	m.rdelta = rdelta;
	m.order_id = o->id;
	m.reason = reason;
	return pts_apply(db, ctx, &a, &m, 0);
}

/* paid: the reserved points are spent */
int
points_order_paid(struct db *db, struct svc_ctx *ctx, const struct order *o)
{
	if (o->points_used <= 0 || o->user_id == HF_NULL_INT)
		return HF_OK;
	return pts_order_move(db, ctx, o, "spend", -o->points_used,
	    -o->points_used, "order paid");
}

/* cancelled or expired unpaid: the reserved points are free again */
int
points_order_unpaid(struct db *db, struct svc_ctx *ctx, const struct order *o,
    const char *to)
{
	if (o->points_used <= 0 || o->user_id == HF_NULL_INT)
		return HF_OK;
	return pts_order_move(db, ctx, o, "release", 0, -o->points_used,
	    arena_printf(ctx->arena, "order %s", to));
}

/*
 * refunded: the points spent on it come back (a new lot), and the points
 * its fulfilment earned go, as far as they are still there (an unpaid
 * order's reserved points are never taken; the reason says what was not).
 */
int
points_order_refunded(struct db *db, struct svc_ctx *ctx,
    const struct order *o)
{
	long long	given, taken;

	return points_order_refund_part(db, ctx, o, o->points_used,
	    o->points_earned, &given, &taken);
}

/* Part of a refund (refunds.c): give back points spent on o, take back
 * up to take of those it earned; *given, *taken what was. */
int
points_order_refund_part(struct db *db, struct svc_ctx *ctx,
    const struct order *o, long long give, long long want, long long *given,
    long long *taken)
{
	struct points_account	a;
	struct pts_move		m;
	long long		take = want;
	int			rc;

	*given = *taken = 0;
	if (o->user_id == HF_NULL_INT || (give <= 0 && want <= 0))
		return HF_OK;
	if ((rc = pts_lock(db, ctx, (uint64_t)o->user_id, &a)) != HF_OK)
		return rc;
	memset(&m, 0, sizeof(m));
	m.order_id = o->id;
	if (give > 0) {
		m.kind = "return";
		m.delta = *given = give;
		m.reason = "order refunded: points spent on it";
		if ((rc = pts_apply(db, ctx, &a, &m, 0)) != HF_OK)
			return rc;
	}
	if (take > a.balance - a.reserved)
		take = a.balance - a.reserved;
	if (take <= 0)
		return HF_OK;
	m.kind = "revoke";
	m.delta = -take;
	*taken = take;
	m.reason = take == want ? "order refunded: points it earned" :
	    arena_printf(ctx->arena, "order refunded: points it earned "
	    "(%lld of %lld: the rest were spent)", take, want);
	return pts_apply(db, ctx, &a, &m, 0);
}

/* fulfilled: points_earn_rate points per whole currency unit paid */
int
points_order_fulfilled(struct db *db, struct svc_ctx *ctx,
    const struct order *o)
{
	struct db_param	p[2];
	long long	earned;
	int		rc;

	if (o->user_id == HF_NULL_INT)
		return HF_OK;
	earned = o->total_cents / 100 * ctx->app->cfg.points_earn_rate;
	if (earned <= 0)
		return HF_OK;
	if ((rc = pts_order_move(db, ctx, o, "earn", earned, 0,
	    "order fulfilled")) != HF_OK)
		return rc;
	p[0] = DB_INT(earned);
	p[1] = DB_INT((long long)o->id);
	return db_exec(db, &db_sql_order_points_earned, p, 2, NULL, NULL);
}

/* --- the reader's side ---------------------------------------------- */

struct pts_txn {
	struct svc_ctx	*ctx;
	uint64_t	 uid;
	long long	 delta;
	const char	*reason;
	long long	 earned;
};

/* one check-in a day: the key of points_checkins decides, then the lot */
static int
checkin_fn(struct db *db, void *arg)
{
	struct pts_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct points_account	 a;
	struct pts_move		 m;
	struct db_param		 p[2];
	uint64_t		 n = 0;
	int			 rc;

	t->earned = ctx->app->cfg.points_checkin;
	p[0] = DB_INT((long long)t->uid);
	p[1] = DB_INT(t->earned);
	if ((rc = db_exec(db, &db_sql_points_checkin, p, 2, &n, NULL)) !=
	    HF_OK)
		return rc;
	if (n == 0) {
		ctx->message = "already checked in today (UTC): come back "
		    "tomorrow";
		return HF_E_PTS_CHECKED_IN;
	}
	if ((rc = pts_lock(db, ctx, t->uid, &a)) != HF_OK)
		return rc;
	memset(&m, 0, sizeof(m));
	m.kind = "checkin";
	m.delta = t->earned;
	m.reason = "daily check-in";
	return pts_apply(db, ctx, &a, &m, 0);
}

int
svc_points_checkin(struct svc_ctx *ctx, long long *earned,
    struct points_view *out)
{
	struct pts_txn	t;
	int		rc;

	if (ctx->who->user_id == 0)
		return HF_E_AUTH_FORBIDDEN;
	if (ctx->app->cfg.points_checkin <= 0) {
		ctx->message = "the daily check-in is off (points_checkin = 0)";
		return HF_E_PTS_CHECKIN_OFF;
	}
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.uid = ctx->who->user_id;
	if ((rc = svc_txn(ctx, checkin_fn, &t)) != HF_OK)
		return rc;
	*earned = t.earned;
	return svc_points_get(ctx, t.uid, 1, 20, out);
}

static int
adjust_fn(struct db *db, void *arg)
{
	struct pts_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct points_account	 a;
	struct pts_move		 m;
	int			 rc;

	if ((rc = pts_lock(db, ctx, t->uid, &a)) != HF_OK)
		return rc;
	if (t->delta < 0 && a.balance - a.reserved < -t->delta)
		return pts_short(ctx, &a, -t->delta);
	memset(&m, 0, sizeof(m));
	m.kind = "adjust";
	m.delta = t->delta;
	m.reason = t->reason;
	if ((rc = pts_apply(db, ctx, &a, &m, 0)) != HF_OK)
		return rc;
	return svc_audit_text(db, ctx, "points.adjust", "user", t->uid, NULL,
	    arena_printf(ctx->arena, "{\"delta\":%lld,\"balance\":%lld}",
	    t->delta, a.balance));
}

int
svc_points_adjust(struct svc_ctx *ctx, uint64_t uid, long long delta,
    const char *reason, struct points_view *out)
{
	struct pts_txn	t;
	struct user	u;
	int		rc;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.uid = uid;
	t.delta = delta;
	t.reason = reason;
	if ((rc = svc_user_get(ctx, uid, &u)) != HF_OK)
		return rc;
	if ((rc = svc_txn(ctx, adjust_fn, &t)) != HF_OK)
		return rc;
	return svc_points_get(ctx, uid, 1, 20, out);
}

/* --- holdfast-expire ------------------------------------------------- */

/* A lot past its expiry: what is left of it goes, but not the points
 * unpaid orders hold (the next run takes those once they are free). */
static int
lot_expire_fn(struct db *db, void *arg)
{
	struct sweep_item	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct points_lot_due	 lot;
	struct points_account	 a;
	struct pts_move		 m;
	struct db_param		 p[3];
	long long		 take;
	uint64_t		 hit;
	int			 found, rc;

	t->done = 0;
	p[0] = DB_INT((long long)t->id);
	/* who owns it (no lock yet: the account's comes first) */
	if ((rc = db_row(db, ctx->arena, &db_sql_points_lot_due, p, 1, &lot,
	    &found)) != HF_OK || !found)
		return rc;
	if ((rc = pts_lock(db, ctx, lot.user_id, &a)) != HF_OK)
		return rc;
	if ((rc = db_row(db, ctx->arena, &db_sql_points_lot_due, p, 1, &lot,
	    &found)) != HF_OK || !found)
		return rc;
	take = lot.remaining;
	if (take > a.balance - a.reserved)
		take = a.balance - a.reserved;
	if (!lot.due || take <= 0)
		return HF_OK;
	p[0] = DB_INT(take);
	p[1] = DB_INT((long long)lot.id);
	p[2] = DB_INT(take);
	if ((rc = db_exec(db, &db_sql_points_lot_draw, p, 3, &hit, NULL)) !=
	    HF_OK)
		return rc;
	if (hit != 1)
		return HF_E_DB;
	memset(&m, 0, sizeof(m));
	m.kind = "expire";
	m.delta = -take;
	m.reason = arena_printf(ctx->arena, "lot %llu expired",
	    (unsigned long long)lot.id);
	if ((rc = pts_apply(db, ctx, &a, &m, 1)) != HF_OK)
		return rc;
	t->done = 1;
	return HF_OK;
}

int
svc_points_expire_due(struct app *app, int batch, int dry_run,
    unsigned *expired, unsigned *skipped)
{
	struct sweep_stats	st;
	int			rc;

	rc = svc_sweep(app, &db_sql_points_due, batch, dry_run, lot_expire_fn,
	    &st);
	*expired = st.done;
	*skipped = st.skipped;
	return rc;
}
