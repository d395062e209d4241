/*
 * loans.c: lending units to users, reading them, returns and renewals
 * (the lending statistics: lend_stats.c).
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
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/lending.h"
#include "inv_int.h"
#include "lend_int.h"

/* --- lending ---------------------------------------------------------- */

struct create_txn {
	struct svc_ctx		*ctx;
	uint64_t		 user_id;
	struct reserve_item	*lines;		/* sorted, summed */
	size_t			 nlines, units;
	struct idem		*idem;
	struct loan		*out;
	size_t			 n;
	struct loan		**outp;		/* the caller's (reply) */
	size_t			*noutp;
	const char		*trip;		/* inv_trip_lines */
	int			 done;		/* create_trip_fn lent */
	const struct loan_req	*in;		/* hold_if_unavailable */
	struct lend_mail	 mail;		/* its hold's confirmation */
	int			 held;		/* a hold instead */
};

/*
 * The one-trip path (sql/012_procedures.sql, hf_loan_create): one CALL
 * that lends every line and commits, then the loans read as they are;
 * done stays 0 when the procedure left the loan to the C path.
 */
static int
create_trip_fn(struct db *db, void *arg)
{
	struct create_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct db_count		*ids;
	struct db_param		 p[8];
	size_t			 i, n;
	int			 rc;

	p[0] = DB_STR(t->trip);
	p[1] = DB_INT((long long)t->user_id);
	p[2] = DB_INT((long long)t->units);
	p[3] = DB_INT(ctx->app->cfg.loan_limit);
	p[4] = DB_INT(ctx->app->cfg.loan_period_days);
	p[5] = DB_STR(ctx->who->actor);
	p[6] = DB_STR_OR_NULL(ctx->request_id);
	/* a borrower it blocks, and short lines, are left to create_fn */
	p[7] = DB_INT(ctx->app->cfg.loan_block_overdue_days);
	if ((rc = db_rows(db, ctx->arena, &db_sql_loan_create_call, p, 8,
	    &ids, &n)) != HF_OK || n == 0)
		return rc;
	t->done = 1;
	for (i = 0, t->n = 0; i < n && i < t->units; i++) {
		if ((rc = lend_loan_load(db, ctx, (uint64_t)ids[i].n,
		    &t->out[t->n])) != HF_OK)
			return rc;
		svc_touch(ctx, t->out[t->n].product_id, t->out[t->n].sku);
		t->n++;
	}
	return HF_OK;
}

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
	size_t			 i, j;
	int			 rc;

	t->n = 0;
	t->mail.n = 0;
	t->held = 0;
	if (t->in->held != NULL)
		*t->in->held = 0;
	/* the one definition: units owed to waiting holds are not lent to
	 * others, expired ones are freed first when short; the borrower's
	 * row after the stock rows (lend_user_lock), then the refusals */
	if ((rc = inv_lock_lines(db, ctx, t->lines, t->nlines, NULL, NULL,
	    &lk)) != HF_OK ||
	    (rc = lend_user_lock(db, ctx, t->user_id, &u)) != HF_OK ||
	    (rc = lend_limit_check(db, ctx, t->user_id, t->units)) != HF_OK ||
	    (rc = lend_overdue_check(db, ctx, t->user_id)) != HF_OK)
		return rc;
	rc = inv_lock_verdict(ctx, &lk);
	if (rc == HF_E_INV_INSUFFICIENT && t->in->hold_if_unavailable &&
	    t->in->hold != NULL) {
		/* issue 14, item 6: no unit, a hold instead (its own refusals) */
		svc_details_clear(ctx);
		ctx->message = NULL;
		if ((rc = holds_place(db, ctx, t->user_id, lk.rows[0].sku,
		    t->lines[0].location, &t->mail, t->in->hold)) != HF_OK)
			return rc;
		t->held = 1;
		/* the stored idempotent reply (202) is rendered from these */
		if (t->in->held != NULL)
			*t->in->held = 1;
		*t->outp = t->out;
		*t->noutp = 0;
		return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
	}
	if (rc != HF_OK)
		return rc;
	rows = lk.rows;
	for (j = 0; j < lk.ntakes; j++) {
		i = lk.takes[j].line;
		for (k = 0; k < lk.takes[j].qty; k++) {
			if ((rc = lend_loan_insert(db, ctx, t->user_id,
			    &rows[i], lk.takes[j].loc->id, &id)) != HF_OK)
				return rc;
			snprintf(lid, sizeof(lid), "%llu",
			    (unsigned long long)id);
			memset(&c, 0, sizeof(c));
			c.type = "deduct";
			c.d_on = -1;
			c.ref_type = "loan";
			c.ref_id = lid;
			c.reason = "loan";
			c.location_id = lk.takes[j].loc->id;
			if ((rc = inv_stock_change(db, ctx, &rows[i], &c,
			    NULL)) != HF_OK)
				return rc;
			if ((rc = lend_loan_load(db, ctx, id,
			    &t->out[t->n])) != HF_OK)
				return rc;
			t->n++;
		}
	}
	/* the stored idempotent reply is rendered from these */
	*t->outp = t->out;
	*t->noutp = t->n;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Lends one unit per line of in->skus (1 to 100 lines: the request
 * schema) to the user, all or none. Returns the loans in *out (arena), or
 * INV_001 (unknown SKU), INV_002 (every short line in ctx->lines),
 * INV_011, LOAN_001, AUTH_005 or REQ_010; LOAN_006 when overdue loans
 * block the borrower (loan_block_overdue_days). With in->hold_if_unavailable
 * (one line only), a line short of units places a hold (*in->hold, and
 * *in->held 1) in the same transaction instead, or gives its refusal.
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
	if ((rc = lend_resolve_user(ctx, in->user_id, &t.user_id)) != HF_OK)
		return rc;
	if (in->hold_if_unavailable && in->n != 1) {
		ctx->field = "hold_if_unavailable";
		ctx->reason = "a hold instead is for a borrow of one item";
		return HF_E_REQ_FIELD;
	}
	lines = arena_calloc(ctx->arena, in->n, sizeof(*lines));
	t.out = arena_calloc(ctx->arena, in->n, sizeof(*t.out));
	if (lines == NULL || t.out == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < in->n; i++) {
		lines[i].sku = in->skus[i];
		lines[i].quantity = 1;
		if (in->locations != NULL)
			lines[i].location = in->locations[i];
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
	t.in = in;
	/* the plain case in one round trip (a request that stores its
	 * answer under an Idempotency-Key takes the C path) */
	if (svc_unkeyed(idem))
		t.trip = inv_trip_lines(ctx, lines, n);
	if ((rc = svc_write(ctx, t.trip != NULL ? create_trip_fn : NULL, &t,
	    &t.done, create_fn, &t)) != HF_OK) {
		*out = NULL;
		*nout = 0;
		return rc;
	}
	lend_mail_deliver(ctx->app, &t.mail);
	if (in->held != NULL)
		*in->held = t.held;
	*out = t.out;
	*nout = t.n;
	return HF_OK;
}

