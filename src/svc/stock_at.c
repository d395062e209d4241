/*
 * stock_at.c: stock at a past moment (GET /stock/{sku}?at= or
 * ?ledger_id=, GET /stock?at=...) and the current stock at one location
 * (GET /stock?location=). Reads only, outside any transaction: a moment
 * is answered from its committed ledger rows' after-values, per product
 * and location (sql_stock_at.c says why each point is one index dive).
 *
 * Which places a product shows: at a moment, each location where it had
 * a ledger row by then (every location where it has units has a
 * location_stock row, which inv_stock_change writes with every ledger
 * row, so the dives start from those rows); with a location asked for,
 * that location alone, with 0 where it had nothing.
 */
#include <stdint.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_stock_at.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* before every ledger row */
#define AT_EPOCH	"1970-01-01 00:00:00.000"

/* Where the dives stop (created_at <= bound, id <= id_max), and the
 * location asked for (NULL: every one). */
struct at_bounds {
	const char		*bound;
	long long		 id_max;
	const struct location	*loc;
};

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" from the database's form (arena). */
static const char *
at_iso(struct arena *a, const char *db)
{
	char	*s = arena_printf(a, "%sZ", db);

	if (s != NULL && strlen(s) > 10)
		s[10] = 'T';
	return s;
}

static int
at_refuse(struct svc_ctx *ctx, const char *field, const char *reason)
{
	ctx->field = field;
	ctx->reason = reason;
	return HF_E_REQ_FIELD;
}

/*
 * Resolves q into the dives' bounds and the answer's header: the location
 * it names (LOC_001), and the moment: ?at= (REQ_010 when it is past the
 * database's clock, which writes created_at) or the point right after
 * ledger row N (REQ_010 when N is past the last row).
 */
static int
at_resolve(struct svc_ctx *ctx, const struct stock_at_query *q,
    struct at_bounds *b, struct stock_at_answer *ans)
{
	struct db		*db = ctx->app->db;
	struct stock_at_mark	 m;
	struct db_param		 p[1];
	long long		 future;
	int			 rc, found;

	memset(b, 0, sizeof(*b));
	memset(ans, 0, sizeof(*ans));
	if (q->location != NULL) {
		if ((rc = inv_location_named(db, ctx, q->location, &b->loc)) !=
		    HF_OK)
			return rc;
		ans->location = b->loc->code;
	}
	ans->historic = q->at != NULL || q->ledger_id != 0;
	b->id_max = INT64_MAX;
	if (q->ledger_id != 0) {
		p[0] = DB_INT((long long)q->ledger_id);
		if ((rc = db_row(db, ctx->arena, &db_sql_stock_at_mark, p, 1,
		    &m, &found)) != HF_OK)
			return rc;
		if (!found || m.last_id < q->ledger_id)
			return at_refuse(ctx, "ledger_id", arena_printf(
			    ctx->arena, "past the ledger's last row (%llu)",
			    found ? (unsigned long long)m.last_id : 0ULL));
		b->id_max = (long long)q->ledger_id;
		/* no row at or below N: before every row */
		b->bound = m.id != 0 && m.bound != NULL ? m.bound : AT_EPOCH;
		ans->at = m.id != 0 ? m.at : NULL;
		ans->ledger_id = q->ledger_id;
	} else if (q->at != NULL) {
		p[0] = DB_STR(q->at);
		future = db_count_of(db, ctx->arena, &db_sql_stock_at_future, p,
		    1, &rc);
		if (rc != HF_OK)
			return rc;
		if (future != 0)
			return at_refuse(ctx, "at", "is in the future (by the "
			    "database's clock)");
		b->bound = q->at;
		ans->at = at_iso(ctx->arena, q->at);
	}
	return HF_OK;
}

/*
 * Groups rows (by product, then allocation order) into ans->items: a
 * place with no ledger row by the moment (or none now) is left out unless
 * it is the location asked for.
 */
static int
at_points(struct svc_ctx *ctx, const struct at_bounds *b,
    const struct stock_at_row *rows, size_t n, struct stock_at_answer *ans)
{
	struct stock_point_place	*slots, *pl;
	struct stock_point		*pt = NULL;
	size_t				 i;

	ans->items = arena_calloc(ctx->arena, n + 1, sizeof(*ans->items));
	slots = arena_calloc(ctx->arena, n + 1, sizeof(*slots));
	if (ans->items == NULL || slots == NULL)
		return HF_E_SYS_INTERNAL;
	ans->n = 0;
	for (i = 0; i < n; i++) {
		if (pt == NULL || pt->product_id != rows[i].product_id) {
			pt = &ans->items[ans->n++];
			pt->product_id = rows[i].product_id;
			pt->sku = rows[i].sku;
			pt->name = rows[i].name;
			/* a product's rows are consecutive: its slice */
			pt->places = &slots[i];
		}
		if (b->loc == NULL && (rows[i].location_id == 0 ||
		    (ans->historic && rows[i].ledger_id == 0)))
			continue;
		pl = &pt->places[pt->nplaces++];
		pl->location = b->loc != NULL ? b->loc->code : rows[i].location;
		pl->on_hand = rows[i].on_hand;
		pl->reserved = rows[i].reserved;
		pl->available = rows[i].on_hand - rows[i].reserved;
		pl->ledger_id = rows[i].ledger_id;
		pt->on_hand += pl->on_hand;
		pt->reserved += pl->reserved;
		pt->available += pl->available;
	}
	return HF_OK;
}

