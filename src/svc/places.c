/*
 * places.c: where units are. The installation's locations (read once per
 * request, in allocation order), and a locked product's places: its
 * location_stock rows, locked after its stock row in location order, so
 * that every lock is taken in (product, location) order.
 *
 * Below stock.c (inv_stock_change writes a place with every change) and
 * the locker (which allocates a line to places).
 */
#include <string.h>
#include <strings.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* The locations, in (priority, id) order, read once per request. */
int
inv_locations(struct db *db, struct svc_ctx *ctx)
{
	struct location	*l;
	size_t		 n;
	int		 rc;

	if (ctx->locs != NULL)
		return HF_OK;
	if ((rc = db_rows(db, ctx->arena, &db_sql_location_list, NULL, 0, &l,
	    &n)) != HF_OK)
		return rc;
	ctx->locs = l;
	ctx->nlocs = n;
	return HF_OK;
}

/* The location of id among those read (inv_locations), or NULL. */
const struct location *
inv_location_by_id(const struct svc_ctx *ctx, uint64_t id)
{
	size_t	i;

	for (i = 0; i < ctx->nlocs; i++)
		if (ctx->locs[i].id == id)
			return &ctx->locs[i];
	return NULL;
}

/*
 * The location a caller named by code (compared without case, as the
 * column's collation does), or LOC_001 naming it.
 */
int
inv_location_named(struct db *db, struct svc_ctx *ctx, const char *code,
    const struct location **out)
{
	size_t	i;
	int	rc;

	if ((rc = inv_locations(db, ctx)) != HF_OK)
		return rc;
	for (i = 0; i < ctx->nlocs; i++)
		if (strcasecmp(ctx->locs[i].code, code) == 0) {
			*out = &ctx->locs[i];
			return HF_OK;
		}
	svc_details_clear(ctx);
	svc_detail_str(ctx, "location", code);
	return HF_E_LOC_NOT_FOUND;
}

/*
 * Where a move that names no location goes (a restock, an adjust, a
 * product's first stock): the first active location in allocation order.
 * LOC_004 when every location is inactive.
 */
int
inv_location_default(struct db *db, struct svc_ctx *ctx,
    const struct location **out)
{
	size_t	i;
	int	rc;

	if ((rc = inv_locations(db, ctx)) != HF_OK)
		return rc;
	for (i = 0; i < ctx->nlocs; i++)
		if (ctx->locs[i].is_active) {
			*out = &ctx->locs[i];
			return HF_OK;
		}
	ctx->message = "no location is active";
	return HF_E_LOC_INACTIVE;
}

/*
 * The named location, or the default one when code is NULL, that a move
 * may put units into or take them from: active (LOC_004) and not frozen
 * for a stocktake (LOC_002).
 */
int
inv_location_open(struct db *db, struct svc_ctx *ctx, const char *code,
    const struct location **out)
{
	int	rc;

	rc = code != NULL ? inv_location_named(db, ctx, code, out) :
	    inv_location_default(db, ctx, out);
	if (rc != HF_OK)
		return rc;
	if (!(*out)->is_active) {
		svc_details_clear(ctx);
		svc_detail_str(ctx, "location", (*out)->code);
		return HF_E_LOC_INACTIVE;
	}
	if ((*out)->frozen_by != 0)
		return inv_refuse_frozen(ctx, *out);
	return HF_OK;
}

/*
 * Location id as it is now, read under a shared lock held to the end of
 * the transaction (inv_stock_change, for every change of units there):
 * a deactivation or a freeze committed since this request read the
 * locations is seen, and one that comes later waits for this change.
 * Taken after the product's rows: the lock order is (product, location).
 */
