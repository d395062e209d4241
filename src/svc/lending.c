/*
 * lending.c: the helpers that loans, holds and notices share
 * (lend_int.h): who may see a loan, the borrower's row and limit, loan
 * and hold rows, and the events and e-mails a lending transaction
 * writes. Below every other lending file; it calls none of them.
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/lending.h"
#include "holdfast/outbox.h"
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
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, a, q, p, 1, u, &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_NOT_FOUND;
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
	struct db_param	p[1] = { DB_INT((long long)user_id) };
	long long	active, limit = ctx->app->cfg.loan_limit;
	int		rc;

	active = db_count_of(db, ctx->arena, &db_sql_loans_active_of, p, 1,
	    &rc);
	if (rc != HF_OK)
		return rc;
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
	struct db_param	p[1] = { DB_INT((long long)product_id) };
	int		rc;

	*n = db_count_of(db, a, &db_sql_holds_waiting_of, p, 1, &rc);
	return rc;
}

/* Inserts a loan of one unit of s from location_id, due after the loan
 * period. */
int
lend_loan_insert(struct db *db, struct svc_ctx *ctx, uint64_t user_id,
    const struct stock_row *s, uint64_t location_id, uint64_t *loan_id)
{
	struct db_param	p[5];

	p[0] = DB_INT((long long)user_id);
	p[1] = DB_INT((long long)s->product_id);
	p[2] = DB_INT((long long)location_id);
	p[3] = DB_STR(s->sku);
	p[4] = DB_INT(ctx->app->cfg.loan_period_days);
	return db_exec(db, &db_sql_loan_insert, p, 5, NULL, loan_id);
}

/* Sets renewals_left of n loans: what loan_max_renewals leaves them. */
void
lend_loans_left(const struct svc_ctx *ctx, struct loan *l, size_t n)
{
	long long	max = ctx->app->cfg.loan_max_renewals;
	size_t		i;

	for (i = 0; i < n; i++)
		l[i].renewals_left = max > l[i].renewals ?
		    max - l[i].renewals : 0;
}

/* Reads loan id (HF_E_NOT_FOUND when there is none). */
int
lend_loan_load(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct loan *l)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, ctx->arena, &db_sql_loan_by_id, p, 1, l,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_NOT_FOUND;
	lend_loans_left(ctx, l, 1);
	return HF_OK;
}

/* Reads hold id (HF_E_NOT_FOUND when there is none). */
int
lend_hold_load(struct db *db, struct arena *a, uint64_t id, struct hold *h)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, a, &db_sql_hold_by_id, p, 1, h, &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_NOT_FOUND;
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

/*
 * An event of the given type for the webhooks, its data the members of
 * row that the field table f names (in the caller's transaction).
 */
int
lend_event(struct db *db, const struct svc_ctx *ctx, const char *type,
    const struct hf_field *f, size_t n, const void *row)
{
	const char	*data;

	if ((data = hf_fields_text(ctx->arena, f, n, row)) == NULL)
		return HF_E_SYS_INTERNAL;
	return outbox_event_text(db, type, data, ctx->request_id);
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
