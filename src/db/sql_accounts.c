/*
 * sql_accounts.c: users, refresh tokens, API keys and the audit log.
 * Times leave the database as ISO 8601 UTC with milliseconds.
 */
#include "holdfast/db.h"
#include "db_int.h"

#define USER_COLS "id, email, display_name, avatar_url, role, status, " \
	DB_ISO("created_at") ", password_hash"

struct db_sql db_sql_user_insert = DB_SQL(
    "INSERT INTO users (email, password_hash, role, status, display_name) "
    "VALUES (?, ?, ?, ?, ?)");
struct db_sql db_sql_user_by_email = DB_SQL(
    "SELECT " USER_COLS " FROM users WHERE email = ?");
struct db_sql db_sql_user_by_id = DB_SQL(
    "SELECT " USER_COLS " FROM users WHERE id = ?");
struct db_sql db_sql_user_activate = DB_SQL(
    "UPDATE users SET status = 'active', verified_at = NOW(3), "
    "token_version = token_version + 1 "
    "WHERE id = ? AND status = 'pending'");
struct db_sql db_sql_user_set_password = DB_SQL(
    "UPDATE users SET password_hash = ?, "
    "token_version = token_version + 1 WHERE id = ?");
struct db_sql db_sql_user_set_profile = DB_SQL(
    "UPDATE users SET display_name = IF(?, ?, display_name), "
    "avatar_url = IF(?, ?, avatar_url) WHERE id = ?");
struct db_sql db_sql_user_set_role_status = DB_SQL(
    "UPDATE users SET role = COALESCE(?, role), "
    "status = COALESCE(?, status), token_version = token_version + 1 "
    "WHERE id = ?");
/*
 * token_version is the user's generation: every change of role, status or
 * password bumps it, and the workers' memory of a signed-in user is keyed
 * by it (svc_auth_user).
 */
struct db_sql db_sql_user_auth = DB_SQL(
    "SELECT role, status, token_version FROM users WHERE id = ?");
struct db_sql db_sql_user_gen = DB_SQL(
    "SELECT token_version FROM users WHERE id = ?");
struct db_sql db_sql_user_touch_login = DB_SQL(
    "UPDATE users SET last_login_at = NOW(3) WHERE id = ?");
struct db_sql db_sql_users_list = DB_SQL(
    "SELECT " USER_COLS " FROM users "
    "WHERE (? IS NULL OR role = ?) AND (? IS NULL OR status = ?) "
    "AND (? IS NULL OR email LIKE CONCAT('%', ?, '%') "
    "OR display_name LIKE CONCAT('%', ?, '%')) "
    "ORDER BY id LIMIT ? OFFSET ?");
struct db_sql db_sql_users_count = DB_SQL(
    "SELECT COUNT(*) FROM users "
    "WHERE (? IS NULL OR role = ?) AND (? IS NULL OR status = ?) "
    "AND (? IS NULL OR email LIKE CONCAT('%', ?, '%') "
    "OR display_name LIKE CONCAT('%', ?, '%'))");

struct db_sql db_sql_refresh_insert = DB_SQL(
    "INSERT INTO refresh_tokens (user_id, family_id, token_hash, "
    "expires_at) VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND)");
struct db_sql db_sql_refresh_lock = DB_SQL(
    "SELECT id, user_id, family_id, expires_at < NOW(3), "
    "used_at IS NOT NULL, revoked_at IS NOT NULL "
    "FROM refresh_tokens WHERE token_hash = ? FOR UPDATE");
struct db_sql db_sql_refresh_mark_used = DB_SQL(
    "UPDATE refresh_tokens SET used_at = NOW(3) WHERE id = ?");
struct db_sql db_sql_refresh_revoke_family = DB_SQL(
    "UPDATE refresh_tokens SET revoked_at = NOW(3) "
    "WHERE family_id = ? AND revoked_at IS NULL");
struct db_sql db_sql_refresh_revoke_user = DB_SQL(
    "UPDATE refresh_tokens SET revoked_at = NOW(3) "
    "WHERE user_id = ? AND revoked_at IS NULL");

#define KEY_COLS "id, name, role, key_prefix, " DB_ISO("created_at") ", " \
	DB_ISO("revoked_at") ", " DB_ISO("last_used_at")

struct db_sql db_sql_key_insert = DB_SQL(
    "INSERT INTO api_keys (name, role, key_prefix, key_hash, created_by) "
    "VALUES (?, ?, ?, ?, ?)");
struct db_sql db_sql_key_auth = DB_SQL(
    "SELECT id, role FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL");
struct db_sql db_sql_key_by_id = DB_SQL(
    "SELECT " KEY_COLS " FROM api_keys WHERE id = ?");
struct db_sql db_sql_keys_list = DB_SQL(
    "SELECT " KEY_COLS " FROM api_keys ORDER BY id");
struct db_sql db_sql_key_revoke = DB_SQL(
    "UPDATE api_keys SET revoked_at = NOW(3) "
    "WHERE id = ? AND revoked_at IS NULL");

struct db_sql db_sql_audit_insert = DB_SQL(
    "INSERT INTO audit_log (actor, actor_role, action, entity, entity_id, "
    "old_value, new_value, ip, user_agent, request_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

#define AUDIT_WHERE "WHERE (? IS NULL OR actor = ?) " \
	"AND (? IS NULL OR entity = ?) AND (? IS NULL OR entity_id = ?) " \
	"AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?) "

struct db_sql db_sql_audit_list = DB_SQL(
    "SELECT id, actor, actor_role, action, entity, entity_id, old_value, "
    "new_value, ip, user_agent, request_id, " DB_ISO("created_at")
    " FROM audit_log " AUDIT_WHERE "ORDER BY id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_audit_count = DB_SQL(
    "SELECT COUNT(*) FROM audit_log " AUDIT_WHERE);

/* every statement above, for holdfast-admin check-sql (sql_all.c) */
struct db_sql *const db_sql_set_accounts[] = {
	&db_sql_user_insert,
	&db_sql_user_by_email,
	&db_sql_user_by_id,
	&db_sql_user_activate,
	&db_sql_user_set_password,
	&db_sql_user_set_profile,
	&db_sql_user_set_role_status,
	&db_sql_user_auth,
	&db_sql_user_gen,
	&db_sql_user_touch_login,
	&db_sql_users_list,
	&db_sql_users_count,
	&db_sql_refresh_insert,
	&db_sql_refresh_lock,
	&db_sql_refresh_mark_used,
	&db_sql_refresh_revoke_family,
	&db_sql_refresh_revoke_user,
	&db_sql_key_insert,
	&db_sql_key_auth,
	&db_sql_key_by_id,
	&db_sql_keys_list,
	&db_sql_key_revoke,
	&db_sql_audit_insert,
	&db_sql_audit_list,
	&db_sql_audit_count,
	NULL
};
