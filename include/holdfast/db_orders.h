/*
 * db_orders.h: the statements of orders, payments and webhooks
 * (sql_orders.c) and the typed rows they fill. Parameters of each, in
 * order, after the arrow what it returns. Each row struct is filled by
 * db_rows/db_row through the column map its statements carry
 * (DB_SQL_MAP), whose names are the SQL's own column names; holdfast-admin
 * check-sql proves the two agree. The reservations of an order are locked
 * with db_sql_reservation_lock_ref (db.h) on the order's reference_id.
 */
#ifndef HOLDFAST_DB_ORDERS_H
#define HOLDFAST_DB_ORDERS_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_order_lines: one line of an order, in SKU order */
struct order_line {
	uint64_t	 id;
	const char	*sku;
	long long	 quantity;
	const char	*unit_price, *line_total;	/* money text */
	long long	 reservation_id;	/* HF_NULL_INT: none */
	uint64_t	 product_id;
	/* where its units were reserved (its reservation's location) */
	uint64_t	 location_id;
	const char	*location;
};

/* ORDER_COLS: db_sql_order_by_id, _lock, db_sql_orders_list */
struct order {
	uint64_t		 id;
	long long		 user_id;	/* HF_NULL_INT: placed with
						 * an API key */
	const char		*created_by;	/* actor */
	const char		*status;
	const char		*total, *currency, *note;
	const char		*reference_id;	/* its reservations' */
	const char		*expires_at, *paid_at, *cancelled_at;
	const char		*refunded_at, *fulfilled_at;
	const char		*created_at, *updated_at;
	int			 past_ttl;	/* expires_at has passed */
	long long		 total_cents;
	long long		 points_used;	/* reserved, then spent */
	const char		*points_discount;	/* money text */
	long long		 points_earned;
	const char		*coupon_code;	/* NULL: none */
	const char		*coupon_discount;	/* money text */
	/* not columns: the order's lines (order_load; NULL in lists) */
	struct order_line	*lines;
	size_t			 nlines;
};

/* db_sql_order_product: the product of a locked stock row */
struct order_product {
	long long	 price_cents;
	const char	*status;
};

/* db_sql_orders_stats_day: one day and status */
struct order_stats_row {
	const char	*day;		/* YYYY-MM-DD */
	const char	*status;
	long long	 count;
	const char	*total;		/* money text */
	long long	 total_cents;
};

/* db_sql_payment_applied */
struct payment_applied {
	uint64_t	 id;
	long long	 order_id;	/* HF_NULL_INT: none */
};

/* WEBHOOK_COLS: db_sql_webhook_by_id; db_sql_webhooks_list adds the
 * delivery counts */
struct webhook {
	uint64_t	 id;
	const char	*url;
	const char	*events;	/* the SET as stored: "a,b" */
	const char	*event_list;	/* the same as a JSON array */
	int		 active;
	const char	*created_by, *created_at;
	long long	 pending, delivered, dead;	/* lists only */
	/* not a column: right after creation only (svc_webhook_create) */
	const char	*secret;
};

/* DELIVERY_COLS: db_sql_deliveries_list */
struct delivery {
	uint64_t	 id;
	const char	*event, *event_id, *status;	/* pending retrying
							 * delivered dead */
	long long	 attempts;
	const char	*next_attempt_at;	/* NULL once over */
	const char	*delivered_at, *dead_at, *last_error, *created_at;
};

/* the columns of struct delivery, in order: its statements' map and the
 * api's rendering of it */
#define DB_MAP_DELIVERY \
	HF_FIELD(struct delivery, id, HF_K_U64), \
	HF_FIELD(struct delivery, event, HF_K_STR), \
	HF_FIELD(struct delivery, event_id, HF_K_STR), \
	HF_FIELD(struct delivery, status, HF_K_STR), \
	HF_FIELD(struct delivery, attempts, HF_K_INT), \
	HF_FIELD(struct delivery, next_attempt_at, HF_K_STR), \
	HF_FIELD(struct delivery, delivered_at, HF_K_STR), \
	HF_FIELD(struct delivery, dead_at, HF_K_STR), \
	HF_FIELD(struct delivery, last_error, HF_K_STR), \
	HF_FIELD(struct delivery, created_at, HF_K_STR)

/* db_sql_webhook_target: where one delivery goes, and what it carries */
struct webhook_target {
	const char	*url, *secret;
	int		 active;
	const char	*event, *event_id;	/* from the outbox payload */
};

/* db_sql_orders_due, db_sql_webhook_subscribers */
struct orders_id_row {
	uint64_t	 id;
};

/* product id -> struct order_product (price in cents, status) */
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
/* id -> struct order; _lock: FOR UPDATE */
extern struct db_sql	db_sql_order_by_id, db_sql_order_lock;
/* order id -> struct order_line, in SKU order */
extern struct db_sql	db_sql_order_lines;
/* status, status x4 (sets the matching *_at), id, old status */
extern struct db_sql	db_sql_order_set_status;
/* DB_OPT user_id, DB_OPT status [, limit, offset] -> struct order */
extern struct db_sql	db_sql_orders_list, db_sql_orders_count;
/* limit -> struct orders_id_row: unpaid orders past expires_at */
extern struct db_sql	db_sql_orders_due;
/* from, to (excluded) -> struct order_stats_row, by day and status */
extern struct db_sql	db_sql_orders_stats_day;

/* provider_txn_id -> struct payment_applied: the payment applied under
 * it */
extern struct db_sql	db_sql_payment_applied;
/* order_id, provider_txn_id, amount, currency, status, raw, outcome,
 * reason -> insert_id */
extern struct db_sql	db_sql_payment_insert;

/* url, events (SET text), secret, created_by -> insert_id */
extern struct db_sql	db_sql_webhook_insert;
/* id -> struct webhook (any state, no counts) */
extern struct db_sql	db_sql_webhook_by_id;
/* limit, offset -> struct webhook with delivery counts, active ones;
 * _count: how many are active */
extern struct db_sql	db_sql_webhooks_list, db_sql_webhooks_count;
/* id: active = 0 (affected 1 if it was active) */
extern struct db_sql	db_sql_webhook_deactivate;
/* target: every undelivered, live row of the webhook turns dead */
extern struct db_sql	db_sql_webhook_kill_pending;
/* target, DB_OPT status [, limit, offset] -> struct delivery */
extern struct db_sql	db_sql_deliveries_list, db_sql_deliveries_count;
/* outbox id -> struct orders_id_row: every active webhook subscribed to
 * the row's event that existed when the event was written */
extern struct db_sql	db_sql_webhook_subscribers;
/* target, outbox id -> insert_id: a copy of the event for one webhook */
extern struct db_sql	db_sql_webhook_fanout;
/* outbox id, webhook id -> struct webhook_target */
extern struct db_sql	db_sql_webhook_target;

#endif /* HOLDFAST_DB_ORDERS_H */
