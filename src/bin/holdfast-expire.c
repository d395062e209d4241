/*
 * holdfast-expire: run from cron every minute. Releases active
 * reservations past expires_at (by the database's clock), one `release`
 * ledger row each with reason "expired": a chunk of products per short
 * transaction (svc_expire_bulk), then holds' reservations one by one,
 * each lapsing with its hold (svc_expire_due). Prints
 * its summary on stdout (none with --quiet); stderr carries only what
 * went wrong, so cron mails nothing after a good run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/lending.h"
#include "holdfast/orders.h"
#include "holdfast/points.h"
#include "holdfast/groups.h"
#include "holdfast/svc.h"

#define EXPIRE_ROUNDS	100

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: holdfast-expire [-c FILE] [--dry-run] [--batch N] "
	    "[--quiet]\n"
	    "       holdfast-expire --help | --version\n"
	    "\n"
	    "Fails group buys past their deadline, expires unpaid orders\n"
	    "past their TTL, holds past their pickup window and reservations\n"
	    "past expires_at (cron, every minute).\n"
	    "\n"
	    "  -c, --config FILE  configuration (default $HOLDFAST_CONF, else\n"
	    "                     /etc/holdfast/holdfast.conf)\n"
	    "  --dry-run          count, change nothing\n"
	    "  --batch N          rows per transaction, 1 to 10000 (500)\n"
	    "  -q, --quiet        no summary on stdout (errors still go to\n"
	    "                     stderr)\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n"
	    "\n"
	    "Exit status: 0 done, 1 configuration or database error, 2 bad\n"
	    "usage. See holdfast-expire(8).\n");
}

/*
 * Holds past their pickup window (sweep 0), before the reservations, so
 * their units pass down the queue rather than to whoever asks first; and
 * units left on the shelf while people wait (sweep 1), after them.
 */
static int
expire_holds(struct app *app, long long batch, int dry_run, int sweep,
    struct lend_run *run)
{
	int	n, round;

	for (round = 0; round < EXPIRE_ROUNDS; round++) {
		n = sweep ? holds_sweep(app, (int)batch, dry_run, run) :
		    holds_expire_due(app, (int)batch, dry_run, run);
		if (n < 0) {
			fprintf(stderr, "holdfast-expire: holds: %s: %s\n",
			    hf_err_message(-n), svc_db_error(app));
			return -1;
		}
		if (dry_run || n < batch)
			break;
	}
	return 0;
}

/*
 * Unpaid orders past their TTL, first: each with all its reservations at
 * once, the release rows naming the order (issue 6, shop).
 */
static int
expire_orders(struct app *app, long long batch, int dry_run,
    unsigned *expired, unsigned *skipped)
{
	unsigned	e, s;
	int		n, round;

	for (round = 0; round < EXPIRE_ROUNDS; round++) {
		n = svc_orders_expire_due(app, (int)batch, dry_run, &e, &s);
		if (n < 0) {
			fprintf(stderr, "holdfast-expire: orders: %s: %s\n",
			    hf_err_message(-n), svc_db_error(app));
			return -1;
		}
		*expired += e;
		*skipped += s;
		if (dry_run || n < batch)
			break;
	}
	return 0;
}

/*
 * Group buys past their deadline (issue 15), before the orders: each
 * group fails in one transaction under its members' order rows and its
 * own row, so a second copy finds it ended and skips it.
 */
