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
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: holdfast-notify [-c FILE] [--once] [--batch N] [--quiet]\n"
	    "       holdfast-notify --help | --version\n"
	    "\n"
	    "Queues loan reminders and overdue notices, then delivers the\n"
	    "outbox rows that are due: e-mail and webhook events (cron, every\n"
	    "minute).\n"
	    "\n"
	    "  -c, --config FILE  configuration (default $HOLDFAST_CONF, else\n"
	    "                     /etc/holdfast/holdfast.conf)\n"
	    "  --once             one pass (the only mode)\n"
	    "  --batch N          rows per pass, 1 to 1000 (100)\n"
	    "  -q, --quiet        no summary on stdout (errors still go to\n"
	    "                     stderr)\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n"
	    "\n"
	    "Exit status: 0 the run went through (whatever the deliveries\n"
	    "did), 1 configuration or database error, 2 bad usage. See\n"
	    "holdfast-notify(8).\n");
}

int
main(int argc, char **argv)
{
	struct app		app;
	struct outbox_stats	st;
	struct lend_run		run;
	long long		n;
	char			err[512];
	const char		*conf = NULL;
	int			i, batch = NOTIFY_BATCH_DEFAULT, rc, nrc;
	int			quiet = 0, arg;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			continue;	/* the only mode today */
		if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc &&
		    hf_parse_ll(argv[i + 1], 1, 1000, &n) == 0) {
			batch = (int)n;
			i++;
			continue;
		}
		if (strcmp(argv[i], "-q") == 0 ||
		    strcmp(argv[i], "--quiet") == 0) {
			quiet = 1;
			continue;
		}
		if ((arg = app_common_arg("holdfast-notify", argc, argv, &i,
		    &conf, usage)) == 1)
			return 0;
		if (arg == 0)
			continue;
		usage(stderr);
		return 2;
	}
	if (app_init(&app, conf != NULL ? conf : config_path(), err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "holdfast-notify: %s\n", err);
		return 1;
	}
	log_quiet_on_stderr();
	svc_init();
	/* loan notices first, so this run delivers them too */
	memset(&run, 0, sizeof(run));
	if ((nrc = notices_run(&app, batch, &run)) != HF_OK)
		fprintf(stderr, "holdfast-notify: notices: %s\n",
		    db_last_error(app.db));
	else if (!quiet)
		printf("notices: reminders %u, overdue %u\n", run.reminders,
		    run.overdue);
	rc = outbox_run(&app, batch, &st);
	if (rc != HF_OK)
		fprintf(stderr, "holdfast-notify: database: %s\n",
		    db_last_error(app.db));
	if (!quiet)
		printf("notify: sent %u, failed %u, dead %u, events %u%s\n",
		    st.sent, st.failed, st.dead, st.events, st.stopped ?
		    " (server down: stopped early)" : "");
	if (run.reminders + run.overdue + st.sent + st.failed + st.dead +
	    st.events > 0 || st.stopped)
		log_info(NULL, "holdfast-notify: reminders %u, overdue %u, "
		    "sent %u, failed %u, dead %u, events %u%s", run.reminders,
		    run.overdue, st.sent, st.failed, st.dead, st.events,
		    st.stopped ? " (server down: stopped early)" : "");
	app_free(&app);
	return rc == HF_OK && nrc == HF_OK ? 0 : 1;
}
