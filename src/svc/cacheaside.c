/*
 * cacheaside.c: reads through Redis, writes invalidate after COMMIT.
 *
 * The stale-set race (a reader loads the database before a write, then
 * stores its old value after the write's invalidation) is closed with
 * versioned keys: an entry lives at <prefix>:<epoch>:<version>, and the
 * version is read in the same script as the entry. A write bumps the
 * version once its transaction has committed, so from then on readers look
 * under the new version; a slow reader's set lands under the old one and
 * is never read. The write's response leaves only after the bump, so a
 * client that wrote and then reads sees its write. Redis is optional: any
 * failure reads the database, and the cache layer backs off.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/metrics.h"
#include "holdfast/svc.h"
#include "holdfast/hoststate.h"

struct cache_kind_info {
	const char	*name;		/* key component */
	int		 ttl_s;
};

static const struct cache_kind_info cache_kinds[CACHE__MAX] = {
	[CACHE_PRODUCT] = { "p", 300 },	/* product detail, by id */
	[CACHE_STOCK] = { "s", 30 },	/* stock, by SKU */
	[CACHE_PLIST] = { "l", 60 },	/* list pages: one version for all */
	/* a list page's entry holds no stock: issue 13, svc/listpage.c */
};

/*
 * The id an entry is stored under: an SKU in its one spelling (upper
 * case), so "bk-1" and "BK-1" share one entry and one version, as they
 * share one row. NULL when out of memory.
 */
static const char *
entry_id(struct arena *a, enum cache_kind k, const char *id)
{
	char	*up;
	size_t	 i;

	if (k != CACHE_STOCK || id == NULL)
		return id;
	if ((up = arena_strdup(a, id)) == NULL)
		return NULL;
	for (i = 0; up[i] != '\0'; i++)
		if (up[i] >= 'a' && up[i] <= 'z')
			up[i] = (char)(up[i] - 'a' + 'A');
	return up;
}

/* The version key of one entry; list pages share one. */
static const char *
ver_key(struct arena *a, enum cache_kind k, const char *id)
{
	if (k == CACHE_PLIST)
		return "hf:ver:l";
	if ((id = entry_id(a, k, id)) == NULL)
		return NULL;
	return arena_printf(a, "hf:ver:%s:%s", cache_kinds[k].name, id);
}

/*
 * What the guard's rate script read ahead for this request's handler
 * (svc_rate_read): the entry's version key, and the entry key and text
 * the read gave (arena of that request). One request at a time per worker
 * process; request_id tells a later request's read from it.
 */
static struct {
	int	 valid;
	char	 request_id[65];
	char	*vk, *key, *out;
	size_t	 len;
} ahead;

void
svc_rate_read_drop(void)
{
	ahead.valid = 0;
}

int
svc_rate_read(struct app *app, struct arena *a, const char *request_id,
    enum cache_kind k, const char *id, const char *key, int max,
    int window_s, const char *gen_key, int *retry_after, char *gen,
    size_t genlen)
{
	const char	*vk = ver_key(a, k, id);
	char		 prefix[600], rk[300];
	long long	 count = 0, ttl_ms = 0;

	ahead.valid = 0;
	if (gen != NULL && genlen > 0)
		gen[0] = '\0';
	if (vk == NULL || (id = entry_id(a, k, id)) == NULL)
		return svc_rate_gen(app, RATE_GENERAL, key, max, window_s,
		    gen_key, retry_after, gen, genlen);
	snprintf(prefix, sizeof(prefix), "hf:c:%s:%s", cache_kinds[k].name,
	    id);
	snprintf(rk, sizeof(rk), "hf:rl:%s", key);
	/* without Redis a general limit is not enforced (ratelimit.c) */
	if (cache_vget_rate(app->cache, a, vk, prefix, rk, window_s, max,
	    gen_key, &count, &ttl_ms, gen, genlen, &ahead.key, &ahead.out,
	    &ahead.len) != HF_OK)
		return HF_OK;
	if (ahead.key != NULL && (ahead.vk = arena_strdup(a, vk)) != NULL) {
		snprintf(ahead.request_id, sizeof(ahead.request_id), "%s",
		    request_id);
		ahead.valid = 1;
	}
	return svc_rate_verdict(count, ttl_ms, max, retry_after);
}

