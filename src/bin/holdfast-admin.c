/*
 * holdfast-admin: schema migrations and grants, users, the ledger
 * reconciliation, backups and their restore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/backup.h"
#include "holdfast/db.h"
#include "holdfast/db_replica.h"
#include "holdfast/points.h"
#include "holdfast/coupons.h"
#include "holdfast/svc.h"
#include "holdfast/hoststate.h"

static void
usage_to(FILE *fp)
{
	fprintf(fp,
	    "usage: holdfast-admin [-c FILE] migrate [--sql-dir DIR] "
	    "[--dry-run]\n"
	    "       holdfast-admin [-c FILE] grant USER HOST\n"
	    "       holdfast-admin [-c FILE] user add --email E "
	    "--role user|business|admin --password-stdin [--name NAME]\n"
	    "       holdfast-admin [-c FILE] reconcile [--sku SKU]\n"
	    "       holdfast-admin [-c FILE] check-sql\n"
	    "       holdfast-admin [-c FILE] backup DIR\n"
	    "       holdfast-admin [-c FILE] restore DIR\n"
	    "       holdfast-admin [-c FILE] promote [--wait SECONDS]\n"
	    "       holdfast-admin [-c FILE] import-covers\n"
	    "       holdfast-admin --help | --version\n"
	    "\n"
	    "  -c, --config FILE  configuration (default $HOLDFAST_CONF, else\n"
	    "                     /etc/holdfast/holdfast.conf);\n"
	    "                     HOLDFAST_<KEY> variables override it. migrate, grant,\n"
	    "                     backup and restore need the owner's\n"
	    "                     credentials: -c /etc/holdfast/owner.conf\n"
	    "                     (Debian package, as root)\n"
	    "\n"
	    "backup DIR writes holdfast.sql (mariadb-dump\n"
	    "--single-transaction), uploads.tar (the covers) and MANIFEST\n"
	    "into DIR (new or empty).\n"
	    "restore DIR replaces the database with the backup's, unpacks the\n"
	    "covers, migrates and empties the cache; stop the pool first.\n"
	    "promote makes the replica (db_replica_host/port/socket) the\n"
	    "primary after the primary is lost: it applies every event the\n"
	    "replica received (semi-sync: every acknowledged write), forgets\n"
	    "the primary and turns read_only off. It needs a MariaDB account\n"
	    "with REPLICATION SLAVE ADMIN and READ_ONLY ADMIN (HOLDFAST_DB_USER).\n"
	    "Then point db_host/db_port/db_socket at it and restart the pool\n"
	    "(README \"Scale-out: replicas and failover\").\n"
	    "import-covers puts the covers of this host's upload_dir that\n"
	    "the database lacks into it (once per host after sql/026).\n"
	    "See holdfast-admin(8).\n");
}

static void
usage(void)
{
	usage_to(stderr);
}

static int
cmd_backup(struct app *app, int argc, char **argv, int restore)
{
	char	err[512];

	if (argc != 1) {
		usage();
		return 2;
	}
	if ((restore ? backup_restore : backup_take)(app, argv[0], err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "holdfast-admin: %s: %s\n", restore ?
		    "restore" : "backup", err);
		return 1;
	}
	printf("%s: %s\n", restore ? "restored from" : "backup written to",
	    argv[0]);
	return 0;
}

/* Issue 16: this host's cover files into the database (README
 * "Scale-out: shared state"). */
static int
cmd_import_covers(struct app *app)
{
	char	err[512];
	long	added, bad;

	if (svc_covers_import(app, &added, &bad, err, sizeof(err)) != 0) {
		fprintf(stderr, "holdfast-admin: import-covers: %s\n", err);
		return 1;
	}
	printf("covers: %ld put into the database, %ld files skipped (not "
	    "named by their SHA-256 and type)\n", added, bad);
	return bad > 0 ? 1 : 0;
}

static void
report_line(void *arg, const char *line)
{
	fprintf(arg, "check-sql: %s\n", line);
}

/* Every statement against the migrated schema (db_check_maps). */
static int
cmd_check_sql(struct app *app)
{
	size_t	checked;
	int	bad;

	if (db_ensure(app->db) != HF_OK) {
		fprintf(stderr, "holdfast-admin: check-sql: %s\n",
		    db_last_error(app->db));
		return 1;
	}
	bad = db_check_maps(app->db, report_line, stderr, &checked);
	printf("check-sql: %zu statement(s) checked, %d problem(s)\n",
	    checked, bad);
	return bad == 0 ? 0 : 1;
}

