/*
 * sql_coupons.c: the statements of coupons (issue 15 item 2;
 * db_coupons.h, sql/021_coupons.sql). A campaign's counts change only
 * under its row's lock, taken after the order's and its stock rows' (an
 * order placed: the code's row, then its campaign's; paid, cancelled or
 * expired: the campaign's, then the order's redemption).
 */
#include "holdfast/db_coupons.h"
#include "db_int.h"

static const struct hf_field coupon_map[] = {
	DB_MAP_COUPON
};

static const struct hf_field lock_map[] = {
	HF_FIELD(struct coupon_lock, code, HF_K_STR),
	HF_FIELD(struct coupon_lock, campaign_id, HF_K_U64),
	HF_FIELD(struct coupon_lock, single_use, HF_K_BOOL),
	HF_FIELD(struct coupon_lock, kind, HF_K_STR),
	HF_FIELD(struct coupon_lock, value_cents, HF_K_INT),
	HF_FIELD(struct coupon_lock, min_cents, HF_K_INT),
	HF_FIELD(struct coupon_lock, started, HF_K_BOOL),
	HF_FIELD(struct coupon_lock, ended, HF_K_BOOL),
	HF_FIELD(struct coupon_lock, active, HF_K_BOOL),
	HF_FIELD(struct coupon_lock, total, HF_K_INT),
	HF_FIELD(struct coupon_lock, reserved, HF_K_INT),
	HF_FIELD(struct coupon_lock, used, HF_K_INT),
	HF_FIELD(struct coupon_lock, per_user, HF_K_INT),
	HF_FIELD(struct coupon_lock, starts_at, HF_K_STR),
	HF_FIELD(struct coupon_lock, ends_at, HF_K_STR),
};

static const struct hf_field redemption_map[] = {
	HF_FIELD(struct coupon_redemption, id, HF_K_U64),
	HF_FIELD(struct coupon_redemption, campaign_id, HF_K_U64),
	HF_FIELD(struct coupon_redemption, status, HF_K_STR),
	HF_FIELD(struct coupon_redemption, code, HF_K_STR),
	HF_FIELD(struct coupon_redemption, discount, HF_K_MONEY),
};

static const struct hf_field check_map[] = {
	HF_FIELD(struct coupon_check, campaign_id, HF_K_U64),
	HF_FIELD(struct coupon_check, total, HF_K_INT),
	HF_FIELD(struct coupon_check, reserved, HF_K_INT),
	HF_FIELD(struct coupon_check, used, HF_K_INT),
	HF_FIELD(struct coupon_check, rows_reserved, HF_K_INT),
	HF_FIELD(struct coupon_check, rows_used, HF_K_INT),
	HF_FIELD(struct coupon_check, orders_off, HF_K_INT),
	HF_FIELD(struct coupon_check, orders_missing, HF_K_INT),
	HF_FIELD(struct coupon_check, codes_over, HF_K_INT),
};

#define COUPON_COLS "c.id, c.name, c.kind, c.value, c.min_spend, " \
	DB_ISO_AS("c.starts_at", "starts_at") ", " \
	DB_ISO_AS("c.ends_at", "ends_at") ", c.total, c.reserved, c.used, " \
	"c.per_user, c.active, " DB_ISO_AS("c.created_at", "created_at") ", " \
	"(SELECT COUNT(*) FROM coupon_redemptions r WHERE r.campaign_id = " \
	"c.id AND r.status = 'reserved') AS rows_reserved, " \
	"(SELECT COUNT(*) FROM coupon_redemptions r WHERE r.campaign_id = " \
	"c.id AND r.status = 'used') AS rows_used, " \
	"(SELECT COALESCE(JSON_ARRAYAGG(k.code), '[]') FROM coupon_codes k " \
	"WHERE k.campaign_id = c.id) AS codes"

/* name, kind, value, min_spend, starts_at (or NULL: now), ends_at, total,
 * per_user, created_by */
struct db_sql db_sql_coupon_insert = DB_SQL(
    "INSERT INTO coupon_campaigns (name, kind, value, min_spend, "
    "starts_at, ends_at, total, per_user, created_by) VALUES (?, ?, ?, ?, "
    "COALESCE(?, NOW(3)), ?, ?, ?, ?)");
/* code, campaign_id, single_use */
struct db_sql db_sql_coupon_code_insert = DB_SQL(
    "INSERT INTO coupon_codes (code, campaign_id, single_use) "
    "VALUES (?, ?, ?)");
