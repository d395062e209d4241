/*
 * favorites.c: a reader's favorites (issue 14, item 1). PUT and DELETE
 * are idempotent: the primary key (user, product) makes a second PUT
 * change nothing, and deleting one that is not there is not an error. A
 * change bumps the product's cache version after COMMIT (svc_touch), so
 * the favorites_count of the cached product detail is exact from the
 * reply on. A reader who set notify gets one e-mail through the outbox
 * when the product's available units go from none to some, written in
 * the transaction of the stock change that did it (inv_stock_change; the
 * one-trip procedure leaves that case to the C path, 014_favorites.sql).
 */
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_favorites.h"
#include "holdfast/outbox.h"
#include "holdfast/svc.h"
#include "inv_int.h"
#include "lend_int.h"

/* Notices one crossing writes at most (the earliest favorites first). */
#define FAV_NOTICES_MAX	1000

/* Favorites belong to a reader: an API key has none. */
static int
fav_reader(struct svc_ctx *ctx)
{
	if (ctx->who->user_id != 0)
		return HF_OK;
	ctx->message = "favorites belong to a signed-in reader, not an API key";
	return HF_E_AUTH_FORBIDDEN;
}

struct fav_txn {
	struct svc_ctx	*ctx;
	uint64_t	 pid;
	int		 notify;	/* -1: keep (0 for a new one) */
	struct favorite	*out;
	int		 removed;
};

static int
fav_exists(struct db *db, struct svc_ctx *ctx, uint64_t pid)
{
	struct db_param	p[1] = { DB_INT((long long)pid) };
	long long	n;
	int		rc;

	n = db_count_of(db, ctx->arena, &db_sql_fav_product, p, 1, &rc);
	if (rc != HF_OK)
		return rc;
	if (n == 0) {
		ctx->message = "product not found";
		return HF_E_INV_NOT_FOUND;
	}
	return HF_OK;
}

static int
fav_put_fn(struct db *db, void *arg)
{
	struct fav_txn	*t = arg;
	struct db_param	 p[3];
	int		 rc, found;

	if ((rc = fav_exists(db, t->ctx, t->pid)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)t->ctx->who->user_id);
	p[1] = DB_INT((long long)t->pid);
	p[2] = DB_OPT_INT(t->notify >= 0, t->notify);
	if ((rc = db_exec(db, &db_sql_fav_put, p, 3, NULL, NULL)) != HF_OK)
		return rc;
	if ((rc = db_row(db, t->ctx->arena, &db_sql_fav_get, p, 2, t->out,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_SYS_INTERNAL;
	svc_touch(t->ctx, t->pid, t->out->sku);
	return HF_OK;
}

int
svc_fav_put(struct svc_ctx *ctx, uint64_t pid, int notify,
    struct favorite *out)
{
	struct fav_txn	t = { ctx, pid, notify, out, 0 };
	int		rc;

	if ((rc = fav_reader(ctx)) != HF_OK)
		return rc;
	return svc_txn(ctx, fav_put_fn, &t);
}

static int
fav_delete_fn(struct db *db, void *arg)
{
	struct fav_txn	*t = arg;
	struct db_param	 p[2];
	struct favorite	 f;
	uint64_t	 n = 0;
	int		 rc, found;

	if ((rc = fav_exists(db, t->ctx, t->pid)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)t->ctx->who->user_id);
	p[1] = DB_INT((long long)t->pid);
	if ((rc = db_row(db, t->ctx->arena, &db_sql_fav_get, p, 2, &f,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_OK;	/* not there: nothing to do, no error */
	if ((rc = db_exec(db, &db_sql_fav_delete, p, 2, &n, NULL)) != HF_OK)
		return rc;
	t->removed = n > 0;
	svc_touch(t->ctx, t->pid, f.sku);
	return HF_OK;
}

int
svc_fav_delete(struct svc_ctx *ctx, uint64_t pid, int *removed)
{
	struct fav_txn	t = { ctx, pid, -1, NULL, 0 };
	int		rc;

	if ((rc = fav_reader(ctx)) != HF_OK)
		return rc;
	rc = svc_txn(ctx, fav_delete_fn, &t);
	*removed = t.removed;
	return rc;
}

int
svc_fav_list(struct svc_ctx *ctx, long long page, long long per_page,
    struct favorite **out, size_t *n, struct svc_keyset *ks)
{
	struct db_param	p[4];
	long long	offset = svc_ks_offset(ks, page, per_page);
	int		rc;

	if ((rc = fav_reader(ctx)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)ctx->who->user_id);
	p[1] = DB_INT(svc_ks_after(ks));
	p[2] = DB_INT(per_page + 1);
	p[3] = DB_INT(offset);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_fav_list, p, 4,
	    out, n)) != HF_OK)
		return rc;
	if (svc_ks_trim(ks, n, per_page))
		ks->next = (*out)[*n - 1].id;
	return svc_ks_count(ctx, ks, &db_sql_fav_list_count, p, 1, offset,
	    *n);
}

/* The readers of product pid (the cached detail's favorites_count). */
int
svc_fav_count(struct svc_ctx *ctx, uint64_t pid, long long *n)
{
	struct db_param	p[1] = { DB_INT((long long)pid) };
	int		rc;

	*n = db_count_of(ctx->app->db, ctx->arena, &db_sql_fav_count, p, 1,
	    &rc);
	return rc;
}

/* 1 in *yes when the signed-in reader has pid among their favorites. */
int
svc_fav_is(struct svc_ctx *ctx, uint64_t pid, int *yes)
{
	struct db_param	p[2];
	int		rc;

	*yes = 0;
	if (ctx->who->user_id == 0)
		return HF_OK;
	p[0] = DB_INT((long long)ctx->who->user_id);
	p[1] = DB_INT((long long)pid);
	*yes = db_count_of(ctx->app->db, ctx->arena, &db_sql_fav_is, p, 2,
	    &rc) > 0;
	return rc;
}

/*
 * Product s (locked, its new values) has units again: one e-mail to each
 * active reader who favorited it with notify, in the caller's transaction.
 */
int
inv_fav_back_in_stock(struct db *db, struct svc_ctx *ctx,
    const struct stock_row *s)
{
	struct db_param		 p[2];
	struct fav_waiter	*w;
	const char		*title, *subject, *body;
	size_t			 n = 0, i;
	int			 rc;

	p[0] = DB_INT((long long)s->product_id);
	p[1] = DB_INT(FAV_NOTICES_MAX);
	if ((rc = db_rows(db, ctx->arena, &db_sql_fav_waiting, p, 2, &w,
	    &n)) != HF_OK || n == 0)
		return rc;
	title = lend_oneline(ctx->arena, s->name);
	subject = arena_printf(ctx->arena, "Available again: %.150s", title);
	body = arena_printf(ctx->arena, "A title on your favorites is "
	    "available again:\n\n  %s (SKU %s)\n\nYou asked to be told "
	    "when it came back. Turn this off with PUT "
	    "/api/v1/me/favorites/%llu {\"notify\": false}.\n", title, s->sku,
	    (unsigned long long)s->product_id);
	if (subject == NULL || body == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < n; i++)
		if ((rc = outbox_email(db, "favorite.available", w[i].email,
		    subject, body, NULL)) != HF_OK && rc != HF_E_REQ_FIELD)
			return rc;
	return HF_OK;
}
