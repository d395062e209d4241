/*
 * sql_stock_at.c: stock at a past moment, per product and location, from
 * the ledger's after-values (db_stock_at.h), and the current stock at one
 * location (location_stock). Nothing here locks: a moment's answer reads
 * committed rows only.
 *
 * One point, (product, location) at moment T, is one dive into
 * ix_ledger_point (product_id, location_id, created_at), which InnoDB
 * extends with the primary key id: the dive walks down from
 * (product, location, T) backwards and stops at the first entry, so it
 * costs the B-tree's height whatever the ledger's size; the after-values
 * are then one primary-key lookup of that row. Per (product, location),
 * ids and created_at rise together (every row of a product is written
 * under its stock row's lock, in a statement that starts after the
 * previous holder committed), so "the last row up to T" in
 * (created_at, id) order is also the one with the largest id.
 *
 * ?ledger_id=N (the point right after row N) bounds the same dive by
 * created_at <= C + 1 s and id <= N, C being the created_at of the last
 * row with id <= N (db_sql_stock_at_mark). Why the second: a row of
 * another product with an id below N may carry a created_at a little
 * past C (created_at is the time its INSERT statement started, the id
 * is drawn a moment later), so C alone could cut it off; ids are drawn
 * within microseconds of the statement's start, far below a second. The
 * dive then skips the entries past N inside that second (at most the
 * rows one product and location got in one second).
 *
 * EXPLAIN of db_sql_stock_at_page on the 10,000,000-row ledger of
 * tests/load/bench-stock-at.sh (MariaDB 10.11):
 *
 *   id select_type        table      type   key             rows Extra
 *   1  PRIMARY            <derived2> ALL    NULL             300
 *   1  PRIMARY            g          eq_ref PRIMARY          1
 *   2  DERIVED            <derived4> ALL    NULL             100  Using
 *                                                                 temporary;
 *                                                                 Using
 *                                                                 filesort
 *   2  DERIVED            ls         ref    PRIMARY          1
 *   2  DERIVED            lo         eq_ref PRIMARY          1
 *   4  DERIVED            s/p        (the page of GET /stock, by sku)
 *   3  DEPENDENT SUBQUERY x          range  ix_ledger_point  ~   Using
 *                                                                 where;
 *                                                                 Using
 *                                                                 index
 *
 * i.e. per (product, location) one backward range read of
 * ix_ledger_point that is covering ("Using index": id is in the index)
 * and stops after one entry (LIMIT 1 in index order, no filesort), then
 * one eq_ref of the row itself. No index is added for it.
 */
#include "holdfast/db_stock_at.h"
#include "db_int.h"

static const struct hf_field at_map[] = {
	DB_MAP_STOCK_AT
};
#define AT_SQL(text)	DB_SQL_MAP(text, at_map, struct stock_at_row)

/*
 * Every place of the products PAGES lists (product_id, sku, name), or
 * only the one at location ? (DB_OPT), with its units now; a product
 * without a place there comes once with location_id NULL.
 */
#define AT_PLACES(pages) "SELECT pg.product_id, pg.sku, pg.name, " \
	"ls.location_id, lo.code AS location, NULL AS ledger_id, " \
	"CAST(COALESCE(ls.on_hand, 0) AS SIGNED) AS on_hand, " \
	"CAST(COALESCE(ls.reserved, 0) AS SIGNED) AS reserved " \
	"FROM (" pages ") pg LEFT JOIN location_stock ls " \
	"ON ls.product_id = pg.product_id " \
	"AND (? IS NULL OR ls.location_id = ?) " \
	"LEFT JOIN locations lo ON lo.id = ls.location_id " \
	"ORDER BY pg.sku, lo.priority, lo.id"

/* sku, location_id (DB_OPT); no row: no such SKU */
struct db_sql db_sql_stock_places_one = AT_SQL(AT_PLACES(
    "SELECT p.id AS product_id, p.sku, p.name FROM products p "
    "WHERE p.sku = ?"));
