/*
 * delivery.h: delivery and pickup (issue 15 item 5, src/svc/delivery.c
 * and dlv_order.c): saved addresses per user, delivery areas (fee,
 * minimum order), pickup points, and time slots whose places are stock,
 * reserved by an unpaid order in its transaction, used when it is paid,
 * released when it ends unpaid.
 */
#ifndef HOLDFAST_DELIVERY_H
#define HOLDFAST_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db_delivery.h"
#include "holdfast/svc.h"

struct order;

#define DLV_ADDRESSES_MAX	20	/* saved addresses per user */
#define DLV_CAPACITY_MAX	100000	/* places in one slot */

/* POST/PATCH /delivery-areas; PATCH: NULL / -1 keeps a value */
struct dlv_area_in {
	const char	*name;
	long long	 fee_cents, min_cents;
	int		 active;
};

/* POST/PATCH /pickup-points; PATCH: NULL / -1 keeps a value */
struct dlv_point_in {
	const char	*name, *address, *hours;
	int		 set_hours;	/* PATCH: hours given (NULL clears) */
	int		 active;
};

/* POST/PATCH /me/addresses; PATCH: NULL / 0 keeps a value */
struct dlv_address_in {
	uint64_t	 area_id;
	const char	*label, *recipient, *phone, *line1, *line2, *city;
	const char	*postcode;
	int		 set_line2;	/* PATCH: line2 given (NULL clears) */
};

/* POST /delivery-slots: exactly one of area_id, pickup_point_id */
struct dlv_slot_in {
	uint64_t	 area_id, pickup_point_id;
	const char	*starts_at, *ends_at;	/* database form */
	long long	 capacity;
};

/* GET /delivery-slots: 0: any */
struct dlv_slot_filter {
	uint64_t	 area_id, pickup_point_id;
	int		 all;		/* staff: past and stopped ones too */
	long long	 page, per_page;
};

/* "delivery" of POST /orders */
struct dlv_choice {
	const char	*method;	/* delivery | pickup */
	uint64_t	 address_id, pickup_point_id, slot_id;
};

int	 svc_dlv_area_create(struct svc_ctx *, const struct dlv_area_in *,
	    struct dlv_area *);
int	 svc_dlv_area_update(struct svc_ctx *, uint64_t id,
	    const struct dlv_area_in *, struct dlv_area *);
int	 svc_dlv_areas_list(struct svc_ctx *, int all, struct dlv_area **,
	    size_t *);
int	 svc_dlv_point_create(struct svc_ctx *, const struct dlv_point_in *,
	    struct dlv_point *);
int	 svc_dlv_point_update(struct svc_ctx *, uint64_t id,
	    const struct dlv_point_in *, struct dlv_point *);
int	 svc_dlv_points_list(struct svc_ctx *, int all, struct dlv_point **,
	    size_t *);
int	 svc_dlv_address_create(struct svc_ctx *,
	    const struct dlv_address_in *, struct dlv_address *);
int	 svc_dlv_address_update(struct svc_ctx *, uint64_t id,
	    const struct dlv_address_in *, struct dlv_address *);
int	 svc_dlv_address_delete(struct svc_ctx *, uint64_t id,
	    struct dlv_address *);
int	 svc_dlv_addresses_list(struct svc_ctx *, struct dlv_address **,
	    size_t *);
int	 svc_dlv_slot_create(struct svc_ctx *, const struct dlv_slot_in *,
	    struct dlv_slot *);
int	 svc_dlv_slot_update(struct svc_ctx *, uint64_t id, long long capacity,
	    int active, struct dlv_slot *);
int	 svc_dlv_slot_get(struct svc_ctx *, uint64_t id, struct dlv_slot *);
int	 svc_dlv_slots_list(struct svc_ctx *, const struct dlv_slot_filter *,
	    struct dlv_slot **, size_t *, long long *total);

/* The order's side, inside its transaction (orders.c, order_state.c). */
int	 dlv_order_reserve(struct db *, struct svc_ctx *, uint64_t oid,
	    const struct dlv_choice *, long long lines_cents);
int	 dlv_order_end(struct db *, struct svc_ctx *, const struct order *,
	    int paid);
/* the order's choice for its reply; *found 0 when it made none */
int	 svc_dlv_of_order(struct svc_ctx *, uint64_t oid, struct dlv_order *,
	    int *found);

#endif /* HOLDFAST_DELIVERY_H */
