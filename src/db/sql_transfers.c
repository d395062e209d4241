/*
 * sql_transfers.c: transfers and their lines (010_transfers.sql), each
 * statement with the column map of the struct it fills (db_transfers.h
 * says the parameters of each and the lock order). A transfer is locked
 * without a join: a locking read would lock its locations rows too, and
 * nothing that moves a unit waits on those.
 */
#include "holdfast/db_transfers.h"
#include "db_int.h"

/* one sum over a transfer's lines */
#define XFER_SUM(col) "(SELECT CAST(COALESCE(SUM(l." col "), 0) AS SIGNED) " \
	"FROM transfer_lines l WHERE l.transfer_id = t.id) AS " col
#define XFER_COLS "t.id, lf.code AS `from`, lt.code AS `to`, t.status, " \
	"t.note, t.close_reason, t.hold_id, t.created_by, " \
	DB_ISO_AS("t.created_at", "created_at") ", " \
	DB_ISO_AS("t.shipped_at", "shipped_at") ", " \
	DB_ISO_AS("t.received_at", "received_at") ", " \
	DB_ISO_AS("t.closed_at", "closed_at") ", " \
	XFER_SUM("quantity") ", " XFER_SUM("received") ", " \
	XFER_SUM("written_off") ", " XFER_SUM("returned") ", " \
	XFER_SUM("in_transit") ", t.from_location_id, t.to_location_id"
#define XFER_FROM "FROM transfers t JOIN locations lf " \
	"ON lf.id = t.from_location_id JOIN locations lt " \
	"ON lt.id = t.to_location_id "
/* status, location (either end): each DB_OPT */
#define XFER_WHERE "WHERE (? IS NULL OR t.status = ?) " \
	"AND (? IS NULL OR ? IN (t.from_location_id, t.to_location_id)) "

static const struct hf_field transfer_map[] = {
	HF_FIELD(struct transfer, id, HF_K_U64),
	HF_FIELD(struct transfer, from, HF_K_STR),
	HF_FIELD(struct transfer, to, HF_K_STR),
	HF_FIELD(struct transfer, status, HF_K_STR),
	HF_FIELD(struct transfer, note, HF_K_STR),
	HF_FIELD(struct transfer, close_reason, HF_K_STR),
	HF_FIELDF(struct transfer, hold_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct transfer, created_by, HF_K_STR),
	HF_FIELD(struct transfer, created_at, HF_K_STR),
	HF_FIELD(struct transfer, shipped_at, HF_K_STR),
	HF_FIELD(struct transfer, received_at, HF_K_STR),
	HF_FIELD(struct transfer, closed_at, HF_K_STR),
	HF_FIELD(struct transfer, quantity, HF_K_INT),
	HF_FIELD(struct transfer, received, HF_K_INT),
	HF_FIELD(struct transfer, written_off, HF_K_INT),
	HF_FIELD(struct transfer, returned, HF_K_INT),
	HF_FIELD(struct transfer, in_transit, HF_K_INT),
	HF_FIELD(struct transfer, from_location_id, HF_K_U64),
	HF_FIELD(struct transfer, to_location_id, HF_K_U64),
};

static const struct hf_field transfer_lock_map[] = {
	HF_FIELD(struct transfer, id, HF_K_U64),
	HF_FIELD(struct transfer, from_location_id, HF_K_U64),
	HF_FIELD(struct transfer, to_location_id, HF_K_U64),
	HF_FIELD(struct transfer, status, HF_K_STR),
	HF_FIELDF(struct transfer, hold_id, HF_K_INT, HF_F_NULL),
};

#define XFER_LINE_COLS "transfer_id, product_id, sku, quantity, received, " \
	"written_off, returned, in_transit, write_off_reason"

static const struct hf_field line_map[] = {
	HF_FIELD(struct transfer_line, transfer_id, HF_K_U64),
	HF_FIELD(struct transfer_line, product_id, HF_K_U64),
	HF_FIELD(struct transfer_line, sku, HF_K_STR),
	HF_FIELD(struct transfer_line, quantity, HF_K_INT),
	HF_FIELD(struct transfer_line, received, HF_K_INT),
	HF_FIELD(struct transfer_line, written_off, HF_K_INT),
	HF_FIELD(struct transfer_line, returned, HF_K_INT),
	HF_FIELD(struct transfer_line, in_transit, HF_K_INT),
	HF_FIELD(struct transfer_line, write_off_reason, HF_K_STR),
};

