/*
 * notices.c: due-date reminders and overdue notices, written to the
 * outbox by holdfast-notify before it delivers the outbox.
 *
 * Exactly once: each notice is claimed by one conditional UPDATE of the
 * loan's timestamp (reminder_sent_at, last_overdue_notice_at) that
 * repeats the scan's condition, in the same transaction that writes the
 * outbox rows. A second copy of holdfast-notify waits for the first one's
 * row lock, re-reads the committed timestamp and claims nothing; a
 * rolled-back claim leaves the notice for the next run. The hold.ready
 * e-mails are written with the hold's change itself (holds.c) and only
 * delivered here.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/lending.h"
#include "holdfast/outbox.h"
#include "lend_int.h"

#define NOTICE_ROUNDS	100	/* batches per kind and run */

enum notice_kind {
	NOTICE_REMINDER = 0,
	NOTICE_OVERDUE,
	NOTICE__MAX
};

/* The data of a loan.overdue event. */
static const struct hf_field overdue_event[] = {
	HF_FIELD(struct loan_notice, loan_id, HF_K_U64),
	HF_FIELD(struct loan_notice, user_id, HF_K_U64),
	HF_FIELD(struct loan_notice, sku, HF_K_STR),
	HF_FIELD(struct loan_notice, due_at, HF_K_STR),
	HF_FIELD(struct loan_notice, days_overdue, HF_K_INT),
};

struct notice_txn {
	struct svc_ctx		*ctx;
	enum notice_kind	 kind;
	uint64_t		 id;
	int			 sent;
};

static const char *
greeting(const struct loan_notice *n)
{
	return n->display_name != NULL ? n->display_name : n->email;
}

static int
notice_fn(struct db *db, void *arg)
{
	struct notice_txn	*t = arg;
	struct svc_ctx		*ctx = t->ctx;
	const struct hf_config	*cfg = &ctx->app->cfg;
	struct db_param		 p[2];
	struct loan_notice	 r;
	const char		*title, *subject, *body, *event;
	uint64_t		 n = 0;
	int			 rc, found;

	t->sent = 0;
	p[0] = DB_INT((long long)t->id);
	p[1] = DB_INT(t->kind == NOTICE_REMINDER ? cfg->reminder_days_before :
	    cfg->overdue_notice_interval_hours);
	if ((rc = db_exec(db, t->kind == NOTICE_REMINDER ?
	    &db_sql_notice_reminder_claim : &db_sql_notice_overdue_claim, p, 2,
	    &n, NULL)) != HF_OK)
		return rc;
	if (n != 1)
		return HF_OK;	/* sent by another run, returned or renewed */
	if ((rc = db_row(db, ctx->arena, &db_sql_notice_loan, p, 1, &r,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_DB;
	title = lend_oneline(ctx->arena, r.name);
	if (t->kind == NOTICE_REMINDER) {
		event = "loan.reminder";
		subject = arena_printf(ctx->arena, "Due soon: %s", title);
		body = arena_printf(ctx->arena, "Hello %s,\n\n"
		    "a reminder that this loan is due on %s:\n\n"
		    "  %s (SKU %s)\n\n"
		    "Return it or renew it before then.\n\nLoan %llu\n",
		    greeting(&r), lend_when(ctx->arena, r.due_at), r.name,
		    r.sku, (unsigned long long)t->id);
	} else {
		event = "loan.overdue";
		subject = arena_printf(ctx->arena, "Overdue: %s", title);
		body = arena_printf(ctx->arena, "Hello %s,\n\n"
		    "this loan was due on %s and is overdue "
		    "(%lld day(s)):\n\n  %s (SKU %s)\n\n"
		    "Please return it as soon as you can.\n\nLoan %llu\n",
		    greeting(&r), lend_when(ctx->arena, r.due_at),
		    r.days_overdue, r.name, r.sku, (unsigned long long)t->id);
		if ((rc = lend_event(db, ctx, "loan.overdue", overdue_event,
		    HF_NITEMS(overdue_event), &r)) != HF_OK)
			return rc;
	}
	if (subject == NULL || body == NULL)
		return HF_E_SYS_INTERNAL;
	rc = outbox_email(db, event, r.email, subject, body, NULL);
	if (rc == HF_E_REQ_FIELD) {
		/* no server takes this address: the claim stands, no mail */
		log_warn(NULL, "loan %llu: no %s e-mail for user %llu",
		    (unsigned long long)t->id, event,
		    (unsigned long long)r.user_id);
		rc = HF_OK;
	}
	if (rc == HF_OK)
		t->sent = 1;
	return rc;
}

/*
 * One kind of notice, batch by batch, until none is due, a batch brings
 * nothing new, or NOTICE_ROUNDS batches are done. *count gets what this
 * run claimed. Returns HF_OK or the database's error.
 */
static int
notices_kind(struct svc_ctx *ctx, enum notice_kind kind, int batch,
    unsigned *count)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	struct db_param		 p[2];
	struct lend_id		*ids;
	struct notice_txn	 t;
	unsigned		 before;
	size_t			 i, n;
	int			 rc, round;

	for (round = 0; round < NOTICE_ROUNDS; round++) {
		p[0] = DB_INT(kind == NOTICE_REMINDER ?
		    cfg->reminder_days_before :
		    cfg->overdue_notice_interval_hours);
		p[1] = DB_INT(batch);
		svc_details_clear(ctx);	/* they live in the arena */
		arena_reset(ctx->arena);
		if ((rc = db_rows(ctx->app->db, ctx->arena, kind ==
		    NOTICE_REMINDER ? &db_sql_notice_reminders_due :
		    &db_sql_notice_overdue_due, p, 2, &ids, &n)) != HF_OK)
			return rc;
		before = *count;
		for (i = 0; i < n; i++) {
			memset(&t, 0, sizeof(t));
			t.ctx = ctx;
			t.kind = kind;
			t.id = ids[i].id;
			if ((rc = db_txn(ctx->app->db, notice_fn, &t)) !=
			    HF_OK)
				return rc;
			*count += (unsigned)t.sent;
		}
		if (n < (size_t)batch || *count == before)
			break;
	}
	return HF_OK;
}

/*
 * holdfast-notify's lending work, before the outbox run: reminders
 * reminder_days_before days ahead of due_at (once per loan and due
 * date; none when reminder_days_before is 0), and overdue notices with a
 * loan.overdue event, at most once per overdue_notice_interval_hours.
 * Returns HF_OK or the database's error.
 */
int
notices_run(struct app *app, int batch, struct lend_run *run)
{
	struct principal	who;
	struct arena		a;
	struct svc_ctx		ctx;
	int			rc;

	if (batch < 1)
		batch = 1;
	arena_init(&a, 0);
	svc_cli_ctx(app, &a, &who, &ctx, "cron:holdfast-notify");
	if ((rc = db_ping(app->db)) == HF_OK && app->cfg.reminder_days_before >
	    0)
		rc = notices_kind(&ctx, NOTICE_REMINDER, batch,
		    &run->reminders);
	if (rc == HF_OK)
		rc = notices_kind(&ctx, NOTICE_OVERDUE, batch, &run->overdue);
	arena_free(&a);
	return rc;
}
