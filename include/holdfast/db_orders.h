/*
 * db_orders.h: the statements of orders, payments and webhooks
 * (sql_orders.c). Parameters of each, in order, after the arrow what it
 * returns. The reservations of an order are locked with
 * db_sql_reservation_lock_ref (db.h) on the order's reference_id.
 */
#ifndef HOLDFAST_DB_ORDERS_H
#define HOLDFAST_DB_ORDERS_H

#include "holdfast/db.h"

/* product id -> price in cents, status */
extern struct db_sql	db_sql_order_product;
/* user_id (NULL for a key), created_by, note, reference_id, ttl seconds
 * -> insert_id */
extern struct db_sql	db_sql_order_insert;
/* product id, quantity, created_by, order id -> insert_id; copies the
 * order's reference_id and expires_at */
extern struct db_sql	db_sql_order_reserve;
/* order id, quantity, quantity, reservation id, product id: the line at
 * the product's price of this moment */
extern struct db_sql	db_sql_order_line_insert;
/* order id, order id: total = sum of the line totals */
extern struct db_sql	db_sql_order_set_total;
/* id -> ORDER_COLS (see orders.c); _lock: FOR UPDATE */
extern struct db_sql	db_sql_order_by_id, db_sql_order_lock;
/* order id -> id, sku, quantity, unit_price, line_total, reservation_id,
 * product_id in SKU order */
extern struct db_sql	db_sql_order_lines;
/* status, status x4 (sets the matching *_at), id, old status */
extern struct db_sql	db_sql_order_set_status;
/* user_id x2, status x2 [, limit, offset] */
extern struct db_sql	db_sql_orders_list, db_sql_orders_count;
/* limit -> id of unpaid orders past expires_at */
extern struct db_sql	db_sql_orders_due;
/* from, to (excluded) -> day, status, count, sum of totals, the same in
 * cents, by day and status */
extern struct db_sql	db_sql_orders_stats_day;

/* provider_txn_id -> id, order_id of the payment applied under it */
extern struct db_sql	db_sql_payment_applied;
/* order_id, provider_txn_id, amount, currency, status, raw, outcome,
 * reason -> insert_id */
extern struct db_sql	db_sql_payment_insert;

/* url, events (SET text), secret, created_by -> insert_id */
extern struct db_sql	db_sql_webhook_insert;
/* id -> WEBHOOK_COLS (any state) */
extern struct db_sql	db_sql_webhook_by_id;
/* limit, offset -> WEBHOOK_COLS + delivery counts, active ones */
extern struct db_sql	db_sql_webhooks_list, db_sql_webhooks_count;
/* id: active = 0 (affected 1 if it was active) */
extern struct db_sql	db_sql_webhook_deactivate;
/* target: every undelivered, live row of the webhook turns dead */
extern struct db_sql	db_sql_webhook_kill_pending;
/* target, status x2 [, limit, offset] -> DELIVERY_COLS */
extern struct db_sql	db_sql_deliveries_list, db_sql_deliveries_count;
/* outbox id -> webhook id of every active webhook subscribed to the
 * row's event that existed when the event was written */
extern struct db_sql	db_sql_webhook_subscribers;
/* target, outbox id -> insert_id: a copy of the event for one webhook */
extern struct db_sql	db_sql_webhook_fanout;
/* id -> url, secret, active */
extern struct db_sql	db_sql_webhook_target;

#endif /* HOLDFAST_DB_ORDERS_H */
