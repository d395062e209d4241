/*
 * idempotency.c: Idempotency-Key. The key is claimed in its own short
 * transaction ("running"); the write then stores its rendered reply in the
 * key's row inside the write's own transaction, so a key is never done
 * without its write nor a write done without its key. A replay sends the
 * stored bytes again.
 *
 * Who is still running a key: the request that claims it first takes the
 * database user lock named for it (GET_LOCK, never waiting) and holds it
 * until the request ends (svc_idem_release). The server drops a lock the
 * moment its connection dies, so when a worker or the database was killed
 * mid-request the next retry finds the lock free and takes the 'running'
 * row over at once; while the lock is held by a live request, a retry gets
 * 409 REQ_008 (or the replay, once the row is done). Of two identical
 * requests at once exactly one gets the lock and runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/db_idempotency.h"
#include "holdfast/svc.h"

/*
 * The lock this worker holds for the request in hand ("" for none): one
 * request at a time per worker, and the lock belongs to its connection.
 * "hf_idem:" and 40 hex digits of SHA-256(actor, key): 48 characters,
 * under the server's 64.
 */
static char	idem_lock[64];

static void
lock_name(char out[64], const char *actor, const char *key)
{
	char	hex[HF_SHA256_HEX], *buf;
	size_t	a = strlen(actor), k = strlen(key);

	if ((buf = malloc(a + k + 2)) == NULL) {
		hf_sha256_hex(hex, key, k);
	} else {
		memcpy(buf, actor, a);
		buf[a] = '\n';
		memcpy(buf + a + 1, key, k + 1);
		hf_sha256_hex(hex, buf, a + k + 1);
		free(buf);
	}
	snprintf(out, 64, "hf_idem:%.40s", hex);
}

/* GET_LOCK without waiting: *got 1 if this connection holds it now. */
static int
lock_take(struct svc_ctx *ctx, const char *name, int *got)
{
	struct db_param		p[1];
	struct idem_lock_row	row;
	int			rc, found;

	*got = 0;
	p[0] = DB_STR(name);
	if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_idem_lock, p, 1,
	    &row, &found)) != HF_OK)
		return rc;
	if (!found || row.got == HF_NULL_INT)
		return HF_E_DB;
	*got = row.got == 1;
	return HF_OK;
}

/*
 * Ends the request's hold on its key, if it took one. Called once the
 * request is answered (serve.c), whatever path it took; a lost connection
 * has dropped the lock already.
 */
void
svc_idem_release(struct app *app)
{
	struct db_param		p[1];
	struct arena		a;
	struct idem_unlock_row	row;
	int			found;

	if (idem_lock[0] == '\0')
		return;
	if (!db_connected(app->db)) {
		/* gone with the connection: nothing to release */
		idem_lock[0] = '\0';
		return;
	}
	arena_init(&a, 0);
	p[0] = DB_STR(idem_lock);
	if (db_row(app->db, &a, &db_sql_idem_unlock, p, 1, &row, &found) !=
	    HF_OK)
		log_warn(NULL, "idempotency: could not release %s", idem_lock);
	arena_free(&a);
	idem_lock[0] = '\0';
}

static void
fingerprint(char out[HF_SHA256_HEX], const char *method, const char *path,
    const char *body, size_t len)
{
	char	*buf;
	size_t	 n = strlen(method) + strlen(path) + len + 3;

	/* the actor is part of the key's identity, so not needed here */
	if ((buf = malloc(n)) == NULL) {
		hf_sha256_hex(out, body, len);
		return;
	}
	snprintf(buf, n, "%s\n%s\n", method, path);
	memcpy(buf + strlen(method) + strlen(path) + 2, body, len);
	hf_sha256_hex(out, buf, n - 1);
	free(buf);
}

/*
 * The first answer stored under the key, if its row is done: HF_OK with
 * idem->status/body/len set (the body in the row's arena), the mismatch
 * error, or -1 when the row holds no answer to give (running, expired).
 */
static int
idem_answer(const struct idem_row *row, const char *fp, struct idem *idem,
    int *outcome)
{
	if (row->expired)
		return -1;
	if (row->fingerprint == NULL || strcmp(row->fingerprint, fp) != 0)
		return HF_E_REQ_IDEM_MISMATCH;
	if (row->status == NULL || strcmp(row->status, "done") != 0)
		return -1;
	idem->status = row->response_status >= 100 &&
	    row->response_status <= 599 ? (int)row->response_status : 200;
	idem->body = (char *)(uintptr_t)(row->response_body != NULL ?
	    row->response_body : "");
	idem->len = strlen(idem->body);
	*outcome = IDEM_REPLAY;
	return HF_OK;
}

