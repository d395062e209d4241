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

/* id, commit (1) or release (0), actor, admin (1/0), request_id: the
 * reservation after it, or none when the C path must do it */
struct db_sql db_sql_reservation_end_call = DB_SQL_MAP(
    "CALL hf_reservation_end(?, ?, ?, ?, ?)", res_loc_map,
    struct reservation);

static const struct hf_field moved_map[] = {
	DB_MAP_STOCK(struct stock_moved, stock.),
	HF_FIELD(struct stock_moved, ledger_id, HF_K_U64),
	HF_FIELD(struct stock_moved, moved_at, HF_K_STR),
};

/* sku, type, delta, location (or NULL), reference_id, reason, actor,
 * request_id: the stock after the move, or none when the C path must do
 * it */
struct db_sql db_sql_stock_move_call = DB_SQL_MAP(
    "CALL hf_stock_move(?, ?, ?, ?, ?, ?, ?, ?)", moved_map,
    struct stock_moved);

/* lines (JSON), user_id (or NULL), actor, note, reference_id,
 * ttl_seconds, request_id: the new order's id as n, or no row when the C
 * path must place it */
struct db_sql db_sql_order_create_call = DB_SQL_COUNT(
    "CALL hf_order_create(?, ?, ?, ?, ?, ?, ?, ?, ?)");

/* lines (JSON), user_id, units, loan limit, loan period (days), actor,
 * request_id, loan_block_overdue_days (issue 14, 017): the new loans' ids
 * (n, one row each), or no row when the C
 * path must lend */
struct db_sql db_sql_loan_create_call = DB_SQL_COUNT(
    "CALL hf_loan_create(?, ?, ?, ?, ?, ?, ?, ?)");

/* id, location code (or NULL), the caller's user id when it sees only
 * its own loans (else 0), actor, request_id: the loan's id as n, or no row
 * when the C path must take it back */
struct db_sql db_sql_loan_return_call = DB_SQL_COUNT(
    "CALL hf_loan_return(?, ?, ?, ?, ?)");

/* reference_id, commit (1) or release (0), actor, admin (1/0),
 * request_id: the reference's reservations after it, or none when the C
 * path must do it */
struct db_sql db_sql_reference_end_call = DB_SQL_MAP(
    "CALL hf_reference_end(?, ?, ?, ?, ?)", res_loc_map,
    struct reservation);

/* every statement above, for holdfast-admin check-sql */
struct db_sql *const db_sql_set_procs[] = {
	&db_sql_reserve_call,
	&db_sql_reservation_end_call,
	&db_sql_stock_move_call,
	&db_sql_order_create_call,
	&db_sql_loan_create_call,
	&db_sql_loan_return_call,
	&db_sql_reference_end_call,
	NULL
};
