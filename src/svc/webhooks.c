/*
 * webhooks.c: the webhooks an admin subscribes (URL, events, secret) and
 * the delivery of events to them.
 *
 * An event is one outbox row on the webhook channel with target "*",
 * written by outbox_event() in the transaction that caused it. The
 * deliverer (holdfast-notify, outbox.c) fans it out: one row per active
 * webhook subscribed to the event that existed when it happened, target =
 * the webhook's id, inserted in the same transaction that marks the "*"
 * row done; each of those rows then has its own attempts, backoff and
 * dead state, and is what GET /api/v1/webhooks/{id}/deliveries lists.
 *
 * The secret signs every delivery (HMAC-SHA256), so it is stored in clear;
 * it is shown once, in the answer to POST /api/v1/webhooks, and never
 * again. Deleting a webhook deactivates it (its deliveries stay readable)
 * and turns its pending deliveries dead.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_orders.h"
#include "holdfast/db_outbox.h"
#include "holdfast/notify.h"
#include "holdfast/orders.h"

#define WEBHOOK_SECRET_PREFIX	"whsec_"
#define EVENTS_TEXT_MAX		512	/* every name, commas */

/* the SET of webhooks.events, in its order */
const char *const webhook_events[] = {
	"stock.low",
	"stock.out",
	"order.paid",
	"order.cancelled",
	"hold.ready",
	"loan.overdue",
	"coupon.redeemed",
	"coupon.exhausted",
	"points.earned",
	"points.expired",
	"group.joined",
	"group.succeeded",
	"group.failed",
	"slot.full",
	"delivery.booked",
	"order.refunded",
	"order.returned",
	NULL
};

/* The audit value of a webhook: never its secret. */
struct webhook_audit {
	const char	*url, *events;
};

static const struct hf_field webhook_audit_fields[] = {
	HF_FIELD(struct webhook_audit, url, HF_K_STR),
	HF_FIELD(struct webhook_audit, events, HF_K_STR),
};

static const char *
webhook_audit_text(struct arena *a, const char *url, const char *events)
{
	struct webhook_audit	v = { url, events };

	return hf_fields_text(a, webhook_audit_fields,
	    HF_NITEMS(webhook_audit_fields), &v);
}

/* outbox.target of a webhook's deliveries: its id as text */
static const char *
webhook_target_text(struct arena *a, uint64_t id)
{
	return arena_printf(a, "%llu", (unsigned long long)id);
}

/* Webhook id in any state, without counts; HF_E_NOT_FOUND. */
static int
webhook_load(struct db *db, struct arena *a, uint64_t id, struct webhook *w)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, a, &db_sql_webhook_by_id, p, 1, w, &found)) !=
	    HF_OK)
		return rc;
	return found ? HF_OK : HF_E_NOT_FOUND;
}

static int
field_error(struct svc_ctx *ctx, const char *field, const char *reason)
{
	ctx->field = field;
	ctx->reason = reason;
	return HF_E_REQ_FIELD;
}

/* The field error's text: every event name. */
static const char *
events_expected(struct svc_ctx *ctx)
{
	const char	*out = "one or more of";
	size_t		 j;

	for (j = 0; webhook_events[j] != NULL; j++)
		out = arena_printf(ctx->arena, "%s%s %s", out, j > 0 ? "," :
		    "", webhook_events[j]);
	return out;
}

/* The events as the SET stores them: known names, each once, in order. */
static const char *
events_text(struct svc_ctx *ctx, const char **events, size_t n)
{
	char	*out;
	size_t	 i, j, len = 0;
	int	 want[sizeof(webhook_events) / sizeof(webhook_events[0])];

	memset(want, 0, sizeof(want));
	for (i = 0; i < n; i++) {
		for (j = 0; webhook_events[j] != NULL; j++)
			if (strcmp(events[i], webhook_events[j]) == 0)
				break;
		if (webhook_events[j] == NULL)
			return NULL;
		want[j] = 1;
	}
	if ((out = arena_alloc(ctx->arena, EVENTS_TEXT_MAX)) == NULL)
		return NULL;
	out[0] = '\0';
	for (j = 0; webhook_events[j] != NULL; j++)
		if (want[j])
			len += (size_t)snprintf(out + len, EVENTS_TEXT_MAX - len,
			    "%s%s", len > 0 ? "," : "", webhook_events[j]);
	return out;
}

struct webhook_txn {
	struct svc_ctx		*ctx;
	uint64_t		 id;
	const char		*url, *events, *secret;
	struct webhook		*out;
};

static int
create_fn(struct db *db, void *arg)
{
	struct webhook_txn	*t = arg;
	struct db_param		 p[4];
	uint64_t		 id;
	int			 rc;

	p[0] = DB_STR(t->url);
	p[1] = DB_STR(t->events);
	p[2] = DB_STR(t->secret);
	p[3] = DB_STR(t->ctx->who->actor);
	if ((rc = db_exec(db, &db_sql_webhook_insert, p, 4, NULL, &id)) !=
	    HF_OK)
		return rc;
	if ((rc = svc_audit_text(db, t->ctx, "webhook.create", "webhook", id,
	    NULL, webhook_audit_text(t->ctx->arena, t->url, t->events))) !=
	    HF_OK)
		return rc;
	return webhook_load(db, t->ctx->arena, id, t->out);
}

