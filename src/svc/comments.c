/*
 * comments.c: a product's discussion (issue 14, item 2): post a comment
 * or a reply, read a page of threads, like, delete, hide. The rules
 * (who may delete what, what a reader sees of a deleted or hidden
 * comment) are docs/internals.md's, "Issue 14: discussion"; the tree a
 * reader sees is comment_tree.c's.
 *
 * Every write to a thread locks its top-level comment's row first, then
 * the comment it writes: replies, deletions and hiding in one thread are
 * serialized, so a staff deletion of a subtree and a reply under it never
 * pass each other. A like locks only its comment, and counts in the
 * transaction that writes or removes its row (like_count is always the
 * number of rows).
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/comments.h"
#include "holdfast/db.h"

struct cmt_txn {
	struct svc_ctx		*ctx;
	uint64_t		 product_id, parent_id, id;
	const char		*body;
	int			 on;		/* like, or hide */
	struct comment_like_state *like;
	struct comment_deleted	*del;
};

static int
field_error(struct svc_ctx *ctx, const char *field, const char *reason)
{
	ctx->field = field;
	ctx->reason = reason;
	return HF_E_REQ_FIELD;
}

static int
is_blank(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/*
 * The body as stored: trimmed of ASCII white space, UTF-8, 1 to
 * comment_max_chars code points, no control character but tab, line
 * feed and carriage return (C0, DEL, C1). NULL with *why otherwise.
 */
static const char *
body_clean(struct svc_ctx *ctx, const char *in, const char **why)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 b = 0, e = strlen(in), i;
	long long		 chars = 0;
	int			 max = ctx->app->cfg.comment_max_chars;

	while (b < e && is_blank(s[b]))
		b++;
	while (e > b && is_blank(s[e - 1]))
		e--;
	if (b == e) {
		*why = "must not be empty (white space is trimmed)";
		return NULL;
	}
	if (!hf_utf8_valid(in + b, e - b)) {
		*why = "must be UTF-8 text";
		return NULL;
	}
	for (i = b; i < e; i++) {
		if ((s[i] < 0x20 && !is_blank(s[i])) || s[i] == 0x7f ||
		    (s[i] == 0xc2 && i + 1 < e && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9f)) {
			*why = "must not contain control characters (tab and "
			    "line breaks are allowed)";
			return NULL;
		}
		if ((s[i] & 0xc0) != 0x80)
			chars++;
	}
	if (chars > max) {
		*why = arena_printf(ctx->arena, "at most %d characters (this "
		    "one has %lld)", max, chars);
		return NULL;
	}
	return arena_strndup(ctx->arena, in + b, e - b);
}

/* "<path><id>/": the prefix of every path below c */
static const char *
below_prefix(struct arena *a, const struct comment *c, int pattern)
{
	return arena_printf(a, "%s%llu/%s", c->path != NULL ? c->path : "",
	    (unsigned long long)c->id, pattern ? "%" : "");
}

/* *hidden: c or one of its ancestors is hidden */
static int
hidden_above(struct db *db, struct arena *a, const struct comment *c,
    int *hidden)
{
	struct db_param	p[2];
	long long	n;
	int		rc;

	p[0] = DB_INT((long long)c->root_id);
	p[1] = DB_STR(below_prefix(a, c, 0));
	n = db_count_of(db, a, &db_sql_comment_hidden_above, p, 2, &rc);
	*hidden = n > 0;
	return rc;
}

/* Comment id as any reader may read it (no lock); HF_E_CMT_NOT_FOUND. */
static int
comment_read(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct comment *c)
{
	struct db_param	p[2];
	int		rc, found;

	p[0] = DB_INT((long long)ctx->who->user_id);
	p[1] = DB_INT((long long)id);
	if ((rc = db_row(db, ctx->arena, &db_sql_comment_by_id, p, 2, c,
	    &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_CMT_NOT_FOUND;
}

static int
comment_lock(struct db *db, struct arena *a, uint64_t id, struct comment *c)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, a, &db_sql_comment_lock, p, 1, c, &found)) !=
	    HF_OK)
		return rc;
	return found ? HF_OK : HF_E_CMT_NOT_FOUND;
}

/*
 * Comment id locked, with its thread's root before it: not deleted, and
 * not hidden (nor under a hidden one) unless the caller is staff.
 */
