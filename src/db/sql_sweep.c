/*
 * sql_sweep.c: holdfast-expire's batched sweep (db_sweep.h). A chunk's
 * stock rows are locked first, in SKU order (db_sql_sweep_stock_lock);
 * every statement takes the chunk's lines as one JSON array (a ? read by
 * JSON_TABLE), so that a
 * chunk of products costs a fixed number of round trips whatever its
 * size. JSON_TABLE comes first in each join (STRAIGHT_JOIN, or the
 * multi-table UPDATE's order) and drives primary-key or per-product index
 * reads, so a locking statement touches only the chunk's rows.
 *
 * Hold reservations are left out: each lapses with its hold and passes
 * its unit down the queue (hold_queue.c), one transaction each, as
 * before. Every other type is released alike (inv_expire_by_type).
 */
#include "holdfast/db_sweep.h"
#include "holdfast/db_inventory.h"
#include "db_int.h"

/* a JSON array of product ids */
#define SWEEP_IDS "JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED " \
	"PATH '$')) j"

static const struct hf_field due_map[] = {
	HF_FIELD(struct sweep_due, product_id, HF_K_U64),
	HF_FIELD(struct sweep_due, sku, HF_K_STR),
	HF_FIELD(struct sweep_due, n, HF_K_INT),
};

/*
 * limit -> products with expired reservations (not holds'), SKU order,
 * and how many each. No lock: the chunk re-reads them under its locks.
 */
struct db_sql db_sql_sweep_due = DB_SQL_MAP(
    "SELECT r.product_id, p.sku, COUNT(*) AS n FROM reservations r "
    "FORCE INDEX (ix_reservations_status_expires) JOIN products p "
    "ON p.id = r.product_id WHERE r.status = 'active' "
    "AND r.expires_at <= NOW(3) AND r.type <> 'hold' "
    "GROUP BY r.product_id, p.sku ORDER BY p.sku LIMIT ?", due_map,
    struct sweep_due);

#define SWEEP_STOCK_COLS "s.product_id, p.sku, p.name, s.on_hand, " \
	"s.reserved, s.available, s.level, s.warning_threshold, " \
	"s.critical_threshold, s.location, s.is_active, s.low_state, " \
	DB_ISO_AS("s.updated_at", "updated_at") ", p.status AS product_status"

static const struct hf_field stock_map[] = {
	DB_MAP_STOCK(struct stock_row, ),
};

/*
 * [ids in SKU order] -> their stock rows, locked in that order: the
 * array drives a nested loop (STRAIGHT_JOIN, no ORDER BY), so each
 * product's row and stock row are locked before the next product's, as
 * db_sql_stock_lock_id would lock them one by one.
 */
struct db_sql db_sql_sweep_stock_lock = DB_SQL_MAP(
    "SELECT " SWEEP_STOCK_COLS " FROM " SWEEP_IDS " STRAIGHT_JOIN "
    "products p ON p.id = j.id STRAIGHT_JOIN stock s "
    "ON s.product_id = p.id FOR UPDATE", stock_map, struct stock_row);

static const struct hf_field place_map[] = {
	DB_MAP_PLACE
};

/* [ids] -> the chunk's places, locked in (product, location) order */
struct db_sql db_sql_sweep_places = DB_SQL_MAP(
    "SELECT ls.product_id, ls.location_id, NULL AS location, ls.on_hand, "
    "ls.reserved, ls.available FROM " SWEEP_IDS " STRAIGHT_JOIN "
    "location_stock ls ON ls.product_id = j.id "
    "ORDER BY ls.product_id, ls.location_id FOR UPDATE", place_map,
    struct stock_place);

static const struct hf_field res_map[] = {
	HF_FIELD(struct sweep_res, id, HF_K_U64),
	HF_FIELD(struct sweep_res, product_id, HF_K_U64),
	HF_FIELD(struct sweep_res, location_id, HF_K_U64),
	HF_FIELD(struct sweep_res, quantity, HF_K_INT),
};

/*
 * [ids], limit -> the chunk's expired reservations (not holds'), locked.
 * The per-product index is forced, as in db_sql_reservation_expired_of:
 * through (status, expires_at) it would lock other products' rows.
 */
struct db_sql db_sql_sweep_lock = DB_SQL_MAP(
    "SELECT r.id, r.product_id, r.location_id, r.quantity FROM " SWEEP_IDS
    " STRAIGHT_JOIN reservations r FORCE INDEX "
    "(ix_reservations_product_status) ON r.product_id = j.id "
    "WHERE r.status = 'active' AND r.expires_at <= NOW(3) "
    "AND r.type <> 'hold' ORDER BY r.product_id, r.id LIMIT ? FOR UPDATE",
    res_map, struct sweep_res);

/* [reservation ids]: each ends `expired` (locked and active: all match) */
struct db_sql db_sql_sweep_end = DB_SQL(
    "UPDATE " SWEEP_IDS " STRAIGHT_JOIN reservations r ON r.id = j.id "
    "SET r.status = 'expired', r.ended_at = NOW(3) "
    "WHERE r.status = 'active'");

/*
 * actor, request_id, [[reservation id, product id, location id, quantity,
 * on_hand after, reserved after], ...] -> one `release` row each (reason
 * `expired`), in the array's order: the after-values are the location's,
 * as inv_stock_change writes them.
 */
struct db_sql db_sql_sweep_ledger = DB_SQL(
    "INSERT INTO ledger (product_id, sku, location_id, type, on_hand_delta, "
    "reserved_delta, on_hand_after, reserved_after, reference_type, "
    "reference_id, reason, actor, request_id, reservation_id) "
    "SELECT j.p, p.sku, j.l, 'release', 0, -j.q, j.oa, j.ra, 'reservation', "
    "j.r, 'expired', ?, ?, j.r FROM JSON_TABLE(?, '$[*]' COLUMNS ("
    "n FOR ORDINALITY, r BIGINT UNSIGNED PATH '$[0]', "
    "p BIGINT UNSIGNED PATH '$[1]', l BIGINT UNSIGNED PATH '$[2]', "
    "q INT PATH '$[3]', oa INT PATH '$[4]', ra INT PATH '$[5]')) j "
    "STRAIGHT_JOIN products p ON p.id = j.p ORDER BY j.n");

/* [[product id, location id, reserved], ...]: the places' new values */
struct db_sql db_sql_sweep_place_write = DB_SQL(
    "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (p BIGINT UNSIGNED PATH '$[0]', "
    "l BIGINT UNSIGNED PATH '$[1]', r INT PATH '$[2]')) j STRAIGHT_JOIN "
    "location_stock ls ON ls.product_id = j.p AND ls.location_id = j.l "
    "SET ls.reserved = j.r");

/* [[product id, reserved, low_state], ...]: the stock rows' new values */
struct db_sql db_sql_sweep_stock_write = DB_SQL(
    "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (p BIGINT UNSIGNED PATH '$[0]', "
    "r INT PATH '$[1]', lw VARCHAR(8) PATH '$[2]')) j STRAIGHT_JOIN "
    "stock s ON s.product_id = j.p "
    "SET s.reserved = j.r, s.low_state = j.lw, s.version = s.version + 1");

struct db_sql *const db_sql_set_sweep[] = {
	&db_sql_sweep_due,
	&db_sql_sweep_stock_lock,
	&db_sql_sweep_places,
	&db_sql_sweep_lock,
	&db_sql_sweep_end,
	&db_sql_sweep_ledger,
	&db_sql_sweep_place_write,
	&db_sql_sweep_stock_write,
	NULL
};
