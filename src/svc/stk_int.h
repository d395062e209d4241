/*
 * stk_int.h: what the stocktake service files share (stocktakes.c:
 * start, counts, cancel, reads; stocktake_post.c: the post) and nobody
 * else sees. Each helper runs inside the caller's transaction.
 */
#ifndef HOLDFAST_STK_INT_H
#define HOLDFAST_STK_INT_H

#include "holdfast/stocktakes.h"

/* One write's arguments and answer, handed to its transaction. */
struct stk_txn {
	struct svc_ctx			*ctx;
	uint64_t			 id;
	const struct stocktake_new	*in;
	const struct stocktake_count	*counts;
	size_t				 ncounts;
	struct idem			*idem;
	struct stocktake		*out;
};

/* Stocktake id (with its lines when lines is set); 404 REQ_011. */
int	 stocktake_read(struct db *, struct svc_ctx *, uint64_t id, int lines,
	    struct stocktake *);
/* Locks stocktake id, which must be open: 404, or STK_001 naming it. */
int	 stocktake_lock_open(struct db *, struct svc_ctx *, uint64_t id,
	    struct stocktake *);
/* Ends a write: audit row (old: as locked, or NULL), t->out read back
 * with its lines, the idempotent reply stored. */
int	 stocktake_done(struct db *, struct stk_txn *, const char *action,
	    const struct stocktake *old);
/* Ends the locked open stocktake as posted or cancelled; thaws the
 * location it froze (in the database and in ctx's locations). */
int	 stocktake_end(struct db *, struct svc_ctx *,
	    const struct stocktake *, const char *status);

#endif /* HOLDFAST_STK_INT_H */
