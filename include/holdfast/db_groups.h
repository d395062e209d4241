/*
 * db_groups.h: group buys (issue 15 item 4; sql/023_groups.sql): the rows
 * the statements of sql_groups.c return.
 */
#ifndef HOLDFAST_DB_GROUPS_H
#define HOLDFAST_DB_GROUPS_H

#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_grp_campaign_get, _list: a campaign and the counts of its groups */
struct grp_campaign {
	uint64_t	 id;
	const char	*name, *sku;
	long long	 group_size;
	const char	*group_price, *deadline;
	long long	 per_user;
	int		 active, past;
	const char	*created_at;
	long long	 groups_open, groups_succeeded, groups_failed;
};

#define DB_MAP_GRP_CAMPAIGN \
	HF_FIELD(struct grp_campaign, id, HF_K_U64), \
	HF_FIELD(struct grp_campaign, name, HF_K_STR), \
	HF_FIELD(struct grp_campaign, sku, HF_K_STR), \
	HF_FIELD(struct grp_campaign, group_size, HF_K_INT), \
	HF_FIELD(struct grp_campaign, group_price, HF_K_MONEY), \
	HF_FIELD(struct grp_campaign, deadline, HF_K_STR), \
	HF_FIELD(struct grp_campaign, per_user, HF_K_INT), \
	HF_FIELD(struct grp_campaign, active, HF_K_BOOL), \
	HF_FIELD(struct grp_campaign, past, HF_K_BOOL), \
	HF_FIELD(struct grp_campaign, created_at, HF_K_STR), \
	HF_FIELD(struct grp_campaign, groups_open, HF_K_INT), \
	HF_FIELD(struct grp_campaign, groups_succeeded, HF_K_INT), \
	HF_FIELD(struct grp_campaign, groups_failed, HF_K_INT)

/* db_sql_grp_get, _list: a group, its campaign's terms, its member rows */
struct grp_group {
	uint64_t	 id, campaign_id;
	const char	*sku, *state;
	long long	 size, joined, paid;
	const char	*group_price, *deadline, *created_at, *ended_at;
	long long	 rows_joined, rows_paid;	/* its member rows */
};

#define DB_MAP_GRP_GROUP \
	HF_FIELD(struct grp_group, id, HF_K_U64), \
	HF_FIELD(struct grp_group, campaign_id, HF_K_U64), \
	HF_FIELD(struct grp_group, sku, HF_K_STR), \
	HF_FIELD(struct grp_group, state, HF_K_STR), \
	HF_FIELD(struct grp_group, size, HF_K_INT), \
	HF_FIELD(struct grp_group, joined, HF_K_INT), \
	HF_FIELD(struct grp_group, paid, HF_K_INT), \
	HF_FIELD(struct grp_group, group_price, HF_K_MONEY), \
	HF_FIELD(struct grp_group, deadline, HF_K_STR), \
	HF_FIELD(struct grp_group, created_at, HF_K_STR), \
	HF_FIELD(struct grp_group, ended_at, HF_K_STR), \
	HF_FIELD(struct grp_group, rows_joined, HF_K_INT), \
	HF_FIELD(struct grp_group, rows_paid, HF_K_INT)

/* db_sql_grp_campaign_lock, db_sql_grp_lock: the terms, rows locked */
struct grp_lock {
	uint64_t	 campaign_id, group_id;	/* group 0: a campaign's */
	uint64_t	 product_id;
	const char	*state;			/* the group's; "open" */
	long long	 size, joined, paid, per_user;
	long long	 price_cents;
	int		 active, past;		/* past: the deadline */
	const char	*deadline;
};

/* db_sql_grp_member_of, _members: a seat */
struct grp_member {
	uint64_t	 order_id, group_id, campaign_id;
	const char	*actor, *state, *created_at, *ended_at;
	const char	*reference_id;		/* its order's */
	const char	*total, *order_status;	/* its order's */
};

#define DB_MAP_GRP_MEMBER \
	HF_FIELD(struct grp_member, order_id, HF_K_U64), \
	HF_FIELD(struct grp_member, group_id, HF_K_U64), \
	HF_FIELD(struct grp_member, campaign_id, HF_K_U64), \
	HF_FIELD(struct grp_member, actor, HF_K_STR), \
	HF_FIELD(struct grp_member, state, HF_K_STR), \
	HF_FIELD(struct grp_member, created_at, HF_K_STR), \
	HF_FIELD(struct grp_member, ended_at, HF_K_STR), \
	HF_FIELD(struct grp_member, reference_id, HF_K_STR), \
	HF_FIELD(struct grp_member, total, HF_K_MONEY), \
	HF_FIELD(struct grp_member, order_status, HF_K_STR)

/* db_sql_grp_due: an open group past its deadline */
struct grp_due {
	uint64_t	 id;
};

extern struct db_sql	db_sql_grp_campaign_insert;
extern struct db_sql	db_sql_grp_campaign_get;
extern struct db_sql	db_sql_grp_campaigns_list;
extern struct db_sql	db_sql_grp_campaigns_count;
extern struct db_sql	db_sql_grp_campaign_set_active;
extern struct db_sql	db_sql_grp_campaign_lock;
extern struct db_sql	db_sql_grp_insert;
extern struct db_sql	db_sql_grp_get;
extern struct db_sql	db_sql_grp_list;
extern struct db_sql	db_sql_grp_count;
extern struct db_sql	db_sql_grp_lock;
extern struct db_sql	db_sql_grp_actor_count;
extern struct db_sql	db_sql_grp_member_insert;
extern struct db_sql	db_sql_grp_counts;
extern struct db_sql	db_sql_grp_order_price;
extern struct db_sql	db_sql_grp_order_total;
extern struct db_sql	db_sql_grp_order_expiry;
extern struct db_sql	db_sql_grp_res_expiry;
extern struct db_sql	db_sql_grp_res_extend;
extern struct db_sql	db_sql_grp_member_of;
extern struct db_sql	db_sql_grp_member_set;
extern struct db_sql	db_sql_grp_members;
extern struct db_sql	db_sql_grp_set_state;
extern struct db_sql	db_sql_grp_due;
extern struct db_sql	db_sql_grp_members_by_state;
extern struct db_sql	db_sql_grp_members_state_count;

#endif /* HOLDFAST_DB_GROUPS_H */
