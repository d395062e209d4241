/*
 * sql_csv.c: the statements of CSV in and out (issue 17, item 6). The
 * exports are read with db_stream, one row at a time, each in an order an
 * index gives (no sort of the whole table before the first row): products
 * by SKU (uq_products_sku, then each product's places by their primary
 * key), the ledger and orders by (created_at, id) (ix_ledger_created,
 * ix_orders_created: a secondary index holds the primary key after its
 * columns). Rows are the structs of db_csv.h.
 */
#include "holdfast/db_csv.h"
#include "holdfast/db_inventory.h"
#include "db_int.h"

static const struct hf_field product_map[] = {
	HF_FIELD(struct csv_product_row, sku, HF_K_STR),
	HF_FIELD(struct csv_product_row, name, HF_K_STR),
	HF_FIELD(struct csv_product_row, price, HF_K_STR),
	HF_FIELD(struct csv_product_row, category, HF_K_STR),
	HF_FIELD(struct csv_product_row, description, HF_K_STR),
	HF_FIELD(struct csv_product_row, location, HF_K_STR),
	HF_FIELDF(struct csv_product_row, on_hand, HF_K_INT, HF_F_NULL),
};

/* every product, at each location it has a row at (or once, with none) */
struct db_sql db_sql_csv_products = DB_SQL_MAP(
    "SELECT p.sku, p.name, p.price, c.name AS category, p.description, "
    "lo.code AS location, ls.on_hand FROM products p "
    "LEFT JOIN categories c ON c.id = p.category_id "
    "LEFT JOIN location_stock ls ON ls.product_id = p.id "
    "LEFT JOIN locations lo ON lo.id = ls.location_id "
    "ORDER BY p.sku", product_map, struct csv_product_row);

static const struct hf_field stock_map[] = {
	HF_FIELD(struct csv_stock_row, sku, HF_K_STR),
	HF_FIELD(struct csv_stock_row, name, HF_K_STR),
	HF_FIELD(struct csv_stock_row, location, HF_K_STR),
	HF_FIELD(struct csv_stock_row, on_hand, HF_K_INT),
	HF_FIELD(struct csv_stock_row, reserved, HF_K_INT),
	HF_FIELD(struct csv_stock_row, available, HF_K_INT),
};

/* location code (DB_OPT): every place, or one location's */
struct db_sql db_sql_csv_stock = DB_SQL_MAP(
    "SELECT p.sku, p.name, lo.code AS location, ls.on_hand, ls.reserved, "
    "ls.available FROM products p "
    "JOIN location_stock ls ON ls.product_id = p.id "
    "JOIN locations lo ON lo.id = ls.location_id "
    "WHERE (? IS NULL OR lo.code = ?) ORDER BY p.sku", stock_map,
    struct csv_stock_row);

static const struct hf_field ledger_map[] = {
	DB_MAP_LEDGER
};

/* from, to (both given: the service fills in the open ends) */
struct db_sql db_sql_csv_ledger = DB_SQL_MAP(
    "SELECT l.id, l.sku, lo.code AS location, l.type, l.on_hand_delta, "
    "l.reserved_delta, l.on_hand_after, l.reserved_after, "
    "l.reference_type, l.reference_id, l.reason, l.actor, l.request_id, "
    DB_ISO_AS("l.created_at", "created_at") " FROM ledger l "
    "FORCE INDEX (ix_ledger_created) "
    "JOIN locations lo ON lo.id = l.location_id "
    "WHERE l.created_at >= ? AND l.created_at < ? "
    "ORDER BY l.created_at, l.id", ledger_map, struct ledger_row);

