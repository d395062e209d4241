/*
 * db_lending.h: the statements of loans, holds, notices and the lending
 * statistics (sql_lending.c), and the typed rows they fill. Each row
 * struct is filled by db_rows/db_row through the column map its
 * statements carry (DB_SQL_MAP), whose names are the SQL's own column
 * names; holdfast-admin check-sql proves the two agree. The services use
 * these structs as their domain types (lending.h). Strings live in the
 * caller's arena.
 *
 * Locks are taken in one order by every lending path: stock rows (SKU
 * order), then holds, then reservations, then loans, then the borrower's
 * users row (lend_user_lock, src/svc/lending.c says why it comes last).
 */
#ifndef HOLDFAST_DB_LENDING_H
#define HOLDFAST_DB_LENDING_H

#include <stdint.h>

#include "holdfast/db.h"

/* A list of ids: the due statements the cron loops over (svc_sweep). */
struct lend_id {
	uint64_t	 id;
};

/* db_sql_lend_user_lock, _get: the borrower */
struct lend_user {
	uint64_t	 id;
	const char	*email, *display_name, *status;
};

/*
 * LOAN_COLS: db_sql_loan_by_id, db_sql_loans_list. db_sql_loan_lock fills
 * id, user_id, product_id, status (as stored: active or returned) and
 * renewals.
 */
struct loan {
	uint64_t	 id, user_id;
	const char	*sku, *name;
	const char	*status;	/* active, overdue (computed),
					   returned, voided */
	const char	*due_at, *returned_at;
	long long	 renewals;
	const char	*created_at;
	uint64_t	 product_id;
	uint64_t	 location_id;	/* where the copy went out from */
	const char	*location;	/* its code */
	/* no column: loan_max_renewals - renewals, at least 0 (the service
	 * sets it, lend_loans_left) */
	long long	 renewals_left;
	/* issue 14, item 6 (sql_lending.c LOAN_RETURN): on_time, early or
	 * late once returned, else NULL; days_late HF_NULL_INT till then */
	const char	*return_status;
	long long	 days_late;
	const char	*voided_at, *void_reason;	/* a voided loan */
};

/*
 * HOLD_COLS: db_sql_hold_by_id, db_sql_holds_list. db_sql_hold_lock fills
 * id, user_id, product_id, status, reservation_id and pickup_passed.
 */
struct hold {
	uint64_t	 id, user_id;
	const char	*sku, *name;
	const char	*status;	/* waiting, in_transit, ready,
					   collected, cancelled, expired */
	long long	 reservation_id, loan_id;	/* HF_NULL_INT: none */
	const char	*ready_at, *pickup_until, *created_at, *ended_at;
	uint64_t	 product_id;
	long long	 position;	/* 1 = next while waiting, else
					   HF_NULL_INT */
	int		 pickup_passed;	/* db_sql_hold_lock: pickup_until
					   has passed */
	/* the branch it is picked up at (0, NULL: where the copy is), and
	 * the last transfer that carried its copy there (HF_NULL_INT: none;
	 * 010_transfers.sql) */
	uint64_t	 pickup_location_id;
	const char	*pickup_location;
	long long	 transfer_id;
};

/* db_sql_hold_reservation_lock: the `hold` reservation of a ready hold */
struct hold_reservation {
	uint64_t	 id;
	long long	 quantity;
	const char	*status;
	int		 expired;	/* expires_at has passed */
	uint64_t	 location_id;
};

/* db_sql_notice_loan: what a reminder or an overdue notice says */
struct loan_notice {
	uint64_t	 loan_id, user_id;
	const char	*email, *display_name;
	const char	*sku, *name, *due_at;
	long long	 days_overdue;
};

/* db_sql_stats_loans_day, _returns_day: loans started or returned */
struct lend_day_count {
	const char	*day;		/* YYYY-MM-DD */
	long long	 n;
};

/* db_sql_stats_loans_now */
struct lend_now {
	long long	 active, overdue, returned;
};

/* the columns of struct lend_now, in order: its statements' map and the
 * api's rendering of it */
#define DB_MAP_LEND_NOW \
	HF_FIELD(struct lend_now, active, HF_K_INT), \
	HF_FIELD(struct lend_now, overdue, HF_K_INT), \
	HF_FIELD(struct lend_now, returned, HF_K_INT)

/* db_sql_stats_categories: one category (NULL name: none) */
struct lend_category {
	const char	*category, *slug;
	long long	 products, on_hand, reserved, available;
	long long	 loans, active_loans, overdue_loans, waiting_holds;
};

