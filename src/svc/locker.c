/*
 * locker.c: the one all-or-none locker. Every taker of stock (a
 * reservation, an order, a loan, a deduct) locks its lines' stock rows in
 * SKU order, asks its own availability rule of each open row, and refuses
 * with every line at fault at once: INV_011 naming each closed product
 * (maintenance, retired), else INV_002 naming each short line with what
 * it asked, what it could have and what each location could give.
 * Nothing is written until every line passes, so a refusal changes
 * nothing. Each line is allocated to a location (allocate): the one it
 * names, else the first in allocation order that has it all, split
 * across locations only when the line allows it.
 */
#include <stdio.h>
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

/* Adds qty units of line i at l to the locker's takes. */
static void
take(struct inv_lock *lk, size_t i, const struct location *l, long long qty)
{
	lk->takes[lk->ntakes].line = i;
	lk->takes[lk->ntakes].loc = l;
	lk->takes[lk->ntakes].qty = qty;
	lk->ntakes++;
}

/* Records what each location could give of a short line i. */
static int
short_places(struct svc_ctx *ctx, struct inv_lock *lk, size_t i,
    struct stock_row *s, long long can)
{
	struct svc_line	*ln = &lk->lines[i];
	long long	 n;
	size_t		 j;

	ln->places = arena_calloc(ctx->arena, ctx->nlocs + 1,
	    sizeof(*ln->places));
	if (ln->places == NULL)
		return HF_E_SYS_INTERNAL;
	for (j = 0; j < ctx->nlocs; j++) {
		if (!ctx->locs[j].is_active || ctx->locs[j].frozen_by != 0)
			continue;
		n = inv_place_free(ctx, s, &ctx->locs[j]);
		if (n > can)
			n = can;
		if (n <= 0)
			continue;
		ln->places[ln->nplaces].location = ctx->locs[j].code;
		ln->places[ln->nplaces++].available = n;
	}
	return HF_OK;
}

/*
 * Allocates line i (can: the units this caller may take of the locked
 * row s, product-wide) to places: the named location, else the first
 * location in allocation order that can give the whole line, else (when
 * the line may split) the locations in order, each what it has. Adds the
 * takes, or marks the line short with what it could have had.
 */
static int
allocate(struct db *db, struct svc_ctx *ctx, struct inv_lock *lk, size_t i,
    const struct reserve_item *line, struct stock_row *s, long long can)
{
	const struct location	*l;
	long long		 want = line->quantity, n, best = 0, sum = 0;
	size_t			 j, first = lk->ntakes;
	int			 rc;

	if ((rc = inv_places_lock(db, ctx, s)) != HF_OK)
		return rc;
	if (line->location != NULL) {
		if ((rc = inv_location_open(db, ctx, line->location, &l)) !=
		    HF_OK)
			return rc;
		best = inv_place_free(ctx, s, l);
		if (best > can)
			best = can;
		if (best >= want) {
			take(lk, i, l, want);
			return HF_OK;
		}
	} else {
		for (j = 0; j < ctx->nlocs; j++) {
			l = &ctx->locs[j];
			if (!l->is_active || l->frozen_by != 0)
				continue;
			n = inv_place_free(ctx, s, l);
			if (n > can)
				n = can;
			if (n >= want) {
				lk->ntakes = first;
				take(lk, i, l, want);
				return HF_OK;
			}
			if (n > best)
				best = n;
			if (line->split && n > 0 && sum < want) {
				n = n < want - sum ? n : want - sum;
				if (n > can - sum)
					n = can - sum;
				if (n > 0) {
					take(lk, i, l, n);
					sum += n;
				}
			}
		}
		if (line->split && sum >= want)
			return HF_OK;
		lk->ntakes = first;
		if (line->split)
			best = sum;
	}
	lk->nshort++;
	lk->lines[i].sku = line->sku;
	lk->lines[i].requested = want;
	lk->lines[i].available = best;
	return short_places(ctx, lk, i, s, can);
}

