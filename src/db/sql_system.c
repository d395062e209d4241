/*
 * sql_system.c: statements about the server itself. One statement per
 * definition; values travel as ? parameters, never inside the text.
 */
#include "holdfast/db_system.h"
#include "db_int.h"

static const struct hf_field now_map[] = {
	HF_FIELD(struct db_now_row, now, HF_K_STR),
};

/* the database's clock, so every program agrees on "now" */
struct db_sql db_sql_now = DB_SQL_MAP(
    "SELECT DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%fZ') AS now",
    now_map, struct db_now_row);

/* every statement above, for holdfast-admin check-sql (check.c) */
struct db_sql *const db_sql_set_system[] = {
	&db_sql_now,
	NULL
};
