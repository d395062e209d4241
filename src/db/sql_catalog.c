/*
 * sql_catalog.c: product search and lists, product edits, categories.
 */
#include "holdfast/db.h"

#define PRODUCT_COLS "p.id, p.sku, p.name, p.description, c.name, p.price, " \
	"p.attributes, p.cover_url, p.status, " DB_ISO("p.created_at") ", " \
	"s.product_id, p.sku, p.name, s.on_hand, s.reserved, s.available, " \
	"s.level, s.warning_threshold, s.critical_threshold, s.location, " \
	"s.is_active, s.low_state, " DB_ISO("s.updated_at")

/*
 * Filters, each off when its parameter is NULL: category (slug or name),
 * status (default: everything but retired), and q: a FULLTEXT boolean
 * query over name, description, author and ISBN, or the exact SKU, or the
 * exact ISBN digits, or a name prefix (for words too short to index).
 */
#define PRODUCT_WHERE "WHERE (? IS NULL OR p.category_id = ?) " \
	"AND ((? IS NULL AND p.status <> 'retired') OR p.status = ?) " \
	"AND (? IS NULL OR p.sku = ? OR p.isbn = ? " \
	"OR p.name LIKE CONCAT(?, '%') " \
	"OR (? IS NOT NULL AND MATCH (p.name, p.description, p.author, " \
	"p.isbn) AGAINST (? IN BOOLEAN MODE))) "
#define PRODUCT_FROM "FROM products p LEFT JOIN categories c " \
	"ON c.id = p.category_id JOIN stock s ON s.product_id = p.id "

/* one statement per sort, so each can walk an index */
#define PRODUCT_LIST(order) DB_SQL("SELECT " PRODUCT_COLS " " PRODUCT_FROM \
	PRODUCT_WHERE "ORDER BY " order " LIMIT ? OFFSET ?")
struct db_sql db_sql_products_by_created = PRODUCT_LIST(
    "p.created_at DESC, p.id DESC");
struct db_sql db_sql_products_by_name = PRODUCT_LIST("p.name, p.id");
struct db_sql db_sql_products_by_price = PRODUCT_LIST("p.price, p.id");
struct db_sql db_sql_products_by_price_desc = PRODUCT_LIST(
    "p.price DESC, p.id DESC");
struct db_sql db_sql_category_find = DB_SQL(
    "SELECT id FROM categories WHERE slug = ? OR name = ? LIMIT 1");
/* every filter is on products alone: no join to count */
struct db_sql db_sql_products_count = DB_SQL(
    "SELECT COUNT(*) FROM products p " PRODUCT_WHERE);

struct db_sql db_sql_product_lock = DB_SQL(
    "SELECT p.id, p.sku, p.name, p.status, p.price, p.category_id, "
    "s.reserved FROM products p JOIN stock s ON s.product_id = p.id "
    "WHERE p.id = ? FOR UPDATE");
struct db_sql db_sql_product_update = DB_SQL(
    "UPDATE products SET name = IF(?, ?, name), "
    "description = IF(?, ?, description), "
    "category_id = IF(?, ?, category_id), price = IF(?, ?, price), "
    "attributes = IF(?, ?, attributes), status = IF(?, ?, status) "
    "WHERE id = ?");
struct db_sql db_sql_product_retire = DB_SQL(
    "UPDATE products SET status = 'retired' WHERE id = ?");
struct db_sql db_sql_product_loans_active = DB_SQL(
    "SELECT COUNT(*) FROM loans WHERE product_id = ? AND status = 'active'");
struct db_sql db_sql_product_set_cover = DB_SQL(
    "UPDATE products SET cover_url = ? WHERE id = ?");
struct db_sql db_sql_categories_list = DB_SQL(
    "SELECT c.id, c.name, c.slug, COUNT(p.id) FROM categories c "
    "LEFT JOIN products p ON p.category_id = c.id "
    "AND p.status <> 'retired' GROUP BY c.id, c.name, c.slug "
    "ORDER BY c.name");
