/*
 * sql_groups.c: the statements of group buys (issue 15 item 4;
 * db_groups.h, sql/023_groups.sql). A group's counts change only under
 * its row's lock (and its campaign's, for the per-customer limit), taken
 * after the order's row and its stock rows.
 */
#include "holdfast/db_groups.h"
#include "db_int.h"

static const struct hf_field campaign_map[] = {
	DB_MAP_GRP_CAMPAIGN
};

static const struct hf_field group_map[] = {
	DB_MAP_GRP_GROUP
};

static const struct hf_field member_map[] = {
	DB_MAP_GRP_MEMBER
};

static const struct hf_field lock_map[] = {
	HF_FIELD(struct grp_lock, campaign_id, HF_K_U64),
	HF_FIELD(struct grp_lock, group_id, HF_K_U64),
	HF_FIELD(struct grp_lock, product_id, HF_K_U64),
	HF_FIELD(struct grp_lock, state, HF_K_STR),
	HF_FIELD(struct grp_lock, size, HF_K_INT),
	HF_FIELD(struct grp_lock, joined, HF_K_INT),
	HF_FIELD(struct grp_lock, paid, HF_K_INT),
	HF_FIELD(struct grp_lock, per_user, HF_K_INT),
	HF_FIELD(struct grp_lock, price_cents, HF_K_INT),
	HF_FIELD(struct grp_lock, active, HF_K_BOOL),
	HF_FIELD(struct grp_lock, past, HF_K_BOOL),
	HF_FIELD(struct grp_lock, deadline, HF_K_STR),
};

static const struct hf_field due_map[] = {
	HF_FIELD(struct grp_due, id, HF_K_U64),
};

#define CAMPAIGN_COLS "c.id, c.name, p.sku, c.group_size, c.group_price, " \
	DB_ISO_AS("c.deadline", "deadline") ", c.per_user, c.active, " \
	"c.deadline <= NOW(3) AS past, " \
	DB_ISO_AS("c.created_at", "created_at") ", " \
	"(SELECT COUNT(*) FROM group_buys g WHERE g.campaign_id = c.id AND " \
	"g.state = 'open') AS groups_open, " \
	"(SELECT COUNT(*) FROM group_buys g WHERE g.campaign_id = c.id AND " \
	"g.state = 'succeeded') AS groups_succeeded, " \
	"(SELECT COUNT(*) FROM group_buys g WHERE g.campaign_id = c.id AND " \
	"g.state = 'failed') AS groups_failed " \
	"FROM group_campaigns c JOIN products p ON p.id = c.product_id"

#define GROUP_COLS "g.id, g.campaign_id, p.sku, g.state, g.size, g.joined, " \
	"g.paid, c.group_price, " DB_ISO_AS("g.deadline", "deadline") ", " \
	DB_ISO_AS("g.created_at", "created_at") ", " \
	DB_ISO_AS("g.ended_at", "ended_at") ", " \
	"(SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND " \
	"m.state IN ('pending', 'paid', 'succeeded')) AS rows_joined, " \
	"(SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND " \
	"m.state IN ('paid', 'succeeded')) AS rows_paid " \
	"FROM group_buys g JOIN group_campaigns c ON c.id = g.campaign_id " \
	"JOIN products p ON p.id = c.product_id"

#define MEMBER_COLS "m.order_id, m.group_id, m.campaign_id, m.actor, " \
	"m.state, " DB_ISO_AS("m.created_at", "created_at") ", " \
	DB_ISO_AS("m.ended_at", "ended_at") ", o.reference_id, o.total, " \
	"o.status AS order_status FROM group_members m " \
	"JOIN orders o ON o.id = m.order_id"

/* name, size, price, deadline, per_user, created_by, sku: no row for an
 * unknown SKU */
struct db_sql db_sql_grp_campaign_insert = DB_SQL(
    "INSERT INTO group_campaigns (name, product_id, group_size, "
    "group_price, deadline, per_user, created_by) SELECT ?, p.id, ?, ?, ?, "
    "?, ? FROM products p WHERE p.sku = ?");
