/*
 * app.h: per-worker state, built once before the accept loop.
 */
#ifndef HOLDFAST_APP_H
#define HOLDFAST_APP_H

#include <stdint.h>

#include "holdfast/core.h"

struct db;
struct cache;
struct notifier;

struct app {
	struct hf_config	 cfg;
	struct db		*db;
	struct cache		*cache;
	struct notifier		*notify;	/* one curl handle */
	int64_t			 started_at;	/* unix seconds */
	int64_t			 started_ms;	/* monotonic */
};

int	 app_init(struct app *, const char *conf_path, char *err,
	    size_t errlen);
void	 app_free(struct app *);
const char *app_version(void);
const char *app_revision(void);

#endif /* HOLDFAST_APP_H */
