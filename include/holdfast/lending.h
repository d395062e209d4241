/*
 * lending.h: loans, holds (the waiting list of an SKU), their notices and
 * statistics (src/svc/loans.c, holds.c, hold_queue.c, notices.c,
 * lend_stats.c). Every stock move goes through the inventory primitives,
 * so the ledger and reconcile see loans like any other change: a loan is
 * a `deduct` naming the loan, its return a `restock` naming it, a ready
 * hold a `hold` reservation.
 *
 * The services take and return structs: a loan and a hold are the rows
 * of db_lending.h (struct loan, struct hold), a report a struct of
 * arrays below. Everything they return lives in the request's arena;
 * the api renders it.
 */
#ifndef HOLDFAST_LENDING_H
#define HOLDFAST_LENDING_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db_lending.h"
#include "holdfast/svc.h"

struct app;
struct idem;
struct svc_ctx;

struct loan_req {
	uint64_t	  user_id;	/* 0: the caller */
	const char	**skus;		/* one unit per line */
	const char	**locations;	/* per line, NULL: allocation (or
					   NULL for every line) */
	size_t		  n;		/* 1 to 100 (the request schema) */
	/* issue 14, item 6: one line short of units places a hold instead,
	 * into *hold (then *held is 1 and no loan is made) */
	int			  hold_if_unavailable;
	struct hold	 *hold;
	int		*held;
};

/* POST /loans/return, /loans/renew (issue 14, item 6): all or none */
struct loan_batch {
	const uint64_t	*ids;
	size_t		 n;		/* 1 to LOAN_BATCH_MAX, no id twice */
	const char	*at;		/* a return: where (NULL: where each went out) */
	int		 renew;		/* 0: return, 1: renew */
};

#define LOAN_BATCH_MAX	100

/* The query of the loan and hold lists. */
struct lend_filter {
	uint64_t	 user_id;	/* 0: everyone (staff only) */
	const char	*status;	/* NULL: any */
	const char	*sku;		/* NULL: any */
	long long	 page, per_page;
};

/* GET /stats/loans: one day of the range */
struct lend_day {
	const char	*day;		/* YYYY-MM-DD */
	long long	 loans, returns;
};

struct lend_totals {
	long long	 loans, returns;
};

struct lend_stats {
	const char		*from, *to;	/* YYYY-MM-DD, inclusive */
	struct lend_day		*days;		/* every day from..to */
	size_t			 ndays;
	struct lend_totals	 totals;	/* over the days */
	struct lend_now		 now;
};

/* GET /stats/categories */
struct lend_category_stats {
	const char		*from, *to;	/* NULL: loans of all time */
	struct lend_category	*items;
	size_t			 n;
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
	    struct loan **, size_t *, struct svc_keyset *);
int	 svc_loan_get(struct svc_ctx *, uint64_t id, struct loan *);
int	 svc_loan_return(struct svc_ctx *, uint64_t id, struct idem *,
	    struct loan *);
int	 svc_loan_return_at(struct svc_ctx *, uint64_t id, const char *at,
	    struct idem *, struct loan *);
int	 svc_loan_renew(struct svc_ctx *, uint64_t id, struct idem *,
	    struct loan *);

/* lend_rules.c (issue 14, item 6) */
int	 svc_loans_batch(struct svc_ctx *, const struct loan_batch *,
	    struct idem *, struct loan **);
int	 svc_loan_void(struct svc_ctx *, uint64_t id, const char *reason,
	    struct idem *, struct loan *);

/* lend_stats.c */
int	 svc_stats_loans(struct svc_ctx *, const char *from_day,
	    const char *to_day, struct lend_stats *);
int	 svc_stats_categories(struct svc_ctx *, const char *from_day,
	    const char *to_day, struct lend_category_stats *);

/* holds.c */
int	 svc_hold_create(struct svc_ctx *, const char *sku, uint64_t user_id,
	    const char *pickup, struct idem *, struct hold *);
int	 svc_holds_list(struct svc_ctx *, const struct lend_filter *,
	    struct hold **, size_t *, struct svc_keyset *);
int	 svc_hold_get(struct svc_ctx *, uint64_t id, struct hold *);
int	 svc_hold_cancel(struct svc_ctx *, uint64_t id, struct idem *,
	    struct hold *);
int	 svc_hold_checkout(struct svc_ctx *, uint64_t id, struct idem *,
	    struct hold *, struct loan *);

/* hold_queue.c: holdfast-expire, before and after the reservation
 * expiry. Each returns how many were due, or minus an hf_err. */
int	 holds_expire_due(struct app *, int batch, int dry_run,
	    struct lend_run *);
int	 holds_sweep(struct app *, int batch, int dry_run, struct lend_run *);

/* notices.c: holdfast-notify, before the outbox run. */
int	 notices_run(struct app *, int batch, struct lend_run *);

#endif /* HOLDFAST_LENDING_H */
