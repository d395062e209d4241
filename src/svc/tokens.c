/*
 * tokens.c: login, refresh and logout. A login opens a family of refresh
 * tokens; each refresh spends one token of the family and issues the
 * next, so a spent token that comes back means the family was stolen and
 * ends all of it. Access tokens are JWTs (core/jwt.c) that name the user;
 * the role a request is served with is read live (users.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "acct_int.h"

#define REFRESH_PREFIX	"hfr_"

/* A hash no password matches, so unknown e-mails cost a bcrypt too. */
static const char dummy_hash[] =
    "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.qM8h0m5pGJ4rYg7m1m5KZ3b5jW6e";

struct token_txn {
	struct svc_ctx	*ctx;
	const char	*old_hash;	/* refresh: the presented token */
	char		 family[33];
	struct tokens	*out;
	int		 reused;	/* a spent token came back */
};

/* Issues a refresh token in t->family and an access token for the user. */
static int
issue_tokens(struct db *db, struct token_txn *t)
{
	const struct hf_config	*cfg = &t->ctx->app->cfg;
	struct tokens		*o = t->out;
	char			 raw[65], hash[HF_SHA256_HEX];
	struct db_param		 p[4];
	int64_t			 now = hf_unix_time();
	int			 rc, role;

	if (hf_random_hex(raw, 32) != 0)
		return HF_E_SYS_INTERNAL;
	snprintf(o->refresh, sizeof(o->refresh), REFRESH_PREFIX "%s", raw);
	hf_sha256_hex(hash, o->refresh, strlen(o->refresh));
	p[0] = DB_INT((long long)o->user.id);
	p[1] = DB_STR(t->family);
	p[2] = DB_STR(hash);
	p[3] = DB_INT(cfg->refresh_token_ttl);
	if ((rc = db_exec(db, &db_sql_refresh_insert, p, 4, NULL, NULL)) !=
	    HF_OK)
		return rc;
	if ((rc = db_exec(db, &db_sql_user_touch_login, p, 1, NULL, NULL)) !=
	    HF_OK)
		return rc;
	if (strlen(cfg->jwt_secret) < 32) {
		log_error(t->ctx->request_id, "jwt_secret is not set: "
		    "no tokens");
		return HF_E_SYS_UNAVAILABLE;
	}
	role = hf_role_parse(o->user.role);
	if (role <= ROLE_GUEST ||
	    jwt_sign(o->access, sizeof(o->access), cfg->jwt_secret,
	    cfg->jwt_issuer, cfg->jwt_audience, o->user.id,
	    (enum hf_role)role, now, now + cfg->access_token_ttl) != 0)
		return HF_E_SYS_INTERNAL;
	o->expires_in = cfg->access_token_ttl;
	return HF_OK;
}

static int
login_fn(struct db *db, void *arg)
{
	struct token_txn	*t = arg;

	if (hf_random_hex(t->family, 16) != 0)
		return HF_E_SYS_INTERNAL;
	return issue_tokens(db, t);
}

/*
 * Login limits, after OWASP's credential-stuffing advice, so that no
 * stranger can lock an owner out: per client IP, every attempt
 * (rate_login_ip_max); per address and client IP, the failures since that
 * client's last success (rate_login_max: the attempt is counted first, and
 * a right password starts the count again); per address from all clients
 * together, the failures (rate_login_email_max), against guessing spread
 * over many IPs. Past that last one, only a client that signed in to the
 * address in the last LOGIN_KNOWN_S may still try. Counters are keyed by
 * the SHA-256 of the address.
 */
#define LOGIN_KNOWN_S	(30 * 86400)

struct login_keys {
	char	pair[160];	/* failures of this address from this IP */
	char	addr[96];	/* failures of this address from anywhere */
	char	known[160];	/* this IP signed in to this address */
};

static int
login_gate(struct svc_ctx *ctx, const char *email, struct login_keys *k)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	char			 h[HF_SHA256_HEX], key[96];
	int			 retry = 0, rc;

	hf_sha256_hex(h, email, strlen(email));
	snprintf(k->pair, sizeof(k->pair), "login:ei:%.64s:%.64s", h, ctx->ip);
	snprintf(k->addr, sizeof(k->addr), "login:ef:%.64s", h);
	snprintf(k->known, sizeof(k->known), "login:ok:%.64s:%.64s", h,
	    ctx->ip);
	snprintf(key, sizeof(key), "login:ip:%.64s", ctx->ip);
	if ((rc = svc_rate(ctx->app, RATE_AUTH, key, cfg->rate_login_ip_max,
	    cfg->rate_auth_window, &retry)) == HF_OK &&
	    (rc = svc_rate(ctx->app, RATE_AUTH, k->pair, cfg->rate_login_max,
	    cfg->rate_auth_window, &retry)) == HF_OK &&
	    svc_rate_peek(ctx->app, RATE_AUTH, k->addr, &retry) >=
	    cfg->rate_login_email_max &&
	    svc_rate_peek(ctx->app, RATE_AUTH, k->known, NULL) == 0)
		rc = HF_E_REQ_RATE;
	if (rc != HF_OK)
		ctx->retry_after = retry;
	return rc;
}