struct db_sql db_sql_transfer_insert = DB_SQL(
    "INSERT INTO transfers (from_location_id, to_location_id, note, "
    "hold_id, created_by) VALUES (?, ?, ?, ?, ?)");
struct db_sql db_sql_transfer_line_insert = DB_SQL(
    "INSERT INTO transfer_lines (transfer_id, product_id, sku, quantity) "
    "VALUES (?, ?, ?, ?)");
struct db_sql db_sql_transfer_by_id = DB_SQL_MAP(
    "SELECT " XFER_COLS " " XFER_FROM "WHERE t.id = ?", transfer_map,
    struct transfer);
struct db_sql db_sql_transfer_lock = DB_SQL_MAP(
    "SELECT id, from_location_id, to_location_id, status, hold_id "
    "FROM transfers WHERE id = ? FOR UPDATE", transfer_lock_map,
    struct transfer);
struct db_sql db_sql_transfer_lines_of = DB_SQL_MAP(
    "SELECT " XFER_LINE_COLS " FROM transfer_lines WHERE transfer_id = ? "
    "ORDER BY sku", line_map, struct transfer_line);
struct db_sql db_sql_transfer_lines_lock = DB_SQL_MAP(
    "SELECT " XFER_LINE_COLS " FROM transfer_lines WHERE transfer_id = ? "
    "ORDER BY product_id FOR UPDATE", line_map, struct transfer_line);
struct db_sql db_sql_transfer_line_receive = DB_SQL(
    "UPDATE transfer_lines SET received = received + ? "
    "WHERE transfer_id = ? AND product_id = ? AND in_transit >= ?");
struct db_sql db_sql_transfer_line_close = DB_SQL(
    "UPDATE transfer_lines SET returned = returned + ?, "
    "written_off = written_off + ?, "
    "write_off_reason = COALESCE(?, write_off_reason) "
    "WHERE transfer_id = ? AND product_id = ? AND in_transit >= ?");
struct db_sql db_sql_transfer_received_at = DB_SQL(
    "UPDATE transfers SET received_at = NOW(3), version = version + 1 "
    "WHERE id = ?");
struct db_sql db_sql_transfer_end = DB_SQL(
    "UPDATE transfers SET status = ?, close_reason = ?, closed_at = NOW(3), "
    "version = version + 1 WHERE id = ? AND status = 'in_transit'");
struct db_sql db_sql_transfers_list = DB_SQL_MAP(
    "SELECT " XFER_COLS " " XFER_FROM XFER_WHERE
    "ORDER BY t.id DESC LIMIT ? OFFSET ?", transfer_map, struct transfer);
struct db_sql db_sql_transfers_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM transfers t " XFER_WHERE);

/* --- reconcile (check 6) --------------------------------------------- */

static const struct hf_field sums_map[] = {
	HF_FIELD(struct transfer_sums, quantity, HF_K_INT),
	HF_FIELD(struct transfer_sums, received, HF_K_INT),
	HF_FIELD(struct transfer_sums, written_off, HF_K_INT),
	HF_FIELD(struct transfer_sums, returned, HF_K_INT),
	HF_FIELD(struct transfer_sums, in_transit, HF_K_INT),
	HF_FIELD(struct transfer_sums, ledger_out, HF_K_INT),
	HF_FIELD(struct transfer_sums, ledger_in, HF_K_INT),
	HF_FIELD(struct transfer_sums, ended_in_transit, HF_K_INT),
};

#define LINE_SUM(col) "CAST(COALESCE(SUM(l." col "), 0) AS SIGNED) AS " col

