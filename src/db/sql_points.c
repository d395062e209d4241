/*
 * sql_points.c: the statements of points (issue 15 item 3; db_points.h,
 * sql/020_points.sql). Every write runs under the account row's lock
 * (db_sql_points_account_lock), taken after any stock and order rows of
 * the same transaction, so the lock order stays the service's: order,
 * stock rows (SKU order), reservations, then the points account, then
 * its lots (id order).
 */
#include "holdfast/db_points.h"
#include "db_int.h"

static const struct hf_field account_map[] = {
	HF_FIELD(struct points_account, user_id, HF_K_U64),
	HF_FIELD(struct points_account, balance, HF_K_INT),
	HF_FIELD(struct points_account, reserved, HF_K_INT),
};

static const struct hf_field entry_map[] = {
	DB_MAP_POINTS_ENTRY
};

static const struct hf_field lot_map[] = {
	HF_FIELD(struct points_lot, id, HF_K_U64),
	HF_FIELD(struct points_lot, remaining, HF_K_INT),
};

static const struct hf_field lot_due_map[] = {
	HF_FIELD(struct points_lot_due, id, HF_K_U64),
	HF_FIELD(struct points_lot_due, user_id, HF_K_U64),
	HF_FIELD(struct points_lot_due, remaining, HF_K_INT),
	HF_FIELD(struct points_lot_due, due, HF_K_BOOL),
};

static const struct hf_field check_map[] = {
	HF_FIELD(struct points_check, user_id, HF_K_U64),
	HF_FIELD(struct points_check, balance, HF_K_INT),
	HF_FIELD(struct points_check, reserved, HF_K_INT),
	HF_FIELD(struct points_check, ledger_balance, HF_K_INT),
	HF_FIELD(struct points_check, ledger_reserved, HF_K_INT),
	HF_FIELD(struct points_check, last_balance, HF_K_INT),
	HF_FIELD(struct points_check, last_reserved, HF_K_INT),
	HF_FIELD(struct points_check, orders_reserved, HF_K_INT),
	HF_FIELD(struct points_check, lots_remaining, HF_K_INT),
};

static const struct hf_field expiring_map[] = {
	HF_FIELD(struct points_expiring, points, HF_K_INT),
	HF_FIELD(struct points_expiring, expires_at, HF_K_STR),
};

/* user_id: an account of 0 points, unless it exists */
struct db_sql db_sql_points_account_ensure = DB_SQL(
    "INSERT IGNORE INTO points_accounts (user_id) VALUES (?)");
/* user_id */
struct db_sql db_sql_points_account_lock = DB_SQL_MAP(
    "SELECT user_id, balance, reserved FROM points_accounts "
    "WHERE user_id = ? FOR UPDATE", account_map, struct points_account);
struct db_sql db_sql_points_account_get = DB_SQL_MAP(
    "SELECT user_id, balance, reserved FROM points_accounts "
    "WHERE user_id = ?", account_map, struct points_account);
/* balance, reserved, user_id */
struct db_sql db_sql_points_account_set = DB_SQL(
    "UPDATE points_accounts SET balance = ?, reserved = ? "
    "WHERE user_id = ?");
/* user_id, kind, delta, reserved_delta, balance_after, reserved_after,
 * order_id (or NULL), reason (or NULL), created_by, request_id */
struct db_sql db_sql_points_ledger_insert = DB_SQL(
    "INSERT INTO points_ledger (user_id, kind, delta, reserved_delta, "
    "balance_after, reserved_after, order_id, reason, created_by, "
    "request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
/* user_id, ledger_id, points, points, days (0: never expires), days */
struct db_sql db_sql_points_lot_insert = DB_SQL(
    "INSERT INTO points_lots (user_id, ledger_id, points, remaining, "
    "expires_at) VALUES (?, ?, ?, ?, IF(? > 0, NOW(3) + INTERVAL ? DAY, "
    "NULL))");
/* user_id, limit: the lots with points left, oldest first, locked */
struct db_sql db_sql_points_lots_open = DB_SQL_MAP(
    "SELECT id, remaining FROM points_lots WHERE user_id = ? AND "
    "remaining > 0 ORDER BY id LIMIT ? FOR UPDATE", lot_map,
    struct points_lot);
/* points, id, points */
struct db_sql db_sql_points_lot_draw = DB_SQL(
    "UPDATE points_lots SET remaining = remaining - ? "
    "WHERE id = ? AND remaining >= ?");
/* user_id, points: one row a day (UTC) or none */
struct db_sql db_sql_points_checkin = DB_SQL(
    "INSERT IGNORE INTO points_checkins (user_id, day, points) "
    "VALUES (?, UTC_DATE(), ?)");
/* user_id, after (id <), limit, offset: newest first */
struct db_sql db_sql_points_ledger_list = DB_SQL_MAP(
    "SELECT id, kind, delta, reserved_delta, balance_after, "
    "reserved_after, order_id, reason, "
    DB_ISO_AS("created_at", "created_at") " FROM points_ledger "
    "WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ? OFFSET ?",
    entry_map, struct points_entry);
/* user_id: rows, to one past the cap */
struct db_sql db_sql_points_ledger_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM points_ledger "
    "WHERE user_id = ? LIMIT 1001) x");
