/*
 * idempotency.c: Idempotency-Key. The key is claimed in its own short
 * transaction ("running"); the write then stores its rendered reply in the
 * key's row inside the write's own transaction, so a key is never done
 * without its write nor a write done without its key. A replay sends the
 * stored bytes again. A "running" key older than 60 s is taken over: its
 * worker died before finishing (its write rolled back with it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"

enum { I_ID, I_FP, I_STATUS, I_RSTATUS, I_BODY, I_EXPIRED, I_STALE };

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
 * Claims key for this actor. IDEM_PROCEED: do the write (idem->id set).
 * IDEM_REPLAY: idem->status/body/len hold the first answer. Errors:
 * HF_E_REQ_IDEM_MISMATCH, HF_E_REQ_IDEM_RUNNING or a database error.
 */
int
svc_idem_begin(struct svc_ctx *ctx, const char *key, const char *method,
    const char *path, const char *body, size_t len, struct idem *idem,
    int *outcome)
{
	struct db	*db = ctx->app->db;
	struct db_param	 p[3];
	struct db_result r;
	char		 fp[HF_SHA256_HEX];
	uint64_t	 id = 0, n = 0;
	int		 rc, attempt;
	long long	 v = 0;

	*outcome = IDEM_PROCEED;
	fingerprint(fp, method, path, body != NULL ? body : "", len);
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
		if ((rc = db_query(db, ctx->arena, &db_sql_idem_get, p, 2,
		    &r)) != HF_OK)
			return rc;
		if (r.nrows == 0)
			continue;	/* deleted meanwhile: try again */
		hf_parse_ll(DB_CELL(&r, 0, I_ID), 1, INT64_MAX, &v);
		if (strcmp(DB_CELL(&r, 0, I_EXPIRED), "1") != 0 &&
		    strcmp(DB_CELL(&r, 0, I_FP), fp) != 0)
			return HF_E_REQ_IDEM_MISMATCH;
		if (strcmp(DB_CELL(&r, 0, I_EXPIRED), "1") != 0 &&
		    strcmp(DB_CELL(&r, 0, I_STATUS), "done") == 0) {
			long long	st = 200;

			hf_parse_ll(DB_CELL(&r, 0, I_RSTATUS), 100, 599, &st);
			idem->status = (int)st;
			idem->body = DB_CELL(&r, 0, I_BODY);
			idem->len = r.lens[I_BODY];
			*outcome = IDEM_REPLAY;
			return HF_OK;
		}
		if (strcmp(DB_CELL(&r, 0, I_EXPIRED), "1") != 0 &&
		    strcmp(DB_CELL(&r, 0, I_STALE), "1") != 0)
			return HF_E_REQ_IDEM_RUNNING;
		/* expired, or abandoned by a worker that died: take it over */
		p[0] = DB_STR(fp);
		p[1] = DB_INT(v);
		if ((rc = db_exec(db, &db_sql_idem_take_over, p, 2, &n, NULL)) !=
		    HF_OK)
			return rc;
		if (n == 1) {
			idem->id = (uint64_t)v;
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
	struct db_param	p[3];

	if (idem == NULL || idem->id == 0)
		return HF_OK;
	idem->body = idem->render(idem->render_arg, &idem->status, &idem->len);
	if (idem->body == NULL)
		return HF_E_SYS_INTERNAL;
	p[0] = DB_INT(idem->status);
	p[1] = DB_STRN(idem->body, idem->len);
	p[2] = DB_INT((long long)idem->id);
	return db_exec(db, &db_sql_idem_done, p, 3, NULL, NULL);
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
	struct db_param	p[3];

	if (idem == NULL || idem->id == 0 || db_ensure(ctx->app->db) != HF_OK)
		return;
	if (status >= 400 && status < 500 && status != 409 && status != 429) {
		p[0] = DB_INT(status);
		p[1] = DB_STRN(body, len);
		p[2] = DB_INT((long long)idem->id);
		db_exec(ctx->app->db, &db_sql_idem_done, p, 3, NULL, NULL);
		return;
	}
	p[0] = DB_INT((long long)idem->id);
	db_exec(ctx->app->db, &db_sql_idem_delete, p, 1, NULL, NULL);
}