/*
 * Locks the stock row of each of the n lines (merged and in SKU order:
 * inv_lines_merge), then its places in location order, asks rule (NULL:
 * inv_takeable) how many units of each open row the caller may take, and
 * allocates each line to places (allocate). Returns HF_OK with lk->rows
 * locked and lk->verdict the refusal to give once the caller has locked
 * what it locks after stock (inv_lock_verdict), lk->takes the units of
 * every line when there is none; or a hard error at once (an unknown SKU:
 * INV_001 naming it; an unknown, inactive or frozen location; the
 * database).
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
	if ((rc = inv_locations(db, ctx)) != HF_OK)
		return rc;
	lk->rows = arena_calloc(ctx->arena, n + 1, sizeof(*lk->rows));
	lk->lines = arena_calloc(ctx->arena, n + 1, sizeof(*lk->lines));
	lk->takes = arena_calloc(ctx->arena, n * (ctx->nlocs + 1) + 1,
	    sizeof(*lk->takes));
	if (lk->rows == NULL || lk->lines == NULL || lk->takes == NULL)
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
		if ((rc = allocate(db, ctx, lk, i, &lines[i], &lk->rows[i],
		    can)) != HF_OK)
			return rc;
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
		ctx->lines[ctx->nlines - 1].places = lk->lines[i].places;
		ctx->lines[ctx->nlines - 1].nplaces = lk->lines[i].nplaces;
	}
	return lk->verdict == HF_E_INV_UNAVAILABLE ? inv_refuse_closed(ctx) :
	    inv_refuse_short(ctx);
}

/*
 * One line of the locked row s, never split (a deduct): the location it
 * names or the first in allocation order that has it all (can: what the
 * caller may take product-wide), into *out; or INV_002 naming what each
 * location could give, or a location's refusal (LOC_001, 002, 004).
 */
int
inv_lock_one(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    const struct reserve_item *line, long long can,
    const struct location **out)
{
	struct inv_lock	lk;
	int		rc;

	memset(&lk, 0, sizeof(lk));
	if ((rc = inv_locations(db, ctx)) != HF_OK)
		return rc;
	lk.rows = s;
	lk.n = 1;
	lk.lines = arena_calloc(ctx->arena, 2, sizeof(*lk.lines));
	lk.takes = arena_calloc(ctx->arena, ctx->nlocs + 2, sizeof(*lk.takes));
	if (lk.lines == NULL || lk.takes == NULL)
		return HF_E_SYS_INTERNAL;
	if ((rc = allocate(db, ctx, &lk, 0, line, s, can)) != HF_OK)
		return rc;
	if (lk.nshort > 0) {
		lk.verdict = HF_E_INV_INSUFFICIENT;
		return inv_lock_verdict(ctx, &lk);
	}
	*out = lk.takes[0].loc;
	return HF_OK;
}

/*
 * The one-trip path (sql/012_procedures.sql: hf_reserve,
 * hf_order_create): the merged
 * lines as the procedure reads them, a JSON array in SKU order, or NULL
 * when a line is not plain enough to send (an SKU or a location code
 * outside the grammar, which the C path refuses with its own codes).
 * Every character of the grammar is literal in JSON.
 */
const char *
inv_trip_lines(struct svc_ctx *ctx, const struct reserve_item *lines, size_t n)
{
	size_t	 i, off = 0, cap = n * 160 + 4;
	char	*j;
	int	 w;

	if ((j = arena_alloc(ctx->arena, cap)) == NULL)
		return NULL;
	j[off++] = '[';
	for (i = 0; i < n; i++) {
		if (!hf_sku_valid(lines[i].sku, strlen(lines[i].sku)) ||
		    (lines[i].location != NULL &&
		    (strlen(lines[i].location) > 32 ||
		    !hf_sku_valid(lines[i].location,
		    strlen(lines[i].location)))))
			return NULL;
		w = snprintf(j + off, cap - off, "%s{\"s\":\"%s\",\"q\":%lld%s%s%s}",
		    i > 0 ? "," : "", lines[i].sku, lines[i].quantity,
		    lines[i].location != NULL ? ",\"l\":\"" : "",
		    lines[i].location != NULL ? lines[i].location : "",
		    lines[i].location != NULL ? "\"" : "");
		if (w < 0 || (size_t)w >= cap - off)
			return NULL;
		off += (size_t)w;
	}
	j[off++] = ']';
	j[off] = '\0';
	return j;
}
