/*
 * sql_delivery.c: the statements of delivery and pickup (issue 15 item 5;
 * db_delivery.h, sql/024_delivery.sql). A slot's counts change only
 * under its row's lock, taken after the order's row and its stock rows
 * (placing: the slot, then the coupon campaign, then the points account;
 * paid, cancelled or expired: the slot, then the order's row here).
 */
#include "holdfast/db_delivery.h"
#include "db_int.h"

static const struct hf_field area_map[] = {
	DB_MAP_DLV_AREA
};

static const struct hf_field point_map[] = {
	DB_MAP_DLV_POINT
};

static const struct hf_field address_map[] = {
	DB_MAP_DLV_ADDRESS
};

static const struct hf_field slot_map[] = {
	DB_MAP_DLV_SLOT
};

static const struct hf_field order_map[] = {
	DB_MAP_DLV_ORDER
};

static const struct hf_field slot_lock_map[] = {
	HF_FIELD(struct dlv_slot_lock, id, HF_K_U64),
	HF_FIELDF(struct dlv_slot_lock, area_id, HF_K_INT, HF_F_NULL),
	HF_FIELDF(struct dlv_slot_lock, pickup_point_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct dlv_slot_lock, capacity, HF_K_INT),
	HF_FIELD(struct dlv_slot_lock, reserved, HF_K_INT),
	HF_FIELD(struct dlv_slot_lock, used, HF_K_INT),
	HF_FIELD(struct dlv_slot_lock, active, HF_K_BOOL),
	HF_FIELD(struct dlv_slot_lock, started, HF_K_BOOL),
	HF_FIELD(struct dlv_slot_lock, starts_at, HF_K_STR),
	HF_FIELD(struct dlv_slot_lock, ends_at, HF_K_STR),
};

static const struct hf_field address_area_map[] = {
	HF_FIELD(struct dlv_address_area, id, HF_K_U64),
	HF_FIELD(struct dlv_address_area, area_id, HF_K_U64),
	HF_FIELD(struct dlv_address_area, text, HF_K_STR),
	HF_FIELD(struct dlv_address_area, fee_cents, HF_K_INT),
	HF_FIELD(struct dlv_address_area, min_cents, HF_K_INT),
	HF_FIELD(struct dlv_address_area, area_active, HF_K_BOOL),
};

static const struct hf_field point_lite_map[] = {
	HF_FIELD(struct dlv_point_lite, id, HF_K_U64),
	HF_FIELD(struct dlv_point_lite, name, HF_K_STR),
	HF_FIELD(struct dlv_point_lite, active, HF_K_BOOL),
};

#define AREA_COLS "id, name, fee, min_order, active, " \
	DB_ISO_AS("created_at", "created_at")
#define POINT_COLS "id, name, address, hours, active, " \
	DB_ISO_AS("created_at", "created_at")
#define ADDRESS_COLS "a.id, a.area_id, r.name AS area_name, a.label, " \
	"a.recipient, a.phone, a.line1, a.line2, a.city, a.postcode, " \
	DB_ISO_AS("a.created_at", "created_at") ", " \
	DB_ISO_AS("a.updated_at", "updated_at")
#define SLOT_COLS "s.id, IF(s.area_id IS NULL, 'pickup', 'delivery') AS " \
	"method, s.area_id, s.pickup_point_id, " \
	DB_ISO_AS("s.starts_at", "starts_at") ", " \
	DB_ISO_AS("s.ends_at", "ends_at") ", s.capacity, s.reserved, " \
	"s.used, s.capacity - s.reserved - s.used AS available, s.active, " \
	"(SELECT COUNT(*) FROM order_delivery d WHERE d.slot_id = s.id AND " \
	"d.status = 'reserved') AS rows_reserved, " \
	"(SELECT COUNT(*) FROM order_delivery d WHERE d.slot_id = s.id AND " \
	"d.status = 'used') AS rows_used, " \
	DB_ISO_AS("s.created_at", "created_at")

/* --- areas ------------------------------------------------------------ */

/* name, fee, min_order */
struct db_sql db_sql_dlv_area_insert = DB_SQL(
    "INSERT INTO delivery_areas (name, fee, min_order) VALUES (?, ?, ?)");
struct db_sql db_sql_dlv_area_get = DB_SQL_MAP(
    "SELECT " AREA_COLS " FROM delivery_areas WHERE id = ?",
    area_map, struct dlv_area);
/* all (1: the inactive ones too) */
struct db_sql db_sql_dlv_areas_list = DB_SQL_MAP(
    "SELECT " AREA_COLS " FROM delivery_areas WHERE active = 1 OR ? = 1 "
    "ORDER BY name, id LIMIT 1000", area_map, struct dlv_area);
