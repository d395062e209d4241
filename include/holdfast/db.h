/*
 * db.h: the only door to MariaDB. Every statement is a constant with ?
 * parameters, defined in src/db/sql_*.c (one file per domain) and
 * prepared once per connection on first use. Results come back as strings
 * copied into the caller's arena.
 */
#ifndef HOLDFAST_DB_H
#define HOLDFAST_DB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "holdfast/core.h"

struct db;

/*
 * One prepared statement: its constant text and the slot the db layer
 * gives it on first use (per process; each connection prepares it once).
 */
struct db_sql {
	const char		*text;
	int			 slot;		/* 0 until first use */
	/* the columns a SELECT returns, in order, and the struct they fill
	 * (DB_SQL_MAP); holdfast-admin check-sql compares them with the
	 * statement's result metadata */
	const struct hf_field	*cols;
	size_t			 ncols;
	size_t			 rowsize;
};

#define DB_SQL(text)	{ (text), 0, NULL, 0, 0 }
#define DB_SQL_MAP(text, map, type) \
	{ (text), 0, (map), HF_NITEMS(map), sizeof(type) }

/* One integer column named n (COUNT(*) AS n, ...) into struct db_count. */
struct db_count {
	long long	 n;
};
extern const struct hf_field	db_map_count[1];
#define DB_SQL_COUNT(text) \
	{ (text), 0, db_map_count, 1, sizeof(struct db_count) }
#define DB_MAX_SQL	512

/* A DATETIME(3) column as ISO 8601 UTC with milliseconds. */
#define DB_ISO(col) "CONCAT(DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.'), " \
	"LPAD(MICROSECOND(" col ") DIV 1000, 3, '0'), 'Z')"
/* The same named as the column map names it. */
#define DB_ISO_AS(col, name)	DB_ISO(col) " AS " name

/* sql_accounts.c: db_accounts.h */

/* sql_locations.c: db_inventory.h */
extern struct db_sql	db_sql_location_list, db_sql_location_by_code,
			db_sql_location_lock_code, db_sql_location_share,
			db_sql_location_insert,
			db_sql_location_update, db_sql_location_freeze,
			db_sql_location_units, db_sql_place_lock,
			db_sql_places_of, db_sql_place_write,
			db_sql_reconcile_places;

/* sql_inventory.c */
extern struct db_sql	db_sql_category_upsert, db_sql_product_insert,
			db_sql_stock_insert, db_sql_product_by_id;
extern struct db_sql	db_sql_stock_by_sku, db_sql_stock_lock_sku,
			db_sql_stock_lock_id, db_sql_stock_write,
			db_sql_stock_patch, db_sql_stock_list,
			db_sql_stock_count;
extern struct db_sql	db_sql_ledger_insert, db_sql_ledger_by_id,
			db_sql_ledger_list, db_sql_ledger_count,
			db_sql_ledger_stats_type, db_sql_ledger_stats_day,
			db_sql_ledger_list_sku, db_sql_ledger_count_sku;
extern struct db_sql	db_sql_reserve_call, db_sql_reservation_end_call,
			db_sql_stock_move_call, db_sql_order_create_call,
			db_sql_loan_create_call, db_sql_loan_return_call,
			db_sql_reference_end_call;
			/* sql_procs.c */
/* the keyset list shapes (issue 13) */
extern struct db_sql	db_sql_ledger_list_ref, db_sql_ledger_count_ref,
			db_sql_ledger_list_loc, db_sql_ledger_count_loc,
			db_sql_ledger_list_type, db_sql_ledger_count_type,
			db_sql_ledger_list_time,
			db_sql_ledger_list_time_after,
			db_sql_reservations_list_ref,
			db_sql_reservations_count_ref,
			db_sql_reservations_list_sku,
			db_sql_reservations_count_sku,
			db_sql_reservations_list_owner,
			db_sql_reservations_count_owner,
			db_sql_reservations_list_status,
			db_sql_reservations_count_status;
extern struct db_sql	db_sql_reservation_insert, db_sql_reservation_by_id,
			db_sql_reservation_lock_id,
			db_sql_reservation_lock_ref, db_sql_reservation_end,
			db_sql_reservation_of_ref,
			db_sql_reservation_ref_foreign,
			db_sql_reservation_expired_of,
			db_sql_reservations_due, db_sql_reservations_list,
			db_sql_reservations_count;
extern struct db_sql	db_sql_reconcile_ledger, db_sql_reconcile_active,
			db_sql_reconcile_endings, db_sql_products_all;

/* sql_catalog.c */
extern struct db_sql	db_sql_products_by_created, db_sql_products_by_name,
			db_sql_products_by_price, db_sql_products_by_price_desc,
			db_sql_category_find, db_sql_products_count,
			db_sql_search_by_created, db_sql_search_by_name,
			db_sql_search_by_price, db_sql_search_by_price_desc,
			db_sql_search_count,
			db_sql_product_lock, db_sql_product_update,
			db_sql_product_retire, db_sql_product_loans_active,
			db_sql_product_set_cover, db_sql_categories_list,
			db_sql_stock_of_ids;

