/*
 * migrate.c: holdfast-admin's schema work. Applies sql/NNN_*.sql files
 * that schema_migrations does not list yet, in order, and gives the
 * application user its privileges (the ledger: SELECT and INSERT only).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "db_int.h"

#define MIGRATE_MAX_FILES	256
#define MIGRATE_MAX_BYTES	(4 * 1024 * 1024)

static const char sql_create_migrations[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version VARCHAR(255) NOT NULL PRIMARY KEY,"
    " applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
static const char sql_is_applied[] =
    "SELECT COUNT(*) FROM schema_migrations WHERE version = ?";
static const char sql_record[] =
    "INSERT INTO schema_migrations (version) VALUES (?)";
static const char sql_procs[] = "SELECT routine_name FROM "
    "information_schema.routines WHERE routine_schema = DATABASE() "
    "AND routine_type = 'PROCEDURE'";
static const char sql_lock[] = "SELECT GET_LOCK('holdfast_migrate', 60)";
static const char sql_unlock[] = "SELECT RELEASE_LOCK('holdfast_migrate')";
static const char sql_tables[] =
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'";

static int
is_migration_name(const char *s)
{
	size_t	n = strlen(s);

	return n > 8 && isdigit((unsigned char)s[0]) &&
	    isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
	    s[3] == '_' && strcmp(s + n - 4, ".sql") == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs sql and drains every result; returns 0 or -1 with db->err set. */
static int
run_script(struct db *db, const char *sql, size_t len)
{
	MYSQL_RES	*r;
	int		 status;

	if (mysql_real_query(db->conn, sql, (unsigned long)len) != 0)
		goto fail;
	do {
		if ((r = mysql_store_result(db->conn)) != NULL)
			mysql_free_result(r);
		else if (mysql_field_count(db->conn) != 0)
			goto fail;
		if ((status = mysql_next_result(db->conn)) > 0)
			goto fail;
	} while (status == 0);
	return 0;
fail:
	db_map_errno(db, mysql_errno(db->conn), mysql_error(db->conn));
	return -1;
}

/* One-row, one-column query returning an integer, or -1. */
static long long
query_int(struct db *db, const char *sql, const char *param)
{
	MYSQL_STMT	*st;
	MYSQL_BIND	 in, out;
	long long	 v = -1;
	my_bool		 isnull = 0;

	if ((st = mysql_stmt_init(db->conn)) == NULL)
		return -1;
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0)
		goto done;
	memset(&in, 0, sizeof(in));
	if (param != NULL) {
		in.buffer_type = MYSQL_TYPE_STRING;
		in.buffer = (void *)(uintptr_t)param;
		in.buffer_length = (unsigned long)strlen(param);
		if (mysql_stmt_bind_param(st, &in) != 0)
			goto done;
	}
	memset(&out, 0, sizeof(out));
	out.buffer_type = MYSQL_TYPE_LONGLONG;
	out.buffer = &v;
	out.is_null = &isnull;
	if (mysql_stmt_execute(st) != 0 || mysql_stmt_bind_result(st, &out) ||
	    mysql_stmt_fetch(st) != 0 || isnull)
		v = -1;
done:
	if (v < 0)
		snprintf(db->err, sizeof(db->err), "%s",
		    mysql_stmt_error(st));
	mysql_stmt_close(st);
	return v;
}

