/*
 * ord_int.h: what the shop's service files share (orders.c,
 * order_state.c, payments.c) and nobody else sees. Each runs inside the
 * caller's transaction where it takes a struct db.
 */
#ifndef HOLDFAST_ORD_INT_H
#define HOLDFAST_ORD_INT_H

#include "holdfast/orders.h"

/* orders.c */
/* Loads order id with its lines (lock: FOR UPDATE). HF_E_ORD_NOT_FOUND. */
int	 order_load(struct db *, struct arena *, uint64_t id, int lock,
	    struct order *);
/* The user who placed it, 0 when an API key did. */
uint64_t order_user(const struct order *);
/* Staff (business, admin) see every order; a user sees their own. */
int	 order_visible(const struct principal *, const struct order *);
/* ORD_001 with the message naming id; returns the code. */
int	 order_not_found(struct svc_ctx *, uint64_t id);
char	*order_id_text(struct arena *, uint64_t id);

/* order_state.c */
/*
 * Pays a locked order (its reservations committed, order.paid written),
 * or sets *refusal (ORD_002; ORD_003 after expiring it). Returns HF_OK or
 * a database error.
 */
int	 order_pay(struct db *, struct svc_ctx *, struct order *,
	    int *refusal);
/*
 * Ends a locked order without (or, a failed group's seat, before) its
 * units leaving: to "cancelled" or "expired", its active reservations
 * res (n; NULL: locked here) released, order.cancelled written.
 */
int	 order_end_unpaid(struct db *, struct svc_ctx *, struct order *,
	    struct reservation *, size_t, const char *to);

/* refunds.c: POST /orders/{id}/refund, the whole refund (issue 15) */
int	 refund_order_whole(struct db *, struct svc_ctx *,
	    const struct order *);

#endif /* HOLDFAST_ORD_INT_H */
