/*
 * sql_orders.c: orders, payments and webhooks (db_orders.h says what
 * each statement takes and returns). Money stays DECIMAL inside the
 * database: line totals and order totals are computed here, never from
 * floats in C.
 */
#include "holdfast/db_orders.h"
#include "db_int.h"

static const struct hf_field order_product_map[] = {
	HF_FIELD(struct order_product, price_cents, HF_K_INT),
	HF_FIELD(struct order_product, status, HF_K_STR),
};

struct db_sql db_sql_order_product = DB_SQL_MAP(
    "SELECT CAST(price * 100 AS SIGNED) AS price_cents, status "
    "FROM products WHERE id = ?", order_product_map, struct order_product);
struct db_sql db_sql_order_insert = DB_SQL(
    "INSERT INTO orders (user_id, created_by, note, reference_id, "
    "expires_at, currency) VALUES (?, ?, ?, ?, NOW(3) + INTERVAL ? SECOND, "
    "?)");
/* the reservation expires with its order, to the millisecond */
struct db_sql db_sql_order_reserve = DB_SQL(
    "INSERT INTO reservations (product_id, location_id, type, origin, "
    "reference_id, quantity, expires_at, created_by) SELECT ?, ?, 'order', "
    "'order', o.reference_id, ?, o.expires_at, ? FROM orders o "
    "WHERE o.id = ?");
struct db_sql db_sql_order_line_insert = DB_SQL(
    "INSERT INTO order_lines (order_id, product_id, sku, quantity, "
    "unit_price, line_total, reservation_id) SELECT ?, p.id, p.sku, ?, "
    "p.price, p.price * ?, ? FROM products p WHERE p.id = ?");
struct db_sql db_sql_order_set_total = DB_SQL(
    "UPDATE orders SET total = (SELECT COALESCE(SUM(line_total), 0) "
    "FROM order_lines WHERE order_id = ?) WHERE id = ?");

#define ORDER_COLS "o.id, o.user_id, o.created_by, o.status, o.total, " \
	"o.currency, o.note, o.reference_id, " \
	DB_ISO_AS("o.expires_at", "expires_at") ", " \
	DB_ISO_AS("o.paid_at", "paid_at") ", " \
	DB_ISO_AS("o.cancelled_at", "cancelled_at") ", " \
	DB_ISO_AS("o.refunded_at", "refunded_at") ", " \
	DB_ISO_AS("o.fulfilled_at", "fulfilled_at") ", " \
	DB_ISO_AS("o.created_at", "created_at") ", " \
	DB_ISO_AS("o.updated_at", "updated_at") ", " \
	"o.expires_at <= NOW(3) AS past_ttl, " \
	"CAST(o.total * 100 AS SIGNED) AS total_cents, o.points_used, " \
	"o.points_discount, o.points_earned, o.coupon_code, " \
	"o.coupon_discount"

static const struct hf_field order_map[] = {
	HF_FIELD(struct order, id, HF_K_U64),
	HF_FIELDF(struct order, user_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct order, created_by, HF_K_STR),
	HF_FIELD(struct order, status, HF_K_STR),
	HF_FIELD(struct order, total, HF_K_STR),
	HF_FIELD(struct order, currency, HF_K_STR),
	HF_FIELD(struct order, note, HF_K_STR),
	HF_FIELD(struct order, reference_id, HF_K_STR),
	HF_FIELD(struct order, expires_at, HF_K_STR),
	HF_FIELD(struct order, paid_at, HF_K_STR),
	HF_FIELD(struct order, cancelled_at, HF_K_STR),
	HF_FIELD(struct order, refunded_at, HF_K_STR),
	HF_FIELD(struct order, fulfilled_at, HF_K_STR),
	HF_FIELD(struct order, created_at, HF_K_STR),
	HF_FIELD(struct order, updated_at, HF_K_STR),
	HF_FIELD(struct order, past_ttl, HF_K_BOOL),
	HF_FIELD(struct order, total_cents, HF_K_INT),
	HF_FIELD(struct order, points_used, HF_K_INT),
	HF_FIELD(struct order, points_discount, HF_K_STR),
	HF_FIELD(struct order, points_earned, HF_K_INT),
	HF_FIELD(struct order, coupon_code, HF_K_STR),
	HF_FIELD(struct order, coupon_discount, HF_K_STR),
};

