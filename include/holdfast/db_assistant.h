/*
 * db_assistant.h: the catalog assistant's rows (sql/016_assistant.sql)
 * and its statements (src/db/sql_assistant.c): conversations, their
 * messages and the per-reader daily quota (one row per reader and UTC
 * day).
 */
#ifndef HOLDFAST_DB_ASSISTANT_H
#define HOLDFAST_DB_ASSISTANT_H

#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_ai_conv_of: a conversation of one reader */
struct ai_conv_row {
	uint64_t	 id;
};

/* db_sql_ai_msgs_recent: the last messages of a conversation, oldest
 * first */
struct ai_msg_row {
	uint64_t	 id;
	const char	*role;		/* user, assistant */
	const char	*content;
};

/*
 * ai_conv_insert (user_id); ai_conv_of (id, user_id); ai_conv_touch (id);
 * ai_msg_insert (conversation_id, role, content, citations);
 * ai_msgs_recent (conversation_id, limit);
 * ai_quota_row (user_id): today's row, made at 0 if none;
 * ai_quota_take (user_id, limit): 1 row changed when under the limit;
 * ai_quota_give (user_id): one back; ai_quota_used (user_id): n.
 */
extern struct db_sql	db_sql_ai_conv_insert, db_sql_ai_conv_of,
			db_sql_ai_conv_touch, db_sql_ai_msg_insert,
			db_sql_ai_msgs_recent, db_sql_ai_quota_row,
			db_sql_ai_quota_take, db_sql_ai_quota_give,
			db_sql_ai_quota_used;

#endif /* HOLDFAST_DB_ASSISTANT_H */
