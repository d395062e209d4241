/*
 * svc.h: business rules and transactions. Services see neither FastCGI
 * nor SQL: they take a context (who acts, from where, for which request)
 * and plain values, and return an hf_err.
 */
#ifndef HOLDFAST_SVC_H
#define HOLDFAST_SVC_H

#include <json-c/json.h>
#include <stdint.h>

#include "holdfast/app.h"
#include "holdfast/core.h"

struct db;

/* Who acts, from where, for which request; built by the api layer. */
struct svc_ctx {
	struct app		*app;
	struct arena		*arena;
	const struct principal	*who;
	const char		*ip;
	const char		*user_agent;
	const char		*request_id;
	/* set by a service that refuses, for the error's details */
	int			 retry_after;
	const char		*field;
	const char		*reason;
};

/* system.c */
struct svc_health {
	int	database_ok;
	int	redis_ok;
};

void	 svc_health(struct app *, struct svc_health *);
const char *svc_db_error(struct app *);

/* ratelimit.c: fixed windows in Redis, a per-worker fallback for auth. */
enum rate_kind {
	RATE_GENERAL = 0,	/* not enforced while Redis is down */
	RATE_AUTH,		/* falls back to a per-worker counter */
	RATE__MAX
};

int	 svc_rate(struct app *, enum rate_kind, const char *key, int max,
	    int window_s, int *retry_after);

/* accounts.c */
struct user {
	uint64_t	 id;
	const char	*email;
	const char	*display_name;	/* may be NULL */
	const char	*avatar_url;	/* may be NULL */
	const char	*role;
	const char	*status;
	const char	*created_at;	/* ISO 8601 UTC */
};

struct tokens {
	char		 access[1024];
	char		 refresh[80];
	int		 expires_in;
	struct user	 user;
};

struct user_filter {
	const char	*role;
	const char	*status;
	const char	*q;
	long long	 page, per_page;
};

struct user_list {
	struct user	*items;
	size_t		 n;
	long long	 total;
};

struct api_key {
	uint64_t	 id;
	const char	*name;
	const char	*role;
	const char	*prefix;
	const char	*created_at;
	const char	*revoked_at;
	const char	*last_used_at;
	char		 key[80];	/* only right after creation */
};

int	 svc_auth_key(struct app *, const char *key, struct principal *);
int	 svc_register(struct svc_ctx *, const char *email, const char *pw,
	    const char *display_name, struct user *);
int	 svc_verify(struct svc_ctx *, const char *email, const char *code,
	    struct user *);
int	 svc_resend(struct svc_ctx *, const char *email);
int	 svc_login(struct svc_ctx *, const char *email, const char *pw,
	    struct tokens *);
int	 svc_refresh(struct svc_ctx *, const char *refresh, struct tokens *);
int	 svc_logout(struct svc_ctx *, const char *refresh);
int	 svc_forgot(struct svc_ctx *, const char *email);
int	 svc_reset(struct svc_ctx *, const char *email, const char *code,
	    const char *pw);
int	 svc_user_get(struct svc_ctx *, uint64_t id, struct user *);
int	 svc_me_update(struct svc_ctx *, const char *display_name,
	    int set_name, const char *avatar_url, int set_avatar,
	    struct user *);
int	 svc_users_list(struct svc_ctx *, const struct user_filter *,
	    struct user_list *);
int	 svc_user_create(struct svc_ctx *, const char *email, const char *pw,
	    const char *role, const char *display_name, struct user *);
int	 svc_user_update(struct svc_ctx *, uint64_t id, const char *role,
	    const char *status, struct user *);
int	 svc_key_create(struct svc_ctx *, const char *name, const char *role,
	    struct api_key *);
int	 svc_keys_list(struct svc_ctx *, struct api_key **, size_t *);
int	 svc_key_revoke(struct svc_ctx *, uint64_t id);
int	 svc_admin_user_add(struct app *, const char *email, const char *pw,
	    const char *role, const char *display_name);

/* audit.c */
struct audit_filter {
	const char	*actor;
	const char	*entity;
	const char	*entity_id;
	const char	*from;
	const char	*to;
	long long	 page, per_page;
};

int	 svc_audit(struct db *, const struct svc_ctx *, const char *action,
	    const char *entity, uint64_t entity_id, json_object *old_value,
	    json_object *new_value);
int	 svc_audit_list(struct svc_ctx *, const struct audit_filter *,
	    json_object **items, long long *total);

#endif /* HOLDFAST_SVC_H */
