/*
 * db_hoststate.h: the statements of the state every host shares (issue
 * 16, item 2; src/db/sql_hoststate.c): covers by the SHA-256 of their
 * bytes, and the generation of lost cache invalidations.
 */
#ifndef HOLDFAST_DB_HOSTSTATE_H
#define HOLDFAST_DB_HOSTSTATE_H

#include "holdfast/db.h"

/* A cover's row (db_sql_cover_get; the bytes are read with db_query,
 * which gives their length). */
struct cover_row {
	const char	*type, *bytes;
};

/* sha256, type, size, bytes: a second PUT of the same image is no change */
extern struct db_sql	db_sql_cover_put;
/* type, bytes of sha256 (db_query: the bytes with their length) */
extern struct db_sql	db_sql_cover_get;
/* the generation of lost invalidations: read, and moved by one */
extern struct db_sql	db_sql_lost_get;
extern struct db_sql	db_sql_lost_bump;

#endif /* HOLDFAST_DB_HOSTSTATE_H */
