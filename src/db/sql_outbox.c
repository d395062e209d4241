/*
 * sql_outbox.c: statements of the outbox. One statement per definition;
 * values travel as ? parameters, never inside the text. See
 * db_outbox.h for the parameters of each.
 */
#include "holdfast/db_outbox.h"
#include "db_int.h"

static const struct hf_field outbox_map[] = {
	HF_FIELD(struct outbox_row, channel, HF_K_STR),
	HF_FIELD(struct outbox_row, target, HF_K_STR),
	HF_FIELD(struct outbox_row, payload, HF_K_STR),
	HF_FIELD(struct outbox_row, attempts, HF_K_INT),
};

static const struct hf_field outbox_due_map[] = {
	HF_FIELD(struct outbox_due_row, id, HF_K_U64),
};

struct db_sql db_sql_outbox_insert = DB_SQL(
    "INSERT INTO outbox (event_type, channel, target, payload) "
    "VALUES (?, ?, ?, ?)");

struct db_sql db_sql_outbox_event = DB_SQL(
    "INSERT INTO outbox (event_type, payload, channel, target) "
    "VALUES (?, ?, 'webhook', '*')");

/*
 * The claim. Under READ COMMITTED a second claimer waits for the row lock
 * of the first, then reads the committed lease and matches nothing.
 */
struct db_sql db_sql_outbox_claim = DB_SQL(
    "UPDATE outbox SET claimed_until = NOW(3) + INTERVAL ? SECOND "
    "WHERE id = ? AND delivered_at IS NULL AND dead_at IS NULL "
    "AND next_attempt_at <= NOW(3) "
    "AND (claimed_until IS NULL OR claimed_until < NOW(3))");

struct db_sql db_sql_outbox_get = DB_SQL_MAP(
    "SELECT channel, target, payload, attempts FROM outbox WHERE id = ?",
    outbox_map, struct outbox_row);

struct db_sql db_sql_outbox_delivered = DB_SQL(
    "UPDATE outbox SET delivered_at = NOW(3), attempts = attempts + 1, "
    "claimed_until = NULL "
    "WHERE id = ? AND delivered_at IS NULL");

struct db_sql db_sql_outbox_failed = DB_SQL(
    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
    "next_attempt_at = NOW(3) + INTERVAL ? SECOND, "
    "dead_at = IF(? <> 0, NOW(3), NULL), claimed_until = NULL "
    "WHERE id = ? AND delivered_at IS NULL AND dead_at IS NULL");

/*
 * ix_outbox_due: (delivered_at, dead_at, next_attempt_at). Both channels:
 * e-mail, and webhook events (fanned out, then POSTed: webhooks.c).
 */
struct db_sql db_sql_outbox_due = DB_SQL_MAP(
    "SELECT id FROM outbox "
    "WHERE delivered_at IS NULL AND dead_at IS NULL "
    "AND next_attempt_at <= NOW(3) "
    "AND (claimed_until IS NULL OR claimed_until < NOW(3)) "
    "ORDER BY next_attempt_at, id LIMIT ?",
    outbox_due_map, struct outbox_due_row);

/* every statement above, for holdfast-admin check-sql (check.c) */
struct db_sql *const db_sql_set_outbox[] = {
	&db_sql_outbox_insert,
	&db_sql_outbox_event,
	&db_sql_outbox_claim,
	&db_sql_outbox_get,
	&db_sql_outbox_delivered,
	&db_sql_outbox_failed,
	&db_sql_outbox_due,
	NULL
};
