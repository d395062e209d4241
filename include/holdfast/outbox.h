/*
 * outbox.h: messages written in the same transaction as the change that
 * caused them, then delivered at least once: at once by the worker after
 * its COMMIT, and by holdfast-notify (cron) for what failed, with
 * exponential backoff until notify_max_attempts. A failed delivery never
 * fails the request that caused it.
 */
#ifndef HOLDFAST_OUTBOX_H
#define HOLDFAST_OUTBOX_H

#include <json-c/json.h>
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

#define OUTBOX_BACKOFF_BASE_S	30	/* after the first failure */
#define OUTBOX_BACKOFF_MAX_S	3600

int	 outbox_email(struct db *, const char *event_type, const char *to,
	    const char *subject, const char *body, uint64_t *id);
void	 outbox_deliver_now(struct app *, uint64_t id);
int	 outbox_run(struct app *, int batch, struct outbox_stats *);
unsigned outbox_backoff_s(unsigned attempts);
int	 outbox_event(struct db *, const char *event_type,
	    json_object *data, const char *request_id);

#endif /* HOLDFAST_OUTBOX_H */