int
inv_location_share(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct location *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	size_t		i;
	int		rc, found;

	/* a row this transaction holds shared cannot change before it ends:
	 * a batch's changes at one location read it once */
	if (ctx->shared_txn != db_txn_seq(db)) {
		ctx->shared_txn = db_txn_seq(db);
		ctx->nshared = 0;
	}
	for (i = 0; i < ctx->nshared; i++)
		if (ctx->shared[i].id == id) {
			*out = ctx->shared[i];
			return HF_OK;
		}
	if ((rc = db_row(db, ctx->arena, &db_sql_location_share, p, 1, out,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_SYS_INTERNAL;
	if (ctx->nshared < HF_NITEMS(ctx->shared))
		ctx->shared[ctx->nshared++] = *out;
	return HF_OK;
}

/*
 * Where units that left location id come back (a refund, a returned
 * loan): there while it is active, else the default location (a branch
 * closed meanwhile is empty by LOC_005; what comes back goes to the first
 * active place).
 */
int
inv_location_back(struct db *db, struct svc_ctx *ctx, uint64_t id,
    const struct location **out)
{
	int	rc;

	if ((rc = inv_locations(db, ctx)) != HF_OK)
		return rc;
	if ((*out = inv_location_by_id(ctx, id)) != NULL && (*out)->is_active)
		return HF_OK;
	return inv_location_default(db, ctx, out);
}

/* LOC_002 naming the location and the stocktake that froze it. */
int
inv_refuse_frozen(struct svc_ctx *ctx, const struct location *l)
{
	svc_details_clear(ctx);
	svc_detail_str(ctx, "location", l->code);
	svc_detail_int(ctx, "stocktake_id", (long long)l->frozen_by);
	return HF_E_LOC_FROZEN;
}

/*
 * Locks the places of the locked stock row s (once: s->places stays
 * until the row is read again) and names each from the locations.
 */
int
inv_places_lock(struct db *db, struct svc_ctx *ctx, struct stock_row *s)
{
	struct db_param		 p[1];
	const struct location	*l;
	struct stock_place	*pl;
	size_t			 i, n;
	int			 rc;

	if (s->places != NULL)
		return HF_OK;
	if ((rc = inv_locations(db, ctx)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)s->product_id);
	if ((rc = db_rows(db, ctx->arena, &db_sql_place_lock, p, 1, &pl,
	    &n)) != HF_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((l = inv_location_by_id(ctx, pl[i].location_id)) != NULL)
			pl[i].location = l->code;
	/* room for a place each location could still gain */
	s->places = arena_calloc(ctx->arena, n + ctx->nlocs + 1,
	    sizeof(*s->places));
	if (s->places == NULL)
		return HF_E_SYS_INTERNAL;
	if (n > 0)
		memcpy(s->places, pl, n * sizeof(*pl));
	s->nplaces = n;
	return HF_OK;
}

/*
 * The place of s at location id (locked by inv_places_lock), added with
 * nothing there when the product has no row at that location yet (its
 * first write inserts it). NULL only for an unknown location.
 */
struct stock_place *
inv_place(struct svc_ctx *ctx, struct stock_row *s, uint64_t id)
{
	const struct location	*l;
	struct stock_place	*pl;
	size_t			 i;

	for (i = 0; i < s->nplaces; i++)
		if (s->places[i].location_id == id)
			return &s->places[i];
	/* room: inv_places_lock left one slot per known location */
	if ((l = inv_location_by_id(ctx, id)) == NULL)
		return NULL;
	pl = &s->places[s->nplaces++];
	memset(pl, 0, sizeof(*pl));
	pl->product_id = s->product_id;
	pl->location_id = id;
	pl->location = l->code;
	return pl;
}

/* Units of s free at location l (0 when it has none there). */
long long
inv_place_free(struct svc_ctx *ctx, struct stock_row *s,
    const struct location *l)
{
	size_t	i;

	(void)ctx;
	for (i = 0; i < s->nplaces; i++)
		if (s->places[i].location_id == l->id)
			return s->places[i].available > 0 ?
			    s->places[i].available : 0;
	return 0;
}

/*
 * The first location, in allocation order, where the locked row s has a
 * free unit and that may give it (active, not frozen); NULL if none. The
 * hold queue hands units from there.
 */
const struct location *
inv_place_first_free(struct db *db, struct svc_ctx *ctx, struct stock_row *s)
{
	size_t	i;

	if (inv_places_lock(db, ctx, s) != HF_OK)
		return NULL;
	for (i = 0; i < ctx->nlocs; i++)
		if (ctx->locs[i].is_active && ctx->locs[i].frozen_by == 0 &&
		    inv_place_free(ctx, s, &ctx->locs[i]) > 0)
			return &ctx->locs[i];
	return NULL;
}

/*
 * Names the location of each reservation from the locations (the
 * reservation statements carry only its id, as some of them lock).
 */
int
inv_name_reservations(struct db *db, struct svc_ctx *ctx,
    struct reservation *v, size_t n)
{
	const struct location	*l;
	size_t			 i;
	int			 rc;

	if (n == 0)
		return HF_OK;
	if ((rc = inv_locations(db, ctx)) != HF_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((l = inv_location_by_id(ctx, v[i].location_id)) != NULL)
			v[i].location = l->code;
	return HF_OK;
}
