/*
 * outbox.c: writing messages into the outbox inside the caller's
 * transaction, and delivering them: once at once after the COMMIT
 * (outbox_deliver_now, in the worker), then by holdfast-notify
 * (outbox_run) for whatever failed, with exponential backoff.
 *
 * Every delivery starts with a claim (db_outbox.h): a lease on the row
 * taken by one UPDATE, so concurrent senders never send a row twice at
 * the same time. Each channel is delivered by whoever registered for it
 * (outbox_channel_set, at svc_init): e-mails by mail.c, webhooks by
 * webhooks.c, where an event row (target "*") becomes one row per
 * subscribed webhook, each delivered, retried and given up on like an
 * e-mail. Delivery is at least once: a message sent whose row
 * could not then be marked (database lost right after the SMTP reply) is
 * sent again once the lease has passed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_outbox.h"
#include "holdfast/notify.h"
#include "holdfast/outbox.h"

#define OUTBOX_ARENA_CAP	(16 * 1024 * 1024)
#define OUTBOX_BODY_MAX		(1024 * 1024)
#define OUTBOX_EVENT_MAX	64	/* outbox.event_type */
#define OUTBOX_BATCH_MAX	1000
#define OUTBOX_MAX_ROUNDS	100	/* batches per run */
#define OUTBOX_DOWN_AFTER	5	/* retryable failures in a row */
#define OUTBOX_LEASE_MIN_S	60

/* outbox.channel, indexed by enum outbox_channel (outbox.h) */
static const char *const outbox_channels[OUTBOX__MAX] = {
	"email",	/* OUTBOX_EMAIL */
	"webhook",	/* OUTBOX_WEBHOOK */
};

/* Who delivers each channel: registered by svc_init (outbox_channel_set). */
static outbox_send_fn	*outbox_senders[OUTBOX__MAX];

void
outbox_channel_set(enum outbox_channel ch, outbox_send_fn *fn)
{
	if ((int)ch >= 0 && ch < OUTBOX__MAX)
		outbox_senders[ch] = fn;
}

enum outbox_result {
	OUTBOX_BUSY = 0,	/* another sender holds it, or it is done */
	OUTBOX_SENT,
	OUTBOX_FAILED,
	OUTBOX_DEAD,
	OUTBOX_FANNED,		/* an event turned into one row per webhook */
	OUTBOX_FAILED_HOOK,	/* one receiver failed: the others may not */
};

/*
 * Seconds to wait after the attempts-th failed attempt: 30, 60, 120...
 * capped at one hour.
 */
unsigned
outbox_backoff_s(unsigned attempts)
{
	unsigned	d = OUTBOX_BACKOFF_BASE_S;

	while (attempts > 1 && d < OUTBOX_BACKOFF_MAX_S) {
		d *= 2;
		attempts--;
	}
	return d > OUTBOX_BACKOFF_MAX_S ? OUTBOX_BACKOFF_MAX_S : d;
}

/*
 * How long a claim holds: well past the longest a send can take (libcurl
 * stops the whole transfer at smtp_timeout_ms or webhook_timeout_ms), so a
 * lease never ends while its holder is still sending.
 */
static long long
outbox_lease_s(const struct hf_config *c)
{
	long long	s = ((long long)(c->smtp_timeout_ms >
			    c->webhook_timeout_ms ? c->smtp_timeout_ms :
			    c->webhook_timeout_ms) + 999) / 1000;

	s = 2 * s + 30;
	return s < OUTBOX_LEASE_MIN_S ? OUTBOX_LEASE_MIN_S : s;
}

