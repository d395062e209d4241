/*
 * sql_replica.c: the statements of replica reads and failover (issue 16,
 * db/replica.c). Server variables and one function; no table.
 */
#include "holdfast/db_replica.h"
#include "db_int.h"

struct gtid_row {
	const char	*pos;
};

static const struct hf_field gtid_map[] = {
	HF_FIELD(struct gtid_row, pos, HF_K_STR),
};

/* the primary: every transaction in its binary log */
struct db_sql db_sql_gtid_binlog_pos = DB_SQL_MAP(
    "SELECT @@GLOBAL.gtid_binlog_pos AS pos", gtid_map, struct gtid_row);

/* the replica: every transaction it has applied */
struct db_sql db_sql_gtid_slave_pos = DB_SQL_MAP(
    "SELECT @@GLOBAL.gtid_slave_pos AS pos", gtid_map, struct gtid_row);

/* 0: applied; -1: timed out; -2: the server could not say (NULL) */
struct db_sql db_sql_gtid_wait = DB_SQL_COUNT(
    "SELECT COALESCE(MASTER_GTID_WAIT(?, ? / 1000), -2) AS n");

/* every statement above, for holdfast-admin check-sql (check.c) */
struct db_sql *const db_sql_set_replica[] = {
	&db_sql_gtid_binlog_pos,
	&db_sql_gtid_slave_pos,
	&db_sql_gtid_wait,
	NULL
};
