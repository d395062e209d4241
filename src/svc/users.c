/*
 * users.c: users as rows (by id, by e-mail, lists), making them (admin,
 * holdfast-admin, and register.c's sign-up), the signed-in user's
 * profile, admin changes of role and status, and the live roles every
 * request is served with (svc_auth_user). The root of the account
 * services: register.c, tokens.c and keys.c call it.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/metrics.h"
#include "holdfast/outbox.h"
#include "holdfast/svc.h"
#include "holdfast/hoststate.h"
#include "acct_int.h"

/* A user in the audit log: never its password hash. */
static const struct hf_field user_audit_fields[] = {
	HF_FIELD(struct user, id, HF_K_U64),
	HF_FIELD(struct user, email, HF_K_STR),
	HF_FIELD(struct user, display_name, HF_K_STR),
	HF_FIELD(struct user, role, HF_K_STR),
	HF_FIELD(struct user, status, HF_K_STR),
};

static int
user_by(struct db *db, struct arena *a, struct db_sql *q,
    const struct db_param *p, struct user *u)
{
	int	found, rc;

	if ((rc = db_row(db, a, q, p, 1, u, &found)) != HF_OK)
		return rc;
	return found ? HF_OK : HF_E_NOT_FOUND;
}

int
acct_user_by_id(struct db *db, struct arena *a, uint64_t id, struct user *u)
{
	struct db_param	p[] = { DB_INT((long long)id) };

	return user_by(db, a, &db_sql_user_by_id, p, u);
}

int
acct_user_by_email(struct db *db, struct arena *a, const char *email,
    struct user *u)
{
	struct db_param	p[] = { DB_STR(email) };

	return user_by(db, a, &db_sql_user_by_email, p, u);
}

char *
acct_user_audit_text(struct arena *a, const struct user *u)
{
	return hf_fields_text(a, user_audit_fields,
	    HF_NITEMS(user_audit_fields), u);
}

/* An audit row of a user's change (old NULL: created). */
static int
user_audit(struct db *db, struct svc_ctx *ctx, const char *action,
    const char *old, const struct user *u)
{
	const char	*nv = acct_user_audit_text(ctx->arena, u);

	if (nv == NULL)
		return HF_E_SYS_INTERNAL;
	return svc_audit_text(db, ctx, action, "user", u->id, old, nv);
}

/* --- live roles -------------------------------------------------------- */

/*
 * An access token names its user; the role and status it is served with
 * are the database's, now. What this worker remembers of a user (role and
 * status as the database had them at generation "<token_version>:<epoch>")
 * is used only while Redis answers that same generation for the request,
 * in the rate-limit script (hf:ug:<id>, a copy of users.token_version),
 * and for USER_MEMO_MS at most. A change of role, status or password bumps
 * token_version in its transaction and copies it to Redis after COMMIT, so
 * the next request of that user, on any worker, reads the database again.
 * Redis only ever holds a value the database had (set, never counted, and
 * never lowered), so losing it loses nothing: a missing copy ("-") means
 * a database read, and so does every request while Redis is down.
 */
#define USER_MEMO_SLOTS	256
#define USER_MEMO_MS	30000
#define USER_GEN_TTL	86400

struct user_memo {
	uint64_t	 id;
	char		 gen[48];
	enum hf_role	 role;
	int		 active;
	int64_t		 at_ms;
};

static struct user_memo	user_memo[USER_MEMO_SLOTS];

void
svc_user_gen_key(char *out, size_t len, uint64_t id)
{
	snprintf(out, len, "hf:ug:%llu", (unsigned long long)id);
}

/*
 * When the copy fails, the host's "lost" generation moves, so every
 * worker of this host bumps the cache epoch before it trusts its memory
 * again.
 */
void
acct_gen_publish(struct app *app, struct arena *a, uint64_t id)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	struct db_count	v;
	char		key[48], gen[24];
	int		found;

	svc_user_gen_key(key, sizeof(key), id);
	if (db_row(app->db, a, &db_sql_user_gen, p, 1, &v, &found) !=
	    HF_OK || !found) {
		metrics_cache_lost_bump();
		return;
	}
	snprintf(gen, sizeof(gen), "%lld", v.n);
	if (cache_gen_raise(app->cache, key, gen, USER_GEN_TTL, 1) != HF_OK) {
		metrics_cache_lost_bump();
		svc_lost_record(app, NULL);	/* the other hosts: issue 16 */
	}
}

static void
user_principal(struct principal *who, uint64_t id, enum hf_role role)
{
	who->role = role;
	who->user_id = id;
	who->key_id = 0;
	snprintf(who->actor, sizeof(who->actor), "user:%llu",
	    (unsigned long long)id);
}

/*
 * Fills who for the user an access token names, with the role and status
 * the database has now (or, see above, had at the generation gen that
 * Redis answered; gen is "" without Redis). Returns HF_OK,
 * HF_E_AUTH_NOT_ACTIVE for a disabled (or pending) account,
 * HF_E_AUTH_INVALID when the user is gone, HF_E_SYS_UNAVAILABLE when the
 * database must be read and cannot be.
 */
