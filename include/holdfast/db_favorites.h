/*
 * db_favorites.h: the statements of favorites and the reading history
 * (issue 14, items 1 and 3; src/db/sql_favorites.c) and their rows.
 */
#ifndef HOLDFAST_DB_FAVORITES_H
#define HOLDFAST_DB_FAVORITES_H

#include <stdint.h>

#include "holdfast/db.h"

/* A reader's favorite with its product's availability now. */
struct favorite {
	uint64_t	 id;		/* the keyset of the list */
	uint64_t	 product_id;
	const char	*sku, *name, *status;	/* the product's */
	long long	 available;
	const char	*stock_status;	/* stock.level */
	int		 notify;
	const char	*created_at;
};

/* A product a history entry names (db_sql_hist_products). */
struct hist_product {
	uint64_t	 id;
	const char	*sku, *name, *status;
	long long	 available;
	const char	*stock_status;
};

/* A reader to tell that a product is back (db_sql_fav_waiting). */
struct fav_waiter {
	const char	*email, *display_name;
};

/* id -> struct db_count (n: 1 when the product exists) */
extern struct db_sql	db_sql_fav_product;
/* user, product, notify (NULL: 0 new, kept otherwise) */
extern struct db_sql	db_sql_fav_put;
/* user, product */
extern struct db_sql	db_sql_fav_delete;
/* user, product -> struct favorite */
extern struct db_sql	db_sql_fav_get;
/* user, after, limit, offset -> struct favorite, newest first */
extern struct db_sql	db_sql_fav_list;
/* user -> struct db_count, to DB_LIST_CAP */
extern struct db_sql	db_sql_fav_list_count;
/* product -> struct db_count: its readers */
extern struct db_sql	db_sql_fav_count;
/* user, product -> struct db_count: 1 when a favorite */
extern struct db_sql	db_sql_fav_is;
/* product, limit -> struct fav_waiter: active readers with notify */
extern struct db_sql	db_sql_fav_waiting;
/* user -> struct db_count: users.history_enabled */
extern struct db_sql	db_sql_hist_enabled;
/* enabled (0/1), user */
extern struct db_sql	db_sql_hist_enabled_set;
/* JSON array of product ids -> struct hist_product (any order) */
extern struct db_sql	db_sql_hist_products;

#endif /* HOLDFAST_DB_FAVORITES_H */
