/*
 * sql_refunds.c: the statements of refunds, returns and the payments read
 * side (issue 15 item 6; db_refunds.h, sql/025_refunds.sql). The writes
 * run under the order row's lock (db_sql_order_lock), taken first, then
 * the stock rows in SKU order: two refunds or returns of one order
 * serialise on the order.
 */
#include "holdfast/db_refunds.h"
#include "db_int.h"

static const struct hf_field sums_map[] = {
	HF_FIELD(struct refund_sums, cents, HF_K_INT),
	HF_FIELD(struct refund_sums, n, HF_K_INT),
	HF_FIELD(struct refund_sums, points_returned, HF_K_INT),
	HF_FIELD(struct refund_sums, points_revoked, HF_K_INT),
};

static const struct hf_field left_map[] = {
	HF_FIELD(struct refund_line_left, product_id, HF_K_U64),
	HF_FIELD(struct refund_line_left, sku, HF_K_STR),
	HF_FIELD(struct refund_line_left, quantity, HF_K_INT),
	HF_FIELD(struct refund_line_left, refunded, HF_K_INT),
	HF_FIELD(struct refund_line_left, restocked, HF_K_INT),
	HF_FIELD(struct refund_line_left, returned, HF_K_INT),
};

static const struct hf_field refund_map[] = {
	HF_FIELD(struct refund_row, id, HF_K_U64),
	HF_FIELD(struct refund_row, order_id, HF_K_U64),
	HF_FIELD(struct refund_row, kind, HF_K_STR),
	HF_FIELD(struct refund_row, amount, HF_K_STR),
	HF_FIELD(struct refund_row, currency, HF_K_STR),
	HF_FIELD(struct refund_row, reason, HF_K_STR),
	HF_FIELD(struct refund_row, provider_reference, HF_K_STR),
	HF_FIELD(struct refund_row, points_returned, HF_K_INT),
	HF_FIELD(struct refund_row, points_revoked, HF_K_INT),
	HF_FIELD(struct refund_row, created_by, HF_K_STR),
	HF_FIELD(struct refund_row, created_at, HF_K_STR),
};

static const struct hf_field refund_line_map[] = {
	HF_FIELD(struct refund_line_row, refund_id, HF_K_U64),
	HF_FIELD(struct refund_line_row, sku, HF_K_STR),
	HF_FIELD(struct refund_line_row, quantity, HF_K_INT),
	HF_FIELD(struct refund_line_row, restocked, HF_K_INT),
};

static const struct hf_field return_map[] = {
	HF_FIELD(struct return_line_row, return_id, HF_K_U64),
	HF_FIELD(struct return_line_row, sku, HF_K_STR),
	HF_FIELD(struct return_line_row, quantity, HF_K_INT),
	HF_FIELD(struct return_line_row, sellable, HF_K_BOOL),
	HF_FIELD(struct return_line_row, reason, HF_K_STR),
	HF_FIELD(struct return_line_row, note, HF_K_STR),
	HF_FIELD(struct return_line_row, created_by, HF_K_STR),
	HF_FIELD(struct return_line_row, created_at, HF_K_STR),
};

static const struct hf_field payment_map[] = {
	HF_FIELD(struct payment_row, id, HF_K_U64),
	HF_FIELDF(struct payment_row, order_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct payment_row, provider_txn_id, HF_K_STR),
	HF_FIELD(struct payment_row, amount, HF_K_STR),
	HF_FIELD(struct payment_row, currency, HF_K_STR),
	HF_FIELD(struct payment_row, status, HF_K_STR),
	HF_FIELD(struct payment_row, outcome, HF_K_STR),
	HF_FIELD(struct payment_row, reason, HF_K_STR),
	HF_FIELD(struct payment_row, raw, HF_K_STR),
	HF_FIELD(struct payment_row, created_at, HF_K_STR),
};

static const struct hf_field mismatch_map[] = {
	HF_FIELD(struct payment_mismatch, order_id, HF_K_U64),
	HF_FIELD(struct payment_mismatch, status, HF_K_STR),
	HF_FIELD(struct payment_mismatch, total, HF_K_STR),
	HF_FIELD(struct payment_mismatch, currency, HF_K_STR),
	HF_FIELD(struct payment_mismatch, paid, HF_K_STR),
	HF_FIELD(struct payment_mismatch, refunded, HF_K_STR),
	HF_FIELD(struct payment_mismatch, payments, HF_K_INT),
	HF_FIELD(struct payment_mismatch, total_cents, HF_K_INT),
	HF_FIELD(struct payment_mismatch, paid_cents, HF_K_INT),
	HF_FIELD(struct payment_mismatch, refunded_cents, HF_K_INT),
};