/* limit: lots past their expiry with points left (holdfast-expire) */
struct db_sql db_sql_points_due = DB_SQL_MAP(
    "SELECT id, user_id, remaining, 1 AS due FROM points_lots "
    "WHERE expires_at <= NOW(3) AND remaining > 0 ORDER BY expires_at, id "
    "LIMIT ?", lot_due_map, struct points_lot_due);
/* id: the lot again, under its lock (after its account's) */
struct db_sql db_sql_points_lot_due = DB_SQL_MAP(
    "SELECT id, user_id, remaining, COALESCE(expires_at <= NOW(3), 0) "
    "AS due FROM points_lots WHERE id = ? FOR UPDATE", lot_due_map,
    struct points_lot_due);
/* 0 or a user_id, the same: every account (or one) beside its sums */
struct db_sql db_sql_points_reconcile = DB_SQL_MAP(
    "SELECT a.user_id, a.balance, a.reserved, "
    "(SELECT COALESCE(SUM(delta), 0) FROM points_ledger l "
    "WHERE l.user_id = a.user_id) AS ledger_balance, "
    "(SELECT COALESCE(SUM(reserved_delta), 0) FROM points_ledger l "
    "WHERE l.user_id = a.user_id) AS ledger_reserved, "
    "COALESCE((SELECT balance_after FROM points_ledger l "
    "WHERE l.user_id = a.user_id ORDER BY id DESC LIMIT 1), 0) "
    "AS last_balance, "
    "COALESCE((SELECT reserved_after FROM points_ledger l "
    "WHERE l.user_id = a.user_id ORDER BY id DESC LIMIT 1), 0) "
    "AS last_reserved, "
    "(SELECT COALESCE(SUM(points_used), 0) FROM orders o "
    "WHERE o.user_id = a.user_id AND o.status = 'pending_payment') "
    "AS orders_reserved, "
    "(SELECT COALESCE(SUM(remaining), 0) FROM points_lots t "
    "WHERE t.user_id = a.user_id) AS lots_remaining "
    "FROM points_accounts a WHERE ? = 0 OR a.user_id = ? "
    "ORDER BY a.user_id", check_map, struct points_check);
/* user_id: the points of the lot that expires first, and when */
struct db_sql db_sql_points_expiring = DB_SQL_MAP(
    "SELECT COALESCE(SUM(remaining), 0) AS points, "
    DB_ISO_AS("MIN(expires_at)", "expires_at") " FROM points_lots "
    "WHERE user_id = ? AND remaining > 0 AND expires_at = (SELECT "
    "MIN(expires_at) FROM points_lots WHERE user_id = ? AND "
    "remaining > 0)", expiring_map, struct points_expiring);
/* points, discount (money text), discount, id: a new order's points */
struct db_sql db_sql_order_points_set = DB_SQL(
    "UPDATE orders SET points_used = ?, points_discount = ?, "
    "total = total - ? WHERE id = ?");
/* points, id */
struct db_sql db_sql_order_points_earned = DB_SQL(
    "UPDATE orders SET points_earned = ? WHERE id = ?");

struct db_sql *const db_sql_set_points[] = {
	&db_sql_points_account_ensure,
	&db_sql_points_account_lock,
	&db_sql_points_account_get,
	&db_sql_points_account_set,
	&db_sql_points_ledger_insert,
	&db_sql_points_lot_insert,
	&db_sql_points_lots_open,
	&db_sql_points_lot_draw,
	&db_sql_points_checkin,
	&db_sql_points_ledger_list,
	&db_sql_points_ledger_count,
	&db_sql_points_due,
	&db_sql_points_lot_due,
	&db_sql_points_reconcile,
	&db_sql_points_expiring,
	&db_sql_order_points_set,
	&db_sql_order_points_earned,
	NULL
};
