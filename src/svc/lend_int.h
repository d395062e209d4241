/*
 * lend_int.h: what loans.c, holds.c and notices.c share. Every helper
 * taking a struct db runs inside the caller's transaction (a db_txn
 * callback) and keeps the lending lock order: the borrower's users row,
 * stock rows, holds, reservations, loans.
 */
#ifndef HOLDFAST_LEND_INT_H
#define HOLDFAST_LEND_INT_H

#include "holdfast/db.h"
#include "holdfast/lending.h"
#include "holdfast/svc.h"

#define LEND_MAIL_MAX	16

struct lend_user {
	uint64_t	 id;
	const char	*email, *display_name, *status;
};

/*
 * E-mails written by a transaction, tried at once after its COMMIT (what
 * does not fit or fails waits for holdfast-notify). Reset at the start of
 * every attempt of the transaction.
 */
struct lend_mail {
	uint64_t	 ids[LEND_MAIL_MAX];
	size_t		 n;
};

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
	    uint64_t user_id, const struct stock_row *, uint64_t *loan_id);
int	 lend_loan_load(struct db *, struct arena *, uint64_t id,
	    struct loan *);
void	 lend_loan_from_row(const struct db_result *, size_t, struct loan *);
const char *lend_oneline(struct arena *, const char *);
const char *lend_when(struct arena *, const char *iso);
void	 lend_mail_add(struct lend_mail *, uint64_t id);
void	 lend_mail_deliver(struct app *, const struct lend_mail *);

/* holds.c, for the loan paths */
int	 holds_fill(struct db *, struct svc_ctx *, struct stock_row *,
	    struct lend_mail *, unsigned *passed);
/* holds.c, for catalog.c's retirement of a product */
int	 holds_retire(struct db *, struct svc_ctx *, uint64_t product_id,
	    struct lend_mail *, unsigned *n);

#endif /* HOLDFAST_LEND_INT_H */