/* order_id: the sums of its refunds */
struct db_sql db_sql_refund_sums = DB_SQL_MAP(
    "SELECT CAST(COALESCE(SUM(amount), 0) * 100 AS SIGNED) AS cents, "
    "COUNT(*) AS n, CAST(COALESCE(SUM(points_returned), 0) AS SIGNED) AS "
    "points_returned, CAST(COALESCE(SUM(points_revoked), 0) AS SIGNED) "
    "AS points_revoked FROM order_refunds WHERE order_id = ?",
    sums_map, struct refund_sums);
/* order_id (three times): each line and what came back of it, SKU order */
struct db_sql db_sql_refund_line_sums = DB_SQL_MAP(
    "SELECT ol.product_id, ol.sku, ol.quantity, "
    "CAST(COALESCE(SUM(rl.quantity), 0) AS SIGNED) AS refunded, "
    "CAST(COALESCE(SUM(rl.restocked), 0) AS SIGNED) AS restocked, "
    "CAST((SELECT COALESCE(SUM(t.quantity), 0) FROM order_return_lines t "
    "WHERE t.order_id = ? AND t.product_id = ol.product_id) AS SIGNED) "
    "AS returned FROM order_lines ol LEFT JOIN order_refund_lines rl "
    "ON rl.order_id = ? AND rl.product_id = ol.product_id "
    "WHERE ol.order_id = ? GROUP BY ol.id, ol.product_id, ol.sku, "
    "ol.quantity ORDER BY ol.sku, ol.id", left_map,
    struct refund_line_left);
/* order_id, kind, amount, currency, reason, provider_ref (or NULL),
 * points_returned, points_revoked, created_by, request_id */
struct db_sql db_sql_refund_insert = DB_SQL(
    "INSERT INTO order_refunds (order_id, kind, amount, currency, reason, "
    "provider_ref, points_returned, points_revoked, created_by, "
    "request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
/* refund_id, order_id, product_id, sku, quantity, restocked */
struct db_sql db_sql_refund_line_insert = DB_SQL(
    "INSERT INTO order_refund_lines (refund_id, order_id, product_id, sku, "
    "quantity, restocked) VALUES (?, ?, ?, ?, ?, ?)");
/* order_id, note (or NULL), created_by, request_id */
struct db_sql db_sql_return_insert = DB_SQL(
    "INSERT INTO order_returns (order_id, note, created_by, request_id) "
    "VALUES (?, ?, ?, ?)");
/* return_id, order_id, product_id, sku, quantity, sellable, reason */
struct db_sql db_sql_return_line_insert = DB_SQL(
    "INSERT INTO order_return_lines (return_id, order_id, product_id, sku, "
    "quantity, sellable, reason) VALUES (?, ?, ?, ?, ?, ?, ?)");
/* id: a locked paid or fulfilled order refunded in full by refunds */
struct db_sql db_sql_refund_set_status = DB_SQL(
    "UPDATE orders SET status = 'refunded', refunded_at = NOW(3) "
    "WHERE id = ? AND status IN ('paid', 'fulfilled')");
/* order_id: its refunds, oldest first */
struct db_sql db_sql_refunds_of = DB_SQL_MAP(
    "SELECT id, order_id, kind, amount, currency, reason, "
    "provider_ref AS provider_reference, points_returned, points_revoked, "
    "created_by, " DB_ISO_AS("created_at", "created_at") " FROM "
    "order_refunds WHERE order_id = ? ORDER BY id", refund_map,
    struct refund_row);
/* order_id: the lines of its refunds */
struct db_sql db_sql_refund_lines_of = DB_SQL_MAP(
    "SELECT refund_id, sku, quantity, restocked FROM order_refund_lines "
    "WHERE order_id = ? ORDER BY refund_id, sku, id", refund_line_map,
    struct refund_line_row);
/* order_id: the lines of its returns, oldest first */
struct db_sql db_sql_returns_of = DB_SQL_MAP(
    "SELECT l.return_id, l.sku, l.quantity, l.sellable, l.reason, r.note, "
    "r.created_by, " DB_ISO_AS("r.created_at", "created_at") " FROM "
    "order_return_lines l JOIN order_returns r ON r.id = l.return_id "
    "WHERE l.order_id = ? ORDER BY l.return_id, l.id", return_map,
    struct return_line_row);

#define PAYMENT_COLS "id, order_id, provider_txn_id, amount, currency, " \
	"status, outcome, reason, "
#define PAYMENTS_WHERE "WHERE (? IS NULL OR order_id = ?) " \
	"AND (? IS NULL OR outcome = ?) "

/* order_id, outcome (each DB_OPT), after, limit, offset: newest first */
struct db_sql db_sql_payments_list = DB_SQL_MAP(
    "SELECT " PAYMENT_COLS "NULL AS raw, "
    DB_ISO_AS("created_at", "created_at") " FROM payments " PAYMENTS_WHERE
    "AND id < ? ORDER BY id DESC LIMIT ? OFFSET ?", payment_map,
    struct payment_row);
/* order_id, outcome (each DB_OPT): rows, to one past the cap */
struct db_sql db_sql_payments_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM payments " PAYMENTS_WHERE
    "LIMIT 1001) x");