/* limit, offset, location_id (DB_OPT): GET /stock's page (by SKU) */
struct db_sql db_sql_stock_places_page = AT_SQL(AT_PLACES(
    "SELECT p.id AS product_id, p.sku, p.name FROM stock s "
    "JOIN products p ON p.id = s.product_id ORDER BY p.sku "
    "LIMIT ? OFFSET ?"));

static const struct hf_field dive_map[] = {
	HF_FIELD(struct stock_at_dive, slot, HF_K_INT),
	HF_FIELD(struct stock_at_dive, ledger_id, HF_K_U64),
	HF_FIELD(struct stock_at_dive, on_hand, HF_K_INT),
	HF_FIELD(struct stock_at_dive, reserved, HF_K_INT),
};

/*
 * One point: product_id, location_id, bound, id_max -> its last row up to
 * the moment. Each is its own SELECT so that the parameters are constants
 * when MariaDB plans it (it plans a prepared statement at every
 * execution): a range read of ix_ledger_point that starts at
 * (product, location, bound) and goes back one entry. Written as a
 * correlated subquery instead, the point's columns are not constants at
 * planning, MariaDB reads it as "ref" on (product, location) and walks
 * back from the newest row, one entry per row after the moment.
 */
#define AT_DIVE(slot) "(SELECT " #slot " AS slot, x.id AS ledger_id, " \
	"CAST(x.on_hand_after AS SIGNED) AS on_hand, " \
	"CAST(x.reserved_after AS SIGNED) AS reserved FROM ledger x " \
	"WHERE x.product_id = ? AND x.location_id = ? " \
	"AND x.created_at <= ? AND x.id <= ? " \
	"ORDER BY x.created_at DESC, x.id DESC LIMIT 1)"
#define AT_DIVE4(a, b, c, d) AT_DIVE(a) " UNION ALL " AT_DIVE(b) \
	" UNION ALL " AT_DIVE(c) " UNION ALL " AT_DIVE(d)

/* DB_AT_DIVES points (4 parameters each; product 0 for a slot unused) */
struct db_sql db_sql_stock_at_dives = DB_SQL_MAP(
    AT_DIVE4(0, 1, 2, 3) " UNION ALL " AT_DIVE4(4, 5, 6, 7) " UNION ALL "
    AT_DIVE4(8, 9, 10, 11) " UNION ALL " AT_DIVE4(12, 13, 14, 15)
    " UNION ALL " AT_DIVE4(16, 17, 18, 19) " UNION ALL "
    AT_DIVE4(20, 21, 22, 23), dive_map, struct stock_at_dive);

static const struct hf_field mark_map[] = {
	HF_FIELD(struct stock_at_mark, last_id, HF_K_U64),
	HF_FIELD(struct stock_at_mark, id, HF_K_U64),
	HF_FIELD(struct stock_at_mark, at, HF_K_STR),
	HF_FIELD(struct stock_at_mark, bound, HF_K_STR),
};

/*
 * N -> the ledger's last id, and the last row with id <= N (two dives
 * into the primary key; "Select tables optimized away").
 */
struct db_sql db_sql_stock_at_mark = DB_SQL_MAP(
    "SELECT m.last_id, g.id, " DB_ISO_AS("g.created_at", "at") ", "
    "DATE_FORMAT(g.created_at + INTERVAL 1 SECOND, "
    "'%Y-%m-%d %H:%i:%s.%f') AS bound "
    "FROM (SELECT COALESCE(MAX(id), 0) AS last_id FROM ledger) m "
    "LEFT JOIN ledger g ON g.id = (SELECT MAX(y.id) FROM ledger y "
    "WHERE y.id <= ?)", mark_map, struct stock_at_mark);

/* a moment in the database's form: 1 when it is past the database's
 * clock (the clock created_at is written by) */
struct db_sql db_sql_stock_at_future = DB_SQL_COUNT(
    "SELECT CAST(? > NOW(3) AS SIGNED) AS n");

struct db_sql *const db_sql_set_stock_at[] = {
	&db_sql_stock_places_one,
	&db_sql_stock_places_page,
	&db_sql_stock_at_dives,
	&db_sql_stock_at_mark,
	&db_sql_stock_at_future,
	NULL
};
