/*
 * sql_catalog.c: product search and lists, product edits, categories.
 */
#include "holdfast/db.h"
#include "db_int.h"

/*
 * Lists only: a description or attributes over the caps (16384 bytes,
 * docs/internals.md), written before the caps existed, is left out (null)
 * so that a page of 100 always fits one request; GET /products/{id}
 * still shows it whole.
 */
#define PRODUCT_COLS "p.id, p.sku, p.name, " \
	"IF(LENGTH(p.description) <= 16384, p.description, NULL), c.name, " \
	"p.price, IF(LENGTH(p.attributes) <= 16384, p.attributes, NULL), " \
	"p.cover_url, p.status, " DB_ISO("p.created_at") ", " \
	"s.product_id, p.sku, p.name, s.on_hand, s.reserved, s.available, " \
	"s.level, s.warning_threshold, s.critical_threshold, s.location, " \
	"s.is_active, s.low_state, " DB_ISO("s.updated_at") ", p.status"

/*
 * Filters, each off when its parameter is NULL: category (its id) and
 * status (default: everything but retired).
 */
#define PRODUCT_WHERE "WHERE (? IS NULL OR p.category_id = ?) " \
	"AND ((? IS NULL AND p.status <> 'retired') OR p.status = ?) "
#define PRODUCT_FROM "FROM products p LEFT JOIN categories c " \
	"ON c.id = p.category_id JOIN stock s ON s.product_id = p.id "

/*
 * A search q: the products its FULLTEXT boolean query matches over name,
 * description, author and ISBN, or its exact SKU, its ISBN digits, or a
 * name prefix (for words too short to index). A union of four indexed
 * lookups: OR-ing them in one WHERE kept MariaDB off the FULLTEXT index.
 */
#define SEARCH_FROM "FROM (SELECT id FROM products WHERE MATCH (name, " \
	"description, author, isbn) AGAINST (? IN BOOLEAN MODE) " \
	"UNION SELECT id FROM products WHERE sku = ? " \
	"UNION SELECT id FROM products WHERE isbn = ? " \
	"UNION SELECT id FROM products WHERE name LIKE CONCAT(?, '%')) m " \
	"JOIN products p ON p.id = m.id LEFT JOIN categories c " \
	"ON c.id = p.category_id JOIN stock s ON s.product_id = p.id "

/* one statement per sort, so each can walk an index */
#define PRODUCT_LIST(from, order) DB_SQL("SELECT " PRODUCT_COLS " " from \
	PRODUCT_WHERE "ORDER BY " order " LIMIT ? OFFSET ?")
#define BY_CREATED	"p.created_at DESC, p.id DESC"
#define BY_NAME		"p.name, p.id"
#define BY_PRICE	"p.price, p.id"
#define BY_PRICE_DESC	"p.price DESC, p.id DESC"

struct db_sql db_sql_products_by_created = PRODUCT_LIST(PRODUCT_FROM,
    BY_CREATED);
struct db_sql db_sql_products_by_name = PRODUCT_LIST(PRODUCT_FROM, BY_NAME);
struct db_sql db_sql_products_by_price = PRODUCT_LIST(PRODUCT_FROM, BY_PRICE);
struct db_sql db_sql_products_by_price_desc = PRODUCT_LIST(PRODUCT_FROM,
    BY_PRICE_DESC);
struct db_sql db_sql_search_by_created = PRODUCT_LIST(SEARCH_FROM,
    BY_CREATED);
struct db_sql db_sql_search_by_name = PRODUCT_LIST(SEARCH_FROM, BY_NAME);
struct db_sql db_sql_search_by_price = PRODUCT_LIST(SEARCH_FROM, BY_PRICE);
struct db_sql db_sql_search_by_price_desc = PRODUCT_LIST(SEARCH_FROM,
    BY_PRICE_DESC);
struct db_sql db_sql_category_find = DB_SQL(
    "SELECT id FROM categories WHERE slug = ? OR name = ? LIMIT 1");
/* every filter is on products alone: no join to count */
struct db_sql db_sql_products_count = DB_SQL(
    "SELECT COUNT(*) FROM products p " PRODUCT_WHERE);
struct db_sql db_sql_search_count = DB_SQL(
    "SELECT COUNT(*) FROM (SELECT id FROM products WHERE MATCH (name, "
    "description, author, isbn) AGAINST (? IN BOOLEAN MODE) "
    "UNION SELECT id FROM products WHERE sku = ? "
    "UNION SELECT id FROM products WHERE isbn = ? "
    "UNION SELECT id FROM products WHERE name LIKE CONCAT(?, '%')) m "
    "JOIN products p ON p.id = m.id " PRODUCT_WHERE);

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
    "ORDER BY c.name LIMIT 2000");	/* docs/internals.md, caps */

/* every statement above, for holdfast-admin check-sql (sql_all.c) */
struct db_sql *const db_sql_set_catalog[] = {
	&db_sql_products_by_created,
	&db_sql_products_by_name,
	&db_sql_products_by_price,
	&db_sql_products_by_price_desc,
	&db_sql_search_by_created,
	&db_sql_search_by_name,
	&db_sql_search_by_price,
	&db_sql_search_by_price_desc,
	&db_sql_category_find,
	&db_sql_products_count,
	&db_sql_search_count,
	&db_sql_product_lock,
	&db_sql_product_update,
	&db_sql_product_retire,
	&db_sql_product_loans_active,
	&db_sql_product_set_cover,
	&db_sql_categories_list,
	NULL
};