int
svc_loan_get(struct svc_ctx *ctx, uint64_t id, struct loan *l)
{
	int	rc = lend_loan_load(ctx->app->db, ctx, id, l);

	if (rc == HF_OK && !lend_may_see(ctx->who, l->user_id))
		return HF_E_NOT_FOUND;
	return rc;
}

int
svc_loans_list(struct svc_ctx *ctx, const struct lend_filter *f,
    struct loan **out, size_t *n, struct svc_keyset *ks)
{
	struct db_param	p[6];
	uint64_t	uid = f->user_id;
	long long	offset = svc_ks_offset(ks, f->page, f->per_page);
	int		rc;

	if (!lend_is_staff(ctx->who))
		uid = ctx->who->user_id;	/* a user sees their own */
	p[0] = DB_OPT_INT(uid != 0, (long long)uid);
	p[1] = DB_OPT_STR(f->status);
	p[2] = DB_OPT_STR(f->sku);
	p[3] = DB_INT(svc_ks_after(ks));
	p[4] = DB_INT(f->per_page + 1);
	p[5] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_loans_list, p, 6,
	    out, n)) != HF_OK)
		return rc;
	if (svc_ks_trim(ks, n, f->per_page))
		ks->next = (*out)[*n - 1].id;
	if ((rc = svc_ks_count(ctx, ks, &db_sql_loans_count, p, 3, offset,
	    *n)) != HF_OK)
		return rc;
	lend_loans_left(ctx, *out, *n);
	return HF_OK;
}

struct loan_txn {
	struct svc_ctx		*ctx;
	uint64_t		 id;
	struct idem		*idem;
	struct loan		*out;
	struct lend_mail	 mail;
	uint64_t		 location_id;	/* where the copy went out */
	const char		*at;		/* return: where it came back */
	int			 done;		/* return_trip_fn did it */
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
	struct loan		 l, k;
	int			 rc, found;

