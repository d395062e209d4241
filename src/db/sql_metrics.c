/*
 * sql_metrics.c: what GET /metrics reads from the database at scrape
 * time. One statement, one round trip, answered from indexes:
 * reservations (status, expires_at) and stock (level).
 */
#include "holdfast/db.h"
#include "db_int.h"

/*
 * Active reservations; those of them past expires_at (what
 * holdfast-expire has yet to release, by the same test as its own
 * query); SKUs of products not retired at warning, critical and out.
 */
struct db_sql db_sql_metrics_gauges = DB_SQL(
    "SELECT "
    "(SELECT COUNT(*) FROM reservations WHERE status = 'active'), "
    "(SELECT COUNT(*) FROM reservations WHERE status = 'active' "
    "AND expires_at <= NOW(3)), "
    "(SELECT COUNT(*) FROM stock s JOIN products p ON p.id = s.product_id "
    "WHERE s.level = 'warning' AND p.status <> 'retired'), "
    "(SELECT COUNT(*) FROM stock s JOIN products p ON p.id = s.product_id "
    "WHERE s.level = 'critical' AND p.status <> 'retired'), "
    "(SELECT COUNT(*) FROM stock s JOIN products p ON p.id = s.product_id "
    "WHERE s.level = 'out' AND p.status <> 'retired')");

/* every statement above, for holdfast-admin check-sql (sql_all.c) */
struct db_sql *const db_sql_set_metrics[] = {
	&db_sql_metrics_gauges,
	NULL
};
