/*
 * stocktakes.h: counting one location (issue 17, item 4; stocktakes.c).
 * Same rules as svc.h: no FastCGI, no SQL, no JSON; the rows are those
 * of db_stocktakes.h. How a count becomes adjust rows: docs/internals.md,
 * "Stocktakes".
 */
#ifndef HOLDFAST_STOCKTAKES_H
#define HOLDFAST_STOCKTAKES_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db_stocktakes.h"
#include "holdfast/svc.h"

#define STOCKTAKE_NOTE_MAX	1000		/* bytes */
#define STOCKTAKE_COUNT_MAX	1000000000LL	/* units on one line */

/* One line of a count sheet, as a JSON body or a CSV row gives it. */
struct stocktake_count {
	const char	*sku;		/* any case: one product */
	long long	 counted;	/* 0..STOCKTAKE_COUNT_MAX */
};

struct stocktake_new {
	const char	*location;	/* its code, any case */
	int		 freeze;
	const char	*note;		/* may be NULL */
};

/* GET /stocktakes: each filter NULL when not given */
struct stocktake_filter {
	const char	*location, *status;
	long long	 page, per_page;
};

int	 svc_stocktake_start(struct svc_ctx *, const struct stocktake_new *,
	    struct idem *, struct stocktake *);
/*
 * Replaces the count sheet of an open stocktake with these n lines (n
 * may be 0: nothing counted yet), all or none: every SKU must exist
 * (INV_001 naming each that does not) and appear once however spelled
 * (REQ_010 naming the second line). Each line's expected is the stock
 * at the start. The JSON route and the CSV upload both call this.
 */
int	 svc_stocktake_counts(struct svc_ctx *, uint64_t id,
	    const struct stocktake_count *, size_t n, struct idem *,
	    struct stocktake *);
int	 svc_stocktake_post(struct svc_ctx *, uint64_t id, struct idem *,
	    struct stocktake *);
int	 svc_stocktake_cancel(struct svc_ctx *, uint64_t id, struct idem *,
	    struct stocktake *);
/* One stocktake with its lines (SKU order); 404 REQ_011 when none. */
int	 svc_stocktake_get(struct svc_ctx *, uint64_t id, struct stocktake *);
int	 svc_stocktakes_list(struct svc_ctx *, const struct stocktake_filter *,
	    struct stocktake **, size_t *, long long *total);

#endif /* HOLDFAST_STOCKTAKES_H */
