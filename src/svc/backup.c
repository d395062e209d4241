/*
 * backup.c: holdfast-admin backup and restore. The database goes through
 * mariadb-dump and the mariadb client, the covers through tar: the tools
 * an admin would use by hand, in the order that keeps a backup whole.
 * Credentials reach the tools as their --defaults-file, a pipe read
 * through /dev/fd/N: never an argument (ps shows those) and never a file.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "holdfast/app.h"
#include "holdfast/backup.h"
#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "holdfast/hoststate.h"

#define BACKUP_SQL	"holdfast.sql"
#define BACKUP_UPLOADS	"uploads.tar"
#define BACKUP_MANIFEST	"MANIFEST"
/* mariadb-dump's last line */
#define BACKUP_DONE	"-- Dump completed"

/* A database name that can stand between backquotes in a statement. */
static int
backup_safe_name(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_')
			return 0;
	return n > 0 && n <= 64;
}

/* Appends "key=\"value\"\n" with \ and " escaped, as option files read. */
static void
backup_opt(FILE *fp, const char *key, const char *value)
{
	fprintf(fp, "%s=\"", key);
	for (; *value != '\0'; value++) {
		if (*value == '\\' || *value == '"')
			fputc('\\', fp);
		fputc(*value, fp);
	}
	fputs("\"\n", fp);
}

/*
 * The client options (user, password, socket or host and port) written
 * into a pipe. Returns the read end, to be named /dev/fd/N, or -1.
 */
static int
backup_cred_pipe(const struct hf_config *cfg)
{
	FILE	*fp;
	int	 fds[2];

	if (pipe(fds) != 0)
		return -1;
	if (fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0 ||
	    (fp = fdopen(fds[1], "w")) == NULL) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	fputs("[client]\n", fp);
	backup_opt(fp, "user", cfg->db_user);
	backup_opt(fp, "password", cfg->db_password);
	if (cfg->db_socket[0] != '\0')
		backup_opt(fp, "socket", cfg->db_socket);
	else {
		backup_opt(fp, "host", cfg->db_host);
		fprintf(fp, "port=%d\nprotocol=TCP\n", cfg->db_port);
	}
	if (fclose(fp) != 0) {
		close(fds[0]);
		return -1;
	}
	return fds[0];
}

/*
 * Starts argv[0] (found on PATH) with in_fd as stdin and out_fd as stdout
 * (-1: inherited); keep_fd stays open in it. Returns the pid, or -1.
 */
