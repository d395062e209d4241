/*
 * inv_int.h: the inventory primitives the other stock-moving services
 * (orders, loans, holds) build on. Each runs inside the caller's
 * transaction (a db_txn callback) on rows the caller locked in order.
 *
 * Where they live, lowest first (no file calls one above it):
 *   details.c       what a refusal names; the stock refusals
 *   places.c        the locations, and a locked product's places
 *   stock.c         stock rows: lock, change, end a reservation, free
 *                   expired units, "takeable"; the hold queue's hook;
 *                   the /stock services (read, patch, restock, deduct,
 *                   adjust)
 *   locker.c        the one all-or-none locker, over stock.c
 *   reservations.c  reserve (through the locker), commit and release,
 *                   the lines of a reference, reading reservations
 *   products.c      create and read a product
 *   ledger.c, reconcile.c, expire.c, sweep.c, catalog.c
 */
#ifndef HOLDFAST_INV_INT_H
#define HOLDFAST_INV_INT_H

#include "holdfast/db.h"
#include "holdfast/svc.h"

/* One change to a stock row, and the ledger row that records it. */
struct change {
	const char	*type;		/* restock, deduct, adjust, reserve, release */
	long long	 d_on, d_res;	/* on_hand and reserved deltas */
	const char	*ref_type;	/* reservation, order, loan, hold, manual */
	const char	*ref_id;
	const char	*reason;
	/* the reservation this row reserves or ends (ledger.reservation_id,
	 * which reconcile counts), whatever the row names; 0: none */
	uint64_t	 reservation_id;
	/* where the units move (required: 0 is an internal error) */
	uint64_t	 location_id;
	/* the stocktake posting this change: it alone may move units at
	 * the location it froze; 0 for every other change */
	uint64_t	 stocktake_id;
};

/* places.c: the locations (ctx->locs, read once per request) */
int		 inv_locations(struct db *, struct svc_ctx *);
const struct location *inv_location_by_id(const struct svc_ctx *,
		    uint64_t);
int		 inv_location_named(struct db *, struct svc_ctx *,
		    const char *code, const struct location **);
int		 inv_location_default(struct db *, struct svc_ctx *,
		    const struct location **);
/* named (or default when NULL), active and not frozen */
int		 inv_location_open(struct db *, struct svc_ctx *,
		    const char *code, const struct location **);
int		 inv_refuse_frozen(struct svc_ctx *, const struct location *);
/* location id now, under a shared lock (every change of units there) */
int		 inv_location_share(struct db *, struct svc_ctx *, uint64_t,
		    struct location *);
/* where units that left id come back: id while active, else the default */
int		 inv_location_back(struct db *, struct svc_ctx *, uint64_t id,
		    const struct location **);
/* a locked stock row's places: locked in location order, once */
int		 inv_places_lock(struct db *, struct svc_ctx *,
		    struct stock_row *);
struct stock_place *inv_place(struct svc_ctx *, struct stock_row *,
		    uint64_t location_id);
long long	 inv_place_free(struct svc_ctx *, struct stock_row *,
		    const struct location *);
const struct location *inv_place_first_free(struct db *, struct svc_ctx *,
		    struct stock_row *);
int		 inv_name_reservations(struct db *, struct svc_ctx *,
		    struct reservation *, size_t);

/*
 * What the stock layer asks of a product's hold queue: the units owed to
 * its waiting holds, the lapse of a hold whose reservation expired, and
 * units passed to the first in line. holds.c fills it in (holds_queue)
 * and svc_init registers it, so that stock calls no lending code by name.
 * Until then every call fails with HF_E_SYS_INTERNAL.
 */
struct inv_queue {
	int	(*owed)(struct db *, struct svc_ctx *,
		    const struct stock_row *, long long *);
	int	(*lapse)(struct db *, struct svc_ctx *, struct stock_row *,
		    const struct reservation *);
	int	(*pass)(struct db *, struct svc_ctx *, struct stock_row *);
};

void		 inv_queue_set(const struct inv_queue *);
/* Passes the free units of the locked row s to its waiting holds. */
int		 inv_queue_pass(struct db *, struct svc_ctx *,
		    struct stock_row *);
/* Ends a locked, active, expired reservation by its type (a hold's
 * lapses with its hold); the unit stays on s for the caller to pass. */
int		 inv_expire_by_type(struct db *, struct svc_ctx *,
		    struct stock_row *, const struct reservation *);
/* Locks a stock row by SKU, or by product id when sku is NULL. */
int		 inv_stock_lock(struct db *, struct arena *, const char *sku,
		    uint64_t product_id, struct stock_row *);
/*
 * Applies c to a locked row: invariant check, row, ledger row, event; and
 * marks the product for cache invalidation after COMMIT. Run the
 * transaction with svc_txn() (not db_txn) so that invalidation happens.
 */
int		 inv_stock_change(struct db *, struct svc_ctx *,
		    struct stock_row *, const struct change *,
		    uint64_t *ledger_id);
/* Ends a locked active reservation: "committed" (deduct), "released" or
 * "expired" (release); HF_E_INV_NOT_ACTIVE if another ended it first. */