	if ((rc = lend_loan_load(db, ctx, t->id, &l)) != HF_OK)
		return rc;
	if (!lend_may_see(ctx->who, l.user_id))
		return HF_E_NOT_FOUND;
	if ((rc = inv_stock_lock(db, ctx->arena, NULL, l.product_id, s)) !=
	    HF_OK ||
	    (rc = db_row(db, ctx->arena, &db_sql_loan_lock, p, 1, &k,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_NOT_FOUND;
	if (strcmp(k.status, "active") != 0) {
		ctx->message = arena_printf(ctx->arena, "loan %llu is already "
		    "%s", (unsigned long long)t->id, k.status);
		return strcmp(k.status, "voided") == 0 ? HF_E_LOAN_VOIDED :
		    HF_E_LOAN_RETURNED;
	}
	*renewals = k.renewals;
	t->location_id = l.location_id;
	return HF_OK;
}

static int
return_fn(struct db *db, void *arg)
{
	struct loan_txn		*t = arg;
	struct stock_row	 s;
	struct db_param		 p[1] = { DB_INT((long long)t->id) };
	const struct location	*at = NULL, *lo = NULL;
	struct change		 c;
	char			 lid[24];
	long long		 renewals;
	uint64_t		 n = 0;
	int			 rc;

	t->mail.n = 0;
	if ((rc = loan_lock_active(db, t, &s, &renewals)) != HF_OK)
		return rc;
	/* the branch it came back to takes units: active, not frozen */
	if (t->at != NULL &&
	    (rc = inv_location_open(db, t->ctx, t->at, &at)) != HF_OK)
		return rc;
	if ((rc = db_exec(db, &db_sql_loan_return, p, 1, &n, NULL)) != HF_OK)
		return rc;
	if (n != 1)
		return HF_E_LOAN_RETURNED;
	/* where it came back; by default where it went out, unless that
	 * branch closed since */
	if (at == NULL &&
	    (rc = inv_location_back(db, t->ctx, t->location_id, &lo)) != HF_OK)
		return rc;
	snprintf(lid, sizeof(lid), "%llu", (unsigned long long)t->id);
	memset(&c, 0, sizeof(c));
	c.type = "restock";
	c.d_on = 1;
	c.ref_type = "loan";
	c.ref_id = lid;
	c.reason = "return";
	c.location_id = at != NULL ? at->id : lo->id;
	if ((rc = inv_stock_change(db, t->ctx, &s, &c, NULL)) != HF_OK ||
	    (rc = holds_fill(db, t->ctx, &s, &t->mail, NULL)) != HF_OK ||
	    (rc = lend_loan_load(db, t->ctx, t->id, t->out)) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Returns a loan at the location at (a code; NULL: where the copy went
 * out): a `restock` row naming it there, and the unit goes to the first
 * waiting hold of the SKU in the same transaction (and travels to its
 * pickup branch when that is elsewhere).
 */
/*
 * The one-trip path (sql/012_procedures.sql, hf_loan_return): one CALL
 * that takes the unit back and commits, then the loan read as it is;
 * done stays 0 when the procedure left the return to the C path (holds
 * waiting, a refusal).
 */
static int
return_trip_fn(struct db *db, void *arg)
{
	struct loan_txn	*t = arg;
	struct svc_ctx	*ctx = t->ctx;
	struct db_param	 p[5];
	long long	 id;
	int		 rc;

	p[0] = DB_INT((long long)t->id);
	p[1] = DB_STR_OR_NULL(t->at);
	p[2] = DB_INT(lend_is_staff(ctx->who) ? 0 :
	    (long long)ctx->who->user_id);
	p[3] = DB_STR(ctx->who->actor);
	p[4] = DB_STR_OR_NULL(ctx->request_id);
	id = db_count_of(db, ctx->arena, &db_sql_loan_return_call, p, 5, &rc);
	if (rc != HF_OK || id <= 0)
		return rc;
	t->done = 1;
	if ((rc = lend_loan_load(db, ctx, t->id, t->out)) != HF_OK)
		return rc;
	svc_touch(ctx, t->out->product_id, t->out->sku);
	return HF_OK;
}

int
svc_loan_return_at(struct svc_ctx *ctx, uint64_t id, const char *at,
    struct idem *idem, struct loan *out)
{
	struct loan_txn	t;
	int		rc, trip;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.at = at;
	t.idem = idem;
	t.out = out;
	/* the plain case in one round trip (a request that stores its
	 * answer under an Idempotency-Key takes the C path) */
	trip = svc_unkeyed(idem) &&
	    (lend_is_staff(ctx->who) || ctx->who->user_id != 0) &&
	    (at == NULL || (strlen(at) <= 32 &&
	    hf_sku_valid(at, strlen(at))));
	/* t.mail stays empty on the one trip (no hold waited) */
	if ((rc = svc_write(ctx, trip ? return_trip_fn : NULL, &t, &t.done,
	    return_fn, &t)) == HF_OK)
		lend_mail_deliver(ctx->app, &t.mail);
	return rc;
}

int
svc_loan_return(struct svc_ctx *ctx, uint64_t id, struct idem *idem,
    struct loan *out)
{
	return svc_loan_return_at(ctx, id, NULL, idem, out);
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
	if ((rc = lend_loan_load(db, ctx, t->id, t->out)) != HF_OK)
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
