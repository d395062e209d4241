/*
 * lending.c: the helpers that loans, holds and notices share
 * (lend_int.h): who may see a loan, the borrower's row and limit, loan
 * rows, and the e-mails a lending transaction writes. Below loans.c and
 * holds.c, which both build on it; it calls neither.
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/lending.h"
#include "holdfast/outbox.h"
#include "inv_int.h"
#include "lend_int.h"

int
lend_is_staff(const struct principal *who)
{
	return who->role == ROLE_ADMIN || who->role == ROLE_BUSINESS;
}

/* Staff see every loan and hold; a user only their own (others: 404). */
int
lend_may_see(const struct principal *who, uint64_t owner)
{
	return lend_is_staff(who) || (who->user_id != 0 &&
	    who->user_id == owner);
}

/*
 * Whom a loan or hold is for: a user acts for themself; staff for the
 * user they name, or for themself when they are a user. Sets the
 * refusal's field or message.
 */
int
lend_resolve_user(struct svc_ctx *ctx, uint64_t requested, uint64_t *user_id)
{
	const struct principal	*who = ctx->who;

	if (!lend_is_staff(who)) {
		if (requested != 0 && requested != who->user_id) {
			ctx->message = "a user borrows and holds for themself "
			    "only";
			return HF_E_AUTH_FORBIDDEN;
		}
		*user_id = who->user_id;
	} else
		*user_id = requested != 0 ? requested : who->user_id;
	if (*user_id == 0) {
		ctx->field = "user_id";
		ctx->reason = "required when acting with an API key";
		return HF_E_REQ_FIELD;
	}
	return HF_OK;
}

static int
lend_user_row(struct db *db, struct arena *a, struct db_sql *q, uint64_t id,
    struct lend_user *u)
{
	struct db_param		p[1] = { DB_INT((long long)id) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(db, a, q, p, 1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	u->id = (uint64_t)inv_cell_ll(&r, 0, 0);
	u->email = DB_CELL(&r, 0, 1);
	u->display_name = DB_CELL(&r, 0, 2);
	u->status = DB_CELL(&r, 0, 3);
	return HF_OK;
}

/*
 * Locks the borrower's row; an unknown or inactive user is REQ_010. In
 * the lending lock order it comes after the stock rows: a loan's or a
 * hold's change of status makes InnoDB take a shared lock on this row
 * (the check of the foreign key whose index holds the status) while the
 * stock row is held, so taking it first would deadlock with a return.
 */
int
lend_user_lock(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct lend_user *u)
{
	int	rc;

	rc = lend_user_row(db, ctx->arena, &db_sql_lend_user_lock, id, u);
	if (rc == HF_E_NOT_FOUND || (rc == HF_OK &&
	    strcmp(u->status, "active") != 0)) {
		ctx->field = "user_id";
		ctx->reason = rc == HF_OK ? "not an active user" :
		    "no such user";
		return HF_E_REQ_FIELD;
	}
	return rc;
}

int
lend_user_get(struct db *db, struct arena *a, uint64_t id,
    struct lend_user *u)
{
	return lend_user_row(db, a, &db_sql_lend_user_get, id, u);
}

/* Refuses (LOAN_001) when more loans would pass the user's limit. */
int
lend_limit_check(struct db *db, struct svc_ctx *ctx, uint64_t user_id,
    size_t more)
{
	struct db_param		p[1] = { DB_INT((long long)user_id) };
	struct db_result	r;
	long long		active, limit = ctx->app->cfg.loan_limit;
	int			rc;

	if ((rc = db_query(db, ctx->arena, &db_sql_loans_active_of, p, 1,
	    &r)) != HF_OK)
		return rc;
	active = inv_cell_ll(&r, 0, 0);
	if (active + (long long)more <= limit)
		return HF_OK;
	ctx->message = arena_printf(ctx->arena, "loan limit reached: %lld "
	    "active, %zu more requested, %lld allowed", active, more, limit);
	svc_details_clear(ctx);
	svc_detail_int(ctx, "limit", limit);
	svc_detail_int(ctx, "active", active);
	svc_detail_int(ctx, "requested", more);
	return HF_E_LOAN_LIMIT;
}

int
lend_waiting(struct db *db, struct arena *a, uint64_t product_id,
    long long *n)
{
	struct db_param		p[1] = { DB_INT((long long)product_id) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(db, a, &db_sql_holds_waiting_of, p, 1, &r)) !=
	    HF_OK)
		return rc;
	*n = inv_cell_ll(&r, 0, 0);
	return HF_OK;
}

/* Inserts a loan of one unit of s, due after the loan period. */
int
lend_loan_insert(struct db *db, struct svc_ctx *ctx, uint64_t user_id,
    const struct stock_row *s, uint64_t *loan_id)
{
	struct db_param	p[4];

	p[0] = DB_INT((long long)user_id);
	p[1] = DB_INT((long long)s->product_id);
	p[2] = DB_STR(s->sku);
	p[3] = DB_INT(ctx->app->cfg.loan_period_days);
	return db_exec(db, &db_sql_loan_insert, p, 4, NULL, loan_id);
}

void
lend_loan_from_row(const struct db_result *r, size_t row, struct loan *l)
{
	l->id = (uint64_t)inv_cell_ll(r, row, L_ID);
	l->user_id = (uint64_t)inv_cell_ll(r, row, L_USER);
	l->product_id = (uint64_t)inv_cell_ll(r, row, L_PID);
	l->sku = DB_CELL(r, row, L_SKU);
	l->name = DB_CELL(r, row, L_NAME);
	l->status = DB_CELL(r, row, L_STATUS);
	l->due_at = DB_CELL(r, row, L_DUE);
	l->returned_at = DB_CELL(r, row, L_RETURNED);
	l->created_at = DB_CELL(r, row, L_CREATED);
	l->renewals = inv_cell_ll(r, row, L_RENEWALS);
}

int
lend_loan_load(struct db *db, struct arena *a, uint64_t id, struct loan *l)
{
	struct db_param		p[1] = { DB_INT((long long)id) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(db, a, &db_sql_loan_by_id, p, 1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	lend_loan_from_row(&r, 0, l);
	return HF_OK;
}

/* s on one line (for a subject): control characters become spaces. */
const char *
lend_oneline(struct arena *a, const char *s)
{
	char	*o = arena_strdup(a, s != NULL ? s : ""), *p;

	for (p = o; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return o != NULL ? o : "";
}

/* "2026-11-21T10:00:00.000Z" -> "2026-11-21 10:00 UTC", for people. */
const char *
lend_when(struct arena *a, const char *iso)
{
	if (iso == NULL || strlen(iso) < 16)
		return iso != NULL ? iso : "";
	return arena_printf(a, "%.10s %.5s UTC", iso, iso + 11);
}

void
lend_mail_add(struct lend_mail *m, uint64_t id)
{
	if (m != NULL && m->n < LEND_MAIL_MAX && id != 0)
		m->ids[m->n++] = id;
}

/* After the COMMIT: one attempt each; holdfast-notify does the rest. */
void
lend_mail_deliver(struct app *app, const struct lend_mail *m)
{
	size_t	i;

	for (i = 0; i < m->n; i++)
		outbox_deliver_now(app, m->ids[i]);
}
