/*
 * register.c: sign-up and the e-mailed codes: register, verify, resend,
 * forgot and reset. Codes live hashed in Redis (10 minutes, 5 tries);
 * every e-mail is written to the outbox in the transaction that caused it
 * and sent right after COMMIT. Each route is rate limited per client IP
 * and per address.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/outbox.h"
#include "holdfast/svc.h"
#include "acct_int.h"

#define CODE_TTL	600
#define CODE_TRIES	5

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

/*
 * Every route here is limited per client IP and per address, both to
 * rate_signup_max in rate_auth_window (login has its own gate: tokens.c).
 */
static int
rate_auth(struct svc_ctx *ctx, const char *what, const char *email)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	char			 key[320];
	int			 retry = 0, rc;

	snprintf(key, sizeof(key), "%s:ip:%s", what, ctx->ip);
	rc = svc_rate(ctx->app, RATE_AUTH, key, cfg->rate_signup_max,
	    cfg->rate_auth_window, &retry);
	if (rc == HF_OK) {
		snprintf(key, sizeof(key), "%s:e:%s", what, email);
		rc = svc_rate(ctx->app, RATE_AUTH, key, cfg->rate_signup_max,
		    cfg->rate_auth_window, &retry);
	}
	if (rc != HF_OK)
		ctx->retry_after = retry;
	return rc;
}

/* The mail that carries a code (what: "verification", ...). */
static void
code_mail(struct svc_ctx *ctx, struct acct_mail *m, const char *event,
    const char *to, const char *subject, const char *what, const char *code)
{
	memset(m, 0, sizeof(*m));
	m->event = event;
	m->to = to;
	m->subject = subject;
	m->body = arena_printf(ctx->arena, "Hello,\r\n\r\nYour Holdfast %s "
	    "code: %s\r\n\r\nIt is valid for 10 minutes. If you did not ask "
	    "for it, ignore this message.\r\n", what, code);
}

/* --- register, verify, resend -------------------------------------- */

int
svc_register(struct svc_ctx *ctx, const char *email, const char *pw,
    const char *display_name, struct user *u)
{
	struct acct_new	nu;
	char		code[7];
	int		rc;

	if ((rc = rate_auth(ctx, "signup", email)) != HF_OK)
		return rc;
	if ((rc = acct_check_password(ctx, pw)) != HF_OK)
		return rc;
	memset(&nu, 0, sizeof(nu));
	nu.email = email;
	nu.password = pw;
	nu.role = "user";
	nu.status = "pending";
	nu.display_name = display_name;
	/* the code first: without Redis there is nothing to verify */
	if ((rc = code_new(ctx->app, "verify", email, code)) != HF_OK)
		return rc;
	code_mail(ctx, &nu.mail, "auth.verify", email,
	    "Your Holdfast verification code", "verification", code);
	return acct_user_create(ctx, &nu, u);
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
	const char		*old, *nv;
	int			 rc;

	if ((rc = acct_user_by_email(db, t->ctx->arena, t->email, t->user))
	    != HF_OK)
		return rc == HF_E_NOT_FOUND ? HF_E_AUTH_CODE : rc;
	if ((old = acct_user_audit_text(t->ctx->arena, t->user)) == NULL)
		return HF_E_SYS_INTERNAL;
	p[0] = DB_INT((long long)t->user->id);
	if ((rc = db_exec(db, &db_sql_user_activate, p, 1, NULL, NULL)) !=
	    HF_OK ||
	    (rc = acct_user_by_id(db, t->ctx->arena, t->user->id, t->user)) !=
	    HF_OK)
		return rc;
	if ((nv = acct_user_audit_text(t->ctx->arena, t->user)) == NULL)
		return HF_E_SYS_INTERNAL;
	return svc_audit_text(db, t->ctx, "user.verify", "user", t->user->id,
	    old, nv);
}

int
svc_verify(struct svc_ctx *ctx, const char *email, const char *code,
    struct user *u)
{
	struct activate_txn	t = { ctx, email, u };
	int			rc;

	if ((rc = rate_auth(ctx, "verify", email)) != HF_OK)
		return rc;
	if ((rc = code_check(ctx->app, "verify", email, code)) != HF_OK)
		return rc;
	if ((rc = db_txn(ctx->app->db, activate_fn, &t)) != HF_OK)
		return rc;
	acct_gen_publish(ctx->app, ctx->arena, u->id);
	return HF_OK;
}

static int
mail_fn(struct db *db, void *arg)
{
	struct acct_mail	*m = arg;

	return outbox_email(db, m->event, m->to, m->subject, m->body,
	    &m->outbox_id);
}

/* Sends a code to an account in the wanted state; silent otherwise. */
static int
send_code_if(struct svc_ctx *ctx, const char *email, const char *status,
    const char *purpose, const char *what, const char *subject)
{
	struct acct_mail	 m;
	struct user		 u;
	char			 code[7];
	int			 rc;

	rc = acct_user_by_email(ctx->app->db, ctx->arena, email, &u);
	if (rc == HF_E_NOT_FOUND || (rc == HF_OK &&
	    strcmp(u.status, status) != 0))
		return HF_OK;	/* never reveal whether the e-mail exists */
	if (rc != HF_OK)
		return rc;
	if ((rc = code_new(ctx->app, purpose, email, code)) != HF_OK)
		return rc;
	code_mail(ctx, &m, purpose[0] == 'v' ? "auth.verify" : "auth.reset",
	    email, subject, what, code);
	if ((rc = db_txn(ctx->app->db, mail_fn, &m)) != HF_OK)
		return rc;
	outbox_deliver_now(ctx->app, m.outbox_id);
	return HF_OK;
}

int
svc_resend(struct svc_ctx *ctx, const char *email)
{
	int	rc;

	if ((rc = rate_auth(ctx, "resend", email)) != HF_OK)
		return rc;
	return send_code_if(ctx, email, "pending", "verify", "verification",
	    "Your Holdfast verification code");
}

/* --- forgot, reset ----------------------------------------------------- */

int
svc_forgot(struct svc_ctx *ctx, const char *email)
{
	int	rc;

	if ((rc = rate_auth(ctx, "forgot", email)) != HF_OK)
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

	if ((rc = acct_user_by_email(db, t->ctx->arena, t->email, &u)) !=
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
	return svc_audit_text(db, t->ctx, "user.password_reset", "user", u.id,
	    NULL, NULL);
}

int
svc_reset(struct svc_ctx *ctx, const char *email, const char *code,
    const char *pw)
{
	struct reset_txn	t = { ctx, email, NULL, 0 };
	char			hash[HF_PASSWORD_HASH_MAX];
	int			rc;

	if ((rc = rate_auth(ctx, "reset", email)) != HF_OK)
		return rc;
	if ((rc = acct_check_password(ctx, pw)) != HF_OK)
		return rc;
	if ((rc = code_check(ctx->app, "reset", email, code)) != HF_OK)
		return rc;
	if (password_hash(pw, hash) != 0)
		return HF_E_SYS_INTERNAL;
	t.hash = hash;
	if ((rc = db_txn(ctx->app->db, reset_fn, &t)) != HF_OK)
		return rc;
	acct_gen_publish(ctx->app, ctx->arena, t.id);
	return HF_OK;
}