static const struct hf_field order_line_map[] = {
	HF_FIELD(struct order_line, id, HF_K_U64),
	HF_FIELD(struct order_line, sku, HF_K_STR),
	HF_FIELD(struct order_line, quantity, HF_K_INT),
	HF_FIELD(struct order_line, unit_price, HF_K_STR),
	HF_FIELD(struct order_line, line_total, HF_K_STR),
	HF_FIELDF(struct order_line, reservation_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct order_line, product_id, HF_K_U64),
	HF_FIELD(struct order_line, location_id, HF_K_U64),
	HF_FIELD(struct order_line, location, HF_K_STR),
};

struct db_sql db_sql_order_by_id = DB_SQL_MAP(
    "SELECT " ORDER_COLS " FROM orders o WHERE o.id = ?", order_map,
    struct order);
struct db_sql db_sql_order_lock = DB_SQL_MAP(
    "SELECT " ORDER_COLS " FROM orders o WHERE o.id = ? FOR UPDATE",
    order_map, struct order);
struct db_sql db_sql_order_lines = DB_SQL_MAP(
    "SELECT ol.id, ol.sku, ol.quantity, ol.unit_price, ol.line_total, "
    "ol.reservation_id, ol.product_id, "
    "COALESCE(r.location_id, 1) AS location_id, lo.code AS location "
    "FROM order_lines ol LEFT JOIN reservations r "
    "ON r.id = ol.reservation_id LEFT JOIN locations lo "
    "ON lo.id = COALESCE(r.location_id, 1) WHERE ol.order_id = ? "
    "ORDER BY ol.sku, ol.id",
    order_line_map, struct order_line);
struct db_sql db_sql_order_set_status = DB_SQL(
    "UPDATE orders SET status = ?, "
    "paid_at = IF(? = 'paid', NOW(3), paid_at), "
    "cancelled_at = IF(? = 'cancelled', NOW(3), cancelled_at), "
    "refunded_at = IF(? = 'refunded', NOW(3), refunded_at), "
    "fulfilled_at = IF(? = 'fulfilled', NOW(3), fulfilled_at) "
    "WHERE id = ? AND status = ?");

#define ORDERS_WHERE "WHERE (? IS NULL OR o.user_id = ?) " \
	"AND (? IS NULL OR o.status = ?) "

/* user_id, status (each DB_OPT), after, limit, offset: a keyset page
 * (issue 13) through ix_orders_user_id or ix_orders_status_id (013); not
 * through the indexes that share their prefix but not the id order */
struct db_sql db_sql_orders_list = DB_SQL_MAP(
    "SELECT " ORDER_COLS " FROM orders o IGNORE INDEX "
    "(ix_orders_user_created, ix_orders_status_expires) " ORDERS_WHERE
    "AND o.id < ? ORDER BY o.id DESC LIMIT ? OFFSET ?", order_map,
    struct order);
struct db_sql db_sql_orders_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM orders o " ORDERS_WHERE
    DB_LIST_CAP ") t");

static const struct hf_field orders_id_map[] = {
	HF_FIELD(struct orders_id_row, id, HF_K_U64),
};

/* ix_orders_status_expires */
struct db_sql db_sql_orders_due = DB_SQL_MAP(
    "SELECT id FROM orders WHERE status = 'pending_payment' "
    "AND expires_at <= NOW(3) ORDER BY expires_at LIMIT ?", orders_id_map,
    struct orders_id_row);

