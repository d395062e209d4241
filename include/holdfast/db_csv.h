/*
 * db_csv.h: the typed rows of the CSV statements (src/db/sql_csv.c): the
 * exports, streamed one row at a time (db_stream), and what the import
 * reads of a product before it decides what changes. The ledger export's
 * rows are struct ledger_row (db_inventory.h).
 */
#ifndef HOLDFAST_DB_CSV_H
#define HOLDFAST_DB_CSV_H

#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_csv_products: one product at one location (the import's form);
 * location NULL and on_hand HF_NULL_INT for a product with no place */
struct csv_product_row {
	const char	*sku, *name, *price, *category, *description;
	const char	*location;
	long long	 on_hand;
};

/* db_sql_csv_stock: one product's units at one location */
struct csv_stock_row {
	const char	*sku, *name, *location;
	long long	 on_hand, reserved, available;
};

/* db_sql_csv_orders: one line of an order, with the order's columns */
struct csv_order_row {
	uint64_t	 order_id;
	const char	*reference_id, *created_at, *status;
	long long	 user_id;		/* HF_NULL_INT: an API key's */
	const char	*created_by, *currency, *total, *paid_at,
			*cancelled_at, *refunded_at, *fulfilled_at, *note;
	const char	*sku;
	long long	 quantity;
	const char	*unit_price, *line_total, *location;
};

/*
 * db_sql_csv_import_product, _range: a product as the import compares it
 * (no lock); places "location_id:on_hand:reserved,..." in location order.
 */
struct csv_import_product {
	uint64_t	 id;
	const char	*sku, *name, *description, *price;
	uint64_t	 category_id;		/* 0: none */
	const char	*status, *places;
};

extern struct db_sql	db_sql_csv_products, db_sql_csv_stock,
			db_sql_csv_ledger, db_sql_csv_orders,
			db_sql_csv_import_product,
			db_sql_csv_import_range;

#endif /* HOLDFAST_DB_CSV_H */
