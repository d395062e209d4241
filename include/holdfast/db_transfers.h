/*
 * db_transfers.h: the statements of transfers (sql_transfers.c,
 * 010_transfers.sql) and the typed rows they fill. A transfer's rows are
 * locked after the stock rows of its products (SKU order), so the lock
 * order stays (product, location), then transfer, then its lines, then
 * holds.
 */
#ifndef HOLDFAST_DB_TRANSFERS_H
#define HOLDFAST_DB_TRANSFERS_H

#include <stdint.h>

#include "holdfast/db.h"

/*
 * One product of a transfer (XFER_LINE_COLS: db_sql_transfer_lines_of,
 * _lines_lock). in_transit = quantity - received - written_off -
 * returned.
 */
struct transfer_line {
	uint64_t	 transfer_id, product_id;
	const char	*sku;
	long long	 quantity, received, written_off, returned, in_transit;
	const char	*write_off_reason;
};

/* the columns of struct transfer_line as the API shows them */
#define DB_MAP_TRANSFER_LINE \
	HF_FIELD(struct transfer_line, sku, HF_K_STR), \
	HF_FIELD(struct transfer_line, quantity, HF_K_INT), \
	HF_FIELD(struct transfer_line, received, HF_K_INT), \
	HF_FIELD(struct transfer_line, written_off, HF_K_INT), \
	HF_FIELD(struct transfer_line, returned, HF_K_INT), \
	HF_FIELD(struct transfer_line, in_transit, HF_K_INT), \
	HF_FIELD(struct transfer_line, write_off_reason, HF_K_STR)

/*
 * XFER_COLS: db_sql_transfer_by_id, db_sql_transfers_list: a transfer
 * with its locations' codes and the sums over its lines.
 * db_sql_transfer_lock fills id, from_location_id, to_location_id,
 * status and hold_id (no join: the locations rows are never locked).
 */
struct transfer {
	uint64_t	 id;
	const char	*from, *to;		/* location codes */
	const char	*status;	/* in_transit, received, closed */
	const char	*note, *close_reason;
	long long	 hold_id;		/* HF_NULL_INT: none */
	const char	*created_by;
	const char	*created_at, *shipped_at, *received_at, *closed_at;
	long long	 quantity, received, written_off, returned, in_transit;
	uint64_t	 from_location_id, to_location_id;
	/* not columns: its lines (GET /transfers/{id}, every write) */
	struct transfer_line *lines;
	size_t		 nlines;
};

/* the columns of struct transfer as the API shows them (and the map) */
#define DB_MAP_TRANSFER \
	HF_FIELD(struct transfer, id, HF_K_U64), \
	HF_FIELD(struct transfer, from, HF_K_STR), \
	HF_FIELD(struct transfer, to, HF_K_STR), \
	HF_FIELD(struct transfer, status, HF_K_STR), \
	HF_FIELD(struct transfer, note, HF_K_STR), \
	HF_FIELDF(struct transfer, hold_id, HF_K_INT, HF_F_NULL), \
	HF_FIELD(struct transfer, created_by, HF_K_STR), \
	HF_FIELD(struct transfer, created_at, HF_K_STR), \
	HF_FIELD(struct transfer, shipped_at, HF_K_STR), \
	HF_FIELD(struct transfer, received_at, HF_K_STR), \
	HF_FIELD(struct transfer, closed_at, HF_K_STR), \
	HF_FIELD(struct transfer, close_reason, HF_K_STR), \
	HF_FIELD(struct transfer, quantity, HF_K_INT), \
	HF_FIELD(struct transfer, received, HF_K_INT), \
	HF_FIELD(struct transfer, written_off, HF_K_INT), \
	HF_FIELD(struct transfer, returned, HF_K_INT), \
	HF_FIELD(struct transfer, in_transit, HF_K_INT)

/*
 * db_sql_reconcile_transfers: one product's transfer units, from its
 * transfer lines and from its ledger (every transfer_out / transfer_in
 * row of the product, whatever it names).
 */
struct transfer_sums {
	long long	 quantity, received, written_off, returned, in_transit;
	long long	 ledger_out, ledger_in;
	long long	 ended_in_transit;	/* on transfers that ended */
};

/*
 * db_sql_reconcile_transfer_lines: a line of the product whose ledger
 * rows (naming its transfer) disagree with it: out at `from` against
 * quantity, in at `to` against received, in at `from` against returned.
 */
struct transfer_line_check {
	uint64_t	 transfer_id;
	const char	*status;
	long long	 quantity, received, returned, in_transit;
	long long	 ledger_out, ledger_in_to, ledger_in_from;
};

/* from_location_id, to_location_id, note, hold_id, created_by ->
 * insert_id */
extern struct db_sql	db_sql_transfer_insert;
/* transfer_id, product_id, sku, quantity */
extern struct db_sql	db_sql_transfer_line_insert;
/* id -> struct transfer (XFER_COLS) */
extern struct db_sql	db_sql_transfer_by_id;
/* id -> struct transfer: id, from/to_location_id, status, hold_id
 * (FOR UPDATE) */
extern struct db_sql	db_sql_transfer_lock;
/* transfer_id -> struct transfer_line, plain / FOR UPDATE */
extern struct db_sql	db_sql_transfer_lines_of, db_sql_transfer_lines_lock;
/* quantity, transfer_id, product_id, quantity -> affected (0: not that
 * many in transit) */
extern struct db_sql	db_sql_transfer_line_receive;
/* returned, written_off, reason (NULL: unchanged), transfer_id,
 * product_id, returned + written_off -> affected */
extern struct db_sql	db_sql_transfer_line_close;
/* id -> affected: the last receipt's time */
extern struct db_sql	db_sql_transfer_received_at;
/* status (received, closed), close_reason, id -> affected (0: it was not
 * in transit) */
extern struct db_sql	db_sql_transfer_end;
/* DB_OPT status, DB_OPT location id [, limit, offset] -> struct
 * transfer / count */
extern struct db_sql	db_sql_transfers_list, db_sql_transfers_count;
/* product_id -> struct transfer_sums */
extern struct db_sql	db_sql_reconcile_transfers;
/* product_id -> struct transfer_line_check (at most 20) */
extern struct db_sql	db_sql_reconcile_transfer_lines;

/* holds (010_transfers.sql): a hold whose copy is on its way */
/* id -> affected: waiting -> in_transit */
extern struct db_sql	db_sql_hold_set_in_transit;
/* id -> affected: in_transit -> waiting (its copy never came) */
extern struct db_sql	db_sql_hold_set_waiting;

#endif /* HOLDFAST_DB_TRANSFERS_H */