static pid_t
backup_spawn(char *const argv[], int in_fd, int out_fd, int keep_fd)
{
	pid_t	pid;

	if ((pid = fork()) != 0)
		return pid;
	if (in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0)
		_exit(127);
	if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	if (keep_fd >= 0)
		fcntl(keep_fd, F_SETFD, 0);
	execvp(argv[0], argv);
	fprintf(stderr, "holdfast-admin: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Waits for pid. Returns its exit status, or -1 if it did not exit. */
static int
backup_wait(pid_t pid)
{
	int	st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs argv to the end; returns its exit status, or -1. */
static int
backup_run(char *const argv[], int in_fd, int out_fd, int keep_fd)
{
	pid_t	pid;

	if ((pid = backup_spawn(argv, in_fd, out_fd, keep_fd)) < 0)
		return -1;
	return backup_wait(pid);
}

/* Does the file end with mariadb-dump's "-- Dump completed" line? */
static int
backup_dump_complete(const char *path)
{
	char	 tail[256];
	ssize_t	 n;
	off_t	 size;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	size = lseek(fd, 0, SEEK_END);
	if (size < 0 || lseek(fd, size > (off_t)sizeof(tail) - 1 ?
	    size - (off_t)sizeof(tail) + 1 : 0, SEEK_SET) < 0) {
		close(fd);
		return 0;
	}
	n = read(fd, tail, sizeof(tail) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	tail[n] = '\0';
	return strstr(tail, BACKUP_DONE) != NULL;
}

static int
backup_fsync_path(const char *path)
{
	int	fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* dir made 0700, or an empty one taken as it is. */
static int
backup_make_dir(const char *dir, char *err, size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	int		 empty = 1;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST || (d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	if (!empty) {
		snprintf(err, errlen, "%s: exists and is not empty", dir);
		return -1;
	}
	return 0;
}

/*
 * The backup's files under dir, made absolute (tar runs in upload_dir):
 * abs (PATH_MAX), and the dump, the covers' tar and the manifest
 * (PATH_MAX + 16 each). 0, or -1 with err set.
 */
static int
backup_paths(const char *dir, char *abs, char *sql, char *tar, char *man,
    char *err, size_t errlen)
{
	if (realpath(dir, abs) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(sql, PATH_MAX + 16, "%s/%s", abs, BACKUP_SQL);
	snprintf(tar, PATH_MAX + 16, "%s/%s", abs, BACKUP_UPLOADS);
	snprintf(man, PATH_MAX + 16, "%s/%s", abs, BACKUP_MANIFEST);
	return 0;
}

int
backup_take(struct app *app, const char *dir, char *err, size_t errlen)
{
	const struct hf_config	*cfg = &app->cfg;
	struct stat		 st;
	char			 sql[PATH_MAX + 16], tar[PATH_MAX + 16];
	char			 man[PATH_MAX + 16], tmp[PATH_MAX + 32];
	char			 cred[48], stamp[32], abs[PATH_MAX];
	char			*dump_argv[] = { "mariadb-dump", cred,
	    "--single-transaction", "--quick", "--routines", "--hex-blob",
	    "--no-tablespaces", "--default-character-set=utf8mb4",
	    (char *)cfg->db_name, NULL };
	char			*tar_argv[] = { "tar", "-C",
	    (char *)cfg->upload_dir, "-cf", tar, ".", NULL };
	FILE			*fp;
	time_t			 now;
	int			 cfd, out, rc;

	if (!backup_safe_name(cfg->db_name)) {
		snprintf(err, errlen, "db_name: only letters, digits and '_' "
		    "can be backed up");
		return -1;
	}
	if (backup_make_dir(dir, err, errlen) != 0)
		return -1;
	/* tar runs in upload_dir: every path it is given is absolute */
	if (backup_paths(dir, abs, sql, tar, man, err, errlen) != 0)
		return -1;
	dir = abs;

	/* the database: one snapshot, whatever the workers do meanwhile */
	if ((out = open(sql, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		snprintf(err, errlen, "%s: %s", sql, strerror(errno));
		return -1;
	}
	if ((cfd = backup_cred_pipe(cfg)) < 0) {
		close(out);
		snprintf(err, errlen, "cannot pass the credentials: %s",
		    strerror(errno));
		return -1;
	}
	snprintf(cred, sizeof(cred), "--defaults-file=/dev/fd/%d", cfd);
	rc = backup_run(dump_argv, -1, out, cfd);
	close(cfd);
	if (rc != 0 || fsync(out) != 0) {
		close(out);
		snprintf(err, errlen, "mariadb-dump failed (exit %d): "
		    "nothing usable in %s", rc, dir);
		return -1;
	}
	close(out);
	if (!backup_dump_complete(sql)) {
		snprintf(err, errlen, "%s: the dump is incomplete", sql);
		return -1;
	}

	/* the covers (a missing upload_dir: none yet, an empty archive) */
	if (stat(cfg->upload_dir, &st) != 0 && mkdir(cfg->upload_dir,
	    0755) != 0) {
		snprintf(err, errlen, "upload_dir %s: %s", cfg->upload_dir,
		    strerror(errno));
		return -1;
	}
	if ((rc = backup_run(tar_argv, -1, -1, -1)) != 0 ||
	    chmod(tar, 0600) != 0 || backup_fsync_path(tar) != 0) {
		snprintf(err, errlen, "tar of %s failed (exit %d)",
		    cfg->upload_dir, rc);
		return -1;
	}

	/* MANIFEST last: a directory without it is not a backup */
	now = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(tmp, sizeof(tmp), "%s.tmp", man);
	if ((fp = fopen(tmp, "w")) == NULL || fchmod(fileno(fp), 0600) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	fprintf(fp, "# holdfast backup: restore with "
	    "\"holdfast-admin restore DIR\"\n"
	    "version = %s\nrevision = %s\ncreated = %s\ndatabase = %s\n"
	    "upload_dir = %s\n", app_version(), app_revision(), stamp,
	    cfg->db_name, cfg->upload_dir);
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0 || fclose(fp) != 0 ||
	    rename(tmp, man) != 0 || backup_fsync_path(dir) != 0) {
		snprintf(err, errlen, "%s: %s", man, strerror(errno));
		return -1;
	}
	return 0;
}

/* Copies the file at path to fd; returns 0 or -1. */
static int
backup_copy(const char *path, int fd)
{
	char	 buf[65536];
	ssize_t	 n, w, done;
	int	 in;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (done = 0; done < n; done += w)
			if ((w = write(fd, buf + done,
			    (size_t)(n - done))) < 0) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				close(in);
				return -1;
			}
	}
	close(in);
	return n == 0 ? 0 : -1;
}

/* Feeds the mariadb client: a fresh database, then the dump. */
static int
backup_load(const struct hf_config *cfg, const char *sql, char *err,
    size_t errlen)
{
	char	 cred[48], head[512];
	char	*argv[] = { "mariadb", cred,
	    "--default-character-set=utf8mb4", "--binary-mode", NULL };
	void	(*old)(int);
	pid_t	 pid;
	int	 cfd, fds[2], rc, fed;

	if ((cfd = backup_cred_pipe(cfg)) < 0 || pipe(fds) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		if (cfd >= 0)
			close(cfd);
		return -1;
	}
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	snprintf(cred, sizeof(cred), "--defaults-file=/dev/fd/%d", cfd);
	pid = backup_spawn(argv, fds[0], -1, cfd);
	close(fds[0]);
	close(cfd);
	if (pid < 0) {
		close(fds[1]);
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	/* the name was checked: letters, digits and '_' only */
	snprintf(head, sizeof(head), "DROP DATABASE IF EXISTS `%s`;\n"
	    "CREATE DATABASE `%s` CHARACTER SET utf8mb4 "
	    "COLLATE utf8mb4_unicode_ci;\nUSE `%s`;\n", cfg->db_name,
	    cfg->db_name, cfg->db_name);
	old = signal(SIGPIPE, SIG_IGN);
	fed = write(fds[1], head, strlen(head)) == (ssize_t)strlen(head) &&
	    backup_copy(sql, fds[1]) == 0;
	close(fds[1]);
	signal(SIGPIPE, old);
	rc = backup_wait(pid);
	if (rc != 0 || !fed) {
		snprintf(err, errlen, "loading %s failed (mariadb exit %d)",
		    sql, rc);
		return -1;
	}
	return 0;
}

int
backup_restore(struct app *app, const char *dir, char *err, size_t errlen)
{
	const struct hf_config	*cfg = &app->cfg;
	char			 sql[PATH_MAX + 16], tar[PATH_MAX + 16];
	char			 man[PATH_MAX + 16];
	char			*tar_argv[] = { "tar", "-C",
	    (char *)cfg->upload_dir, "-xf", tar, NULL };
	struct stat		 st;
	char			 abs[PATH_MAX];
	long			 added, bad;
	int			 rc;

	if (!backup_safe_name(cfg->db_name)) {
		snprintf(err, errlen, "db_name: only letters, digits and '_' "
		    "can be restored");
		return -1;
	}
	if (backup_paths(dir, abs, sql, tar, man, err, errlen) != 0)
		return -1;
	dir = abs;
	if (stat(man, &st) != 0) {
		snprintf(err, errlen, "%s: no MANIFEST: not a complete backup",
		    dir);
		return -1;
	}
	if (!backup_dump_complete(sql)) {
		snprintf(err, errlen, "%s: missing or incomplete", sql);
		return -1;
	}
	if (backup_load(cfg, sql, err, errlen) != 0)
		return -1;
	if (stat(tar, &st) == 0) {
		if (mkdir(cfg->upload_dir, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "upload_dir %s: %s",
			    cfg->upload_dir, strerror(errno));
			return -1;
		}
		if ((rc = backup_run(tar_argv, -1, -1, -1)) != 0) {
			snprintf(err, errlen, "unpacking %s failed (tar exit "
			    "%d)", tar, rc);
			return -1;
		}
	}
	/* the old connection's database is gone: a new one, then the schema
	 * of this version (the backup may come from an older one) */
	db_free(app->db);
	if ((app->db = db_new(cfg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (db_migrate(app->db, cfg->sql_dir, 0) < 0) {
		snprintf(err, errlen, "migrating the restored database failed");
		return -1;
	}
	/* issue 16: covers of a backup from before sql/026 (files only) */
	if (svc_covers_import(app, &added, &bad, err, errlen) != 0)
		return -1;
	if (added > 0 || bad > 0)
		fprintf(stderr, "holdfast-admin: covers: %ld put into the "
		    "database from the backup's files, %ld skipped\n", added,
		    bad);
	/* every cached answer predates the restore */
	if (cache_bump_epoch(app->cache) != 0)
		fprintf(stderr, "holdfast-admin: warning: Redis not reachable "
		    "(%s): run \"redis-cli INCR hf:epoch\" before the workers "
		    "serve again, or their cache answers from before the "
		    "restore\n", cache_last_error(app->cache));
	return 0;
}