/*
 * Subscribes a URL (http or https) to events (one or more: the request
 * schema holds that). The secret is the caller's (16 to 128 printable
 * ASCII characters) or generated; it is in out->secret, the only time it
 * is shown.
 */
int
svc_webhook_create(struct svc_ctx *ctx, const struct webhook_new *in,
    struct webhook *out)
{
	struct webhook_txn	t;
	char			gen[sizeof(WEBHOOK_SECRET_PREFIX) + 48];
	const char		*s;
	size_t			n;
	int			rc;

	memset(&t, 0, sizeof(t));
	memset(out, 0, sizeof(*out));
	switch (notify_webhook_target(in->url,
	    ctx->app->cfg.webhook_allow_private)) {
	case NOTIFY_TARGET_OK:
		break;
	case NOTIFY_TARGET_PRIVATE:
		return field_error(ctx, "url", "a public address (loopback, "
		    "private, link-local, multicast and reserved ones are "
		    "refused: webhook_allow_private)");
	default:
		return field_error(ctx, "url", "an absolute http:// or "
		    "https:// URL of at most 2048 bytes");
	}
	if ((t.events = events_text(ctx, in->events, in->nevents)) == NULL)
		return field_error(ctx, "events", events_expected(ctx));
	if (in->secret != NULL) {
		for (s = in->secret; *s > 0x20 && *s < 0x7f; s++)
			;
		if (*s != '\0' || s - in->secret < WEBHOOK_SECRET_MIN ||
		    s - in->secret > WEBHOOK_SECRET_MAX)
			return field_error(ctx, "secret", "16 to 128 printable "
			    "ASCII characters, no spaces");
		t.secret = in->secret;
	} else {
		n = sizeof(WEBHOOK_SECRET_PREFIX) - 1;
		memcpy(gen, WEBHOOK_SECRET_PREFIX, n);
		if (hf_random_hex(gen + n, 24) != 0)
			return HF_E_SYS_INTERNAL;
		t.secret = gen;
	}
	t.ctx = ctx;
	t.url = in->url;
	t.out = out;
	if ((rc = db_txn(ctx->app->db, create_fn, &t)) != HF_OK)
		return rc;
	if ((out->secret = arena_strdup(ctx->arena, t.secret)) == NULL)
		return HF_E_SYS_INTERNAL;
	return HF_OK;
}

/* The active webhooks, oldest first, with their delivery counts. */
int
svc_webhooks_list(struct svc_ctx *ctx, long long page, long long per_page,
    struct webhook **out, size_t *n, long long *total)
{
	struct db_param	p[2];
	int		rc;

	*total = db_count_of(ctx->app->db, ctx->arena, &db_sql_webhooks_count,
	    NULL, 0, &rc);
	if (rc != HF_OK)
		return rc;
	p[0] = DB_INT(per_page);
	p[1] = DB_INT((page - 1) * per_page);
	return db_rows(ctx->app->db, ctx->arena, &db_sql_webhooks_list, p, 2,
	    out, n);
}

static int
delete_fn(struct db *db, void *arg)
{
	struct webhook_txn	*t = arg;
	struct db_param		 p[1] = { DB_INT((long long)t->id) };
	uint64_t		 n = 0;
	int			 rc;

	if ((rc = webhook_load(db, t->ctx->arena, t->id, t->out)) != HF_OK)
		return rc;
	if ((rc = db_exec(db, &db_sql_webhook_deactivate, p, 1, &n, NULL)) !=
	    HF_OK)
		return rc;
	if (n != 1)
		return HF_E_NOT_FOUND;	/* deleted before */
	p[0] = DB_STR(webhook_target_text(t->ctx->arena, t->id));
	if ((rc = db_exec(db, &db_sql_webhook_kill_pending, p, 1, NULL,
	    NULL)) != HF_OK)
		return rc;
	t->out->active = 0;
	return svc_audit_text(db, t->ctx, "webhook.delete", "webhook", t->id,
	    webhook_audit_text(t->ctx->arena, t->out->url, t->out->events),
	    NULL);
}

/* Deactivates webhook id; its undelivered deliveries turn dead. */
int
svc_webhook_delete(struct svc_ctx *ctx, uint64_t id, struct webhook *out)
{
	struct webhook_txn	t;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.out = out;
	return db_txn(ctx->app->db, delete_fn, &t);
}

/* The deliveries of webhook id (deleted ones too), newest first. */
int
svc_webhook_deliveries(struct svc_ctx *ctx, uint64_t id,
    const struct delivery_filter *f, struct delivery **out, size_t *n,
    struct svc_keyset *ks)
{
	struct webhook	w;
	struct db_param	p[5];
	long long	offset = svc_ks_offset(ks, f->page, f->per_page);
	int		rc;