/*
 * Claims key for this actor. IDEM_PROCEED: do the write (idem->id set,
 * the key's lock held until svc_idem_release). IDEM_REPLAY:
 * idem->status/body/len hold the first answer. Errors:
 * HF_E_REQ_IDEM_MISMATCH, HF_E_REQ_IDEM_RUNNING or a database error.
 */
int
svc_idem_begin(struct svc_ctx *ctx, const char *key, const char *method,
    const char *path, const char *body, size_t len, struct idem *idem,
    int *outcome)
{
	struct db	*db = ctx->app->db;
	struct db_param	 p[3];
	struct idem_row	 row;
	char		 fp[HF_SHA256_HEX], name[64];
	uint64_t	 id = 0, n = 0;
	int		 rc, attempt, got, found;

	*outcome = IDEM_PROCEED;
	fingerprint(fp, method, path, body != NULL ? body : "", len);
	lock_name(name, ctx->who->actor, key);
	if ((rc = lock_take(ctx, name, &got)) != HF_OK)
		return rc;
	p[0] = DB_STR(ctx->who->actor);
	p[1] = DB_STR(key);
	p[2] = DB_STR(fp);
	if (!got) {
		/* a live request holds the key: its answer, once stored */
		if ((rc = db_row(db, ctx->arena, &db_sql_idem_get, p, 2,
		    &row, &found)) != HF_OK)
			return rc;
		if (found && (rc = idem_answer(&row, fp, idem,
		    outcome)) >= 0)
			return rc;
		return HF_E_REQ_IDEM_RUNNING;
	}
	snprintf(idem_lock, sizeof(idem_lock), "%s", name);
	for (attempt = 0; attempt < 3; attempt++) {
		p[0] = DB_STR(ctx->who->actor);
		p[1] = DB_STR(key);
		p[2] = DB_STR(fp);
		rc = db_exec(db, &db_sql_idem_insert, p, 3, NULL, &id);
		if (rc == HF_OK) {
			idem->id = id;
			return HF_OK;
		}
		if (rc != HF_E_DUPLICATE)
			return rc;
		if ((rc = db_row(db, ctx->arena, &db_sql_idem_get, p, 2,
		    &row, &found)) != HF_OK)
			return rc;
		if (!found)
			continue;	/* deleted meanwhile: try again */
		if ((rc = idem_answer(&row, fp, idem, outcome)) >= 0)
			return rc;
		/*
		 * Expired, or 'running' while this request holds its lock:
		 * the request that claimed it is dead (its write rolled
		 * back with its connection). Take it over.
		 */
		p[0] = DB_STR(fp);
		p[1] = DB_INT((long long)row.id);
		rc = db_exec(db, &db_sql_idem_take_over, p, 2, &n, NULL);
		if (rc != HF_OK)
			return rc;
		if (n == 1) {
			idem->id = row.id;
			return HF_OK;
		}
	}
	return HF_E_REQ_IDEM_RUNNING;
}

/*
 * Inside the write's transaction: renders the reply and stores it with
 * the key. Returns HF_OK or the update's error (which rolls the write
 * back with it).
 */
int
svc_idem_store(struct db *db, struct idem *idem)
{
	struct db_param	p[4];
	uint64_t	n = 0;
	int		rc;

	if (idem == NULL || idem->id == 0)
		return HF_OK;
	idem->body = idem->render(idem->render_arg, &idem->status, &idem->len);
	if (idem->body == NULL)
		return HF_E_SYS_INTERNAL;
	p[0] = DB_INT(idem->status);
	p[1] = DB_STRN(idem->body, idem->len);
	p[2] = DB_INT((long long)idem->id);
	p[3] = DB_STR(idem_lock);
	if ((rc = db_exec(db, &db_sql_idem_done, p, 4, &n, NULL)) != HF_OK)
		return rc;
	/* the lock went with a lost connection: another may run the key */
	return n == 1 ? HF_OK : HF_E_REQ_IDEM_RUNNING;
}

/*
 * The write failed. A refusal the client caused (4xx) is stored as the
 * key's answer, so a replay gets the same refusal; anything else frees
 * the key so the client can retry it.
 */
void
svc_idem_abandon(struct svc_ctx *ctx, struct idem *idem, int status,
    const char *body, size_t len)
{
	struct db_param	p[4];

	if (idem == NULL || idem->id == 0 || db_ensure(ctx->app->db) != HF_OK)
		return;
	if (status >= 400 && status < 500 && status != 409 && status != 429) {
		p[0] = DB_INT(status);
		p[1] = DB_STRN(body, len);
		p[2] = DB_INT((long long)idem->id);
		p[3] = DB_STR(idem_lock);
		db_exec(ctx->app->db, &db_sql_idem_done, p, 4, NULL, NULL);
		return;
	}
	p[0] = DB_INT((long long)idem->id);
	p[1] = DB_STR(idem_lock);
	db_exec(ctx->app->db, &db_sql_idem_delete, p, 2, NULL, NULL);
}
