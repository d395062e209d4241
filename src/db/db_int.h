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
	unsigned		 deadlock_retries;
	char			 err[512];
};

int		 db_map_errno(struct db *, unsigned, const char *);

#endif /* HOLDFAST_DB_INT_H */
