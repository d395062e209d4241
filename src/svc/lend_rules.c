/*
 * lend_rules.c: the lending rules a desk expects (issue 14, item 6;
 * docs/internals.md, "Issue 14: lending rules"): the confirmation of a
 * new hold, the overdue block, returns and renewals in batches, and a
 * loan voided by staff. A borrow that places a hold instead
 * (hold_if_unavailable) is loans.c's create_fn calling holds_place.
 *
 * A batch reads its loans, sorts them by SKU (then id) and locks, for
 * each in that order, its stock row and then the loan, as a single
 * return or renewal does; it checks every loan before it changes any,
 * so that it is all or none with every refusal named (LOAN_005, details
 * refusals: [{loan_id, code, message}]). Another reader's loan is named
 * as not found (REQ_011), like an unknown id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/lending.h"
#include "holdfast/outbox.h"
#include "inv_int.h"
#include "lend_int.h"

#define OVERDUE_NAMED	20	/* overdue loans a refusal names */

/* --- the overdue block ------------------------------------------------- */

/*
 * With loan_block_overdue_days set, refuses (LOAN_006) a borrower who has
 * a loan overdue by that many days or more, naming those loans (details
 * overdue_loans: [{loan_id, message: due date}]). In the caller's
 * transaction, after the borrower's row is locked.
 */