int		 inv_reservation_finish(struct db *, struct svc_ctx *,
		    struct stock_row *, const struct reservation *,
		    const char *end, const char *reason);
/* The same, with the ending row naming what the units went to (an
 * order, a loan): ref_type/ref_id instead of the reservation. */
int		 inv_reservation_finish_as(struct db *, struct svc_ctx *,
		    struct stock_row *, const struct reservation *,
		    const char *end, const char *reason, const char *ref_type,
		    const char *ref_id);
/* Frees a locked product's expired reservations, each by the rules of
 * its type (a hold's lapses), then passes free units to its queue. */
int		 inv_free_expired(struct db *, struct svc_ctx *,
		    struct stock_row *);
int		 inv_reservation_visible(const struct svc_ctx *,
		    const struct reservation *);
/*
 * The active lines of a reference, locked after their stock rows (SKU
 * order), into an arena array (reservations.c).
 */
int		 inv_lock_ref_lines(struct db *, struct svc_ctx *,
		    const char *ref, struct reservation **, size_t *);
/*
 * "Available to this caller" (docs/internals.md): units of the locked row
 * neither reserved nor owed to waiting holds, 0 while the row is
 * inactive; frees expired reservations first when fewer than want.
 */
int		 inv_takeable(struct db *, struct svc_ctx *,
		    struct stock_row *, long long want, long long *n);
/*
 * locker.c: the one all-or-none locker (see there). A rule says how many
 * units of the locked open row s the caller may take for line i.
 */
typedef int (*inv_avail_fn)(struct db *, struct svc_ctx *,
		    struct stock_row *s, const struct reserve_item *line,
		    size_t i, void *arg, long long *n);

/* What the locker allocated: qty units of line `line` at location loc. */
struct inv_take {
	size_t			 line;
	const struct location	*loc;
	long long		 qty;
};

struct inv_lock {
	struct stock_row	*rows;		/* one per line, locked */
	struct svc_line		*lines;		/* per line: sku set if at fault */
	size_t			 n, closed, nshort;
	int			 verdict;	/* HF_OK, INV_011 or INV_002 */
	/* when verdict is HF_OK: every line's units, in line then
	 * location order (one take per line unless the line may split) */
	struct inv_take		*takes;
	size_t			 ntakes;
};

int		 inv_lock_lines(struct db *, struct svc_ctx *,
		    const struct reserve_item *, size_t, inv_avail_fn,
		    void *arg, struct inv_lock *);
int		 inv_lock_verdict(struct svc_ctx *, const struct inv_lock *);
/* one line of a locked row, never split: the location to take it at */
int		 inv_lock_one(struct db *, struct svc_ctx *, struct stock_row *,
		    const struct reserve_item *, long long can,
		    const struct location **);
/* the level of an available count (stock.level's rule), and its rank */
const char	*inv_stock_level(long long available, long long warning,
		    long long critical);
int		 inv_level_rank(const char *);
/* merged lines as a one-trip procedure reads them (JSON), or NULL */
const char	*inv_trip_lines(struct svc_ctx *, const struct reserve_item *,
		    size_t);
/* Product status maintenance or retired: no new reservation, order, loan
 * or hold (inv_check_open: INV_011 for one row). */
int		 inv_closed(const struct stock_row *);
int		 inv_check_open(struct svc_ctx *, const struct stock_row *);
/* favorites.c: e-mails to readers waiting for s to be back (issue 14) */
int		 inv_fav_back_in_stock(struct db *, struct svc_ctx *,
		    const struct stock_row *);
int		 inv_short(struct svc_ctx *, const char *sku,
		    long long requested, long long available);
/* INV_011 / INV_002 messages from the lines already in ctx (details.c) */
int		 inv_refuse_closed(struct svc_ctx *);
int		 inv_refuse_short(struct svc_ctx *);
void		 inv_set_not_found(struct svc_ctx *, const char *sku);
int		 inv_stock_event(struct db *, const struct svc_ctx *,
		    const struct stock_row *, const char *event);
/* items sorted by SKU with the lines of one SKU summed (arena copy) */
int		 inv_lines_merge(struct svc_ctx *, const struct reserve_item *,
		    size_t, struct reserve_item **, size_t *);
/*
 * The cron programs' loop (svc_sweep): one item per due id, handed to its
 * own transaction. fn sets done when it changed something, and adds the
 * units it passed to a hold queue.
 */
struct sweep_item {
	struct svc_ctx	*ctx;
	uint64_t	 id;
	int		 done;
	unsigned	 passed;
};

struct sweep_stats {
	unsigned	 done;		/* items fn changed (or would, dry run) */
	unsigned	 skipped;	/* items another process ended first */
	unsigned	 passed;	/* units passed to hold queues */
};

int		 svc_sweep(struct app *, struct db_sql *due, int batch,
		    int dry_run, int (*fn)(struct db *, void *),
		    struct sweep_stats *);
/* A category's slug (products.c). */
char		*inv_slugify(struct arena *, const char *);

#endif /* HOLDFAST_INV_INT_H */
