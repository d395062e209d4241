/*
 * rows.c: result cells read by number, to values and JSON: the readers of
 * the services that do not read typed rows yet (audit, holds, lending,
 * loans, notices, orders). Plumbing below the domain files. The
 * inventory and catalog services read typed rows (db_inventory.h) and no
 * longer use it; it goes when its last caller does.
 */
#include <stdint.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"
#include "inv_int.h"

long long
inv_cell_ll(const struct db_result *r, size_t row, size_t col)
{
	long long	v = 0;
	const char	*s = DB_CELL(r, row, col);

	if (s != NULL)
		hf_parse_ll(s, INT64_MIN, INT64_MAX, &v);
	return v;
}

json_object *
inv_row_json(const struct db_result *r, size_t row, const struct col *cols,
    size_t ncols)
{
	json_object	*o = json_object_new_object(), *v;
	const char	*cell;
	size_t		 c;

	for (c = 0; c < ncols && c < r->ncols; c++) {
		if ((cell = DB_CELL(r, row, c)) == NULL)
			v = NULL;
		else if (cols[c].kind == COL_INT)
			v = json_object_new_int64(inv_cell_ll(r, row, c));
		else if (cols[c].kind == COL_JSON)
			v = json_tokener_parse(cell);
		else
			v = json_object_new_string(cell);
		json_object_object_add(o, cols[c].name, v);
	}
	return o;
}

json_object *
inv_rows_json(const struct db_result *r, const struct col *cols,
    size_t ncols)
{
	json_object	*a = json_object_new_array();
	size_t		 i;

	for (i = 0; i < r->nrows; i++)
		json_object_array_add(a, inv_row_json(r, i, cols, ncols));
	return a;
}

/*
 * A RES_COLS row (the R_* columns of inv_int.h) as a struct reservation,
 * for holds.c and orders.c, which still read reservations through
 * db_query; the inventory services read them with db_row/db_rows.
 */
void
inv_reservation_from_row(const struct db_result *r, size_t row,
    struct reservation *v)
{
	v->id = (uint64_t)inv_cell_ll(r, row, R_ID);
	v->sku = DB_CELL(r, row, R_SKU);
	v->quantity = inv_cell_ll(r, row, R_QTY);
	v->type = DB_CELL(r, row, R_TYPE);
	v->reference_id = DB_CELL(r, row, R_REF);
	v->status = DB_CELL(r, row, R_STATUS);
	v->expires_at = DB_CELL(r, row, R_EXPIRES);
	v->created_at = DB_CELL(r, row, R_CREATED);
	v->product_id = (uint64_t)inv_cell_ll(r, row, R_PID);
	v->expired = inv_cell_ll(r, row, R_EXPIRED) != 0;
	v->origin = DB_CELL(r, row, R_ORIGIN);
	v->created_by = DB_CELL(r, row, R_OWNER);
}