int
lend_overdue_check(struct db *db, struct svc_ctx *ctx, uint64_t user_id)
{
	struct db_param	 p[3];
	struct loan	*l;
	size_t		 i, n = 0;
	int		 days = ctx->app->cfg.loan_block_overdue_days, rc;

	if (days <= 0)
		return HF_OK;
	p[0] = DB_INT((long long)user_id);
	p[1] = DB_INT(days);
	p[2] = DB_INT(OVERDUE_NAMED);
	if ((rc = db_rows(db, ctx->arena, &db_sql_loans_overdue_of, p, 3, &l,
	    &n)) != HF_OK || n == 0)
		return rc;
	svc_details_clear(ctx);
	if ((ctx->faults = arena_calloc(ctx->arena, n,
	    sizeof(*ctx->faults))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < n; i++) {
		ctx->faults[i].loan_id = l[i].id;
		ctx->faults[i].message = arena_printf(ctx->arena, "due %s",
		    l[i].due_at != NULL ? l[i].due_at : "");
	}
	ctx->nfaults = n;
	ctx->faults_key = "overdue_loans";
	svc_detail_int(ctx, "block_overdue_days", days);
	ctx->message = arena_printf(ctx->arena, "%zu%s loan%s overdue by %d "
	    "days or more: return %s first", n, n == OVERDUE_NAMED ? "+" : "",
	    n == 1 ? "" : "s", days, n == 1 ? "it" : "them");
	return HF_E_LOAN_OVERDUE;
}

/* --- a hold's confirmation --------------------------------------------- */

/*
 * The e-mail confirming hold id to its patron, through the outbox (event
 * type hold.placed), in the transaction that placed it; noted in mail
 * for sending after COMMIT. An address no server takes is logged, and
 * the hold stands without the mail (as the hold.ready notice does).
 */
int
lend_hold_placed(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct lend_mail *mail)
{
	struct hold		 h;
	struct lend_user	 u;
	const char		*subject, *body, *pos;
	uint64_t		 mid = 0;
	int			 rc;

	if ((rc = lend_hold_load(db, ctx->arena, id, &h)) != HF_OK ||
	    (rc = lend_user_get(db, ctx->arena, h.user_id, &u)) != HF_OK)
		return rc;
	subject = arena_printf(ctx->arena, "Hold placed: %s",
	    lend_oneline(ctx->arena, h.name));
	pos = h.position != HF_NULL_INT ? arena_printf(ctx->arena,
	    "You are number %lld in line.", h.position) :
	    "A copy is on its way to you.";
	body = arena_printf(ctx->arena, "Hello %s,\n\n"
	    "your hold is placed:\n\n"
	    "  %s (SKU %s)\n\n"
	    "%s We write again when a copy is set aside for you%s%s.\n\n"
	    "Hold %llu\n",
	    u.display_name != NULL ? u.display_name : u.email, h.name, h.sku,
	    pos, h.pickup_location != NULL ? " at " : "",
	    h.pickup_location != NULL ? h.pickup_location : "",
	    (unsigned long long)h.id);
	if (subject == NULL || body == NULL)
		return HF_E_SYS_INTERNAL;
	rc = outbox_email(db, "hold.placed", u.email, subject, body, &mid);
	if (rc == HF_E_REQ_FIELD) {
		log_warn(ctx->request_id, "hold %llu: no e-mail for user %llu",
		    (unsigned long long)h.id, (unsigned long long)h.user_id);
		return HF_OK;
	}
	if (rc == HF_OK)
		lend_mail_add(mail, mid);
	return rc;
}

/* --- batches ----------------------------------------------------------- */

struct batch_item {
	uint64_t	 id;
	size_t		 pos;		/* in the request */
	int		 seen;		/* the caller may see it */
	struct loan	 l;
	int		 rc;		/* its refusal, or HF_OK */
	const char	*why;
};

struct batch_txn {
	struct svc_ctx		*ctx;
	const struct loan_batch	*in;
	struct idem		*idem;
	struct batch_item	*it;		/* sorted */
	struct loan		*out;		/* request order */
	struct lend_mail	 mail;
};

/* Seen loans by SKU then id; the others after, in request order. */
static int
by_sku(const void *a, const void *b)
{
	const struct batch_item	*x = a, *y = b;
	int			 c;

	if (x->seen != y->seen)
		return x->seen ? -1 : 1;
	if (!x->seen)
		return x->pos < y->pos ? -1 : x->pos > y->pos;
	if ((c = strcmp(x->l.sku, y->l.sku)) != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Locks the item's stock row into s, then its loan; sets its refusal. */
static int
batch_check(struct db *db, struct batch_txn *t, struct batch_item *b,
    struct stock_row *s)
{
	struct svc_ctx	*ctx = t->ctx;
	struct db_param	 p[1] = { DB_INT((long long)b->id) };
	struct loan	 k;
	long long	 waiting;
	int		 rc, found;

	if ((rc = inv_stock_lock(db, ctx->arena, NULL, b->l.product_id, s)) !=
	    HF_OK ||
	    (rc = db_row(db, ctx->arena, &db_sql_loan_lock, p, 1, &k,
	    &found)) != HF_OK)
		return rc;
	if (!found) {
		b->rc = HF_E_NOT_FOUND;
		b->why = "no such loan";
	} else if (strcmp(k.status, "active") != 0) {
		b->rc = strcmp(k.status, "voided") == 0 ? HF_E_LOAN_VOIDED :
		    HF_E_LOAN_RETURNED;
		b->why = arena_printf(ctx->arena, "loan is %s", k.status);
	} else if (t->in->renew &&
	    k.renewals >= ctx->app->cfg.loan_max_renewals) {
		b->rc = HF_E_LOAN_RENEWALS;
		b->why = arena_printf(ctx->arena, "renewed %lld times, the "
		    "most allowed", k.renewals);
	} else if (t->in->renew) {
		if ((rc = lend_waiting(db, ctx->arena, s->product_id,
		    &waiting)) != HF_OK)
			return rc;
		if (waiting > 0) {
			b->rc = HF_E_LOAN_WAITING;
			b->why = arena_printf(ctx->arena, "%lld waiting for "
			    "SKU %s", waiting, s->sku);
		}
	}
	return HF_OK;
}

/* Returns or renews the checked, locked loan of b. */
static int
batch_do(struct db *db, struct batch_txn *t, struct batch_item *b,
    const struct location *at)
{
	struct svc_ctx		*ctx = t->ctx;
	struct stock_row	 s;
	const struct location	*lo = at;
	struct db_param		 p[2];
	struct change		 c;
	char			 lid[24];
	uint64_t		 n = 0;
	int			 rc;

	if (t->in->renew) {
		p[0] = DB_INT(ctx->app->cfg.loan_period_days);
		p[1] = DB_INT((long long)b->id);
		if ((rc = db_exec(db, &db_sql_loan_renew, p, 2, &n, NULL)) !=
		    HF_OK)
			return rc;
		return n == 1 ? HF_OK : HF_E_LOAN_RETURNED;
	}
	/* the row again: an earlier loan of this SKU changed it */
	p[0] = DB_INT((long long)b->id);
	if ((rc = inv_stock_lock(db, ctx->arena, NULL, b->l.product_id, &s)) !=
	    HF_OK ||
	    (rc = db_exec(db, &db_sql_loan_return, p, 1, &n, NULL)) != HF_OK)
		return rc;
	if (n != 1)
		return HF_E_LOAN_RETURNED;
	if (lo == NULL && (rc = inv_location_back(db, ctx, b->l.location_id,
	    &lo)) != HF_OK)
		return rc;
	snprintf(lid, sizeof(lid), "%llu", (unsigned long long)b->id);
	memset(&c, 0, sizeof(c));
	c.type = "restock";
	c.d_on = 1;
	c.ref_type = "loan";
	c.ref_id = lid;
	c.reason = "return";
	c.location_id = lo->id;
	if ((rc = inv_stock_change(db, ctx, &s, &c, NULL)) != HF_OK)
		return rc;
	/* a hold waiting for it gets it, as on a single return */
	return holds_fill(db, ctx, &s, &t->mail, NULL);
}

static int
batch_fn(struct db *db, void *arg)
{
	struct batch_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	const struct loan_batch	*in = t->in;
	struct stock_row	 s;
	const struct location	*at = NULL;
	struct batch_item	*b;
	size_t			 i, j, bad = 0;
	int			 rc;

	t->mail.n = 0;
	svc_details_clear(ctx);
	for (i = 0; i < in->n; i++) {
		b = &t->it[i];
		memset(b, 0, sizeof(*b));
		b->id = in->ids[i];
		b->pos = i;
		rc = lend_loan_load(db, ctx, b->id, &b->l);
		if (rc != HF_OK && rc != HF_E_NOT_FOUND)
			return rc;
		b->seen = rc == HF_OK && lend_may_see(ctx->who, b->l.user_id);
		if (!b->seen) {
			b->rc = HF_E_NOT_FOUND;	/* another's: not named as such */
			b->why = "no such loan";
		}
	}
	qsort(t->it, in->n, sizeof(*t->it), by_sku);
	for (i = 0; i < in->n && t->it[i].seen; i++)
		if ((rc = batch_check(db, t, &t->it[i], &s)) != HF_OK)
			return rc;
	for (i = 0; i < in->n; i++)
		bad += t->it[i].rc != HF_OK;
	if (bad > 0) {
		if ((ctx->faults = arena_calloc(ctx->arena, bad,
		    sizeof(*ctx->faults))) == NULL)
			return HF_E_SYS_INTERNAL;
		/* named in the order of the request */
		for (j = 0; j < in->n; j++)
			for (i = 0; i < in->n; i++) {
				b = &t->it[i];
				if (b->pos != j || b->rc == HF_OK)
					continue;
				ctx->faults[ctx->nfaults].loan_id = b->id;
				ctx->faults[ctx->nfaults].code =
				    hf_err_code(b->rc);
				ctx->faults[ctx->nfaults++].message = b->why;
			}
		ctx->faults_key = "refusals";
		ctx->message = arena_printf(ctx->arena, "%zu of %zu loans "
		    "refused: none was %s", bad, in->n, in->renew ? "renewed" :
		    "returned");
		return HF_E_LOAN_BATCH;
	}
	/* where they came back: one branch for all, taking units */
	if (!in->renew && in->at != NULL &&
	    (rc = inv_location_open(db, ctx, in->at, &at)) != HF_OK)
		return rc;
	for (i = 0; i < in->n; i++)
		if ((rc = batch_do(db, t, &t->it[i], at)) != HF_OK)
			return rc;
	for (i = 0; i < in->n; i++)
		if ((rc = lend_loan_load(db, ctx, in->ids[i], &t->out[i])) !=
		    HF_OK)
			return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Returns (at in->at, or where each went out) or renews every loan of
 * in, all or none: LOAN_005 naming every refusal; REQ_010 for an id
 * given twice. *out: the loans after it, in the order of in->ids.
 */
int
svc_loans_batch(struct svc_ctx *ctx, const struct loan_batch *in,
    struct idem *idem, struct loan **out)
{
	struct batch_txn	t;
	size_t			i, j;
	int			rc;

	*out = NULL;
	for (i = 0; i < in->n; i++)
		for (j = 0; j < i; j++)
			if (in->ids[i] == in->ids[j]) {
				ctx->field = "loan_ids";
				ctx->reason = arena_printf(ctx->arena, "loan %llu "
				    "is given twice", (unsigned long long)
				    in->ids[i]);
				return HF_E_REQ_FIELD;
			}
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.in = in;
	t.idem = idem;
	t.it = arena_calloc(ctx->arena, in->n, sizeof(*t.it));
	t.out = arena_calloc(ctx->arena, in->n, sizeof(*t.out));
	if (t.it == NULL || t.out == NULL)
		return HF_E_SYS_INTERNAL;
	*out = t.out;	/* the stored idempotent reply is rendered from it */
	if ((rc = svc_txn(ctx, batch_fn, &t)) != HF_OK) {
		*out = NULL;
		return rc;
	}
	lend_mail_deliver(ctx->app, &t.mail);
	return HF_OK;
}

/* --- voiding a loan ---------------------------------------------------- */

/* What the audit log keeps of a voided loan, before and after. */
static const struct hf_field void_audit[] = {
	HF_FIELD(struct loan, id, HF_K_U64),
	HF_FIELD(struct loan, user_id, HF_K_U64),
	HF_FIELD(struct loan, sku, HF_K_STR),
	HF_FIELD(struct loan, status, HF_K_STR),
	HF_FIELD(struct loan, void_reason, HF_K_STR),
};

struct void_txn {
	struct svc_ctx		*ctx;
	uint64_t		 id;
	const char		*reason;
	struct idem		*idem;
	struct loan		*out;
	struct lend_mail	 mail;
};

static int
void_fn(struct db *db, void *arg)
{
	struct void_txn		*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	struct batch_txn	 bt;
	struct loan_batch	 in;
	struct batch_item	 b;
	struct stock_row	 s;
	const struct location	*lo = NULL;
	struct db_param		 p[2];
	struct change		 c;
	char			 lid[24];
	uint64_t		 n = 0;
	int			 rc;

	t->mail.n = 0;
	memset(&b, 0, sizeof(b));
	memset(&in, 0, sizeof(in));
	memset(&bt, 0, sizeof(bt));
	bt.ctx = ctx;
	bt.in = &in;
	b.id = t->id;
	if ((rc = lend_loan_load(db, ctx, t->id, &b.l)) != HF_OK ||
	    (rc = batch_check(db, &bt, &b, &s)) != HF_OK)
		return rc;
	if (b.rc != HF_OK) {
		ctx->message = arena_printf(ctx->arena, "loan %llu: %s",
		    (unsigned long long)t->id, b.why);
		return b.rc;
	}
	p[0] = DB_STR(t->reason);
	p[1] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_loan_void, p, 2, &n, NULL)) != HF_OK)
		return rc;
	if (n != 1)
		return HF_E_LOAN_RETURNED;
	/* back where it went out (the default branch if that one closed) */
	if ((rc = inv_location_back(db, ctx, b.l.location_id, &lo)) != HF_OK)
		return rc;
	snprintf(lid, sizeof(lid), "%llu", (unsigned long long)t->id);
	memset(&c, 0, sizeof(c));
	c.type = "restock";
	c.d_on = 1;
	c.ref_type = "loan";
	c.ref_id = lid;
	c.reason = arena_printf(ctx->arena, "loan voided: %.200s",
	    t->reason);
	c.location_id = lo->id;
	if ((rc = inv_stock_change(db, ctx, &s, &c, NULL)) != HF_OK ||
	    (rc = holds_fill(db, ctx, &s, &t->mail, NULL)) != HF_OK ||
	    (rc = lend_loan_load(db, ctx, t->id, t->out)) != HF_OK)
		return rc;
	if ((rc = svc_audit_text(db, ctx, "loan.void", "loan", t->id,
	    hf_fields_text(ctx->arena, void_audit, HF_NITEMS(void_audit),
	    &b.l), hf_fields_text(ctx->arena, void_audit,
	    HF_NITEMS(void_audit), t->out))) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Voids an active loan made by mistake (staff: the route's permission):
 * status voided, not a return; the unit goes back on the shelf where it
 * went out, with a `restock` naming the loan and the reason, and to the
 * first waiting hold. LOAN_002 or LOAN_007 once it is not active.
 */
int
svc_loan_void(struct svc_ctx *ctx, uint64_t id, const char *reason,
    struct idem *idem, struct loan *out)
{
	struct void_txn	t;
	int		rc;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.reason = reason;
	t.idem = idem;
	t.out = out;
	if ((rc = svc_txn(ctx, void_fn, &t)) == HF_OK)
		lend_mail_deliver(ctx->app, &t.mail);
	return rc;
}