/* product_id x3: the lines' sums, then every transfer row of the ledger */
struct db_sql db_sql_reconcile_transfers = DB_SQL_MAP(
    "SELECT " LINE_SUM("quantity") ", " LINE_SUM("received") ", "
    LINE_SUM("written_off") ", " LINE_SUM("returned") ", "
    LINE_SUM("in_transit") ", "
    "CAST((SELECT COALESCE(-SUM(g.on_hand_delta), 0) FROM ledger g "
    "WHERE g.product_id = ? AND g.type = 'transfer_out') AS SIGNED) "
    "AS ledger_out, "
    "CAST((SELECT COALESCE(SUM(g.on_hand_delta), 0) FROM ledger g "
    "WHERE g.product_id = ? AND g.type = 'transfer_in') AS SIGNED) "
    "AS ledger_in, "
    "CAST(COALESCE(SUM(IF(t.status = 'in_transit', 0, l.in_transit)), 0) "
    "AS SIGNED) AS ended_in_transit "
    "FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id "
    "WHERE l.product_id = ?", sums_map, struct transfer_sums);

static const struct hf_field check_map[] = {
	HF_FIELD(struct transfer_line_check, transfer_id, HF_K_U64),
	HF_FIELD(struct transfer_line_check, status, HF_K_STR),
	HF_FIELD(struct transfer_line_check, quantity, HF_K_INT),
	HF_FIELD(struct transfer_line_check, received, HF_K_INT),
	HF_FIELD(struct transfer_line_check, returned, HF_K_INT),
	HF_FIELD(struct transfer_line_check, in_transit, HF_K_INT),
	HF_FIELD(struct transfer_line_check, ledger_out, HF_K_INT),
	HF_FIELD(struct transfer_line_check, ledger_in_to, HF_K_INT),
	HF_FIELD(struct transfer_line_check, ledger_in_from, HF_K_INT),
};

/* the units of one line's ledger rows of type ty at location loc */
#define LINE_LEDGER(sign, ty, loc, name) \
	"CAST((SELECT COALESCE(" sign "SUM(g.on_hand_delta), 0) " \
	"FROM ledger g WHERE g.reference_type = 'transfer' " \
	"AND g.reference_id = CAST(t.id AS CHAR) " \
	"AND g.product_id = l.product_id AND g.type = '" ty "' " \
	"AND g.location_id = " loc ") AS SIGNED) AS " name

/* product_id: the lines whose ledger rows (ix_ledger_reference)
 * disagree with them, or that ended with units in transit */
struct db_sql db_sql_reconcile_transfer_lines = DB_SQL_MAP(
    "SELECT t.id AS transfer_id, t.status, l.quantity, l.received, "
    "l.returned, l.in_transit, "
    LINE_LEDGER("-", "transfer_out", "t.from_location_id", "ledger_out") ", "
    LINE_LEDGER("", "transfer_in", "t.to_location_id", "ledger_in_to") ", "
    LINE_LEDGER("", "transfer_in", "t.from_location_id", "ledger_in_from")
    " FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id "
    "WHERE l.product_id = ? HAVING ledger_out <> quantity "
    "OR ledger_in_to <> received OR ledger_in_from <> returned "
    "OR (status <> 'in_transit' AND in_transit <> 0) "
    "ORDER BY transfer_id LIMIT 20", check_map,
    struct transfer_line_check);

/* --- holds whose copy travels ---------------------------------------- */

struct db_sql db_sql_hold_set_in_transit = DB_SQL(
    "UPDATE holds SET status = 'in_transit' "
    "WHERE id = ? AND status = 'waiting'");
struct db_sql db_sql_hold_set_waiting = DB_SQL(
    "UPDATE holds SET status = 'waiting' "
    "WHERE id = ? AND status = 'in_transit'");

/* every statement above, for holdfast-admin check-sql (check.c) */
struct db_sql *const db_sql_set_transfers[] = {
	&db_sql_transfer_insert,
	&db_sql_transfer_line_insert,
	&db_sql_transfer_by_id,
	&db_sql_transfer_lock,
	&db_sql_transfer_lines_of,
	&db_sql_transfer_lines_lock,
	&db_sql_transfer_line_receive,
	&db_sql_transfer_line_close,
	&db_sql_transfer_received_at,
	&db_sql_transfer_end,
	&db_sql_transfers_list,
	&db_sql_transfers_count,
	&db_sql_reconcile_transfers,
	&db_sql_reconcile_transfer_lines,
	&db_sql_hold_set_in_transit,
	&db_sql_hold_set_waiting,
	NULL
};
