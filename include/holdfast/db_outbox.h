/*
 * db_outbox.h: the statements of the outbox (sql_outbox.c). Every row is
 * delivered by whoever claims it first: a claim is one UPDATE that sets
 * a lease (claimed_until) only while nobody else holds one, so a worker's
 * immediate attempt and any number of holdfast-notify runs never send
 * one message twice. Times are the database's clock (UTC).
 */
#ifndef HOLDFAST_DB_OUTBOX_H
#define HOLDFAST_DB_OUTBOX_H

#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_outbox_get: what a claimed row delivers */
struct outbox_row {
	const char	*channel;	/* email, webhook */
	const char	*target;	/* an address, a webhook id, or "*" */
	const char	*payload;	/* JSON text */
	long long	 attempts;
};

/* db_sql_outbox_due: one row to deliver */
struct outbox_due_row {
	uint64_t	 id;
};

/* event_type, channel, target, payload -> insert_id */
extern struct db_sql	db_sql_outbox_insert;
/* event_type, payload: a webhook event, for every subscriber ("*") */
extern struct db_sql	db_sql_outbox_event;
/* lease seconds, id -> affected 1 when the row is now ours */
extern struct db_sql	db_sql_outbox_claim;
/* id -> struct outbox_row */
extern struct db_sql	db_sql_outbox_get;
/* id */
extern struct db_sql	db_sql_outbox_delivered;
/* last_error, retry in seconds, dead (0 or 1), id */
extern struct db_sql	db_sql_outbox_failed;
/* limit -> struct outbox_due_row: due, unclaimed, most overdue first */
extern struct db_sql	db_sql_outbox_due;

#endif /* HOLDFAST_DB_OUTBOX_H */
