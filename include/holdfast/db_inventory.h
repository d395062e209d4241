/*
 * db_inventory.h: the typed rows of the inventory and catalog statements
 * (sql_inventory.c, sql_catalog.c). Each row struct is filled by
 * db_rows/db_row through the column map its statements carry
 * (DB_SQL_MAP), whose names are the SQL's own column names;
 * holdfast-admin check-sql proves the two agree. The services use these
 * structs as their domain types (svc.h includes this header).
 */
#ifndef HOLDFAST_DB_INVENTORY_H
#define HOLDFAST_DB_INVENTORY_H

#include <stdint.h>

#include "holdfast/db.h"

/*
 * LOC_COLS: db_sql_location_list, _by_code, _lock_code. Where units are
 * (009_locations.sql); frozen_by is 0 when no stocktake froze it.
 */
struct location {
	uint64_t	 id;
	const char	*code, *name, *kind;
	int		 is_active;
	long long	 priority;
	uint64_t	 frozen_by;
	long long	 version;
	const char	*created_at, *updated_at;
};

#define DB_MAP_LOCATION \
	HF_FIELD(struct location, id, HF_K_U64), \
	HF_FIELD(struct location, code, HF_K_STR), \
	HF_FIELD(struct location, name, HF_K_STR), \
	HF_FIELD(struct location, kind, HF_K_STR), \
	HF_FIELD(struct location, is_active, HF_K_BOOL), \
	HF_FIELD(struct location, priority, HF_K_INT), \
	HF_FIELD(struct location, frozen_by, HF_K_U64), \
	HF_FIELD(struct location, version, HF_K_INT), \
	HF_FIELD(struct location, created_at, HF_K_STR), \
	HF_FIELD(struct location, updated_at, HF_K_STR)

/*
 * One product's units at one location (location_stock): db_sql_place_lock
 * (locked, location NULL: the service names it) and db_sql_places_of.
 */
struct stock_place {
	uint64_t	 product_id, location_id;
	const char	*location;	/* its code */
	long long	 on_hand, reserved, available;
};

#define DB_MAP_PLACE \
	HF_FIELD(struct stock_place, product_id, HF_K_U64), \
	HF_FIELD(struct stock_place, location_id, HF_K_U64), \
	HF_FIELD(struct stock_place, location, HF_K_STR), \
	HF_FIELD(struct stock_place, on_hand, HF_K_INT), \
	HF_FIELD(struct stock_place, reserved, HF_K_INT), \
	HF_FIELD(struct stock_place, available, HF_K_INT)

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
	/* not columns: the product's places, locked (places.c) once a
	 * change or the locker needs them; NULL until then */
	struct stock_place *places;
	size_t		 nplaces;
};

/*
 * The map of STOCK_COLS into the struct stock_row at member m of type
 * (m is "stock." inside struct product, empty for a struct stock_row).
 */
#define DB_MAP_STOCK(type, m) \
	HF_FIELD_AS("product_id", type, m product_id, HF_K_U64), \
	HF_FIELD_AS("sku", type, m sku, HF_K_STR), \
	HF_FIELD_AS("name", type, m name, HF_K_STR), \
	HF_FIELD_AS("on_hand", type, m on_hand, HF_K_INT), \
	HF_FIELD_AS("reserved", type, m reserved, HF_K_INT), \
	HF_FIELD_AS("available", type, m available, HF_K_INT), \
	HF_FIELD_AS("level", type, m level, HF_K_STR), \
	HF_FIELD_AS("warning_threshold", type, m warning_threshold, \
	    HF_K_INT), \
	HF_FIELD_AS("critical_threshold", type, m critical_threshold, \
	    HF_K_INT), \
	HF_FIELD_AS("location", type, m location, HF_K_STR), \
	HF_FIELD_AS("is_active", type, m is_active, HF_K_BOOL), \
	HF_FIELD_AS("low_state", type, m low_state, HF_K_STR), \
	HF_FIELD_AS("updated_at", type, m updated_at, HF_K_STR), \
	HF_FIELD_AS("product_status", type, m product_status, HF_K_STR)