int
svc_auth_user(struct app *app, uint64_t id, const char *gen,
    struct principal *who)
{
	struct user_memo	*m = &user_memo[id % USER_MEMO_SLOTS];
	struct db_param		 p[1] = { DB_INT((long long)id) };
	struct user_auth_row	 r;
	struct arena		 a;
	const char		*epoch;
	char			 want[48], key[48], tv[24];
	int			 rc, role, active, found = 0;

	if (gen != NULL && gen[0] != '\0' && gen[0] != '-' && m->id == id &&
	    strcmp(m->gen, gen) == 0 && hf_now_ms() - m->at_ms < USER_MEMO_MS) {
		if (!m->active)
			return HF_E_AUTH_NOT_ACTIVE;
		user_principal(who, id, m->role);
		return HF_OK;
	}
	arena_init(&a, 0);
	if ((rc = db_ensure(app->db)) == HF_OK)
		rc = db_row(app->db, &a, &db_sql_user_auth, p, 1, &r, &found);
	if (rc != HF_OK) {
		arena_free(&a);
		return HF_E_SYS_UNAVAILABLE;
	}
	if (!found || (role = hf_role_parse(r.role)) <= ROLE_GUEST) {
		arena_free(&a);
		return HF_E_AUTH_INVALID;
	}
	active = strcmp(r.status, "active") == 0;
	if (gen != NULL && gen[0] != '\0') {
		snprintf(tv, sizeof(tv), "%lld", r.token_version);
		epoch = strchr(gen, ':');
		snprintf(want, sizeof(want), "%s:%s", tv,
		    epoch != NULL ? epoch + 1 : "0");
		if (strcmp(want, gen) != 0) {
			/* Redis had no copy, or an older one */
			svc_user_gen_key(key, sizeof(key), id);
			cache_gen_raise(app->cache, key, tv, USER_GEN_TTL, 0);
		}
		m->id = id;
		snprintf(m->gen, sizeof(m->gen), "%s", want);
		m->role = (enum hf_role)role;
		m->active = active;
		m->at_ms = hf_now_ms();
	}
	arena_free(&a);
	if (!active)
		return HF_E_AUTH_NOT_ACTIVE;
	user_principal(who, id, (enum hf_role)role);
	return HF_OK;
}

/* --- making users ------------------------------------------------------ */

/*
 * The length rule of a password. The request schemas leave it here, since
 * holdfast-admin's "user add" comes through the same service.
 */
int
acct_check_password(struct svc_ctx *ctx, const char *pw)
{
	size_t	n = strlen(pw);

	if (n < HF_PASSWORD_MIN || n > HF_PASSWORD_MAX) {
		ctx->field = "password";
		ctx->reason = n < HF_PASSWORD_MIN ?
		    "at least 8 bytes" : "at most 72 bytes";
		return HF_E_REQ_FIELD;
	}
	return HF_OK;
}

struct create_txn {
	struct svc_ctx	*ctx;
	struct acct_new	*nu;
	const char	*hash;
	struct user	*user;
};

static int
create_fn(struct db *db, void *arg)
{
	struct create_txn	*t = arg;
	struct acct_new		*nu = t->nu;
	struct db_param		 p[] = { DB_STR(nu->email), DB_STR(t->hash),
	    DB_STR(nu->role), DB_STR(nu->status),
	    DB_STR_OR_NULL(nu->display_name) };
	uint64_t		 id = 0;
	int			 rc;

	rc = db_exec(db, &db_sql_user_insert, p, HF_NITEMS(p), NULL, &id);
	if (rc == HF_E_DUPLICATE)
		return HF_E_AUTH_EMAIL_TAKEN;
	if (rc != HF_OK)
		return rc;
	if ((rc = acct_user_by_id(db, t->ctx->arena, id, t->user)) != HF_OK)
		return rc;
	if ((rc = user_audit(db, t->ctx, t->ctx->who->role == ROLE_ADMIN ?
	    "user.create" : "user.register", NULL, t->user)) != HF_OK)
		return rc;
	if (nu->mail.subject == NULL)
		return HF_OK;
	return outbox_email(db, nu->mail.event, nu->mail.to,
	    nu->mail.subject, nu->mail.body, &nu->mail.outbox_id);
}

int
acct_user_create(struct svc_ctx *ctx, struct acct_new *nu, struct user *u)
{
	struct create_txn	t;
	char			hash[HF_PASSWORD_HASH_MAX];
	int			rc;

	if ((rc = acct_check_password(ctx, nu->password)) != HF_OK)
		return rc;
	if (password_hash(nu->password, hash) != 0)
		return HF_E_SYS_INTERNAL;
	t.ctx = ctx;
	t.nu = nu;
	t.hash = hash;
	t.user = u;
	nu->mail.outbox_id = 0;
	if ((rc = db_txn(ctx->app->db, create_fn, &t)) != HF_OK)
		return rc;
	if (nu->mail.outbox_id != 0)
		outbox_deliver_now(ctx->app, nu->mail.outbox_id);
	return HF_OK;
}

