/*
 * sql_metrics.c: what GET /metrics reads from the database at scrape
 * time. One statement, one round trip, answered from indexes:
 * reservations (status, expires_at) and stock (level).
 */
#include "holdfast/db_system.h"
#include "db_int.h"

static const struct hf_field gauge_map[] = {
	HF_FIELD(struct metrics_gauge_row, reservations_active, HF_K_INT),
	HF_FIELD(struct metrics_gauge_row, reservations_expired, HF_K_INT),
	HF_FIELD(struct metrics_gauge_row, skus_warning, HF_K_INT),
	HF_FIELD(struct metrics_gauge_row, skus_critical, HF_K_INT),
	HF_FIELD(struct metrics_gauge_row, skus_out, HF_K_INT),
};

/*
 * Active reservations; those of them past expires_at (what
 * holdfast-expire has yet to release, by the same test as its own
 * query); SKUs of products not retired at warning, critical and out.
 */
struct db_sql db_sql_metrics_gauges = DB_SQL_MAP(
    "SELECT "
    "(SELECT COUNT(*) FROM reservations WHERE status = 'active') "
    "AS reservations_active, "
    "(SELECT COUNT(*) FROM reservations WHERE status = 'active' "
    "AND expires_at <= NOW(3)) AS reservations_expired, "
    "(SELECT COUNT(*) FROM stock s JOIN products p ON p.id = s.product_id "
    "WHERE s.level = 'warning' AND p.status <> 'retired') AS skus_warning, "
    "(SELECT COUNT(*) FROM stock s JOIN products p ON p.id = s.product_id "
    "WHERE s.level = 'critical' AND p.status <> 'retired') "
    "AS skus_critical, "
    "(SELECT COUNT(*) FROM stock s JOIN products p ON p.id = s.product_id "
    "WHERE s.level = 'out' AND p.status <> 'retired') AS skus_out",
    gauge_map, struct metrics_gauge_row);

/* every statement above, for holdfast-admin check-sql (check.c) */
struct db_sql *const db_sql_set_metrics[] = {
	&db_sql_metrics_gauges,
	NULL
};
