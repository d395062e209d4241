/*
 * sql_stocktakes.c: stocktakes and their lines (011_stocktakes.sql;
 * db_stocktakes.h says what each statement takes and returns). A
 * stocktake row is locked alone (no join: a locking read would lock its
 * location's row too); the service names its location from its list.
 */
#include "holdfast/db_inventory.h"
#include "holdfast/db_stocktakes.h"
#include "db_int.h"

#define STK_COLS(loc) "t.id, " loc " AS location, t.status, t.freeze, " \
	"t.start_ledger_id, (SELECT COUNT(*) FROM stocktake_lines sl " \
	"WHERE sl.stocktake_id = t.id) AS line_count, t.note, " \
	"t.created_by, t.closed_by, " \
	DB_ISO_AS("t.started_at", "started_at") ", " \
	DB_ISO_AS("t.posted_at", "posted_at") ", " \
	DB_ISO_AS("t.cancelled_at", "cancelled_at") ", t.location_id"

static const struct hf_field stocktake_map[] = {
	DB_MAP_STOCKTAKE_ROW
};
#define STK_SQL(text)	DB_SQL_MAP(text, stocktake_map, struct stocktake)

/* location_id, freeze, start_ledger_id, note, created_by */
struct db_sql db_sql_stocktake_insert = DB_SQL(
    "INSERT INTO stocktakes (location_id, freeze, start_ledger_id, note, "
    "created_by) VALUES (?, ?, ?, ?, ?)");
struct db_sql db_sql_stocktake_by_id = STK_SQL(
    "SELECT " STK_COLS("l.code") " FROM stocktakes t JOIN locations l "
    "ON l.id = t.location_id WHERE t.id = ?");
struct db_sql db_sql_stocktake_lock_id = STK_SQL(
    "SELECT " STK_COLS("NULL") " FROM stocktakes t WHERE t.id = ? "
    "FOR UPDATE");
/* location_id: the open stocktake there (n: its id, 0 when none) */
struct db_sql db_sql_stocktake_open_at = DB_SQL_COUNT(
    "SELECT COALESCE(MAX(id), 0) AS n FROM stocktakes "
    "WHERE location_id = ? AND status = 'open'");
/* location_id? x2, status? x2, limit, offset: newest first */
struct db_sql db_sql_stocktakes_list = STK_SQL(
    "SELECT " STK_COLS("l.code") " FROM stocktakes t JOIN locations l "
    "ON l.id = t.location_id WHERE (? IS NULL OR t.location_id = ?) "
    "AND (? IS NULL OR t.status = ?) ORDER BY t.id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_stocktakes_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM stocktakes t "
    "WHERE (? IS NULL OR t.location_id = ?) "
    "AND (? IS NULL OR t.status = ?)");
/* status (posted or cancelled), status, status, closed_by, id */
struct db_sql db_sql_stocktake_end = DB_SQL(
    "UPDATE stocktakes SET status = ?, "
    "posted_at = IF(? = 'posted', NOW(3), NULL), "
    "cancelled_at = IF(? = 'cancelled', NOW(3), NULL), closed_by = ? "
    "WHERE id = ? AND status = 'open'");

static const struct hf_field line_map[] = {
	DB_MAP_STOCKTAKE_LINE_ROW
};

/* stocktake_id: its lines in SKU order (the order stock rows lock in) */
struct db_sql db_sql_stocktake_lines = DB_SQL_MAP(
    "SELECT sku, counted, expected, variance, ledger_id, product_id "
    "FROM stocktake_lines WHERE stocktake_id = ? "
    "ORDER BY sku COLLATE utf8mb4_general_ci, product_id",
    line_map, struct stocktake_line);
struct db_sql db_sql_stocktake_lines_clear = DB_SQL(
    "DELETE FROM stocktake_lines WHERE stocktake_id = ?");
/* stocktake_id, product_id, sku, counted, expected, variance */
struct db_sql db_sql_stocktake_line_insert = DB_SQL(
    "INSERT INTO stocktake_lines (stocktake_id, product_id, sku, counted, "
    "expected, variance) VALUES (?, ?, ?, ?, ?, ?)");
/* expected, variance, ledger_id (NULL: none), stocktake_id, product_id */
struct db_sql db_sql_stocktake_line_post = DB_SQL(
    "UPDATE stocktake_lines SET expected = ?, variance = ?, ledger_id = ? "
    "WHERE stocktake_id = ? AND product_id = ?");

static const struct hf_field product_map[] = {
	HF_FIELD(struct stocktake_product, id, HF_K_U64),
	HF_FIELD(struct stocktake_product, sku, HF_K_STR),
};

/* sku (the column folds case): the product as stored */
struct db_sql db_sql_stocktake_product = DB_SQL_MAP(
    "SELECT id, sku FROM products WHERE sku = ?", product_map,
    struct stocktake_product);
static const struct hf_field place_map[] = {
	DB_MAP_PLACE
};

/*
 * product_id, location_id: one place of a product whose stock row the
 * caller holds locked (so the place lock cannot meet another order);
 * location NULL: the service names it.
 */
struct db_sql db_sql_stocktake_place_lock = DB_SQL_MAP(
    "SELECT product_id, location_id, NULL AS location, on_hand, reserved, "
    "available FROM location_stock WHERE product_id = ? "
    "AND location_id = ? FOR UPDATE", place_map, struct stock_place);
/* the start mark: the largest ledger id now (0 on an empty ledger) */
struct db_sql db_sql_stocktake_mark = DB_SQL_COUNT(
    "SELECT COALESCE(MAX(id), 0) AS n FROM ledger");

/*
 * product_id, location_id, mark: the units there after the last ledger
 * row at or below the mark (none: 0, as db_count_of gives). The locking
 * variant reads the newest committed rows, whatever the transaction's
 * snapshot (the post holds the product's stock row, so none is
 * uncommitted). The index is forced: on a small ledger the optimizer
 * would rather sort a product's rows, which grows with its history.
 */
#define EXPECTED_SQL "SELECT on_hand_after AS n FROM ledger " \
	"FORCE INDEX (ix_ledger_place_id) " \
	"WHERE product_id = ? AND location_id = ? AND id <= ? " \
	"ORDER BY id DESC LIMIT 1"
struct db_sql db_sql_stocktake_expected = DB_SQL_COUNT(EXPECTED_SQL);
struct db_sql db_sql_stocktake_expected_lock = DB_SQL_COUNT(
    EXPECTED_SQL " LOCK IN SHARE MODE");

struct db_sql *const db_sql_set_stocktakes[] = {
	&db_sql_stocktake_insert,
	&db_sql_stocktake_by_id,
	&db_sql_stocktake_lock_id,
	&db_sql_stocktake_open_at,
	&db_sql_stocktakes_list,
	&db_sql_stocktakes_count,
	&db_sql_stocktake_end,
	&db_sql_stocktake_lines,
	&db_sql_stocktake_lines_clear,
	&db_sql_stocktake_line_insert,
	&db_sql_stocktake_line_post,
	&db_sql_stocktake_product,
	&db_sql_stocktake_place_lock,
	&db_sql_stocktake_mark,
	&db_sql_stocktake_expected,
	&db_sql_stocktake_expected_lock,
	NULL
};
