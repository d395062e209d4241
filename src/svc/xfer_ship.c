/*
 * xfer_ship.c: the transfer primitives (xfer_int.h): ship lines from one
 * location to another, units arriving at one, and reading a transfer.
 * Below the hold queue (a hold's copy travels to its pickup branch) and
 * the /transfers routes; above the stock primitives, which write every
 * ledger row. Each ledger row names the transfer (reference_type
 * `transfer`, reference_id its id), so every unit in transit is accounted
 * for (reconcile check 6).
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_transfers.h"
#include "inv_int.h"
#include "xfer_int.h"

/* The ledger row of qty units of the locked row s at location l. */
static int
xfer_move(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    uint64_t id, const struct location *l, const char *type, long long d_on,
    const char *reason)
{
	struct change	c;
	char		ref[24];

	snprintf(ref, sizeof(ref), "%llu", (unsigned long long)id);
	memset(&c, 0, sizeof(c));
	c.type = type;
	c.d_on = d_on;
	c.ref_type = "transfer";
	c.ref_id = ref;
	c.reason = reason;
	c.location_id = l->id;
	return inv_stock_change(db, ctx, s, &c, NULL);
}

int
xfer_ship(struct db *db, struct svc_ctx *ctx, const struct location *from,
    const struct location *to, const char *note, uint64_t hold_id,
    const struct xfer_line *lines, size_t n, uint64_t *id)
{
	struct db_param	 p[5];
	const char	*why;
	size_t		 i;
	int		 rc;

	p[0] = DB_INT((long long)from->id);
	p[1] = DB_INT((long long)to->id);
	p[2] = DB_STR_OR_NULL(note);
	p[3] = hold_id != 0 ? DB_INT((long long)hold_id) : DB_NULL;
	p[4] = DB_STR(ctx->who->actor);
	if ((rc = db_exec(db, &db_sql_transfer_insert, p, 5, NULL, id)) !=
	    HF_OK)
		return rc;
	why = arena_printf(ctx->arena, "transfer to %s", to->code);
	for (i = 0; i < n; i++) {
		p[0] = DB_INT((long long)*id);
		p[1] = DB_INT((long long)lines[i].s->product_id);
		p[2] = DB_STR(lines[i].s->sku);
		p[3] = DB_INT(lines[i].qty);
		if ((rc = db_exec(db, &db_sql_transfer_line_insert, p, 4, NULL,
		    NULL)) != HF_OK ||
		    (rc = xfer_move(db, ctx, lines[i].s, *id, from,
		    "transfer_out", -lines[i].qty, why)) != HF_OK)
			return rc;
	}
	return HF_OK;
}

int
xfer_move_in(struct db *db, struct svc_ctx *ctx, struct stock_row *s,
    uint64_t id, const struct location *at, long long qty,
    const char *reason)
{
	return xfer_move(db, ctx, s, id, at, "transfer_in", qty, reason);
}

int
xfer_load(struct db *db, struct svc_ctx *ctx, uint64_t id,
    struct transfer *out)
{
	struct db_param	p[1] = { DB_INT((long long)id) };
	int		rc, found;

	if ((rc = db_row(db, ctx->arena, &db_sql_transfer_by_id, p, 1, out,
	    &found)) != HF_OK)
		return rc;
	if (!found)
		return HF_E_NOT_FOUND;
	return db_rows(db, ctx->arena, &db_sql_transfer_lines_of, p, 1,
	    &out->lines, &out->nlines);
}
