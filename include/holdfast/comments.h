/*
 * comments.h: a product's discussion (issue 14, item 2; src/svc/
 * comments.c, comment_tree.c): comments and their replies, likes, hiding
 * and deleting. The rules are in docs/internals.md, "Issue 14:
 * discussion". What the services return lives in the request's arena.
 */
#ifndef HOLDFAST_COMMENTS_H
#define HOLDFAST_COMMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/db_comments.h"
#include "holdfast/svc.h"

struct json_object;

/* One comment as the reader asking sees it, with the replies shown. */
struct comment_node {
	struct comment		 c;
	int			 tombstone;	/* deleted, shown for replies */
	int			 mine;
	long long		 reply_count;	/* replies shown, below, with
						   a body */
	struct comment_node	**replies;	/* oldest first */
	size_t			 nreplies;
};

/* What a deletion did (the rule: docs/internals.md). */
struct comment_deleted {
	uint64_t	 id;
	const char	*rule;		/* "author" or "staff" */
	int		 tombstone;	/* author: shown as deleted for replies */
	long long	 removed;	/* comments that were visible and are
					   deleted now (staff: the subtree) */
};

struct comment_like_state {
	uint64_t	 comment_id;
	int		 liked;
	long long	 like_count;
};

int	 svc_comment_create(struct svc_ctx *, uint64_t product_id,
	    uint64_t parent_id, const char *body, struct comment_node *);
int	 svc_comments_list(struct svc_ctx *, uint64_t product_id,
	    const char *sort, long long page, long long per_page,
	    struct comment_node ***roots, size_t *n, long long *total);
int	 svc_comment_like(struct svc_ctx *, uint64_t id, int on,
	    struct comment_like_state *);
int	 svc_comment_delete(struct svc_ctx *, uint64_t id,
	    struct comment_deleted *);
int	 svc_comment_hide(struct svc_ctx *, uint64_t id, int hidden,
	    const char *reason, struct comment_node *);

/* comment_tree.c: a thread's rows (by id) into the nodes a reader sees */
int	 cmt_staff(const struct principal *);
int	 cmt_tree(struct svc_ctx *, struct comment *rows, size_t n,
	    struct comment_node **root);

#endif /* HOLDFAST_COMMENTS_H */