static const struct hf_field order_stats_map[] = {
	HF_FIELD(struct order_stats_row, day, HF_K_STR),
	HF_FIELD(struct order_stats_row, status, HF_K_STR),
	HF_FIELD(struct order_stats_row, count, HF_K_INT),
	HF_FIELD(struct order_stats_row, total, HF_K_STR),
	HF_FIELD(struct order_stats_row, total_cents, HF_K_INT),
};

/* ix_orders_created */
struct db_sql db_sql_orders_stats_day = DB_SQL_MAP(
    "SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS day, status, "
    "COUNT(*) AS count, SUM(total) AS total, "
    "CAST(SUM(total) * 100 AS SIGNED) AS total_cents FROM orders "
    "WHERE created_at >= ? AND created_at < ? "
    "GROUP BY day, status ORDER BY day, status", order_stats_map,
    struct order_stats_row);

static const struct hf_field payment_applied_map[] = {
	HF_FIELD(struct payment_applied, id, HF_K_U64),
	HF_FIELDF(struct payment_applied, order_id, HF_K_INT, HF_F_NULL),
};

struct db_sql db_sql_payment_applied = DB_SQL_MAP(
    "SELECT id, order_id FROM payments WHERE applied_txn_id = ?",
    payment_applied_map, struct payment_applied);
struct db_sql db_sql_payment_insert = DB_SQL(
    "INSERT INTO payments (order_id, provider_txn_id, amount, currency, "
    "status, raw, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");

/* outbox.target is text (an address or a webhook id) */
#define TARGET_OF(id) "CAST(" id " AS CHAR CHARACTER SET utf8mb4) " \
	"COLLATE utf8mb4_unicode_ci"
/*
 * The SET's names as a JSON array: they are fixed names of letters and
 * dots (the SET refuses any other), so quoting them is all it takes.
 */
#define WEBHOOK_COLS "w.id, w.url, w.events, " \
	"IF(w.events = '', '[]', CONCAT('[\"', " \
	"REPLACE(w.events, ',', '\",\"'), '\"]')) AS event_list, " \
	"w.active, w.created_by, " DB_ISO_AS("w.created_at", "created_at")

#define WEBHOOK_MAP \
	HF_FIELD(struct webhook, id, HF_K_U64), \
	HF_FIELD(struct webhook, url, HF_K_STR), \
	HF_FIELD(struct webhook, events, HF_K_STR), \
	HF_FIELD(struct webhook, event_list, HF_K_JSON), \
	HF_FIELD(struct webhook, active, HF_K_BOOL), \
	HF_FIELD(struct webhook, created_by, HF_K_STR), \
	HF_FIELD(struct webhook, created_at, HF_K_STR)

static const struct hf_field webhook_map[] = {
	WEBHOOK_MAP,
};

static const struct hf_field webhook_list_map[] = {
	WEBHOOK_MAP,
	HF_FIELD(struct webhook, pending, HF_K_INT),
	HF_FIELD(struct webhook, delivered, HF_K_INT),
	HF_FIELD(struct webhook, dead, HF_K_INT),
};

struct db_sql db_sql_webhook_insert = DB_SQL(
    "INSERT INTO webhooks (url, events, secret, created_by) "
    "VALUES (?, ?, ?, ?)");
struct db_sql db_sql_webhook_by_id = DB_SQL_MAP(
    "SELECT " WEBHOOK_COLS " FROM webhooks w WHERE w.id = ?", webhook_map,
    struct webhook);
struct db_sql db_sql_webhooks_list = DB_SQL_MAP(
    "SELECT " WEBHOOK_COLS ", "
    "COALESCE(SUM(o.id IS NOT NULL AND o.delivered_at IS NULL "
    "AND o.dead_at IS NULL), 0) AS pending, "
    "COALESCE(SUM(o.delivered_at IS NOT NULL), 0) AS delivered, "
    "COALESCE(SUM(o.dead_at IS NOT NULL), 0) AS dead "
    "FROM webhooks w LEFT JOIN outbox o ON o.channel = 'webhook' "
    "AND o.target = " TARGET_OF("w.id") " WHERE w.active = 1 "
    "GROUP BY w.id ORDER BY w.id LIMIT ? OFFSET ?", webhook_list_map,
    struct webhook);