static int
expire_groups(struct app *app, long long batch, int dry_run,
    unsigned *failed)
{
	unsigned	f, s;
	int		n, round;

	for (round = 0; round < EXPIRE_ROUNDS; round++) {
		n = svc_grp_fail_due(app, (int)batch, dry_run, &f, &s);
		if (n < 0) {
			fprintf(stderr, "holdfast-expire: groups: %s: %s\n",
			    hf_err_message(-n), svc_db_error(app));
			return -1;
		}
		*failed += f;
		if (dry_run || n < batch)
			break;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct app	app;
	struct lend_run	run;
	char		err[512];
	unsigned	released = 0, skipped = 0, r, s, lots = 0;
	unsigned	orders_expired = 0, orders_skipped = 0, groups = 0;
	long long	batch = 500;
	const char	*conf = NULL;
	int		dry_run = 0, quiet = 0, i, n, round, arg;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = 1;
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc &&
		    hf_parse_ll(argv[i + 1], 1, 10000, &batch) == 0)
			i++;
		else if (strcmp(argv[i], "-q") == 0 ||
		    strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if ((arg = app_common_arg("holdfast-expire", argc, argv,
		    &i, &conf, usage)) == 1)
			return 0;
		else if (arg != 0) {
			usage(stderr);
			return 2;
		}
	}
	if (app_init(&app, conf != NULL ? conf : config_path(), err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "holdfast-expire: %s\n", err);
		return 1;
	}
	log_quiet_on_stderr();
	svc_init();
	if (expire_groups(&app, batch, dry_run, &groups) != 0) {
		app_free(&app);
		return 1;
	}
	if (expire_orders(&app, batch, dry_run, &orders_expired,
	    &orders_skipped) != 0) {
		app_free(&app);
		return 1;
	}
	memset(&run, 0, sizeof(run));
	if (expire_holds(&app, batch, dry_run, 0, &run) != 0) {
		app_free(&app);
		return 1;
	}
	/* every type but holds, a chunk of products a transaction */
	if (!dry_run && (n = svc_expire_bulk(&app, (int)batch, &released,
	    &skipped)) != 0) {
		fprintf(stderr, "holdfast-expire: %s: %s\n",
		    hf_err_message(-n), svc_db_error(&app));
		app_free(&app);
		return 1;
	}
	/* what is left (holds' reservations), one transaction each */
	for (round = 0; round < EXPIRE_ROUNDS; round++) {
		n = svc_expire_due(&app, (int)batch, dry_run, &r, &s);
		if (n < 0) {
			fprintf(stderr, "holdfast-expire: %s: %s\n",
			    hf_err_message(-n), svc_db_error(&app));
			app_free(&app);
			return 1;
		}
		released += r;
		skipped += s;
		if (dry_run || n < batch)
			break;
	}
	if (expire_holds(&app, batch, dry_run, 1, &run) != 0) {
		app_free(&app);
		return 1;
	}
	/* points' lots past their expiry (issue 15), one transaction each */
	for (round = 0; round < EXPIRE_ROUNDS; round++) {
		n = svc_points_expire_due(&app, (int)batch, dry_run, &r, &s);
		if (n < 0) {
			fprintf(stderr, "holdfast-expire: points: %s: %s\n",
			    hf_err_message(-n), svc_db_error(&app));
			app_free(&app);
			return 1;
		}
		lots += r;
		if (dry_run || n < batch)
			break;
	}
	if (!quiet) {
		printf("expire: %s %u, skipped %u\n", dry_run ?
		    "would release" : "released", released, skipped);
		printf("holds: %s %u, passed on %u\n", dry_run ?
		    "would expire" : "expired", run.expired, run.passed);
		printf("orders: %s %u, skipped %u\n", dry_run ?
		    "would expire" : "expired", orders_expired,
		    orders_skipped);
		printf("points: %s %u lot(s)\n", dry_run ? "would expire" :
		    "expired", lots);
		printf("groups: %s %u\n", dry_run ? "would fail" : "failed",
		    groups);
	}
	if (released + skipped + run.expired + run.passed + orders_expired +
	    orders_skipped > 0)
		log_info(NULL, "holdfast-expire: released %u, skipped %u, "
		    "holds expired %u, passed on %u, orders expired %u%s",
		    released, skipped, run.expired, run.passed,
		    orders_expired, dry_run ? " (dry run)" : "");
	app_free(&app);
	return 0;
}
