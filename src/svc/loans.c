/*
 * loans.c: lending units to users, returns and renewals, and the lending
 * statistics.
 *
 * A loan is one unit of one SKU. Lending a batch locks every stock row in
 * SKU order, then the borrower's users row (so two requests of one user
 * cannot both pass the loan limit), and lends every line or none, as
 * inv_takeable() counts what is available to a borrower (units owed to
 * the waiting list are not lent to others; expired reservations are
 * freed first when short). A product in maintenance or retired lends
 * nothing (INV_011). A returned unit goes, in the same transaction, to
 * the first waiting hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/lending.h"
#include "inv_int.h"
#include "lend_int.h"

#define LOAN_MAX_LINES		100
#define STATS_DEFAULT_DAYS	30
#define STATS_MAX_DAYS		366

/* --- lending ---------------------------------------------------------- */

struct create_txn {
	struct svc_ctx		*ctx;
	uint64_t		 user_id;
	struct reserve_item	*lines;		/* sorted, summed */
	size_t			 nlines, units;
	struct idem		*idem;
	struct loan		*out;
	size_t			 n;
	struct loan		**outp;		/* the caller's, for the reply */
	size_t			*noutp;
};

static int
create_fn(struct db *db, void *arg)
{
	struct create_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct lend_user	 u;
	struct stock_row	*rows;
	struct inv_lock		 lk;
	struct change		 c;
	char			 lid[24];
	uint64_t		 id;
	long long		 k;
	size_t			 i;
	int			 rc;

	t->n = 0;
	/* the one definition: units owed to waiting holds are not lent to
	 * others, expired ones are freed first when short; the borrower's
	 * row after the stock rows (lend_user_lock), then the refusals */
	if ((rc = inv_lock_lines(db, ctx, t->lines, t->nlines, NULL, NULL,
	    &lk)) != HF_OK ||
	    (rc = lend_user_lock(db, ctx, t->user_id, &u)) != HF_OK ||
	    (rc = lend_limit_check(db, ctx, t->user_id, t->units)) != HF_OK ||
	    (rc = inv_lock_verdict(ctx, &lk)) != HF_OK)
		return rc;
	rows = lk.rows;
	for (i = 0; i < t->nlines; i++)
		for (k = 0; k < t->lines[i].quantity; k++) {
			if ((rc = lend_loan_insert(db, ctx, t->user_id,
			    &rows[i], &id)) != HF_OK)
				return rc;
			snprintf(lid, sizeof(lid), "%llu",
			    (unsigned long long)id);
			memset(&c, 0, sizeof(c));
			c.type = "deduct";
			c.d_on = -1;
			c.ref_type = "loan";
			c.ref_id = lid;
			c.reason = "loan";
			if ((rc = inv_stock_change(db, ctx, &rows[i], &c,
			    NULL)) != HF_OK)
				return rc;
			if ((rc = lend_loan_load(db, ctx->arena, id,
			    &t->out[t->n])) != HF_OK)
				return rc;
			t->n++;
		}
	/* the stored idempotent reply is rendered from these */
	*t->outp = t->out;
	*t->noutp = t->n;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Lends one unit per line of in->skus to the user, all or none. Returns
 * the loans in *out (arena), or INV_001 (unknown SKU), INV_002 (every
 * short line in ctx->details), LOAN_001, AUTH_005 or REQ_010.
 */
int
svc_loans_create(struct svc_ctx *ctx, const struct loan_req *in,
    struct idem *idem, struct loan **out, size_t *nout)
{
	struct create_txn	 t;
	struct reserve_item	*lines;
	size_t			 i, n = 0;
	int			 rc;

	*out = NULL;
	*nout = 0;
	memset(&t, 0, sizeof(t));
	if (in->n == 0 || in->n > LOAN_MAX_LINES) {
		ctx->field = "items";
		ctx->reason = "1 to 100 lines";
		return HF_E_REQ_FIELD;
	}
	if ((rc = lend_resolve_user(ctx, in->user_id, &t.user_id)) != HF_OK)
		return rc;
	lines = arena_calloc(ctx->arena, in->n, sizeof(*lines));
	t.out = arena_calloc(ctx->arena, in->n, sizeof(*t.out));
	if (lines == NULL || t.out == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < in->n; i++) {
		lines[i].sku = in->skus[i];
		lines[i].quantity = 1;
	}
	/* one line per SKU, however it is spelled, in lock order */
	if ((rc = inv_lines_merge(ctx, lines, in->n, &lines, &n)) != HF_OK)
		return rc;
	t.ctx = ctx;
	t.lines = lines;
	t.nlines = n;
	t.units = in->n;
	t.idem = idem;
	t.outp = out;
	t.noutp = nout;
	if ((rc = svc_txn(ctx, create_fn, &t)) != HF_OK) {
		*out = NULL;
		*nout = 0;
		return rc;
	}
	*out = t.out;
	*nout = t.n;
	return HF_OK;
}

int
svc_loan_get(struct svc_ctx *ctx, uint64_t id, struct loan *l)
{
	int	rc = lend_loan_load(ctx->app->db, ctx->arena, id, l);

	if (rc == HF_OK && !lend_may_see(ctx->who, l->user_id))
		return HF_E_NOT_FOUND;
	return rc;
}

int
svc_loans_list(struct svc_ctx *ctx, const struct lend_filter *f,
    struct loan **out, size_t *n, long long *total)
{
	struct db_param		p[8];
	struct db_result	r;
	uint64_t		uid = f->user_id;
	size_t			i;
	int			rc;

	if (!lend_is_staff(ctx->who))
		uid = ctx->who->user_id;	/* a user sees their own */
	p[0] = uid != 0 ? DB_INT((long long)uid) : DB_NULL;
	p[1] = p[0];
	p[2] = f->status != NULL ? DB_STR(f->status) : DB_NULL;
	p[3] = p[2];
	p[4] = f->sku != NULL ? DB_STR(f->sku) : DB_NULL;
	p[5] = p[4];
	p[6] = DB_INT(f->per_page);
	p[7] = DB_INT((f->page - 1) * f->per_page);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_loans_count, p,
	    6, &r)) != HF_OK)
		return rc;
	*total = inv_cell_ll(&r, 0, 0);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_loans_list, p, 8,
	    &r)) != HF_OK)
		return rc;
	if ((*out = arena_calloc(ctx->arena, r.nrows + 1, sizeof(**out))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++)
		lend_loan_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	return HF_OK;
}

