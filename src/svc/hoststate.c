/*
 * hoststate.c: nothing host-local that another host needs (issue 16, item
 * 2; README "Scale-out: shared state", docs/internals.md "Issue 16: shared
 * state").
 *
 * Covers live in the database (covers, named by the SHA-256 of their
 * bytes); each host's upload_dir/covers is a cache of that table that the
 * web server serves as before, filled on a miss by GET /api/v1/covers/
 * {file} (the web server's fallback when the file is not on its disk).
 *
 * A cache invalidation that cannot reach Redis (a lost bump) moves the
 * host's shared-memory generation, as before, so the other workers of
 * this host orphan every entry at once; it also moves cache_lost.gen in
 * the database, which every worker of every host reads at most every
 * cache_lost_poll_ms and acts on once (cache_lost_apply: one epoch bump
 * per generation, hf:lost in Redis).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "holdfast/cache.h"
#include "holdfast/db_hoststate.h"
#include "holdfast/metrics.h"
#include "holdfast/svc.h"
#include "holdfast/hoststate.h"

/*
 * Writes the cover into this host's cache (upload_dir/covers/<hash>.<type>)
 * unless it is there: a temporary file, fsync, rename, so that a reader
 * never sees half a file. Returns 0, or -1 (logged).
 */
static int
cover_write_local(const struct hf_config *cfg, const char *rid,
    const char *hash, const char *type, const char *body, size_t len)
{
	char	 dir[300], path[400], tmp[420];
	ssize_t	 w;
	size_t	 done = 0;
	int	 fd;

	snprintf(dir, sizeof(dir), "%s/covers", cfg->upload_dir);
	snprintf(path, sizeof(path), "%s/%s.%s", dir, hash, type);
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error(rid, "cover: mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (access(path, F_OK) == 0)
		return 0;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0) {
		log_error(rid, "cover: open %s: %s", tmp, strerror(errno));
		return -1;
	}
	while (done < len) {
		if ((w = write(fd, body + done, len - done)) <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			log_error(rid, "cover: write %s: %s", tmp,
			    w < 0 ? strerror(errno) : "short write");
			close(fd);
			unlink(tmp);
			return -1;
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		log_error(rid, "cover: write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Stores a cover (type from hf_image_type, hash its SHA-256 in hex) where
 * every host sees it, the database, then in this host's cache. The
 * database's row is the cover: a failure to write the local copy is
 * logged, and the fallback fills it on the first read.
 */
int
svc_cover_store(struct svc_ctx *ctx, const char *hash, const char *type,
    const char *body, size_t len)
{
	struct db_param	p[4];
	int		rc;

	p[0] = DB_STR(hash);
	p[1] = DB_STR(type);
	p[2] = DB_INT((long long)len);
	p[3] = DB_STRN(body, len);
	if ((rc = db_exec(ctx->app->db, &db_sql_cover_put, p, 4, NULL,
	    NULL)) != HF_OK)
		return rc;
	(void)cover_write_local(&ctx->app->cfg, ctx->request_id, hash, type,
	    body, len);
	return HF_OK;
}

/* The media type of a cover's type, NULL for none of them. */
static const char *
cover_media_type(const char *type, size_t len)
{
	if (len == 3 && memcmp(type, "png", 3) == 0)
		return "image/png";
	if (len == 3 && memcmp(type, "jpg", 3) == 0)
		return "image/jpeg";
	if (len == 4 && memcmp(type, "webp", 4) == 0)
		return "image/webp";
	return NULL;
}

/*
 * A cover by its file name, <64 lowercase hex>.<png|jpg|webp> (the last
 * segment of its cover_url), from the database; it is also written into
 * this host's cache, so that the web server serves it from disk next
 * time. Anything else, or a name the table does not hold:
 * HF_E_NOT_FOUND. The bytes are checked against their name first: a row
 * that does not match is never served nor cached (SYS_002, logged).
 */
int
svc_cover_get(struct svc_ctx *ctx, const char *file, const char **bytes,
    size_t *len, const char **media_type)
{
	struct db_result	 res;
	struct db_param		 p[1];
	char			 hash[HF_SHA256_HEX], got[HF_SHA256_HEX];
	const char		*dot, *ext;
	size_t			 i;
	int			 rc;

	*bytes = NULL;
	*len = 0;
	if ((dot = strchr(file, '.')) == NULL || dot - file != 64)
		return HF_E_NOT_FOUND;
	for (i = 0; i < 64; i++)
		if (!((file[i] >= '0' && file[i] <= '9') ||
		    (file[i] >= 'a' && file[i] <= 'f')))
			return HF_E_NOT_FOUND;
	ext = dot + 1;
	if ((*media_type = cover_media_type(ext, strlen(ext))) == NULL)
		return HF_E_NOT_FOUND;
	memcpy(hash, file, 64);
	hash[64] = '\0';
	p[0] = DB_STR(hash);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_cover_get, p, 1,
	    &res)) != HF_OK)
		return rc;
	if (res.nrows != 1 || res.ncols != 2 || DB_CELL(&res, 0, 0) == NULL ||
	    DB_CELL(&res, 0, 1) == NULL ||
	    strcmp(DB_CELL(&res, 0, 0), ext) != 0)
		return HF_E_NOT_FOUND;
	*bytes = DB_CELL(&res, 0, 1);
	*len = res.lens[1];
	hf_sha256_hex(got, *bytes, *len);
	if (strcmp(got, hash) != 0) {
		log_error(ctx->request_id, "cover %s: the stored bytes hash "
		    "to %s: not served", hash, got);
		*bytes = NULL;
		*len = 0;
		return HF_E_SYS_INTERNAL;
	}
	(void)cover_write_local(&ctx->app->cfg, ctx->request_id, hash, ext,
	    *bytes, *len);
	return HF_OK;
}

/* this worker's view of cache_lost.gen */
static int64_t	lost_next_ms;
static char	lost_seen[32];

/*
 * At most every cache_lost_poll_ms: reads the database's generation of
 * lost invalidations and, when it is not the one this worker acted on,
 * has Redis bump the epoch once for it (cache_lost_apply). Only on a
 * database connection that is open (a down database costs no connect
 * attempt here) and outside any transaction (the callers read before
 * one). A failure is tried again at the next poll.
 */
void
svc_lost_poll(struct app *app, struct arena *a)
{
	struct db_result	 res;
	const char		*gen;
	int64_t			 now;
	int			 bumped;

	if (app->cfg.cache_lost_poll_ms <= 0 || !db_connected(app->db))
		return;
	now = hf_now_ms();
	if (now < lost_next_ms)
		return;
	lost_next_ms = now + app->cfg.cache_lost_poll_ms;
	if (db_query(app->db, a, &db_sql_lost_get, NULL, 0, &res) != HF_OK ||
	    res.nrows != 1 || (gen = DB_CELL(&res, 0, 0)) == NULL ||
	    strlen(gen) >= sizeof(lost_seen))
		return;
	if (strcmp(gen, lost_seen) == 0)
		return;
	if (cache_lost_apply(app->cache, gen, &bumped) != HF_OK)
		return;
	if (bumped)
		log_warn(NULL, "cache: lost invalidation generation %s (the "
		    "database's): the cache epoch was bumped", gen);
	snprintf(lost_seen, sizeof(lost_seen), "%s", gen);
}

/*
 * After a bump that could not reach Redis (cache_bump or a must-raise
 * failed): the database's generation moves, for the other hosts. Outside
 * any transaction, after the COMMIT whose invalidation was lost.
 */
void
svc_lost_record(struct app *app, const char *rid)
{
	if (db_exec(app->db, &db_sql_lost_bump, NULL, 0, NULL, NULL) !=
	    HF_OK)
		log_error(rid, "cache: a lost invalidation could not be "
		    "recorded in the database either: %s",
		    db_last_error(app->db));
}

/*
 * Puts every cover of this host's upload_dir/covers that the database
 * lacks into it: covers stored before sql/026 (each host had its own),
 * and those a backup from before it unpacked (backup_restore calls this
 * after migrating). A file whose bytes do not hash to its name, or whose
 * type is not its extension, is skipped. *added counts the rows put in,
 * *bad the files skipped. 0, or -1 with err set.
 */
int
svc_covers_import(struct app *app, long *added, long *bad, char *err,
    size_t errlen)
{
	struct db_param	 p[4];
	struct dirent	*e;
	struct stat	 st;
	DIR		*d;
	FILE		*fp;
	char		 dir[300], path[600], hash[HF_SHA256_HEX];
	char		*buf = NULL;
	const char	*dot, *type;
	uint64_t	 n;
	size_t		 len;
	int		 rc = 0;

	*added = *bad = 0;
	snprintf(dir, sizeof(dir), "%s/covers", app->cfg.upload_dir);
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;	/* no cover yet */
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if ((dot = strchr(e->d_name, '.')) == NULL ||
		    dot - e->d_name != 64 || strchr(dot + 1, '.') != NULL ||
		    cover_media_type(dot + 1, strlen(dot + 1)) == NULL)
			continue;	/* ".", "..", a temporary file */
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_size <= 0 || st.st_size > 16 * 1024 * 1024 ||
		    (fp = fopen(path, "rb")) == NULL) {
			(*bad)++;
			continue;
		}
		len = (size_t)st.st_size;
		free(buf);
		if ((buf = malloc(len)) == NULL) {
			fclose(fp);
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		if (fread(buf, 1, len, fp) != len) {
			fclose(fp);
			(*bad)++;
			continue;
		}
		fclose(fp);
		hf_sha256_hex(hash, buf, len);
		type = hf_image_type(buf, len);
		if (strncmp(hash, e->d_name, 64) != 0 || type == NULL ||
		    strcmp(type, dot + 1) != 0) {
			(*bad)++;
			continue;
		}
		p[0] = DB_STR(hash);
		p[1] = DB_STR(type);
		p[2] = DB_INT((long long)len);
		p[3] = DB_STRN(buf, len);
		if (db_exec(app->db, &db_sql_cover_put, p, 4, &n, NULL) !=
		    HF_OK) {
			snprintf(err, errlen, "%s: %s", e->d_name,
			    db_last_error(app->db));
			rc = -1;
		} else if (n > 0)
			(*added)++;
	}
	free(buf);
	closedir(d);
	return rc;
}