/*
 * A product with its stock row: db_sql_product_by_id and the catalog's
 * lists (PRODUCT_COLS), which leave out (NULL) a description or
 * attributes over the caps.
 */
struct product {
	uint64_t	 id;
	const char	*sku, *name, *description, *category, *price;
	const char	*attributes;	/* JSON text or NULL */
	const char	*cover_url, *status, *created_at;
	struct stock_row stock;
};

/* The map of a product's columns followed by STOCK_COLS. */
#define DB_MAP_PRODUCT \
	HF_FIELD(struct product, id, HF_K_U64), \
	HF_FIELD(struct product, sku, HF_K_STR), \
	HF_FIELD(struct product, name, HF_K_STR), \
	HF_FIELD(struct product, description, HF_K_STR), \
	HF_FIELD(struct product, category, HF_K_STR), \
	HF_FIELD(struct product, price, HF_K_STR), \
	HF_FIELD(struct product, attributes, HF_K_JSON), \
	HF_FIELD(struct product, cover_url, HF_K_STR), \
	HF_FIELD(struct product, status, HF_K_STR), \
	HF_FIELD(struct product, created_at, HF_K_STR), \
	DB_MAP_STOCK(struct product, stock.)

/* A search page's row: the product and the number of all the matches. */
struct product_hit {
	struct product	 p;		/* first: DB_MAP_PRODUCT's offsets */
	long long	 total;
};

/* RES_COLS: db_sql_reservation_by_id, _lock_id, _of_ref, _lock_ref,
 * _expired_of, db_sql_reservations_list */
struct reservation {
	uint64_t	 id;
	const char	*sku;
	long long	 quantity;
	const char	*type, *reference_id, *status, *expires_at,
			*created_at;
	uint64_t	 product_id;
	int		 expired;	/* expires_at has passed (the DB's clock) */
	const char	*origin;	/* api, order, hold, loan */
	const char	*created_by;	/* the owner's actor */
	uint64_t	 location_id;	/* where its units are held */
	const char	*location;	/* that location's code */
};
/* RES_COLS, in order (sql_inventory.c; sql_procs.c adds the location) */
#define DB_MAP_RESERVATION \
	HF_FIELD(struct reservation, id, HF_K_U64), \
	HF_FIELD(struct reservation, sku, HF_K_STR), \
	HF_FIELD(struct reservation, quantity, HF_K_INT), \
	HF_FIELD(struct reservation, type, HF_K_STR), \
	HF_FIELD(struct reservation, reference_id, HF_K_STR), \
	HF_FIELD(struct reservation, status, HF_K_STR), \
	HF_FIELD(struct reservation, expires_at, HF_K_STR), \
	HF_FIELD(struct reservation, created_at, HF_K_STR), \
	HF_FIELD(struct reservation, product_id, HF_K_U64), \
	HF_FIELD(struct reservation, expired, HF_K_BOOL), \
	HF_FIELD(struct reservation, origin, HF_K_STR), \
	HF_FIELD(struct reservation, created_by, HF_K_STR), \
	HF_FIELD(struct reservation, location_id, HF_K_U64)


/* hf_stock_move's row (sql_procs.c): the stock after, the ledger row, and
 * the location moved at (its code) */
struct stock_moved {
	struct stock_row	 stock;
	uint64_t		 ledger_id;
	const char		*moved_at;
};

/* LEDGER_COLS: db_sql_ledger_by_id, _list, _list_sku */
struct ledger_row {
	uint64_t	 id;
	const char	*sku, *location, *type;
	long long	 on_hand_delta, reserved_delta;
	long long	 on_hand_after, reserved_after;
	const char	*reference_type, *reference_id, *reason, *actor,
			*request_id, *created_at;
};

/* the columns of struct ledger_row, in order: its statements' map and the
 * api's rendering of it */
