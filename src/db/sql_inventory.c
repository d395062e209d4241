/*
 * sql_inventory.c: products, stock, reservations and the ledger. Stock
 * rows are locked with SELECT ... FOR UPDATE in the order the service
 * chooses (SKU order), then written with the values the service
 * computed, so each change costs one lock and one update. Every statement
 * that returns rows carries the column map of its row struct
 * (db_inventory.h).
 */
#include "holdfast/db_inventory.h"
#include "db_int.h"

#define STOCK_COLS "s.product_id, p.sku, p.name, s.on_hand, s.reserved, " \
	"s.available, s.level, s.warning_threshold, s.critical_threshold, " \
	"s.location, s.is_active, s.low_state, " \
	DB_ISO_AS("s.updated_at", "updated_at") ", p.status AS product_status"

static const struct hf_field stock_map[] = {
	DB_MAP_STOCK(struct stock_row, ),
};

/* the product's own columns, then STOCK_COLS (as sql_catalog.c) */
static const struct hf_field product_map[] = {
	DB_MAP_PRODUCT,
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
struct db_sql db_sql_product_by_id = DB_SQL_MAP(
    "SELECT p.id, p.sku, p.name, p.description, c.name AS category, "
    "p.price, p.attributes, p.cover_url, p.status, "
    DB_ISO_AS("p.created_at", "created_at") ", " STOCK_COLS
    " FROM products p LEFT JOIN categories c "
    "ON c.id = p.category_id JOIN stock s ON s.product_id = p.id "
    "WHERE p.id = ?", product_map, struct product);

struct db_sql db_sql_stock_by_sku = DB_SQL_MAP(
    "SELECT " STOCK_COLS " FROM stock s JOIN products p "
    "ON p.id = s.product_id WHERE p.sku = ?", stock_map, struct stock_row);
struct db_sql db_sql_stock_lock_sku = DB_SQL_MAP(
    "SELECT " STOCK_COLS " FROM products p JOIN stock s "
    "ON s.product_id = p.id WHERE p.sku = ? FOR UPDATE", stock_map,
    struct stock_row);
struct db_sql db_sql_stock_lock_id = DB_SQL_MAP(
    "SELECT " STOCK_COLS " FROM products p JOIN stock s "
    "ON s.product_id = p.id WHERE p.id = ? FOR UPDATE", stock_map,
    struct stock_row);
struct db_sql db_sql_stock_write = DB_SQL(
    "UPDATE stock SET on_hand = ?, reserved = ?, low_state = ?, "
    "version = version + 1 WHERE product_id = ?");
struct db_sql db_sql_stock_patch = DB_SQL(
    "UPDATE stock SET warning_threshold = ?, critical_threshold = ?, "
    "location = ?, is_active = ?, version = version + 1 "
    "WHERE product_id = ?");
/* level (DB_OPT), limit, offset */
struct db_sql db_sql_stock_list = DB_SQL_MAP(
    "SELECT " STOCK_COLS " FROM stock s JOIN products p "
    "ON p.id = s.product_id WHERE (? IS NULL OR s.level = ?) "
    "ORDER BY p.sku LIMIT ? OFFSET ?", stock_map, struct stock_row);
struct db_sql db_sql_stock_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM stock s WHERE (? IS NULL OR s.level = ?)");

struct db_sql db_sql_ledger_insert = DB_SQL(
    "INSERT INTO ledger (product_id, sku, location_id, type, on_hand_delta, "
    "reserved_delta, on_hand_after, reserved_after, reference_type, "
    "reference_id, reason, actor, request_id, reservation_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

/* the after-values are the location's (009_locations.sql) */
#define LEDGER_COLS "id, sku, (SELECT lo.code FROM locations lo " \
	"WHERE lo.id = ledger.location_id) AS location, type, " \
	"on_hand_delta, reserved_delta, " \
	"on_hand_after, reserved_after, reference_type, reference_id, " \
	"reason, actor, request_id, " DB_ISO_AS("created_at", "created_at")

static const struct hf_field ledger_map[] = {
	DB_MAP_LEDGER
};

/*
 * GET /ledger (issue 13, 013_list_keyset.sql): one statement per driving
 * filter, each walking its index (column, id) backwards from the keyset
 * bound; the other filters only narrow what that walk reads. svc_ledger_list
 * picks the driver: reference_id, else sku, else location, else type, else
 * the primary key. Parameters: [driver,] then sku, type, reference_id,
 * from, to, location_id (each DB_OPT), then after, limit, offset (the
 * _count statements stop before after: every match, to the cap).
 */
#define LEDGER_FILTERS "(? IS NULL OR sku = ?) " \
	"AND (? IS NULL OR type = ?) " \
	"AND (? IS NULL OR reference_id = ?) " \
	"AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?) " \
	"AND (? IS NULL OR location_id = ?) "
#define LEDGER_PAGE "AND id < ? ORDER BY id DESC LIMIT ? OFFSET ?"
#define LEDGER_LIST(from) DB_SQL_MAP("SELECT " LEDGER_COLS " FROM ledger " \
	from LEDGER_FILTERS LEDGER_PAGE, ledger_map, struct ledger_row)
#define LEDGER_COUNT(from) DB_SQL_COUNT("SELECT COUNT(*) AS n FROM " \
	"(SELECT 1 FROM ledger " from LEDGER_FILTERS DB_LIST_CAP ") t")