struct db_sql db_sql_grp_campaign_get = DB_SQL_MAP(
    "SELECT " CAMPAIGN_COLS " WHERE c.id = ?", campaign_map,
    struct grp_campaign);
/* limit, offset: newest first */
struct db_sql db_sql_grp_campaigns_list = DB_SQL_MAP(
    "SELECT " CAMPAIGN_COLS " ORDER BY c.id DESC LIMIT ? OFFSET ?",
    campaign_map, struct grp_campaign);
struct db_sql db_sql_grp_campaigns_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM group_campaigns");
/* active, id */
struct db_sql db_sql_grp_campaign_set_active = DB_SQL(
    "UPDATE group_campaigns SET active = ? WHERE id = ?");
/* id: a campaign's terms, its row locked (starting a group) */
struct db_sql db_sql_grp_campaign_lock = DB_SQL_MAP(
    "SELECT c.id AS campaign_id, CAST(0 AS UNSIGNED) AS group_id, "
    "c.product_id, 'open' AS state, c.group_size AS size, 0 AS joined, "
    "0 AS paid, c.per_user, CAST(c.group_price * 100 AS SIGNED) AS "
    "price_cents, c.active, c.deadline <= NOW(3) AS past, "
    DB_ISO_AS("c.deadline", "deadline") " FROM group_campaigns c "
    "WHERE c.id = ? FOR UPDATE", lock_map, struct grp_lock);
/* started_by, campaign id: a group with the campaign's size and deadline */
struct db_sql db_sql_grp_insert = DB_SQL(
    "INSERT INTO group_buys (campaign_id, size, deadline, started_by) "
    "SELECT id, group_size, deadline, ? FROM group_campaigns WHERE id = ?");
struct db_sql db_sql_grp_get = DB_SQL_MAP(
    "SELECT " GROUP_COLS " WHERE g.id = ?", group_map, struct grp_group);
/* campaign id, state (optional), limit, offset: newest first */
struct db_sql db_sql_grp_list = DB_SQL_MAP(
    "SELECT " GROUP_COLS " WHERE g.campaign_id = ? AND (? IS NULL OR "
    "g.state = ?) ORDER BY g.id DESC LIMIT ? OFFSET ?", group_map,
    struct grp_group);
struct db_sql db_sql_grp_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM group_buys g WHERE g.campaign_id = ? AND "
    "(? IS NULL OR g.state = ?)");
/* id: a group and its campaign, both rows locked */
struct db_sql db_sql_grp_lock = DB_SQL_MAP(
    "SELECT g.campaign_id, g.id AS group_id, c.product_id, g.state, "
    "g.size, g.joined, g.paid, c.per_user, CAST(c.group_price * 100 AS "
    "SIGNED) AS price_cents, c.active, g.deadline <= NOW(3) AS past, "
    DB_ISO_AS("g.deadline", "deadline") " FROM group_buys g "
    "JOIN group_campaigns c ON c.id = g.campaign_id WHERE g.id = ? "
    "FOR UPDATE", lock_map, struct grp_lock);
/* campaign id, actor: the seats the customer holds or held to the end */
struct db_sql db_sql_grp_actor_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM group_members WHERE campaign_id = ? AND "
    "actor = ? AND state IN ('pending', 'paid', 'succeeded')");
/* order id, group id, campaign id, actor */
struct db_sql db_sql_grp_member_insert = DB_SQL(
    "INSERT INTO group_members (order_id, group_id, campaign_id, actor) "
    "VALUES (?, ?, ?, ?)");
/* joined +/-, paid +/-, id (the row locked) */
struct db_sql db_sql_grp_counts = DB_SQL(
    "UPDATE group_buys SET joined = joined + ?, paid = paid + ? "
    "WHERE id = ?");
/* price, price, order id: the lines at the group's price */
struct db_sql db_sql_grp_order_price = DB_SQL(
    "UPDATE order_lines SET unit_price = ?, line_total = ? * quantity "
    "WHERE order_id = ?");
/* order id, order id */
struct db_sql db_sql_grp_order_total = DB_SQL(
    "UPDATE orders SET total = (SELECT COALESCE(SUM(line_total), 0) "
    "FROM order_lines WHERE order_id = ?) WHERE id = ?");
