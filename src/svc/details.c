/*
 * details.c: what a refusal names beyond its message, kept typed in the
 * request's arena (svc_ctx.details, .lines) for the api to render as the
 * reply's error.details. A service sets them just before it returns the
 * error; the last value of a key wins.
 */
#include <string.h>

#include "holdfast/svc.h"

void
svc_details_clear(struct svc_ctx *ctx)
{
	ctx->ndetails = 0;
	ctx->nlines = 0;
	ctx->lines = NULL;
	ctx->lines_cap = 0;
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
