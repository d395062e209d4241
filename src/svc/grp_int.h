/*
 * grp_int.h: what the group buy's service files share (group_orders.c,
 * group_expire.c) and nobody else sees. Each runs inside the caller's
 * transaction.
 */
#ifndef HOLDFAST_GRP_INT_H
#define HOLDFAST_GRP_INT_H

#include "holdfast/groups.h"

/* The data of a group.* event. */
struct grp_event {
	uint64_t	 group_id, campaign_id;
	long long	 size, joined, paid;
	long long	 order_id;	/* group.joined: the seat's order */
	const char	*orders;	/* JSON array of order ids, or NULL */
	const char	*refund_due;	/* group.failed: those paid */
};

/* A group.* webhook event, in the caller's transaction. */
int	 grp_event_write(struct db *, struct svc_ctx *, const char *type,
	    const struct grp_event *);
/* An order id appended to a JSON array being built ("[" to start), and
 * the array closed; NULL stays NULL (out of memory). */
const char *grp_ids_add(struct arena *, const char *, uint64_t);
const char *grp_ids_end(struct arena *, const char *);
/* A seat from state from to state to (no row when it is not in from). */
int	 grp_member_set(struct db *, uint64_t oid, const char *from,
	    const char *to);
/* A group's joined and paid moved by the deltas (its row locked). */
int	 grp_counts(struct db *, uint64_t gid, long long joined,
	    long long paid);
/* The seat of order oid (*found 0: none). No lock. */
int	 grp_member_of(struct db *, struct arena *, uint64_t oid,
	    struct grp_member *, int *found);
/* A group and its campaign, both rows locked. */
int	 grp_lock_row(struct db *, struct arena *, uint64_t gid,
	    struct grp_lock *, int *found);

#endif /* HOLDFAST_GRP_INT_H */
