/*
 * sql_stock_at.c: stock at a past moment, per product and location, from
 * the ledger's after-values (db_stock_at.h), and the current stock at one
 * location (location_stock). Nothing here locks: a moment's answer reads
 * committed rows only.
 *
 * One point, (product, location) at moment T, is one dive into
 * ix_ledger_point (product_id, location_id, created_at) of 009, which
 * InnoDB extends with the primary key id: a range read that starts at
 * (product, location, T) and goes back one entry, so it costs the
 * B-tree's height whatever the ledger's size, then one primary-key read
 * of that row's after-values. Per (product, location), ids and created_at
 * rise together (every row of a product is written under its stock row's
 * lock, by an INSERT that starts after the previous holder committed), so
 * "the last row up to T" in (created_at, id) order is also the one with
 * the largest id. No index is added for it (no 012 migration): the
 * ledger's writes cost what they cost.
 *
 * The places come first (db_sql_stock_places_one or _page: the product's
 * location_stock rows, which exist wherever it ever had a ledger row, as
 * inv_stock_change writes both), then their dives, DB_AT_DIVES to a
 * statement (db_sql_stock_at_dives, a UNION ALL of one SELECT per point).
 * Written as one correlated subquery per place instead, MariaDB plans the
 * subquery once, with the place's columns unknown: "ref" on
 * (product, location), reading back from the newest row and skipping one
 * entry per row after T (Handler_read_prev grows with the rows after the
 * moment). With constants (a prepared statement is planned at each
 * execution with its parameters), each SELECT is a range read of one
 * entry. The index is forced: without the hint, planning each part
 * estimates ranges in every index that could serve (ix_ledger_created,
 * PRIMARY for id <= ?, ...), which cost three times the dive itself.
 *
 * ?ledger_id=N (the point right after row N) bounds the same dive by
 * created_at <= C + 1 s and id <= N, C being the created_at of the last
 * row with id <= N (db_sql_stock_at_mark). Why the second: a row of
 * another product with an id below N may carry a created_at a little
 * past C (created_at is the time its INSERT statement started, the id
 * is drawn a moment later), so C alone could cut it off; ids are drawn
 * within microseconds of the statement's start, far below a second. The
 * dive then skips the entries past N inside that second (at most the
 * rows one product and location got in that second). This holds while
 * created_at is only ever the database's clock at the insert (its
 * DEFAULT; no statement of the service writes it).
 *
 * EXPLAIN of one dive on the 10,020,000-row ledger of
 * tests/load/bench-stock-at.sh (MariaDB 10.11):
 *
 *   table type  key             key_len rows Extra
 *   x     range ix_ledger_point 31      167  Using where
 *
 * (key_len 31: product_id 8, location_id 8, created_at 7, id 8; rows is
 * the planner's estimate of the range; no filesort: LIMIT 1 in the
 * index's order, read backwards), and the handler reads of one statement
 * of 24 dives at random bench places: Handler_read_key 24, read_prev 0,
 * read_next 0: one positioning per point and nothing walked.
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
/*
 * limit, offset, location_id (DB_OPT): GET /stock's page, in SKU order:
 * the ids off uq_products_sku (covering: sku, id) up to the page's end,
 * then the page's own rows. Without the hint MariaDB sorts every product
 * for each page; reading the names on the way, it reads every product
 * row before the page (on 10,000 products, page 50: 26 ms against 8).
 */
struct db_sql db_sql_stock_places_page = AT_SQL(AT_PLACES(
    "SELECT p.id AS product_id, p.sku, p.name FROM (SELECT k.id "
    "FROM products k FORCE INDEX (uq_products_sku) STRAIGHT_JOIN stock s "
    "ON s.product_id = k.id ORDER BY k.sku LIMIT ? OFFSET ?) ids "
    "JOIN products p ON p.id = ids.id"));

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
	"CAST(x.reserved_after AS SIGNED) AS reserved " \
	"FROM ledger x FORCE INDEX (ix_ledger_point) " \
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
