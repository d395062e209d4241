/*
 * sql_hoststate.c: what every host must see that once lived on one host
 * (issue 16, item 2; README "Scale-out: shared state"): the covers
 * (sql/026_hoststate.sql, content-addressed) and the generation of lost
 * cache invalidations.
 */
#include "holdfast/db_hoststate.h"
#include "db_int.h"

/* content-addressed: the same bytes are the same row, never rewritten */
struct db_sql db_sql_cover_put = DB_SQL(
    "INSERT IGNORE INTO covers (sha256, type, size, bytes) "
    "VALUES (?, ?, ?, ?)");
/* read with db_query (the bytes with their length); the map is what
 * check-sql compares the columns with */
static const struct hf_field cover_map[] = {
	HF_FIELD(struct cover_row, type, HF_K_STR),
	HF_FIELD(struct cover_row, bytes, HF_K_STR),
};

struct db_sql db_sql_cover_get = DB_SQL_MAP(
    "SELECT type, bytes FROM covers WHERE sha256 = ?", cover_map,
    struct cover_row);
struct db_sql db_sql_lost_get = DB_SQL_COUNT(
    "SELECT gen AS n FROM cache_lost WHERE id = 1");
struct db_sql db_sql_lost_bump = DB_SQL(
    "UPDATE cache_lost SET gen = gen + 1, at = UTC_TIMESTAMP(6) "
    "WHERE id = 1");

struct db_sql *const db_sql_set_hoststate[] = {
	&db_sql_cover_put,
	&db_sql_cover_get,
	&db_sql_lost_get,
	&db_sql_lost_bump,
	NULL
};
