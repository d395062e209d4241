/*
 * holdfast-expire: run from cron every minute. Releases active
 * reservations past expires_at (by the database's clock) in bounded
 * batches, one `release` ledger row each with reason "expired".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/svc.h"

#define EXPIRE_ROUNDS	100

static void
usage(void)
{
	fprintf(stderr, "usage: holdfast-expire [--dry-run] [--batch N]\n");
}

int
main(int argc, char **argv)
{
	struct app	app;
	char		err[512];
	unsigned	released = 0, skipped = 0, r, s;
	long long	batch = 500;
	int		dry_run = 0, i, n, round;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = 1;
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc &&
		    hf_parse_ll(argv[i + 1], 1, 10000, &batch) == 0)
			i++;
		else {
			usage();
			return 2;
		}
	}
	if (app_init(&app, config_path(), err, sizeof(err)) != 0) {
		fprintf(stderr, "holdfast-expire: %s\n", err);
		return 1;
	}
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
	printf("expire: %s %u, skipped %u\n", dry_run ? "would release" :
	    "released", released, skipped);
	log_info(NULL, "holdfast-expire: released %u, skipped %u%s", released,
	    skipped, dry_run ? " (dry run)" : "");
	app_free(&app);
	return 0;
}
