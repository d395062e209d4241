/*
 * db_inventory.h: the typed rows of the stock statements (sql_inventory.c).
 * Each row struct is filled by db_rows/db_row through the column map its
 * statements carry (DB_SQL_MAP), whose names are the SQL's own column
 * names; holdfast-admin check-sql proves the two agree.
 */
#ifndef HOLDFAST_DB_INVENTORY_H
#define HOLDFAST_DB_INVENTORY_H

#include <stdint.h>

#include "holdfast/db.h"

/* STOCK_COLS: db_sql_stock_by_sku, _lock_sku, _lock_id, _list */
struct stock_row {
	uint64_t	 product_id;
	const char	*sku;
	const char	*name;
	long long	 on_hand, reserved, available;
	const char	*level;
	long long	 warning_threshold, critical_threshold;
	const char	*location;
	int		 is_active;
	const char	*low_state;
	const char	*updated_at;
	/* products.status, read under the same lock: active, maintenance,
	 * retired */
	const char	*product_status;
};

#endif /* HOLDFAST_DB_INVENTORY_H */