/* campaign_id, sku: one row, or none for an unknown SKU */
struct db_sql db_sql_coupon_scope_product = DB_SQL(
    "INSERT INTO coupon_scope (campaign_id, product_id) "
    "SELECT ?, id FROM products WHERE sku = ?");
/* campaign_id, category slug */
struct db_sql db_sql_coupon_scope_category = DB_SQL(
    "INSERT INTO coupon_scope (campaign_id, category_id) "
    "SELECT ?, id FROM categories WHERE slug = ?");
struct db_sql db_sql_coupon_get = DB_SQL_MAP(
    "SELECT " COUPON_COLS " FROM coupon_campaigns c WHERE c.id = ?",
    coupon_map, struct coupon_campaign);
/* limit, offset: newest first */
struct db_sql db_sql_coupons_list = DB_SQL_MAP(
    "SELECT " COUPON_COLS " FROM coupon_campaigns c ORDER BY c.id DESC "
    "LIMIT ? OFFSET ?", coupon_map, struct coupon_campaign);
struct db_sql db_sql_coupons_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM coupon_campaigns");
/* active, id */
struct db_sql db_sql_coupon_set_active = DB_SQL(
    "UPDATE coupon_campaigns SET active = ? WHERE id = ?");
/* id: what its coupons hold (reserved + used), the row locked (PATCH) */
struct db_sql db_sql_coupon_lock_held = DB_SQL_COUNT(
    "SELECT reserved + used AS n FROM coupon_campaigns WHERE id = ? "
    "FOR UPDATE");
/* name, ends_at, total, per_user, active (each NULL: kept), id */
struct db_sql db_sql_coupon_update = DB_SQL(
    "UPDATE coupon_campaigns SET name = COALESCE(?, name), "
    "ends_at = COALESCE(?, ends_at), total = COALESCE(?, total), "
    "per_user = COALESCE(?, per_user), active = COALESCE(?, active) "
    "WHERE id = ?");
/* code: the code's row and its campaign's, locked in that order */
struct db_sql db_sql_coupon_code_lock = DB_SQL_MAP(
    "SELECT k.code, k.campaign_id, k.single_use, c.kind, "
    "CAST(c.value * 100 AS SIGNED) AS value_cents, "
    "CAST(c.min_spend * 100 AS SIGNED) AS min_cents, "
    "c.starts_at <= NOW(3) AS started, c.ends_at <= NOW(3) AS ended, "
    "c.active, c.total, c.reserved, c.used, c.per_user, "
    DB_ISO_AS("c.starts_at", "starts_at") ", "
    DB_ISO_AS("c.ends_at", "ends_at") " FROM coupon_codes k "
    "JOIN coupon_campaigns c ON c.id = k.campaign_id WHERE k.code = ? "
    "FOR UPDATE", lock_map, struct coupon_lock);
/* code: its redemptions that hold or used it */
struct db_sql db_sql_coupon_code_taken = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM coupon_redemptions WHERE code = ? AND "
    "status IN ('reserved', 'used')");
/* campaign_id, actor */
struct db_sql db_sql_coupon_actor_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM coupon_redemptions WHERE campaign_id = ? "
    "AND actor = ? AND status IN ('reserved', 'used')");
/* order_id, campaign_id, campaign_id: the cents of the order's lines the
 * campaign applies to (every line when it lists nothing) */
struct db_sql db_sql_coupon_eligible = DB_SQL_COUNT(
    "SELECT CAST(COALESCE(SUM(ol.line_total), 0) * 100 AS SIGNED) AS n "
    "FROM order_lines ol JOIN products p ON p.id = ol.product_id "
    "WHERE ol.order_id = ? AND (NOT EXISTS (SELECT 1 FROM coupon_scope s "
    "WHERE s.campaign_id = ?) OR EXISTS (SELECT 1 FROM coupon_scope s "
    "WHERE s.campaign_id = ? AND (s.product_id = p.id OR "
    "s.category_id = p.category_id)))");
/* campaign_id, code, order_id, actor, discount */
struct db_sql db_sql_coupon_redeem = DB_SQL(
    "INSERT INTO coupon_redemptions (campaign_id, code, order_id, actor, "
    "discount) VALUES (?, ?, ?, ?, ?)");