/*
 * Replaces the figures of rows (their units now) with those of each
 * place's last ledger row up to the bounds, DB_AT_DIVES places per
 * statement; a place that had none gets ledger_id 0 and 0 units.
 */
static int
at_dive(struct svc_ctx *ctx, const struct at_bounds *b,
    struct stock_at_row *rows, size_t n)
{
	struct db_param		 p[DB_AT_DIVES * 4];
	struct stock_at_dive	*d;
	struct stock_at_row	*r;
	size_t			 idx[DB_AT_DIVES], i, k, m, nd;
	int			 rc;

	for (i = 0; i < n; i++) {
		rows[i].ledger_id = 0;
		rows[i].on_hand = rows[i].reserved = 0;
	}
	for (i = 0; i < n;) {
		for (k = 0; k < DB_AT_DIVES && i < n; i++)
			if (rows[i].location_id != 0)
				idx[k++] = i;
		if (k == 0)
			break;
		/* a slot left over dives for product 0: no row, no answer */
		for (m = 0; m < DB_AT_DIVES; m++) {
			p[4 * m] = DB_INT(m < k ?
			    (long long)rows[idx[m]].product_id : 0);
			p[4 * m + 1] = DB_INT(m < k ?
			    (long long)rows[idx[m]].location_id : 0);
			p[4 * m + 2] = DB_STR(b->bound);
			p[4 * m + 3] = DB_INT(b->id_max);
		}
		if ((rc = db_rows(ctx->app->db, ctx->arena,
		    &db_sql_stock_at_dives, p, DB_AT_DIVES * 4, &d, &nd)) !=
		    HF_OK)
			return rc;
		for (m = 0; m < nd; m++) {
			if (d[m].slot < 0 || (size_t)d[m].slot >= k)
				continue;
			r = &rows[idx[d[m].slot]];
			r->ledger_id = d[m].ledger_id;
			r->on_hand = d[m].on_hand;
			r->reserved = d[m].reserved;
		}
	}
	return HF_OK;
}

/* One SKU at a moment (at or ledger_id), every place or the one asked. */
int
svc_stock_at(struct svc_ctx *ctx, const char *sku,
    const struct stock_at_query *q, struct stock_at_answer *ans)
{
	struct stock_at_row	*rows;
	struct at_bounds	 b;
	struct db_param		 p[2];
	size_t			 n;
	int			 rc;

	if ((rc = at_resolve(ctx, q, &b, ans)) != HF_OK)
		return rc;
	if (!ans->historic)
		return HF_E_SYS_INTERNAL;	/* now: svc_stock_get */
	p[0] = DB_STR(sku);
	p[1] = DB_OPT_INT(b.loc != NULL, b.loc != NULL ?
	    (long long)b.loc->id : 0);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_stock_places_one,
	    p, 2, &rows, &n)) != HF_OK)
		return rc;
	if (n == 0) {
		inv_set_not_found(ctx, sku);
		return HF_E_INV_NOT_FOUND;
	}
	if ((rc = at_dive(ctx, &b, rows, n)) != HF_OK)
		return rc;
	return at_points(ctx, &b, rows, n, ans);
}

/*
 * A page of every product (in SKU order, as GET /stock) at a moment, or
 * now at one location, with how many products there are.
 */
int
svc_stock_at_list(struct svc_ctx *ctx, const struct stock_at_query *q,
    struct stock_at_answer *ans)
{
	struct stock_at_row	*rows;
	struct at_bounds	 b;
	struct db_param		 p[3];
	size_t			 n;
	int			 rc;

	if ((rc = at_resolve(ctx, q, &b, ans)) != HF_OK)
		return rc;
	if (!ans->historic && b.loc == NULL)
		return HF_E_SYS_INTERNAL;	/* now: svc_stock_list */
	p[0] = DB_NULL;		/* every level: "(? IS NULL OR ...)" */
	p[0].twice = 1;
	ans->total = db_count_of(ctx->app->db, ctx->arena, &db_sql_stock_count,
	    p, 1, &rc);
	if (rc != HF_OK)
		return rc;
	p[0] = DB_INT(q->per_page);
	p[1] = DB_INT((q->page - 1) * q->per_page);
	p[2] = DB_OPT_INT(b.loc != NULL, b.loc != NULL ?
	    (long long)b.loc->id : 0);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_stock_places_page,
	    p, 3, &rows, &n)) != HF_OK)
		return rc;
	if (ans->historic && (rc = at_dive(ctx, &b, rows, n)) != HF_OK)
		return rc;
	return at_points(ctx, &b, rows, n, ans);
}
