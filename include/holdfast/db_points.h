/*
 * db_points.h: points (issue 15 item 3; sql/020_points.sql): the rows the
 * statements of sql_points.c return.
 */
#ifndef HOLDFAST_DB_POINTS_H
#define HOLDFAST_DB_POINTS_H

#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_points_account_lock, _get: one user's account */
struct points_account {
	uint64_t	 user_id;
	long long	 balance, reserved;
};

/* db_sql_points_ledger_list: one ledger row as the API shows it */
struct points_entry {
	uint64_t	 id;
	const char	*kind;
	long long	 delta, reserved_delta;
	long long	 balance_after, reserved_after;
	long long	 order_id;	/* HF_NULL_INT: none */
	const char	*reason;
	const char	*created_at;
};

#define DB_MAP_POINTS_ENTRY \
	HF_FIELD(struct points_entry, id, HF_K_U64), \
	HF_FIELD(struct points_entry, kind, HF_K_STR), \
	HF_FIELD(struct points_entry, delta, HF_K_INT), \
	HF_FIELD(struct points_entry, reserved_delta, HF_K_INT), \
	HF_FIELD(struct points_entry, balance_after, HF_K_INT), \
	HF_FIELD(struct points_entry, reserved_after, HF_K_INT), \
	HF_FIELDF(struct points_entry, order_id, HF_K_INT, HF_F_NULL), \
	HF_FIELD(struct points_entry, reason, HF_K_STR), \
	HF_FIELD(struct points_entry, created_at, HF_K_STR)

/* db_sql_points_lots_open: a lot with points left, oldest first */
struct points_lot {
	uint64_t	 id;
	long long	 remaining;
};

/* db_sql_points_lot_due: a lot the sweep looks at */
struct points_lot_due {
	uint64_t	 id;
	uint64_t	 user_id;
	long long	 remaining;
	int		 due;		/* its expiry has passed */
};

/* db_sql_points_reconcile: an account beside the sums it must equal */
struct points_check {
	uint64_t	 user_id;
	long long	 balance, reserved;
	long long	 ledger_balance, ledger_reserved;
	long long	 last_balance, last_reserved;	/* newest row's after */
	long long	 orders_reserved;	/* unpaid orders' points */
	long long	 lots_remaining;
};

/* db_sql_points_expiring: the points of the next lots to expire */
struct points_expiring {
	long long	 points;
	const char	*expires_at;	/* NULL: none expires */
};

extern struct db_sql	db_sql_points_account_ensure;
extern struct db_sql	db_sql_points_account_lock;
extern struct db_sql	db_sql_points_account_get;
extern struct db_sql	db_sql_points_account_set;
extern struct db_sql	db_sql_points_ledger_insert;
extern struct db_sql	db_sql_points_lot_insert;
extern struct db_sql	db_sql_points_lots_open;
extern struct db_sql	db_sql_points_lot_draw;
extern struct db_sql	db_sql_points_checkin;
extern struct db_sql	db_sql_points_ledger_list;
extern struct db_sql	db_sql_points_ledger_count;
extern struct db_sql	db_sql_points_due;
extern struct db_sql	db_sql_points_lot_due;
extern struct db_sql	db_sql_points_reconcile;
extern struct db_sql	db_sql_points_expiring;
extern struct db_sql	db_sql_order_points_set;
extern struct db_sql	db_sql_order_points_earned;

#endif /* HOLDFAST_DB_POINTS_H */
