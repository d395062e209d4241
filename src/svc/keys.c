/*
 * keys.c: API keys for order systems: create (the key is shown once; only
 * its SHA-256 is kept), list, revoke, and the check of a presented key
 * (svc_auth_key), which the http guard calls through struct http_hooks.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "holdfast/hoststate.h"

#define KEY_PREFIX	"hfk_"

/* A key in the audit log: never the key or its hash. */
static const struct hf_field key_audit_fields[] = {
	HF_FIELD(struct api_key, id, HF_K_U64),
	HF_FIELD(struct api_key, name, HF_K_STR),
	HF_FIELD(struct api_key, role, HF_K_STR),
	HF_FIELD(struct api_key, prefix, HF_K_STR),
};

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

/*
 * Fills who for a presented key (hash: its SHA-256 in hex). Returns HF_OK,
 * HF_E_AUTH_INVALID for no live key, HF_E_SYS_UNAVAILABLE when the
 * database must be read and cannot be.
 */
int
svc_auth_key(struct app *app, const char *key, const char *hash,
    const char *gen, struct principal *who)
{
	struct key_memo		*m;
	struct key_auth_row	 r;
	struct arena		 a;
	struct db_param		 p[1];
	int			 rc, role, found = 0;

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
		rc = db_row(app->db, &a, &db_sql_key_auth, p, 1, &r, &found);
	if (rc == HF_OK && !found)
		rc = HF_E_AUTH_INVALID;
	if (rc == HF_OK) {
		role = hf_role_parse(r.role);
		if (role <= ROLE_GUEST)
			rc = HF_E_AUTH_INVALID;
		else {
			key_principal(who, r.id, (enum hf_role)role);
			if (gen != NULL && gen[0] != '\0') {
				snprintf(m->hash, sizeof(m->hash), "%s", hash);
				snprintf(m->gen, sizeof(m->gen), "%s", gen);
				m->id = r.id;
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

static int
key_audit(struct db *db, struct svc_ctx *ctx, const char *action,
    const struct api_key *old, const struct api_key *k)
{
	const char	*ov = NULL, *nv = NULL;

	if ((old != NULL && (ov = hf_fields_text(ctx->arena,
	    key_audit_fields, HF_NITEMS(key_audit_fields), old)) == NULL) ||
	    (k != NULL && (nv = hf_fields_text(ctx->arena, key_audit_fields,
	    HF_NITEMS(key_audit_fields), k)) == NULL))
		return HF_E_SYS_INTERNAL;
	return svc_audit_text(db, ctx, action, "api_key",
	    (old != NULL ? old : k)->id, ov, nv);
}

struct key_txn {
	struct svc_ctx	*ctx;
	const char	*name, *role;
	const char	*secret;	/* the key itself */
	const char	*hash;
	uint64_t	 id;
	struct api_key	*key;
};

static int
key_create_fn(struct db *db, void *arg)
{
	struct key_txn	*t = arg;
	struct db_param	 p[5];
	char		 prefix[13];
	uint64_t	 id = 0;
	int		 rc, found;

	memcpy(prefix, t->secret, sizeof(prefix) - 1);
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
	rc = db_row(db, t->ctx->arena, &db_sql_key_by_id, p, 1, t->key,
	    &found);
	t->key->key = t->secret;	/* not a column: db_row zeroed it */
	if (rc != HF_OK)
		return rc;
	if (!found)
		return HF_E_DB;
	return key_audit(db, t->ctx, "api_key.create", NULL, t->key);
}

/* k->key is the key itself, in the arena: this reply is its only showing. */
int
svc_key_create(struct svc_ctx *ctx, const char *name, const char *role,
    struct api_key *k)
{
	struct key_txn	t;
	char		raw[65], hash[HF_SHA256_HEX];

	memset(k, 0, sizeof(*k));
	memset(&t, 0, sizeof(t));
	if (hf_random_hex(raw, 32) != 0)
		return HF_E_SYS_INTERNAL;
	if ((t.secret = arena_printf(ctx->arena, KEY_PREFIX "%s", raw)) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	hf_sha256_hex(hash, t.secret, strlen(t.secret));
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
	return db_rows(ctx->app->db, ctx->arena, &db_sql_keys_list, NULL, 0,
	    out, n);
}

static int
key_revoke_fn(struct db *db, void *arg)
{
	struct key_txn	*t = arg;
	struct db_param	 p[1] = { DB_INT((long long)t->id) };
	struct api_key	 k;
	uint64_t	 n = 0;
	int		 rc, found;

	if ((rc = db_row(db, t->ctx->arena, &db_sql_key_by_id, p, 1, &k,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_NOT_FOUND;
	if ((rc = db_exec(db, &db_sql_key_revoke, p, 1, &n, NULL)) != HF_OK)
		return rc;
	if (n == 0)
		return HF_OK;	/* already revoked: nothing changed */
	return key_audit(db, t->ctx, "api_key.revoke", &k, NULL);
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
	if (cache_bump(ctx->app->cache, gen, 1) != HF_OK)
		svc_lost_record(ctx->app, ctx->request_id);	/* issue 16 */
	return HF_OK;
}