/* the driver's index, forced: (type, created_at) and the like share its
 * prefix but not the id order, and would sort every match */
#define LEDGER_BY(ix, col)	"FORCE INDEX (" ix ") WHERE " col " = ? AND "

struct db_sql db_sql_ledger_by_id = DB_SQL_MAP(
    "SELECT " LEDGER_COLS " FROM ledger WHERE id = ?", ledger_map,
    struct ledger_row);
struct db_sql db_sql_ledger_list = LEDGER_LIST("WHERE ");
struct db_sql db_sql_ledger_count = LEDGER_COUNT("WHERE ");
/* ix_ledger_sku_id (004_ledger_sku.sql) */
struct db_sql db_sql_ledger_list_sku = LEDGER_LIST(
    LEDGER_BY("ix_ledger_sku_id", "sku"));
struct db_sql db_sql_ledger_count_sku = LEDGER_COUNT(
    LEDGER_BY("ix_ledger_sku_id", "sku"));
/* ix_ledger_refid, ix_ledger_location_id, ix_ledger_type_id (013) */
struct db_sql db_sql_ledger_list_ref = LEDGER_LIST(
    LEDGER_BY("ix_ledger_refid", "reference_id"));
struct db_sql db_sql_ledger_count_ref = LEDGER_COUNT(
    LEDGER_BY("ix_ledger_refid", "reference_id"));
struct db_sql db_sql_ledger_list_loc = LEDGER_LIST(
    LEDGER_BY("ix_ledger_location_id", "location_id"));
struct db_sql db_sql_ledger_count_loc = LEDGER_COUNT(
    LEDGER_BY("ix_ledger_location_id", "location_id"));
struct db_sql db_sql_ledger_list_type = LEDGER_LIST(
    LEDGER_BY("ix_ledger_type_id", "type"));
struct db_sql db_sql_ledger_count_type = LEDGER_COUNT(
    LEDGER_BY("ix_ledger_type_id", "type"));
/*
 * A time window (from or to, with no reference_id or sku) in its own
 * order, newest first by (created_at, id), through ix_ledger_created (or
 * ix_ledger_type_created with a type): a backwards walk from the window's
 * end whatever lies after it. The _after statement starts after the row
 * whose id comes first (the constant table k), then the filters, limit
 * and offset; its count is db_sql_ledger_count.
 */
#define LEDGER_TIME_PAGE "ORDER BY ledger.created_at DESC, ledger.id DESC " \
	"LIMIT ? OFFSET ?"
struct db_sql db_sql_ledger_list_time = DB_SQL_MAP(
    "SELECT " LEDGER_COLS " FROM ledger WHERE " LEDGER_FILTERS
    LEDGER_TIME_PAGE, ledger_map, struct ledger_row);
struct db_sql db_sql_ledger_list_time_after = DB_SQL_MAP(
    "SELECT " LEDGER_COLS " FROM ledger JOIN (SELECT created_at AS k_at, "
    "id AS k_id FROM ledger WHERE id = ?) k WHERE " LEDGER_FILTERS
    "AND (ledger.created_at < k.k_at OR (ledger.created_at = k.k_at "
    "AND ledger.id < k.k_id)) " LEDGER_TIME_PAGE, ledger_map,
    struct ledger_row);

static const struct hf_field stat_type_map[] = {
	DB_MAP_LEDGER_STAT_TYPE
};
static const struct hf_field stat_day_map[] = {
	DB_MAP_LEDGER_STAT_DAY
};
#define STAT_SUMS "COUNT(*) AS count, SUM(on_hand_delta) AS on_hand_delta, " \
	"SUM(reserved_delta) AS reserved_delta"

