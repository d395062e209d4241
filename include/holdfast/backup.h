/*
 * backup.h: holdfast-admin backup and restore (issue 11). A backup is a
 * directory: holdfast.sql (mariadb-dump --single-transaction: one
 * consistent snapshot while the workers keep writing), uploads.tar (the
 * covers) and MANIFEST, written last, so a backup without it is not one.
 */
#ifndef HOLDFAST_BACKUP_H
#define HOLDFAST_BACKUP_H

#include <stddef.h>

struct app;

/* Writes a backup into dir (created; it must not exist or be empty).
 * Returns 0, or -1 with a message in err. */
int	 backup_take(struct app *, const char *dir, char *err,
	    size_t errlen);

/* Replaces the database with the one in dir (DROP and CREATE, then the
 * dump), unpacks the covers into upload_dir, migrates to this version's
 * schema and orphans every cache entry. Returns 0, or -1 with err. */
int	 backup_restore(struct app *, const char *dir, char *err,
	    size_t errlen);

#endif /* HOLDFAST_BACKUP_H */
