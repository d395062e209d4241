/*
 * xfer_int.h: what the transfer services share (xfer_ship.c, below the
 * hold queue and the /transfers routes). Every function runs inside the
 * caller's transaction with the stock rows it names already locked, in
 * SKU order.
 */
#ifndef HOLDFAST_XFER_INT_H
#define HOLDFAST_XFER_INT_H

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "holdfast/transfers.h"

/* One line to ship: a locked stock row and its units. */
struct xfer_line {
	struct stock_row	*s;
	long long		 qty;
};

/*
 * Ships the n lines from `from` to `to` as one transfer (hold_id: the
 * hold whose copy it carries, 0 for none): the transfer row, a line each,
 * and one `transfer_out` ledger row each at `from`. The caller checked
 * the units are free there; HF_E_INV_INSUFFICIENT if not.
 */
int	 xfer_ship(struct db *, struct svc_ctx *, const struct location *from,
	    const struct location *to, const char *note, uint64_t hold_id,
	    const struct xfer_line *, size_t n, uint64_t *id);
/* qty units of the locked row s arrive at `at`: one `transfer_in` row
 * naming transfer id */
int	 xfer_move_in(struct db *, struct svc_ctx *, struct stock_row *,
	    uint64_t id, const struct location *at, long long qty,
	    const char *reason);
/* transfer id with its lines (HF_E_NOT_FOUND when none) */
int	 xfer_load(struct db *, struct svc_ctx *, uint64_t id,
	    struct transfer *);

#endif /* HOLDFAST_XFER_INT_H */
