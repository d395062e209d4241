/*
 * rfd_int.h: what refunds.c and returns.c share (issue 15 item 6).
 */
#ifndef HOLDFAST_RFD_INT_H
#define HOLDFAST_RFD_INT_H

#include "holdfast/refunds.h"

/* What an order has had back so far (under its row lock). */
struct rfd_state {
	struct refund_sums	 sums;
	struct refund_line_left	*left;	/* one per order line, SKU order */
	size_t			 nleft;
};

struct rfd_txn {
	struct svc_ctx		*ctx;
	uint64_t		 id;
	const struct refund_new	*in;
	const struct return_new	*ret;
	struct idem		*idem;
	struct order_money	*out;
};

long long	 refund_cents(const char *);
char		*refund_money(struct arena *, long long cents);
int		 rfd_state_load(struct db *, struct svc_ctx *, uint64_t oid,
		    struct rfd_state *);
const struct order_line *rfd_line(const struct order *, uint64_t product_id);
int		 rfd_restock(struct db *, struct svc_ctx *,
		    const struct order *, const struct order_line *,
		    long long n, const char *reason, const char *writeoff);
const char	*rfd_array(struct arena *, const struct hf_field *, size_t,
		    const void *rows, size_t size, size_t n);
int		 rfd_order(struct db *, struct rfd_txn *, struct order *,
		    struct rfd_state *);
long long	 rfd_find(const struct rfd_state *, const char *sku);
int		 rfd_not_on_order(struct svc_ctx *, const struct order *,
		    size_t i, const char *sku);
int		 rfd_over(struct svc_ctx *, int code, const char *sku,
		    const char *what, long long left);
/* an order's money as the replies show it (o loaded) */
int		 rfd_money_load(struct db *, struct svc_ctx *,
		    const struct order *, struct order_money *);

#endif /* HOLDFAST_RFD_INT_H */
