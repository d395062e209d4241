/*
 * listpage.c: product list and search pages that survive stock moves
 * (issue 13, item 4).
 *
 * A page's cache entry holds what changes rarely: its products' ids,
 * names, prices and order, and the total, under the lists' version
 * (hf:ver:l), which only a change to the catalog bumps (svc_touch_catalog:
 * a name, a price, a status, a category, a new product). Where each
 * product's availability goes, the entry has a byte 0x01 (JSON text
 * escapes every control byte, so none occurs otherwise). Its first line
 * names the products, "<id>/<SKU> ...".
 *
 * Availability comes from one stock entry per SKU, hf:c:ls:<SKU>:<epoch>:
 * <version>, under the SKU's stock version (hf:ver:s:<SKU>, which every
 * stock move bumps after its COMMIT, as for GET /stock/{sku}). One script
 * reads the page, the versions and the stock entries (cache_page_get):
 * one Redis round trip. The entries it lacks are read from MariaDB in one
 * statement for just those products and written back in one pipelined
 * round trip, each under the version the script read before the database
 * was read: a slow reader's entry lands under an old version that no one
 * reads again, so availability is never older than a stock read.
 *
 * Redis down or any doubt (a product the database no longer joins, an
 * entry that does not parse): the page comes from MariaDB whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/svc.h"

#define PAGE_PREFIX	"hf:c:lp:"	/* + hash: a page (not "l": another form) */
#define STOCK_PREFIX	"hf:c:ls:"	/* + SKU: a list's availability */
#define STOCK_VER	"hf:ver:s:"	/* + SKU: cacheaside.c's stock version */
#define PAGE_TTL_S	60
#define STOCK_TTL_S	30
#define PAGE_MAX	100		/* api_paging's per_page cap */
#define MARK		'\001'

/* An SKU in its one spelling (cacheaside.c's entry_id): upper case. */
static char *
sku_upper(struct arena *a, const char *sku)
{
	char	*up = arena_strdup(a, sku);
	size_t	 i;

	for (i = 0; up != NULL && up[i] != '\0'; i++)
		if (up[i] >= 'a' && up[i] <= 'z')
			up[i] = (char)(up[i] - 'a' + 'A');
	return up;
}

/*
 * The template with each mark replaced by frags[i] in turn. NULL when the
 * marks are not n, or out of memory.
 */
static char *
merge(struct arena *a, const char *tpl, size_t tlen, char *const *frags,
    const size_t *flens, size_t n, size_t *len)
{
	struct hf_buf	 b;
	const char	*m, *end = tpl + tlen;
	size_t		 i = 0;

	hf_buf_init(&b, a, 0);
	while ((m = memchr(tpl, MARK, (size_t)(end - tpl))) != NULL) {
		if (i == n)
			return NULL;
		hf_buf_put(&b, tpl, (size_t)(m - tpl));
		hf_buf_put(&b, frags[i], flens[i]);
		i++;
		tpl = m + 1;
	}
	hf_buf_put(&b, tpl, (size_t)(end - tpl));
	if (i != n || b.toobig || b.p == NULL)
		return NULL;
	*len = b.len;
	return b.p;
}

/*
 * The page from MariaDB: rendered, stored under key (when not NULL: the
 * key the script read before this read) and answered whole.
 */
