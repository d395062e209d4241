/*
 * db_stocktakes.h: the typed rows of the stocktake statements
 * (sql_stocktakes.c, 011_stocktakes.sql). Each row struct is filled
 * through the column map its statements carry; the same tables render
 * the API's JSON (DB_MAP_STOCKTAKE, DB_MAP_STOCKTAKE_LINE), so that the
 * SQL, the struct and the answer cannot drift apart.
 */
#ifndef HOLDFAST_DB_STOCKTAKES_H
#define HOLDFAST_DB_STOCKTAKES_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db.h"

/*
 * STK_COLS: db_sql_stocktake_by_id, _lock_id (location NULL: the
 * service names it), db_sql_stocktakes_list.
 */
struct stocktake {
	uint64_t	 id;
	const char	*location;	/* its code */
	const char	*status;	/* open, posted, cancelled */
	int		 freeze;
	uint64_t	 start_ledger_id;
	long long	 line_count;
	const char	*note, *created_by, *closed_by;
	const char	*started_at, *posted_at, *cancelled_at;
	uint64_t	 location_id;
	/* not columns: its lines (svc_stocktake_get and the writes) */
	struct stocktake_line *lines;
	size_t		 nlines;
};

/* The columns of struct stocktake as the API shows them, in order. */
#define DB_MAP_STOCKTAKE \
	HF_FIELD(struct stocktake, id, HF_K_U64), \
	HF_FIELD(struct stocktake, location, HF_K_STR), \
	HF_FIELD(struct stocktake, status, HF_K_STR), \
	HF_FIELD(struct stocktake, freeze, HF_K_BOOL), \
	HF_FIELD(struct stocktake, start_ledger_id, HF_K_U64), \
	HF_FIELD(struct stocktake, line_count, HF_K_INT), \
	HF_FIELD(struct stocktake, note, HF_K_STR), \
	HF_FIELD(struct stocktake, created_by, HF_K_STR), \
	HF_FIELD(struct stocktake, closed_by, HF_K_STR), \
	HF_FIELD(struct stocktake, started_at, HF_K_STR), \
	HF_FIELD(struct stocktake, posted_at, HF_K_STR), \
	HF_FIELD(struct stocktake, cancelled_at, HF_K_STR)

/* The statements' map: the API's columns, then the location's id. */
#define DB_MAP_STOCKTAKE_ROW \
	DB_MAP_STOCKTAKE, \
	HF_FIELDF(struct stocktake, location_id, HF_K_U64, HF_F_HIDE)

/* LINE_COLS: db_sql_stocktake_lines (SKU order, as rows are locked). */
struct stocktake_line {
	const char	*sku;
	long long	 counted, expected, variance;
	/* the adjust row the post wrote; HF_NULL_INT: none */
	long long	 ledger_id;
	uint64_t	 product_id;
};

#define DB_MAP_STOCKTAKE_LINE \
	HF_FIELD(struct stocktake_line, sku, HF_K_STR), \
	HF_FIELD(struct stocktake_line, counted, HF_K_INT), \
	HF_FIELD(struct stocktake_line, expected, HF_K_INT), \
	HF_FIELD(struct stocktake_line, variance, HF_K_INT), \
	HF_FIELDF(struct stocktake_line, ledger_id, HF_K_INT, HF_F_NULL)

#define DB_MAP_STOCKTAKE_LINE_ROW \
	DB_MAP_STOCKTAKE_LINE, \
	HF_FIELDF(struct stocktake_line, product_id, HF_K_U64, HF_F_HIDE)

/* db_sql_stocktake_product: a product by SKU (any case), as stored */
struct stocktake_product {
	uint64_t	 id;
	const char	*sku;
};

/* sql_stocktakes.c */
extern struct db_sql	db_sql_stocktake_insert, db_sql_stocktake_by_id,
			db_sql_stocktake_lock_id, db_sql_stocktake_open_at,
			db_sql_stocktakes_list, db_sql_stocktakes_count,
			db_sql_stocktake_end, db_sql_stocktake_lines,
			db_sql_stocktake_lines_clear,
			db_sql_stocktake_line_insert,
			db_sql_stocktake_line_post,
			db_sql_stocktake_product,
			db_sql_stocktake_place_lock, db_sql_stocktake_mark,
			db_sql_stocktake_expected,
			db_sql_stocktake_expected_lock;

#endif /* HOLDFAST_DB_STOCKTAKES_H */
