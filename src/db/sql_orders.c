/*
 * sql_orders.c: orders, payments and webhooks (db_orders.h says what
 * each statement takes and returns). Money stays DECIMAL inside the
 * database: line totals and order totals are computed here, never from
 * floats in C.
 */
#include "holdfast/db_orders.h"
#include "db_int.h"

struct db_sql db_sql_order_product = DB_SQL(
    "SELECT CAST(price * 100 AS SIGNED), status FROM products WHERE id = ?");
struct db_sql db_sql_order_insert = DB_SQL(
    "INSERT INTO orders (user_id, created_by, note, reference_id, "
    "expires_at) VALUES (?, ?, ?, ?, NOW(3) + INTERVAL ? SECOND)");
/* the reservation expires with its order, to the millisecond */
struct db_sql db_sql_order_reserve = DB_SQL(
    "INSERT INTO reservations (product_id, type, origin, reference_id, "
    "quantity, expires_at, created_by) SELECT ?, 'order', 'order', "
    "o.reference_id, ?, "
    "o.expires_at, ? FROM orders o WHERE o.id = ?");
struct db_sql db_sql_order_line_insert = DB_SQL(
    "INSERT INTO order_lines (order_id, product_id, sku, quantity, "
    "unit_price, line_total, reservation_id) SELECT ?, p.id, p.sku, ?, "
    "p.price, p.price * ?, ? FROM products p WHERE p.id = ?");
struct db_sql db_sql_order_set_total = DB_SQL(
    "UPDATE orders SET total = (SELECT COALESCE(SUM(line_total), 0) "
    "FROM order_lines WHERE order_id = ?) WHERE id = ?");

#define ORDER_COLS "o.id, o.user_id, o.created_by, o.status, o.total, " \
	"o.currency, o.note, o.reference_id, " DB_ISO("o.expires_at") ", " \
	DB_ISO("o.paid_at") ", " DB_ISO("o.cancelled_at") ", " \
	DB_ISO("o.refunded_at") ", " DB_ISO("o.fulfilled_at") ", " \
	DB_ISO("o.created_at") ", " DB_ISO("o.updated_at") ", " \
	"o.expires_at <= NOW(3), CAST(o.total * 100 AS SIGNED)"

struct db_sql db_sql_order_by_id = DB_SQL(
    "SELECT " ORDER_COLS " FROM orders o WHERE o.id = ?");
struct db_sql db_sql_order_lock = DB_SQL(
    "SELECT " ORDER_COLS " FROM orders o WHERE o.id = ? FOR UPDATE");
struct db_sql db_sql_order_lines = DB_SQL(
    "SELECT id, sku, quantity, unit_price, line_total, reservation_id, "
    "product_id FROM order_lines WHERE order_id = ? ORDER BY sku");
struct db_sql db_sql_order_set_status = DB_SQL(
    "UPDATE orders SET status = ?, "
    "paid_at = IF(? = 'paid', NOW(3), paid_at), "
    "cancelled_at = IF(? = 'cancelled', NOW(3), cancelled_at), "
    "refunded_at = IF(? = 'refunded', NOW(3), refunded_at), "
    "fulfilled_at = IF(? = 'fulfilled', NOW(3), fulfilled_at) "
    "WHERE id = ? AND status = ?");

#define ORDERS_WHERE "WHERE (? IS NULL OR o.user_id = ?) " \
	"AND (? IS NULL OR o.status = ?) "

struct db_sql db_sql_orders_list = DB_SQL(
    "SELECT " ORDER_COLS " FROM orders o " ORDERS_WHERE
    "ORDER BY o.id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_orders_count = DB_SQL(
    "SELECT COUNT(*) FROM orders o " ORDERS_WHERE);
/* ix_orders_status_expires */
struct db_sql db_sql_orders_due = DB_SQL(
    "SELECT id FROM orders WHERE status = 'pending_payment' "
    "AND expires_at <= NOW(3) ORDER BY expires_at LIMIT ?");

/* ix_orders_created */
struct db_sql db_sql_orders_stats_day = DB_SQL(
    "SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS day, status, COUNT(*), "
    "SUM(total), CAST(SUM(total) * 100 AS SIGNED) FROM orders "
    "WHERE created_at >= ? AND created_at < ? "
    "GROUP BY day, status ORDER BY day, status");

struct db_sql db_sql_payment_applied = DB_SQL(
    "SELECT id, order_id FROM payments WHERE applied_txn_id = ?");
struct db_sql db_sql_payment_insert = DB_SQL(
    "INSERT INTO payments (order_id, provider_txn_id, amount, currency, "
    "status, raw, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");

/* outbox.target is text (an address or a webhook id) */
#define TARGET_OF(id) "CAST(" id " AS CHAR CHARACTER SET utf8mb4) " \
	"COLLATE utf8mb4_unicode_ci"