int
svc_user_create(struct svc_ctx *ctx, const char *email, const char *pw,
    const char *role, const char *display_name, struct user *u)
{
	struct acct_new	nu;

	memset(&nu, 0, sizeof(nu));
	nu.email = email;
	nu.password = pw;
	nu.role = role;
	nu.status = "active";
	nu.display_name = display_name;
	return acct_user_create(ctx, &nu, u);
}

/* holdfast-admin user add: an active user made from the command line. */
int
svc_admin_user_add(struct app *app, const char *email, const char *pw,
    const char *role, const char *display_name)
{
	struct principal	who;
	struct arena		a;
	struct svc_ctx		ctx;
	struct user		u;
	int			rc;

	arena_init(&a, 0);
	svc_cli_ctx(app, &a, &who, &ctx, "cli:holdfast-admin");
	rc = svc_user_create(&ctx, email, pw, role, display_name, &u);
	arena_free(&a);
	return rc;
}

/* --- the signed-in user and admin user management ------------------- */

int
svc_user_get(struct svc_ctx *ctx, uint64_t id, struct user *u)
{
	return acct_user_by_id(ctx->app->db, ctx->arena, id, u);
}

struct update_txn {
	struct svc_ctx	*ctx;
	uint64_t	 id;
	const char	*a, *b;		/* name/avatar, or role/status */
	int		 set_a, set_b;
	int		 admin;
	struct user	*user;
};

static int
update_fn(struct db *db, void *arg)
{
	struct update_txn	*t = arg;
	struct db_param		 p[5];
	const char		*old;
	int			 rc;

	if ((rc = acct_user_by_id(db, t->ctx->arena, t->id, t->user)) !=
	    HF_OK)
		return rc;
	if ((old = acct_user_audit_text(t->ctx->arena, t->user)) == NULL)
		return HF_E_SYS_INTERNAL;
	if (t->admin) {
		p[0] = DB_STR_OR_NULL(t->a);
		p[1] = DB_STR_OR_NULL(t->b);
		p[2] = DB_INT((long long)t->id);
		rc = db_exec(db, &db_sql_user_set_role_status, p, 3, NULL,
		    NULL);
		if (rc == HF_OK && t->b != NULL &&
		    strcmp(t->b, "disabled") == 0)
			rc = db_exec(db, &db_sql_refresh_revoke_user, &p[2], 1,
			    NULL, NULL);
	} else {
		p[0] = DB_INT(t->set_a);
		p[1] = DB_STR_OR_NULL(t->a);
		p[2] = DB_INT(t->set_b);
		p[3] = DB_STR_OR_NULL(t->b);
		p[4] = DB_INT((long long)t->id);
		rc = db_exec(db, &db_sql_user_set_profile, p, 5, NULL, NULL);
	}
	if (rc == HF_OK)
		rc = acct_user_by_id(db, t->ctx->arena, t->id, t->user);
	if (rc != HF_OK)
		return rc;
	return user_audit(db, t->ctx, t->admin ? "user.update" : "me.update",
	    old, t->user);
}

int
svc_me_update(struct svc_ctx *ctx, const char *display_name, int set_name,
    const char *avatar_url, int set_avatar, struct user *u)
{
	struct update_txn	t = { ctx, ctx->who->user_id, display_name,
	    avatar_url, set_name, set_avatar, 0, u };

	if (ctx->who->user_id == 0)
		return HF_E_AUTH_FORBIDDEN;
	return db_txn(ctx->app->db, update_fn, &t);
}

int
svc_user_update(struct svc_ctx *ctx, uint64_t id, const char *role,
    const char *status, struct user *u)
{
	struct update_txn	t = { ctx, id, role, status, role != NULL,
	    status != NULL, 1, u };
	int			rc;

	if ((rc = db_txn(ctx->app->db, update_fn, &t)) != HF_OK)
		return rc;
	/* the user's next request, on any worker, has the new role */
	acct_gen_publish(ctx->app, ctx->arena, id);
	return HF_OK;
}

int
svc_users_list(struct svc_ctx *ctx, const struct user_filter *f,
    struct user_list *out)
{
	struct db_param	p[] = { DB_OPT_STR(f->role), DB_OPT_STR(f->status),
	    DB_OPT_STR(f->q), DB_STR_OR_NULL(f->q), DB_INT(f->per_page),
	    DB_INT((f->page - 1) * f->per_page) };
	int		rc;

	out->total = db_count_of(ctx->app->db, ctx->arena,
	    &db_sql_users_count, p, 4, &rc);
	if (rc != HF_OK)
		return rc;
	return db_rows(ctx->app->db, ctx->arena, &db_sql_users_list, p,
	    HF_NITEMS(p), &out->items, &out->n);
}
