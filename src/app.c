/*
 * app.c: builds the per-worker state once, before the accept loop.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/db_replica.h"
#include "holdfast/notify.h"
#include "revision.h"

const char *
app_version(void)
{
	return PACKAGE_VERSION;
}

int
app_common_arg(const char *prog, int argc, char **argv, int *i,
    const char **conf, void (*usage)(FILE *))
{
	const char	*a = argv[*i];

	if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
		usage(stdout);
		return 1;
	}
	if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
		printf("%s %s (revision %s)\n", prog, app_version(),
		    app_revision());
		return 1;
	}
	if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) &&
	    *i + 1 < argc) {
		*conf = argv[++*i];
		return 0;
	}
	return -1;
}

const char *
app_revision(void)
{
	return HF_REVISION;
}

/*
 * Loads the configuration, opens the log and prepares the database and
 * Redis handles. A database that is down is not fatal: the worker starts,
 * answers 503 and reconnects between requests. Returns 0 or -1 with err.
 */
int
app_init(struct app *app, const char *conf_path, char *err, size_t errlen)
{
	memset(app, 0, sizeof(*app));
	if (config_load(&app->cfg, conf_path, err, errlen) != 0)
		return -1;
	if (log_open(app->cfg.log_file, app->cfg.log_level) != 0) {
		snprintf(err, errlen, "log_file: cannot open %s",
		    app->cfg.log_file);
		return -1;
	}
	app->db = db_new(&app->cfg);
	/* issue 16: connected at its first read (svc/replica.c) */
	app->replica = db_replica_new(&app->cfg);
	app->cache = cache_new(&app->cfg);
	app->notify = notify_new(&app->cfg);
	if (app->db == NULL || app->cache == NULL || app->notify == NULL) {
		snprintf(err, errlen, "out of memory");
		app_free(app);
		return -1;
	}
	if (db_connect(app->db) != HF_OK)
		log_warn(NULL, "database not reachable at start: %s",
		    db_last_error(app->db));
	app->started_at = hf_unix_time();
	app->started_ms = hf_now_ms();
	return 0;
}

void
app_free(struct app *app)
{
	db_free(app->db);
	db_free(app->replica);
	app->replica = NULL;
	cache_free(app->cache);
	notify_free(app->notify);
	app->db = NULL;
	app->cache = NULL;
	app->notify = NULL;
	log_close();
}
