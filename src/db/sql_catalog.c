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
#define PRODUCT_WHERE "WHERE (? IS NULL OR c.slug = ? OR c.name = ?) " \
	"AND ((? IS NULL AND p.status <> 'retired') OR p.status = ?) " \
	"AND (? IS NULL OR p.sku = ? OR p.isbn = ? " \
	"OR p.name LIKE CONCAT(?, '%') " \
	"OR (? IS NOT NULL AND MATCH (p.name, p.description, p.author, " \
	"p.isbn) AGAINST (? IN BOOLEAN MODE))) "
#define PRODUCT_FROM "FROM products p LEFT JOIN categories c " \
	"ON c.id = p.category_id JOIN stock s ON s.product_id = p.id "

struct db_sql db_sql_products_list = DB_SQL(
    "SELECT " PRODUCT_COLS " " PRODUCT_FROM PRODUCT_WHERE
    "ORDER BY CASE WHEN ? = 'name' THEN p.name END, "
    "CASE WHEN ? = 'price' THEN p.price END, "
    "CASE WHEN ? = '-price' THEN p.price END DESC, "
    "p.created_at DESC, p.id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_products_count = DB_SQL(
    "SELECT COUNT(*) " PRODUCT_FROM PRODUCT_WHERE);

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