#define WEBHOOK_COLS "w.id, w.url, w.events, w.active, w.created_by, " \
	DB_ISO("w.created_at")

struct db_sql db_sql_webhook_insert = DB_SQL(
    "INSERT INTO webhooks (url, events, secret, created_by) "
    "VALUES (?, ?, ?, ?)");
struct db_sql db_sql_webhook_by_id = DB_SQL(
    "SELECT " WEBHOOK_COLS " FROM webhooks w WHERE w.id = ?");
struct db_sql db_sql_webhooks_list = DB_SQL(
    "SELECT " WEBHOOK_COLS ", "
    "COALESCE(SUM(o.id IS NOT NULL AND o.delivered_at IS NULL "
    "AND o.dead_at IS NULL), 0), "
    "COALESCE(SUM(o.delivered_at IS NOT NULL), 0), "
    "COALESCE(SUM(o.dead_at IS NOT NULL), 0) "
    "FROM webhooks w LEFT JOIN outbox o ON o.channel = 'webhook' "
    "AND o.target = " TARGET_OF("w.id") " WHERE w.active = 1 "
    "GROUP BY w.id ORDER BY w.id LIMIT ? OFFSET ?");
struct db_sql db_sql_webhooks_count = DB_SQL(
    "SELECT COUNT(*) FROM webhooks WHERE active = 1");
struct db_sql db_sql_webhook_deactivate = DB_SQL(
    "UPDATE webhooks SET active = 0 WHERE id = ? AND active = 1");
struct db_sql db_sql_webhook_kill_pending = DB_SQL(
    "UPDATE outbox SET dead_at = NOW(3), claimed_until = NULL, "
    "last_error = 'webhook deleted' WHERE channel = 'webhook' "
    "AND target = ? AND delivered_at IS NULL AND dead_at IS NULL");

#define DELIVERY_STATUS "CASE WHEN o.delivered_at IS NOT NULL " \
	"THEN 'delivered' WHEN o.dead_at IS NOT NULL THEN 'dead' " \
	"WHEN o.attempts > 0 THEN 'retrying' ELSE 'pending' END"
#define DELIVERY_COLS "o.id, o.event_type, " \
	"JSON_VALUE(o.payload, '$.event_id'), " DELIVERY_STATUS ", " \
	"o.attempts, " DB_ISO("o.next_attempt_at") ", " \
	DB_ISO("o.delivered_at") ", " DB_ISO("o.dead_at") ", o.last_error, " \
	DB_ISO("o.created_at")
#define DELIVERY_WHERE "WHERE o.channel = 'webhook' AND o.target = ? " \
	"AND (? IS NULL OR " DELIVERY_STATUS " = ?) "

struct db_sql db_sql_deliveries_list = DB_SQL(
    "SELECT " DELIVERY_COLS " FROM outbox o " DELIVERY_WHERE
    "ORDER BY o.id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_deliveries_count = DB_SQL(
    "SELECT COUNT(*) FROM outbox o " DELIVERY_WHERE);

struct db_sql db_sql_webhook_subscribers = DB_SQL(
    "SELECT w.id FROM outbox o JOIN webhooks w ON w.active = 1 "
    "AND FIND_IN_SET(o.event_type, w.events) > 0 "
    "AND w.created_at <= o.created_at WHERE o.id = ? ORDER BY w.id");
struct db_sql db_sql_webhook_fanout = DB_SQL(
    "INSERT INTO outbox (event_type, payload, channel, target) "
    "SELECT event_type, payload, 'webhook', ? FROM outbox WHERE id = ?");
struct db_sql db_sql_webhook_target = DB_SQL(
    "SELECT url, secret, active FROM webhooks WHERE id = ?");

/* every statement above, for holdfast-admin check-sql (sql_all.c) */
struct db_sql *const db_sql_set_orders[] = {
	&db_sql_order_product,
	&db_sql_order_insert,
	&db_sql_order_reserve,
	&db_sql_order_line_insert,
	&db_sql_order_set_total,
	&db_sql_order_by_id,
	&db_sql_order_lock,
	&db_sql_order_lines,
	&db_sql_order_set_status,
	&db_sql_orders_list,
	&db_sql_orders_count,
	&db_sql_orders_due,
	&db_sql_orders_stats_day,
	&db_sql_payment_applied,
	&db_sql_payment_insert,
	&db_sql_webhook_insert,
	&db_sql_webhook_by_id,
	&db_sql_webhooks_list,
	&db_sql_webhooks_count,
	&db_sql_webhook_deactivate,
	&db_sql_webhook_kill_pending,
	&db_sql_deliveries_list,
	&db_sql_deliveries_count,
	&db_sql_webhook_subscribers,
	&db_sql_webhook_fanout,
	&db_sql_webhook_target,
	NULL
};