enum db_ptype {
	DB_P_NULL = 0,
	DB_P_INT,
	DB_P_STR,
	DB_P__MAX
};

struct db_param {
	enum db_ptype	 type;
	long long	 i;
	const char	*s;
	size_t		 len;
	int		 twice;		/* an optional filter: bound twice */
};

#define DB_INT(v)	((struct db_param){ .type = DB_P_INT, .i = (v) })
#define DB_STR(v)	((struct db_param){ .type = DB_P_STR, .s = (v), \
			    .len = (v) != NULL ? strlen(v) : 0 })
#define DB_STRN(v, n)	((struct db_param){ .type = DB_P_STR, .s = (v), \
			    .len = (n) })
#define DB_NULL		((struct db_param){ .type = DB_P_NULL })
#define DB_STR_OR_NULL(v) ((v) != NULL ? DB_STR(v) : DB_NULL)
/*
 * An optional filter, "(? IS NULL OR x = ?)": one parameter here, bound to
 * both placeholders. NULL (or set == 0) matches every row.
 */
#define DB_OPT_STR(v)	((struct db_param){ .type = (v) != NULL ? \
			    DB_P_STR : DB_P_NULL, .s = (v), .len = (v) != \
			    NULL ? strlen(v) : 0, .twice = 1 })
#define DB_OPT_INT(set, v) ((struct db_param){ .type = (set) ? DB_P_INT : \
			    DB_P_NULL, .i = (v), .twice = 1 })

struct db_result {
	size_t		  nrows;
	size_t		  ncols;
	char		**cells;	/* nrows * ncols; NULL for SQL NULL */
	size_t		 *lens;
};

#define DB_CELL(r, row, col)	((r)->cells[(row) * (r)->ncols + (col)])

struct db	*db_new(const struct hf_config *);
void		 db_free(struct db *);
int		 db_connect(struct db *);
void		 db_disconnect(struct db *);
int		 db_ensure(struct db *);
int		 db_connected(const struct db *);
int		 db_in_txn(const struct db *);
int		 db_ping(struct db *);
const char	*db_last_error(const struct db *);

int	 db_query(struct db *, struct arena *, struct db_sql *,
	    const struct db_param *, size_t nparams, struct db_result *);
int	 db_exec(struct db *, struct db_sql *, const struct db_param *,
	    size_t nparams, uint64_t *affected, uint64_t *insert_id);

/*
 * A statement with a column map (DB_SQL_MAP): its rows decoded into an
 * arena array of the map's struct. db_row: the first row into *row, and
 * *found 0 or 1 (row zeroed when none).
 */
int	 db_rows(struct db *, struct arena *, struct db_sql *,
	    const struct db_param *, size_t nparams, void *rowsp,
	    size_t *nrows);
int	 db_row(struct db *, struct arena *, struct db_sql *,
	    const struct db_param *, size_t nparams, void *row, int *found);
long long db_count_of(struct db *, struct arena *, struct db_sql *,
	    const struct db_param *, size_t nparams, int *rc);

/*
 * holdfast-admin check-sql: every statement (each sql_*.c lists its own,
 * sql_all.c the lists) must prepare against the migrated schema, and one
 * that returns rows must carry a column map matching its result metadata
 * by number, name and kind. Each problem goes to report; returns how many.
 */
int	 db_check_maps(struct db *, void (*report)(void *, const char *),
	    void *arg, size_t *checked);

/*
 * A statement's rows one at a time as they arrive (stream.c), each
 * decoded through its column map and gone when fn returns: constant
 * memory for any number of rows (a CSV export). fn returns HF_OK to go
 * on. The connection runs nothing else meanwhile.
 */
typedef int (*db_row_fn)(void *arg, void *row);
int	 db_stream(struct db *, struct db_sql *, const struct db_param *,
	    size_t nparams, db_row_fn, void *arg, unsigned long long *nrows);

typedef int (*db_txn_fn)(struct db *, void *ctx);
int	 db_txn(struct db *, db_txn_fn, void *ctx);
/* fn ends its own transaction (a procedure): again after a deadlock */
int	 db_retry(struct db *, db_txn_fn, void *ctx);
/* The open transaction's number, new for every attempt of db_txn: what
 * a caller remembers about locks it holds is good while it is the same. */
uint64_t db_txn_seq(const struct db *);
unsigned db_deadlock_retries_total(const struct db *);

/* Administration (holdfast-admin): multi-statement scripts. */
int	 db_migrate(struct db *, const char *sql_dir, int dry_run);
int	 db_grant(struct db *, const char *user, const char *host);

#endif /* HOLDFAST_DB_H */
