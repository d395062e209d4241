/*
 * holdfast-notify: delivers the outbox rows that are due (cron, every
 * minute). Safe to run in several copies at once: each row is claimed
 * before it is sent. Exit 0 when the run went through, whatever the
 * deliveries did; 1 when the configuration is bad or the database
 * cannot be used; 2 for bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/db.h"
#include "holdfast/lending.h"
#include "holdfast/outbox.h"

#define NOTIFY_BATCH_DEFAULT	100

static void
usage(void)
{
	fprintf(stderr,
	    "usage: holdfast-notify [--once] [--batch N]\n"
	    "configuration: $HOLDFAST_CONF (default "
	    "/etc/holdfast/holdfast.conf) and HOLDFAST_* variables\n");
}

int
main(int argc, char **argv)
{
	struct app		app;
	struct outbox_stats	st;
	struct lend_run		run;
	long long		n;
	char			err[512];
	int			i, batch = NOTIFY_BATCH_DEFAULT, rc, nrc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			continue;	/* the only mode today */
		if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc &&
		    hf_parse_ll(argv[i + 1], 1, 1000, &n) == 0) {
			batch = (int)n;
			i++;
			continue;
		}
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		}
		usage();
		return 2;
	}
	if (app_init(&app, config_path(), err, sizeof(err)) != 0) {
		fprintf(stderr, "holdfast-notify: %s\n", err);
		return 1;
	}
	svc_init();
	/* loan notices first, so this run delivers them too */
	memset(&run, 0, sizeof(run));
	if ((nrc = notices_run(&app, batch, &run)) != HF_OK)
		fprintf(stderr, "holdfast-notify: notices: %s\n",
		    db_last_error(app.db));
	else
		printf("notices: reminders %u, overdue %u\n", run.reminders,
		    run.overdue);
	rc = outbox_run(&app, batch, &st);
	if (rc != HF_OK)
		fprintf(stderr, "holdfast-notify: database: %s\n",
		    db_last_error(app.db));
	printf("notify: sent %u, failed %u, dead %u, events %u%s\n", st.sent,
	    st.failed, st.dead, st.events, st.stopped ?
	    " (server down: stopped early)" : "");
	app_free(&app);
	return rc == HF_OK && nrc == HF_OK ? 0 : 1;
}
