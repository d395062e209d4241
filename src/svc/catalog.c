/*
 * catalog.c: product search and lists, edits, retirement, categories and
 * cover images. Books are products whose attributes carry author and ISBN.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "holdfast/hoststate.h"
#include "inv_int.h"
#include "lend_int.h"

#define SEARCH_MAX	200

/*
 * The FULLTEXT boolean query for q: every word of 3 bytes or more becomes
 * "+word*" (all words, as prefixes); operators in q are dropped, so a
 * client cannot write boolean syntax. NULL when no word is long enough.
 */
static char *
search_terms(struct arena *a, const char *q)
{
	char	*out = arena_alloc(a, strlen(q) * 3 + 1), *o = out;
	size_t	 i = 0, start, n = strlen(q), words = 0;

	if (out == NULL)
		return NULL;
	while (i < n) {
		while (i < n && !isalnum((unsigned char)q[i]) &&
		    (unsigned char)q[i] < 0x80)
			i++;
		start = i;
		while (i < n && (isalnum((unsigned char)q[i]) ||
		    (unsigned char)q[i] >= 0x80))
			i++;
		if (i - start >= 3) {
			*o++ = '+';
			memcpy(o, q + start, i - start);
			o += i - start;
			*o++ = '*';
			*o++ = ' ';
			words++;
		}
	}
	*o = '\0';
	return words > 0 ? out : NULL;
}

/* q as ISBN digits (hyphens and spaces dropped), or NULL. */
static char *
isbn_digits(struct arena *a, const char *q)
{
	char	*out = arena_alloc(a, strlen(q) + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *q != '\0'; q++) {
		if (isdigit((unsigned char)*q) || *q == 'X' || *q == 'x')
			*o++ = (char)toupper((unsigned char)*q);
		else if (*q != '-' && *q != ' ')
			return NULL;
	}
	*o = '\0';
	return o - out == 10 || o - out == 13 ? out : NULL;
}

