/*
 * db_delivery.h: delivery and pickup (issue 15 item 5;
 * sql/024_delivery.sql): the rows the statements of sql_delivery.c
 * return.
 */
#ifndef HOLDFAST_DB_DELIVERY_H
#define HOLDFAST_DB_DELIVERY_H

#include <stdint.h>

#include "holdfast/db.h"

/* a delivery area: its fee and minimum order */
struct dlv_area {
	uint64_t	 id;
	const char	*name, *fee, *min_order;
	int		 active;
	const char	*created_at;
};

#define DB_MAP_DLV_AREA \
	HF_FIELD(struct dlv_area, id, HF_K_U64), \
	HF_FIELD(struct dlv_area, name, HF_K_STR), \
	HF_FIELD(struct dlv_area, fee, HF_K_MONEY), \
	HF_FIELD(struct dlv_area, min_order, HF_K_MONEY), \
	HF_FIELD(struct dlv_area, active, HF_K_BOOL), \
	HF_FIELD(struct dlv_area, created_at, HF_K_STR)

/* a pickup point */
struct dlv_point {
	uint64_t	 id;
	const char	*name, *address, *hours;
	int		 active;
	const char	*created_at;
};

#define DB_MAP_DLV_POINT \
	HF_FIELD(struct dlv_point, id, HF_K_U64), \
	HF_FIELD(struct dlv_point, name, HF_K_STR), \
	HF_FIELD(struct dlv_point, address, HF_K_STR), \
	HF_FIELD(struct dlv_point, hours, HF_K_STR), \
	HF_FIELD(struct dlv_point, active, HF_K_BOOL), \
	HF_FIELD(struct dlv_point, created_at, HF_K_STR)

/* a user's saved address, with its area's name */
struct dlv_address {
	uint64_t	 id, area_id;
	const char	*area_name;
	const char	*label, *recipient, *phone, *line1, *line2, *city;
	const char	*postcode, *created_at, *updated_at;
};

#define DB_MAP_DLV_ADDRESS \
	HF_FIELD(struct dlv_address, id, HF_K_U64), \
	HF_FIELD(struct dlv_address, area_id, HF_K_U64), \
	HF_FIELD(struct dlv_address, area_name, HF_K_STR), \
	HF_FIELD(struct dlv_address, label, HF_K_STR), \
	HF_FIELD(struct dlv_address, recipient, HF_K_STR), \
	HF_FIELD(struct dlv_address, phone, HF_K_STR), \
	HF_FIELD(struct dlv_address, line1, HF_K_STR), \
	HF_FIELD(struct dlv_address, line2, HF_K_STR), \
	HF_FIELD(struct dlv_address, city, HF_K_STR), \
	HF_FIELD(struct dlv_address, postcode, HF_K_STR), \
	HF_FIELD(struct dlv_address, created_at, HF_K_STR), \
	HF_FIELD(struct dlv_address, updated_at, HF_K_STR)

/* a slot and the counts of its order rows (rows_*: reconcile) */
struct dlv_slot {
	uint64_t	 id;
	const char	*method;		/* delivery | pickup */
	long long	 area_id, pickup_point_id;	/* HF_NULL_INT */
	const char	*starts_at, *ends_at;
	long long	 capacity, reserved, used, available;
	int		 active;
	long long	 rows_reserved, rows_used;
	const char	*created_at;
};

#define DB_MAP_DLV_SLOT \
	HF_FIELD(struct dlv_slot, id, HF_K_U64), \
	HF_FIELD(struct dlv_slot, method, HF_K_STR), \
	HF_FIELDF(struct dlv_slot, area_id, HF_K_INT, HF_F_NULL), \
	HF_FIELDF(struct dlv_slot, pickup_point_id, HF_K_INT, HF_F_NULL), \
	HF_FIELD(struct dlv_slot, starts_at, HF_K_STR), \
	HF_FIELD(struct dlv_slot, ends_at, HF_K_STR), \
	HF_FIELD(struct dlv_slot, capacity, HF_K_INT), \
	HF_FIELD(struct dlv_slot, reserved, HF_K_INT), \
	HF_FIELD(struct dlv_slot, used, HF_K_INT), \
	HF_FIELD(struct dlv_slot, available, HF_K_INT), \
	HF_FIELD(struct dlv_slot, active, HF_K_BOOL), \
	HF_FIELD(struct dlv_slot, rows_reserved, HF_K_INT), \
	HF_FIELD(struct dlv_slot, rows_used, HF_K_INT), \
	HF_FIELD(struct dlv_slot, created_at, HF_K_STR)