/*
 * Answers id from the cache, or through fill (which loads and renders it)
 * and stores the result. *out is JSON text in the arena. Returns HF_OK or
 * fill's error. The guard's rate script may have read the entry already.
 */
int
svc_cached(struct svc_ctx *ctx, enum cache_kind k, const char *id,
    svc_fill_fn fill, void *arg, const char **out, size_t *len)
{
	char		*key = NULL, *hit = NULL, *text;
	const char	*vk = ver_key(ctx->arena, k, id);
	char		 prefix[600];
	int		 rc = HF_OK, cached;

	snprintf(prefix, sizeof(prefix), "hf:c:%s:%s", cache_kinds[k].name,
	    (id = entry_id(ctx->arena, k, id)) != NULL ? id : "");
	if (vk != NULL && ahead.valid && strcmp(ahead.vk, vk) == 0 &&
	    ctx->request_id != NULL &&
	    strcmp(ahead.request_id, ctx->request_id) == 0) {
		/* read in the guard's round trip */
		cached = 1;
		key = ahead.key;
		hit = ahead.out;
		*len = ahead.len;
	} else
		cached = vk != NULL && cache_vget(ctx->app->cache, ctx->arena,
		    vk, prefix, &key, &hit, len) == HF_OK;
	ahead.valid = 0;
	if (cached && hit != NULL) {
		*out = hit;
		return HF_OK;
	}
	if ((text = fill(ctx, arg, len, &rc)) == NULL)
		return rc != HF_OK ? rc : HF_E_SYS_INTERNAL;
	if (cached && key != NULL)
		cache_vset(ctx->app->cache, key, text, *len,
		    cache_kinds[k].ttl_s);
	*out = text;
	return HF_OK;
}

void
svc_touch(struct svc_ctx *ctx, uint64_t product_id, const char *sku)
{
	size_t	i;

	for (i = 0; i < ctx->ntouched; i++)
		if (ctx->touched_pid[i] == product_id)
			return;
	if (ctx->ntouched == sizeof(ctx->touched_pid) /
	    sizeof(ctx->touched_pid[0])) {
		ctx->touched_all = 1;
		return;
	}
	ctx->touched_pid[ctx->ntouched] = product_id;
	ctx->touched_sku[ctx->ntouched] = sku;
	ctx->ntouched++;
}

/*
 * A change to what a list page shows of a product (name, price, status,
 * category, a new product): its entries and every list page go. A stock
 * move (svc_touch) leaves the list pages, which read availability from the
 * stock entries (svc/listpage.c).
 */
void
svc_touch_catalog(struct svc_ctx *ctx, uint64_t product_id, const char *sku)
{
	ctx->touched_list = 1;
	svc_touch(ctx, product_id, sku);
}

/* Bumps the versions of what the committed transaction changed. */
static void
invalidate(struct svc_ctx *ctx)
{
	const char	*keys[2 * 16 + 1];
	size_t		 i, n = 0;

	if (ctx->touched_all)
		keys[n++] = "hf:epoch";
	else
		for (i = 0; i < ctx->ntouched; i++) {
			char	id[24];

			snprintf(id, sizeof(id), "%llu",
			    (unsigned long long)ctx->touched_pid[i]);
			keys[n++] = ver_key(ctx->arena, CACHE_PRODUCT, id);
			if (ctx->touched_sku[i] != NULL)
				keys[n++] = ver_key(ctx->arena, CACHE_STOCK,
				    ctx->touched_sku[i]);
		}
	if (ctx->touched_list || ctx->touched_all)
		keys[n++] = ver_key(ctx->arena, CACHE_PLIST, NULL);
	for (i = 0; i < n; i++)
		if (keys[i] == NULL)
			return;
	/* a failure marks the cache lost: it bumps the epoch on return;
	 * the database's generation tells the other hosts (issue 16) */
	if (cache_bump(ctx->app->cache, keys, n) != HF_OK)
		svc_lost_record(ctx->app, ctx->request_id);
}