	*out = NULL;
	*n = 0;
	if ((rc = webhook_load(ctx->app->db, ctx->arena, id, &w)) != HF_OK)
		return rc;
	p[0] = DB_STR(webhook_target_text(ctx->arena, id));
	p[1] = DB_OPT_STR(f->status);
	p[2] = DB_INT(svc_ks_after(ks));
	p[3] = DB_INT(f->per_page + 1);
	p[4] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_deliveries_list, p,
	    5, out, n)) != HF_OK)
		return rc;
	if (svc_ks_trim(ks, n, f->per_page))
		ks->next = (*out)[*n - 1].id;
	return svc_ks_count(ctx, ks, &db_sql_deliveries_count, p, 2, offset,
	    *n);
}

/* --- delivery (holdfast-notify) --------------------------------------- */

struct fanout_txn {
	struct arena	*arena;
	uint64_t	 id;
	uint64_t	*ids;
	size_t		 n;
};

static int
fanout_fn(struct db *db, void *arg)
{
	struct fanout_txn	*t = arg;
	struct orders_id_row	*subs;
	struct db_param		 p[2];
	uint64_t		 done = 0;
	size_t			 i, nsubs;
	int			 rc;

	t->n = 0;
	/* first, so that a second sender whose lease began after ours
	 * ended waits on this row and then finds it done */
	p[0] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_outbox_delivered, p, 1, &done, NULL)) !=
	    HF_OK)
		return rc;
	if (done != 1)
		return HF_OK;
	if ((rc = db_rows(db, t->arena, &db_sql_webhook_subscribers, p, 1,
	    &subs, &nsubs)) != HF_OK)
		return rc;
	if ((t->ids = arena_calloc(t->arena, nsubs + 1, sizeof(*t->ids))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < nsubs; i++) {
		p[0] = DB_STR(webhook_target_text(t->arena, subs[i].id));
		p[1] = DB_INT((long long)t->id);
		if ((rc = db_exec(db, &db_sql_webhook_fanout, p, 2, NULL,
		    &t->ids[t->n])) != HF_OK)
			return rc;
		t->n++;
	}
	return HF_OK;
}

/* POSTs one event row to the webhook named by target. */
static int
webhook_post(struct app *app, struct arena *a, uint64_t outbox_id,
    const char *target, const char *payload, char *err, size_t errlen)
{
	struct notify_webhook	 w;
	struct webhook_target	 to;
	struct db_param		 p[2];
	long long		 id;
	int			 found;

	if (hf_parse_ll(target, 1, LLONG_MAX, &id) != 0) {
		snprintf(err, errlen, "webhook: bad target");
		return NOTIFY_PERMANENT;
	}
	p[0] = DB_INT((long long)outbox_id);
	p[1] = DB_INT(id);
	if (db_row(app->db, a, &db_sql_webhook_target, p, 2, &to, &found) !=
	    HF_OK) {
		snprintf(err, errlen, "database: %s", db_last_error(app->db));
		return NOTIFY_RETRY;
	}
	if (!found || !to.active) {
		snprintf(err, errlen, "webhook deleted");
		return NOTIFY_PERMANENT;
	}
	/* outbox.payload is a JSON column: the event and its id come from
	 * the stored row, the body from the caller */
	if (payload == NULL) {
		snprintf(err, errlen, "payload: not JSON");
		return NOTIFY_PERMANENT;
	}
	memset(&w, 0, sizeof(w));
	w.url = to.url;
	w.secret = to.secret;
	w.event = to.event;
	w.event_id = to.event_id;
	w.delivery_id = outbox_id;
	w.body = payload;
	w.len = strlen(payload);
	return notify_webhook_post(app->notify, &w, err, errlen);
}

/*
 * Delivers the webhook-channel outbox row outbox_id (claimed by the
 * caller): fans a "*" row out (see the top of this file; *fanned holds
 * the new rows' ids) or POSTs a row of one webhook.
 */
int
webhook_deliver(struct app *app, struct arena *a, uint64_t outbox_id,
    const char *target, const char *payload, uint64_t **fanned,
    size_t *nfanned, char *err, size_t errlen)
{
	struct fanout_txn	t;

	*fanned = NULL;
	*nfanned = 0;
	if (target == NULL || strcmp(target, "*") != 0)
		return webhook_post(app, a, outbox_id, target != NULL ?
		    target : "", payload, err, errlen);
	memset(&t, 0, sizeof(t));
	t.arena = a;
	t.id = outbox_id;
	if (db_txn(app->db, fanout_fn, &t) != HF_OK) {
		snprintf(err, errlen, "database: %s", db_last_error(app->db));
		return NOTIFY_RETRY;
	}
	*fanned = t.ids;
	*nfanned = t.n;
	return 0;
}
