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
 * Lists up to batch ids with due (its one parameter is the limit, the ids
 * are column 0) and runs fn on each in its own short transaction (svc_txn,
 * so the cache follows), acting as "cron:holdfast-expire"; each item gets
 * a fresh arena. A dry run only counts. Returns how many were due, or
 * minus an hf_err.
 */
int
svc_sweep(struct app *app, struct db_sql *due, int batch, int dry_run,
    int (*fn)(struct db *, void *), struct sweep_stats *st)
{
	struct principal	 who;
	struct arena		 a, wa;
	struct svc_ctx		 ctx;
	struct db_param		 p[1] = { DB_INT(batch) };
	struct db_result	 r;
	struct sweep_item	 t;
	size_t			 i;
	int			 rc;

	arena_init(&a, 0);
	arena_init(&wa, 0);
	svc_cli_ctx(app, &wa, &who, &ctx, "cron:holdfast-expire");
	memset(st, 0, sizeof(*st));
	if ((rc = db_ensure(app->db)) != HF_OK ||
	    (rc = db_query(app->db, &a, due, p, 1, &r)) != HF_OK) {
		rc = -rc;
		goto done;
	}
	for (i = 0; i < r.nrows; i++) {
		if (dry_run) {
			st->done++;
			continue;
		}
		memset(&t, 0, sizeof(t));
		t.ctx = &ctx;
		t.id = (uint64_t)inv_cell_ll(&r, i, 0);
		rc = svc_txn(&ctx, fn, &t);
		svc_details_clear(&ctx);	/* they live in wa */
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
	rc = (int)r.nrows;
done:
	arena_free(&wa);
	arena_free(&a);
	return rc;
}