/*
 * Runs fn through run (db_txn, or db_retry for a procedure's one trip)
 * with ctx's touched entries cleared, and invalidates them when it
 * succeeds, before the caller answers.
 */
static int
touched_run(struct svc_ctx *ctx, int (*run)(struct db *, db_txn_fn, void *),
    int (*fn)(struct db *, void *), void *arg)
{
	int	rc;

	ctx->ntouched = 0;
	ctx->touched_all = 0;
	ctx->touched_list = 0;
	rc = run(ctx->app->db, fn, arg);
	ctx->read_route = SVC_READ_PRIMARY;	/* issue 16: read it back */
	if (rc == HF_OK && (ctx->ntouched > 0 || ctx->touched_all))
		invalidate(ctx);
	ctx->ntouched = 0;
	ctx->touched_all = 0;
	ctx->touched_list = 0;
	return rc;
}

/*
 * db_txn for transactions that change products or stock: on COMMIT the
 * touched entries are invalidated before the caller answers.
 */
int
svc_txn(struct svc_ctx *ctx, int (*fn)(struct db *, void *), void *arg)
{
	return touched_run(ctx, db_txn, fn, arg);
}

/*
 * A write with a one-trip path: trip(trip_arg) first when trip is not
 * NULL (svc_trip), counted in /metrics; when the procedure left the write
 * to the C path (*done still 0), txn(txn_arg) through svc_txn.
 */
int
svc_write(struct svc_ctx *ctx, int (*trip)(struct db *, void *),
    void *trip_arg, const int *done, int (*txn)(struct db *, void *),
    void *txn_arg)
{
	int	rc;

	if (trip != NULL) {
		if ((rc = svc_trip(ctx, trip, trip_arg)) != HF_OK)
			return rc;
		metrics_add(*done ? M_WRITE_ONE_TRIP : M_WRITE_FALLBACK, 1);
		if (*done)
			return HF_OK;
	}
	return svc_txn(ctx, txn, txn_arg);
}

/* No Idempotency-Key: the write's answer is not stored with it. */
int
svc_unkeyed(const struct idem *idem)
{
	return idem == NULL || idem->id == 0;
}

/*
 * As svc_txn for a write that is one CALL of a procedure which opens and
 * ends its own transaction (sql/012_procedures.sql): fn runs outside
 * db_txn, again after a deadlock (db_retry).
 */
int
svc_trip(struct svc_ctx *ctx, int (*fn)(struct db *, void *), void *arg)
{
	return touched_run(ctx, db_retry, fn, arg);
}

/*
 * After a COMMIT made outside svc_txn (holdfast-expire's batched sweep,
 * whose transactions change more products than ctx->touched_pid holds):
 * invalidates the entries of n products, up to 16 a call to Redis, as
 * svc_txn would, without bumping the epoch.
 */
void
svc_invalidate(struct svc_ctx *ctx, const uint64_t *pid,
    const char *const *sku, size_t n)
{
	size_t	i;

	ctx->ntouched = 0;
	ctx->touched_all = 0;
	ctx->touched_list = 0;	/* units moved: no list page changes */
	for (i = 0; i < n; i++) {
		svc_touch(ctx, pid[i], sku[i]);
		if (ctx->ntouched == sizeof(ctx->touched_pid) /
		    sizeof(ctx->touched_pid[0]) || i + 1 == n) {
			invalidate(ctx);
			ctx->ntouched = 0;
		}
	}
}
