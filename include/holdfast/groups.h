/*
 * groups.h: group buys (issue 15 item 4, src/svc/groups.c and
 * group_orders.c): a group's seats are stock, each taken by an order at
 * the group's price that reserves its unit at once; the units are
 * committed for every member when the paid members reach the size, and
 * released (paid members marked for refund) when the deadline passes
 * first.
 */
#ifndef HOLDFAST_GROUPS_H
#define HOLDFAST_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db_groups.h"
#include "holdfast/svc.h"

struct order;
struct app;

#define GRP_SIZE_MAX		1000

struct grp_campaign_new {
	const char	*name, *sku;
	long long	 group_size;
	long long	 price_cents;
	const char	*deadline;	/* database form */
	long long	 per_user;	/* 0: no limit */
};

/* What an order of a group carries (struct order_new's group). */
struct grp_join {
	uint64_t	 campaign_id;	/* start a group of it, or 0 */
	uint64_t	 group_id;	/* join it, or 0 */
	uint64_t	 out_group;	/* the group joined (set on success) */
};

/* What a member's order shows (GET /orders/{id} "group"). */
struct grp_seat {
	uint64_t	 group_id, campaign_id;
	const char	*state;		/* the seat's */
	const char	*group_state;
	long long	 size, joined, paid;
	const char	*deadline;
};

int	 svc_grp_campaign_create(struct svc_ctx *,
	    const struct grp_campaign_new *, struct grp_campaign *);
int	 svc_grp_campaign_get(struct svc_ctx *, uint64_t id,
	    struct grp_campaign *);
int	 svc_grp_campaigns_list(struct svc_ctx *, long long page,
	    long long per_page, struct grp_campaign **, size_t *,
	    long long *total);
int	 svc_grp_campaign_set_active(struct svc_ctx *, uint64_t id, int active,
	    struct grp_campaign *);
int	 svc_grp_get(struct svc_ctx *, uint64_t id, struct grp_group *);
int	 svc_grp_list(struct svc_ctx *, uint64_t campaign_id,
	    const char *state, long long page, long long per_page,
	    struct grp_group **, size_t *, long long *total);
/* Starts a group of campaign_id (group_id 0) or joins group_id. */
int	 svc_grp_join(struct svc_ctx *, uint64_t campaign_id,
	    uint64_t group_id, struct order *, uint64_t *gid);
int	 svc_grp_members_list(struct svc_ctx *, const char *state,
	    long long page, long long per_page, struct grp_member **,
	    size_t *, long long *total);
int	 svc_grp_member_refunded(struct svc_ctx *, uint64_t order_id,
	    struct grp_member *);
/* The seat of order oid, if it holds one (*found). */
int	 svc_grp_seat_of_order(struct svc_ctx *, uint64_t oid,
	    struct grp_seat *, int *found);
/* holdfast-expire: open groups past their deadline fail, one a
 * transaction. Returns how many were due, or minus an hf_err. */
int	 svc_grp_fail_due(struct app *, int batch, int dry_run,
	    unsigned *failed, unsigned *skipped);

/* The order's side, inside its transaction (orders.c, order_state.c). */
int	 grp_order_reserve(struct db *, struct svc_ctx *, uint64_t oid,
	    struct grp_join *);
int	 grp_order_paid(struct db *, struct svc_ctx *, const struct order *,
	    int *defer);
int	 grp_order_end(struct db *, struct svc_ctx *, const struct order *,
	    const char *to);
int	 grp_order_settled(struct db *, struct svc_ctx *,
	    const struct order *);

#endif /* HOLDFAST_GROUPS_H */
