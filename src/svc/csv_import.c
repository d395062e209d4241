/*
 * csv_import.c: POST /import/products (README "CSV"). The file is checked
 * whole before anything changes, in three passes:
 *
 *   1. every row on its own (its columns, the SKU grammar, name, price,
 *      category, description, a known location, on_hand), line by line;
 *   2. the rows of each product together (sorted by SKU as the database
 *      folds it, then location): one spelling of the SKU, one row per
 *      location, the same catalog fields on every row (both csv_rows.c);
 *   3. each product against the database as it is (no lock): what would
 *      be created, updated or moved, and what cannot be (units below
 *      those reserved, an inactive or frozen location; csv_plan.c).
 *
 * A dry run stops there and reports. A real run with no bad row applies
 * the products in SKU order, IMPORT_CHUNK to a transaction (csv_apply.c:
 * it plans each again under its lock and writes what differs): a chunk
 * holds its locks for a moment, not the whole file's time. A chunk that
 * fails stops the run (IMP_002); what was committed stays, and since an
 * import changes nothing that already matches, the same file sent again
 * finishes the job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db.h"
#include "csv_int.h"

static int
cmp_error(const void *a, const void *b)
{
	const struct import_error	*x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/* --- the import -------------------------------------------------------- */

static int
imp_run(struct imp_run *run)
{
	struct import_report	*rep = run->rep;
	size_t			 n = 0;
	int			 rc;

	if ((rc = inv_locations(run->ctx->app->db, run->ctx)) != HF_OK ||
	    (rc = imp_read_rows(run)) != HF_OK)
		return rc;
	/* a file refused as a whole (header, size) goes no further */
	if (!run->refused && ((rc = imp_group_rows(run, &n)) != HF_OK ||
	    (rc = imp_check_all(run, n)) != HF_OK))
		return rc;
	if (rep->error_count > 0)
		return run->dry_run ? HF_OK : HF_E_IMP_BAD_ROWS;
	if (run->dry_run)
		return HF_OK;
	return imp_apply_all(run, n);
}

int
svc_import_products(struct svc_ctx *ctx, const char *body, size_t len,
    int dry_run, struct import_report *rep)
{
	struct imp_run	*run;
	int		 rc;

	memset(rep, 0, sizeof(*rep));
	rep->dry_run = dry_run;
	if (len > IMPORT_MAX_BYTES)
		return HF_E_REQ_TOO_LARGE;
	if ((run = arena_calloc(ctx->arena, 1, sizeof(*run))) == NULL)
		return HF_E_SYS_INTERNAL;
	run->ctx = ctx;
	run->keep = ctx->arena;
	run->body = body;
	run->len = len;
	run->rep = rep;
	run->dry_run = dry_run;
	arena_init(&run->scratch, 256 * 1024 * 1024);
	if (hf_csv_init(&run->rd, run->keep, body, len, IMP_COLS,
	    IMP_FIELD_MAX) != 0) {
		arena_free(&run->scratch);
		return HF_E_SYS_INTERNAL;
	}
	rc = imp_run(run);
	/* whatever the passes read lives in scratch: gone now */
	ctx->arena = run->keep;
	ctx->locs = NULL;
	ctx->nlocs = 0;
	arena_free(&run->scratch);
	if (rep->nerrors > 1)
		qsort(rep->errors, rep->nerrors, sizeof(*rep->errors),
		    cmp_error);
	return rc;
}
