/*
 * sql_inventory.c: products, stock, reservations and the ledger.
 * Stock rows are locked with SELECT ... FOR UPDATE in
 * the order the service chooses (SKU order), then written with the values
 * the service computed, so each change costs one lock and one update.
 */
#include "holdfast/db_inventory.h"
#include "db_int.h"

#define STOCK_COLS "s.product_id, p.sku, p.name, s.on_hand, s.reserved, " \
	"s.available, s.level, s.warning_threshold, s.critical_threshold, " \
	"s.location, s.is_active, s.low_state, " \
	DB_ISO_AS("s.updated_at", "updated_at") ", p.status AS product_status"

static const struct hf_field stock_map[] = {
	HF_FIELD(struct stock_row, product_id, HF_K_U64),
	HF_FIELD(struct stock_row, sku, HF_K_STR),
	HF_FIELD(struct stock_row, name, HF_K_STR),
	HF_FIELD(struct stock_row, on_hand, HF_K_INT),
	HF_FIELD(struct stock_row, reserved, HF_K_INT),
	HF_FIELD(struct stock_row, available, HF_K_INT),
	HF_FIELD(struct stock_row, level, HF_K_STR),
	HF_FIELD(struct stock_row, warning_threshold, HF_K_INT),
	HF_FIELD(struct stock_row, critical_threshold, HF_K_INT),
	HF_FIELD(struct stock_row, location, HF_K_STR),
	HF_FIELD(struct stock_row, is_active, HF_K_BOOL),
	HF_FIELD(struct stock_row, low_state, HF_K_STR),
	HF_FIELD(struct stock_row, updated_at, HF_K_STR),
	HF_FIELD(struct stock_row, product_status, HF_K_STR),
};

struct db_sql db_sql_category_upsert = DB_SQL(
    "INSERT INTO categories (name, slug) VALUES (?, ?) "
    "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)");
struct db_sql db_sql_product_insert = DB_SQL(
    "INSERT INTO products (sku, name, description, category_id, price, "
    "attributes) VALUES (?, ?, ?, ?, ?, ?)");
struct db_sql db_sql_stock_insert = DB_SQL(
    "INSERT INTO stock (product_id, on_hand, reserved, warning_threshold, "
    "critical_threshold, location) VALUES (?, 0, 0, ?, ?, ?)");
struct db_sql db_sql_product_by_id = DB_SQL(
    "SELECT p.id, p.sku, p.name, p.description, c.name, p.price, "
    "p.attributes, p.cover_url, p.status, " DB_ISO("p.created_at") ", "
    STOCK_COLS " FROM products p LEFT JOIN categories c "
    "ON c.id = p.category_id JOIN stock s ON s.product_id = p.id "
    "WHERE p.id = ?");

struct db_sql db_sql_stock_by_sku = DB_SQL_MAP(
    "SELECT " STOCK_COLS " FROM stock s JOIN products p "
    "ON p.id = s.product_id WHERE p.sku = ?", stock_map, struct stock_row);
struct db_sql db_sql_stock_lock_sku = DB_SQL_MAP(
    "SELECT " STOCK_COLS " FROM products p JOIN stock s "
    "ON s.product_id = p.id WHERE p.sku = ? FOR UPDATE", stock_map, struct stock_row);
struct db_sql db_sql_stock_lock_id = DB_SQL_MAP(
    "SELECT " STOCK_COLS " FROM products p JOIN stock s "
    "ON s.product_id = p.id WHERE p.id = ? FOR UPDATE", stock_map, struct stock_row);
struct db_sql db_sql_stock_write = DB_SQL(
    "UPDATE stock SET on_hand = ?, reserved = ?, low_state = ?, "
    "version = version + 1 WHERE product_id = ?");
struct db_sql db_sql_stock_patch = DB_SQL(
    "UPDATE stock SET warning_threshold = ?, critical_threshold = ?, "
    "location = ?, is_active = ?, version = version + 1 "
    "WHERE product_id = ?");
struct db_sql db_sql_stock_list = DB_SQL_MAP(
    "SELECT " STOCK_COLS " FROM stock s JOIN products p "
    "ON p.id = s.product_id WHERE (? IS NULL OR s.level = ?) "
    "ORDER BY p.sku LIMIT ? OFFSET ?", stock_map, struct stock_row);
struct db_sql db_sql_stock_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM stock s WHERE (? IS NULL OR s.level = ?)");

