/*
 * db_stock_at.h: stock at a past moment (issue 17 item 5) and the current
 * stock at one location, with the rows their statements (sql_stock_at.c)
 * return. A moment is answered from the ledger's after-values: each
 * ledger row is one location's, so a product's stock at a location at
 * moment T is the on_hand_after and reserved_after of its last row there
 * with created_at <= T (0 and 0 before its first).
 */
#ifndef HOLDFAST_DB_STOCK_AT_H
#define HOLDFAST_DB_STOCK_AT_H

#include <stdint.h>

#include "holdfast/db.h"

/*
 * One product at one location: db_sql_stock_places_one and _page, the
 * places of a product or of a page of products, with their units now
 * (location_stock; ledger_id 0). A product with no place (or none at the
 * location asked for) comes once with location_id 0. At a moment the
 * service replaces the figures with a dive's (struct stock_at_dive).
 */
struct stock_at_row {
	uint64_t	 product_id;
	const char	*sku, *name;
	uint64_t	 location_id;
	const char	*location;	/* its code */
	uint64_t	 ledger_id;
	long long	 on_hand, reserved;
};

#define DB_MAP_STOCK_AT \
	HF_FIELD(struct stock_at_row, product_id, HF_K_U64), \
	HF_FIELD(struct stock_at_row, sku, HF_K_STR), \
	HF_FIELD(struct stock_at_row, name, HF_K_STR), \
	HF_FIELD(struct stock_at_row, location_id, HF_K_U64), \
	HF_FIELD(struct stock_at_row, location, HF_K_STR), \
	HF_FIELD(struct stock_at_row, ledger_id, HF_K_U64), \
	HF_FIELD(struct stock_at_row, on_hand, HF_K_INT), \
	HF_FIELD(struct stock_at_row, reserved, HF_K_INT)

/*
 * db_sql_stock_at_dives: the last ledger row of each of DB_AT_DIVES
 * (product, location) points up to the moment, one row per point that
 * had one (slot: the point's place in the batch, 0 to DB_AT_DIVES - 1).
 */
#define DB_AT_DIVES	24
struct stock_at_dive {
	long long	 slot;
	uint64_t	 ledger_id;
	long long	 on_hand, reserved;
};

/*
 * db_sql_stock_at_mark: the point ?ledger_id=N names. last_id is the
 * ledger's last id (0: empty); id, at and bound are those of the last row
 * with id <= N (0 and NULL when there is none): at its created_at as ISO
 * 8601, bound one second past it in the database's form (the upper bound
 * of the dives, sql_stock_at.c).
 */
struct stock_at_mark {
	uint64_t	 last_id;
	uint64_t	 id;
	const char	*at, *bound;
};

/* -> struct stock_at_row */
extern struct db_sql	db_sql_stock_places_one, db_sql_stock_places_page;
/* -> struct stock_at_dive */
extern struct db_sql	db_sql_stock_at_dives;
/* -> struct stock_at_mark */
extern struct db_sql	db_sql_stock_at_mark;
/* -> struct db_count: 1 when the moment ? is past the database's clock */
extern struct db_sql	db_sql_stock_at_future;

#endif /* HOLDFAST_DB_STOCK_AT_H */
