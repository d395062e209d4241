/*
 * stream.c: a statement's rows handed over one at a time as the server
 * sends them (an unbuffered fetch: no mysql_stmt_store_result), for
 * answers too large to hold (a CSV export of a million ledger rows). Each
 * row is decoded through the statement's column map into a small arena
 * of its own, reset after every row, so the worker's memory stays the
 * same however many rows come.
 */
#include <mysql.h>
#include <string.h>

#include "holdfast/db.h"
#include "db_int.h"

/* Bytes bound per column; a longer value is fetched again whole. */
#define DB_STREAM_CELL		256

/*
 * Runs id (a DB_SQL_MAP statement) and calls fn(arg, row) for each row,
 * row being a struct of the map's type whose strings live until fn
 * returns. fn returns HF_OK to go on; anything else stops the walk (the
 * rest of the result is read and dropped) and is returned. While it runs,
 * the connection serves nothing else: fn must not use the database.
 * Returns HF_OK, fn's refusal or a database error; *nrows counts the rows
 * fn took.
 */
int
db_stream(struct db *db, struct db_sql *id, const struct db_param *p,
    size_t n, db_row_fn fn, void *arg, unsigned long long *nrows)
{
	struct arena	 keep, row;
	MYSQL_STMT	*st;
	MYSQL_RES	*meta;
	MYSQL_BIND	*bind;
	unsigned long	*lens;
	my_bool		*nulls;
	size_t		 c, ncols;
	void		*out;
	int		 rc, f;

	*nrows = 0;
	if (id->cols == NULL || id->rowsize == 0) {
		log_error(NULL, "\"%.80s\" has no column map", id->text);
		return HF_E_SYS_INTERNAL;
	}
	if ((rc = db_execute(db, id, p, n, &st)) != HF_OK)
		return rc;
	if ((meta = mysql_stmt_result_metadata(st)) == NULL) {
		mysql_stmt_free_result(st);
		return HF_OK;
	}
	arena_init(&keep, 0);
	arena_init(&row, 0);
	rc = HF_E_SYS_INTERNAL;
	ncols = mysql_num_fields(meta);
	if (ncols != id->ncols) {
		log_error(NULL, "\"%.80s\" returns %zu columns, its map %zu",
		    id->text, ncols, id->ncols);
		goto free_result;
	}
	bind = arena_calloc(&keep, ncols, sizeof(*bind));
	lens = arena_calloc(&keep, ncols, sizeof(*lens));
	nulls = arena_calloc(&keep, ncols, sizeof(*nulls));
	if (bind == NULL || lens == NULL || nulls == NULL)
		goto free_result;
	for (c = 0; c < ncols; c++) {
		bind[c].buffer_type = MYSQL_TYPE_STRING;
		bind[c].buffer_length = DB_STREAM_CELL;
		if ((bind[c].buffer = arena_alloc(&keep, DB_STREAM_CELL)) ==
		    NULL)
			goto free_result;
		bind[c].length = &lens[c];
		bind[c].is_null = &nulls[c];
	}
	if (mysql_stmt_bind_result(st, bind) != 0)
		goto free_result;
	for (;;) {
		f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			rc = db_map_errno(db, mysql_stmt_errno(st),
			    mysql_stmt_error(st));
			goto free_result;
		}
		if ((out = arena_calloc(&row, 1, id->rowsize)) == NULL)
			goto free_result;
		for (c = 0; c < ncols; c++) {
			char		*cell = NULL;
			MYSQL_BIND	 one;

			if (!nulls[c]) {
				if ((cell = arena_alloc(&row, lens[c] + 1)) ==
				    NULL)
					goto free_result;
				if (lens[c] < DB_STREAM_CELL)
					memcpy(cell, bind[c].buffer, lens[c]);
				else {
					memset(&one, 0, sizeof(one));
					one.buffer_type = MYSQL_TYPE_STRING;
					one.buffer = cell;
					one.buffer_length = lens[c] + 1;
					if (mysql_stmt_fetch_column(st, &one,
					    (unsigned)c, 0) != 0)
						goto free_result;
				}
				cell[lens[c]] = '\0';
			}
			if (hf_field_set(&id->cols[c], out, cell) != 0) {
				log_error(NULL, "\"%.80s\": column %s is no "
				    "number", id->text, id->cols[c].name);
				goto free_result;
			}
		}
		rc = fn(arg, out);
		arena_reset(&row);
		if (rc != HF_OK)
			goto free_result;
		(*nrows)++;
	}
	rc = HF_OK;
free_result:
	/* an unbuffered result is read to its end here when cut short;
	 * a lost link took the statement with it (db_disconnect) */
	if (db->conn != NULL)
		mysql_stmt_free_result(st);
	mysql_free_result(meta);
	arena_free(&row);
	arena_free(&keep);
	return rc;
}
