/*
 * sql_assistant.c: the catalog assistant's statements (issue 14, item 5;
 * db_assistant.h). The quota is one row per reader and UTC day: taken
 * by an UPDATE that only passes under the limit (so two requests at once
 * cannot both take the last one), given back when the model could not
 * answer.
 */
#include "holdfast/db_assistant.h"
#include "db_int.h"

static const struct hf_field conv_map[] = {
	HF_FIELD(struct ai_conv_row, id, HF_K_U64),
};

static const struct hf_field msg_map[] = {
	HF_FIELD(struct ai_msg_row, id, HF_K_U64),
	HF_FIELD(struct ai_msg_row, role, HF_K_STR),
	HF_FIELD(struct ai_msg_row, content, HF_K_STR),
};

struct db_sql db_sql_ai_conv_insert = DB_SQL(
    "INSERT INTO assistant_conversations (user_id) VALUES (?)");
struct db_sql db_sql_ai_conv_of = DB_SQL_MAP(
    "SELECT id FROM assistant_conversations WHERE id = ? AND user_id = ?",
    conv_map, struct ai_conv_row);
struct db_sql db_sql_ai_conv_touch = DB_SQL(
    "UPDATE assistant_conversations SET updated_at = NOW(3) WHERE id = ?");
struct db_sql db_sql_ai_msg_insert = DB_SQL(
    "INSERT INTO assistant_messages (conversation_id, role, content, "
    "citations) VALUES (?, ?, ?, ?)");
/* ix_assistant_msg_conv: the newest ? read backwards, then in order */
struct db_sql db_sql_ai_msgs_recent = DB_SQL_MAP(
    "SELECT id, role, content FROM (SELECT id, CAST(role AS CHAR) AS role, "
    "content FROM assistant_messages WHERE conversation_id = ? "
    "ORDER BY id DESC LIMIT ?) t ORDER BY id", msg_map, struct ai_msg_row);
struct db_sql db_sql_ai_quota_row = DB_SQL(
    "INSERT INTO assistant_quota (user_id, day, used) "
    "VALUES (?, UTC_DATE(), 0) ON DUPLICATE KEY UPDATE used = used");
struct db_sql db_sql_ai_quota_take = DB_SQL(
    "UPDATE assistant_quota SET used = used + 1 WHERE user_id = ? "
    "AND day = UTC_DATE() AND used < ?");
struct db_sql db_sql_ai_quota_give = DB_SQL(
    "UPDATE assistant_quota SET used = used - 1 WHERE user_id = ? "
    "AND day = UTC_DATE() AND used > 0");
struct db_sql db_sql_ai_quota_used = DB_SQL_COUNT(
    "SELECT CAST(COALESCE(MAX(used), 0) AS SIGNED) AS n "
    "FROM assistant_quota WHERE user_id = ? AND day = UTC_DATE()");

/* every statement above, for holdfast-admin check-sql (check.c) */
struct db_sql *const db_sql_set_assistant[] = {
	&db_sql_ai_conv_insert,
	&db_sql_ai_conv_of,
	&db_sql_ai_conv_touch,
	&db_sql_ai_msg_insert,
	&db_sql_ai_msgs_recent,
	&db_sql_ai_quota_row,
	&db_sql_ai_quota_take,
	&db_sql_ai_quota_give,
	&db_sql_ai_quota_used,
	NULL
};