static int
thread_lock(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct comment *c)
{
	struct comment	root;
	int		rc, hidden;

	if ((rc = comment_read(db, ctx, id, c)) != HF_OK ||
	    (rc = comment_lock(db, ctx->arena, c->root_id, &root)) != HF_OK ||
	    (rc = comment_lock(db, ctx->arena, id, c)) != HF_OK)
		return rc;
	if (strcmp(c->status, "visible") != 0)
		return HF_E_CMT_NOT_FOUND;
	if ((rc = hidden_above(db, ctx->arena, c, &hidden)) != HF_OK)
		return rc;
	return hidden && !cmt_staff(ctx->who) ? HF_E_CMT_NOT_FOUND : HF_OK;
}

static int
product_check(struct db *db, struct svc_ctx *ctx, uint64_t product_id)
{
	struct db_param	p[1] = { DB_INT((long long)product_id) };
	long long	n;
	int		rc;

	n = db_count_of(db, ctx->arena, &db_sql_comment_product, p, 1, &rc);
	if (rc != HF_OK)
		return rc;
	return n > 0 ? HF_OK : HF_E_INV_NOT_FOUND;
}

static int
create_fn(struct db *db, void *arg)
{
	struct cmt_txn	*t = arg;
	struct svc_ctx	*ctx = t->ctx;
	struct comment	 parent;
	struct db_param	 p[7];
	const char	*path = "";
	uint64_t	 root = 0;
	long long	 depth = 0;
	int		 rc, hidden;

	if ((rc = product_check(db, ctx, t->product_id)) != HF_OK)
		return rc;
	if (t->parent_id != 0) {
		if ((rc = comment_read(db, ctx, t->parent_id, &parent)) != HF_OK)
			return rc == HF_E_CMT_NOT_FOUND ? HF_E_CMT_PARENT : rc;
		if (parent.product_id != t->product_id)
			return HF_E_CMT_PARENT;
		/* the root, then the parent under it */
		if ((rc = comment_lock(db, ctx->arena, parent.root_id,
		    &parent)) != HF_OK ||
		    (rc = comment_lock(db, ctx->arena, t->parent_id,
		    &parent)) != HF_OK ||
		    (rc = hidden_above(db, ctx->arena, &parent, &hidden)) !=
		    HF_OK)
			return rc;
		if (hidden && !cmt_staff(ctx->who))
			return HF_E_CMT_PARENT;		/* not there for them */
		if (hidden || strcmp(parent.status, "visible") != 0)
			return HF_E_CMT_CLOSED;
		if (parent.depth + 1 > ctx->app->cfg.comment_max_depth)
			return HF_E_CMT_DEEP;
		root = parent.root_id;
		depth = parent.depth + 1;
		path = below_prefix(ctx->arena, &parent, 0);
	}
	p[0] = DB_INT((long long)t->product_id);
	p[1] = t->parent_id != 0 ? DB_INT((long long)t->parent_id) : DB_NULL;
	p[2] = DB_INT((long long)root);
	p[3] = DB_INT(depth);
	p[4] = DB_STR(path);
	p[5] = DB_INT((long long)ctx->who->user_id);
	p[6] = DB_STR(t->body);
	if ((rc = db_exec(db, &db_sql_comment_insert, p, 7, NULL, &t->id)) !=
	    HF_OK)
		return rc;
	if (root != 0)
		return HF_OK;
	p[0] = DB_INT((long long)t->id);
	return db_exec(db, &db_sql_comment_set_root, p, 1, NULL, NULL);
}

/* One comment as a node without its replies (a write's answer). */
static int
node_of(struct svc_ctx *ctx, uint64_t id, struct comment_node *out)
{
	struct comment	c;
	struct comment_node *n;
	int		rc;

	if ((rc = comment_read(ctx->app->db, ctx, id, &c)) != HF_OK)
		return rc;
	if ((rc = cmt_tree(ctx, &c, 1, &n)) != HF_OK)
		return rc;
	if (n == NULL)
		return HF_E_CMT_NOT_FOUND;
	*out = *n;
	return HF_OK;
}

/*
 * Posts a comment on a product, or a reply to parent_id (not 0): a
 * comment of the same product that is neither deleted nor hidden, less
 * than comment_max_depth levels down. Counts against the reader's
 * comment rate (429 past it). out: the new comment.
 */
