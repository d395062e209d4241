/*
 * comment_tree.c: one thread's rows into the tree the reader asking sees
 * (docs/internals.md, "Issue 14: discussion"):
 *
 * - a hidden comment and everything below it are not shown, but to
 *   staff (who see hidden: true);
 * - a deleted comment is shown only while a reply below it is shown, as
 *   a tombstone: status "deleted", no body, no author;
 * - replies come oldest first; reply_count counts the comments shown
 *   below a node that have a body (tombstones are not counted).
 *
 * No recursion: the rows come in id order, so a parent is always before
 * its replies, and one pass each way settles what is shown.
 */
#include <string.h>

#include "holdfast/comments.h"

/* Staff moderate: business and admin, as for loans (lend_is_staff). */
int
cmt_staff(const struct principal *who)
{
	return who->role == ROLE_ADMIN || who->role == ROLE_BUSINESS;
}

/* The index of the row with id in rows[0..n) (ascending ids), or -1. */
static long
row_index(const struct comment *rows, size_t n, uint64_t id)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rows[mid].id == id)
			return (long)mid;
		if (rows[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * rows: one thread (or one comment), ascending ids, its top first.
 * *root: the top's node with its replies, or NULL when the reader sees
 * none of it. Everything is in the request's arena.
 */
int
cmt_tree(struct svc_ctx *ctx, struct comment *rows, size_t n,
    struct comment_node **root)
{
	struct comment_node	*nodes, *pn;
	long			*parent;
	unsigned char		*blocked, *shown, *live_below;
	size_t			*nchild, i;
	int			 staff = cmt_staff(ctx->who), visible;
	uint64_t		 me = ctx->who->user_id;

	*root = NULL;
	if (n == 0)
		return HF_OK;
	nodes = arena_calloc(ctx->arena, n, sizeof(*nodes));
	parent = arena_calloc(ctx->arena, n, sizeof(*parent));
	blocked = arena_calloc(ctx->arena, n, 1);
	shown = arena_calloc(ctx->arena, n, 1);
	live_below = arena_calloc(ctx->arena, n, 1);
	nchild = arena_calloc(ctx->arena, n, sizeof(*nchild));
	if (nodes == NULL || parent == NULL || blocked == NULL ||
	    shown == NULL || live_below == NULL || nchild == NULL)
		return HF_E_SYS_INTERNAL;
	/* down: who is under a hidden comment (i > 0 only has parents) */
	for (i = 0; i < n; i++) {
		parent[i] = i == 0 ? -1 : row_index(rows, i, rows[i].parent_id);
		blocked[i] = (i > 0 && parent[i] < 0) || (!staff &&
		    (rows[i].hidden || (parent[i] >= 0 &&
		    blocked[parent[i]])));
	}
	/* up: what is shown, and the replies with a body below each */
	for (i = n; i-- > 0;) {
		visible = strcmp(rows[i].status, "visible") == 0;
		shown[i] = !blocked[i] && (visible || live_below[i]);
		if (!shown[i] || parent[i] < 0)
			continue;
		live_below[parent[i]] = 1;
		nchild[parent[i]]++;
		nodes[parent[i]].reply_count += nodes[i].reply_count +
		    (visible ? 1 : 0);
	}
	for (i = 0; i < n; i++) {
		if (!shown[i])
			continue;
		pn = &nodes[i];
		pn->c = rows[i];
		pn->tombstone = strcmp(rows[i].status, "visible") != 0;
		pn->mine = me != 0 && rows[i].user_id == me && !pn->tombstone;
		if (!staff)
			pn->c.hidden = 0;
		if (pn->tombstone) {
			pn->c.body = NULL;
			pn->c.author = NULL;
			pn->c.user_id = 0;
			pn->c.liked = 0;
		}
		if (nchild[i] > 0 && (pn->replies = arena_calloc(ctx->arena,
		    nchild[i], sizeof(*pn->replies))) == NULL)
			return HF_E_SYS_INTERNAL;
		if (parent[i] >= 0) {
			pn = &nodes[parent[i]];
			pn->replies[pn->nreplies++] = &nodes[i];
		}
	}
	*root = shown[0] ? &nodes[0] : NULL;
	return HF_OK;
}
