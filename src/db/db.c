/*
 * db.c: one MariaDB connection per process, its prepared statements and
 * the transaction helper. Auto-reconnect stays off: a lost connection is
 * dropped here and reopened by db_ensure() between requests, never inside
 * a transaction.
 */
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/metrics.h"
#include "db_int.h"

/* placeholders in one statement (db_sql_stock_at_dives has 96) */

struct db *
db_new(const struct hf_config *cfg)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	db->cfg = cfg;
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db->own_cfg);
	free(db);
}

const char *
db_last_error(const struct db *db)
{
	return db->err;
}

/* 1 while the connection is open (nothing is asked of the server). */
int
db_connected(const struct db *db)
{
	return db->conn != NULL;
}

unsigned
db_deadlock_retries_total(const struct db *db)
{
	return db->deadlock_retries;
}

void
db_disconnect(struct db *db)
{
	size_t	i;

	for (i = 0; i <= DB_MAX_SQL; i++)
		if (db->stmts[i] != NULL) {
			mysql_stmt_close(db->stmts[i]);
			db->stmts[i] = NULL;
		}
	if (db->conn != NULL) {
		mysql_close(db->conn);
		db->conn = NULL;
	}
	db->in_txn = 0;
}

/*
 * Maps a server or client error number to an internal error. Connection
 * errors also drop the connection so the next request reconnects. Every
 * failure but a duplicate key (an answer services ask for) is counted.
 */
int
db_map_errno(struct db *db, unsigned e, const char *msg)
{
	snprintf(db->err, sizeof(db->err), "%u: %s", e, msg);
	if (e != ER_DUP_ENTRY)
		metrics_add(M_DB_ERRORS, 1);
	switch (e) {
	case ER_LOCK_DEADLOCK:
		return HF_E_DEADLOCK;
	case ER_LOCK_WAIT_TIMEOUT:
		return HF_E_LOCK_TIMEOUT;
	case ER_DUP_ENTRY:
		return HF_E_DUPLICATE;
	case 4025:	/* ER_CONSTRAINT_FAILED: a CHECK refused the row */
		return HF_E_CHECK;
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
	case ER_CON_COUNT_ERROR:
		db_disconnect(db);
		return HF_E_SYS_UNAVAILABLE;
	default:
		return HF_E_DB;
	}
}