struct db_sql db_sql_webhooks_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM webhooks WHERE active = 1");
struct db_sql db_sql_webhook_deactivate = DB_SQL(
    "UPDATE webhooks SET active = 0 WHERE id = ? AND active = 1");
struct db_sql db_sql_webhook_kill_pending = DB_SQL(
    "UPDATE outbox SET dead_at = NOW(3), claimed_until = NULL, "
    "last_error = 'webhook deleted' WHERE channel = 'webhook' "
    "AND target = ? AND delivered_at IS NULL AND dead_at IS NULL");

#define DELIVERY_STATUS "CASE WHEN o.delivered_at IS NOT NULL " \
	"THEN 'delivered' WHEN o.dead_at IS NOT NULL THEN 'dead' " \
	"WHEN o.attempts > 0 THEN 'retrying' ELSE 'pending' END"
/* a delivery that is over (delivered or dead) has no next attempt */
#define DELIVERY_COLS "o.id, o.event_type AS event, " \
	"JSON_VALUE(o.payload, '$.event_id') AS event_id, " \
	DELIVERY_STATUS " AS status, o.attempts, " \
	"IF(o.delivered_at IS NULL AND o.dead_at IS NULL, " \
	DB_ISO("o.next_attempt_at") ", NULL) AS next_attempt_at, " \
	DB_ISO_AS("o.delivered_at", "delivered_at") ", " \
	DB_ISO_AS("o.dead_at", "dead_at") ", o.last_error, " \
	DB_ISO_AS("o.created_at", "created_at")
#define DELIVERY_WHERE "WHERE o.channel = 'webhook' AND o.target = ? " \
	"AND (? IS NULL OR " DELIVERY_STATUS " = ?) "

static const struct hf_field delivery_map[] = {
	DB_MAP_DELIVERY
};

/* target, status (DB_OPT), after, limit, offset: a keyset page (issue
 * 13) through ix_outbox_target (channel, target, id) */
struct db_sql db_sql_deliveries_list = DB_SQL_MAP(
    "SELECT " DELIVERY_COLS " FROM outbox o " DELIVERY_WHERE
    "AND o.id < ? ORDER BY o.id DESC LIMIT ? OFFSET ?", delivery_map,
    struct delivery);
struct db_sql db_sql_deliveries_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox o " DELIVERY_WHERE
    DB_LIST_CAP ") t");

struct db_sql db_sql_webhook_subscribers = DB_SQL_MAP(
    "SELECT w.id FROM outbox o JOIN webhooks w ON w.active = 1 "
    "AND FIND_IN_SET(o.event_type, w.events) > 0 "
    "AND w.created_at <= o.created_at WHERE o.id = ? ORDER BY w.id",
    orders_id_map, struct orders_id_row);
struct db_sql db_sql_webhook_fanout = DB_SQL(
    "INSERT INTO outbox (event_type, payload, channel, target) "
    "SELECT event_type, payload, 'webhook', ? FROM outbox WHERE id = ?");

static const struct hf_field webhook_target_map[] = {
	HF_FIELD(struct webhook_target, url, HF_K_STR),
	HF_FIELD(struct webhook_target, secret, HF_K_STR),
	HF_FIELD(struct webhook_target, active, HF_K_BOOL),
	HF_FIELD(struct webhook_target, event, HF_K_STR),
	HF_FIELD(struct webhook_target, event_id, HF_K_STR),
};

/* the event's name and id for the delivery's headers, from its payload */
struct db_sql db_sql_webhook_target = DB_SQL_MAP(
    "SELECT w.url, w.secret, w.active, "
    "JSON_VALUE(o.payload, '$.event') AS event, "
    "JSON_VALUE(o.payload, '$.event_id') AS event_id "
    "FROM webhooks w LEFT JOIN outbox o ON o.id = ? WHERE w.id = ?",
    webhook_target_map, struct webhook_target);

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