struct loan_txn {
	struct svc_ctx		*ctx;
	uint64_t		 id;
	struct idem		*idem;
	struct loan		*out;
	struct lend_mail	 mail;
};

/*
 * Reads the loan (404 for others), locks its stock row, then the loan,
 * and checks it is still active (LOAN_002). *renewals gets its count.
 */
static int
loan_lock_active(struct db *db, struct loan_txn *t, struct stock_row *s,
    long long *renewals)
{
	struct svc_ctx		*ctx = t->ctx;
	struct db_param		 p[1] = { DB_INT((long long)t->id) };
	struct db_result	 r;
	struct loan		 l;
	int			 rc;

	if ((rc = lend_loan_load(db, ctx->arena, t->id, &l)) != HF_OK)
		return rc;
	if (!lend_may_see(ctx->who, l.user_id))
		return HF_E_NOT_FOUND;
	if ((rc = inv_stock_lock(db, ctx->arena, NULL, l.product_id, s)) !=
	    HF_OK ||
	    (rc = db_query(db, ctx->arena, &db_sql_loan_lock, p, 1, &r)) !=
	    HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	if (strcmp(DB_CELL(&r, 0, 3), "active") != 0) {
		ctx->message = arena_printf(ctx->arena, "loan %llu is already "
		    "returned", (unsigned long long)t->id);
		return HF_E_LOAN_RETURNED;
	}
	*renewals = inv_cell_ll(&r, 0, 4);
	return HF_OK;
}

static int
return_fn(struct db *db, void *arg)
{
	struct loan_txn		*t = arg;
	struct stock_row	 s;
	struct db_param		 p[1] = { DB_INT((long long)t->id) };
	struct change		 c;
	char			 lid[24];
	long long		 renewals;
	uint64_t		 n = 0;
	int			 rc;

	t->mail.n = 0;
	if ((rc = loan_lock_active(db, t, &s, &renewals)) != HF_OK ||
	    (rc = db_exec(db, &db_sql_loan_return, p, 1, &n, NULL)) != HF_OK)
		return rc;
	if (n != 1)
		return HF_E_LOAN_RETURNED;
	snprintf(lid, sizeof(lid), "%llu", (unsigned long long)t->id);
	memset(&c, 0, sizeof(c));
	c.type = "restock";
	c.d_on = 1;
	c.ref_type = "loan";
	c.ref_id = lid;
	c.reason = "return";
	if ((rc = inv_stock_change(db, t->ctx, &s, &c, NULL)) != HF_OK ||
	    (rc = holds_fill(db, t->ctx, &s, &t->mail, NULL)) != HF_OK ||
	    (rc = lend_loan_load(db, t->ctx->arena, t->id, t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Returns a loan: a `restock` row naming it, and the unit goes to the
 * first waiting hold of the SKU in the same transaction.
 */
int
svc_loan_return(struct svc_ctx *ctx, uint64_t id, struct idem *idem,
    struct loan *out)
{
	struct loan_txn	t;
	int		rc;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.idem = idem;
	t.out = out;
	if ((rc = svc_txn(ctx, return_fn, &t)) == HF_OK)
		lend_mail_deliver(ctx->app, &t.mail);
	return rc;
}

static int
renew_fn(struct db *db, void *arg)
{
	struct loan_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct stock_row	 s;
	struct db_param		 p[2];
	long long		 renewals, waiting;
	long long		 max = ctx->app->cfg.loan_max_renewals;
	uint64_t		 n = 0;
	int			 rc;

	if ((rc = loan_lock_active(db, t, &s, &renewals)) != HF_OK)
		return rc;
	if (renewals >= max) {
		ctx->message = arena_printf(ctx->arena, "loan %llu was renewed "
		    "%lld times, the most allowed", (unsigned long long)t->id,
		    renewals);
		return HF_E_LOAN_RENEWALS;
	}
	if ((rc = lend_waiting(db, ctx->arena, s.product_id, &waiting)) !=
	    HF_OK)
		return rc;
	if (waiting > 0) {
		ctx->message = arena_printf(ctx->arena, "%lld %s waiting for "
		    "SKU %s", waiting, waiting == 1 ? "person is" :
		    "people are", s.sku);
		svc_details_clear(ctx);
		svc_detail_str(ctx, "sku", s.sku);
		svc_detail_int(ctx, "waiting", waiting);
		return HF_E_LOAN_WAITING;
	}
	p[0] = DB_INT(ctx->app->cfg.loan_period_days);
	p[1] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_loan_renew, p, 2, &n, NULL)) != HF_OK)
		return rc;
	if (n != 1)
		return HF_E_LOAN_RETURNED;
	if ((rc = lend_loan_load(db, ctx->arena, t->id, t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Renews a loan by one loan period (from the due date, or from now once
 * overdue): LOAN_003 past loan_max_renewals, LOAN_004 while anyone waits
 * for the SKU.
 */
int
svc_loan_renew(struct svc_ctx *ctx, uint64_t id, struct idem *idem,
    struct loan *out)
{
	struct loan_txn	t;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.idem = idem;
	t.out = out;
	return svc_txn(ctx, renew_fn, &t);
}

/* --- statistics ------------------------------------------------------- */

static const char *
day_format(struct arena *a, long long t, int with_time)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		buf[32];

	if (gmtime_r(&tt, &tm) == NULL)
		return NULL;
	strftime(buf, sizeof(buf), with_time ? "%Y-%m-%d %H:%M:%S.000" :
	    "%Y-%m-%d", &tm);
	return arena_strdup(a, buf);
}

/*
 * The day range of a report: both days inclusive, to defaulting to today
 * (UTC) and from to 29 days before to. REQ_010 for a bad or reversed day
 * or a range over STATS_MAX_DAYS.
 */
static int
day_range(struct svc_ctx *ctx, const char *from_day, const char *to_day,
    long long *from, long long *to)
{
	*to = to_day != NULL ? hf_day_parse(to_day) :
	    (long long)hf_unix_time() / 86400 * 86400;
	*from = from_day != NULL ? hf_day_parse(from_day) :
	    *to - (STATS_DEFAULT_DAYS - 1) * 86400LL;
	ctx->reason = "a day as YYYY-MM-DD";
	if (*to < 0) {
		ctx->field = "to";
		return HF_E_REQ_FIELD;
	}
	if (*from < 0) {
		ctx->field = "from";
		return HF_E_REQ_FIELD;
	}
	if (*from > *to || (*to - *from) / 86400 + 1 > STATS_MAX_DAYS) {
		ctx->field = "from";
		ctx->reason = "from must not be after to, and the range at "
		    "most 366 days";
		return HF_E_REQ_FIELD;
	}
	ctx->reason = NULL;
	return HF_OK;
}

/* Counts per day from a (day, count) result sorted by day, into key. */
static void
merge_days(json_object *days, const struct db_result *r, const char *key)
{
	size_t		 i, d, n = json_object_array_length(days);
	json_object	*o, *v;

	for (i = 0, d = 0; i < r->nrows; i++)
		for (; d < n; d++) {
			o = json_object_array_get_idx(days, d);
			if (json_object_object_get_ex(o, "day", &v) &&
			    strcmp(json_object_get_string(v),
			    DB_CELL(r, i, 0)) == 0) {
				json_object_object_add(o, key,
				    json_object_new_int64(inv_cell_ll(r, i,
				    1)));
				break;
			}
		}
}

static long long
sum_key(json_object *days, const char *key)
{
	size_t		 i;
	long long	 n = 0;
	json_object	*v;

	for (i = 0; i < json_object_array_length(days); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(days,
		    i), key, &v))
			n += json_object_get_int64(v);
	return n;
}

/*
 * GET /stats/loans: loans started and returned per day (UTC) over a range
 * of days, every day listed, and the loans active, overdue and returned
 * now. *out is owned by the caller.
 */
int
svc_stats_loans(struct svc_ctx *ctx, const char *from_day, const char *to_day,
    json_object **out)
{
	struct db_param		 p[2];
	struct db_result	 r;
	json_object		*days, *o, *totals, *now;
	long long		 from, to, d;
	int			 rc;

	*out = NULL;
	if ((rc = day_range(ctx, from_day, to_day, &from, &to)) != HF_OK)
		return rc;
	days = json_object_new_array();
	for (d = from; d <= to; d += 86400) {
		o = json_object_new_object();
		json_object_object_add(o, "day", json_object_new_string(
		    day_format(ctx->arena, d, 0)));
		json_object_object_add(o, "loans", json_object_new_int64(0));
		json_object_object_add(o, "returns", json_object_new_int64(0));
		json_object_array_add(days, o);
	}
	p[0] = DB_STR(day_format(ctx->arena, from, 1));
	p[1] = DB_STR(day_format(ctx->arena, to + 86400, 1));
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_stats_loans_day,
	    p, 2, &r)) != HF_OK)
		goto fail;
	merge_days(days, &r, "loans");
	if ((rc = db_query(ctx->app->db, ctx->arena,
	    &db_sql_stats_returns_day, p, 2, &r)) != HF_OK)
		goto fail;
	merge_days(days, &r, "returns");
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_stats_loans_now,
	    NULL, 0, &r)) != HF_OK)
		goto fail;
	totals = json_object_new_object();
	json_object_object_add(totals, "loans",
	    json_object_new_int64(sum_key(days, "loans")));
	json_object_object_add(totals, "returns",
	    json_object_new_int64(sum_key(days, "returns")));
	now = json_object_new_object();
	json_object_object_add(now, "active",
	    json_object_new_int64(inv_cell_ll(&r, 0, 0)));
	json_object_object_add(now, "overdue",
	    json_object_new_int64(inv_cell_ll(&r, 0, 1)));
	json_object_object_add(now, "returned",
	    json_object_new_int64(inv_cell_ll(&r, 0, 2)));
	*out = json_object_new_object();
	json_object_object_add(*out, "from", json_object_new_string(
	    day_format(ctx->arena, from, 0)));
	json_object_object_add(*out, "to", json_object_new_string(
	    day_format(ctx->arena, to, 0)));
	json_object_object_add(*out, "days", days);
	json_object_object_add(*out, "totals", totals);
	json_object_object_add(*out, "now", now);
	return HF_OK;
