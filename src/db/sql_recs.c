/*
 * sql_recs.c: "readers who borrowed this also borrowed" and a reader's
 * recommendations (issue 14 item 4), read from the tables that the
 * trigger of 018_recommendations.sql keeps (product_pairs,
 * product_readers), never from a scan of loans: each is an index range
 * on the product or the reader.
 */
#include "holdfast/db_recs.h"
#include "db_int.h"

/* A product and its stock row, as the catalog's lists show them
 * (sql_catalog.c's PRODUCT_COLS: the long texts left out over 16384). */
#define REC_PRODUCT_COLS "p.id, p.sku, p.name, " \
	"IF(LENGTH(p.description) <= 16384, p.description, NULL) " \
	"AS description, c.name AS category, p.price, " \
	"IF(LENGTH(p.attributes) <= 16384, p.attributes, NULL) " \
	"AS attributes, p.cover_url, p.status, " \
	DB_ISO_AS("p.created_at", "created_at") \
	", s.product_id, p.sku, p.name, s.on_hand, s.reserved, s.available, " \
	"s.level, s.warning_threshold, s.critical_threshold, s.location, " \
	"s.is_active, s.low_state, " DB_ISO_AS("s.updated_at", "updated_at") \
	", p.status AS product_status"
#define REC_PRODUCT_JOIN "JOIN products p ON p.id = r.id " \
	"LEFT JOIN categories c ON c.id = p.category_id " \
	"JOIN stock s ON s.product_id = p.id "

static const struct hf_field rec_map[] = {
	DB_MAP_PRODUCT,
	HF_FIELD(struct rec_item, readers, HF_K_INT),
	HF_FIELD(struct rec_item, score, HF_K_INT),
	HF_FIELD(struct rec_item, reason, HF_K_STR),
};
#define REC_SQL(text)	DB_SQL_MAP(text, rec_map, struct rec_item)

/* id: 1 when the product exists (any status) */
struct db_sql db_sql_recs_product_exists = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM products WHERE id = ?");

/*
 * Both lists rank narrow rows first (ids and counts, cut to the limit)
 * and only then join the products' own columns for the rows kept: sorting
 * every candidate with its description and attributes (a temporary table
 * of wide rows) cost 20 to 40 ms a request on 100,000 loans.
 */

/*
 * id, limit: the active products that the most distinct readers of id
 * also borrowed, most first, then by id; never id itself (no pair (a, a)
 * is stored). The pairs of id are walked in the order of
 * ix_product_pairs_rank (a, readers DESC, b).
 */
struct db_sql db_sql_recs_related = REC_SQL(
    "SELECT " REC_PRODUCT_COLS ", CAST(r.readers AS SIGNED) AS readers, "
    "CAST(r.readers AS SIGNED) AS score, 'borrowed_together' AS reason "
    "FROM (SELECT pp.b AS id, pp.readers FROM product_pairs pp "
    "JOIN products rp ON rp.id = pp.b WHERE pp.a = ? "
    "AND rp.status = 'active' ORDER BY pp.readers DESC, pp.b LIMIT ?) r "
    REC_PRODUCT_JOIN "ORDER BY r.readers DESC, p.id");

/*
 * user_id, user_id, limit: a reader's recommendations. The reader's
 * titles (every loan, on loan or returned, and every favorite) are the
 * seeds; a candidate scores the co-borrows it shares with them
 * (product_pairs), then whether it is in a category of theirs (the 100
 * newest there: read off the category index alone), then how many
 * readers it has (and the 50 most read overall are candidates too: a
 * reader with no history still gets a list). The seeds themselves are
 * left out, and every product that is not active.
 */
struct db_sql db_sql_recs_for_user = REC_SQL(
    "WITH mine AS (SELECT DISTINCT product_id FROM loans "
    "WHERE user_id = ?), "
    "fav AS (SELECT product_id FROM favorites WHERE user_id = ?), "
    "seeds AS (SELECT product_id FROM mine UNION "
    "SELECT product_id FROM fav), "
    "cats AS (SELECT DISTINCT sp.category_id FROM seeds "
    "JOIN products sp ON sp.id = seeds.product_id "
    "WHERE sp.category_id IS NOT NULL), "
    "cand AS (SELECT pp.b AS id, pp.readers AS co, 0 AS cat FROM seeds "
    "JOIN product_pairs pp ON pp.a = seeds.product_id "
    "UNION ALL (SELECT cp.id, 0, 1 FROM cats "
    "JOIN products cp ON cp.category_id = cats.category_id "
    "ORDER BY cp.id DESC LIMIT 100) "
    "UNION ALL (SELECT product_id, 0, 0 FROM product_readers "
    "ORDER BY readers DESC, product_id LIMIT 50)), "
    "g AS (SELECT id, SUM(co) AS co, MAX(cat) AS cat FROM cand "
    "GROUP BY id), "
    "r AS (SELECT g.id, g.co, g.cat, COALESCE(pr.readers, 0) AS readers "
    "FROM g JOIN products gp ON gp.id = g.id "
    "LEFT JOIN product_readers pr ON pr.product_id = g.id "
    "WHERE gp.status = 'active' "
    "AND g.id NOT IN (SELECT product_id FROM mine) "
    "AND g.id NOT IN (SELECT product_id FROM fav) "
    "ORDER BY g.co DESC, g.cat DESC, readers DESC, g.id LIMIT ?) "
    "SELECT " REC_PRODUCT_COLS ", CAST(r.readers AS SIGNED) AS readers, "
    "CAST(r.co AS SIGNED) AS score, "
    "CASE WHEN r.co > 0 THEN 'borrowed_together' "
    "WHEN r.cat > 0 THEN 'category' ELSE 'popular' END AS reason "
    "FROM r " REC_PRODUCT_JOIN
    "ORDER BY r.co DESC, r.cat DESC, r.readers DESC, p.id");

struct db_sql *const db_sql_set_recs[] = {
	&db_sql_recs_product_exists,
	&db_sql_recs_related,
	&db_sql_recs_for_user,
	NULL
};