/* Opens the connection. Returns HF_OK or HF_E_SYS_UNAVAILABLE. */
int
db_connect(struct db *db)
{
	const struct hf_config	*c = db->cfg;
	unsigned		 timeout = (unsigned)c->db_connect_timeout;
	unsigned		 rw_timeout = 30;
	my_bool			 off = 0;
	const char		*init = "SET SESSION time_zone = '+00:00', "
	    "SESSION tx_isolation = 'READ-COMMITTED', "
	    "SESSION innodb_lock_wait_timeout = 5";

	db_disconnect(db);
	if ((db->conn = mysql_init(NULL)) == NULL) {
		snprintf(db->err, sizeof(db->err), "mysql_init failed");
		return HF_E_SYS_UNAVAILABLE;
	}
	mysql_options(db->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(db->conn, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
	mysql_options(db->conn, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
	mysql_options(db->conn, MYSQL_OPT_RECONNECT, &off);
	mysql_options(db->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(db->conn, MYSQL_INIT_COMMAND, init);
	if (mysql_real_connect(db->conn,
	    c->db_socket[0] != '\0' ? NULL : c->db_host, c->db_user,
	    c->db_password, c->db_name, (unsigned)c->db_port,
	    c->db_socket[0] != '\0' ? c->db_socket : NULL, 0) == NULL) {
		snprintf(db->err, sizeof(db->err), "connect: %u: %s",
		    mysql_errno(db->conn), mysql_error(db->conn));
		metrics_add(M_DB_ERRORS, 1);
		mysql_close(db->conn);
		db->conn = NULL;
		return HF_E_SYS_UNAVAILABLE;
	}
	return HF_OK;
}

/* Reconnects when the last request lost the connection. */
int
db_ensure(struct db *db)
{
	if (db->in_txn)
		return HF_E_DB;
	if (db->conn != NULL)
		return HF_OK;
	return db_connect(db);
}

/*
 * Checks the server answers, reconnecting once if the connection was lost
 * since it was last used. Returns HF_OK or HF_E_SYS_UNAVAILABLE.
 */
int
db_ping(struct db *db)
{
	int	rc;

	if ((rc = db_ensure(db)) != HF_OK)
		return rc;
	if (mysql_ping(db->conn) == 0)
		return HF_OK;
	db_map_errno(db, mysql_errno(db->conn), mysql_error(db->conn));
	if ((rc = db_connect(db)) != HF_OK)
		return rc;
	if (mysql_ping(db->conn) == 0)
		return HF_OK;
	db_map_errno(db, mysql_errno(db->conn), mysql_error(db->conn));
	db_disconnect(db);
	return HF_E_SYS_UNAVAILABLE;
}

/* Slots are handed out once per process, in order of first use. */
static int
db_slot(struct db_sql *q)
{
	static int	next_slot = 1;

	if (q->slot == 0) {
		if (next_slot > DB_MAX_SQL)
			return -1;
		q->slot = next_slot++;
	}
	return q->slot;
}

MYSQL_STMT *
db_prepared(struct db *db, struct db_sql *q, int *rc)
{
	MYSQL_STMT	*st;
	const char	*sql = q->text;
	my_bool		 on = 1;
	int		 id;

	*rc = HF_OK;
	if ((id = db_slot(q)) < 0) {
		*rc = HF_E_SYS_INTERNAL;
		return NULL;
	}
	if (db->conn == NULL && (*rc = db_ensure(db)) != HF_OK)
		return NULL;
	if ((st = db->stmts[id]) != NULL)
		return st;
	if ((st = mysql_stmt_init(db->conn)) == NULL) {
		*rc = db_map_errno(db, mysql_errno(db->conn),
		    mysql_error(db->conn));
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
		*rc = db_map_errno(db, mysql_stmt_errno(st),
		    mysql_stmt_error(st));
		log_error(NULL, "prepare \"%.80s\": %s", sql, db->err);
		mysql_stmt_close(st);
		return NULL;
	}
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
	db->stmts[id] = st;
	return st;
}

/* Binds p and executes; *out is the statement, its result unread. */
int
db_execute(struct db *db, struct db_sql *id, const struct db_param *p,
    size_t n, MYSQL_STMT **out)
{
	MYSQL_BIND	 bind[DB_MAX_PARAMS];
	long long	 ints[DB_MAX_PARAMS];
	MYSQL_STMT	*st;
	size_t		 i, k, nb;
	int		 rc;

	for (i = 0, nb = 0; i < n; i++)
		nb += p[i].twice ? 2 : 1;
	if (nb > DB_MAX_PARAMS)
		return HF_E_SYS_INTERNAL;
	if ((st = db_prepared(db, id, &rc)) == NULL)
		return rc;
	if (mysql_stmt_param_count(st) != nb) {
		snprintf(db->err, sizeof(db->err),
		    "\"%.80s\" wants %lu parameters, got %zu", id->text,
		    mysql_stmt_param_count(st), nb);
		log_error(NULL, "%s", db->err);
		return HF_E_SYS_INTERNAL;
	}
	memset(bind, 0, sizeof(bind));
	for (i = 0, k = 0; i < n; i++, k++) {
		switch (p[i].type) {
		case DB_P_INT:
			ints[k] = p[i].i;
			bind[k].buffer_type = MYSQL_TYPE_LONGLONG;
			bind[k].buffer = &ints[k];
			break;
		case DB_P_STR:
			bind[k].buffer_type = MYSQL_TYPE_STRING;
			bind[k].buffer = (void *)(uintptr_t)p[i].s;
			bind[k].buffer_length = (unsigned long)p[i].len;
			break;
		default:
			bind[k].buffer_type = MYSQL_TYPE_NULL;
			break;
		}
		if (p[i].twice) {
			bind[k + 1] = bind[k];
			if (p[i].type == DB_P_INT) {
				ints[k + 1] = ints[k];
				bind[k + 1].buffer = &ints[k + 1];
			}
			k++;
		}
	}
	if ((nb > 0 && mysql_stmt_bind_param(st, bind) != 0) ||
	    mysql_stmt_execute(st) != 0) {
		rc = db_map_errno(db, mysql_stmt_errno(st),
		    mysql_stmt_error(st));
		if (rc == HF_E_SYS_UNAVAILABLE)
			return rc;	/* the statement is gone with the link */
		mysql_stmt_reset(st);
		return rc;
	}
	*out = st;
	/* issue 14: what a path costs the database, on /metrics */
	metrics_add(M_DB_STATEMENTS, 1);
	if (strncmp(id->text, "SELECT", 6) != 0)
		metrics_add(M_DB_WRITES, 1);
	return HF_OK;
}

/*
 * Reads past what follows a statement's first result: a CALL ends with
 * its status, and a procedure may return more than one result. Without
 * this the connection is out of step for the next statement.
 */
static int
db_drain(struct db *db, MYSQL_STMT *st)
{
	int	more;

	while (mysql_stmt_more_results(st)) {
		if ((more = mysql_stmt_next_result(st)) > 0)
			return db_map_errno(db, mysql_stmt_errno(st),
			    mysql_stmt_error(st));
		mysql_stmt_free_result(st);
		if (more < 0)
			break;
	}
	return HF_OK;
}

/*
 * Runs a statement that returns rows and copies them into the arena as
 * NUL-terminated strings. Returns HF_OK or an internal error.
 */
int
db_query(struct db *db, struct arena *a, struct db_sql *id,
    const struct db_param *p, size_t n, struct db_result *res)
{
	MYSQL_STMT	*st;
	MYSQL_RES	*meta;
	MYSQL_FIELD	*fields;
	MYSQL_BIND	*bind;
	unsigned long	*lens;
	my_bool		*nulls;
	size_t		 c, row, ncols, nrows;
	int		 rc, f;

	memset(res, 0, sizeof(*res));
	if ((rc = db_execute(db, id, p, n, &st)) != HF_OK)
		return rc;
	if ((meta = mysql_stmt_result_metadata(st)) == NULL) {
		mysql_stmt_free_result(st);
		return db_drain(db, st);
	}
	rc = HF_E_SYS_INTERNAL;
	if (mysql_stmt_store_result(st) != 0) {
		rc = db_map_errno(db, mysql_stmt_errno(st),
		    mysql_stmt_error(st));
		goto free_meta;
	}
	ncols = mysql_num_fields(meta);
	nrows = (size_t)mysql_stmt_num_rows(st);
	fields = mysql_fetch_fields(meta);
	bind = arena_calloc(a, ncols, sizeof(*bind));
	lens = arena_calloc(a, ncols, sizeof(*lens));
	nulls = arena_calloc(a, ncols, sizeof(*nulls));
	res->cells = arena_calloc(a, nrows * ncols + 1, sizeof(char *));
	res->lens = arena_calloc(a, nrows * ncols + 1, sizeof(size_t));
	if (bind == NULL || lens == NULL || nulls == NULL ||
	    res->cells == NULL || res->lens == NULL)
		goto free_result;
	for (c = 0; c < ncols; c++) {
		unsigned long	size = fields[c].max_length;

		if (size < 64)
			size = 64;	/* numbers report their binary size */
		bind[c].buffer_type = MYSQL_TYPE_STRING;
		bind[c].buffer_length = size + 1;
		if ((bind[c].buffer = arena_alloc(a, size + 1)) == NULL)
			goto free_result;
		bind[c].length = &lens[c];
		bind[c].is_null = &nulls[c];
	}
	if (mysql_stmt_bind_result(st, bind) != 0)
		goto free_result;
	for (row = 0; row < nrows; row++) {
		f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			rc = db_map_errno(db, mysql_stmt_errno(st),
			    mysql_stmt_error(st));
			goto free_result;
		}
		for (c = 0; c < ncols; c++) {
			char		*cell;
			MYSQL_BIND	 one;

			if (nulls[c])
				continue;
			if ((cell = arena_alloc(a, lens[c] + 1)) == NULL)
				goto free_result;
			if (lens[c] < bind[c].buffer_length)
				memcpy(cell, bind[c].buffer, lens[c]);
			else {
				/* truncated: fetch this column again whole */
				memset(&one, 0, sizeof(one));
				one.buffer_type = MYSQL_TYPE_STRING;
				one.buffer = cell;
				one.buffer_length = lens[c] + 1;
				if (mysql_stmt_fetch_column(st, &one,
				    (unsigned)c, 0) != 0)
					goto free_result;
			}
			cell[lens[c]] = '\0';
			res->cells[row * ncols + c] = cell;
			res->lens[row * ncols + c] = lens[c];
		}
	}
	res->nrows = row;
	res->ncols = ncols;
	rc = HF_OK;
free_result:
	mysql_stmt_free_result(st);
	if (rc == HF_OK)
		rc = db_drain(db, st);
free_meta:
	mysql_free_result(meta);
	return rc;
}

/*
 * Runs a statement with a column map and decodes its rows into an arena
 * array of the map's struct (*(void **)rowsp).
 */
int
db_rows(struct db *db, struct arena *a, struct db_sql *id,
    const struct db_param *p, size_t n, void *rowsp, size_t *nrows)
{
	struct db_result	 r;
	char			*rows;
	size_t			 i, c;
	int			 rc;

	*(void **)rowsp = NULL;
	*nrows = 0;
	if (id->cols == NULL || id->rowsize == 0) {
		log_error(NULL, "\"%.80s\" has no column map", id->text);
		return HF_E_SYS_INTERNAL;
	}
	if ((rc = db_query(db, a, id, p, n, &r)) != HF_OK)
		return rc;
	if (r.nrows > 0 && r.ncols != id->ncols) {
		log_error(NULL, "\"%.80s\" returns %zu columns, its map %zu",
		    id->text, r.ncols, id->ncols);
		return HF_E_SYS_INTERNAL;
	}
	if ((rows = arena_calloc(a, r.nrows + 1, id->rowsize)) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++)
		for (c = 0; c < id->ncols; c++)
			if (hf_field_set(&id->cols[c], rows + i * id->rowsize,
			    DB_CELL(&r, i, c)) != 0) {
				log_error(NULL, "\"%.80s\": column %s is no "
				    "number", id->text, id->cols[c].name);
				return HF_E_SYS_INTERNAL;
			}
	*(void **)rowsp = rows;
	*nrows = r.nrows;
	return HF_OK;
}

int
db_row(struct db *db, struct arena *a, struct db_sql *id,
    const struct db_param *p, size_t n, void *row, int *found)
{
	void	*rows;
	size_t	 nrows;
	int	 rc;

	*found = 0;
	memset(row, 0, id->rowsize);
	if ((rc = db_rows(db, a, id, p, n, &rows, &nrows)) != HF_OK)
		return rc;
	if (nrows > 0) {
		memcpy(row, rows, id->rowsize);
		*found = 1;
	}
	return HF_OK;
}

/* The n of a DB_SQL_COUNT statement (0 when it returns no row). */
long long
db_count_of(struct db *db, struct arena *a, struct db_sql *id,
    const struct db_param *p, size_t n, int *rc)
{
	struct db_count	c;
	int		found;

	*rc = db_row(db, a, id, p, n, &c, &found);
	return *rc == HF_OK ? c.n : 0;
}

const struct hf_field db_map_count[1] = {
	HF_FIELD(struct db_count, n, HF_K_INT),
};

/* Runs a statement that returns no rows. */
int
db_exec(struct db *db, struct db_sql *id, const struct db_param *p, size_t n,
    uint64_t *affected, uint64_t *insert_id)
{
	MYSQL_STMT	*st;
	int		 rc;

	if ((rc = db_execute(db, id, p, n, &st)) != HF_OK)
		return rc;
	if (affected != NULL)
		*affected = (uint64_t)mysql_stmt_affected_rows(st);
	if (insert_id != NULL)
		*insert_id = (uint64_t)mysql_stmt_insert_id(st);
	mysql_stmt_free_result(st);
	return db_drain(db, st);
}

static int
db_simple(struct db *db, const char *sql)
{
	if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql)) != 0)
		return db_map_errno(db, mysql_errno(db->conn),
		    mysql_error(db->conn));
	return HF_OK;
}

