/*
 * sql_catalog.c: product search and lists, product edits, categories.
 * Rows are the structs of db_inventory.h.
 */
#include "holdfast/db_inventory.h"
#include "db_int.h"

/*
 * Lists only: a description or attributes over the caps (16384 bytes,
 * docs/internals.md), written before the caps existed, is left out (null)
 * so that a page of 100 always fits one request; GET /products/{id}
 * still shows it whole.
 */
#define PRODUCT_COLS "p.id, p.sku, p.name, " \
	"IF(LENGTH(p.description) <= 16384, p.description, NULL) " \
	"AS description, c.name AS category, p.price, " \
	"IF(LENGTH(p.attributes) <= 16384, p.attributes, NULL) AS attributes, " \
	"p.cover_url, p.status, " DB_ISO_AS("p.created_at", "created_at") \
	", s.product_id, p.sku, p.name, s.on_hand, s.reserved, s.available, " \
	"s.level, s.warning_threshold, s.critical_threshold, s.location, " \
	"s.is_active, s.low_state, " DB_ISO_AS("s.updated_at", "updated_at") \
	", p.status AS product_status"

/* the product's own columns, then its stock row's (as sql_inventory.c) */
static const struct hf_field product_map[] = {
	DB_MAP_PRODUCT,
};

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
#define SEARCH_IDS "(SELECT id FROM products WHERE MATCH (name, " \
	"description, author, isbn) AGAINST (? IN BOOLEAN MODE) " \
	"UNION SELECT id FROM products WHERE sku = ? " \
	"UNION SELECT id FROM products WHERE isbn = ? " \
	"UNION SELECT id FROM products WHERE name LIKE CONCAT(?, '%')) m "

/* one statement per sort, so each can walk an index */
#define PRODUCT_LIST(order) DB_SQL_MAP("SELECT " PRODUCT_COLS " " \
	PRODUCT_FROM PRODUCT_WHERE "ORDER BY " order " LIMIT ? OFFSET ?", \
	product_map, struct product)
#define BY_CREATED	"p.created_at DESC, p.id DESC"
#define BY_NAME		"p.name, p.id"
#define BY_PRICE	"p.price, p.id"
#define BY_PRICE_DESC	"p.price DESC, p.id DESC"

/*
 * A search page in one statement (issue 13): the matches' ids sorted and
 * cut to the page first (narrow rows), with their number, which the sort
 * has to see whole anyway (COUNT(*) OVER (): no second FULLTEXT lookup
 * for a total); then the page's rows by primary key.
 */
static const struct hf_field product_hit_map[] = {
	DB_MAP_PRODUCT,
	HF_FIELD_AS("n", struct product_hit, total, HF_K_INT),
};
#define SEARCH_LIST(order) DB_SQL_MAP("SELECT " PRODUCT_COLS ", pg.n " \
	"FROM (SELECT p.id, COUNT(*) OVER () AS n FROM " SEARCH_IDS \
	"JOIN products p ON p.id = m.id " PRODUCT_WHERE "ORDER BY " order \
	" LIMIT ? OFFSET ?) pg JOIN products p ON p.id = pg.id " \
	"LEFT JOIN categories c ON c.id = p.category_id " \
	"JOIN stock s ON s.product_id = p.id ORDER BY " order, \
	product_hit_map, struct product_hit)

struct db_sql db_sql_products_by_created = PRODUCT_LIST(BY_CREATED);
struct db_sql db_sql_products_by_name = PRODUCT_LIST(BY_NAME);
struct db_sql db_sql_products_by_price = PRODUCT_LIST(BY_PRICE);
struct db_sql db_sql_products_by_price_desc = PRODUCT_LIST(BY_PRICE_DESC);
struct db_sql db_sql_search_by_created = SEARCH_LIST(BY_CREATED);
struct db_sql db_sql_search_by_name = SEARCH_LIST(BY_NAME);
struct db_sql db_sql_search_by_price = SEARCH_LIST(BY_PRICE);
struct db_sql db_sql_search_by_price_desc = SEARCH_LIST(BY_PRICE_DESC);
static const struct hf_field category_id_map[] = {
	HF_FIELD(struct category_row, id, HF_K_U64),
};
/* slug, name (the same text twice) -> its id */
struct db_sql db_sql_category_find = DB_SQL_MAP(
    "SELECT id FROM categories WHERE slug = ? OR name = ? LIMIT 1",
    category_id_map, struct category_row);
/*
 * Counts that stop at a cap (the last parameter, LIMIT): every filter is
 * on products alone, no join to count. The search's is for a page past
 * the end only (a page with rows has its number).
 */
struct db_sql db_sql_products_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM products p " PRODUCT_WHERE
    "LIMIT ?) x");
struct db_sql db_sql_search_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM " SEARCH_IDS
    "JOIN products p ON p.id = m.id " PRODUCT_WHERE "LIMIT ?) x");

static const struct hf_field stock_map[] = {
	DB_MAP_STOCK(struct stock_row, ),
};
/*
 * The stock rows of a list page's products (a JSON array of their ids),
 * for the entries the cache lacked (issue 13): the list's stock columns.
 */
struct db_sql db_sql_stock_of_ids = DB_SQL_MAP(
    "SELECT s.product_id, p.sku, p.name, s.on_hand, s.reserved, "
    "s.available, s.level, s.warning_threshold, s.critical_threshold, "
    "s.location, s.is_active, s.low_state, "
    DB_ISO_AS("s.updated_at", "updated_at") ", p.status AS product_status "
    "FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j "
    "JOIN products p ON p.id = j.id JOIN stock s ON s.product_id = p.id "
    "LIMIT 100", stock_map, struct stock_row);

static const struct hf_field product_lock_map[] = {
	HF_FIELD(struct product_lock, id, HF_K_U64),
	HF_FIELD(struct product_lock, sku, HF_K_STR),
	HF_FIELD(struct product_lock, reserved, HF_K_INT),
};
/* the product and its stock row (lock order: the stock row first) */
struct db_sql db_sql_product_lock = DB_SQL_MAP(
    "SELECT p.id, p.sku, s.reserved FROM products p JOIN stock s "
    "ON s.product_id = p.id WHERE p.id = ? FOR UPDATE", product_lock_map,
    struct product_lock);
struct db_sql db_sql_product_update = DB_SQL(
    "UPDATE products SET name = IF(?, ?, name), "
    "description = IF(?, ?, description), "
    "category_id = IF(?, ?, category_id), price = IF(?, ?, price), "
    "attributes = IF(?, ?, attributes), status = IF(?, ?, status) "
    "WHERE id = ?");
struct db_sql db_sql_product_retire = DB_SQL(
    "UPDATE products SET status = 'retired' WHERE id = ?");
struct db_sql db_sql_product_loans_active = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM loans WHERE product_id = ? "
    "AND status = 'active'");
struct db_sql db_sql_product_set_cover = DB_SQL(
    "UPDATE products SET cover_url = ? WHERE id = ?");

static const struct hf_field category_map[] = {
	DB_MAP_CATEGORY
};
struct db_sql db_sql_categories_list = DB_SQL_MAP(
    "SELECT c.id, c.name, c.slug, COUNT(p.id) AS products FROM categories c "
    "LEFT JOIN products p ON p.category_id = c.id "
    "AND p.status <> 'retired' GROUP BY c.id, c.name, c.slug "
    "ORDER BY c.name LIMIT 2000", category_map,	/* internals.md, caps */
    struct category_row);

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
	&db_sql_stock_of_ids,
	NULL
};