/* db_sql_dlv_slot_lock: a slot, locked, as the order needs it */
struct dlv_slot_lock {
	uint64_t	 id;
	long long	 area_id, pickup_point_id;	/* HF_NULL_INT */
	long long	 capacity, reserved, used;
	int		 active, started;
	const char	*starts_at, *ends_at;
};

/* db_sql_dlv_address_for_order: an address of the user, its area */
struct dlv_address_area {
	uint64_t	 id, area_id;
	const char	*text;		/* one line, copied onto the order */
	long long	 fee_cents, min_cents;
	int		 area_active;
};

/* db_sql_dlv_point_for_order */
struct dlv_point_lite {
	uint64_t	 id;
	const char	*name;
	int		 active;
};

/* an order's choice (order_delivery), with its slot's window */
struct dlv_order {
	uint64_t	 order_id;
	const char	*method;
	uint64_t	 slot_id;
	long long	 area_id, pickup_point_id, address_id;	/* or null */
	const char	*address_text, *fee, *status;
	const char	*starts_at, *ends_at;
};

#define DB_MAP_DLV_ORDER \
	HF_FIELD(struct dlv_order, order_id, HF_K_U64), \
	HF_FIELD(struct dlv_order, method, HF_K_STR), \
	HF_FIELD(struct dlv_order, slot_id, HF_K_U64), \
	HF_FIELDF(struct dlv_order, area_id, HF_K_INT, HF_F_NULL), \
	HF_FIELDF(struct dlv_order, pickup_point_id, HF_K_INT, HF_F_NULL), \
	HF_FIELDF(struct dlv_order, address_id, HF_K_INT, HF_F_NULL), \
	HF_FIELD(struct dlv_order, address_text, HF_K_STR), \
	HF_FIELD(struct dlv_order, fee, HF_K_MONEY), \
	HF_FIELD(struct dlv_order, status, HF_K_STR), \
	HF_FIELD(struct dlv_order, starts_at, HF_K_STR), \
	HF_FIELD(struct dlv_order, ends_at, HF_K_STR)

extern struct db_sql	db_sql_dlv_area_insert;
extern struct db_sql	db_sql_dlv_area_get;
extern struct db_sql	db_sql_dlv_areas_list;
extern struct db_sql	db_sql_dlv_area_update;
extern struct db_sql	db_sql_dlv_point_insert;
extern struct db_sql	db_sql_dlv_point_get;
extern struct db_sql	db_sql_dlv_points_list;
extern struct db_sql	db_sql_dlv_point_update;
extern struct db_sql	db_sql_dlv_user_lock;
extern struct db_sql	db_sql_dlv_address_count;
extern struct db_sql	db_sql_dlv_address_insert;
extern struct db_sql	db_sql_dlv_address_get;
extern struct db_sql	db_sql_dlv_addresses_list;
extern struct db_sql	db_sql_dlv_address_update;
extern struct db_sql	db_sql_dlv_address_delete;
extern struct db_sql	db_sql_dlv_slot_insert;
extern struct db_sql	db_sql_dlv_slot_get;
extern struct db_sql	db_sql_dlv_slots_list;
extern struct db_sql	db_sql_dlv_slots_count;
extern struct db_sql	db_sql_dlv_slot_lock;
extern struct db_sql	db_sql_dlv_slot_update;
extern struct db_sql	db_sql_dlv_slot_counts;
extern struct db_sql	db_sql_dlv_address_for_order;
extern struct db_sql	db_sql_dlv_point_for_order;
extern struct db_sql	db_sql_dlv_order_insert;
extern struct db_sql	db_sql_dlv_order_total;
extern struct db_sql	db_sql_dlv_order_get;
extern struct db_sql	db_sql_dlv_order_end;

#endif /* HOLDFAST_DB_DELIVERY_H */