/* name, fee, min_order, active (each NULL: kept), id */
struct db_sql db_sql_dlv_area_update = DB_SQL(
    "UPDATE delivery_areas SET name = COALESCE(?, name), "
    "fee = COALESCE(?, fee), min_order = COALESCE(?, min_order), "
    "active = COALESCE(?, active) WHERE id = ?");

/* --- pickup points ---------------------------------------------------- */

/* name, address, hours */
struct db_sql db_sql_dlv_point_insert = DB_SQL(
    "INSERT INTO pickup_points (name, address, hours) VALUES (?, ?, ?)");
struct db_sql db_sql_dlv_point_get = DB_SQL_MAP(
    "SELECT " POINT_COLS " FROM pickup_points WHERE id = ?",
    point_map, struct dlv_point);
/* all (1: the inactive ones too) */
struct db_sql db_sql_dlv_points_list = DB_SQL_MAP(
    "SELECT " POINT_COLS " FROM pickup_points WHERE active = 1 OR ? = 1 "
    "ORDER BY name, id LIMIT 1000", point_map, struct dlv_point);
/* name, address, set hours (0/1), hours, active (NULL: kept), id */
struct db_sql db_sql_dlv_point_update = DB_SQL(
    "UPDATE pickup_points SET name = COALESCE(?, name), "
    "address = COALESCE(?, address), hours = IF(?, ?, hours), "
    "active = COALESCE(?, active) WHERE id = ?");

/* --- addresses -------------------------------------------------------- */

/* user_id: the user's row, so two saves at once count one after other */
struct db_sql db_sql_dlv_user_lock = DB_SQL_COUNT(
    "SELECT id AS n FROM users WHERE id = ? FOR UPDATE");
struct db_sql db_sql_dlv_address_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM delivery_addresses WHERE user_id = ?");
/* user_id, area_id, label, recipient, phone, line1, line2, city,
 * postcode */
struct db_sql db_sql_dlv_address_insert = DB_SQL(
    "INSERT INTO delivery_addresses (user_id, area_id, label, recipient, "
    "phone, line1, line2, city, postcode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
    "?)");
/* id, user_id */
struct db_sql db_sql_dlv_address_get = DB_SQL_MAP(
    "SELECT " ADDRESS_COLS " FROM delivery_addresses a "
    "JOIN delivery_areas r ON r.id = a.area_id WHERE a.id = ? AND "
    "a.user_id = ?", address_map, struct dlv_address);
/* user_id */
struct db_sql db_sql_dlv_addresses_list = DB_SQL_MAP(
    "SELECT " ADDRESS_COLS " FROM delivery_addresses a "
    "JOIN delivery_areas r ON r.id = a.area_id WHERE a.user_id = ? "
    "ORDER BY a.id", address_map, struct dlv_address);
/* area_id, label, recipient, phone, line1, set line2 (0/1), line2, city,
 * postcode (each NULL: kept), id, user_id */
struct db_sql db_sql_dlv_address_update = DB_SQL(
    "UPDATE delivery_addresses SET area_id = COALESCE(?, area_id), "
    "label = COALESCE(?, label), recipient = COALESCE(?, recipient), "
    "phone = COALESCE(?, phone), line1 = COALESCE(?, line1), "
    "line2 = IF(?, ?, line2), city = COALESCE(?, city), "
    "postcode = COALESCE(?, postcode) WHERE id = ? AND user_id = ?");
/* id, user_id */
struct db_sql db_sql_dlv_address_delete = DB_SQL(
    "DELETE FROM delivery_addresses WHERE id = ? AND user_id = ?");

/* --- slots ------------------------------------------------------------ */

/* area_id, pickup_point_id (one NULL), starts_at, ends_at, capacity */
struct db_sql db_sql_dlv_slot_insert = DB_SQL(
    "INSERT INTO delivery_slots (area_id, pickup_point_id, starts_at, "
    "ends_at, capacity) VALUES (?, ?, ?, ?, ?)");
struct db_sql db_sql_dlv_slot_get = DB_SQL_MAP(
    "SELECT " SLOT_COLS " FROM delivery_slots s WHERE s.id = ?",
    slot_map, struct dlv_slot);
/* area_id, pickup_point_id (each NULL: any), all (1: past and inactive
 * ones too), limit, offset: by start */
struct db_sql db_sql_dlv_slots_list = DB_SQL_MAP(
    "SELECT " SLOT_COLS " FROM delivery_slots s WHERE "
    "(? IS NULL OR s.area_id = ?) AND (? IS NULL OR s.pickup_point_id = ?) "
    "AND (? = 1 OR (s.active = 1 AND s.starts_at > NOW(3))) "
    "ORDER BY s.starts_at, s.id LIMIT ? OFFSET ?", slot_map,
    struct dlv_slot);
