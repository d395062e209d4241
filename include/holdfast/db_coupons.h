/*
 * db_coupons.h: coupons (issue 15 item 2; sql/021_coupons.sql): the rows
 * the statements of sql_coupons.c return.
 */
#ifndef HOLDFAST_DB_COUPONS_H
#define HOLDFAST_DB_COUPONS_H

#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_coupon_get, _list: a campaign and the counts of its rows */
struct coupon_campaign {
	uint64_t	 id;
	const char	*name, *kind, *value, *min_spend;
	const char	*starts_at, *ends_at;
	long long	 total, reserved, used, per_user;
	int		 active;
	const char	*created_at;
	long long	 rows_reserved, rows_used;	/* its redemptions */
	const char	*codes;		/* JSON array text */
};

#define DB_MAP_COUPON \
	HF_FIELD(struct coupon_campaign, id, HF_K_U64), \
	HF_FIELD(struct coupon_campaign, name, HF_K_STR), \
	HF_FIELD(struct coupon_campaign, kind, HF_K_STR), \
	HF_FIELD(struct coupon_campaign, value, HF_K_MONEY), \
	HF_FIELD(struct coupon_campaign, min_spend, HF_K_MONEY), \
	HF_FIELD(struct coupon_campaign, starts_at, HF_K_STR), \
	HF_FIELD(struct coupon_campaign, ends_at, HF_K_STR), \
	HF_FIELD(struct coupon_campaign, total, HF_K_INT), \
	HF_FIELD(struct coupon_campaign, reserved, HF_K_INT), \
	HF_FIELD(struct coupon_campaign, used, HF_K_INT), \
	HF_FIELD(struct coupon_campaign, per_user, HF_K_INT), \
	HF_FIELD(struct coupon_campaign, active, HF_K_BOOL), \
	HF_FIELD(struct coupon_campaign, created_at, HF_K_STR), \
	HF_FIELD(struct coupon_campaign, rows_reserved, HF_K_INT), \
	HF_FIELD(struct coupon_campaign, rows_used, HF_K_INT), \
	HF_FIELD(struct coupon_campaign, codes, HF_K_JSON)

/* db_sql_coupon_code_lock: a code and its campaign, both locked */
struct coupon_lock {
	const char	*code;
	uint64_t	 campaign_id;
	int		 single_use;
	const char	*kind;
	long long	 value_cents, min_cents;
	int		 started, ended, active;
	long long	 total, reserved, used, per_user;
	const char	*starts_at, *ends_at;
};

/* db_sql_coupon_of_order: an order's redemption */
struct coupon_redemption {
	uint64_t	 id;
	uint64_t	 campaign_id;
	const char	*status;
	const char	*code, *discount;	/* money text */
};

/* db_sql_coupon_reconcile: a campaign beside the rows it must equal */
struct coupon_check {
	uint64_t	 campaign_id;
	long long	 total, reserved, used;
	long long	 rows_reserved, rows_used;
	long long	 orders_off;	/* redemptions that disagree */
	long long	 orders_missing;	/* orders with a code, no row */
	long long	 codes_over;	/* single-use codes held twice */
};

extern struct db_sql	db_sql_coupon_insert;
extern struct db_sql	db_sql_coupon_code_insert;
extern struct db_sql	db_sql_coupon_scope_product;
extern struct db_sql	db_sql_coupon_scope_category;
extern struct db_sql	db_sql_coupon_get;
extern struct db_sql	db_sql_coupons_list;
extern struct db_sql	db_sql_coupons_count;
extern struct db_sql	db_sql_coupon_set_active;
extern struct db_sql	db_sql_coupon_lock_held, db_sql_coupon_update;
extern struct db_sql	db_sql_coupon_code_lock;
extern struct db_sql	db_sql_coupon_code_taken;
extern struct db_sql	db_sql_coupon_actor_count;
extern struct db_sql	db_sql_coupon_eligible;
extern struct db_sql	db_sql_coupon_redeem;
extern struct db_sql	db_sql_coupon_counts;
extern struct db_sql	db_sql_coupon_order_set;
extern struct db_sql	db_sql_coupon_of_order;
extern struct db_sql	db_sql_coupon_lock;
extern struct db_sql	db_sql_coupon_end;
extern struct db_sql	db_sql_coupon_unused;
extern struct db_sql	db_sql_coupon_reconcile;

#endif /* HOLDFAST_DB_COUPONS_H */
