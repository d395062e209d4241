/*
 * app.h: per-worker state, built once before the accept loop.
 */
#ifndef HOLDFAST_APP_H
#define HOLDFAST_APP_H

#include <stdint.h>
#include <stdio.h>

#include "holdfast/core.h"

struct db;
struct cache;
struct notifier;

struct app {
	struct hf_config	 cfg;
	struct db		*db;
	struct db		*replica;	/* issue 16: NULL without one */
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
/*
 * The options every program takes, at argv[*i]: -h/--help (usage to
 * stdout), -V/--version, -c/--config FILE (*conf; *i moves onto FILE).
 * Returns 1 when the program should exit 0, 0 when the option was taken,
 * -1 when argv[*i] is none of them.
 */
int	 app_common_arg(const char *prog, int argc, char **argv, int *i,
	    const char **conf, void (*usage)(FILE *));

#endif /* HOLDFAST_APP_H */