/* the same filters */
struct db_sql db_sql_dlv_slots_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM delivery_slots s WHERE "
    "(? IS NULL OR s.area_id = ?) AND (? IS NULL OR s.pickup_point_id = ?) "
    "AND (? = 1 OR (s.active = 1 AND s.starts_at > NOW(3)))");
/* id: the slot's row, locked */
struct db_sql db_sql_dlv_slot_lock = DB_SQL_MAP(
    "SELECT id, area_id, pickup_point_id, capacity, reserved, used, "
    "active, starts_at <= NOW(3) AS started, "
    DB_ISO_AS("starts_at", "starts_at") ", "
    DB_ISO_AS("ends_at", "ends_at") " FROM delivery_slots WHERE id = ? "
    "FOR UPDATE", slot_lock_map, struct dlv_slot_lock);
/* capacity, active (each NULL: kept), id (the row locked) */
struct db_sql db_sql_dlv_slot_update = DB_SQL(
    "UPDATE delivery_slots SET capacity = COALESCE(?, capacity), "
    "active = COALESCE(?, active) WHERE id = ?");
/* reserved +/-, used +/-, id (the row locked) */
struct db_sql db_sql_dlv_slot_counts = DB_SQL(
    "UPDATE delivery_slots SET reserved = reserved + ?, "
    "used = used + ? WHERE id = ?");

/* --- the order's side ------------------------------------------------- */

/* id, user_id: the address (one line of text) and its area's terms */
struct db_sql db_sql_dlv_address_for_order = DB_SQL_MAP(
    "SELECT a.id, a.area_id, CONCAT_WS(', ', a.recipient, a.phone, "
    "a.line1, a.line2, CONCAT(a.postcode, ' ', a.city)) AS text, "
    "CAST(r.fee * 100 AS SIGNED) AS fee_cents, "
    "CAST(r.min_order * 100 AS SIGNED) AS min_cents, "
    "r.active AS area_active FROM delivery_addresses a "
    "JOIN delivery_areas r ON r.id = a.area_id WHERE a.id = ? AND "
    "a.user_id = ?", address_area_map, struct dlv_address_area);
struct db_sql db_sql_dlv_point_for_order = DB_SQL_MAP(
    "SELECT id, name, active FROM pickup_points WHERE id = ?",
    point_lite_map, struct dlv_point_lite);
/* order_id, method, slot_id, area_id, pickup_point_id, address_id,
 * address_text, fee */
struct db_sql db_sql_dlv_order_insert = DB_SQL(
    "INSERT INTO order_delivery (order_id, method, slot_id, area_id, "
    "pickup_point_id, address_id, address_text, fee) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
/* fee, order id: the fee on the order's total */
struct db_sql db_sql_dlv_order_total = DB_SQL(
    "UPDATE orders SET total = total + ? WHERE id = ?");
/* order_id (no lock: the slot's comes first) */
struct db_sql db_sql_dlv_order_get = DB_SQL_MAP(
    "SELECT d.order_id, d.method, d.slot_id, d.area_id, "
    "d.pickup_point_id, d.address_id, d.address_text, d.fee, d.status, "
    DB_ISO_AS("s.starts_at", "starts_at") ", "
    DB_ISO_AS("s.ends_at", "ends_at") " FROM order_delivery d "
    "JOIN delivery_slots s ON s.id = d.slot_id WHERE d.order_id = ?",
    order_map, struct dlv_order);
/* status (used or released), order_id: the reserved one only */
struct db_sql db_sql_dlv_order_end = DB_SQL(
    "UPDATE order_delivery SET status = ?, ended_at = NOW(3) "
    "WHERE order_id = ? AND status = 'reserved'");

struct db_sql *const db_sql_set_delivery[] = {
	&db_sql_dlv_area_insert,
	&db_sql_dlv_area_get,
	&db_sql_dlv_areas_list,
	&db_sql_dlv_area_update,
	&db_sql_dlv_point_insert,
	&db_sql_dlv_point_get,
	&db_sql_dlv_points_list,
	&db_sql_dlv_point_update,
	&db_sql_dlv_user_lock,
	&db_sql_dlv_address_count,
	&db_sql_dlv_address_insert,
	&db_sql_dlv_address_get,
	&db_sql_dlv_addresses_list,
	&db_sql_dlv_address_update,
	&db_sql_dlv_address_delete,
	&db_sql_dlv_slot_insert,
	&db_sql_dlv_slot_get,
	&db_sql_dlv_slots_list,
	&db_sql_dlv_slots_count,
	&db_sql_dlv_slot_lock,
	&db_sql_dlv_slot_update,
	&db_sql_dlv_slot_counts,
	&db_sql_dlv_address_for_order,
	&db_sql_dlv_point_for_order,
	&db_sql_dlv_order_insert,
	&db_sql_dlv_order_total,
	&db_sql_dlv_order_get,
	&db_sql_dlv_order_end,
	NULL
};