/* q for LIKE 'q%': %, _ and \ escaped. */
static char *
like_prefix(struct arena *a, const char *q)
{
	char	*out = arena_alloc(a, strlen(q) * 2 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *q != '\0'; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o = '\0';
	return out;
}

/* The statement of a list: by sort (default newest first), search or not. */
static struct db_sql *
list_sql(const char *sort, int search)
{
	if (sort != NULL && strcmp(sort, "name") == 0)
		return search ? &db_sql_search_by_name :
		    &db_sql_products_by_name;
	if (sort != NULL && strcmp(sort, "price") == 0)
		return search ? &db_sql_search_by_price :
		    &db_sql_products_by_price;
	if (sort != NULL && strcmp(sort, "-price") == 0)
		return search ? &db_sql_search_by_price_desc :
		    &db_sql_products_by_price_desc;
	return search ? &db_sql_search_by_created :
	    &db_sql_products_by_created;
}

/*
 * The cap of a count (issue 13): past it a total is "at least", not exact.
 * It grows with the page asked for, so a total never falls short of the
 * rows a page shows; page 1 of 20 counts at most 1000.
 */
#define COUNT_CAP	1000

int
svc_products_list(struct svc_ctx *ctx, const struct product_filter *f,
    struct product **out, size_t *n, long long *total, int *exact)
{
	struct db_param		 p[9];
	struct category_row	 cat;
	struct product_hit	*hits;
	const char		*q = f->q;
	long long		 cap, seen = (f->page - 1) * f->per_page;
	size_t			 nq = 0, i;
	int			 rc, found;
	struct db		*rdb;

	*out = NULL;
	*n = 0;
	*total = 0;
	*exact = 1;
	if (q != NULL && strlen(q) > SEARCH_MAX) {
		ctx->field = "q";
		ctx->reason = "at most 200 bytes";
		return HF_E_REQ_FIELD;
	}
	memset(&cat, 0, sizeof(cat));
	rdb = svc_read_db(ctx);	/* issue 16: the replica, when it may */
	if (f->category != NULL) {
		p[0] = DB_STR(f->category);
		p[1] = DB_STR(f->category);
		if ((rc = db_row(rdb, ctx->arena,
		    &db_sql_category_find, p, 2, &cat, &found)) != HF_OK)
			return rc;
		if (!found)
			return HF_OK;	/* no such category: nothing in it */
	}
	/* a search puts its four lookups first, then the filters */
	if (q != NULL) {
		const char	*terms = search_terms(ctx->arena, q);
		const char	*isbn = isbn_digits(ctx->arena, q);
		const char	*prefix = like_prefix(ctx->arena, q);

		p[0] = DB_STR_OR_NULL(terms);
		p[1] = DB_STR(q);
		p[2] = DB_STR_OR_NULL(isbn);
		p[3] = DB_STR_OR_NULL(prefix);
		nq = 4;
	}
	p[nq] = DB_OPT_INT(cat.id != 0, (long long)cat.id);
	p[nq + 1] = DB_OPT_STR(f->status);
	p[nq + 2] = DB_INT(f->per_page);
	p[nq + 3] = DB_INT(seen);
	if (q != NULL) {
		/* one statement: the page and the number of all matches */
		if ((rc = db_rows(rdb, ctx->arena, list_sql(f->sort,
		    1), p, nq + 4, &hits, n)) != HF_OK)
			return rc;
		if (*n > 0) {
			*out = arena_alloc(ctx->arena, *n * sizeof(**out));
			if (*out == NULL)
				return HF_E_SYS_INTERNAL;
			for (i = 0; i < *n; i++)
				(*out)[i] = hits[i].p;
			*total = hits[0].total;
			return HF_OK;
		}
		if (seen == 0)
			return HF_OK;	/* no match at all */
	} else if ((rc = db_rows(rdb, ctx->arena, list_sql(f->sort,
	    0), p, nq + 4, out, n)) != HF_OK)
		return rc;
	/* a page that is not full tells the number itself */
	if ((*n > 0 && *n < (size_t)f->per_page) || (*n == 0 && seen == 0)) {
		*total = seen + (long long)*n;
		return HF_OK;
	}
	/* a count that stops past the cap: exact only below it */
	cap = seen + f->per_page > COUNT_CAP ? seen + f->per_page : COUNT_CAP;
	p[nq + 2] = DB_INT(cap + 1);
	*total = db_count_of(rdb, ctx->arena, q != NULL ?
	    &db_sql_search_count : &db_sql_products_count, p, nq + 3, &rc);
	if (rc != HF_OK)
		return rc;
	if (*total > cap) {
		*total = cap;
		*exact = 0;
	}
	return HF_OK;
}

struct update_txn {
	struct svc_ctx			*ctx;
	uint64_t			 id;
	const struct product_patch	*in;
	struct product			*out;
	int				 retire;
	const char			*cover_url;
	struct lend_mail		 mail;		/* retire: notices */
	unsigned			 holds_ended;	/* retire */
};

/* What the audit log keeps of a product, before and after an edit. */
struct product_audit {
	struct product		 v;
	long long		 holds_cancelled;	/* retire */
};

#define PRODUCT_AUDIT_FIELDS \
	HF_FIELD_AS("sku", struct product_audit, v.sku, HF_K_STR), \
	HF_FIELD_AS("name", struct product_audit, v.name, HF_K_STR), \
	HF_FIELD_AS("category", struct product_audit, v.category, HF_K_STR), \
	HF_FIELD_AS("price", struct product_audit, v.price, HF_K_STR), \
	HF_FIELD_AS("status", struct product_audit, v.status, HF_K_STR), \
	HF_FIELD_AS("cover_url", struct product_audit, v.cover_url, HF_K_STR)

static const struct hf_field product_audit_fields[] = {
	PRODUCT_AUDIT_FIELDS,
};
static const struct hf_field product_retire_fields[] = {
	PRODUCT_AUDIT_FIELDS,
	HF_FIELD(struct product_audit, holds_cancelled, HF_K_INT),
};

static char *
product_audit(struct arena *a, const struct product *p, int retire,
    unsigned holds_cancelled)
{
	struct product_audit	pa;

	memset(&pa, 0, sizeof(pa));
	pa.v = *p;
	pa.holds_cancelled = holds_cancelled;
	return retire ? hf_fields_text(a, product_retire_fields,
	    HF_NITEMS(product_retire_fields), &pa) : hf_fields_text(a,
	    product_audit_fields, HF_NITEMS(product_audit_fields), &pa);
}

static int
product_update_fn(struct db *db, void *arg)
{
	struct update_txn		*t = arg;
	const struct product_patch	*in = t->in;
	struct svc_ctx			*ctx = t->ctx;
	struct db_param			 p[13];
	struct product_lock		 lk;
	struct product			 before;
	uint64_t			 cat = 0;
	long long			 loans;
	int				 rc, found;

	p[0] = DB_INT((long long)t->id);
	if ((rc = db_row(db, ctx->arena, &db_sql_product_lock, p, 1, &lk,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_INV_NOT_FOUND;
	if ((rc = svc_product_get(ctx, t->id, &before)) != HF_OK)
		return rc;
	if (t->retire) {
		if (lk.reserved > 0) {
			ctx->message = arena_printf(ctx->arena, "product %s "
			    "has %lld unit(s) reserved", lk.sku, lk.reserved);
			return HF_E_INV_IN_USE;
		}
		loans = db_count_of(db, ctx->arena,
		    &db_sql_product_loans_active, p, 1, &rc);
		if (rc != HF_OK)
			return rc;
		if (loans > 0) {
			ctx->message = arena_printf(ctx->arena, "product %s "
			    "has %lld unit(s) on loan", before.sku, loans);
			return HF_E_INV_IN_USE;
		}
		p[0] = DB_INT((long long)t->id);
		if ((rc = db_exec(db, &db_sql_product_retire, p, 1, NULL,
		    NULL)) != HF_OK)
			return rc;
		/* its waiting holds end with it, each patron told */
		t->mail.n = 0;
		rc = holds_retire(db, ctx, t->id, &t->mail, &t->holds_ended);
	} else if (t->cover_url != NULL) {
		p[0] = DB_STR(t->cover_url);
		p[1] = DB_INT((long long)t->id);
		rc = db_exec(db, &db_sql_product_set_cover, p, 2, NULL, NULL);
	} else {
		if (in->set_category && in->category != NULL) {
			p[0] = DB_STR(in->category);
			p[1] = DB_STR(inv_slugify(ctx->arena, in->category));
			if ((rc = db_exec(db, &db_sql_category_upsert, p, 2,
			    NULL, &cat)) != HF_OK)
				return rc;
		}
		p[0] = DB_INT(in->name != NULL);
		p[1] = DB_STR_OR_NULL(in->name);
		p[2] = DB_INT(in->set_description);
		p[3] = DB_STR_OR_NULL(in->description);
		p[4] = DB_INT(in->set_category);
		p[5] = cat != 0 ? DB_INT((long long)cat) : DB_NULL;
		p[6] = DB_INT(in->price != NULL);
		p[7] = DB_STR_OR_NULL(in->price);
		p[8] = DB_INT(in->set_attributes);
		p[9] = DB_STR_OR_NULL(in->attributes);
		p[10] = DB_INT(in->status != NULL);
		p[11] = DB_STR_OR_NULL(in->status);
		p[12] = DB_INT((long long)t->id);
		rc = db_exec(db, &db_sql_product_update, p, 13, NULL, NULL);
	}
	if (rc != HF_OK)
		return rc;
	svc_touch_catalog(ctx, t->id, before.sku);
	if ((rc = svc_product_get(ctx, t->id, t->out)) != HF_OK)
		return rc;
	return svc_audit_text(db, ctx, t->retire ? "product.retire" :
	    t->cover_url != NULL ? "product.cover" : "product.update",
	    "product", t->id, product_audit(ctx->arena, &before, 0, 0),
	    product_audit(ctx->arena, t->out, t->retire, t->holds_ended));
}

int
svc_product_update(struct svc_ctx *ctx, uint64_t id,
    const struct product_patch *in, struct product *out)
{
	struct update_txn	t = { .ctx = ctx, .id = id, .in = in,
	    .out = out };

	return svc_txn(ctx, product_update_fn, &t);
}

/*
 * Retires a product (INV_009 while units are reserved or on loan); its
 * waiting holds end `cancelled` in the same transaction, each patron
 * told by e-mail (tried at once after the COMMIT).
 */
int
svc_product_retire(struct svc_ctx *ctx, uint64_t id, struct product *out)
{
	struct update_txn	t;
	int			rc;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.out = out;
	t.retire = 1;
	if ((rc = svc_txn(ctx, product_update_fn, &t)) == HF_OK)
		lend_mail_deliver(ctx->app, &t.mail);
	return rc;
}

/*
 * Stores an image (the database's covers, and upload_dir/covers as this
 * host's cache: svc_cover_store) under a content-addressed name
 * (the SHA-256 of its bytes) and points the product at it. The type comes
 * from the magic bytes only. Returns HF_E_REQ_MEDIA_TYPE for anything but
 * PNG, JPEG or WebP.
 */
int
svc_product_cover(struct svc_ctx *ctx, uint64_t id, const char *body,
    size_t len, struct product *out)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	struct update_txn	 t = { .ctx = ctx, .id = id, .out = out };
	const char		*type = hf_image_type(body, len);
	char			 hash[HF_SHA256_HEX];
	int			 rc;

	if (type == NULL) {
		ctx->message = "the body is not a PNG, JPEG or WebP image";
		return HF_E_REQ_MEDIA_TYPE;
	}
	hf_sha256_hex(hash, body, len);
	/* issue 16: in the database for every host, then this host's disk */
	if ((rc = svc_cover_store(ctx, hash, type, body, len)) != HF_OK)
		return rc;
	t.cover_url = arena_printf(ctx->arena, "%s/covers/%s.%s",
	    cfg->upload_url, hash, type);
	return svc_txn(ctx, product_update_fn, &t);
}

/* Every category (at most 2000) with its products that are not retired. */
int
svc_categories(struct svc_ctx *ctx, struct category_row **out, size_t *n)
{
	return db_rows(svc_read_db(ctx), ctx->arena, &db_sql_categories_list,
	    NULL, 0, out, n);
}
