/*
 * sql_comments.c: a product's discussion (015_comments.sql). A thread is
 * every row with one root_id; a subtree is the rows whose path starts
 * with its top's path, id and '/' (paths hold digits and '/' only, so a
 * prefix has no LIKE wildcard but the one the service appends).
 */
#include "holdfast/db_comments.h"
#include "db_int.h"

static const struct hf_field cmt_map[] = {
	HF_FIELD(struct comment, id, HF_K_U64),
	HF_FIELD(struct comment, product_id, HF_K_U64),
	HF_FIELD(struct comment, parent_id, HF_K_U64),
	HF_FIELD(struct comment, root_id, HF_K_U64),
	HF_FIELD(struct comment, depth, HF_K_INT),
	HF_FIELD(struct comment, path, HF_K_STR),
	HF_FIELD(struct comment, user_id, HF_K_U64),
	HF_FIELD(struct comment, author, HF_K_STR),
	HF_FIELD(struct comment, body, HF_K_STR),
	HF_FIELD(struct comment, status, HF_K_STR),
	HF_FIELD(struct comment, hidden, HF_K_BOOL),
	HF_FIELD(struct comment, like_count, HF_K_INT),
	HF_FIELD(struct comment, liked, HF_K_BOOL),
	HF_FIELD(struct comment, created_at, HF_K_STR),
};
#define CMT_SQL(text)	DB_SQL_MAP(text, cmt_map, struct comment)

#define CMT_HEAD "SELECT c.id, c.product_id, " \
	"COALESCE(c.parent_id, 0) AS parent_id, c.root_id, c.depth, c.path, " \
	"c.user_id, "
#define CMT_TAIL "c.body, c.status, c.hidden, c.like_count, "
#define CMT_WHEN DB_ISO_AS("c.created_at", "created_at")
/* the reader asking (0: a guest), then the statement's own parameters */
#define CMT_COLS CMT_HEAD "u.display_name AS author, " CMT_TAIL \
	"EXISTS (SELECT 1 FROM comment_likes l WHERE l.comment_id = c.id " \
	"AND l.user_id = ?) AS liked, " CMT_WHEN " FROM comments c " \
	"JOIN users u ON u.id = c.user_id "

static const struct hf_field root_map[] = {
	HF_FIELD(struct comment_root, id, HF_K_U64),
};

/* product id: 1 when it exists, in any status */
struct db_sql db_sql_comment_product = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM products WHERE id = ?");
/* product_id, parent_id (NULL), root_id (0 at the top), depth, path,
 * user_id, body */
struct db_sql db_sql_comment_insert = DB_SQL(
    "INSERT INTO comments (product_id, parent_id, root_id, depth, path, "
    "user_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)");
/* id: a top-level comment is its own thread's root */
struct db_sql db_sql_comment_set_root = DB_SQL(
    "UPDATE comments SET root_id = id WHERE id = ?");
/* reader, id */
struct db_sql db_sql_comment_by_id = CMT_SQL(
    CMT_COLS "WHERE c.id = ?");
/* id: locked, without the author's row or the likes (nothing else) */
struct db_sql db_sql_comment_lock = CMT_SQL(
    CMT_HEAD "NULL AS author, " CMT_TAIL "0 AS liked, " CMT_WHEN
    " FROM comments c WHERE c.id = ? FOR UPDATE");
/* root_id, below-prefix of a comment (path, id, '/'): how many of the
 * comment and its ancestors are hidden */
struct db_sql db_sql_comment_hidden_above = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM comments WHERE root_id = ? AND hidden = 1 "
    "AND ? LIKE CONCAT(path, id, '/%')");

/*
 * The top-level comments a reader sees on a product (product, staff,
 * staff): not hidden (but to staff), and either not deleted or with a
 * reply that is not deleted (and not hidden, but to staff).
 */
#define ROOTS_WHERE "FROM comments r WHERE r.product_id = ? " \
	"AND r.parent_id IS NULL AND (? = 1 OR r.hidden = 0) " \
	"AND (r.status = 'visible' OR EXISTS (SELECT 1 FROM comments d " \
	"WHERE d.root_id = r.id AND d.id <> r.id AND d.status = 'visible' " \
	"AND (? = 1 OR d.hidden = 0))) "
/* ROOTS_WHERE's three, limit, offset */
struct db_sql db_sql_comment_roots_new = DB_SQL_MAP(
    "SELECT r.id " ROOTS_WHERE "ORDER BY r.id DESC LIMIT ? OFFSET ?",
    root_map, struct comment_root);
struct db_sql db_sql_comment_roots_top = DB_SQL_MAP(
    "SELECT r.id " ROOTS_WHERE "ORDER BY r.like_count DESC, r.id DESC "
    "LIMIT ? OFFSET ?", root_map, struct comment_root);
struct db_sql db_sql_comment_roots_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n " ROOTS_WHERE);
/* reader, root id: the whole thread, parents before their replies */
struct db_sql db_sql_comment_thread = CMT_SQL(
    CMT_COLS "WHERE c.root_id = ? ORDER BY c.id");
/* root_id, below-prefix and '%': the visible comments of a subtree */
struct db_sql db_sql_comment_live_below = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM comments WHERE root_id = ? "
    "AND status = 'visible' AND path LIKE ?");
/* who, id: the author's deletion; the text goes */
struct db_sql db_sql_comment_tombstone = DB_SQL(
    "UPDATE comments SET status = 'deleted', body = '', deleted_by = ?, "
    "deleted_at = CURRENT_TIMESTAMP(3) WHERE id = ? "
    "AND status = 'visible'");
/* who, root_id, id, below-prefix and '%': staff's, the whole subtree */
struct db_sql db_sql_comment_cascade = DB_SQL(
    "UPDATE comments SET status = 'deleted', deleted_by = ?, "
    "deleted_at = CURRENT_TIMESTAMP(3) WHERE root_id = ? "
    "AND status = 'visible' AND (id = ? OR path LIKE ?)");
/* hidden, who, id */
struct db_sql db_sql_comment_hide = DB_SQL(
    "UPDATE comments SET hidden = ?, hidden_by = ? WHERE id = ?");
/* comment_id, user_id: one row per reader (affected rows: 1 when new) */
struct db_sql db_sql_comment_like_insert = DB_SQL(
    "INSERT IGNORE INTO comment_likes (comment_id, user_id) "
    "VALUES (?, ?)");
struct db_sql db_sql_comment_like_delete = DB_SQL(
    "DELETE FROM comment_likes WHERE comment_id = ? AND user_id = ?");
/* delta (+1, -1), id: in the transaction that wrote the like's row */
struct db_sql db_sql_comment_like_add = DB_SQL(
    "UPDATE comments SET like_count = CAST(like_count AS SIGNED) + ? "
    "WHERE id = ?");

struct db_sql *const db_sql_set_comments[] = {
	&db_sql_comment_product,
	&db_sql_comment_insert,
	&db_sql_comment_set_root,
	&db_sql_comment_by_id,
	&db_sql_comment_lock,
	&db_sql_comment_hidden_above,
	&db_sql_comment_roots_new,
	&db_sql_comment_roots_top,
	&db_sql_comment_roots_count,
	&db_sql_comment_thread,
	&db_sql_comment_live_below,
	&db_sql_comment_tombstone,
	&db_sql_comment_cascade,
	&db_sql_comment_hide,
	&db_sql_comment_like_insert,
	&db_sql_comment_like_delete,
	&db_sql_comment_like_add,
	NULL
};