static int
cmd_migrate(struct app *app, int argc, char **argv)
{
	const char	*dir = app->cfg.sql_dir;
	int		 dry_run = 0, i, n;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--sql-dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = 1;
		else {
			usage();
			return 2;
		}
	}
	if ((n = db_migrate(app->db, dir, dry_run)) < 0)
		return 1;
	printf("migrate: %d %s\n", n, dry_run ? "pending" : "applied");
	return 0;
}

/* Reads one line from stdin as the password, without its newline. */
static int
read_password(char *buf, size_t len)
{
	size_t	n;

	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

static int
cmd_user_add(struct app *app, int argc, char **argv)
{
	const char	*email = NULL, *role = NULL, *name = NULL;
	char		 pw[256];
	int		 i, from_stdin = 0, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
			email = argv[++i];
		else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			role = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else {
			usage();
			return 2;
		}
	}
	if (email == NULL || role == NULL || !from_stdin ||
	    hf_role_parse(role) <= ROLE_GUEST) {
		usage();
		return 2;
	}
	if (read_password(pw, sizeof(pw)) != 0) {
		fprintf(stderr, "holdfast-admin: no password on stdin\n");
		return 1;
	}
	rc = svc_admin_user_add(app, email, pw, role, name);
	explicit_bzero(pw, sizeof(pw));
	if (rc == HF_E_AUTH_EMAIL_TAKEN) {
		fprintf(stderr, "holdfast-admin: %s already exists\n", email);
		return 3;
	}
	if (rc != HF_OK) {
		fprintf(stderr, "holdfast-admin: user add failed: %s%s%s\n",
		    hf_err_message(rc), rc == HF_E_REQ_FIELD ?
		    " (password: 8 to 72 bytes)" : "",
		    hf_err_status(rc) >= 500 ? db_last_error(app->db) : "");
		return 1;
	}
	printf("user %s created with role %s\n", email, role);
	return 0;
}

/* A mismatch as its MISMATCH line shows it (as the API does). */
static const struct hf_field mismatch_fields[] = {
	SVC_FIELDS_MISMATCH
};

/* Every points account against its ledger, lots and unpaid orders
 * (issue 15); one line per mismatch. Returns how many. */