static int
page_from_db(struct svc_ctx *ctx, const struct product_filter *f,
    const struct svc_list_render *r, void *arg, const char *key,
    const char **out, size_t *len)
{
	struct product	*rows;
	struct hf_buf	 b;
	char		*tpl, **frags, *text;
	size_t		 n = 0, tlen = 0, i, *flens;
	long long	 total;
	int		 rc, exact;

	if ((rc = svc_products_list(ctx, f, &rows, &n, &total, &exact)) !=
	    HF_OK)
		return rc;
	if ((tpl = r->page(ctx, arg, rows, n, total, exact, &tlen)) == NULL)
		return HF_E_SYS_INTERNAL;
	frags = arena_alloc(ctx->arena, (n + 1) * sizeof(*frags));
	flens = arena_alloc(ctx->arena, (n + 1) * sizeof(*flens));
	if (frags == NULL || flens == NULL)
		return HF_E_SYS_INTERNAL;
	hf_buf_init(&b, ctx->arena, 0);
	for (i = 0; i < n; i++) {
		if ((frags[i] = r->stock(ctx, arg, &rows[i].stock,
		    &flens[i])) == NULL)
			return HF_E_SYS_INTERNAL;
		hf_buf_printf(&b, "%s%llu/%s", i > 0 ? " " : "",
		    (unsigned long long)rows[i].id,
		    sku_upper(ctx->arena, rows[i].sku));
	}
	hf_buf_puts(&b, "\n");
	hf_buf_put(&b, tpl, tlen);
	if ((text = merge(ctx->arena, tpl, tlen, frags, flens, n, len)) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	if (key != NULL && !b.toobig && b.p != NULL)
		cache_vset(ctx->app->cache, key, b.p, b.len, PAGE_TTL_S);
	*out = text;
	return HF_OK;
}

/*
 * Reads the products the script found no stock entry for (ids[i] for the
 * i-th of the page, need[i] set) in one statement, renders their
 * availability into frags and writes it back in one round trip. 1 when
 * done, 0 when a product is missing (the caller reads the page whole),
 * or an error.
 */
static int
fill_missing(struct svc_ctx *ctx, const struct svc_list_render *r,
    void *arg, struct cache_page *cp, const unsigned long long *ids,
    size_t n)
{
	struct stock_row	*rows;
	struct db_param		 p[1];
	struct hf_buf		 b;
	const char		*keys[PAGE_MAX], *vals[PAGE_MAX];
	size_t			 lens[PAGE_MAX], nrows = 0, nset = 0, i, j;
	int			 rc;

	hf_buf_init(&b, ctx->arena, 0);
	hf_buf_puts(&b, "[");
	for (i = 0; i < n; i++)
		if (cp->sval[i] == NULL)
			hf_buf_printf(&b, "%s%llu", nset++ > 0 ? "," : "",
			    ids[i]);
	hf_buf_puts(&b, "]");
	if (nset == 0)
		return 1;
	if (b.toobig || b.p == NULL)
		return HF_E_SYS_INTERNAL;
	p[0] = DB_STR(b.p);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_stock_of_ids, p,
	    1, &rows, &nrows)) != HF_OK)
		return rc;
	nset = 0;
	for (i = 0; i < n; i++) {
		if (cp->sval[i] != NULL)
			continue;
		for (j = 0; j < nrows; j++)
			if (rows[j].product_id == ids[i])
				break;
		if (j == nrows)
			return 0;
		if ((cp->sval[i] = r->stock(ctx, arg, &rows[j],
		    &cp->slen[i])) == NULL)
			return HF_E_SYS_INTERNAL;
		keys[nset] = cp->skey[i];
		vals[nset] = cp->sval[i];
		lens[nset] = cp->slen[i];
		nset++;
	}
	cache_vset_many(ctx->app->cache, keys, vals, lens, nset, STOCK_TTL_S);
	return 1;
}

int
svc_products_page(struct svc_ctx *ctx, const struct product_filter *f,
    const char *hash, const struct svc_list_render *r, void *arg,
    const char **out, size_t *len)
{
	struct cache_page	 cp;
	unsigned long long	 ids[PAGE_MAX];
	const char		*nl, *s, *prefix;
	char			*text, *end;
	size_t			 n = 0;
	int			 rc;

	prefix = arena_printf(ctx->arena, PAGE_PREFIX "%s", hash);
	if (prefix == NULL || cache_page_get(ctx->app->cache, ctx->arena,
	    "hf:ver:l", prefix, STOCK_PREFIX, STOCK_VER, &cp) != HF_OK)
		return page_from_db(ctx, f, r, arg, NULL, out, len);
	if (cp.page == NULL)
		return page_from_db(ctx, f, r, arg, cp.key, out, len);
	/* the first line: the products' ids, in the order of the marks */
	if ((nl = memchr(cp.page, '\n', cp.len)) == NULL)
		return page_from_db(ctx, f, r, arg, NULL, out, len);
	for (s = cp.page; s < nl; ) {
		if (n == PAGE_MAX)
			return page_from_db(ctx, f, r, arg, NULL, out, len);
		ids[n] = strtoull(s, &end, 10);
		if (end == s || *end != '/')
			return page_from_db(ctx, f, r, arg, NULL, out, len);
		n++;
		if ((s = memchr(end, ' ', (size_t)(nl - end))) == NULL)
			break;
		s++;
	}
	if (n != cp.n)
		return page_from_db(ctx, f, r, arg, NULL, out, len);
	if ((rc = fill_missing(ctx, r, arg, &cp, ids, n)) != 1) {
		if (rc == 0)
			return page_from_db(ctx, f, r, arg, NULL, out, len);
		return rc;
	}
	nl++;
	if ((text = merge(ctx->arena, nl, cp.len - (size_t)(nl - cp.page),
	    cp.sval, cp.slen, n, len)) == NULL)
		return page_from_db(ctx, f, r, arg, NULL, out, len);
	*out = text;
	return HF_OK;
}
