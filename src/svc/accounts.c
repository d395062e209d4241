/*
 * accounts.c: users, e-mail codes, tokens and API keys. Codes live hashed
 * in Redis (10 minutes, 5 tries); every e-mail is written to the outbox in
 * the transaction that caused it and sent right after COMMIT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/metrics.h"
#include "holdfast/outbox.h"
#include "holdfast/svc.h"

#define CODE_TTL	600
#define CODE_TRIES	5
#define KEY_PREFIX	"hfk_"
#define REFRESH_PREFIX	"hfr_"

/* A hash no password matches, so unknown e-mails cost a bcrypt too. */
static const char dummy_hash[] =
    "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.qM8h0m5pGJ4rYg7m1m5KZ3b5jW6e";

/* Row layout of USER_COLS in sql_accounts.c. */
enum { U_ID, U_EMAIL, U_NAME, U_AVATAR, U_ROLE, U_STATUS, U_CREATED,
    U_HASH, U__MAX };

static void
user_from_row(const struct db_result *r, size_t row, struct user *u)
{
	long long	id = 0;

	hf_parse_ll(DB_CELL(r, row, U_ID), 1, INT64_MAX, &id);
	u->id = (uint64_t)id;
	u->email = DB_CELL(r, row, U_EMAIL);
	u->display_name = DB_CELL(r, row, U_NAME);
	u->avatar_url = DB_CELL(r, row, U_AVATAR);
	u->role = DB_CELL(r, row, U_ROLE);
	u->status = DB_CELL(r, row, U_STATUS);
	u->created_at = DB_CELL(r, row, U_CREATED);
}

