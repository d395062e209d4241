/*
 * lend_int.h: what the lending services share. lending.c (the helpers:
 * who may see what, the borrower's row and limit, loan and hold rows,
 * e-mails and events) is below everything; hold_queue.c (the queue) is
 * below loans.c and holds.c, which build on both. Every helper taking a
 * struct db runs inside the caller's transaction (a db_txn callback) and
 * keeps the lending lock order: stock rows, holds, reservations, loans,
 * then the borrower's users row.
 */
#ifndef HOLDFAST_LEND_INT_H
#define HOLDFAST_LEND_INT_H

#include "holdfast/db.h"
#include "holdfast/lending.h"
#include "holdfast/svc.h"

#define LEND_MAIL_MAX	16

/*
 * E-mails written by a transaction, tried at once after its COMMIT (what
 * does not fit or fails waits for holdfast-notify). Reset at the start of
 * every attempt of the transaction.
 */
struct lend_mail {
	uint64_t	 ids[LEND_MAIL_MAX];
	size_t		 n;
};

/* lending.c */
int	 lend_is_staff(const struct principal *);
int	 lend_may_see(const struct principal *, uint64_t owner);
int	 lend_resolve_user(struct svc_ctx *, uint64_t requested,
	    uint64_t *user_id);
int	 lend_user_lock(struct db *, struct svc_ctx *, uint64_t id,
	    struct lend_user *);
int	 lend_user_get(struct db *, struct arena *, uint64_t id,
	    struct lend_user *);
int	 lend_limit_check(struct db *, struct svc_ctx *, uint64_t user_id,
	    size_t more);
int	 lend_waiting(struct db *, struct arena *, uint64_t product_id,
	    long long *n);
int	 lend_loan_insert(struct db *, struct svc_ctx *,
	    uint64_t user_id, const struct stock_row *, uint64_t location_id,
	    uint64_t *loan_id);
int	 lend_loan_load(struct db *, struct svc_ctx *, uint64_t id,
	    struct loan *);
void	 lend_loans_left(const struct svc_ctx *, struct loan *, size_t n);
int	 lend_hold_load(struct db *, struct arena *, uint64_t id,
	    struct hold *);
const char *lend_oneline(struct arena *, const char *);
const char *lend_when(struct arena *, const char *iso);
int	 lend_event(struct db *, const struct svc_ctx *, const char *type,
	    const struct hf_field *, size_t, const void *row);
void	 lend_mail_add(struct lend_mail *, uint64_t id);
void	 lend_mail_deliver(struct app *, const struct lend_mail *);

/* hold_queue.c: the hold queue, as stock.c sees it (for svc_init) */
struct inv_queue;
extern const struct inv_queue	holds_queue;
/* hold_queue.c, for holds.c, loans.c and catalog.c */
int	 holds_lock(struct db *, struct arena *, uint64_t id, struct hold *);
int	 holds_end(struct db *, uint64_t id, const char *status);
int	 holds_reservation_lock(struct db *, struct arena *, uint64_t id,
	    struct reservation *, int *active);
int	 holds_release(struct db *, struct svc_ctx *, struct stock_row *,
	    uint64_t hold_id, uint64_t reservation_id, const char *end);
int	 holds_fill(struct db *, struct svc_ctx *, struct stock_row *,
	    struct lend_mail *, unsigned *passed);
/* hold_queue.c, for the transfers (xfer_receive.c): a hold's copy
 * arrived at its pickup branch, or will not */
int	 holds_arrived(struct db *, struct svc_ctx *, struct stock_row *,
	    uint64_t hold_id, const struct location *at, struct lend_mail *,
	    int *taken);
int	 holds_copy_lost(struct db *, struct svc_ctx *, uint64_t hold_id);
/* for catalog.c's retirement of a product */
int	 holds_retire(struct db *, struct svc_ctx *, uint64_t product_id,
	    struct lend_mail *, unsigned *n);

/* lend_rules.c (issue 14, item 6), for loans.c and holds.c */
int	 lend_overdue_check(struct db *, struct svc_ctx *, uint64_t user_id);
int	 lend_hold_placed(struct db *, struct svc_ctx *, uint64_t hold_id,
	    struct lend_mail *);
/* holds.c: a hold placed in the caller's transaction (POST /holds, and
 * a borrow with hold_if_unavailable) */
int	 holds_place(struct db *, struct svc_ctx *, uint64_t user_id,
	    const char *sku, const char *pickup, struct lend_mail *,
	    struct hold *);

#endif /* HOLDFAST_LEND_INT_H */
