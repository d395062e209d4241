/*
 * locker.c: the one all-or-none locker. Every taker of stock (a
 * reservation, an order, a loan, a deduct) locks its lines' stock rows in
 * SKU order, asks its own availability rule of each open row, and refuses
 * with every line at fault at once: INV_011 naming each closed product
 * (maintenance, retired), else INV_002 naming each short line with what
 * it asked and what it could have. Nothing is written until every line
 * passes, so a refusal changes nothing.
 */
#include <string.h>

#include "holdfast/svc.h"
#include "inv_int.h"

/* The default rule: what inv_takeable says this caller may take. */
static int
avail_takeable(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    const struct reserve_item *line, size_t i, void *arg, long long *n)
{
	(void)i;
	(void)arg;
	return inv_takeable(db, ctx, s, line->quantity, n);
}

/*
 * Locks the stock row of each of the n lines (merged and in SKU order:
 * inv_lines_merge) and asks rule (NULL: inv_takeable) how many units of
 * each open row the caller may take. Returns HF_OK with lk->rows locked
 * and lk->verdict the refusal to give once the caller has locked what it
 * locks after stock (inv_lock_verdict); or a hard error at once (an
 * unknown SKU: INV_001 naming it; the database).
 */
int
inv_lock_lines(struct db *db, struct svc_ctx *ctx,
    const struct reserve_item *lines, size_t n, inv_avail_fn rule, void *arg,
    struct inv_lock *lk)
{
	long long	 can;
	size_t		 i;
	int		 rc;

	memset(lk, 0, sizeof(*lk));
	if (rule == NULL)
		rule = avail_takeable;
	lk->rows = arena_calloc(ctx->arena, n + 1, sizeof(*lk->rows));
	lk->lines = arena_calloc(ctx->arena, n + 1, sizeof(*lk->lines));
	if (lk->rows == NULL || lk->lines == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < n; i++) {
		rc = inv_stock_lock(db, ctx->arena, lines[i].sku, 0,
		    &lk->rows[i]);
		if (rc == HF_E_INV_NOT_FOUND)
			inv_set_not_found(ctx, lines[i].sku);
		if (rc != HF_OK)
			return rc;
		if (inv_closed(&lk->rows[i])) {
			lk->closed++;
			lk->lines[i].sku = lk->rows[i].sku;
			lk->lines[i].status = lk->rows[i].product_status;
			continue;
		}
		if ((rc = rule(db, ctx, &lk->rows[i], &lines[i], i, arg,
		    &can)) != HF_OK)
			return rc;
		if (can < lines[i].quantity) {
			lk->nshort++;
			lk->lines[i].sku = lines[i].sku;
			lk->lines[i].requested = lines[i].quantity;
			lk->lines[i].available = can;
		}
	}
	lk->n = n;
	lk->verdict = lk->closed > 0 ? HF_E_INV_UNAVAILABLE :
	    lk->nshort > 0 ? HF_E_INV_INSUFFICIENT : HF_OK;
	return HF_OK;
}

/*
 * The locker's refusal, if any: every closed line (INV_011) or, when none
 * is closed, every short line (INV_002) into ctx's message and details.
 */
int
inv_lock_verdict(struct svc_ctx *ctx, const struct inv_lock *lk)
{
	size_t	i;

	if (lk->verdict == HF_OK)
		return HF_OK;
	svc_details_clear(ctx);
	for (i = 0; i < lk->n; i++) {
		if (lk->lines[i].sku == NULL)
			continue;
		if ((lk->verdict == HF_E_INV_UNAVAILABLE) !=
		    (lk->lines[i].status != NULL))
			continue;
		if (svc_detail_line(ctx, lk->lines[i].sku,
		    lk->lines[i].requested, lk->lines[i].available,
		    lk->lines[i].status) != 0)
			return HF_E_SYS_INTERNAL;
	}
	return lk->verdict == HF_E_INV_UNAVAILABLE ? inv_refuse_closed(ctx) :
	    inv_refuse_short(ctx);
}
