/*
 * db_system.h: statements about the server itself (sql_system.c) and the
 * gauges GET /metrics reads at scrape time (sql_metrics.c), with the rows
 * they return.
 */
#ifndef HOLDFAST_DB_SYSTEM_H
#define HOLDFAST_DB_SYSTEM_H

#include "holdfast/db.h"

/* db_sql_now: the database's clock */
struct db_now_row {
	const char	*now;		/* ISO 8601 UTC, microseconds */
};

/* db_sql_metrics_gauges: one row of counts */
struct metrics_gauge_row {
	long long	 reservations_active;
	long long	 reservations_expired;	/* active, past expires_at */
	long long	 skus_warning;		/* products not retired */
	long long	 skus_critical;
	long long	 skus_out;
};

/* -> struct db_now_row */
extern struct db_sql	db_sql_now;
/* -> struct metrics_gauge_row */
extern struct db_sql	db_sql_metrics_gauges;

#endif /* HOLDFAST_DB_SYSTEM_H */
