/*
 * sql_locations.c: locations and each product's units at each of them
 * (009_locations.sql). A product's places are locked after its stock row
 * and in location order, so the lock order stays total: (product,
 * location). The locations table itself is read without a lock: nothing
 * that moves a unit waits on it.
 */
#include "holdfast/db_inventory.h"
#include "db_int.h"

#define LOC_COLS "id, code, name, kind, is_active, priority, " \
	"COALESCE(frozen_by, 0) AS frozen_by, version, " \
	DB_ISO_AS("created_at", "created_at") ", " \
	DB_ISO_AS("updated_at", "updated_at")

static const struct hf_field loc_map[] = {
	DB_MAP_LOCATION
};
#define LOC_SQL(text)	DB_SQL_MAP(text, loc_map, struct location)

/* every location, in allocation order */
struct db_sql db_sql_location_list = LOC_SQL(
    "SELECT " LOC_COLS " FROM locations ORDER BY priority, id");
struct db_sql db_sql_location_by_code = LOC_SQL(
    "SELECT " LOC_COLS " FROM locations WHERE code = ?");
struct db_sql db_sql_location_lock_code = LOC_SQL(
    "SELECT " LOC_COLS " FROM locations WHERE code = ? FOR UPDATE");
/*
 * id: the location as it is now, under a shared lock that every change of
 * units there takes (after the product's rows: the lock order is
 * product, location_stock, location), so that a deactivation or a freeze
 * (which lock the row for update) and a move never pass each other.
 */
struct db_sql db_sql_location_share = LOC_SQL(
    "SELECT " LOC_COLS " FROM locations WHERE id = ? LOCK IN SHARE MODE");
/* code, name, kind, is_active, priority */
struct db_sql db_sql_location_insert = DB_SQL(
    "INSERT INTO locations (code, name, kind, is_active, priority) "
    "VALUES (?, ?, ?, ?, ?)");
/* name, kind, is_active, priority, id */
struct db_sql db_sql_location_update = DB_SQL(
    "UPDATE locations SET name = ?, kind = ?, is_active = ?, "
    "priority = ?, version = version + 1 WHERE id = ?");
/* frozen_by (NULL: thaw), id */
struct db_sql db_sql_location_freeze = DB_SQL(
    "UPDATE locations SET frozen_by = ?, version = version + 1 "
    "WHERE id = ?");
/* location_id: the units there (on hand) and its active reservations */
struct db_sql db_sql_location_units = DB_SQL_COUNT(
    "SELECT COALESCE(SUM(on_hand), 0) AS n FROM location_stock "
    "WHERE location_id = ?");

#define PLACE_COLS "ls.product_id, ls.location_id, lo.code AS location, " \
	"ls.on_hand, ls.reserved, ls.available"

static const struct hf_field place_map[] = {
	DB_MAP_PLACE
};
#define PLACE_SQL(text)	DB_SQL_MAP(text, place_map, struct stock_place)

/*
 * A product's places, locked in location order (under its stock row's
 * lock). No join: a locking read would lock the locations rows too; the
 * service names each place from its list of locations.
 */
struct db_sql db_sql_place_lock = PLACE_SQL(
    "SELECT ls.product_id, ls.location_id, NULL AS location, ls.on_hand, "
    "ls.reserved, ls.available FROM location_stock ls "
    "WHERE ls.product_id = ? ORDER BY ls.location_id FOR UPDATE");
/* a product's places as they are, for reading */
struct db_sql db_sql_places_of = PLACE_SQL(
    "SELECT " PLACE_COLS " FROM location_stock ls JOIN locations lo "
    "ON lo.id = ls.location_id WHERE ls.product_id = ? "
    "ORDER BY lo.priority, lo.id");
/* product_id, location_id, on_hand, reserved: the values after a change */
struct db_sql db_sql_place_write = DB_SQL(
    "INSERT INTO location_stock (product_id, location_id, on_hand, "
    "reserved) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
    "on_hand = VALUES(on_hand), reserved = VALUES(reserved)");

/*
 * Reconcile per location (product_id x4): each location's row beside the
 * sums of its ledger deltas and of its active reservations.
 */
static const struct hf_field place_sums_map[] = {
	HF_FIELD(struct place_sums, location_id, HF_K_U64),
	HF_FIELD(struct place_sums, location, HF_K_STR),
	HF_FIELD(struct place_sums, on_hand, HF_K_INT),
	HF_FIELD(struct place_sums, reserved, HF_K_INT),
	HF_FIELD(struct place_sums, ledger_on_hand, HF_K_INT),
	HF_FIELD(struct place_sums, ledger_reserved, HF_K_INT),
	HF_FIELD(struct place_sums, active, HF_K_INT),
};
struct db_sql db_sql_reconcile_places = DB_SQL_MAP(
    "SELECT lo.id AS location_id, lo.code AS location, "
    "CAST(COALESCE(ls.on_hand, 0) AS SIGNED) AS on_hand, "
    "CAST(COALESCE(ls.reserved, 0) AS SIGNED) AS reserved, "
    "CAST((SELECT COALESCE(SUM(g.on_hand_delta), 0) FROM ledger g "
    "WHERE g.product_id = ? AND g.location_id = lo.id) AS SIGNED) "
    "AS ledger_on_hand, "
    "CAST((SELECT COALESCE(SUM(g.reserved_delta), 0) FROM ledger g "
    "WHERE g.product_id = ? AND g.location_id = lo.id) AS SIGNED) "
    "AS ledger_reserved, "
    "CAST((SELECT COALESCE(SUM(r.quantity), 0) FROM reservations r "
    "WHERE r.product_id = ? AND r.location_id = lo.id "
    "AND r.status = 'active') AS SIGNED) AS active "
    "FROM locations lo LEFT JOIN location_stock ls "
    "ON ls.location_id = lo.id AND ls.product_id = ? ORDER BY lo.id",
    place_sums_map, struct place_sums);

struct db_sql *const db_sql_set_locations[] = {
	&db_sql_location_list,
	&db_sql_location_by_code,
	&db_sql_location_lock_code,
	&db_sql_location_share,
	&db_sql_location_insert,
	&db_sql_location_update,
	&db_sql_location_freeze,
	&db_sql_location_units,
	&db_sql_place_lock,
	&db_sql_places_of,
	&db_sql_place_write,
	&db_sql_reconcile_places,
	NULL
};
