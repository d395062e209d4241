/*
 * sql_accounts.c: users, refresh tokens, API keys and the audit log, each
 * statement that returns rows with the column map of its row struct
 * (db_accounts.h). Times leave the database as ISO 8601 UTC with
 * milliseconds.
 */
#include <stddef.h>

#include "holdfast/db_accounts.h"
#include "db_int.h"

/* The password hash is read by db_sql_user_login alone. */
#define USER_COLS "id, email, display_name, avatar_url, role, status, " \
	DB_ISO_AS("created_at", "created_at")

/* USER_COLS into T, whose struct user is at path (empty, or "user.") */
#define USER_FIELDS(T, path) \
	HF_FIELD_AS("id", T, path id, HF_K_U64), \
	HF_FIELD_AS("email", T, path email, HF_K_STR), \
	HF_FIELD_AS("display_name", T, path display_name, HF_K_STR), \
	HF_FIELD_AS("avatar_url", T, path avatar_url, HF_K_STR), \
	HF_FIELD_AS("role", T, path role, HF_K_STR), \
	HF_FIELD_AS("status", T, path status, HF_K_STR), \
	HF_FIELD_AS("created_at", T, path created_at, HF_K_STR)

static const struct hf_field user_map[] = {
	USER_FIELDS(struct user, ),
};

static const struct hf_field user_login_map[] = {
	USER_FIELDS(struct user_login, user.),
	HF_FIELD(struct user_login, password_hash, HF_K_STR),
};

static const struct hf_field user_auth_map[] = {
	HF_FIELD(struct user_auth_row, role, HF_K_STR),
	HF_FIELD(struct user_auth_row, status, HF_K_STR),
	HF_FIELD(struct user_auth_row, token_version, HF_K_INT),
};

static const struct hf_field refresh_map[] = {
	HF_FIELD(struct refresh_row, id, HF_K_U64),
	HF_FIELD(struct refresh_row, user_id, HF_K_U64),
	HF_FIELD(struct refresh_row, family_id, HF_K_STR),
	HF_FIELD(struct refresh_row, expired, HF_K_BOOL),
	HF_FIELD(struct refresh_row, used, HF_K_BOOL),
	HF_FIELD(struct refresh_row, revoked, HF_K_BOOL),
};

static const struct hf_field key_map[] = {
	HF_FIELD(struct api_key, id, HF_K_U64),
	HF_FIELD(struct api_key, name, HF_K_STR),
	HF_FIELD(struct api_key, role, HF_K_STR),
	HF_FIELD_AS("key_prefix", struct api_key, prefix, HF_K_STR),
	HF_FIELD(struct api_key, created_at, HF_K_STR),
	HF_FIELD(struct api_key, revoked_at, HF_K_STR),
	HF_FIELD(struct api_key, last_used_at, HF_K_STR),
};

static const struct hf_field key_auth_map[] = {
	HF_FIELD(struct key_auth_row, id, HF_K_U64),
	HF_FIELD(struct key_auth_row, role, HF_K_STR),
};

static const struct hf_field audit_map[] = {
	DB_MAP_AUDIT
};

struct db_sql db_sql_user_insert = DB_SQL(
    "INSERT INTO users (email, password_hash, role, status, display_name) "
    "VALUES (?, ?, ?, ?, ?)");
struct db_sql db_sql_user_by_email = DB_SQL_MAP(
    "SELECT " USER_COLS " FROM users WHERE email = ?", user_map,
    struct user);
struct db_sql db_sql_user_login = DB_SQL_MAP(
    "SELECT " USER_COLS ", password_hash FROM users WHERE email = ?",
    user_login_map, struct user_login);
struct db_sql db_sql_user_by_id = DB_SQL_MAP(
    "SELECT " USER_COLS " FROM users WHERE id = ?", user_map, struct user);
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
struct db_sql db_sql_user_auth = DB_SQL_MAP(
    "SELECT role, status, token_version FROM users WHERE id = ?",
    user_auth_map, struct user_auth_row);
struct db_sql db_sql_user_gen = DB_SQL_COUNT(
    "SELECT token_version AS n FROM users WHERE id = ?");
struct db_sql db_sql_user_touch_login = DB_SQL(
    "UPDATE users SET last_login_at = NOW(3) WHERE id = ?");
/* q is bound three times: DB_OPT_STR for the first two, once more plain */
#define USERS_WHERE "WHERE (? IS NULL OR role = ?) " \
	"AND (? IS NULL OR status = ?) " \
	"AND (? IS NULL OR email LIKE CONCAT('%', ?, '%') " \
	"OR display_name LIKE CONCAT('%', ?, '%')) "

