/*
 * products.c: creating a product with its stock row, and reading one.
 * Lists, search, edits, retirement and covers are the catalog's
 * (catalog.c).
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/* One product with its stock row; HF_E_INV_NOT_FOUND when there is none. */
static int
product_load(struct db *db, struct arena *a, uint64_t id, struct product *p)
{
	struct db_param		q[1] = { DB_INT((long long)id) };
	int			rc, found;

	if ((rc = db_row(db, a, &db_sql_product_by_id, q, 1, p, &found)) !=
	    HF_OK)
		return rc;
	return found ? HF_OK : HF_E_INV_NOT_FOUND;
}

int
svc_product_get(struct svc_ctx *ctx, uint64_t id, struct product *p)
{
	return product_load(ctx->app->db, ctx->arena, id, p);
}

/* The same for GET: from the replica when it may answer (replica.c). */
int
svc_product_read(struct svc_ctx *ctx, uint64_t id, struct product *p)
{
	return product_load(svc_read_db(ctx), ctx->arena, id, p);
}

/*
 * A category's slug: lower-case letters and digits (and any byte of a
 * multi-byte character), every other run of bytes one dash, none at
 * either end. In the arena; NULL when out of memory.
 */
char *
inv_slugify(struct arena *a, const char *name)
{
	char	*s = arena_strdup(a, name), *o = s;
	int	 dash = 0;

	for (const char *p = name; s != NULL && *p != '\0'; p++) {
		unsigned char	c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c >= 0x80) {
			*o++ = (char)c;
			dash = 0;
		} else if (c >= 'A' && c <= 'Z') {
			*o++ = (char)(c - 'A' + 'a');
			dash = 0;
		} else if (!dash && o != s) {
			*o++ = '-';
			dash = 1;
		}
	}
	if (s != NULL) {
		if (o > s && o[-1] == '-')
			o--;
		*o = '\0';
	}
	return s;
}

/* What the audit log keeps of a new product. */
static const struct hf_field product_new_audit[] = {
	HF_FIELD(struct product_new, sku, HF_K_STR),
	HF_FIELD(struct product_new, name, HF_K_STR),
	HF_FIELD(struct product_new, initial_quantity, HF_K_INT),
};

struct product_txn {
	struct svc_ctx			*ctx;
	const struct product_new	*in;
	struct idem			*idem;
	struct product			*out;
};

static int
product_create_fn(struct db *db, void *arg)
{
	struct product_txn	*t = arg;
	const struct product_new *in = t->in;
	struct svc_ctx		*ctx = t->ctx;
	struct db_param		 p[6];
	struct stock_row	 s;
	struct change		 c;
	const struct location	*lo;
	uint64_t		 cat = 0, pid = 0;
	int			 rc;

	if (in->category != NULL) {
		p[0] = DB_STR(in->category);
		p[1] = DB_STR(inv_slugify(ctx->arena, in->category));
		if ((rc = db_exec(db, &db_sql_category_upsert, p, 2, NULL,
		    &cat)) != HF_OK)
			return rc;
	}
	p[0] = DB_STR(in->sku);
	p[1] = DB_STR(in->name);
	p[2] = DB_STR_OR_NULL(in->description);
	p[3] = cat != 0 ? DB_INT((long long)cat) : DB_NULL;
	p[4] = DB_STR(in->price != NULL ? in->price : "0.00");
	p[5] = DB_STR_OR_NULL(in->attributes);
	rc = db_exec(db, &db_sql_product_insert, p, 6, NULL, &pid);
	if (rc == HF_E_DUPLICATE) {
		ctx->message = arena_printf(ctx->arena, "SKU %s already exists",
		    in->sku);
		return HF_E_INV_SKU_TAKEN;
	}
	if (rc != HF_OK)
		return rc;
	p[0] = DB_INT((long long)pid);
	p[1] = DB_INT(in->warning_threshold);
	p[2] = DB_INT(in->critical_threshold);
	p[3] = DB_STR_OR_NULL(in->location);
	if ((rc = db_exec(db, &db_sql_stock_insert, p, 4, NULL, NULL)) != HF_OK)
		return rc;
	svc_touch_catalog(ctx, pid, in->sku);
	if (in->initial_quantity > 0) {
		/* the first stock goes to the default location */
		if ((rc = inv_location_open(db, ctx, NULL, &lo)) != HF_OK ||
		    (rc = inv_stock_lock(db, ctx->arena, NULL, pid, &s)) !=
		    HF_OK)
			return rc;
		memset(&c, 0, sizeof(c));
		c.type = "restock";
		c.d_on = in->initial_quantity;
		c.ref_type = "manual";
		c.reason = "initial stock";
		c.location_id = lo->id;
		if ((rc = inv_stock_change(db, ctx, &s, &c, NULL)) != HF_OK)
			return rc;
	}
	if ((rc = product_load(db, ctx->arena, pid, t->out)) != HF_OK)
		return rc;
	if ((rc = svc_audit_text(db, ctx, "product.create", "product", pid,
	    NULL, hf_fields_text(ctx->arena, product_new_audit,
	    HF_NITEMS(product_new_audit), in))) != HF_OK)
		return rc;
	return t->idem != NULL ? svc_idem_store(db, t->idem) : HF_OK;
}

/*
 * Creates a product, its stock row and (initial_quantity > 0) its first
 * restock, in one transaction. INV_008 when the SKU is taken.
 */
int
svc_product_create(struct svc_ctx *ctx, const struct product_new *in,
    struct idem *idem, struct product *out)
{
	struct product_txn	t = { ctx, in, idem, out };

	/* the schema checks each threshold; only the pair can disagree */
	if (in->critical_threshold > in->warning_threshold) {
		ctx->message = "critical_threshold must not exceed "
		    "warning_threshold";
		return HF_E_INV_PARAM;
	}
	return svc_txn(ctx, product_create_fn, &t);
}