/* Loads a user by e-mail; *hash gets the password hash when not NULL. */
static int
user_by_email(struct db *db, struct arena *a, const char *email,
    struct user *u, const char **hash)
{
	struct db_param		p[] = { DB_STR(email) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(db, a, &db_sql_user_by_email, p, 1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	user_from_row(&r, 0, u);
	if (hash != NULL)
		*hash = DB_CELL(&r, 0, U_HASH);
	return HF_OK;
}

static int
user_by_id(struct db *db, struct arena *a, uint64_t id, struct user *u)
{
	struct db_param		p[] = { DB_INT((long long)id) };
	struct db_result	r;
	int			rc;

	if ((rc = db_query(db, a, &db_sql_user_by_id, p, 1, &r)) != HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	user_from_row(&r, 0, u);
	return HF_OK;
}

static json_object *
user_json(const struct user *u)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64((int64_t)u->id));
	json_object_object_add(o, "email", json_object_new_string(u->email));
	json_object_object_add(o, "display_name", u->display_name != NULL ?
	    json_object_new_string(u->display_name) : NULL);
	json_object_object_add(o, "role", json_object_new_string(u->role));
	json_object_object_add(o, "status", json_object_new_string(u->status));
	return o;
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
 * Copies user id's token_version to Redis after a COMMIT that bumped it.
 * When that fails, the host's "lost" generation moves, so every worker of
 * this host bumps the cache epoch before it trusts its memory again.
 */
static void
user_gen_publish(struct app *app, struct arena *a, uint64_t id)
{
	struct db_param		p[1] = { DB_INT((long long)id) };
	struct db_result	r;
	char			key[48];

	svc_user_gen_key(key, sizeof(key), id);
	if (db_query(app->db, a, &db_sql_user_gen, p, 1, &r) != HF_OK ||
	    r.nrows != 1 || cache_gen_raise(app->cache, key,
	    DB_CELL(&r, 0, 0), USER_GEN_TTL, 1) != HF_OK)
		metrics_cache_lost_bump();
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
	struct db_result	 r;
	struct arena		 a;
	const char		*epoch;
	char			 want[48], key[48];
	int			 rc, role, active;

	if (gen != NULL && gen[0] != '\0' && gen[0] != '-' && m->id == id &&
	    strcmp(m->gen, gen) == 0 && hf_now_ms() - m->at_ms < USER_MEMO_MS) {
		if (!m->active)
			return HF_E_AUTH_NOT_ACTIVE;
		user_principal(who, id, m->role);
		return HF_OK;
	}
	arena_init(&a, 0);
	if ((rc = db_ensure(app->db)) == HF_OK)
		rc = db_query(app->db, &a, &db_sql_user_auth, p, 1, &r);
	if (rc != HF_OK) {
		arena_free(&a);
		return HF_E_SYS_UNAVAILABLE;
	}
	if (r.nrows == 0 ||
	    (role = hf_role_parse(DB_CELL(&r, 0, 0))) <= ROLE_GUEST) {
		arena_free(&a);
		return HF_E_AUTH_INVALID;
	}
	active = strcmp(DB_CELL(&r, 0, 1), "active") == 0;
	if (gen != NULL && gen[0] != '\0') {
		epoch = strchr(gen, ':');
		snprintf(want, sizeof(want), "%s:%s", DB_CELL(&r, 0, 2),
		    epoch != NULL ? epoch + 1 : "0");
		if (strcmp(want, gen) != 0) {
			/* Redis had no copy, or an older one */
			svc_user_gen_key(key, sizeof(key), id);
			cache_gen_raise(app->cache, key, DB_CELL(&r, 0, 2),
			    USER_GEN_TTL, 0);
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

/* --- codes ------------------------------------------------------------ */

static void
code_key(char *out, size_t len, const char *purpose, const char *email)
{
	char	h[HF_SHA256_HEX];

	hf_sha256_hex(h, email, strlen(email));
	snprintf(out, len, "hf:code:%s:%s", purpose, h);
}

/* HMAC of purpose, e-mail and code with the server's secret. */
static void
code_hash(struct app *app, char out[HF_SHA256_HEX], const char *purpose,
    const char *email, const char *code)
{
	unsigned char	mac[32];
	char		msg[400];
	int		n;

	n = snprintf(msg, sizeof(msg), "%s:%s:%s", purpose, email, code);
	hf_hmac_sha256(mac, app->cfg.jwt_secret, strlen(app->cfg.jwt_secret),
	    msg, (size_t)n);
	hf_hex(out, mac, sizeof(mac));
}

/* Makes a uniform 6-digit code and keeps its hash in Redis. */
static int
code_new(struct app *app, const char *purpose, const char *email,
    char code[7])
{
	uint32_t	v;
	char		key[160], h[HF_SHA256_HEX];

	do {
		if (hf_random(&v, sizeof(v)) != 0)
			return HF_E_SYS_INTERNAL;
	} while (v >= 4294000000u);	/* a multiple of 10^6: no bias */
	snprintf(code, 7, "%06u", v % 1000000u);
	code_key(key, sizeof(key), purpose, email);
	code_hash(app, h, purpose, email, code);
	return cache_code_put(app->cache, key, h, CODE_TTL);
}

static int
code_check(struct app *app, const char *purpose, const char *email,
    const char *code)
{
	char	key[160], h[HF_SHA256_HEX];
	int	rc, v;

	code_key(key, sizeof(key), purpose, email);
	code_hash(app, h, purpose, email, code);
	v = cache_code_check(app->cache, key, h, CODE_TRIES, &rc);
	if (rc != HF_OK)
		return rc;
	return v == 1 ? HF_OK : HF_E_AUTH_CODE;
}

static int
rate_auth(struct svc_ctx *ctx, const char *what, const char *email, int max)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	char			 key[320];
	int			 retry = 0, rc;

	snprintf(key, sizeof(key), "%s:ip:%s", what, ctx->ip);
	rc = svc_rate(ctx->app, RATE_AUTH, key, what[0] == 'l' ?
	    cfg->rate_login_ip_max : cfg->rate_signup_max,
	    cfg->rate_auth_window, &retry);
	if (rc == HF_OK && email != NULL) {
		snprintf(key, sizeof(key), "%s:e:%s", what, email);
		rc = svc_rate(ctx->app, RATE_AUTH, key, max,
		    cfg->rate_auth_window, &retry);
	}
	if (rc != HF_OK)
		ctx->retry_after = retry;
	return rc;
}

/* --- e-mail through the outbox ------------------------------------- */

struct mail_txn {
	struct svc_ctx	*ctx;
	const char	*event;
	const char	*to;
	const char	*subject;
	const char	*body;
	uint64_t	 outbox_id;
};

static int
mail_queue(struct db *db, struct mail_txn *m)
{
	return outbox_email(db, m->event, m->to, m->subject, m->body,
	    &m->outbox_id);
}

static char *
code_mail(struct arena *a, const char *what, const char *code)
{
	return arena_printf(a, "Hello,\r\n\r\nYour Holdfast %s code: %s\r\n\r\n"
	    "It is valid for 10 minutes. If you did not ask for it, ignore "
	    "this message.\r\n", what, code);
}

/* --- register, verify, resend -------------------------------------- */

struct register_txn {
	struct svc_ctx	*ctx;
	const char	*email;
	const char	*hash;
	const char	*role;
	const char	*status;
	const char	*display_name;
	struct user	*user;
	struct mail_txn	 mail;		/* subject NULL: no mail */
};

static int
register_fn(struct db *db, void *arg)
{
	struct register_txn	*t = arg;
	struct db_param		 p[] = { DB_STR(t->email), DB_STR(t->hash),
	    DB_STR(t->role), DB_STR(t->status), t->display_name != NULL ?
	    DB_STR(t->display_name) : DB_NULL };
	uint64_t		 id = 0;
	int			 rc;

	rc = db_exec(db, &db_sql_user_insert, p, 5, NULL, &id);
	if (rc == HF_E_DUPLICATE)
		return HF_E_AUTH_EMAIL_TAKEN;
	if (rc != HF_OK)
		return rc;
	if ((rc = user_by_id(db, t->ctx->arena, id, t->user)) != HF_OK)
		return rc;
	if ((rc = svc_audit(db, t->ctx, t->ctx->who->role == ROLE_ADMIN ?
	    "user.create" : "user.register", "user", id, NULL,
	    user_json(t->user))) != HF_OK)
		return rc;
	if (t->mail.subject != NULL)
		return mail_queue(db, &t->mail);
	return HF_OK;
}

static int
check_password(struct svc_ctx *ctx, const char *pw)
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

static int
create_user(struct svc_ctx *ctx, const char *email, const char *pw,
    const char *role, const char *status, const char *name,
    struct user *u, int send_code)
{
	struct register_txn	t;
	char			hash[HF_PASSWORD_HASH_MAX], code[7];
	int			rc;

	if ((rc = check_password(ctx, pw)) != HF_OK)
		return rc;
	if (password_hash(pw, hash) != 0)
		return HF_E_SYS_INTERNAL;
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.email = email;
	t.hash = hash;
	t.role = role;
	t.status = status;
	t.display_name = name;
	t.user = u;
	if (send_code) {
		/* the code first: without Redis there is nothing to verify */
		if ((rc = code_new(ctx->app, "verify", email, code)) != HF_OK)
			return rc;
		t.mail.ctx = ctx;
		t.mail.event = "auth.verify";
		t.mail.to = email;
		t.mail.subject = "Your Holdfast verification code";
		t.mail.body = code_mail(ctx->arena, "verification", code);
	}
	if ((rc = db_txn(ctx->app->db, register_fn, &t)) != HF_OK)
		return rc;
	if (t.mail.outbox_id != 0)
		outbox_deliver_now(ctx->app, t.mail.outbox_id);
	return HF_OK;
}

int
svc_register(struct svc_ctx *ctx, const char *email, const char *pw,
    const char *display_name, struct user *u)
{
	int	rc;

	if ((rc = rate_auth(ctx, "signup", email,
	    ctx->app->cfg.rate_signup_max)) != HF_OK)
		return rc;
	return create_user(ctx, email, pw, "user", "pending", display_name, u,
	    1);
}

int
svc_user_create(struct svc_ctx *ctx, const char *email, const char *pw,
    const char *role, const char *display_name, struct user *u)
{
	return create_user(ctx, email, pw, role, "active", display_name, u, 0);
}

struct activate_txn {
	struct svc_ctx	*ctx;
	const char	*email;
	struct user	*user;
};

static int
activate_fn(struct db *db, void *arg)
{
	struct activate_txn	*t = arg;
	struct db_param		 p[1];
	json_object		*old;
	int			 rc;

	if ((rc = user_by_email(db, t->ctx->arena, t->email, t->user, NULL))
	    != HF_OK)
		return rc == HF_E_NOT_FOUND ? HF_E_AUTH_CODE : rc;
	old = user_json(t->user);
	p[0] = DB_INT((long long)t->user->id);
	if ((rc = db_exec(db, &db_sql_user_activate, p, 1, NULL, NULL)) !=
	    HF_OK ||
	    (rc = user_by_id(db, t->ctx->arena, t->user->id, t->user)) !=
	    HF_OK) {
		json_object_put(old);
		return rc;
	}
	return svc_audit(db, t->ctx, "user.verify", "user", t->user->id, old,
	    user_json(t->user));
}

int
svc_verify(struct svc_ctx *ctx, const char *email, const char *code,
    struct user *u)
{
	struct activate_txn	t = { ctx, email, u };
	int			rc;

	if ((rc = rate_auth(ctx, "verify", email,
	    ctx->app->cfg.rate_signup_max)) != HF_OK)
		return rc;
	if ((rc = code_check(ctx->app, "verify", email, code)) != HF_OK)
		return rc;
	if ((rc = db_txn(ctx->app->db, activate_fn, &t)) != HF_OK)
		return rc;
	user_gen_publish(ctx->app, ctx->arena, u->id);
	return HF_OK;
}

static int
mail_fn(struct db *db, void *arg)
{
	return mail_queue(db, arg);
}

/* Sends a code to an account in the wanted state; silent otherwise. */
static int
send_code_if(struct svc_ctx *ctx, const char *email, const char *status,
    const char *purpose, const char *what, const char *subject)
{
	struct mail_txn	 m;
	struct user	 u;
	char		 code[7];
	int		 rc;

	rc = user_by_email(ctx->app->db, ctx->arena, email, &u, NULL);
	if (rc == HF_E_NOT_FOUND || (rc == HF_OK &&
	    strcmp(u.status, status) != 0))
		return HF_OK;	/* never reveal whether the e-mail exists */
	if (rc != HF_OK)
		return rc;
	if ((rc = code_new(ctx->app, purpose, email, code)) != HF_OK)
		return rc;
	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	m.event = purpose[0] == 'v' ? "auth.verify" : "auth.reset";
	m.to = email;
	m.subject = subject;
	m.body = code_mail(ctx->arena, what, code);
	if ((rc = db_txn(ctx->app->db, mail_fn, &m)) != HF_OK)
		return rc;
	outbox_deliver_now(ctx->app, m.outbox_id);
	return HF_OK;
}

int
svc_resend(struct svc_ctx *ctx, const char *email)
{
	int	rc;

	if ((rc = rate_auth(ctx, "resend", email,
	    ctx->app->cfg.rate_signup_max)) != HF_OK)
		return rc;
	return send_code_if(ctx, email, "pending", "verify", "verification",
	    "Your Holdfast verification code");
}

int
svc_forgot(struct svc_ctx *ctx, const char *email)
{
	int	rc;

	if ((rc = rate_auth(ctx, "forgot", email,
	    ctx->app->cfg.rate_signup_max)) != HF_OK)
		return rc;
	return send_code_if(ctx, email, "active", "reset", "password reset",
	    "Your Holdfast password reset code");
}

struct reset_txn {
	struct svc_ctx	*ctx;
	const char	*email;
	const char	*hash;
	uint64_t	 id;
};

static int
reset_fn(struct db *db, void *arg)
{
	struct reset_txn	*t = arg;
	struct user		 u;
	struct db_param		 p[2];
	int			 rc;

	if ((rc = user_by_email(db, t->ctx->arena, t->email, &u, NULL)) !=
	    HF_OK)
		return rc == HF_E_NOT_FOUND ? HF_E_AUTH_CODE : rc;
	t->id = u.id;
	p[0] = DB_STR(t->hash);
	p[1] = DB_INT((long long)u.id);
	if ((rc = db_exec(db, &db_sql_user_set_password, p, 2, NULL, NULL)) !=
	    HF_OK)
		return rc;
	if ((rc = db_exec(db, &db_sql_refresh_revoke_user, &p[1], 1, NULL,
	    NULL)) != HF_OK)
		return rc;
	return svc_audit(db, t->ctx, "user.password_reset", "user", u.id,
	    NULL, NULL);
}

int
svc_reset(struct svc_ctx *ctx, const char *email, const char *code,
    const char *pw)
{
	struct reset_txn	t = { ctx, email, NULL, 0 };
	char			hash[HF_PASSWORD_HASH_MAX];
	int			rc;

	if ((rc = rate_auth(ctx, "reset", email,
	    ctx->app->cfg.rate_signup_max)) != HF_OK)
		return rc;
	if ((rc = check_password(ctx, pw)) != HF_OK)
		return rc;
	if ((rc = code_check(ctx->app, "reset", email, code)) != HF_OK)
		return rc;
	if (password_hash(pw, hash) != 0)
		return HF_E_SYS_INTERNAL;
	t.hash = hash;
	if ((rc = db_txn(ctx->app->db, reset_fn, &t)) != HF_OK)
		return rc;
	user_gen_publish(ctx->app, ctx->arena, t.id);
	return HF_OK;
}

/* --- tokens ------------------------------------------------------------ */

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
		log_error(t->ctx->request_id, "jwt_secret is not set: no tokens");
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
	const char		*hash = NULL;
	int			 rc, ok, retry;

	if ((rc = login_gate(ctx, email, &k)) != HF_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	rc = user_by_email(ctx->app->db, ctx->arena, email, &out->user, &hash);
	if (rc != HF_OK && rc != HF_E_NOT_FOUND)
		return rc;
	ok = password_verify(pw, rc == HF_OK ? hash : dummy_hash);
	if (rc != HF_OK || !ok) {
		login_failed(ctx, &k);
		return HF_E_AUTH_CREDENTIALS;
	}
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

enum { RT_ID, RT_USER, RT_FAMILY, RT_EXPIRED, RT_USED, RT_REVOKED };

static int
refresh_fn(struct db *db, void *arg)
{
	struct token_txn	*t = arg;
	struct db_param		 p[1] = { DB_STR(t->old_hash) };
	struct db_result	 r;
	long long		 id, uid;
	int			 rc;

	t->reused = 0;
	if ((rc = db_query(db, t->ctx->arena, &db_sql_refresh_lock, p, 1,
	    &r)) != HF_OK)
		return rc;
	if (r.nrows == 0 || strcmp(DB_CELL(&r, 0, RT_REVOKED), "1") == 0)
		return HF_E_AUTH_INVALID;
	snprintf(t->family, sizeof(t->family), "%s", DB_CELL(&r, 0, RT_FAMILY));
	if (strcmp(DB_CELL(&r, 0, RT_USED), "1") == 0) {
		/* reuse of a spent token: the family is stolen, end it all */
		p[0] = DB_STR(t->family);
		t->reused = 1;
		return db_exec(db, &db_sql_refresh_revoke_family, p, 1, NULL,
		    NULL);
	}
	if (strcmp(DB_CELL(&r, 0, RT_EXPIRED), "1") == 0)
		return HF_E_AUTH_EXPIRED;
	hf_parse_ll(DB_CELL(&r, 0, RT_ID), 1, INT64_MAX, &id);
	hf_parse_ll(DB_CELL(&r, 0, RT_USER), 1, INT64_MAX, &uid);
	if ((rc = user_by_id(db, t->ctx->arena, (uint64_t)uid, &t->out->user))
	    != HF_OK)
		return rc == HF_E_NOT_FOUND ? HF_E_AUTH_INVALID : rc;
	if (strcmp(t->out->user.status, "active") != 0)
		return HF_E_AUTH_NOT_ACTIVE;
	p[0] = DB_INT(id);
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
	struct db_result	 r;
	int			 rc;

	if ((rc = db_query(db, t->ctx->arena, &db_sql_refresh_lock, p, 1,
	    &r)) != HF_OK || r.nrows == 0)
		return rc;
	p[0] = DB_STR(DB_CELL(&r, 0, RT_FAMILY));
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

/* --- the signed-in user and admin user management ------------------- */

int
svc_user_get(struct svc_ctx *ctx, uint64_t id, struct user *u)
{
	int	rc = user_by_id(ctx->app->db, ctx->arena, id, u);

	return rc == HF_E_NOT_FOUND ? HF_E_NOT_FOUND : rc;
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
	json_object		*old;
	int			 rc;

	if ((rc = user_by_id(db, t->ctx->arena, t->id, t->user)) != HF_OK)
		return rc;
	old = user_json(t->user);
	if (t->admin) {
		p[0] = t->a != NULL ? DB_STR(t->a) : DB_NULL;
		p[1] = t->b != NULL ? DB_STR(t->b) : DB_NULL;
		p[2] = DB_INT((long long)t->id);
		rc = db_exec(db, &db_sql_user_set_role_status, p, 3, NULL,
		    NULL);
		if (rc == HF_OK && t->b != NULL &&
		    strcmp(t->b, "disabled") == 0)
			rc = db_exec(db, &db_sql_refresh_revoke_user, &p[2], 1,
			    NULL, NULL);
	} else {
		p[0] = DB_INT(t->set_a);
		p[1] = t->a != NULL ? DB_STR(t->a) : DB_NULL;
		p[2] = DB_INT(t->set_b);
		p[3] = t->b != NULL ? DB_STR(t->b) : DB_NULL;
		p[4] = DB_INT((long long)t->id);
		rc = db_exec(db, &db_sql_user_set_profile, p, 5, NULL, NULL);
	}
	if (rc == HF_OK)
		rc = user_by_id(db, t->ctx->arena, t->id, t->user);
	if (rc != HF_OK) {
		json_object_put(old);
		return rc;
	}
	return svc_audit(db, t->ctx, t->admin ? "user.update" : "me.update",
	    "user", t->id, old, user_json(t->user));
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
	user_gen_publish(ctx->app, ctx->arena, id);
	return HF_OK;
}

int
svc_users_list(struct svc_ctx *ctx, const struct user_filter *f,
    struct user_list *out)
{
	struct db_param		 p[9];
	struct db_result	 r;
	size_t			 i;
	int			 rc;

	p[0] = f->role != NULL ? DB_STR(f->role) : DB_NULL;
	p[1] = p[0];
	p[2] = f->status != NULL ? DB_STR(f->status) : DB_NULL;
	p[3] = p[2];
	p[4] = f->q != NULL ? DB_STR(f->q) : DB_NULL;
	p[5] = p[4];
	p[6] = p[4];
	p[7] = DB_INT(f->per_page);
	p[8] = DB_INT((f->page - 1) * f->per_page);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_users_count, p,
	    7, &r)) != HF_OK)
		return rc;
	hf_parse_ll(DB_CELL(&r, 0, 0), 0, INT64_MAX, &out->total);
	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_users_list, p, 9,
	    &r)) != HF_OK)
		return rc;
	out->n = r.nrows;
	if ((out->items = arena_calloc(ctx->arena, r.nrows + 1,
	    sizeof(*out->items))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++)
		user_from_row(&r, i, &out->items[i]);
	return HF_OK;
}

/* --- API keys ---------------------------------------------------------- */

/*
 * What this worker remembers of API keys: an entry is used only while the
 * generation Redis answered for this request (bumped on every revocation,
 * and with the cache epoch after an outage) is the one it was stored
 * under, and for KEY_MEMO_MS at most. Without Redis every request asks
 * the database.
 */
#define KEY_MEMO_SLOTS	64
#define KEY_MEMO_MS	5000

struct key_memo {
	char		 hash[HF_SHA256_HEX];
	char		 gen[48];
	uint64_t	 id;
	enum hf_role	 role;
	int64_t		 at_ms;
};

static struct key_memo	key_memo[KEY_MEMO_SLOTS];

static void
key_principal(struct principal *who, uint64_t id, enum hf_role role)
{
	who->role = role;
	who->key_id = id;
	who->user_id = 0;
	snprintf(who->actor, sizeof(who->actor), "key:%llu",
	    (unsigned long long)id);
}

int
svc_auth_key(struct app *app, const char *key, const char *hash,
    const char *gen, struct principal *who)
{
	struct key_memo		*m;
	struct arena		 a;
	struct db_result	 r;
	struct db_param		 p[1];
	long long		 id = 0;
	int			 rc, role;

	if (strlen(key) != strlen(KEY_PREFIX) + 64)
		return HF_E_AUTH_INVALID;
	m = &key_memo[((unsigned)(unsigned char)hash[0] << 8 |
	    (unsigned char)hash[1]) % KEY_MEMO_SLOTS];
	if (gen != NULL && gen[0] != '\0' && strcmp(m->hash, hash) == 0 &&
	    strcmp(m->gen, gen) == 0 && hf_now_ms() - m->at_ms < KEY_MEMO_MS) {
		key_principal(who, m->id, m->role);
		return HF_OK;
	}
	p[0] = DB_STR(hash);
	arena_init(&a, 0);
	if ((rc = db_ensure(app->db)) == HF_OK)
		rc = db_query(app->db, &a, &db_sql_key_auth, p, 1, &r);
	if (rc == HF_OK && r.nrows == 0)
		rc = HF_E_AUTH_INVALID;
	if (rc == HF_OK) {
		hf_parse_ll(DB_CELL(&r, 0, 0), 1, INT64_MAX, &id);
		role = hf_role_parse(DB_CELL(&r, 0, 1));
		if (role <= ROLE_GUEST)
			rc = HF_E_AUTH_INVALID;
		else {
			key_principal(who, (uint64_t)id, (enum hf_role)role);
			if (gen != NULL && gen[0] != '\0') {
				snprintf(m->hash, sizeof(m->hash), "%s", hash);
				snprintf(m->gen, sizeof(m->gen), "%s", gen);
				m->id = (uint64_t)id;
				m->role = (enum hf_role)role;
				m->at_ms = hf_now_ms();
			}
		}
	}
	arena_free(&a);
	if (rc != HF_OK && rc != HF_E_AUTH_INVALID)
		return HF_E_SYS_UNAVAILABLE;
	return rc;
}

enum { K_ID, K_NAME, K_ROLE, K_PREFIX, K_CREATED, K_REVOKED, K_USED };

static void
key_from_row(const struct db_result *r, size_t row, struct api_key *k)
{
	long long	id = 0;

	hf_parse_ll(DB_CELL(r, row, K_ID), 1, INT64_MAX, &id);
	k->id = (uint64_t)id;
	k->name = DB_CELL(r, row, K_NAME);
	k->role = DB_CELL(r, row, K_ROLE);
	k->prefix = DB_CELL(r, row, K_PREFIX);
	k->created_at = DB_CELL(r, row, K_CREATED);
	k->revoked_at = DB_CELL(r, row, K_REVOKED);
	k->last_used_at = DB_CELL(r, row, K_USED);
}

static json_object *
key_json(const struct api_key *k)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64((int64_t)k->id));
	json_object_object_add(o, "name", json_object_new_string(k->name));
	json_object_object_add(o, "role", json_object_new_string(k->role));
	json_object_object_add(o, "prefix", json_object_new_string(k->prefix));
	return o;
}

