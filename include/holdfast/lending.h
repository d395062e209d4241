/*
 * lending.h: loans, holds (the waiting list of an SKU), their notices and
 * statistics (src/svc/loans.c, holds.c, notices.c). Every stock move goes
 * through the inventory primitives, so the ledger and reconcile see loans
 * like any other change: a loan is a `deduct` naming the loan, its return
 * a `restock` naming it, a ready hold a `hold` reservation.
 */
#ifndef HOLDFAST_LENDING_H
#define HOLDFAST_LENDING_H

#include <json-c/json.h>
#include <stdint.h>

#include "holdfast/svc.h"

struct db;

/* Strings live in the caller's arena. */
struct loan {
	uint64_t	 id, user_id, product_id;
	const char	*sku, *name;
	const char	*status;	/* active, overdue (computed),
					   returned */
	const char	*due_at, *returned_at, *created_at;
	long long	 renewals;
};

struct hold {
	uint64_t	 id, user_id, product_id;
	uint64_t	 reservation_id, loan_id;	/* 0: none */
	const char	*sku, *name;
	const char	*status;	/* waiting, ready, collected, cancelled,
					   expired */
	const char	*ready_at, *pickup_until, *created_at, *ended_at;
	long long	 position;	/* in the queue while waiting, else 0 */
};

struct loan_req {
	uint64_t	  user_id;	/* 0: the caller */
	const char	**skus;		/* one unit per line */
	size_t		  n;
};

struct lend_filter {
	uint64_t	 user_id;	/* 0: everyone (staff only) */
	const char	*status;
	const char	*sku;
	long long	 page, per_page;
};

/* What one holdfast-expire or holdfast-notify run did for lending. */
struct lend_run {
	unsigned	expired;	/* holds past their pickup window */
	unsigned	passed;		/* units given to the next in line */
	unsigned	reminders;	/* due-date reminders written */
	unsigned	overdue;	/* overdue notices written */
};

/* loans.c */
int	 svc_loans_create(struct svc_ctx *, const struct loan_req *,
	    struct idem *, struct loan **, size_t *);
int	 svc_loans_list(struct svc_ctx *, const struct lend_filter *,
	    struct loan **, size_t *, long long *);
int	 svc_loan_get(struct svc_ctx *, uint64_t id, struct loan *);
int	 svc_loan_return(struct svc_ctx *, uint64_t id, struct idem *,
	    struct loan *);
int	 svc_loan_renew(struct svc_ctx *, uint64_t id, struct idem *,
	    struct loan *);
int	 svc_stats_loans(struct svc_ctx *, const char *from_day,
	    const char *to_day, json_object **);
int	 svc_stats_categories(struct svc_ctx *, const char *from,
	    const char *to, json_object **);

/* holds.c */
int	 svc_hold_create(struct svc_ctx *, const char *sku, uint64_t user_id,
	    struct idem *, struct hold *);
int	 svc_holds_list(struct svc_ctx *, const struct lend_filter *,
	    struct hold **, size_t *, long long *);
int	 svc_hold_get(struct svc_ctx *, uint64_t id, struct hold *);
int	 svc_hold_cancel(struct svc_ctx *, uint64_t id, struct idem *,
	    struct hold *);
int	 svc_hold_checkout(struct svc_ctx *, uint64_t id, struct idem *,
	    struct hold *, struct loan *);
/*
 * Inside the caller's transaction, with the stock row locked: gives the
 * units now available to the waiting holds of that product, first in
 * line first (the restock path of inventory.c calls it).
 */
int	 holds_after_restock(struct db *, struct svc_ctx *,
	    struct stock_row *);
/*
 * The rest of what the stock layer asks of the queue (inventory.c's
 * `queue` table is the only caller), in the same conditions: the units
 * owed to the product's waiting holds (their count), and the lapse of a
 * ready hold whose `hold` reservation v (locked, active, past expiry) is:
 * reservation and hold `expired`, the unit left on s to pass on.
 */
int	 holds_owed(struct db *, struct svc_ctx *, const struct stock_row *,
	    long long *n);
int	 holds_lapse(struct db *, struct svc_ctx *, struct stock_row *,
	    const struct reservation *);
/* holdfast-expire: before and after the reservation expiry. */
int	 holds_expire_due(struct app *, int batch, int dry_run,
	    struct lend_run *);
int	 holds_sweep(struct app *, int batch, int dry_run, struct lend_run *);

/* notices.c: holdfast-notify, before the outbox run. */
int	 notices_run(struct app *, int batch, struct lend_run *);

#endif /* HOLDFAST_LENDING_H */