#define DB_MAP_LEDGER \
	HF_FIELD(struct ledger_row, id, HF_K_U64), \
	HF_FIELD(struct ledger_row, sku, HF_K_STR), \
	HF_FIELD(struct ledger_row, location, HF_K_STR), \
	HF_FIELD(struct ledger_row, type, HF_K_STR), \
	HF_FIELD(struct ledger_row, on_hand_delta, HF_K_INT), \
	HF_FIELD(struct ledger_row, reserved_delta, HF_K_INT), \
	HF_FIELD(struct ledger_row, on_hand_after, HF_K_INT), \
	HF_FIELD(struct ledger_row, reserved_after, HF_K_INT), \
	HF_FIELD(struct ledger_row, reference_type, HF_K_STR), \
	HF_FIELD(struct ledger_row, reference_id, HF_K_STR), \
	HF_FIELD(struct ledger_row, reason, HF_K_STR), \
	HF_FIELD(struct ledger_row, actor, HF_K_STR), \
	HF_FIELD(struct ledger_row, request_id, HF_K_STR), \
	HF_FIELD(struct ledger_row, created_at, HF_K_STR)

/* db_sql_ledger_stats_type (day NULL), db_sql_ledger_stats_day */
struct ledger_stat {
	const char	*day;		/* YYYY-MM-DD */
	const char	*type;
	long long	 count, on_hand_delta, reserved_delta;
};

/* columns of struct ledger_stat: its statements' map and the api's rendering of it */
#define DB_MAP_LEDGER_STAT_DAY \
	HF_FIELD(struct ledger_stat, day, HF_K_STR), \
	HF_FIELD(struct ledger_stat, type, HF_K_STR), \
	HF_FIELD(struct ledger_stat, count, HF_K_INT), \
	HF_FIELD(struct ledger_stat, on_hand_delta, HF_K_INT), \
	HF_FIELD(struct ledger_stat, reserved_delta, HF_K_INT)

/* columns of struct ledger_stat: its statements' map and the api's rendering of it */
#define DB_MAP_LEDGER_STAT_TYPE \
	HF_FIELD(struct ledger_stat, type, HF_K_STR), \
	HF_FIELD(struct ledger_stat, count, HF_K_INT), \
	HF_FIELD(struct ledger_stat, on_hand_delta, HF_K_INT), \
	HF_FIELD(struct ledger_stat, reserved_delta, HF_K_INT)

/* db_sql_reconcile_places: one location's row of a product beside the
 * sums of its ledger deltas and of its active reservations there */
struct place_sums {
	uint64_t	 location_id;
	const char	*location;
	long long	 on_hand, reserved, ledger_on_hand, ledger_reserved;
	long long	 active;
};

/* db_sql_reconcile_ledger: the sums of one product's ledger */
struct ledger_sums {
	long long	 on_hand, reserved;
};

/* db_sql_reconcile_endings: a reservation with the wrong number of
 * ending rows (deduct or release) in the ledger */
struct reservation_endings {
	uint64_t	 id;
	const char	*status;
	long long	 endings;
};

/* db_sql_products_all: every SKU, for holdfast-admin reconcile */
struct product_sku {
	uint64_t	 id;
	const char	*sku;
};

/* db_sql_product_lock: a product and its stock row, locked */
struct product_lock {
	uint64_t	 id;
	const char	*sku;
	long long	 reserved;
};

/* db_sql_categories_list (db_sql_category_find: the id alone) */
struct category_row {
	uint64_t	 id;
	const char	*name, *slug;
	long long	 products;	/* not retired */
};

/* columns of struct category_row: its statements' map and the api's rendering of it */
#define DB_MAP_CATEGORY \
	HF_FIELD(struct category_row, id, HF_K_U64), \
	HF_FIELD(struct category_row, name, HF_K_STR), \
	HF_FIELD(struct category_row, slug, HF_K_STR), \
	HF_FIELD(struct category_row, products, HF_K_INT)

#endif /* HOLDFAST_DB_INVENTORY_H */