static const struct hf_field order_map[] = {
	HF_FIELD(struct csv_order_row, order_id, HF_K_U64),
	HF_FIELD(struct csv_order_row, reference_id, HF_K_STR),
	HF_FIELD(struct csv_order_row, created_at, HF_K_STR),
	HF_FIELD(struct csv_order_row, status, HF_K_STR),
	HF_FIELDF(struct csv_order_row, user_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct csv_order_row, created_by, HF_K_STR),
	HF_FIELD(struct csv_order_row, currency, HF_K_STR),
	HF_FIELD(struct csv_order_row, total, HF_K_STR),
	HF_FIELD(struct csv_order_row, paid_at, HF_K_STR),
	HF_FIELD(struct csv_order_row, cancelled_at, HF_K_STR),
	HF_FIELD(struct csv_order_row, refunded_at, HF_K_STR),
	HF_FIELD(struct csv_order_row, fulfilled_at, HF_K_STR),
	HF_FIELD(struct csv_order_row, note, HF_K_STR),
	HF_FIELD(struct csv_order_row, sku, HF_K_STR),
	HF_FIELD(struct csv_order_row, quantity, HF_K_INT),
	HF_FIELD(struct csv_order_row, unit_price, HF_K_STR),
	HF_FIELD(struct csv_order_row, line_total, HF_K_STR),
	HF_FIELD(struct csv_order_row, location, HF_K_STR),
};

/* from, to: orders made in [from, to), one row per line */
struct db_sql db_sql_csv_orders = DB_SQL_MAP(
    "SELECT o.id AS order_id, o.reference_id, "
    DB_ISO_AS("o.created_at", "created_at") ", o.status, o.user_id, "
    "o.created_by, o.currency, o.total, "
    DB_ISO_AS("o.paid_at", "paid_at") ", "
    DB_ISO_AS("o.cancelled_at", "cancelled_at") ", "
    DB_ISO_AS("o.refunded_at", "refunded_at") ", "
    DB_ISO_AS("o.fulfilled_at", "fulfilled_at") ", o.note, ol.sku, "
    "ol.quantity, ol.unit_price, ol.line_total, lo.code AS location "
    "FROM orders o FORCE INDEX (ix_orders_created) "
    "JOIN order_lines ol ON ol.order_id = o.id "
    "LEFT JOIN reservations r ON r.id = ol.reservation_id "
    "LEFT JOIN locations lo ON lo.id = r.location_id "
    "WHERE o.created_at >= ? AND o.created_at < ? "
    "ORDER BY o.created_at, o.id, ol.product_id", order_map,
    struct csv_order_row);

static const struct hf_field import_map[] = {
	HF_FIELD(struct csv_import_product, id, HF_K_U64),
	HF_FIELD(struct csv_import_product, sku, HF_K_STR),
	HF_FIELD(struct csv_import_product, name, HF_K_STR),
	HF_FIELD(struct csv_import_product, description, HF_K_STR),
	HF_FIELD(struct csv_import_product, price, HF_K_STR),
	HF_FIELD(struct csv_import_product, category_id, HF_K_U64),
	HF_FIELD(struct csv_import_product, status, HF_K_STR),
	HF_FIELD(struct csv_import_product, places, HF_K_STR),
};

#define IMPORT_COLS "p.id, p.sku, p.name, p.description, p.price, " \
	"p.category_id, p.status, (SELECT GROUP_CONCAT(CONCAT(" \
	"ls.location_id, ':', ls.on_hand, ':', ls.reserved) ORDER BY " \
	"ls.location_id SEPARATOR ',') FROM location_stock ls " \
	"WHERE ls.product_id = p.id) AS places"

/* sku: the product and its places as they are (no lock) */
struct db_sql db_sql_csv_import_product = DB_SQL_MAP(
    "SELECT " IMPORT_COLS " FROM products p WHERE p.sku = ?", import_map,
    struct csv_import_product);
/* first, last, limit: the products of a range of SKUs, in SKU order (the
 * import reads a chunk's products in one trip) */
struct db_sql db_sql_csv_import_range = DB_SQL_MAP(
    "SELECT " IMPORT_COLS " FROM products p WHERE p.sku BETWEEN ? AND ? "
    "ORDER BY p.sku LIMIT ?", import_map, struct csv_import_product);

/* every statement above, for holdfast-admin check-sql */
struct db_sql *const db_sql_set_csv[] = {
	&db_sql_csv_products,
	&db_sql_csv_stock,
	&db_sql_csv_ledger,
	&db_sql_csv_orders,
	&db_sql_csv_import_product,
	&db_sql_csv_import_range,
	NULL
};