/* from, to: each DB_OPT */
struct db_sql db_sql_ledger_stats_type = DB_SQL_MAP(
    "SELECT type, " STAT_SUMS " "
    "FROM ledger WHERE (? IS NULL OR created_at >= ?) "
    "AND (? IS NULL OR created_at < ?) GROUP BY type ORDER BY type",
    stat_type_map, struct ledger_stat);
struct db_sql db_sql_ledger_stats_day = DB_SQL_MAP(
    "SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS day, type, " STAT_SUMS
    " FROM ledger "
    "WHERE (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?) "
    "GROUP BY day, type ORDER BY day, type", stat_day_map,
    struct ledger_stat);

#define RES_COLS "r.id, p.sku, r.quantity, r.type, r.reference_id, " \
	"r.status, " DB_ISO_AS("r.expires_at", "expires_at") ", " \
	DB_ISO_AS("r.created_at", "created_at") ", r.product_id, " \
	"r.expires_at <= NOW(3) AS expired, r.origin, r.created_by, " \
	"r.location_id"

static const struct hf_field res_map[] = {
	DB_MAP_RESERVATION
};
#define RES_SQL(text)	DB_SQL_MAP(text, res_map, struct reservation)

struct db_sql db_sql_reservation_insert = DB_SQL(
    "INSERT INTO reservations (product_id, location_id, type, reference_id, "
    "quantity, expires_at, created_by) VALUES (?, ?, ?, ?, ?, "
    "NOW(3) + INTERVAL ? SECOND, ?)");
struct db_sql db_sql_reservation_by_id = RES_SQL(
    "SELECT " RES_COLS " FROM reservations r JOIN products p "
    "ON p.id = r.product_id WHERE r.id = ?");
struct db_sql db_sql_reservation_lock_id = RES_SQL(
    "SELECT " RES_COLS " FROM reservations r JOIN products p "
    "ON p.id = r.product_id WHERE r.id = ? FOR UPDATE");
/*
 * The active lines of a reference without a lock (lock order: the stock
 * rows are locked first, then these again with db_sql_reservation_lock_ref).
 */
struct db_sql db_sql_reservation_of_ref = RES_SQL(
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
struct db_sql db_sql_reservation_lock_ref = RES_SQL(
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
struct db_sql db_sql_reservation_ref_foreign = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM reservations "
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
struct db_sql db_sql_reservation_expired_of = RES_SQL(
    "SELECT " RES_COLS " FROM reservations r "
    "FORCE INDEX (ix_reservations_product_status) JOIN products p "
    "ON p.id = r.product_id WHERE r.product_id = ? AND r.status = 'active' "
    "AND r.expires_at <= NOW(3) LIMIT 100 FOR UPDATE");
/* limit -> the ids of active reservations past expires_at (svc_sweep) */
static const struct hf_field due_map[] = {
	HF_FIELD(struct reservation, id, HF_K_U64),
};
struct db_sql db_sql_reservations_due = DB_SQL_MAP(
    "SELECT r.id FROM reservations r WHERE r.status = 'active' "
    "AND r.expires_at <= NOW(3) ORDER BY r.expires_at LIMIT ?", due_map,
    struct reservation);
/*
 * GET /reservations (issue 13): as the ledger's, one statement per driving
 * filter: reference_id (ix_reservations_reference), else sku (the product
 * first, then ix_reservations_product_id), else the owner
 * (ix_reservations_owner), else status (ix_reservations_status_id), else
 * the primary key. Parameters: [driver,] then reference_id, status, sku,
 * created_by (each DB_OPT), then after, limit, offset (_count: to the
 * filters).
 */
#define RES_FILTERS "(? IS NULL OR r.reference_id = ?) " \
	"AND (? IS NULL OR r.status = ?) AND (? IS NULL OR p.sku = ?) " \
	"AND (? IS NULL OR r.created_by = ?) "
#define RES_PAGE "AND r.id < ? ORDER BY r.id DESC LIMIT ? OFFSET ?"
#define RES_JOIN "reservations r JOIN products p ON p.id = r.product_id "
#define RES_FORCED(ix) "reservations r FORCE INDEX (" ix ") JOIN products p " \
	"ON p.id = r.product_id "
#define RES_BY_SKU "products p JOIN reservations r " \
	"FORCE INDEX (ix_reservations_product_id) ON r.product_id = p.id "
#define RES_LIST(from, where) RES_SQL("SELECT " RES_COLS " FROM " from \
	where RES_FILTERS RES_PAGE)
#define RES_COUNT(from, where) DB_SQL_COUNT("SELECT COUNT(*) AS n FROM " \
	"(SELECT 1 FROM " from where RES_FILTERS DB_LIST_CAP ") t")
