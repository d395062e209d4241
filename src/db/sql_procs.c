/*
 * sql_procs.c: the stored procedures of the one-trip write path
 * (sql/012_procedures.sql), each called as one prepared CALL. A
 * procedure opens and ends its own transaction and returns its rows as
 * its last result; db_query reads that and drains the CALL's status.
 */
#include "holdfast/db_inventory.h"
#include "db_int.h"

/* RES_COLS and the location's code (sql_inventory.c) */
static const struct hf_field res_loc_map[] = {
	DB_MAP_RESERVATION,
	HF_FIELD(struct reservation, location, HF_K_STR),
};

/* lines (JSON), type, reference_id, ttl_seconds, actor, request_id: the
 * new reservations, or none when the C path must do it */
struct db_sql db_sql_reserve_call = DB_SQL_MAP(
    "CALL hf_reserve(?, ?, ?, ?, ?, ?)", res_loc_map, struct reservation);

/* every statement above, for holdfast-admin check-sql */
struct db_sql *const db_sql_set_procs[] = {
	&db_sql_reserve_call,
	NULL
};