static int
record_applied(struct db *db, const char *name)
{
	MYSQL_STMT	*st;
	MYSQL_BIND	 in;
	int		 rc = -1;

	if ((st = mysql_stmt_init(db->conn)) == NULL)
		return -1;
	memset(&in, 0, sizeof(in));
	in.buffer_type = MYSQL_TYPE_STRING;
	in.buffer = (void *)(uintptr_t)name;
	in.buffer_length = (unsigned long)strlen(name);
	if (mysql_stmt_prepare(st, sql_record, sizeof(sql_record) - 1) == 0 &&
	    mysql_stmt_bind_param(st, &in) == 0 &&
	    mysql_stmt_execute(st) == 0)
		rc = 0;
	else
		snprintf(db->err, sizeof(db->err), "%s", mysql_stmt_error(st));
	mysql_stmt_close(st);
	return rc;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(MIGRATE_MAX_BYTES + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, MIGRATE_MAX_BYTES + 1, fp);
	fclose(fp);
	if (n > MIGRATE_MAX_BYTES) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int
apply_one(struct db *db, const char *dir, const char *name, int dry_run)
{
	char		 path[1024];
	char		*sql;
	size_t		 len;
	long long	 applied;

	if ((applied = query_int(db, sql_is_applied, name)) < 0) {
		fprintf(stderr, "holdfast-admin: %s: %s\n", name, db->err);
		return -1;
	}
	if (applied > 0)
		return 0;
	if (dry_run) {
		printf("would apply %s\n", name);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((sql = read_file(path, &len)) == NULL) {
		fprintf(stderr, "holdfast-admin: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (run_script(db, sql, len) != 0) {
		fprintf(stderr, "holdfast-admin: %s failed: %s (the statements "
		    "before the failing one stay applied: MariaDB DDL is not "
		    "transactional)\n", name, db->err);
		free(sql);
		return -1;
	}
	free(sql);
	if (record_applied(db, name) != 0) {
		fprintf(stderr, "holdfast-admin: recording %s: %s\n", name,
		    db->err);
		return -1;
	}
	printf("applied %s\n", name);
	return 1;
}

/*
 * Applies every migration not yet recorded, in name order, holding a
 * named lock so two admins cannot run them at once. Returns the number
 * applied, or -1 after printing why.
 */
int
db_migrate(struct db *db, const char *dir, int dry_run)
{
	DIR		*d;
	struct dirent	*de;
	char		*names[MIGRATE_MAX_FILES];
	size_t		 n = 0, i;
	int		 rc = 0, r;

	if (db_ensure(db) != HF_OK) {
		fprintf(stderr, "holdfast-admin: %s\n", db->err);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "holdfast-admin: %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL && n < MIGRATE_MAX_FILES)
		if (is_migration_name(de->d_name))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);

	if (mysql_set_server_option(db->conn,
	    MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0 ||
	    run_script(db, sql_create_migrations,
	    sizeof(sql_create_migrations) - 1) != 0 ||
	    query_int(db, sql_lock, NULL) != 1) {
		fprintf(stderr, "holdfast-admin: %s\n", db->err);
		rc = -1;
		goto done;
	}
	for (i = 0; i < n && rc >= 0; i++) {
		if ((r = apply_one(db, dir, names[i], dry_run)) < 0)
			rc = -1;
		else
			rc += r;
	}
	query_int(db, sql_unlock, NULL);
done:
	for (i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

/* Names that may stand in a GRANT: identifiers cannot be ? parameters. */
static int
is_safe_ident(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' &&
		    s[n] != '.' && s[n] != '%' && s[n] != '-')
			return 0;
	return n > 0 && n <= 80;
}

/* EXECUTE on each of the database's procedures (012_procedures.sql). */
static int
grant_procs(struct db *db, const char *user, const char *host)
{
	MYSQL_RES	*res;
	MYSQL_ROW	 row;
	char		 stmt[512];
	int		 rc = 0;

	if (mysql_real_query(db->conn, sql_procs, sizeof(sql_procs) - 1) ||
	    (res = mysql_store_result(db->conn)) == NULL) {
		fprintf(stderr, "holdfast-admin: %s\n", mysql_error(db->conn));
		return -1;
	}
	while ((row = mysql_fetch_row(res)) != NULL && rc == 0) {
		if (!is_safe_ident(row[0]))
			continue;
		snprintf(stmt, sizeof(stmt), "GRANT EXECUTE ON PROCEDURE `%s` "
		    "TO '%s'@'%s'", row[0], user, host);
		if (mysql_real_query(db->conn, stmt,
		    (unsigned long)strlen(stmt)) != 0) {
			fprintf(stderr, "holdfast-admin: grant on %s: %s\n",
			    row[0], mysql_error(db->conn));
			rc = -1;
		}
	}
	mysql_free_result(res);
	return rc;
}

/*
 * Gives user@host its privileges on every table of the database: the
 * ledger is append-only for the application, so only SELECT and INSERT
 * there. Returns 0, or -1 after printing why.
 */
int
db_grant(struct db *db, const char *user, const char *host)
{
	static const char	 all_privs[] = "SELECT, INSERT, UPDATE, DELETE";
	static const char	 ledger_privs[] = "SELECT, INSERT";
	MYSQL_RES		*res;
	MYSQL_ROW		 row;
	char			 stmt[512];
	int			 rc = 0;

	if (!is_safe_ident(user) || !is_safe_ident(host)) {
		fprintf(stderr, "holdfast-admin: user and host may hold only "
		    "letters, digits, '_', '.', '%%' and '-'\n");
		return -1;
	}
	if (db_ensure(db) != HF_OK ||
	    mysql_real_query(db->conn, sql_tables, sizeof(sql_tables) - 1) ||
	    (res = mysql_store_result(db->conn)) == NULL) {
		fprintf(stderr, "holdfast-admin: %s\n", db->conn != NULL ?
		    mysql_error(db->conn) : db->err);
		return -1;
	}
	while ((row = mysql_fetch_row(res)) != NULL && rc == 0) {
		int	is_ledger = strcmp(row[0], "ledger") == 0 ||
			    strcmp(row[0], "points_ledger") == 0;

		if (!is_safe_ident(row[0]))
			continue;
		if (is_ledger) {
			/* take back anything an older grant gave */
			snprintf(stmt, sizeof(stmt), "REVOKE ALL PRIVILEGES "
			    "ON `%s` FROM '%s'@'%s'", row[0], user, host);
			if (mysql_real_query(db->conn, stmt,
			    (unsigned long)strlen(stmt)) != 0 &&
			    mysql_errno(db->conn) != 1147)
				rc = -1;
		}
		snprintf(stmt, sizeof(stmt), "GRANT %s ON `%s` TO '%s'@'%s'",
		    is_ledger ? ledger_privs : all_privs, row[0], user, host);
		if (rc == 0 && mysql_real_query(db->conn, stmt,
		    (unsigned long)strlen(stmt)) != 0)
			rc = -1;
		if (rc != 0)
			fprintf(stderr, "holdfast-admin: grant on %s: %s\n",
			    row[0], mysql_error(db->conn));
	}
	mysql_free_result(res);
	if (rc == 0)
		rc = grant_procs(db, user, host);
	if (rc == 0)
		printf("granted %s@%s (ledger, points_ledger: SELECT, INSERT; "
		    "EXECUTE on the "
		    "procedures)\n", user, host);
	return rc;
}
