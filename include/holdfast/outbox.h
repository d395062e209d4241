/*
 * outbox.h: messages written in the same transaction as the change that
 * caused them, then delivered at least once: at once by the worker after
 * its COMMIT, and by holdfast-notify (cron) for what failed, with
 * exponential backoff until notify_max_attempts. A failed delivery never
 * fails the request that caused it.
 */
#ifndef HOLDFAST_OUTBOX_H
#define HOLDFAST_OUTBOX_H

#include <stdint.h>

#include "holdfast/app.h"
#include "holdfast/core.h"

struct db;

/* What one holdfast-notify run did. */
struct outbox_stats {
	unsigned	sent;		/* delivered */
	unsigned	failed;		/* failed, will be retried */
	unsigned	dead;		/* failed for the last time */
	unsigned	busy;		/* another process had it first */
	unsigned	events;		/* webhook events fanned out */
	int		stopped;	/* gave up early: server down */
};

/* outbox.channel: what delivers a row (registered by svc_init). */
enum outbox_channel {
	OUTBOX_EMAIL = 0,	/* mail_deliver (mail.c) */
	OUTBOX_WEBHOOK,		/* webhook_deliver (webhooks.c) */
	OUTBOX__MAX
};

/*
 * Delivers one claimed row of a channel to target. A row that fans out
 * into new rows (a webhook event, target "*") sets *fanned (arena) and
 * *nfanned. Returns 0 when done, else NOTIFY_RETRY or NOTIFY_PERMANENT
 * with err set. A channel with no deliverer is retried later.
 */
typedef int	outbox_send_fn(struct app *, struct arena *, uint64_t outbox_id,
		    const char *target, const char *payload,
		    uint64_t **fanned, size_t *nfanned, char *err,
		    size_t errlen);

void	 outbox_channel_set(enum outbox_channel, outbox_send_fn *);
outbox_send_fn	 mail_deliver;		/* mail.c */

#define OUTBOX_BACKOFF_BASE_S	30	/* after the first failure */
#define OUTBOX_BACKOFF_MAX_S	3600

int	 outbox_email(struct db *, const char *event_type, const char *to,
	    const char *subject, const char *body, uint64_t *id);
void	 outbox_deliver_now(struct app *, uint64_t id);
int	 outbox_run(struct app *, int batch, struct outbox_stats *);
unsigned outbox_backoff_s(unsigned attempts);
int	 outbox_event_text(struct db *, const char *event_type,
	    const char *data_json, const char *request_id);

#endif /* HOLDFAST_OUTBOX_H */
