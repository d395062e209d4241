/*
 * comments.c: a product's discussion (issue 14, item 2): post and read
 * comments, like them, delete them, and (staff) hide them. The rules are
 * the service's (src/svc/comments.c, docs/internals.md).
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/comments.h"

static const char *const sorts[] = { "new", "top", NULL };

enum { CM_BODY, CM_PARENT };

static const struct field f_comment[] = {
	/* the length cap is in characters: the service counts them */
	[CM_BODY] = { "body", FIELD_STRING, FIELD_REQUIRED, 0, 0, NULL, NULL,
	    NULL },
	[CM_PARENT] = { "parent_id", FIELD_INT, FIELD_NULLABLE, 1, 1LL << 53,
	    NULL, NULL, NULL },
};

const struct body_schema schema_comment = SCHEMA(f_comment);

enum { CM_HIDDEN, CM_REASON };

static const struct field f_comment_patch[] = {
	[CM_HIDDEN] = { "hidden", FIELD_BOOL, FIELD_REQUIRED, 0, 0, NULL,
	    NULL, NULL },
	/* the moderator's note, kept in the audit log */
	[CM_REASON] = { "reason", FIELD_STRING, FIELD_NULLABLE, 1, 500, NULL,
	    NULL, NULL },
};

const struct body_schema schema_comment_patch = SCHEMA(f_comment_patch);

static json_object *
u64_or_null(uint64_t v)
{
	return v != 0 ? json_object_new_int64((int64_t)v) : NULL;
}

/*
 * A comment and the replies shown under it. The author is a display
 * name and an id, never an address; a tombstone has neither, nor a body.
 */
static json_object *
node_json(const struct comment_node *n)
{
	json_object	*o = json_object_new_object(), *author = NULL, *a;
	size_t		 i;

	if (!n->tombstone) {
		author = json_object_new_object();
		json_object_object_add(author, "id",
		    json_object_new_int64((int64_t)n->c.user_id));
		json_object_object_add(author, "display_name",
		    api_str_or_null(n->c.author));
	}
	json_object_object_add(o, "id", json_object_new_int64(
	    (int64_t)n->c.id));
	json_object_object_add(o, "product_id", json_object_new_int64(
	    (int64_t)n->c.product_id));
	json_object_object_add(o, "parent_id", u64_or_null(n->c.parent_id));
	json_object_object_add(o, "depth", json_object_new_int64(n->c.depth));
	json_object_object_add(o, "status", json_object_new_string(
	    n->tombstone ? "deleted" : "visible"));
	json_object_object_add(o, "body", api_str_or_null(n->c.body));
	json_object_object_add(o, "author", author);
	json_object_object_add(o, "mine", json_object_new_boolean(n->mine));
	json_object_object_add(o, "hidden", json_object_new_boolean(
	    n->c.hidden));
	json_object_object_add(o, "like_count",
	    json_object_new_int64(n->c.like_count));
	json_object_object_add(o, "liked", json_object_new_boolean(
	    n->c.liked));
	json_object_object_add(o, "reply_count",
	    json_object_new_int64(n->reply_count));
	json_object_object_add(o, "created_at", api_str_or_null(
	    n->c.created_at));
	a = json_object_new_array();
	for (i = 0; i < n->nreplies; i++)
		json_object_array_add(a, node_json(n->replies[i]));
	json_object_object_add(o, "replies", a);
	return o;
}

void
api_comment_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct comment_node	 n;
	uint64_t		 product_id, parent_id = 0;
	int			 rc;

	if (api_id_arg(req, 0, &product_id) != 0)
		return;
	if (fv[CM_PARENT].present && !fv[CM_PARENT].null)
		parent_id = (uint64_t)fv[CM_PARENT].i;
	memset(&n, 0, sizeof(n));
	api_ctx(req, &ctx);
	if ((rc = svc_comment_create(&ctx, product_id, parent_id,
	    fv[CM_BODY].s, &n)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 201, node_json(&n));
}

void
api_comments_list(struct http_request *req)
{
	struct svc_ctx		  ctx;
	struct comment_node	**roots;
	const char		 *sort;
	json_object		 *items, *o;
	long long		  page, per_page, total = 0;
	uint64_t		  product_id;
	size_t			  n = 0, i;
	int			  rc;

	if (api_id_arg(req, 0, &product_id) != 0 ||
	    api_paging(req, &page, &per_page) != 0 ||
	    api_enum_param(req, "sort", sorts, &sort) != 0)
		return;
	if (sort == NULL)
		sort = "new";
	api_ctx(req, &ctx);
	if ((rc = svc_comments_list(&ctx, product_id, sort, page, per_page,
	    &roots, &n, &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, node_json(roots[i]));
	o = api_list(items, page, per_page, total);
	json_object_object_add(o, "sort", json_object_new_string(sort));
	http_reply(req, 200, o);
}

static void
like(struct http_request *req, int on)
{
	struct svc_ctx			ctx;
	struct comment_like_state	s;
	json_object			*o;
	uint64_t			id;
	int				rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_comment_like(&ctx, id, on, &s)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "comment_id", json_object_new_int64(
	    (int64_t)s.comment_id));
	json_object_object_add(o, "liked", json_object_new_boolean(s.liked));
	json_object_object_add(o, "like_count",
	    json_object_new_int64(s.like_count));
	http_reply(req, 200, o);
}

void
api_comment_like(struct http_request *req)
{
	like(req, 1);
}

void
api_comment_unlike(struct http_request *req)
{
	like(req, 0);
}

void
api_comment_delete(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct comment_deleted	d;
	json_object		*o;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_comment_delete(&ctx, id, &d)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)d.id));
	json_object_object_add(o, "rule", json_object_new_string(d.rule));
	json_object_object_add(o, "tombstone",
	    json_object_new_boolean(d.tombstone));
	json_object_object_add(o, "removed", json_object_new_int64(d.removed));
	http_reply(req, 200, o);
}

void
api_comment_patch(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct comment_node	n;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&n, 0, sizeof(n));
	api_ctx(req, &ctx);
	if ((rc = svc_comment_hide(&ctx, id, (int)req->fv[CM_HIDDEN].i,
	    req->fv[CM_REASON].present && !req->fv[CM_REASON].null ?
	    req->fv[CM_REASON].s : NULL, &n)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, node_json(&n));
}