struct db_sql db_sql_reservations_list = RES_LIST(RES_JOIN, "WHERE ");
struct db_sql db_sql_reservations_count = RES_COUNT(RES_JOIN, "WHERE ");
struct db_sql db_sql_reservations_list_ref = RES_LIST(
    RES_FORCED("ix_reservations_reference"), "WHERE r.reference_id = ? AND ");
struct db_sql db_sql_reservations_count_ref = RES_COUNT(
    RES_FORCED("ix_reservations_reference"), "WHERE r.reference_id = ? AND ");
struct db_sql db_sql_reservations_list_sku = RES_LIST(RES_BY_SKU,
    "WHERE p.sku = ? AND ");
struct db_sql db_sql_reservations_count_sku = RES_COUNT(RES_BY_SKU,
    "WHERE p.sku = ? AND ");
struct db_sql db_sql_reservations_list_owner = RES_LIST(
    RES_FORCED("ix_reservations_owner"), "WHERE r.created_by = ? AND ");
struct db_sql db_sql_reservations_count_owner = RES_COUNT(
    RES_FORCED("ix_reservations_owner"), "WHERE r.created_by = ? AND ");
/* not (status, expires_at): it shares the prefix, not the id order */
struct db_sql db_sql_reservations_list_status = RES_LIST(
    RES_FORCED("ix_reservations_status_id"), "WHERE r.status = ? AND ");
struct db_sql db_sql_reservations_count_status = RES_COUNT(
    RES_FORCED("ix_reservations_status_id"), "WHERE r.status = ? AND ");

/* Reconcile: invariants 1 to 4 for one product. */
static const struct hf_field sums_map[] = {
	HF_FIELD(struct ledger_sums, on_hand, HF_K_INT),
	HF_FIELD(struct ledger_sums, reserved, HF_K_INT),
};
struct db_sql db_sql_reconcile_ledger = DB_SQL_MAP(
    "SELECT COALESCE(SUM(on_hand_delta), 0) AS on_hand, "
    "COALESCE(SUM(reserved_delta), 0) AS reserved "
    "FROM ledger WHERE product_id = ?", sums_map, struct ledger_sums);
struct db_sql db_sql_reconcile_active = DB_SQL_COUNT(
    "SELECT COALESCE(SUM(quantity), 0) AS n FROM reservations "
    "WHERE product_id = ? AND status = 'active'");
/*
 * An ending row carries the reservation in ledger.reservation_id
 * (002_shop.sql), also when it names the order or loan the units went to.
 */
static const struct hf_field endings_map[] = {
	HF_FIELD(struct reservation_endings, id, HF_K_U64),
	HF_FIELD(struct reservation_endings, status, HF_K_STR),
	HF_FIELD(struct reservation_endings, endings, HF_K_INT),
};
struct db_sql db_sql_reconcile_endings = DB_SQL_MAP(
    "SELECT r.id, r.status, COUNT(l.id) AS endings FROM reservations r "
    "LEFT JOIN ledger l ON l.reservation_id = r.id "
    "AND l.type IN ('deduct', 'release') "
    "WHERE r.product_id = ? GROUP BY r.id, r.status "
    "HAVING (r.status = 'active' AND COUNT(l.id) <> 0) "
    "OR (r.status <> 'active' AND COUNT(l.id) <> 1) LIMIT 20", endings_map,
    struct reservation_endings);
static const struct hf_field skus_map[] = {
	HF_FIELD(struct product_sku, id, HF_K_U64),
	HF_FIELD(struct product_sku, sku, HF_K_STR),
};
struct db_sql db_sql_products_all = DB_SQL_MAP(
    "SELECT p.id, p.sku FROM products p ORDER BY p.sku", skus_map,
    struct product_sku);

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
	&db_sql_ledger_list_ref,
	&db_sql_ledger_count_ref,
	&db_sql_ledger_list_loc,
	&db_sql_ledger_count_loc,
	&db_sql_ledger_list_type,
	&db_sql_ledger_count_type,
	&db_sql_ledger_list_time,
	&db_sql_ledger_list_time_after,
	&db_sql_reservations_list_ref,
	&db_sql_reservations_count_ref,
	&db_sql_reservations_list_sku,
	&db_sql_reservations_count_sku,
	&db_sql_reservations_list_owner,
	&db_sql_reservations_count_owner,
	&db_sql_reservations_list_status,
	&db_sql_reservations_count_status,
	NULL
};