/* columns of struct lend_category: its statements' map and the api's rendering of it */
#define DB_MAP_LEND_CATEGORY \
	HF_FIELD(struct lend_category, category, HF_K_STR), \
	HF_FIELD(struct lend_category, slug, HF_K_STR), \
	HF_FIELD(struct lend_category, products, HF_K_INT), \
	HF_FIELD(struct lend_category, on_hand, HF_K_INT), \
	HF_FIELD(struct lend_category, reserved, HF_K_INT), \
	HF_FIELD(struct lend_category, available, HF_K_INT), \
	HF_FIELD(struct lend_category, loans, HF_K_INT), \
	HF_FIELD(struct lend_category, active_loans, HF_K_INT), \
	HF_FIELD(struct lend_category, overdue_loans, HF_K_INT), \
	HF_FIELD(struct lend_category, waiting_holds, HF_K_INT)

/* users: id -> struct lend_user (FOR UPDATE / plain) */
extern struct db_sql	db_sql_lend_user_lock, db_sql_lend_user_get;

/* user_id, product_id, sku, loan days -> insert_id */
extern struct db_sql	db_sql_loan_insert;
/* id -> struct loan */
extern struct db_sql	db_sql_loan_by_id;
/* id -> struct loan: id, user_id, product_id, status, renewals
 * (FOR UPDATE) */
extern struct db_sql	db_sql_loan_lock;
/* user_id -> count of active loans */
extern struct db_sql	db_sql_loans_active_of;
/* user_id, product_id -> count of active loans of that product */
extern struct db_sql	db_sql_loans_active_of_product;
/* id -> affected */
extern struct db_sql	db_sql_loan_return;
/* days, id -> affected */
extern struct db_sql	db_sql_loan_renew;
/* DB_OPT user_id, status, sku [, limit, offset] -> struct loan / count */
extern struct db_sql	db_sql_loans_list, db_sql_loans_count;

/* user_id, product_id, pickup_location_id (NULL: none) -> insert_id
 * (duplicate: already holding) */
extern struct db_sql	db_sql_hold_insert;
/* id -> struct hold */
extern struct db_sql	db_sql_hold_by_id;
/* id -> struct hold: id, user_id, product_id, status, reservation_id,
 * pickup_passed (FOR UPDATE) */
extern struct db_sql	db_sql_hold_lock;
/* reservation id -> struct hold_reservation (FOR UPDATE) */
extern struct db_sql	db_sql_hold_reservation_lock;
/* product_id -> struct hold (id, pickup_location_id) of the first
 * waiting hold (FOR UPDATE) */
extern struct db_sql	db_sql_hold_head_lock;
/* product_id -> count of waiting holds */
extern struct db_sql	db_sql_holds_waiting_of;
/* product_id -> struct lend_id of every waiting (or in_transit) hold,
 * queue order (FOR UPDATE) */
extern struct db_sql	db_sql_holds_waiting_lock;
/* reservation_id -> struct lend_id of the ready hold it sets a unit
 * aside for (FOR UPDATE) */
extern struct db_sql	db_sql_hold_of_reservation;
/* reservation_id, reservation_id, id -> affected (waiting or in_transit) */
extern struct db_sql	db_sql_hold_set_ready;
/* status (cancelled, expired), id -> affected (waiting, in_transit or
 * ready) */
extern struct db_sql	db_sql_hold_end;
/* loan_id, id -> affected */
extern struct db_sql	db_sql_hold_collect;
/* DB_OPT user_id, status, sku [, limit, offset] -> struct hold / count */
extern struct db_sql	db_sql_holds_list, db_sql_holds_count;
/* limit -> struct lend_id of ready holds past pickup_until */
extern struct db_sql	db_sql_holds_due;
/* limit -> struct lend_id (product_id) with waiting holds and available
 * units */
extern struct db_sql	db_sql_holds_stalled;

/* days, limit -> struct lend_id of loans due for a reminder */
extern struct db_sql	db_sql_notice_reminders_due;
/* id, days -> affected 1 when this run claimed the reminder */
extern struct db_sql	db_sql_notice_reminder_claim;
/* hours, limit -> struct lend_id of overdue loans due for a notice */
extern struct db_sql	db_sql_notice_overdue_due;
/* id, hours -> affected 1 when this run claimed the notice */
extern struct db_sql	db_sql_notice_overdue_claim;
/* id -> struct loan_notice */
extern struct db_sql	db_sql_notice_loan;

/* from, to -> struct lend_day_count (loans started / returned per day) */
extern struct db_sql	db_sql_stats_loans_day, db_sql_stats_returns_day;
/* -> struct lend_now */
extern struct db_sql	db_sql_stats_loans_now;
/* DB_OPT from, DB_OPT to -> struct lend_category, loans counted in the
 * range (all time when NULL) */
extern struct db_sql	db_sql_stats_categories;

/* sql_lend_rules.c (issue 14, item 6) */
/* user_id, days, limit -> struct loan (id, due_at): active loans due at
 * least days ago */
extern struct db_sql	db_sql_loans_overdue_of;
/* reason, id -> affected: an active loan voided */
extern struct db_sql	db_sql_loan_void;

#endif /* HOLDFAST_DB_LENDING_H */