static int
event_type_ok(const char *s)
{
	size_t	n;

	if (s == NULL || (n = strlen(s)) == 0 || n > OUTBOX_EVENT_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

/* An e-mail row's payload (mail.c reads it back). */
struct outbox_mail {
	const char	*to;
	const char	*subject;
	const char	*body;
};

static const struct hf_field outbox_mail_fields[] = {
	HF_FIELD(struct outbox_mail, to, HF_K_STR),
	HF_FIELD(struct outbox_mail, subject, HF_K_STR),
	HF_FIELD(struct outbox_mail, body, HF_K_STR),
};

/*
 * A webhook event's payload: the envelope every receiver gets, data
 * being the event's own JSON text (rendered parsed).
 */
struct outbox_envelope {
	const char	*event;
	const char	*event_id;	/* random, for de-duplication */
	long long	 occurred_at;	/* Unix seconds */
	const char	*request_id;	/* null from cron */
	const char	*data;
};

static const struct hf_field outbox_envelope_fields[] = {
	HF_FIELD(struct outbox_envelope, event, HF_K_STR),
	HF_FIELD(struct outbox_envelope, event_id, HF_K_STR),
	HF_FIELD(struct outbox_envelope, occurred_at, HF_K_INT),
	HF_FIELD(struct outbox_envelope, request_id, HF_K_STR),
	HF_FIELD(struct outbox_envelope, data, HF_K_JSON),
};

/*
 * Queues one e-mail: one outbox row (channel email, target the address,
 * payload {"to", "subject", "body"}). Meant to run inside the caller's
 * transaction (a db_txn callback), so the message exists if and only if
 * the change that caused it does. Stores the row id in *id (may be
 * NULL) for outbox_deliver_now() after the COMMIT. Returns HF_OK,
 * HF_E_REQ_FIELD for an address, subject or event type that cannot be
 * sent, or the database's error (a deadlock retries the transaction).
 */
int
outbox_email(struct db *db, const char *event_type, const char *to,
    const char *subject, const char *body, uint64_t *id)
{
	struct outbox_mail	 m = { to, subject, body };
	struct db_param		 p[4];
	struct arena		 a;
	const char		*payload;
	uint64_t		 insert_id = 0;
	int			 rc;

	if (!event_type_ok(event_type) || !notify_addr_ok(to) ||
	    !notify_header_ok(subject) || body == NULL ||
	    strlen(body) > OUTBOX_BODY_MAX) {
		log_error(NULL, "outbox: refused an e-mail for %s: bad "
		    "recipient, subject or body",
		    event_type_ok(event_type) ? event_type : "(bad event)");
		return HF_E_REQ_FIELD;
	}
	arena_init(&a, OUTBOX_ARENA_CAP);
	rc = HF_E_SYS_INTERNAL;
	payload = hf_fields_text(&a, outbox_mail_fields,
	    HF_NITEMS(outbox_mail_fields), &m);
	if (payload == NULL)
		goto free_arena;
	p[0] = DB_STR(event_type);
	p[1] = DB_STR(outbox_channels[OUTBOX_EMAIL]);
	p[2] = DB_STR(to);
	p[3] = DB_STR(payload);
	rc = db_exec(db, &db_sql_outbox_insert, p, 4, NULL, &insert_id);
	if (rc == HF_OK && id != NULL)
		*id = insert_id;
free_arena:
	arena_free(&a);
	return rc;
}

static int
outbox_channel(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < OUTBOX__MAX; i++)
		if (strcmp(outbox_channels[i], s) == 0)
			return i;
	return -1;
}

/*
 * Claims row id and delivers it. *res says what happened. Returns HF_OK,
 * or the database's error (then the row is left to its lease).
 */
static int
outbox_deliver(struct app *app, struct arena *a, uint64_t id,
    enum outbox_result *res)
{
	struct db_param		 p[4];
	struct outbox_row	 row;
	unsigned long long	 uid = (unsigned long long)id;
	uint64_t		 affected = 0;
	long long		 attempts;
	unsigned		 delay;
	uint64_t		*fanned;
	size_t			 nfanned = 0;
	char			 err[512];
	int			 rc, sent, dead, ch, found, fan = 0;

	*res = OUTBOX_BUSY;
	p[0] = DB_INT(outbox_lease_s(&app->cfg));
	p[1] = DB_INT((long long)id);
	rc = db_exec(app->db, &db_sql_outbox_claim, p, 2, &affected, NULL);
	if (rc != HF_OK || affected != 1)
		return rc;
	p[0] = DB_INT((long long)id);
	if ((rc = db_row(app->db, a, &db_sql_outbox_get, p, 1, &row,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_OK;	/* deleted since the claim */
	attempts = row.attempts >= 0 && row.attempts <= INT_MAX ?
	    row.attempts : 0;
	err[0] = '\0';
	ch = outbox_channel(row.channel);
	if (ch >= 0 && outbox_senders[ch] != NULL) {
		fan = ch == OUTBOX_WEBHOOK && row.target != NULL &&
		    strcmp(row.target, "*") == 0;
		sent = outbox_senders[ch](app, a, id, row.target, row.payload,
		    &fanned, &nfanned, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "channel %s: not delivered by "
		    "this program", ch >= 0 ? outbox_channels[ch] : "unknown");
		sent = NOTIFY_RETRY;
	}
	if (sent == 0 && fan) {
		/* marked delivered in the transaction that fanned it out */
		log_info(NULL, "outbox %llu: event for %zu webhook(s)", uid,
		    nfanned);
		*res = OUTBOX_FANNED;
		return HF_OK;
	}
	if (sent == 0) {
		p[0] = DB_INT((long long)id);
		rc = db_exec(app->db, &db_sql_outbox_delivered, p, 1, NULL,
		    NULL);
		if (rc != HF_OK)
			log_error(NULL, "outbox %llu: sent, but not marked "
			    "delivered (%s): it will be sent again", uid,
			    db_last_error(app->db));
		else
			log_info(NULL, "outbox %llu: sent", uid);
		*res = OUTBOX_SENT;
		return rc;
	}
	attempts++;
	dead = sent == NOTIFY_PERMANENT ||
	    attempts >= app->cfg.notify_max_attempts;
	delay = outbox_backoff_s((unsigned)attempts);
	p[0] = DB_STRN(err, strlen(err));
	p[1] = DB_INT(delay);
	p[2] = DB_INT(dead);
	p[3] = DB_INT((long long)id);
	rc = db_exec(app->db, &db_sql_outbox_failed, p, 4, NULL, NULL);
	if (dead)
		log_error(NULL, "outbox %llu: given up after %lld attempt(s): "
		    "%s", uid, attempts, err);
	else
		log_warn(NULL, "outbox %llu: attempt %lld of %d failed, next "
		    "in %us: %s", uid, attempts, app->cfg.notify_max_attempts,
		    delay, err);
	*res = dead ? OUTBOX_DEAD : ch == OUTBOX_EMAIL ? OUTBOX_FAILED :
	    OUTBOX_FAILED_HOOK;
	return rc;
}

/*
 * The worker's attempt right after the COMMIT that wrote row id. Never
 * fails the request: whatever goes wrong is logged and left to
 * holdfast-notify. Must not run inside a transaction.
 */
void
outbox_deliver_now(struct app *app, uint64_t id)
{
	struct arena		a;
	enum outbox_result	res;

	if (app->notify == NULL || id == 0)
		return;
	arena_init(&a, OUTBOX_ARENA_CAP);
	if (outbox_deliver(app, &a, id, &res) != HF_OK)
		log_warn(NULL, "outbox %llu: not attempted now (%s); "
		    "holdfast-notify will", (unsigned long long)id,
		    db_last_error(app->db));
	arena_free(&a);
}

static void
outbox_count(struct outbox_stats *st, enum outbox_result res, int *down)
{
	switch (res) {
	case OUTBOX_SENT:
		st->sent++;
		*down = 0;
		break;
	case OUTBOX_FAILED:
		st->failed++;
		(*down)++;	/* the SMTP server may be down */
		break;
	case OUTBOX_FAILED_HOOK:
		st->failed++;
		break;
	case OUTBOX_FANNED:
		st->events++;
		break;
	case OUTBOX_DEAD:
		st->dead++;
		break;
	default:
		st->busy++;
		break;
	}
}

/*
 * holdfast-notify's work: delivers due rows, most overdue first, in
 * batches of batch rows, until none is due, OUTBOX_MAX_ROUNDS batches
 * are done, or OUTBOX_DOWN_AFTER retryable failures in a row say the
 * server is down (the rest waits for the next run). Returns HF_OK, or
 * the database's error (unreachable, or lost during the run).
 */
int
outbox_run(struct app *app, int batch, struct outbox_stats *st)
{
	struct arena		 ra, wa;
	struct db_param		 p[1];
	struct outbox_due_row	*due;
	enum outbox_result	 res;
	size_t			 i, ndue;
	int			 rc, round, down = 0, fanned;

	memset(st, 0, sizeof(*st));
	if (batch < 1)
		batch = 1;
	if (batch > OUTBOX_BATCH_MAX)
		batch = OUTBOX_BATCH_MAX;
	if ((rc = db_ping(app->db)) != HF_OK)
		return rc;
	arena_init(&ra, OUTBOX_ARENA_CAP);
	arena_init(&wa, OUTBOX_ARENA_CAP);
	for (round = 0; round < OUTBOX_MAX_ROUNDS; round++) {
		p[0] = DB_INT(batch);
		if ((rc = db_rows(app->db, &ra, &db_sql_outbox_due, p, 1,
		    &due, &ndue)) != HF_OK)
			break;
		fanned = 0;
		for (i = 0; i < ndue; i++) {
			if (due[i].id == 0)
				continue;
			rc = outbox_deliver(app, &wa, due[i].id, &res);
			arena_reset(&wa);
			if (rc != HF_OK)
				goto done;
			outbox_count(st, res, &down);
			fanned |= res == OUTBOX_FANNED;
			if (down >= OUTBOX_DOWN_AFTER) {
				st->stopped = 1;
				goto done;
			}
		}
		/* the rows an event was fanned out into are due at once */
		if (ndue < (size_t)batch && !fanned)
			break;
		arena_reset(&ra);
	}
done:
	if (rc != HF_OK)
		log_error(NULL, "outbox: run stopped: %s",
		    db_last_error(app->db));
	arena_free(&wa);
	arena_free(&ra);
	return rc;
}

/*
 * An event for the webhooks (stock.low, order.paid, hold.ready...), in the
 * caller's transaction: one outbox row on the webhook channel, target "*"
 * (every subscribed webhook; the deliverer fans it out). data is the
 * event's JSON text (hf_fields_text; NULL, or text that does not parse,
 * is null). The payload is
 * {"event", "event_id", "occurred_at", "request_id", "data"}; event_id is
 * random, for de-duplication by receivers.
 */
int
outbox_event_text(struct db *db, const char *event_type, const char *data,
    const char *request_id)
{
	struct outbox_envelope	 e;
	struct db_param		 p[2];
	struct arena		 a;
	const char		*payload;
	char			 id[33];
	int			 rc;

	if (hf_random_hex(id, 16) != 0)
		return HF_E_SYS_INTERNAL;
	e.event = event_type;
	e.event_id = id;
	e.occurred_at = hf_unix_time();
	e.request_id = request_id;
	e.data = data;
	arena_init(&a, OUTBOX_ARENA_CAP);
	payload = hf_fields_text(&a, outbox_envelope_fields,
	    HF_NITEMS(outbox_envelope_fields), &e);
	if (payload == NULL) {
		arena_free(&a);
		return HF_E_SYS_INTERNAL;
	}
	p[0] = DB_STR(event_type);
	p[1] = DB_STR(payload);
	rc = db_exec(db, &db_sql_outbox_event, p, 2, NULL, NULL);
	arena_free(&a);
	return rc;
}