fail:
	json_object_put(days);
	return rc;
}

/*
 * GET /stats/categories: per category (null: products without one) the
 * products and their stock, the loans started (all time, or within
 * from..to when given), active and overdue now, and the holds waiting.
 */
int
svc_stats_categories(struct svc_ctx *ctx, const char *from_day,
    const char *to_day, json_object **out)
{
	static const char *const names[] = { "products", "on_hand",
	    "reserved", "available", "loans", "active_loans",
	    "overdue_loans", "waiting_holds" };
	struct db_param		 p[4];
	struct db_result	 r;
	json_object		*items, *o;
	long long		 from = -1, to = -1;
	size_t			 i, c;
	int			 rc;

	*out = NULL;
	if (from_day != NULL || to_day != NULL) {
		if ((rc = day_range(ctx, from_day, to_day, &from, &to)) !=
		    HF_OK)
			return rc;
		p[0] = DB_STR(day_format(ctx->arena, from, 1));
		p[2] = DB_STR(day_format(ctx->arena, to + 86400, 1));
	} else {
		p[0] = DB_NULL;
		p[2] = DB_NULL;
	}
	p[1] = p[0];
	p[3] = p[2];
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_stats_categories,
	    p, 4, &r)) != HF_OK)
		return rc;
	items = json_object_new_array();
	for (i = 0; i < r.nrows; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "category",
		    DB_CELL(&r, i, 0) != NULL ?
		    json_object_new_string(DB_CELL(&r, i, 0)) : NULL);
		json_object_object_add(o, "slug", DB_CELL(&r, i, 1) != NULL ?
		    json_object_new_string(DB_CELL(&r, i, 1)) : NULL);
		for (c = 0; c < sizeof(names) / sizeof(names[0]); c++)
			json_object_object_add(o, names[c],
			    json_object_new_int64(inv_cell_ll(&r, i, c + 2)));
		json_object_array_add(items, o);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "from", from >= 0 ? json_object_new_string(
	    day_format(ctx->arena, from, 0)) : NULL);
	json_object_object_add(*out, "to", to >= 0 ? json_object_new_string(
	    day_format(ctx->arena, to, 0)) : NULL);
	json_object_object_add(*out, "categories", items);
	return HF_OK;
}
