/*
 * sql_system.c: statements about the server itself. One statement per
 * definition; values travel as ? parameters, never inside the text.
 */
#include "holdfast/db.h"
#include "db_int.h"

/* the database's clock, so every program agrees on "now" */
struct db_sql db_sql_now = DB_SQL(
    "SELECT DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%fZ')");

/* every statement above, for holdfast-admin check-sql (sql_all.c) */
struct db_sql *const db_sql_set_system[] = {
	&db_sql_now,
	NULL
};
