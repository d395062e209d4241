/*
 * sweep.c: the cron programs' loop (holdfast-expire): one short
 * transaction per due id, whatever the ids name (reservations, loans,
 * holds).
 */
#include <stdint.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

/*
 * The ids of due (its one parameter is the limit) into *ids (arena):
 * the first member of each row, which its column map must make an
 * unsigned id (struct lend_id, orders_id_row, reservation, ...).
 */
static int
due_ids(struct db *db, struct arena *a, struct db_sql *due, int batch,
    uint64_t **ids, size_t *n)
{
	struct db_param	 p[1] = { DB_INT(batch) };
	const char	*rows;
	size_t		 i;
	int		 rc;

	*n = 0;
	if (due->cols == NULL || due->cols[0].kind != HF_K_U64) {
		log_error(NULL, "\"%.80s\": no map of an unsigned id first",
		    due->text);
		return HF_E_SYS_INTERNAL;
	}
	if ((rc = db_rows(db, a, due, p, 1, &rows, n)) != HF_OK)
		return rc;
	if ((*ids = arena_calloc(a, *n + 1, sizeof(**ids))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < *n; i++)
		memcpy(&(*ids)[i], rows + i * due->rowsize + due->cols[0].off,
		    sizeof(**ids));
	return HF_OK;
}

/*
 * Lists up to batch ids with due (due_ids) and runs fn on each in its own
 * short transaction (svc_txn, so the cache follows), acting as
 * "cron:holdfast-expire"; each item gets a fresh arena. A dry run only
 * counts. Returns how many were due, or minus an hf_err.
 */
int
svc_sweep(struct app *app, struct db_sql *due, int batch, int dry_run,
    int (*fn)(struct db *, void *), struct sweep_stats *st)
{
	struct principal	 who;
	struct arena		 a, wa;
	struct svc_ctx		 ctx;
	struct sweep_item	 t;
	uint64_t		*ids;
	size_t			 i, n = 0;
	int			 rc;

	arena_init(&a, 0);
	arena_init(&wa, 0);
	svc_cli_ctx(app, &wa, &who, &ctx, "cron:holdfast-expire");
	memset(st, 0, sizeof(*st));
	if ((rc = db_ensure(app->db)) != HF_OK ||
	    (rc = due_ids(app->db, &a, due, batch, &ids, &n)) != HF_OK) {
		rc = -rc;
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (dry_run) {
			st->done++;
			continue;
		}
		memset(&t, 0, sizeof(t));
		t.ctx = &ctx;
		t.id = ids[i];
		rc = svc_txn(&ctx, fn, &t);
		svc_details_clear(&ctx);	/* they live in wa */
		ctx.locs = NULL;		/* and so do the locations */
		ctx.nlocs = 0;			/* read (places.c) */
		arena_reset(&wa);
		if (rc != HF_OK) {
			rc = -rc;
			goto done;
		}
		if (t.done)
			st->done++;
		else
			st->skipped++;
		st->passed += t.passed;
	}
	rc = (int)n;
done:
	arena_free(&wa);
	arena_free(&a);
	return rc;
}
