/*
 * db_outbox.h: the statements of the outbox (sql_outbox.c). Every row is
 * delivered by whoever claims it first: a claim is one UPDATE that sets
 * a lease (claimed_until) only while nobody else holds one, so a worker's
 * immediate attempt and any number of holdfast-notify runs never send
 * one message twice. Times are the database's clock (UTC).
 */
#ifndef HOLDFAST_DB_OUTBOX_H
#define HOLDFAST_DB_OUTBOX_H

#include "holdfast/db.h"

/* event_type, channel, target, payload -> insert_id */
extern struct db_sql	db_sql_outbox_insert;
/* lease seconds, id -> affected 1 when the row is now ours */
extern struct db_sql	db_sql_outbox_claim;
/* id -> channel, target, payload, attempts */
extern struct db_sql	db_sql_outbox_get;
/* id */
extern struct db_sql	db_sql_outbox_delivered;
/* last_error, retry in seconds, dead (0 or 1), id */
extern struct db_sql	db_sql_outbox_failed;
/* limit -> id of due, unclaimed rows, most overdue first */
extern struct db_sql	db_sql_outbox_due;

#endif /* HOLDFAST_DB_OUTBOX_H */
