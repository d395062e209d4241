/*
 * points.h: a user's points (issue 15 item 3, src/svc/points.c): an
 * account kept as stock is (balance, reserved by unpaid orders,
 * available), an append-only ledger with after-values, lots that expire.
 */
#ifndef HOLDFAST_POINTS_H
#define HOLDFAST_POINTS_H

#include <stdint.h>

#include "holdfast/db_points.h"
#include "holdfast/svc.h"

struct order;

/* GET /me/points, GET /users/{id}/points: the account and its ledger */
struct points_view {
	uint64_t		 user_id;
	long long		 balance, reserved, available;
	long long		 expiring_points;	/* of the next lot(s) */
	const char		*expiring_at;		/* NULL: none */
	struct points_entry	*items;			/* newest first */
	size_t			 n;
	struct svc_keyset	 ks;
};

int	 svc_points_get(struct svc_ctx *, uint64_t user_id, long long page,
	    long long per_page, struct points_view *);
/* POST /me/points/checkin: once a day (UTC); *earned the points */
int	 svc_points_checkin(struct svc_ctx *, long long *earned,
	    struct points_view *);
/* POST /users/{id}/points (admin): delta != 0, a reason */
int	 svc_points_adjust(struct svc_ctx *, uint64_t user_id, long long delta,
	    const char *reason, struct points_view *);
/* holdfast-expire: lots past their expiry; returns how many were due */
int	 svc_points_expire_due(struct app *, int batch, int dry_run,
	    unsigned *expired, unsigned *skipped);
/* reconcile: the accounts (one, or all when user_id is 0) that disagree
 * with their ledger, lots or unpaid orders; *checked how many were read */
int	 svc_points_reconcile(struct svc_ctx *, uint64_t user_id,
	    struct points_check **bad, size_t *nbad, size_t *checked);

/* The order's side (orders.c, order_state.c), inside their transaction,
 * after the order's and its stock rows' locks. */
int	 points_order_reserve(struct db *, struct svc_ctx *, uint64_t oid,
	    long long points, long long total_cents);
int	 points_order_paid(struct db *, struct svc_ctx *, const struct order *);
int	 points_order_unpaid(struct db *, struct svc_ctx *,
	    const struct order *, const char *to);
int	 points_order_refunded(struct db *, struct svc_ctx *,
	    const struct order *);
int	 points_order_refund_part(struct db *, struct svc_ctx *,
	    const struct order *, long long give, long long take,
	    long long *given, long long *taken);
int	 points_order_fulfilled(struct db *, struct svc_ctx *,
	    const struct order *);

#endif /* HOLDFAST_POINTS_H */
