/*
 * db_sweep.h: holdfast-expire's batched sweep (issue 13 item 7), the rows
 * and statements of sql_sweep.c. The service (src/svc/expire.c) frees the
 * expired reservations of a chunk of products in one short transaction:
 * their stock rows locked in SKU order, then every other row of the
 * chunk, one statement each, the lines of a statement passed as
 * one JSON array read with JSON_TABLE.
 */
#ifndef HOLDFAST_DB_SWEEP_H
#define HOLDFAST_DB_SWEEP_H

#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_sweep_due: a product with expired reservations, how many */
struct sweep_due {
	uint64_t	 product_id;
	const char	*sku;
	long long	 n;
};

/* db_sql_sweep_lock: one expired reservation, locked */
struct sweep_res {
	uint64_t	 id, product_id, location_id;
	long long	 quantity;
};

extern struct db_sql	db_sql_sweep_due, db_sql_sweep_stock_lock,
			db_sql_sweep_places,
			db_sql_sweep_lock, db_sql_sweep_end,
			db_sql_sweep_ledger, db_sql_sweep_place_write,
			db_sql_sweep_stock_write;

#endif /* HOLDFAST_DB_SWEEP_H */