static size_t
reconcile_points(struct svc_ctx *ctx)
{
	struct points_check	*bad;
	size_t			 n, checked, i;

	if (svc_points_reconcile(ctx, 0, &bad, &n, &checked) != HF_OK) {
		ctx->message = svc_db_error(ctx->app);
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("MISMATCH points user %llu: balance %lld reserved %lld, "
		    "ledger %lld/%lld, last row %lld/%lld, unpaid orders %lld, "
		    "lots %lld\n", (unsigned long long)bad[i].user_id,
		    bad[i].balance, bad[i].reserved, bad[i].ledger_balance,
		    bad[i].ledger_reserved, bad[i].last_balance,
		    bad[i].last_reserved, bad[i].orders_reserved,
		    bad[i].lots_remaining);
	printf("reconcile: %zu points account(s) checked, %zu mismatch(es)\n",
	    checked, n);
	return n;
}

static int
reconcile_coupons(struct svc_ctx *ctx)
{
	struct coupon_check	*bad;
	size_t			 n, checked, i;

	if (svc_coupons_reconcile(ctx, 0, &bad, &n, &checked) != HF_OK) {
		ctx->message = svc_db_error(ctx->app);
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("MISMATCH coupons campaign %llu: total %lld reserved "
		    "%lld used %lld, rows %lld/%lld, orders that disagree "
		    "%lld, orders without a row %lld, single-use codes held "
		    "twice %lld\n", (unsigned long long)bad[i].campaign_id,
		    bad[i].total, bad[i].reserved, bad[i].used,
		    bad[i].rows_reserved, bad[i].rows_used, bad[i].orders_off,
		    bad[i].orders_missing, bad[i].codes_over);
	printf("reconcile: %zu coupon campaign(s) checked, %zu mismatch(es)\n",
	    checked, n);
	return n;
}

/* Invariants 1 to 4 for one SKU or all; one line per mismatch. */
static int
cmd_reconcile(struct app *app, int argc, char **argv)
{
	struct principal	 who;
	struct arena		 a;
	struct svc_ctx		 ctx;
	struct reconcile_report	 rep;
	const char		*only = NULL;
	const char		**skus = NULL;
	size_t			 n = 0, i, j, bad = 0, pbad = 0, cbad = 0;
	int			 rc = 0;

	if (argc == 2 && strcmp(argv[0], "--sku") == 0)
		only = argv[1];
	else if (argc != 0) {
		usage();
		return 2;
	}
	arena_init(&a, 0);
	svc_cli_ctx(app, &a, &who, &ctx, "cli:holdfast-admin");
	if (only != NULL) {
		skus = &only;
		n = 1;
	} else if (svc_all_skus(&ctx, &skus, &n) != HF_OK) {
		fprintf(stderr, "holdfast-admin: %s\n", svc_db_error(app));
		arena_free(&a);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if ((rc = svc_reconcile(&ctx, skus[i], &rep)) != HF_OK) {
			fprintf(stderr, "holdfast-admin: %s: %s\n", skus[i],
			    ctx.message != NULL ? ctx.message :
			    hf_err_message(rc));
			bad++;
			continue;
		}
		for (j = 0; j < rep.n; j++) {
			printf("MISMATCH %s %s\n", skus[i], hf_fields_text(&a,
			    mismatch_fields, HF_NITEMS(mismatch_fields),
			    &rep.mismatches[j]));
			bad++;
		}
	}
	/* the SKUs' summary stays the last line (scripts read it) */
	if (only == NULL && (pbad = reconcile_points(&ctx)) > 0 &&
	    ctx.message != NULL)
		fprintf(stderr, "holdfast-admin: points: %s\n", ctx.message);
	ctx.message = NULL;
	if (only == NULL && (cbad = reconcile_coupons(&ctx)) > 0 &&
	    ctx.message != NULL)
		fprintf(stderr, "holdfast-admin: coupons: %s\n", ctx.message);
	printf("reconcile: %zu SKU(s) checked, %zu mismatch(es)\n", n, bad);
	arena_free(&a);
	return bad + pbad + cbad == 0 ? 0 : 1;
}

static void
promote_line(void *arg, const char *line)
{
	fprintf(arg, "promote: %s\n", line);
}

/* issue 16, item 4: the replica made the primary (db/replica.c) */
static int
cmd_promote(struct app *app, int argc, char **argv)
{
	long long	wait_s = 60;

	if (argc == 2 && strcmp(argv[0], "--wait") == 0) {
		if (hf_parse_ll(argv[1], 1, 3600, &wait_s) != 0) {
			usage();
			return 2;
		}
	} else if (argc != 0) {
		usage();
		return 2;
	}
	if (app->replica == NULL) {
		fprintf(stderr, "holdfast-admin: promote: no db_replica_host "
		    "or db_replica_socket in the configuration\n");
		return 1;
	}
	if (db_replica_promote(app->replica, (int)wait_s, promote_line,
	    stdout) != HF_OK) {
		fprintf(stderr, "holdfast-admin: promote: %s\n",
		    db_last_error(app->replica));
		return 1;
	}
	printf("promote: next: point db_host/db_port (or db_socket) at this "
	    "server, drop db_replica_*, restart the pool\n");
	return 0;
}

int
main(int argc, char **argv)
{
	struct app	 app;
	const char	*conf = NULL;
	char		 err[512];
	int		 rc;

	while (argc >= 2 && argv[1][0] == '-') {
		int	i = 1, arg;

		if ((arg = app_common_arg("holdfast-admin", argc, argv, &i,
		    &conf, usage_to)) == 1)
			return 0;
		if (arg == 0) {
			argc -= i;
			argv += i;
			continue;
		}
		usage();
		return 2;
	}
	if (argc < 2) {
		usage();
		return 2;
	}
	if (app_init(&app, conf != NULL ? conf : config_path(), err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "holdfast-admin: %s\n", err);
		return 1;
	}
	svc_init();
	if (strcmp(argv[1], "migrate") == 0)
		rc = cmd_migrate(&app, argc - 2, argv + 2);
	else if (strcmp(argv[1], "user") == 0 && argc >= 3 &&
	    strcmp(argv[2], "add") == 0)
		rc = cmd_user_add(&app, argc - 3, argv + 3);
	else if (strcmp(argv[1], "reconcile") == 0)
		rc = cmd_reconcile(&app, argc - 2, argv + 2);
	else if (strcmp(argv[1], "grant") == 0 && argc == 4)
		rc = db_grant(app.db, argv[2], argv[3]) == 0 ? 0 : 1;
	else if (strcmp(argv[1], "check-sql") == 0 && argc == 2)
		rc = cmd_check_sql(&app);
	else if (strcmp(argv[1], "backup") == 0)
		rc = cmd_backup(&app, argc - 2, argv + 2, 0);
	else if (strcmp(argv[1], "promote") == 0)
		rc = cmd_promote(&app, argc - 2, argv + 2);
	else if (strcmp(argv[1], "restore") == 0)
		rc = cmd_backup(&app, argc - 2, argv + 2, 1);
	else if (strcmp(argv[1], "import-covers") == 0 && argc == 2)
		rc = cmd_import_covers(&app);
	else {
		usage();
		rc = 2;
	}
	app_free(&app);
	return rc;
}