/* id: one payment with the notification as it came */
struct db_sql db_sql_payment_by_id = DB_SQL_MAP(
    "SELECT " PAYMENT_COLS "CAST(raw AS CHAR) AS raw, "
    DB_ISO_AS("created_at", "created_at") " FROM payments WHERE id = ?",
    payment_map, struct payment_row);
/* order_id: its payments, oldest first */
struct db_sql db_sql_payments_of_order = DB_SQL_MAP(
    "SELECT " PAYMENT_COLS "NULL AS raw, "
    DB_ISO_AS("created_at", "created_at") " FROM payments "
    "WHERE order_id = ? ORDER BY id", payment_map, struct payment_row);

/*
 * The orders whose applied payments differ from what they should be (the
 * total once paid, nothing before), or whose refunds exceed the total.
 * Walks the orders newest first from the keyset bound.
 */
#define MISMATCH_FROM "FROM (SELECT o.id AS order_id, o.status, o.total, " \
	"o.currency, COALESCE((SELECT SUM(p.amount) FROM payments p " \
	"WHERE p.order_id = o.id AND p.outcome = 'applied'), 0.00) AS paid, " \
	"COALESCE((SELECT SUM(r.amount) FROM order_refunds r " \
	"WHERE r.order_id = o.id), 0.00) AS refunded, (SELECT COUNT(*) " \
	"FROM payments p WHERE p.order_id = o.id AND p.outcome = 'applied') " \
	"AS payments FROM orders o WHERE o.id < ?) x WHERE x.paid <> " \
	"IF(x.status IN ('paid', 'fulfilled', 'refunded'), x.total, 0) " \
	"OR x.refunded > x.total "

/* after, limit, offset */
struct db_sql db_sql_payments_report = DB_SQL_MAP(
    "SELECT x.order_id, x.status, x.total, x.currency, "
    "CAST(x.paid AS DECIMAL(12,2)) AS paid, "
    "CAST(x.refunded AS DECIMAL(12,2)) AS refunded, x.payments, "
    "CAST(x.total * 100 AS SIGNED) AS total_cents, "
    "CAST(x.paid * 100 AS SIGNED) AS paid_cents, "
    "CAST(x.refunded * 100 AS SIGNED) AS refunded_cents "
    MISMATCH_FROM "ORDER BY x.order_id DESC LIMIT ? OFFSET ?",
    mismatch_map, struct payment_mismatch);
/* after (past every id): rows, to one past the cap */
struct db_sql db_sql_payments_report_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 " MISMATCH_FROM "LIMIT 1001) y");

struct db_sql *const db_sql_set_refunds[] = {
	&db_sql_refund_sums,
	&db_sql_refund_line_sums,
	&db_sql_refund_insert,
	&db_sql_refund_line_insert,
	&db_sql_return_insert,
	&db_sql_return_line_insert,
	&db_sql_refund_set_status,
	&db_sql_refunds_of,
	&db_sql_refund_lines_of,
	&db_sql_returns_of,
	&db_sql_payments_list,
	&db_sql_payments_count,
	&db_sql_payment_by_id,
	&db_sql_payments_of_order,
	&db_sql_payments_report,
	&db_sql_payments_report_count,
	NULL
};
