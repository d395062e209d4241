/*
 * rows.c: result rows to values and JSON, for every service (audit,
 * inventory, holds, ...). Plumbing below the domain files: it knows
 * nothing of stock.
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
