/*
 * transfers.h: units moving between locations (issue 17, item 3;
 * src/svc/transfers.c, xfer_receive.c, xfer_ship.c). A transfer ships at
 * once (`transfer_out` rows at `from`), is received at `to` in one or
 * more receipts (`transfer_in` rows there), and ends when every unit is
 * received (status received) or when it is closed (status closed): the
 * units still in transit are returned to `from` (`transfer_in` rows
 * there) or written off (the line's written_off count and reason, and the
 * audit log). Every ledger row names the transfer. The rows are those of
 * db_transfers.h; everything returned lives in the request's arena.
 */
#ifndef HOLDFAST_TRANSFERS_H
#define HOLDFAST_TRANSFERS_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db_transfers.h"
#include "holdfast/svc.h"

struct idem;

/* POST /transfers: lines of {sku, quantity} (location unused) */
struct transfer_req {
	const char		*from, *to;	/* location codes */
	const char		*note;		/* NULL: none */
	struct reserve_item	*lines;
	size_t			 n;
};

/* What close does with units still in transit. */
enum xfer_action {
	XFER_NONE = 0,		/* not said (the line or body names none) */
	XFER_WRITE_OFF,		/* lost: written off with a reason */
	XFER_RETURN,		/* back to `from` */
	XFER__MAX
};

struct transfer_close_line {
	const char	*sku;
	long long	 quantity;
	enum xfer_action action;
	const char	*reason;	/* NULL: the body's */
};

/* POST /transfers/{id}/close: the lines first, then the rest by action */
struct transfer_close_req {
	enum xfer_action		 action;	/* for the rest */
	const char			*reason;
	struct transfer_close_line	*lines;
	size_t				 n;
};

/* GET /transfers: each filter NULL when not given */
struct transfer_filter {
	const char	*status;
	const char	*location;	/* a code: from or to */
	long long	 page, per_page;
};

int	 svc_transfer_create(struct svc_ctx *, const struct transfer_req *,
	    struct idem *, struct transfer *);
int	 svc_transfer_receive(struct svc_ctx *, uint64_t id,
	    const struct reserve_item *, size_t, struct idem *,
	    struct transfer *);
int	 svc_transfer_close(struct svc_ctx *, uint64_t id,
	    const struct transfer_close_req *, struct idem *,
	    struct transfer *);
int	 svc_transfer_get(struct svc_ctx *, uint64_t id, struct transfer *);
int	 svc_transfers_list(struct svc_ctx *, const struct transfer_filter *,
	    struct transfer **, size_t *, long long *);

#endif /* HOLDFAST_TRANSFERS_H */