int
svc_comment_create(struct svc_ctx *ctx, uint64_t product_id,
    uint64_t parent_id, const char *body, struct comment_node *out)
{
	struct hf_config	*cfg = &ctx->app->cfg;
	struct cmt_txn		 t;
	const char		*why = NULL, *key;
	int			 rc;

	if (ctx->who->user_id == 0)
		return HF_E_CMT_NO_READER;
	memset(&t, 0, sizeof(t));
	if ((t.body = body_clean(ctx, body, &why)) == NULL)
		return why != NULL ? field_error(ctx, "body", why) :
		    HF_E_SYS_INTERNAL;
	if ((key = arena_printf(ctx->arena, "cmt:%llu",
	    (unsigned long long)ctx->who->user_id)) == NULL)
		return HF_E_SYS_INTERNAL;
	if ((rc = svc_rate(ctx->app, RATE_GENERAL, key, cfg->comment_rate_max,
	    cfg->comment_rate_window, &ctx->retry_after)) != HF_OK)
		return rc;
	t.ctx = ctx;
	t.product_id = product_id;
	t.parent_id = parent_id;
	if ((rc = db_txn(ctx->app->db, create_fn, &t)) != HF_OK)
		return rc;
	return node_of(ctx, t.id, out);
}

/*
 * A page of a product's threads: its top-level comments that the reader
 * sees (sort "top": most liked first, else newest first), each with
 * every reply shown under it (comment_tree.c). *total: how many
 * top-level comments there are to page through.
 */
