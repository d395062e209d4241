/*
 * db_int.h: what the files of src/db share and nobody else sees.
 */
#ifndef HOLDFAST_DB_INT_H
#define HOLDFAST_DB_INT_H

#include <mysql.h>

#include "holdfast/db.h"

struct db {
	const struct hf_config	*cfg;
	MYSQL			*conn;
	MYSQL_STMT		*stmts[DB_MAX_SQL + 1];
	int			 in_txn;
	uint64_t		 txn_seq;	/* transactions begun, retries too */
	unsigned		 deadlock_retries;
	char			 err[512];
	struct hf_config	*own_cfg;	/* a replica's copy (replica.c) */
};

#define DB_MAX_PARAMS	128	/* bound parameters of one statement */

int		 db_map_errno(struct db *, unsigned, const char *);
MYSQL_STMT	*db_prepared(struct db *, struct db_sql *, int *rc);
int		 db_execute(struct db *, struct db_sql *,
		    const struct db_param *, size_t, MYSQL_STMT **);

/*
 * The capped count of a history list (issue 13): one row past
 * SVC_LIST_COUNT_CAP (svc.h), so that the service can tell "more".
 */
#define DB_LIST_CAP	" LIMIT 1001"

/* Each sql_*.c's statements, NULL-terminated (sql_all.c: all of them). */
extern struct db_sql *const	db_sql_set_accounts[];
extern struct db_sql *const	db_sql_set_catalog[];
extern struct db_sql *const	db_sql_set_csv[];
extern struct db_sql *const	db_sql_set_idempotency[];
extern struct db_sql *const	db_sql_set_inventory[];
extern struct db_sql *const	db_sql_set_lending[];
extern struct db_sql *const	db_sql_set_lend_rules[];
extern struct db_sql *const	db_sql_set_locations[];
extern struct db_sql *const	db_sql_set_metrics[];
extern struct db_sql *const	db_sql_set_orders[];
extern struct db_sql *const	db_sql_set_outbox[];
extern struct db_sql *const	db_sql_set_stocktakes[];
extern struct db_sql *const	db_sql_set_system[];
extern struct db_sql *const	db_sql_set_transfers[];
extern struct db_sql *const	db_sql_set_stock_at[];
extern struct db_sql *const	db_sql_set_points[];
extern struct db_sql *const	db_sql_set_refunds[];
extern struct db_sql *const	db_sql_set_coupons[];
extern struct db_sql *const	db_sql_set_groups[];
extern struct db_sql *const	db_sql_set_delivery[];
extern struct db_sql *const	db_sql_set_procs[];
extern struct db_sql *const	db_sql_set_sweep[];
extern struct db_sql *const	db_sql_set_comments[];
extern struct db_sql *const	db_sql_set_assistant[];
/* issue 14: favorites, history (sql_favorites.c) */
extern struct db_sql *const	db_sql_set_favorites[];
extern struct db_sql *const	db_sql_set_recs[];
/* issue 16: replica reads and failover (sql_replica.c) */
extern struct db_sql *const	db_sql_set_replica[];
/* issue 16: covers, lost invalidations (sql_hoststate.c) */
extern struct db_sql *const	db_sql_set_hoststate[];
extern struct db_sql *const *const	db_sql_sets[];

#endif /* HOLDFAST_DB_INT_H */
