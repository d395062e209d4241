/*
 * refunds.h: partial refunds, returns and the payments read side (issue
 * 15 item 6; src/svc/refunds.c, src/svc/refund_reads.c).
 */
#ifndef HOLDFAST_REFUNDS_H
#define HOLDFAST_REFUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db_orders.h"
#include "holdfast/db_refunds.h"
#include "holdfast/svc.h"

#define REFUND_MAX_LINES	100

/* A line of a refund or a return as asked. */
struct refund_item {
	const char	*sku;
	long long	 quantity;
	int		 sellable;	/* returns only */
	const char	*reason;	/* returns: why unsellable, or NULL */
};

/* POST /orders/{id}/refunds: by lines, by amount, or both */
struct refund_new {
	struct refund_item	*items;		/* NULL: by amount only */
	size_t			 nitems;
	long long		 amount_cents;	/* -1: the lines' worth */
	const char		*reason;
	const char		*provider_ref;	/* may be NULL */
};

/* POST /orders/{id}/returns */
struct return_new {
	struct refund_item	*items;		/* 1..REFUND_MAX_LINES */
	size_t			 nitems;
	const char		*note;		/* may be NULL */
};

/* Each line of an order and what came back of it. */
struct refund_line_view {
	const char	*sku;
	long long	 quantity, refunded, restocked, returned;
	long long	 returnable;	/* fulfilled and still out */
};

/* An order's money: GET /orders/{id}/payments and the write replies. */
struct order_money {
	uint64_t		 order_id;
	uint64_t		 created_id;	/* the refund or return made */
	const char		*status, *total, *currency;
	const char		*paid;		/* applied payments */
	const char		*refunded;	/* every refund */
	const char		*refundable;	/* total - refunded */
	struct refund_line_view	*lines;
	size_t			 nlines;
	struct payment_row	*payments;
	size_t			 npayments;
	struct refund_row	*refunds;
	size_t			 nrefunds;
	struct refund_line_row	*refund_lines;
	size_t			 nrefund_lines;
	struct return_line_row	*returns;
	size_t			 nreturns;
};

struct payment_filter {
	uint64_t	 order_id;	/* 0: any */
	const char	*outcome;	/* NULL: any */
	long long	 page, per_page;
};

int	 svc_refund_create(struct svc_ctx *, uint64_t order_id,
	    const struct refund_new *, struct idem *, struct order_money *);
int	 svc_return_create(struct svc_ctx *, uint64_t order_id,
	    const struct return_new *, struct idem *, struct order_money *);
int	 svc_order_money(struct svc_ctx *, uint64_t order_id,
	    struct order_money *);
int	 svc_payments_list(struct svc_ctx *, const struct payment_filter *,
	    struct payment_row **, size_t *, struct svc_keyset *);
int	 svc_payment_get(struct svc_ctx *, uint64_t id, struct payment_row *);
int	 svc_payments_report(struct svc_ctx *, long long page,
	    long long per_page, struct payment_mismatch **, size_t *,
	    struct svc_keyset *);
/* The problem of a report row: no_payment, amount_differs, ... */
const char *refund_mismatch_problem(const struct payment_mismatch *);

#endif /* HOLDFAST_REFUNDS_H */