struct db_sql db_sql_ledger_insert = DB_SQL(
    "INSERT INTO ledger (product_id, sku, type, on_hand_delta, "
    "reserved_delta, on_hand_after, reserved_after, reference_type, "
    "reference_id, reason, actor, request_id, reservation_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

#define LEDGER_COLS "id, sku, type, on_hand_delta, reserved_delta, " \
	"on_hand_after, reserved_after, reference_type, reference_id, " \
	"reason, actor, request_id, " DB_ISO("created_at")
#define LEDGER_WHERE "WHERE (? IS NULL OR sku = ?) " \
	"AND (? IS NULL OR type = ?) AND (? IS NULL OR reference_id = ?) " \
	"AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?) "

struct db_sql db_sql_ledger_by_id = DB_SQL(
    "SELECT " LEDGER_COLS " FROM ledger WHERE id = ?");
struct db_sql db_sql_ledger_list = DB_SQL(
    "SELECT " LEDGER_COLS " FROM ledger " LEDGER_WHERE
    "ORDER BY id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_ledger_count = DB_SQL(
    "SELECT COUNT(*) FROM ledger " LEDGER_WHERE);
/* the same with a SKU, so ix_ledger_sku_id serves it (004_ledger_sku.sql) */
#define LEDGER_WHERE_SKU "WHERE sku = ? " \
	"AND (? IS NULL OR type = ?) AND (? IS NULL OR reference_id = ?) " \
	"AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?) "
struct db_sql db_sql_ledger_list_sku = DB_SQL(
    "SELECT " LEDGER_COLS " FROM ledger " LEDGER_WHERE_SKU
    "ORDER BY id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_ledger_count_sku = DB_SQL(
    "SELECT COUNT(*) FROM ledger " LEDGER_WHERE_SKU);
struct db_sql db_sql_ledger_stats_type = DB_SQL(
    "SELECT type, COUNT(*), SUM(on_hand_delta), SUM(reserved_delta) "
    "FROM ledger WHERE (? IS NULL OR created_at >= ?) "
    "AND (? IS NULL OR created_at < ?) GROUP BY type ORDER BY type");
struct db_sql db_sql_ledger_stats_day = DB_SQL(
    "SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS day, type, COUNT(*), "
    "SUM(on_hand_delta), SUM(reserved_delta) FROM ledger "
    "WHERE (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?) "
    "GROUP BY day, type ORDER BY day, type");

#define RES_COLS "r.id, p.sku, r.quantity, r.type, r.reference_id, " \
	"r.status, " DB_ISO("r.expires_at") ", " DB_ISO("r.created_at") ", " \
	"r.product_id, r.expires_at <= NOW(3), r.origin, r.created_by"

struct db_sql db_sql_reservation_insert = DB_SQL(
    "INSERT INTO reservations (product_id, type, reference_id, quantity, "
    "expires_at, created_by) VALUES (?, ?, ?, ?, "
    "NOW(3) + INTERVAL ? SECOND, ?)");
struct db_sql db_sql_reservation_by_id = DB_SQL(
    "SELECT " RES_COLS " FROM reservations r JOIN products p "
    "ON p.id = r.product_id WHERE r.id = ?");
struct db_sql db_sql_reservation_lock_id = DB_SQL(
    "SELECT " RES_COLS " FROM reservations r JOIN products p "
    "ON p.id = r.product_id WHERE r.id = ? FOR UPDATE");
/*
 * The active lines of a reference without a lock (lock order: the stock
 * rows are locked first, then these again with db_sql_reservation_lock_ref).
 */
struct db_sql db_sql_reservation_of_ref = DB_SQL(
    "SELECT " RES_COLS " FROM reservations r JOIN products p "
    "ON p.id = r.product_id WHERE r.reference_id = ? "
    "AND r.status = 'active' ORDER BY p.sku, r.id");
/*
 * The reference's index is forced here and in db_sql_reservation_ref_foreign,
 * as in db_sql_reservation_expired_of: the optimizer sometimes read this
 * through (status, expires_at) (a range or a rowid filter on 'active'),
 * locking every active reservation of every product with the stock rows
 * held, and deadlocked with the takers (test_89's mixed flows).
 */
struct db_sql db_sql_reservation_lock_ref = DB_SQL(
    "SELECT " RES_COLS " FROM reservations r "
    "FORCE INDEX (ix_reservations_reference) JOIN products p "
    "ON p.id = r.product_id WHERE r.reference_id = ? "
    "AND r.status = 'active' ORDER BY p.sku, r.id FOR UPDATE");
/*
 * Lines of a reference that the caller (actor ?) may not add to: another
 * owner's, or an order's, loan's or hold's. A locking read run after the
 * caller's own lines are inserted, so two callers that open the same new
 * reference at once wait for each other's lines (reserve_fn).
 */
struct db_sql db_sql_reservation_ref_foreign = DB_SQL(
    "SELECT COUNT(*) FROM reservations "
    "FORCE INDEX (ix_reservations_reference) WHERE reference_id = ? "
    "AND (created_by <> ? OR origin <> 'api' OR type = 'hold') FOR UPDATE");
struct db_sql db_sql_reservation_end = DB_SQL(
    "UPDATE reservations SET status = ?, ended_at = NOW(3) "
    "WHERE id = ? AND status = 'active'");
/*
 * The per-product index is forced: through the global (status, expires_at)
 * index this would lock other products' reservations, breaking the SKU
 * lock order that keeps batches from deadlocking each other.
 */
struct db_sql db_sql_reservation_expired_of = DB_SQL(
    "SELECT " RES_COLS " FROM reservations r "
    "FORCE INDEX (ix_reservations_product_status) JOIN products p "
    "ON p.id = r.product_id WHERE r.product_id = ? AND r.status = 'active' "
    "AND r.expires_at <= NOW(3) LIMIT 100 FOR UPDATE");
struct db_sql db_sql_reservations_due = DB_SQL(
    "SELECT r.id FROM reservations r WHERE r.status = 'active' "
    "AND r.expires_at <= NOW(3) ORDER BY r.expires_at LIMIT ?");
struct db_sql db_sql_reservations_list = DB_SQL(
    "SELECT " RES_COLS " FROM reservations r JOIN products p "
    "ON p.id = r.product_id WHERE (? IS NULL OR r.reference_id = ?) "
    "AND (? IS NULL OR r.status = ?) AND (? IS NULL OR p.sku = ?) "
    "AND (? IS NULL OR r.created_by = ?) "
    "ORDER BY r.id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_reservations_count = DB_SQL(
    "SELECT COUNT(*) FROM reservations r JOIN products p "
    "ON p.id = r.product_id WHERE (? IS NULL OR r.reference_id = ?) "
    "AND (? IS NULL OR r.status = ?) AND (? IS NULL OR p.sku = ?) "
    "AND (? IS NULL OR r.created_by = ?)");

/* Reconcile: invariants 1 to 4 for one product. */
struct db_sql db_sql_reconcile_ledger = DB_SQL(
    "SELECT COALESCE(SUM(on_hand_delta), 0), COALESCE(SUM(reserved_delta), 0) "
    "FROM ledger WHERE product_id = ?");
struct db_sql db_sql_reconcile_active = DB_SQL(
    "SELECT COALESCE(SUM(quantity), 0) FROM reservations "
    "WHERE product_id = ? AND status = 'active'");
/*
 * An ending row carries the reservation in ledger.reservation_id
 * (002_shop.sql), also when it names the order or loan the units went to.
 */
struct db_sql db_sql_reconcile_endings = DB_SQL(
    "SELECT r.id, r.status, COUNT(l.id) FROM reservations r "
    "LEFT JOIN ledger l ON l.reservation_id = r.id "
    "AND l.type IN ('deduct', 'release') "
    "WHERE r.product_id = ? GROUP BY r.id, r.status "
    "HAVING (r.status = 'active' AND COUNT(l.id) <> 0) "
    "OR (r.status <> 'active' AND COUNT(l.id) <> 1) LIMIT 20");
struct db_sql db_sql_products_all = DB_SQL(
    "SELECT p.id, p.sku FROM products p ORDER BY p.sku");

/* every statement above, for holdfast-admin check-sql (sql_all.c) */
struct db_sql *const db_sql_set_inventory[] = {
	&db_sql_category_upsert,
	&db_sql_product_insert,
	&db_sql_stock_insert,
	&db_sql_product_by_id,
	&db_sql_stock_by_sku,
	&db_sql_stock_lock_sku,
	&db_sql_stock_lock_id,
	&db_sql_stock_write,
	&db_sql_stock_patch,
	&db_sql_stock_list,
	&db_sql_stock_count,
	&db_sql_ledger_insert,
	&db_sql_ledger_by_id,
	&db_sql_ledger_list,
	&db_sql_ledger_count,
	&db_sql_ledger_list_sku,
	&db_sql_ledger_count_sku,
	&db_sql_ledger_stats_type,
	&db_sql_ledger_stats_day,
	&db_sql_reservation_insert,
	&db_sql_reservation_by_id,
	&db_sql_reservation_lock_id,
	&db_sql_reservation_of_ref,
	&db_sql_reservation_lock_ref,
	&db_sql_reservation_ref_foreign,
	&db_sql_reservation_end,
	&db_sql_reservation_expired_of,
	&db_sql_reservations_due,
	&db_sql_reservations_list,
	&db_sql_reservations_count,
	&db_sql_reconcile_ledger,
	&db_sql_reconcile_active,
	&db_sql_reconcile_endings,
	&db_sql_products_all,
	NULL
};