struct key_txn {
	struct svc_ctx	*ctx;
	const char	*name, *role;
	const char	*hash;
	uint64_t	 id;
	struct api_key	*key;
	int		 revoked;
};

static int
key_create_fn(struct db *db, void *arg)
{
	struct key_txn		*t = arg;
	struct db_param		 p[5];
	struct db_result	 r;
	char			 prefix[13];
	uint64_t		 id = 0;
	int			 rc;

	memcpy(prefix, t->key->key, sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	p[0] = DB_STR(t->name);
	p[1] = DB_STR(t->role);
	p[2] = DB_STR(prefix);
	p[3] = DB_STR(t->hash);
	p[4] = t->ctx->who->user_id != 0 ?
	    DB_INT((long long)t->ctx->who->user_id) : DB_NULL;
	if ((rc = db_exec(db, &db_sql_key_insert, p, 5, NULL, &id)) != HF_OK)
		return rc;
	p[0] = DB_INT((long long)id);
	if ((rc = db_query(db, t->ctx->arena, &db_sql_key_by_id, p, 1, &r)) !=
	    HF_OK)
		return rc;
	if (r.nrows != 1)
		return HF_E_DB;
	key_from_row(&r, 0, t->key);
	return svc_audit(db, t->ctx, "api_key.create", "api_key", id, NULL,
	    key_json(t->key));
}

int
svc_key_create(struct svc_ctx *ctx, const char *name, const char *role,
    struct api_key *k)
{
	struct key_txn	t;
	char		raw[65], hash[HF_SHA256_HEX];

	memset(k, 0, sizeof(*k));
	if (hf_random_hex(raw, 32) != 0)
		return HF_E_SYS_INTERNAL;
	snprintf(k->key, sizeof(k->key), KEY_PREFIX "%s", raw);
	hf_sha256_hex(hash, k->key, strlen(k->key));
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.name = name;
	t.role = role;
	t.hash = hash;
	t.key = k;
	return db_txn(ctx->app->db, key_create_fn, &t);
}

int
svc_keys_list(struct svc_ctx *ctx, struct api_key **out, size_t *n)
{
	struct db_result	r;
	size_t			i;
	int			rc;

	if ((rc = db_query(ctx->app->db, ctx->arena, &db_sql_keys_list, NULL,
	    0, &r)) != HF_OK)
		return rc;
	if ((*out = arena_calloc(ctx->arena, r.nrows + 1, sizeof(**out))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < r.nrows; i++)
		key_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	return HF_OK;
}

static int
key_revoke_fn(struct db *db, void *arg)
{
	struct key_txn		*t = arg;
	struct db_param		 p[1] = { DB_INT((long long)t->id) };
	struct db_result	 r;
	struct api_key		 k;
	uint64_t		 n = 0;
	int			 rc;

	if ((rc = db_query(db, t->ctx->arena, &db_sql_key_by_id, p, 1, &r)) !=
	    HF_OK)
		return rc;
	if (r.nrows == 0)
		return HF_E_NOT_FOUND;
	key_from_row(&r, 0, &k);
	if ((rc = db_exec(db, &db_sql_key_revoke, p, 1, &n, NULL)) != HF_OK)
		return rc;
	if (n == 0)
		return HF_OK;	/* already revoked: nothing changed */
	return svc_audit(db, t->ctx, "api_key.revoke", "api_key", t->id,
	    key_json(&k), NULL);
}

int
svc_key_revoke(struct svc_ctx *ctx, uint64_t id)
{
	static const char *const	gen[] = { "hf:keygen" };
	struct key_txn			t;
	int				rc;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.id = id;
	if ((rc = db_txn(ctx->app->db, key_revoke_fn, &t)) != HF_OK)
		return rc;
	/* every worker's memory of keys is stale from here on */
	cache_bump(ctx->app->cache, gen, 1);
	return HF_OK;
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
