/*
 * db_recs.h: the recommendations' rows and statements (sql_recs.c, issue
 * 14 item 4), read from the co-borrow tables of 018_recommendations.sql.
 */
#ifndef HOLDFAST_DB_RECS_H
#define HOLDFAST_DB_RECS_H

#include "holdfast/db_inventory.h"

/*
 * One recommended product: the product with its stock (first:
 * DB_MAP_PRODUCT's offsets), then why. readers: the distinct readers
 * who borrowed it and the product asked about (related), or who
 * borrowed it at all (recommendations); score: the co-borrows it shares
 * with the reader's titles; reason: "borrowed_together", "category" or
 * "popular".
 */
struct rec_item {
	struct product	 p;
	long long	 readers;
	long long	 score;
	const char	*reason;
};

extern struct db_sql	db_sql_recs_product_exists, db_sql_recs_related,
			db_sql_recs_for_user;

#endif /* HOLDFAST_DB_RECS_H */