int
svc_comments_list(struct svc_ctx *ctx, uint64_t product_id, const char *sort,
    long long page, long long per_page, struct comment_node ***out,
    size_t *n, long long *total)
{
	struct db		*db = ctx->app->db;
	struct comment_root	*roots;
	struct comment		*rows;
	struct comment_node	*node;
	struct db_param		 p[5];
	size_t			 nroots = 0, nrows, i;
	int			 staff = cmt_staff(ctx->who), rc;

	*n = 0;
	if ((rc = product_check(db, ctx, product_id)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)product_id);
	p[1] = DB_INT(staff);
	p[2] = DB_INT(staff);
	*total = db_count_of(db, ctx->arena, &db_sql_comment_roots_count, p, 3,
	    &rc);
	if (rc != HF_OK)
		return rc;
	p[3] = DB_INT(per_page);
	p[4] = DB_INT((page - 1) * per_page);
	if ((rc = db_rows(db, ctx->arena, sort != NULL && strcmp(sort,
	    "top") == 0 ? &db_sql_comment_roots_top :
	    &db_sql_comment_roots_new, p, 5, &roots, &nroots)) != HF_OK)
		return rc;
	if ((*out = arena_calloc(ctx->arena, nroots + 1, sizeof(**out))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < nroots; i++) {
		p[0] = DB_INT((long long)ctx->who->user_id);
		p[1] = DB_INT((long long)roots[i].id);
		nrows = 0;
		if ((rc = db_rows(db, ctx->arena, &db_sql_comment_thread, p, 2,
		    &rows, &nrows)) != HF_OK ||
		    (rc = cmt_tree(ctx, rows, nrows, &node)) != HF_OK)
			return rc;
		if (node != NULL)	/* every reply hidden: nothing to show */
			(*out)[(*n)++] = node;
	}
	return HF_OK;
}

static int
like_fn(struct db *db, void *arg)
{
	struct cmt_txn	*t = arg;
	struct svc_ctx	*ctx = t->ctx;
	struct comment	 c;
	struct db_param	 p[2];
	uint64_t	 changed = 0;
	int		 rc, hidden;

	/* the comment alone: a like never waits on its thread's root */
	if ((rc = comment_lock(db, ctx->arena, t->id, &c)) != HF_OK)
		return rc;
	if (strcmp(c.status, "visible") != 0)
		return HF_E_CMT_NOT_FOUND;
	if ((rc = hidden_above(db, ctx->arena, &c, &hidden)) != HF_OK)
		return rc;
	if (hidden && !cmt_staff(ctx->who))
		return HF_E_CMT_NOT_FOUND;
	p[0] = DB_INT((long long)t->id);
	p[1] = DB_INT((long long)ctx->who->user_id);
	if ((rc = db_exec(db, t->on ? &db_sql_comment_like_insert :
	    &db_sql_comment_like_delete, p, 2, &changed, NULL)) != HF_OK)
		return rc;
	t->like->comment_id = t->id;
	t->like->liked = t->on;
	t->like->like_count = c.like_count;
	if (changed == 0)
		return HF_OK;		/* liked (or not) already */
	p[0] = DB_INT(t->on ? 1 : -1);
	p[1] = DB_INT((long long)t->id);
	t->like->like_count += t->on ? 1 : -1;
	return db_exec(db, &db_sql_comment_like_add, p, 2, NULL, NULL);
}

/* Likes (on) or unlikes comment id for the reader; either is idempotent. */
int
svc_comment_like(struct svc_ctx *ctx, uint64_t id, int on,
    struct comment_like_state *out)
{
	struct cmt_txn	t;

	if (ctx->who->user_id == 0)
		return HF_E_CMT_NO_READER;
	memset(&t, 0, sizeof(t));
	memset(out, 0, sizeof(*out));
	t.ctx = ctx;
	t.id = id;
	t.on = on;
	t.like = out;
	return db_txn(ctx->app->db, like_fn, &t);
}

static int
delete_fn(struct db *db, void *arg)
{
	struct cmt_txn	*t = arg;
	struct svc_ctx	*ctx = t->ctx;
	struct comment	 c;
	struct db_param	 p[4];
	uint64_t	 changed = 0;
	long long	 live;
	int		 rc, mine;

	if ((rc = thread_lock(db, ctx, t->id, &c)) != HF_OK)
		return rc;
	mine = ctx->who->user_id != 0 && c.user_id == ctx->who->user_id;
	if (!mine && !cmt_staff(ctx->who))
		return HF_E_CMT_NOT_YOURS;
	memset(t->del, 0, sizeof(*t->del));
	t->del->id = t->id;
	if (mine) {
		/* the author's: a tombstone while replies are there */
		p[0] = DB_INT((long long)c.root_id);
		p[1] = DB_STR(below_prefix(ctx->arena, &c, 1));
		live = db_count_of(db, ctx->arena, &db_sql_comment_live_below,
		    p, 2, &rc);
		if (rc != HF_OK)
			return rc;
		p[0] = DB_STR(ctx->who->actor);
		p[1] = DB_INT((long long)t->id);
		if ((rc = db_exec(db, &db_sql_comment_tombstone, p, 2,
		    &changed, NULL)) != HF_OK)
			return rc;
		t->del->rule = "author";
		t->del->tombstone = live > 0;
		t->del->removed = (long long)changed;
		return HF_OK;
	}
	/* staff's: the comment and every reply below it */
	p[0] = DB_STR(ctx->who->actor);
	p[1] = DB_INT((long long)c.root_id);
	p[2] = DB_INT((long long)t->id);
	p[3] = DB_STR(below_prefix(ctx->arena, &c, 1));
	if ((rc = db_exec(db, &db_sql_comment_cascade, p, 4, &changed,
	    NULL)) != HF_OK)
		return rc;
	t->del->rule = "staff";
	t->del->removed = (long long)changed;
	return svc_audit_text(db, ctx, "comment.delete", "comment", t->id,
	    NULL, arena_printf(ctx->arena, "{\"removed\":%llu}",
	    (unsigned long long)changed));
}

/*
 * Deletes comment id: by its author, the comment alone (a tombstone
 * while it has replies); by staff, with every reply below it.
 */
int
svc_comment_delete(struct svc_ctx *ctx, uint64_t id,
    struct comment_deleted *out)
{
	struct cmt_txn	t;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.del = out;
	return db_txn(ctx->app->db, delete_fn, &t);
}

static int
hide_fn(struct db *db, void *arg)
{
	struct cmt_txn	*t = arg;
	struct svc_ctx	*ctx = t->ctx;
	struct comment	 c;
	struct db_param	 p[3];
	int		 rc;

	if ((rc = thread_lock(db, ctx, t->id, &c)) != HF_OK)
		return rc;
	p[0] = DB_INT(t->on);
	p[1] = DB_STR(ctx->who->actor);
	p[2] = DB_INT((long long)t->id);
	if ((rc = db_exec(db, &db_sql_comment_hide, p, 3, NULL, NULL)) !=
	    HF_OK)
		return rc;
	return svc_audit_text(db, ctx, t->on ? "comment.hide" :
	    "comment.show", "comment", t->id, NULL, t->body);
}

/* The audit value of a hiding: the moderator's reason, if any. */
struct hide_audit {
	const char	*reason;
};

static const struct hf_field hide_audit_fields[] = {
	HF_FIELD(struct hide_audit, reason, HF_K_STR),
};

/*
 * Staff hide (or show again) comment id and, for readers, its replies;
 * reason (NULL: none) goes to the audit log.
 */
int
svc_comment_hide(struct svc_ctx *ctx, uint64_t id, int hidden,
    const char *reason, struct comment_node *out)
{
	struct hide_audit	v = { reason };
	struct cmt_txn		t;
	int			rc;

	if (!cmt_staff(ctx->who))
		return HF_E_AUTH_FORBIDDEN;
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	t.on = hidden != 0;
	t.body = reason != NULL ? hf_fields_text(ctx->arena, hide_audit_fields,
	    HF_NITEMS(hide_audit_fields), &v) : NULL;
	if ((rc = db_txn(ctx->app->db, hide_fn, &t)) != HF_OK)
		return rc;
	return node_of(ctx, id, out);
}
