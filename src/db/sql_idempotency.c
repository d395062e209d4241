/*
 * sql_idempotency.c: the statements of Idempotency-Key (svc/idempotency.c)
 * and their column maps. See db_idempotency.h for the parameters of each.
 */
#include "holdfast/db_idempotency.h"
#include "db_int.h"

static const struct hf_field idem_lock_map[] = {
	HF_FIELDF(struct idem_lock_row, got, HF_K_INT, HF_F_NULL),
};

static const struct hf_field idem_unlock_map[] = {
	HF_FIELDF(struct idem_unlock_row, released, HF_K_INT, HF_F_NULL),
};

static const struct hf_field idem_map[] = {
	HF_FIELD(struct idem_row, id, HF_K_U64),
	HF_FIELD(struct idem_row, fingerprint, HF_K_STR),
	HF_FIELD(struct idem_row, status, HF_K_STR),
	HF_FIELDF(struct idem_row, response_status, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct idem_row, response_body, HF_K_STR),
	HF_FIELD(struct idem_row, expired, HF_K_BOOL),
};

/*
 * Idempotency keys. A request that runs a key holds the user lock named
 * for it (GET_LOCK) on its own connection until it ends; the server drops
 * it the moment that connection dies, so a 'running' row whose lock is
 * free was left by a request that no longer runs. done and delete only
 * touch the row while this connection still holds its lock.
 */
struct db_sql db_sql_idem_lock = DB_SQL_MAP(
    "SELECT GET_LOCK(?, 0) AS got", idem_lock_map, struct idem_lock_row);
struct db_sql db_sql_idem_unlock = DB_SQL_MAP(
    "SELECT RELEASE_LOCK(?) AS released", idem_unlock_map,
    struct idem_unlock_row);
struct db_sql db_sql_idem_insert = DB_SQL(
    "INSERT INTO idempotency_keys (actor, idem_key, fingerprint, status, "
    "expires_at) VALUES (?, ?, ?, 'running', NOW(3) + INTERVAL 1 DAY)");
struct db_sql db_sql_idem_get = DB_SQL_MAP(
    "SELECT id, fingerprint, status, response_status, response_body, "
    "expires_at < NOW(3) AS expired "
    "FROM idempotency_keys WHERE actor = ? AND idem_key = ?",
    idem_map, struct idem_row);
struct db_sql db_sql_idem_take_over = DB_SQL(
    "UPDATE idempotency_keys SET fingerprint = ?, status = 'running', "
    "response_status = NULL, response_body = NULL, created_at = NOW(3), "
    "expires_at = NOW(3) + INTERVAL 1 DAY WHERE id = ? AND (status = "
    "'running' OR expires_at < NOW(3))");
struct db_sql db_sql_idem_done = DB_SQL(
    "UPDATE idempotency_keys SET status = 'done', response_status = ?, "
    "response_body = ? WHERE id = ? AND status = 'running' "
    "AND IS_USED_LOCK(?) = CONNECTION_ID()");
struct db_sql db_sql_idem_delete = DB_SQL(
    "DELETE FROM idempotency_keys WHERE id = ? AND status = 'running' "
    "AND IS_USED_LOCK(?) = CONNECTION_ID()");

/* every statement above, for holdfast-admin check-sql (check.c) */
struct db_sql *const db_sql_set_idempotency[] = {
	&db_sql_idem_lock,
	&db_sql_idem_unlock,
	&db_sql_idem_insert,
	&db_sql_idem_get,
	&db_sql_idem_take_over,
	&db_sql_idem_done,
	&db_sql_idem_delete,
	NULL
};
