/*
 * details.c: what a refusal names beyond its message, kept typed in the
 * request's arena (svc_ctx.details, .lines) for the api to render as the
 * reply's error.details. A service sets them just before it returns the
 * error; the last value of a key wins. The stock refusals every taker
 * gives (INV_001, INV_002, INV_011) are made here too.
 */
#include <string.h>

#include <stdio.h>

#include "holdfast/svc.h"
#include "inv_int.h"

void
svc_details_clear(struct svc_ctx *ctx)
{
	ctx->ndetails = 0;
	ctx->nlines = 0;
	ctx->lines = NULL;
	ctx->lines_cap = 0;
	ctx->nfaults = 0;
}

static struct svc_detail *
detail_slot(struct svc_ctx *ctx, const char *key)
{
	size_t	i;

	for (i = 0; i < ctx->ndetails; i++)
		if (strcmp(ctx->details[i].key, key) == 0)
			return &ctx->details[i];
	if (ctx->ndetails == SVC_MAX_DETAILS)
		return NULL;
	ctx->details[ctx->ndetails].key = key;
	return &ctx->details[ctx->ndetails++];
}

void
svc_detail_str(struct svc_ctx *ctx, const char *key, const char *v)
{
	struct svc_detail	*d;

	if ((d = detail_slot(ctx, key)) != NULL) {
		d->s = v != NULL ? arena_strdup(ctx->arena, v) : "";
		d->i = 0;
	}
}

void
svc_detail_int(struct svc_ctx *ctx, const char *key, long long v)
{
	struct svc_detail	*d;

	if ((d = detail_slot(ctx, key)) != NULL) {
		d->s = NULL;
		d->i = v;
	}
}

/* Adds a line; status NULL for a short line. Returns 0 or -1 (memory). */
int
svc_detail_line(struct svc_ctx *ctx, const char *sku, long long requested,
    long long available, const char *status)
{
	struct svc_line	*l;
	size_t		 cap;

	if (ctx->nlines == ctx->lines_cap || ctx->lines == NULL) {
		cap = ctx->lines_cap < 8 ? 8 : ctx->lines_cap * 2;
		if ((l = arena_calloc(ctx->arena, cap, sizeof(*l))) == NULL)
			return -1;
		if (ctx->nlines > 0)
			memcpy(l, ctx->lines, ctx->nlines * sizeof(*l));
		ctx->lines = l;
		ctx->lines_cap = cap;
	}
	l = &ctx->lines[ctx->nlines++];
	l->sku = arena_strdup(ctx->arena, sku);
	l->requested = requested;
	l->available = available < 0 ? 0 : available;
	l->status = status != NULL ? arena_strdup(ctx->arena, status) : NULL;
	return 0;
}

/* --- the stock refusals ------------------------------------------------ */

/*
 * 1 when the product of the locked row s takes no new reservation, order,
 * loan or hold: status maintenance or retired (read under the row's lock,
 * so a status change cannot race the taker).
 */
int
inv_closed(const struct stock_row *s)
{
	return s->product_status != NULL &&
	    strcmp(s->product_status, "active") != 0;
}

/* ctx's INV_011 message from the closed lines in ctx. */
int
inv_refuse_closed(struct svc_ctx *ctx)
{
	char	more[40] = "";

	if (ctx->nlines > 1)
		snprintf(more, sizeof(more), " (and %zu more)",
		    ctx->nlines - 1);
	ctx->message = arena_printf(ctx->arena, "product not available: SKU "
	    "%s is %s%s", ctx->lines[0].sku, ctx->lines[0].status, more);
	return HF_E_INV_UNAVAILABLE;
}

/* ctx's INV_002 message from the short lines in ctx. */
int
inv_refuse_short(struct svc_ctx *ctx)
{
	ctx->message = arena_printf(ctx->arena, "insufficient stock for SKU "
	    "%s: requested %lld, available %lld%s", ctx->lines[0].sku,
	    ctx->lines[0].requested, ctx->lines[0].available,
	    ctx->nlines > 1 ? " (and more lines)" : "");
	return HF_E_INV_INSUFFICIENT;
}

/* HF_OK when the product of s is active, else INV_011 naming it. */
int
inv_check_open(struct svc_ctx *ctx, const struct stock_row *s)
{
	if (!inv_closed(s))
		return HF_OK;
	svc_details_clear(ctx);
	if (svc_detail_line(ctx, s->sku, 0, 0, s->product_status) != 0)
		return HF_E_SYS_INTERNAL;
	return inv_refuse_closed(ctx);
}

/* INV_002 for one line: requested units of sku, available of them. */
int
inv_short(struct svc_ctx *ctx, const char *sku, long long requested,
    long long available)
{
	svc_details_clear(ctx);
	if (svc_detail_line(ctx, sku, requested, available, NULL) != 0)
		return HF_E_SYS_INTERNAL;
	return inv_refuse_short(ctx);
}

void
inv_set_not_found(struct svc_ctx *ctx, const char *sku)
{
	ctx->message = arena_printf(ctx->arena, "SKU %s not found", sku);
	svc_details_clear(ctx);
	svc_detail_str(ctx, "sku", sku);
}