/* reserved +/-, used +/-, id (the row locked) */
struct db_sql db_sql_coupon_counts = DB_SQL(
    "UPDATE coupon_campaigns SET reserved = reserved + ?, "
    "used = used + ? WHERE id = ?");
/* code, discount, discount, order id */
struct db_sql db_sql_coupon_order_set = DB_SQL(
    "UPDATE orders SET coupon_code = ?, coupon_discount = ?, "
    "total = total - ? WHERE id = ?");
/* order_id (no lock: the campaign's comes first) */
struct db_sql db_sql_coupon_of_order = DB_SQL_MAP(
    "SELECT id, campaign_id, status, code, discount FROM "
    "coupon_redemptions WHERE order_id = ?", redemption_map,
    struct coupon_redemption);
struct db_sql db_sql_coupon_lock = DB_SQL_COUNT(
    "SELECT id AS n FROM coupon_campaigns WHERE id = ? FOR UPDATE");
/* status (used or released), order_id: the reserved one only */
struct db_sql db_sql_coupon_end = DB_SQL(
    "UPDATE coupon_redemptions SET status = ?, ended_at = NOW(3) "
    "WHERE order_id = ? AND status = 'reserved'");

/* campaign_id: the coupons not used yet (after its counts changed) */
struct db_sql db_sql_coupon_unused = DB_SQL_COUNT(
    "SELECT total - used AS n FROM coupon_campaigns WHERE id = ?");
/*
 * 0 or a campaign id, the same: every campaign (or one) beside the rows
 * its counts must equal. An order's redemption must agree with it:
 * reserved while the order is unpaid, used once it was paid (whatever
 * came after), its code and discount the order's; an order that names a
 * code must have one; a single-use code is held by one order at most.
 */
struct db_sql db_sql_coupon_reconcile = DB_SQL_MAP(
    "SELECT c.id AS campaign_id, c.total, c.reserved, c.used, "
    "(SELECT COUNT(*) FROM coupon_redemptions r WHERE r.campaign_id = "
    "c.id AND r.status = 'reserved') AS rows_reserved, "
    "(SELECT COUNT(*) FROM coupon_redemptions r WHERE r.campaign_id = "
    "c.id AND r.status = 'used') AS rows_used, "
    "(SELECT COUNT(*) FROM coupon_redemptions r JOIN orders o ON o.id = "
    "r.order_id WHERE r.campaign_id = c.id AND ((r.status = 'reserved') "
    "<> (o.status = 'pending_payment') OR (r.status = 'used') <> "
    "(o.paid_at IS NOT NULL) OR o.coupon_code IS NULL OR o.coupon_code "
    "<> r.code OR o.coupon_discount <> r.discount)) AS orders_off, "
    "(SELECT COUNT(*) FROM orders o JOIN coupon_codes k ON k.code = "
    "o.coupon_code WHERE k.campaign_id = c.id AND NOT EXISTS (SELECT 1 "
    "FROM coupon_redemptions r WHERE r.order_id = o.id)) "
    "AS orders_missing, "
    "(SELECT COUNT(*) FROM coupon_codes k WHERE k.campaign_id = c.id AND "
    "k.single_use = 1 AND (SELECT COUNT(*) FROM coupon_redemptions r "
    "WHERE r.code = k.code AND r.status <> 'released') > 1) "
    "AS codes_over "
    "FROM coupon_campaigns c WHERE ? = 0 OR c.id = ? ORDER BY c.id",
    check_map, struct coupon_check);

struct db_sql *const db_sql_set_coupons[] = {
	&db_sql_coupon_insert,
	&db_sql_coupon_code_insert,
	&db_sql_coupon_scope_product,
	&db_sql_coupon_scope_category,
	&db_sql_coupon_get,
	&db_sql_coupons_list,
	&db_sql_coupons_count,
	&db_sql_coupon_set_active,
	&db_sql_coupon_lock_held,
	&db_sql_coupon_update,
	&db_sql_coupon_code_lock,
	&db_sql_coupon_code_taken,
	&db_sql_coupon_actor_count,
	&db_sql_coupon_eligible,
	&db_sql_coupon_redeem,
	&db_sql_coupon_counts,
	&db_sql_coupon_order_set,
	&db_sql_coupon_of_order,
	&db_sql_coupon_lock,
	&db_sql_coupon_end,
	&db_sql_coupon_unused,
	&db_sql_coupon_reconcile,
	NULL
};
