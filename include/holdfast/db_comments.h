/*
 * db_comments.h: the statements of a product's discussion (issue 14,
 * item 2; sql_comments.c, 015_comments.sql) and the rows they fill.
 *
 * Lock order of every write to a thread: its top-level comment's row
 * (the root), then the comment written. A like locks only the comment it
 * counts, so it never waits on a root a writer holds while waiting on it.
 */
#ifndef HOLDFAST_DB_COMMENTS_H
#define HOLDFAST_DB_COMMENTS_H

#include <stdint.h>

#include "holdfast/db.h"

/* CMT_COLS: db_sql_comment_by_id, _lock, db_sql_comment_thread */
struct comment {
	uint64_t	 id, product_id;
	uint64_t	 parent_id;	/* 0 at the top */
	uint64_t	 root_id;
	long long	 depth;		/* 0 at the top */
	const char	*path;		/* the ancestors' ids, each and '/' */
	uint64_t	 user_id;
	const char	*author;	/* the author's display name */
	const char	*body;
	const char	*status;	/* visible or deleted */
	int		 hidden;
	long long	 like_count;
	int		 liked;		/* by the reader asking */
	const char	*created_at;
};

/* A top-level comment of a page: db_sql_comment_roots_* */
struct comment_root {
	uint64_t	 id;
};

extern struct db_sql	db_sql_comment_product, db_sql_comment_insert,
			db_sql_comment_set_root, db_sql_comment_by_id,
			db_sql_comment_lock, db_sql_comment_hidden_above,
			db_sql_comment_roots_new, db_sql_comment_roots_top,
			db_sql_comment_roots_count, db_sql_comment_thread,
			db_sql_comment_live_below, db_sql_comment_tombstone,
			db_sql_comment_cascade, db_sql_comment_hide,
			db_sql_comment_like_insert, db_sql_comment_like_delete,
			db_sql_comment_like_add;

#endif /* HOLDFAST_DB_COMMENTS_H */