struct db_sql db_sql_users_list = DB_SQL_MAP(
    "SELECT " USER_COLS " FROM users " USERS_WHERE
    "ORDER BY id LIMIT ? OFFSET ?", user_map, struct user);
struct db_sql db_sql_users_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM users " USERS_WHERE);

struct db_sql db_sql_refresh_insert = DB_SQL(
    "INSERT INTO refresh_tokens (user_id, family_id, token_hash, "
    "expires_at) VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND)");
struct db_sql db_sql_refresh_lock = DB_SQL_MAP(
    "SELECT id, user_id, family_id, expires_at < NOW(3) AS expired, "
    "used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked "
    "FROM refresh_tokens WHERE token_hash = ? FOR UPDATE", refresh_map,
    struct refresh_row);
struct db_sql db_sql_refresh_mark_used = DB_SQL(
    "UPDATE refresh_tokens SET used_at = NOW(3) WHERE id = ?");
struct db_sql db_sql_refresh_revoke_family = DB_SQL(
    "UPDATE refresh_tokens SET revoked_at = NOW(3) "
    "WHERE family_id = ? AND revoked_at IS NULL");
struct db_sql db_sql_refresh_revoke_user = DB_SQL(
    "UPDATE refresh_tokens SET revoked_at = NOW(3) "
    "WHERE user_id = ? AND revoked_at IS NULL");

#define KEY_COLS "id, name, role, key_prefix, " \
	DB_ISO_AS("created_at", "created_at") ", " \
	DB_ISO_AS("revoked_at", "revoked_at") ", " \
	DB_ISO_AS("last_used_at", "last_used_at")

struct db_sql db_sql_key_insert = DB_SQL(
    "INSERT INTO api_keys (name, role, key_prefix, key_hash, created_by) "
    "VALUES (?, ?, ?, ?, ?)");
struct db_sql db_sql_key_auth = DB_SQL_MAP(
    "SELECT id, role FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
    key_auth_map, struct key_auth_row);
struct db_sql db_sql_key_by_id = DB_SQL_MAP(
    "SELECT " KEY_COLS " FROM api_keys WHERE id = ?", key_map,
    struct api_key);
struct db_sql db_sql_keys_list = DB_SQL_MAP(
    "SELECT " KEY_COLS " FROM api_keys ORDER BY id", key_map,
    struct api_key);
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

#define AUDIT_COLS "SELECT id, actor, actor_role, action, entity, " \
	"entity_id, old_value, new_value, ip, user_agent, request_id, " \
	DB_ISO_AS("created_at", "created_at")

/* actor, entity, entity_id, from, to (each DB_OPT), after, limit, offset;
 * an actor's through ix_audit_actor_id (013), not (actor, created_at) */
struct db_sql db_sql_audit_list = DB_SQL_MAP(
    AUDIT_COLS " FROM audit_log IGNORE INDEX (ix_audit_actor_created) "
    AUDIT_WHERE
    "AND id < ? ORDER BY id DESC LIMIT ? OFFSET ?", audit_map,
    struct audit_row);
/*
 * A time window with no actor or entity (issue 13, as the ledger's in
 * sql_inventory.c): newest first by (created_at, id) on ix_audit_created;
 * the _after statement binds the row to start after first.
 */
#define AUDIT_TIME_PAGE "ORDER BY audit_log.created_at DESC, " \
	"audit_log.id DESC LIMIT ? OFFSET ?"
struct db_sql db_sql_audit_list_time = DB_SQL_MAP(
    AUDIT_COLS " FROM audit_log " AUDIT_WHERE AUDIT_TIME_PAGE, audit_map,
    struct audit_row);
struct db_sql db_sql_audit_list_time_after = DB_SQL_MAP(
    AUDIT_COLS " FROM audit_log JOIN (SELECT created_at AS k_at, id AS k_id "
    "FROM audit_log WHERE id = ?) k " AUDIT_WHERE
    "AND (audit_log.created_at < k.k_at OR (audit_log.created_at = k.k_at "
    "AND audit_log.id < k.k_id)) " AUDIT_TIME_PAGE, audit_map,
    struct audit_row);
/* to the cap (issue 13); the page above is a keyset one */
struct db_sql db_sql_audit_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM audit_log " AUDIT_WHERE
    DB_LIST_CAP ") t");

/* every statement above, for holdfast-admin check-sql (sql_all.c) */
struct db_sql *const db_sql_set_accounts[] = {
	&db_sql_user_insert,
	&db_sql_user_by_email,
	&db_sql_user_login,
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
	&db_sql_audit_list_time,
	&db_sql_audit_list_time_after,
	NULL
};
