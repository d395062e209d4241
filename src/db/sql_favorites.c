/*
 * sql_favorites.c: favorites and the reading history's switch and
 * product names (issue 14, items 1 and 3). The table is sql/
 * 014_favorites.sql; the history itself lives in Redis (cache/history.c).
 */
#include "holdfast/db_favorites.h"
#include "db_int.h"

static const struct hf_field fav_map[] = {
	HF_FIELD(struct favorite, id, HF_K_U64),
	HF_FIELD(struct favorite, product_id, HF_K_U64),
	HF_FIELD(struct favorite, sku, HF_K_STR),
	HF_FIELD(struct favorite, name, HF_K_STR),
	HF_FIELD(struct favorite, status, HF_K_STR),
	HF_FIELD(struct favorite, available, HF_K_INT),
	HF_FIELD(struct favorite, stock_status, HF_K_STR),
	HF_FIELD(struct favorite, notify, HF_K_BOOL),
	HF_FIELD(struct favorite, created_at, HF_K_STR),
};

static const struct hf_field hist_product_map[] = {
	HF_FIELD(struct hist_product, id, HF_K_U64),
	HF_FIELD(struct hist_product, sku, HF_K_STR),
	HF_FIELD(struct hist_product, name, HF_K_STR),
	HF_FIELD(struct hist_product, status, HF_K_STR),
	HF_FIELD(struct hist_product, available, HF_K_INT),
	HF_FIELD(struct hist_product, stock_status, HF_K_STR),
};

static const struct hf_field waiter_map[] = {
	HF_FIELD(struct fav_waiter, email, HF_K_STR),
	HF_FIELD(struct fav_waiter, display_name, HF_K_STR),
};

#define FAV_COLS "f.id, f.product_id, p.sku, p.name, p.status, " \
	"s.available, s.level AS stock_status, f.notify, " \
	DB_ISO_AS("f.created_at", "created_at")
#define FAV_FROM "FROM favorites f JOIN products p ON p.id = f.product_id " \
	"JOIN stock s ON s.product_id = f.product_id "

struct db_sql db_sql_fav_product = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM products WHERE id = ?");
/* the primary key (user, product): a second PUT changes no row count */
struct db_sql db_sql_fav_put = DB_SQL(
    "INSERT INTO favorites (user_id, product_id, notify) "
    "VALUES (?, ?, COALESCE(?, 0)) "
    "ON DUPLICATE KEY UPDATE notify = COALESCE(?, notify)");
struct db_sql db_sql_fav_delete = DB_SQL(
    "DELETE FROM favorites WHERE user_id = ? AND product_id = ?");
struct db_sql db_sql_fav_get = DB_SQL_MAP(
    "SELECT " FAV_COLS " " FAV_FROM
    "WHERE f.user_id = ? AND f.product_id = ?", fav_map, struct favorite);
/* ix_favorites_user_id (user_id, id), walked backwards */
struct db_sql db_sql_fav_list = DB_SQL_MAP(
    "SELECT " FAV_COLS " " FAV_FROM
    "WHERE f.user_id = ? AND f.id < ? ORDER BY f.id DESC LIMIT ? OFFSET ?",
    fav_map, struct favorite);
struct db_sql db_sql_fav_list_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM favorites "
    "WHERE user_id = ?" DB_LIST_CAP ") t");
/* ix_favorites_product */
struct db_sql db_sql_fav_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM favorites WHERE product_id = ?");
struct db_sql db_sql_fav_is = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM favorites WHERE user_id = ? "
    "AND product_id = ?");
struct db_sql db_sql_fav_waiting = DB_SQL_MAP(
    "SELECT u.email, u.display_name FROM favorites f JOIN users u "
    "ON u.id = f.user_id WHERE f.product_id = ? AND f.notify = 1 "
    "AND u.status = 'active' ORDER BY f.id LIMIT ?", waiter_map,
    struct fav_waiter);

struct db_sql db_sql_hist_enabled = DB_SQL_COUNT(
    "SELECT history_enabled AS n FROM users WHERE id = ?");
struct db_sql db_sql_hist_enabled_set = DB_SQL(
    "UPDATE users SET history_enabled = ? WHERE id = ?");
struct db_sql db_sql_hist_products = DB_SQL_MAP(
    "SELECT p.id, p.sku, p.name, p.status, s.available, "
    "s.level AS stock_status FROM JSON_TABLE(?, '$[*]' COLUMNS "
    "(i BIGINT UNSIGNED PATH '$')) j STRAIGHT_JOIN products p "
    "ON p.id = j.i JOIN stock s ON s.product_id = p.id",
    hist_product_map, struct hist_product);

struct db_sql *const db_sql_set_favorites[] = {
	&db_sql_fav_product,
	&db_sql_fav_put,
	&db_sql_fav_delete,
	&db_sql_fav_get,
	&db_sql_fav_list,
	&db_sql_fav_list_count,
	&db_sql_fav_count,
	&db_sql_fav_is,
	&db_sql_fav_waiting,
	&db_sql_hist_enabled,
	&db_sql_hist_enabled_set,
	&db_sql_hist_products,
	NULL
};