static void
login_failed(struct svc_ctx *ctx, const struct login_keys *k)
{
	int	retry;

	svc_rate(ctx->app, RATE_AUTH, k->addr, INT32_MAX,
	    ctx->app->cfg.rate_auth_window, &retry);
}

int
svc_login(struct svc_ctx *ctx, const char *email, const char *pw,
    struct tokens *out)
{
	struct token_txn	 t;
	struct login_keys	 k;
	struct user_login	 ul;
	struct db_param		 p[1] = { DB_STR(email) };
	int			 rc, ok, found = 0, retry;

	if ((rc = login_gate(ctx, email, &k)) != HF_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_user_login, p, 1,
	    &ul, &found)) != HF_OK)
		return rc;
	ok = password_verify(pw, found ? ul.password_hash : dummy_hash);
	if (!found || !ok) {
		login_failed(ctx, &k);
		return HF_E_AUTH_CREDENTIALS;
	}
	out->user = ul.user;
	svc_rate_reset(ctx->app, k.pair);
	if (strcmp(out->user.status, "active") != 0)
		return HF_E_AUTH_NOT_ACTIVE;
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.out = out;
	if ((rc = db_txn(ctx->app->db, login_fn, &t)) != HF_OK)
		return rc;
	/* a fresh 30 days from this success */
	svc_rate_reset(ctx->app, k.known);
	svc_rate(ctx->app, RATE_AUTH, k.known, INT32_MAX, LOGIN_KNOWN_S,
	    &retry);
	return HF_OK;
}

static int
refresh_fn(struct db *db, void *arg)
{
	struct token_txn	*t = arg;
	struct db_param		 p[1] = { DB_STR(t->old_hash) };
	struct refresh_row	 r;
	int			 rc, found;

	t->reused = 0;
	if ((rc = db_row(db, t->ctx->arena, &db_sql_refresh_lock, p, 1, &r,
	    &found)) != HF_OK)
		return rc;
	if (!found || r.revoked)
		return HF_E_AUTH_INVALID;
	snprintf(t->family, sizeof(t->family), "%s", r.family_id);
	if (r.used) {
		/* reuse of a spent token: the family is stolen, end it all */
		p[0] = DB_STR(t->family);
		t->reused = 1;
		return db_exec(db, &db_sql_refresh_revoke_family, p, 1, NULL,
		    NULL);
	}
	if (r.expired)
		return HF_E_AUTH_EXPIRED;
	if ((rc = acct_user_by_id(db, t->ctx->arena, r.user_id,
	    &t->out->user)) != HF_OK)
		return rc == HF_E_NOT_FOUND ? HF_E_AUTH_INVALID : rc;
	if (strcmp(t->out->user.status, "active") != 0)
		return HF_E_AUTH_NOT_ACTIVE;
	p[0] = DB_INT((long long)r.id);
	if ((rc = db_exec(db, &db_sql_refresh_mark_used, p, 1, NULL, NULL)) !=
	    HF_OK)
		return rc;
	return issue_tokens(db, t);
}

int
svc_refresh(struct svc_ctx *ctx, const char *refresh, struct tokens *out)
{
	struct token_txn	t;
	char			hash[HF_SHA256_HEX];
	int			rc;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	hf_sha256_hex(hash, refresh, strlen(refresh));
	t.ctx = ctx;
	t.old_hash = hash;
	t.out = out;
	rc = db_txn(ctx->app->db, refresh_fn, &t);
	if (rc == HF_OK && t.reused) {
		log_warn(ctx->request_id, "spent refresh token reused: family "
		    "revoked");
		return HF_E_AUTH_INVALID;
	}
	return rc;
}

struct logout_txn {
	struct svc_ctx	*ctx;
	const char	*hash;
};

static int
logout_fn(struct db *db, void *arg)
{
	struct logout_txn	*t = arg;
	struct db_param		 p[1] = { DB_STR(t->hash) };
	struct refresh_row	 r;
	int			 rc, found;

	if ((rc = db_row(db, t->ctx->arena, &db_sql_refresh_lock, p, 1, &r,
	    &found)) != HF_OK || !found)
		return rc;
	p[0] = DB_STR(r.family_id);
	return db_exec(db, &db_sql_refresh_revoke_family, p, 1, NULL, NULL);
}

int
svc_logout(struct svc_ctx *ctx, const char *refresh)
{
	struct logout_txn	t;
	char			hash[HF_SHA256_HEX];

	hf_sha256_hex(hash, refresh, strlen(refresh));
	t.ctx = ctx;
	t.hash = hash;
	return db_txn(ctx->app->db, logout_fn, &t);
}