/* group id, order id: an unpaid seat lasts at most to the deadline */
struct db_sql db_sql_grp_order_expiry = DB_SQL(
    "UPDATE orders o JOIN group_buys g ON g.id = ? SET o.expires_at = "
    "LEAST(o.expires_at, g.deadline) WHERE o.id = ?");
/* order id: its active reservations expire with it */
struct db_sql db_sql_grp_res_expiry = DB_SQL(
    "UPDATE reservations r JOIN orders o ON o.reference_id = "
    "r.reference_id SET r.expires_at = o.expires_at WHERE o.id = ? AND "
    "r.status = 'active'");
/* order id: a paid seat's reservations outlive the order's TTL, to a week
 * past the group's deadline (holdfast-expire ends the group first) */
struct db_sql db_sql_grp_res_extend = DB_SQL(
    "UPDATE reservations r JOIN orders o ON o.reference_id = "
    "r.reference_id JOIN group_members m ON m.order_id = o.id "
    "JOIN group_buys g ON g.id = m.group_id SET r.expires_at = "
    "g.deadline + INTERVAL 7 DAY WHERE o.id = ? AND r.status = 'active'");
/* order id (no lock: the group's comes after the order's stock) */
struct db_sql db_sql_grp_member_of = DB_SQL_MAP(
    "SELECT " MEMBER_COLS " WHERE m.order_id = ?", member_map,
    struct grp_member);
/* state, state, order id, from state */
struct db_sql db_sql_grp_member_set = DB_SQL(
    "UPDATE group_members SET state = ?, ended_at = IF(? IN ('paid', "
    "'succeeded'), ended_at, NOW(3)) WHERE order_id = ? AND state = ?");
/* group id: every seat, in order id order */
struct db_sql db_sql_grp_members = DB_SQL_MAP(
    "SELECT " MEMBER_COLS " WHERE m.group_id = ? ORDER BY m.order_id",
    member_map, struct grp_member);
/* state, state, state, id: an open group ends; a failed one holds no
 * seat */
struct db_sql db_sql_grp_set_state = DB_SQL(
    "UPDATE group_buys SET state = ?, ended_at = NOW(3), "
    "paid = IF(? = 'failed', 0, paid), joined = IF(? = 'failed', 0, "
    "joined) WHERE id = ? AND state = 'open'");
/* limit: open groups past their deadline */
struct db_sql db_sql_grp_due = DB_SQL_MAP(
    "SELECT id FROM group_buys WHERE state = 'open' AND deadline <= NOW(3) "
    "ORDER BY deadline, id LIMIT ?", due_map, struct grp_due);
/* state (optional), limit, offset: newest first */
struct db_sql db_sql_grp_members_by_state = DB_SQL_MAP(
    "SELECT " MEMBER_COLS " WHERE (? IS NULL OR m.state = ?) "
    "ORDER BY m.order_id DESC LIMIT ? OFFSET ?", member_map,
    struct grp_member);
struct db_sql db_sql_grp_members_state_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM group_members m WHERE (? IS NULL OR "
    "m.state = ?)");

struct db_sql *const db_sql_set_groups[] = {
	&db_sql_grp_campaign_insert,
	&db_sql_grp_campaign_get,
	&db_sql_grp_campaigns_list,
	&db_sql_grp_campaigns_count,
	&db_sql_grp_campaign_set_active,
	&db_sql_grp_campaign_lock,
	&db_sql_grp_insert,
	&db_sql_grp_get,
	&db_sql_grp_list,
	&db_sql_grp_count,
	&db_sql_grp_lock,
	&db_sql_grp_actor_count,
	&db_sql_grp_member_insert,
	&db_sql_grp_counts,
	&db_sql_grp_order_price,
	&db_sql_grp_order_total,
	&db_sql_grp_order_expiry,
	&db_sql_grp_res_expiry,
	&db_sql_grp_res_extend,
	&db_sql_grp_member_of,
	&db_sql_grp_member_set,
	&db_sql_grp_members,
	&db_sql_grp_set_state,
	&db_sql_grp_due,
	&db_sql_grp_members_by_state,
	&db_sql_grp_members_state_count,
	NULL
};
