/*
 * system.c: the health of the worker's dependencies.
 */
#include <stdio.h>
#include <string.h>

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

/*
 * A context for the command-line and cron programs: they act as an admin
 * named actor (the ledger and audit log say "cron:holdfast-expire"...).
 * The caller owns the arena.
 */
void
svc_cli_ctx(struct app *app, struct arena *a, struct principal *who,
    struct svc_ctx *ctx, const char *actor)
{
	memset(who, 0, sizeof(*who));
	who->role = ROLE_ADMIN;
	snprintf(who->actor, sizeof(who->actor), "%s", actor);
	memset(ctx, 0, sizeof(*ctx));
	ctx->app = app;
	ctx->arena = a;
	ctx->who = who;
	ctx->ip = "-";
	ctx->user_agent = actor;
	ctx->request_id = actor;
}
