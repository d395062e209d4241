/*
 * system.c: the health of the worker's dependencies.
 */
#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/svc.h"

/* Pings both; a lost database connection is reopened here. */
void
svc_health(struct app *app, struct svc_health *h)
{
	h->database_ok = db_ping(app->db) == HF_OK;
	h->redis_ok = cache_ping(app->cache) == HF_OK;
}

/* The last database diagnostic, for the log (never for the client). */
const char *
svc_db_error(struct app *app)
{
	return db_last_error(app->db);
}