/*
 * Runs fn inside one transaction: COMMIT when it returns HF_OK, ROLLBACK
 * otherwise. A deadlock (1213) retries the whole transaction up to
 * db_deadlock_retries times; a lock wait timeout (1205) is rolled back
 * explicitly, since InnoDB only undoes the statement that waited. Returns
 * fn's result or the commit's failure.
 */
/* Which transaction is open: a new number for every attempt (db_txn). */
uint64_t
db_txn_seq(const struct db *db)
{
	return db->txn_seq;
}

/*
 * Runs fn, which opens and ends its own transaction (one CALL of a
 * procedure: sql/012_procedures.sql), again after a deadlock (the server
 * rolled it back), up to db_deadlock_retries times, counted as db_txn's.
 */
int
db_retry(struct db *db, db_txn_fn fn, void *ctx)
{
	int	rc, attempt;

	for (attempt = 0;; attempt++) {
		rc = fn(db, ctx);
		if (rc != HF_E_DEADLOCK ||
		    attempt >= db->cfg->db_deadlock_retries)
			return rc;
		db->deadlock_retries++;
		metrics_add(M_DB_DEADLOCK_RETRIES, 1);
	}
}

int
db_txn(struct db *db, db_txn_fn fn, void *ctx)
{
	int	rc, attempt;

	for (attempt = 0;; attempt++) {
		if ((rc = db_ensure(db)) != HF_OK)
			return rc;
		if ((rc = db_simple(db, "START TRANSACTION")) != HF_OK)
			return rc;
		db->in_txn = 1;
		db->txn_seq++;
		rc = fn(db, ctx);
		if (db->conn == NULL) {
			/* the link went down mid-way: the server rolled back */
			db->in_txn = 0;
			return HF_E_SYS_UNAVAILABLE;
		}
		if (rc == HF_OK) {
			if (mysql_commit(db->conn) != 0)
				rc = db_map_errno(db, mysql_errno(db->conn),
				    mysql_error(db->conn));
		}
		if (rc != HF_OK && db->conn != NULL &&
		    mysql_rollback(db->conn) != 0)
			db_map_errno(db, mysql_errno(db->conn),
			    mysql_error(db->conn));
		db->in_txn = 0;
		if (db->conn == NULL)
			return HF_E_SYS_UNAVAILABLE;
		if (rc == HF_E_DEADLOCK &&
		    attempt < db->cfg->db_deadlock_retries) {
			db->deadlock_retries++;
			metrics_add(M_DB_DEADLOCK_RETRIES, 1);
			continue;
		}
		return rc;
	}
}
