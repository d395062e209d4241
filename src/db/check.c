/*
 * check.c: holdfast-admin check-sql. Prepares every statement against the
 * migrated schema and compares each column map (DB_SQL_MAP) with the
 * statement's result metadata, so that the SQL text and the struct that
 * reads it cannot drift: a renamed, added or dropped column, or a number
 * read from text, is found before a request meets it.
 */
#include <stdio.h>
#include <string.h>

#include "db_int.h"

struct db_sql *const *const db_sql_sets[] = {
	db_sql_set_accounts,
	db_sql_set_catalog,
	db_sql_set_csv,
	db_sql_set_idempotency,
	db_sql_set_inventory,
	db_sql_set_lending,
	db_sql_set_lend_rules,
	db_sql_set_locations,
	db_sql_set_metrics,
	db_sql_set_orders,
	db_sql_set_outbox,
	db_sql_set_stocktakes,
	db_sql_set_system,
	db_sql_set_transfers,
	db_sql_set_stock_at,
	db_sql_set_procs,
	db_sql_set_sweep,
	db_sql_set_points,
	db_sql_set_coupons,
	db_sql_set_groups,
	db_sql_set_delivery,
	db_sql_set_comments,
	db_sql_set_assistant,
	db_sql_set_favorites,
	db_sql_set_recs,
	db_sql_set_refunds,
	db_sql_set_replica,
	db_sql_set_hoststate,
	NULL
};

/* 1 when a column of type t can fill a member of kind k. */
static int
kind_fits(enum hf_kind k, const MYSQL_FIELD *f)
{
	switch (f->type) {
	case MYSQL_TYPE_NULL:
		return 1;
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return k != HF_K_JSON;
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL:
		/* SUM() of integers is a DECIMAL without decimals */
		return k == HF_K_STR || k == HF_K_MONEY ||
		    (k != HF_K_JSON && f->decimals == 0);
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
		return k == HF_K_STR;
	default:
		/* text, dates, blobs */
		return k == HF_K_STR || k == HF_K_JSON;
	}
}

static void
say(void (*report)(void *, const char *), void *arg, const struct db_sql *q,
    const char *what)
{
	char	line[512];

	snprintf(line, sizeof(line), "%s: \"%.100s%s\"", what, q->text,
	    strlen(q->text) > 100 ? "..." : "");
	report(arg, line);
}

static const char *const kind_name[HF_K__MAX] = {
	"string", "integer", "unsigned", "boolean", "JSON", "money"
};

static int	check_call(struct db *, struct db_sql *, MYSQL_STMT *,
		    void (*)(void *, const char *), void *);
static int	check_meta(struct db_sql *, MYSQL_RES *,
		    void (*)(void *, const char *), void *);

static int
check_one(struct db *db, struct db_sql *q,
    void (*report)(void *, const char *), void *arg)
{
	MYSQL_STMT	*st;
	MYSQL_RES	*meta;
	char		 what[256];
	int		 rc;

	if ((st = db_prepared(db, q, &rc)) == NULL) {
		snprintf(what, sizeof(what), "does not prepare (%s)",
		    db_last_error(db));
		say(report, arg, q, what);
		return 1;
	}
	if (strncmp(q->text, "CALL ", 5) == 0)
		return check_call(db, q, st, report, arg);
	meta = mysql_stmt_result_metadata(st);
	return check_meta(q, meta, report, arg);
}

/*
 * A procedure's rows have no metadata before it runs: it is called with
 * every parameter NULL, which each procedure answers with its result's
 * shape and no change (sql/012_procedures.sql).
 */
static int
check_call(struct db *db, struct db_sql *q, MYSQL_STMT *st,
    void (*report)(void *, const char *), void *arg)
{
	MYSQL_BIND	 bind[DB_MAX_PARAMS];
	MYSQL_RES	*meta;
	unsigned long	 i, n = mysql_stmt_param_count(st);
	int		 bad;

	memset(bind, 0, sizeof(bind));
	for (i = 0; i < n && i < DB_MAX_PARAMS; i++)
		bind[i].buffer_type = MYSQL_TYPE_NULL;
	if (n > DB_MAX_PARAMS || (n > 0 && mysql_stmt_bind_param(st,
	    bind) != 0) || mysql_stmt_execute(st) != 0) {
		say(report, arg, q, "does not run with NULL parameters");
		mysql_stmt_reset(st);
		return 1;
	}
	meta = mysql_stmt_result_metadata(st);
	bad = check_meta(q, meta, report, arg);
	mysql_stmt_free_result(st);
	while (mysql_stmt_more_results(st) && mysql_stmt_next_result(st) == 0)
		mysql_stmt_free_result(st);
	(void)db;
	return bad;
}

/* The result metadata meta (NULL: no rows) against q's column map. */
static int
check_meta(struct db_sql *q, MYSQL_RES *meta,
    void (*report)(void *, const char *), void *arg)
{
	MYSQL_FIELD	*f;
	char		 what[256];
	size_t		 c, n;
	int		 bad = 0;

	if (meta == NULL) {
		if (q->ncols == 0)
			return 0;
		say(report, arg, q, "has a column map but returns no rows");
		return 1;
	}
	n = mysql_num_fields(meta);
	f = mysql_fetch_fields(meta);
	if (q->ncols == 0) {
		say(report, arg, q, "returns rows without a column map "
		    "(DB_SQL_MAP)");
		bad = 1;
	} else if (n != q->ncols) {
		snprintf(what, sizeof(what), "returns %zu columns, its map "
		    "names %zu", n, q->ncols);
		say(report, arg, q, what);
		bad = 1;
	} else
		for (c = 0; c < n; c++) {
			if (strcmp(f[c].name, q->cols[c].name) != 0) {
				snprintf(what, sizeof(what), "column %zu is "
				    "\"%.60s\", its map says \"%s\"", c + 1,
				    f[c].name, q->cols[c].name);
				say(report, arg, q, what);
				bad = 1;
			} else if (!kind_fits(q->cols[c].kind, &f[c])) {
				snprintf(what, sizeof(what), "column %s (SQL "
				    "type %d) cannot fill a member of kind %s",
				    f[c].name, (int)f[c].type,
				    kind_name[q->cols[c].kind]);
				say(report, arg, q, what);
				bad = 1;
			}
		}
	mysql_free_result(meta);
	return bad;
}

int
db_check_maps(struct db *db, void (*report)(void *, const char *),
    void *arg, size_t *checked)
{
	size_t	i, j;
	int	problems = 0;

	*checked = 0;
	for (i = 0; db_sql_sets[i] != NULL; i++)
		for (j = 0; db_sql_sets[i][j] != NULL; j++) {
			problems += check_one(db, db_sql_sets[i][j], report,
			    arg);
			(*checked)++;
		}
	return problems;
}
