/*
 * db_accounts.h: the typed rows of the accounts statements (sql_accounts.c):
 * users, refresh tokens, API keys and the audit log. Each struct is filled
 * by db_rows/db_row through the column map its statements carry
 * (DB_SQL_MAP), whose names are the SQL's own column names; holdfast-admin
 * check-sql proves the two agree. Strings live in the caller's arena.
 */
#ifndef HOLDFAST_DB_ACCOUNTS_H
#define HOLDFAST_DB_ACCOUNTS_H

#include <stdint.h>

#include "holdfast/db.h"

/* USER_COLS: db_sql_user_by_email, _by_id, db_sql_users_list */
struct user {
	uint64_t	 id;
	const char	*email;
	const char	*display_name;	/* may be NULL */
	const char	*avatar_url;	/* may be NULL */
	const char	*role;
	const char	*status;
	const char	*created_at;	/* ISO 8601 UTC */
};

/* db_sql_user_login: USER_COLS and the password hash (login only) */
struct user_login {
	struct user	 user;		/* first: user_map's offsets hold */
	const char	*password_hash;
};

/* db_sql_user_auth: what an access token is served with, now */
struct user_auth_row {
	const char	*role;
	const char	*status;
	long long	 token_version;
};

/* db_sql_refresh_lock: a presented refresh token, locked */
struct refresh_row {
	uint64_t	 id;
	uint64_t	 user_id;
	const char	*family_id;
	int		 expired, used, revoked;
};

/* KEY_COLS: db_sql_key_by_id, db_sql_keys_list */
struct api_key {
	uint64_t	 id;
	const char	*name;
	const char	*role;
	const char	*prefix;	/* key_prefix */
	const char	*created_at;
	const char	*revoked_at;	/* NULL while the key works */
	const char	*last_used_at;
	/* not a column: the key itself, only right after creation */
	const char	*key;
};

/* db_sql_key_auth: a live key by its hash */
struct key_auth_row {
	uint64_t	 id;
	const char	*role;
};

/* db_sql_audit_list */
struct audit_row {
	uint64_t	 id;
	const char	*actor;
	const char	*actor_role;
	const char	*action;
	const char	*entity;
	const char	*entity_id;	/* text; NULL for none */
	const char	*old_value;	/* JSON text or NULL */
	const char	*new_value;	/* JSON text or NULL */
	const char	*ip;
	const char	*user_agent;
	const char	*request_id;
	const char	*created_at;
};

/* the columns of struct audit_row, in order: its statements' map and the
 * api's rendering of it */
#define DB_MAP_AUDIT \
	HF_FIELD(struct audit_row, id, HF_K_U64), \
	HF_FIELD(struct audit_row, actor, HF_K_STR), \
	HF_FIELD(struct audit_row, actor_role, HF_K_STR), \
	HF_FIELD(struct audit_row, action, HF_K_STR), \
	HF_FIELD(struct audit_row, entity, HF_K_STR), \
	HF_FIELD(struct audit_row, entity_id, HF_K_STR), \
	HF_FIELD(struct audit_row, old_value, HF_K_JSON), \
	HF_FIELD(struct audit_row, new_value, HF_K_JSON), \
	HF_FIELD(struct audit_row, ip, HF_K_STR), \
	HF_FIELD(struct audit_row, user_agent, HF_K_STR), \
	HF_FIELD(struct audit_row, request_id, HF_K_STR), \
	HF_FIELD(struct audit_row, created_at, HF_K_STR)

/* users */
/* email, password_hash, role, status, display_name -> insert_id */
extern struct db_sql	db_sql_user_insert;
/* email -> struct user; email -> struct user_login; id -> struct user */
extern struct db_sql	db_sql_user_by_email, db_sql_user_login,
			db_sql_user_by_id;
/* id -> affected (pending to active) */
extern struct db_sql	db_sql_user_activate;
/* password_hash, id */
extern struct db_sql	db_sql_user_set_password;
/* set display_name, display_name, set avatar_url, avatar_url, id */
extern struct db_sql	db_sql_user_set_profile;
/* role or NULL, status or NULL, id */
extern struct db_sql	db_sql_user_set_role_status;
/* id -> struct user_auth_row; id -> token_version AS n (struct db_count) */
extern struct db_sql	db_sql_user_auth, db_sql_user_gen;
/* id */
extern struct db_sql	db_sql_user_touch_login;
/* role, status (DB_OPT_STR), q (DB_OPT_STR and once more) [, limit,
 * offset] -> struct user; the count -> n */
extern struct db_sql	db_sql_users_list, db_sql_users_count;

/* refresh tokens */
/* user_id, family_id, token_hash, ttl seconds */
extern struct db_sql	db_sql_refresh_insert;
/* token_hash -> struct refresh_row (FOR UPDATE) */
extern struct db_sql	db_sql_refresh_lock;
/* id; family_id; user_id */
extern struct db_sql	db_sql_refresh_mark_used,
			db_sql_refresh_revoke_family,
			db_sql_refresh_revoke_user;

/* API keys */
/* name, role, key_prefix, key_hash, created_by or NULL -> insert_id */
extern struct db_sql	db_sql_key_insert;
/* key_hash -> struct key_auth_row */
extern struct db_sql	db_sql_key_auth;
/* id -> struct api_key; every key -> struct api_key */
extern struct db_sql	db_sql_key_by_id, db_sql_keys_list;
/* id -> affected (0: already revoked) */
extern struct db_sql	db_sql_key_revoke;

/* the audit log */
/* actor, actor_role, action, entity, entity_id, old_value, new_value, ip,
 * user_agent, request_id */
extern struct db_sql	db_sql_audit_insert;
/* actor, entity, entity_id, from, to (each DB_OPT_STR) [, limit, offset]
 * -> struct audit_row, newest first; the count -> n */
extern struct db_sql	db_sql_audit_list, db_sql_audit_count;
extern struct db_sql	db_sql_audit_list_time, db_sql_audit_list_time_after;

#endif /* HOLDFAST_DB_ACCOUNTS_H */
