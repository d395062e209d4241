/*
 * orders.h: the shop's services (issue 6): orders over the inventory
 * primitives, the payment provider's callback, webhooks and their
 * delivery, order statistics. Same rules as svc.h: no FastCGI, no SQL.
 */
#ifndef HOLDFAST_ORDERS_H
#define HOLDFAST_ORDERS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "holdfast/svc.h"

#define ORDER_MAX_LINES		100
#define ORDER_NOTE_MAX		1000

struct order_line {
	uint64_t	 id;
	uint64_t	 product_id;
	uint64_t	 reservation_id;
	const char	*sku;
	long long	 quantity;
	const char	*unit_price, *line_total;	/* money text */
};

struct order {
	uint64_t		 id;
	uint64_t		 user_id;	/* 0: placed with an API key */
	const char		*created_by;	/* actor */
	const char		*status;
	const char		*total, *currency, *note;
	const char		*reference_id;	/* its reservations' */
	const char		*expires_at, *paid_at, *cancelled_at;
	const char		*refunded_at, *fulfilled_at;
	const char		*created_at, *updated_at;
	int			 past_ttl;	/* expires_at has passed */
	long long		 total_cents;
	struct order_line	*lines;		/* NULL in lists */
	size_t			 nlines;
};

struct order_new {
	struct reserve_item	*items;
	size_t			 nitems;
	const char		*note;		/* may be NULL */
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
	    long long *total);
int	 svc_order_act(struct svc_ctx *, uint64_t id, enum order_action,
	    struct idem *, struct order *);
int	 svc_orders_expire_due(struct app *, int batch, int dry_run,
	    unsigned *expired, unsigned *skipped);
int	 svc_order_stats(struct svc_ctx *, const char *from, const char *to,
	    json_object **);

/* The payment provider's callback (POST /api/v1/payments/notify). */
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

/* webhooks.c */
#define WEBHOOK_SECRET_MIN	16
#define WEBHOOK_SECRET_MAX	128

struct webhook {
	uint64_t	 id;
	const char	*url;
	const char	*events;	/* comma-separated, as stored */
	int		 active;
	const char	*created_by, *created_at;
	long long	 pending, delivered, dead;	/* lists only */
	/* right after creation only */
	char		 secret[WEBHOOK_SECRET_MAX + 1];
};

struct webhook_new {
	const char	*url;
	const char	**events;
	size_t		 nevents;
	const char	*secret;	/* NULL: generated */
};

struct delivery_filter {
	const char	*status;	/* pending retrying delivered dead */
	long long	 page, per_page;
};

extern const char *const webhook_events[];	/* NULL-terminated */

int	 svc_webhook_create(struct svc_ctx *, const struct webhook_new *,
	    struct webhook *);
int	 svc_webhooks_list(struct svc_ctx *, long long page,
	    long long per_page, struct webhook **, size_t *, long long *total);
int	 svc_webhook_delete(struct svc_ctx *, uint64_t id, struct webhook *);
int	 svc_webhook_deliveries(struct svc_ctx *, uint64_t id,
	    const struct delivery_filter *, json_object **items,
	    long long *total);

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
