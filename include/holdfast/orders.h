/*
 * orders.h: the shop's services (issue 6): orders over the inventory
 * primitives (orders.c), the payment provider's callback (payments.c),
 * order statistics (order_stats.c), webhooks and their delivery
 * (webhooks.c). Same rules as svc.h: no FastCGI, no SQL, no JSON
 * building; the rows they take and return are the typed rows of
 * db_orders.h (struct order, order_line, webhook, delivery).
 */
#ifndef HOLDFAST_ORDERS_H
#define HOLDFAST_ORDERS_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db_orders.h"
#include "holdfast/svc.h"

struct grp_join;
struct dlv_choice;

#define ORDER_MAX_LINES		100
#define ORDER_NOTE_MAX		1000

/*
 * An order line as the API shows it and as order.* events carry it: one
 * field table for both (sku, quantity, unit_price, line_total,
 * reservation_id).
 */
extern const struct hf_field	order_line_fields[6];

struct order_new {
	struct reserve_item	*items;		/* 1..ORDER_MAX_LINES */
	size_t			 nitems;
	const char		*note;		/* may be NULL */
	long long		 points;	/* to pay with; 0: none */
	const char		*coupon;	/* a code, or NULL */
	struct grp_join		*group;		/* a group's seat, or NULL */
	const struct dlv_choice	*delivery;	/* delivery.h, or NULL */
};

enum order_action {
	ORDER_PAY = 0,		/* admin or business: offline payment */
	ORDER_CANCEL,		/* the owner or an admin, while unpaid */
	ORDER_REFUND,		/* admin, once paid */
	ORDER_FULFILL,		/* admin or business, once paid */
	ORDER_ACTION__MAX
};

int	 svc_order_create(struct svc_ctx *, const struct order_new *,
	    struct idem *, struct order *);
int	 svc_order_get(struct svc_ctx *, uint64_t id, struct order *);
int	 svc_orders_list(struct svc_ctx *, const char *status,
	    long long page, long long per_page, struct order **, size_t *,
	    struct svc_keyset *);
int	 svc_order_act(struct svc_ctx *, uint64_t id, enum order_action,
	    struct idem *, struct order *);
int	 svc_orders_expire_due(struct app *, int batch, int dry_run,
	    unsigned *expired, unsigned *skipped);

/* order_stats.c: GET /stats/orders */
#define ORDER_NSTATUS		6	/* every status an order can have */

struct order_stats_group {
	const char	*status;
	long long	 count;
	const char	*total;		/* money text */
};

struct order_stats_day {
	const char			*day;		/* YYYY-MM-DD */
	long long			 count;
	const char			*revenue;	/* money text */
	struct order_stats_group	*by_status;	/* statuses seen */
	size_t				 nby_status;
};

struct order_stats {
	const char			*from, *to;	/* YYYY-MM-DD */
	long long			 count;
	const char			*revenue;
	struct order_stats_group	 by_status[ORDER_NSTATUS];
	struct order_stats_day		*days;		/* every day, arena */
	size_t				 ndays;
};

int	 svc_order_stats(struct svc_ctx *, const char *from, const char *to,
	    struct order_stats *);

/* payments.c: the provider's callback (POST /api/v1/payments/notify). */
struct payment_note {
	uint64_t	 order_id;
	const char	*amount;	/* "12.50" */
	long long	 amount_cents;
	const char	*currency;
	const char	*provider_txn_id;
	const char	*status;	/* "paid" applies it */
	const char	*raw;		/* the notification, JSON text */
};

struct payment_result {
	uint64_t	 payment_id;
	const char	*outcome;	/* applied, duplicate, ignored */
	struct order	 order;		/* id 0: unknown order */
};

int	 svc_payment_verify(struct app *, const char *signature,
	    const char *body, size_t len);
int	 svc_payment_notify(struct svc_ctx *, const struct payment_note *,
	    struct payment_result *);

/* webhooks.c (struct webhook, struct delivery: db_orders.h) */
#define WEBHOOK_SECRET_MIN	16
#define WEBHOOK_SECRET_MAX	128

struct webhook_new {
	const char	*url;
	const char	**events;
	size_t		 nevents;	/* 1 or more */
	const char	*secret;	/* NULL: generated */
};

struct delivery_filter {
	const char	*status;	/* pending retrying delivered dead */
	long long	 page, per_page;
};

#define WEBHOOK_NEVENTS	17	/* names in webhook_events (022_events.sql) */
extern const char *const webhook_events[];	/* NULL-terminated */

int	 svc_webhook_create(struct svc_ctx *, const struct webhook_new *,
	    struct webhook *);
int	 svc_webhooks_list(struct svc_ctx *, long long page,
	    long long per_page, struct webhook **, size_t *, long long *total);
int	 svc_webhook_delete(struct svc_ctx *, uint64_t id, struct webhook *);
int	 svc_webhook_deliveries(struct svc_ctx *, uint64_t id,
	    const struct delivery_filter *, struct delivery **, size_t *,
	    struct svc_keyset *);

/*
 * For the outbox deliverer (outbox.c): a webhook-channel row. Target "*"
 * is fanned out into one row per subscribed webhook (ids in *fanned, arena)
 * and marked delivered in one transaction; any other target is POSTed.
 * Returns 0 when done, else NOTIFY_RETRY or NOTIFY_PERMANENT with err set
 * (a database failure is NOTIFY_RETRY).
 */
int	 webhook_deliver(struct app *, struct arena *, uint64_t outbox_id,
	    const char *target, const char *payload, uint64_t **fanned,
	    size_t *nfanned, char *err, size_t errlen);

#endif /* HOLDFAST_ORDERS_H */
