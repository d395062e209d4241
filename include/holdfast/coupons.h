/*
 * coupons.h: coupon campaigns (issue 15 item 2, src/svc/coupons.c): a
 * campaign's coupons are stock, reserved by an unpaid order in its
 * transaction, used when it is paid, released when it ends unpaid.
 */
#ifndef HOLDFAST_COUPONS_H
#define HOLDFAST_COUPONS_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db_coupons.h"
#include "holdfast/svc.h"

struct order;

#define COUPON_CODE_MAX		32
#define COUPON_CODES_MAX	100
#define COUPON_SCOPE_MAX	100

struct coupon_new {
	const char	*name, *kind;	/* percent | fixed */
	long long	 value_cents;	/* percent: 100 x the whole percent */
	long long	 min_cents;
	const char	*starts_at;	/* database form, or NULL: now */
	const char	*ends_at;
	long long	 total, per_user;
	int		 single_use;
	const char	**codes;	/* raw, as sent */
	size_t		 ncodes;
	const char	**skus, **categories;
	size_t		 nskus, ncategories;
};

int	 svc_coupon_create(struct svc_ctx *, const struct coupon_new *,
	    struct coupon_campaign *);
int	 svc_coupon_get(struct svc_ctx *, uint64_t id,
	    struct coupon_campaign *);
int	 svc_coupons_list(struct svc_ctx *, long long page, long long per_page,
	    struct coupon_campaign **, size_t *, long long *total);
int	 svc_coupon_set_active(struct svc_ctx *, uint64_t id, int active,
	    struct coupon_campaign *);
/* reconcile: the campaigns (one, or all when campaign_id is 0) that
 * disagree with their rows, out of checked */
int	 svc_coupons_reconcile(struct svc_ctx *, uint64_t campaign_id,
	    struct coupon_check **bad, size_t *nbad, size_t *checked);

/* PATCH /coupons/{id} (issue 15 item 7, the console's edit): each field
 * NULL or has_* 0 to keep it; total never below what is held and used */
struct coupon_edit {
	const char	*name;
	const char	*ends_at;	/* database form */
	int		 has_total, has_per_user, has_active;
	long long	 total, per_user;
	int		 active;
};

int	 svc_coupon_update(struct svc_ctx *, uint64_t id,
	    const struct coupon_edit *, struct coupon_campaign *);
/* the canonical form of a code (capitals) or NULL when it is not one */
const char *coupon_code_canon(struct arena *, const char *);

/* The order's side, inside its transaction (orders.c, order_state.c). */
int	 coupon_order_reserve(struct db *, struct svc_ctx *, uint64_t oid,
	    const char *code, long long lines_cents, long long *discount);
int	 coupon_order_end(struct db *, struct svc_ctx *, const struct order *,
	    int paid);

#endif /* HOLDFAST_COUPONS_H */
