/*
 * db_refunds.h: refunds, returns and the payments read side (issue 15
 * item 6; sql/025_refunds.sql): the rows the statements of sql_refunds.c
 * return.
 */
#ifndef HOLDFAST_DB_REFUNDS_H
#define HOLDFAST_DB_REFUNDS_H

#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_refund_sums: what an order's refunds add up to */
struct refund_sums {
	long long	 cents;		/* every refund's amount */
	long long	 n;		/* refunds */
	long long	 points_returned, points_revoked;
};

/* db_sql_refund_line_sums: one line of an order and what came back */
struct refund_line_left {
	uint64_t	 product_id;
	const char	*sku;
	long long	 quantity;	/* ordered */
	long long	 refunded;	/* units refunded */
	long long	 restocked;	/* put back by refunds */
	long long	 returned;	/* received back by returns */
};

/* db_sql_refunds_of: one refund */
struct refund_row {
	uint64_t	 id;
	uint64_t	 order_id;
	const char	*kind;
	const char	*amount, *currency, *reason, *provider_reference;
	long long	 points_returned, points_revoked;
	const char	*created_by, *created_at;
};

/* db_sql_refund_lines_of: a line of a refund */
struct refund_line_row {
	uint64_t	 refund_id;
	const char	*sku;
	long long	 quantity, restocked;
};

/* db_sql_returns_of: a line of a return, with its return */
struct return_line_row {
	uint64_t	 return_id;
	const char	*sku;
	long long	 quantity;
	int		 sellable;
	const char	*reason, *note, *created_by, *created_at;
};

/* db_sql_payments_list, _by_id, _of_order: one payment notification */
struct payment_row {
	uint64_t	 id;
	long long	 order_id;	/* HF_NULL_INT: unknown order */
	const char	*provider_txn_id;
	const char	*amount, *currency, *status;	/* NULL: not given */
	const char	*outcome, *reason;
	const char	*raw;		/* JSON text; only _by_id */
	const char	*created_at;
};

/* db_sql_payments_report: an order whose payments and total disagree */
struct payment_mismatch {
	uint64_t	 order_id;
	const char	*status, *total, *currency;
	const char	*paid, *refunded;	/* money text */
	long long	 payments;		/* applied notifications */
	long long	 total_cents, paid_cents, refunded_cents;
};

extern struct db_sql	db_sql_refund_sums, db_sql_refund_line_sums,
			db_sql_refund_insert, db_sql_refund_line_insert,
			db_sql_return_insert, db_sql_return_line_insert,
			db_sql_refund_set_status,
			db_sql_refunds_of, db_sql_refund_lines_of,
			db_sql_returns_of, db_sql_payments_list,
			db_sql_payments_count, db_sql_payment_by_id,
			db_sql_payments_of_order, db_sql_payments_report,
			db_sql_payments_report_count;

#endif /* HOLDFAST_DB_REFUNDS_H */
