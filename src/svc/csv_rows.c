/*
 * csv_rows.c: the CSV import's file alone (csv_import.c runs the passes).
 * Pass 1 checks every row on its own: its columns, the SKU grammar, name,
 * price, category, description, a known location and on_hand, line by
 * line. Pass 2 sorts the rows into products (by SKU as the database folds
 * it, then location) and checks each product's rows together: one
 * spelling of the SKU, one row per location, the same catalog fields on
 * every row. A row is kept as a few numbers pointing into the body
 * (struct imp_ref) and read again from there when its fields are needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "holdfast/db.h"
#include "csv_int.h"

static const char *const imp_columns[IMP_COLS] = {
	"sku", "name", "price", "category", "description", "location",
	"on_hand"
};

/* --- the report -------------------------------------------------------- */

/*
 * Records a bad row. Every one is counted; the IMPORT_ERRORS_MAX of the
 * smallest line numbers are kept. sku is echoed only as clean text.
 */
void
imp_error(struct imp_run *run, long long line, const char *sku,
    size_t sku_len, const char *column, const char *reason)
{
	struct import_report	*rep = run->rep;
	struct import_error	*e;
	size_t			 i, worst = 0, k;

	rep->error_count++;
	if (rep->errors == NULL && (rep->errors = arena_calloc(run->keep,
	    IMPORT_ERRORS_MAX, sizeof(*rep->errors))) == NULL)
		return;
	if (rep->nerrors < IMPORT_ERRORS_MAX)
		e = &rep->errors[rep->nerrors++];
	else {
		for (i = 1; i < rep->nerrors; i++)
			if (rep->errors[i].line > rep->errors[worst].line)
				worst = i;
		if (rep->errors[worst].line <= line)
			return;
		e = &rep->errors[worst];
	}
	e->line = line;
	e->column = column;
	e->reason = arena_strdup(run->keep, reason);
	e->sku = NULL;
	if (sku == NULL || sku_len == 0 || !hf_utf8_valid(sku, sku_len))
		return;
	for (k = 0; k < sku_len; k++)
		if ((unsigned char)sku[k] < 0x20 || sku[k] == 0x7f)
			return;
	e->sku = arena_strndup(run->keep, sku, hf_utf8_cut(sku, sku_len, 80));
}

/* --- one row ----------------------------------------------------------- */

/* "12", "12.3", "12.34" in cents, at most DECIMAL(12,2); -1 if not. */
long long
imp_money(const char *s, size_t len)
{
	long long	whole = 0, frac = 0;
	size_t		i = 0, digits = 0, fdigits = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		if ((whole = whole * 10 + (s[i] - '0')) > 9999999999LL)
			return -1;
	if (digits == 0)
		return -1;
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if (++fdigits <= 2)
				frac = frac * 10 + (s[i] - '0');
		if (fdigits == 0 || fdigits > 2)
			return -1;
		if (fdigits == 1)
			frac *= 10;
	}
	return i == len ? whole * 100 + frac : -1;
}

/* Text the JSON edge would take: no control byte but tab, CR and LF. */
static const char *
imp_text(const char *s, size_t len, size_t min, size_t max)
{
	size_t	i;

	if (len < min)
		return "must not be empty";
	if (len > max)
		return "is too long";
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		    s[i] != '\n' && s[i] != '\r')
			return "must not contain control characters (tab, CR "
			    "and LF excepted)";
	return NULL;
}

/*
 * Checks one data row into ref. Returns NULL, or the reason (and the
 * column at fault in *col, NULL for the row as a whole).
 */
static const char *
imp_row(struct imp_run *run, const struct hf_csv *r, struct imp_ref *ref,
    const char **col)
{
	struct svc_ctx	*ctx = run->ctx;
	const char	*f[IMP_COLS], *why;
	size_t		 n[IMP_COLS], i, k;
	long long	 q, cents;

	*col = NULL;
	if (r->err != HF_CSV_OK && r->err != HF_CSV_E_COLUMNS) {
		if (r->err_col >= 1 && r->err_col <= IMP_COLS)
			*col = imp_columns[r->err_col - 1];
		return hf_csv_strerror(r->err);
	}
	if (r->ncols != IMP_COLS)
		return arena_printf(run->keep, "%zu columns, expected %d ("
		    IMPORT_HEADER ")", r->ncols, IMP_COLS);
	for (i = 0; i < IMP_COLS; i++) {
		f[i] = r->field[i];
		n[i] = r->len[i];
	}
	*col = "sku";
	if (!hf_sku_valid(f[IMP_SKU], n[IMP_SKU]))
		return "not an SKU: " HF_SKU_GRAMMAR;
	*col = "name";
	k = hf_csv_unguard(f[IMP_NAME], n[IMP_NAME]);
	if ((why = imp_text(f[IMP_NAME] + k, n[IMP_NAME] - k, 1,
	    IMP_NAME_MAX)) != NULL)
		return why;
	*col = "price";
	if ((cents = imp_money(f[IMP_PRICE], n[IMP_PRICE])) < 0)
		return "must be a decimal like 9.99 (0 to 9999999999.99)";
	if (hf_currency_minor() == 0 && cents % 100 != 0)
		return "must be a whole amount: the currency has no minor unit";
	*col = "category";
	k = hf_csv_unguard(f[IMP_CATEGORY], n[IMP_CATEGORY]);
	if ((why = imp_text(f[IMP_CATEGORY] + k, n[IMP_CATEGORY] - k, 0,
	    IMP_CATEGORY_MAX)) != NULL)
		return why;
	*col = "description";
	k = hf_csv_unguard(f[IMP_DESC], n[IMP_DESC]);
	if ((why = imp_text(f[IMP_DESC] + k, n[IMP_DESC] - k, 0,
	    IMP_DESC_MAX)) != NULL)
		return why;
	ref->loc_id = 0;
	ref->on_hand = -1;
	if (n[IMP_LOC] == 0 && n[IMP_QTY] == 0)
		return NULL;	/* the catalog alone */
	*col = n[IMP_LOC] == 0 ? "location" : "on_hand";
	if (n[IMP_LOC] == 0 || n[IMP_QTY] == 0)
		return "location and on_hand go together: both, or neither";
	*col = "location";
	if (n[IMP_LOC] > 32 || !hf_sku_valid(f[IMP_LOC], n[IMP_LOC]))
		return "not a location code";
	for (i = 0; i < ctx->nlocs; i++)
		if (strcasecmp(ctx->locs[i].code, f[IMP_LOC]) == 0)
			break;
	if (i == ctx->nlocs)
		return arena_printf(run->keep, "no location %s (create it "
		    "first: POST /api/v1/locations)", f[IMP_LOC]);
	ref->loc_id = ctx->locs[i].id;
	*col = "on_hand";
	if (n[IMP_QTY] > 10 || strspn(f[IMP_QTY], "0123456789") !=
	    n[IMP_QTY] || hf_parse_ll(f[IMP_QTY], 0, IMP_QTY_MAX, &q) != 0)
		return "must be a whole number from 0 to 1000000000";
	ref->on_hand = (int32_t)q;
	*col = NULL;
	return NULL;
}

/*
 * The SKU of a record, where it lies in the body: the reader copied it,
 * but an SKU has no byte a CSV escapes, so it is the field's own bytes,
 * after its opening quote if it has one.
 */
static const char *
imp_sku_in_body(const struct hf_csv *r)
{
	const char	*p = r->text + r->rec_off;

	return *p == '"' ? p + 1 : p;
}

/* Pass 1: the header, then every row on its own. */
int
imp_read_rows(struct imp_run *run)
{
	struct hf_csv	 r;
	const char	*why, *col, *p;
	size_t		 cap = 1, i;
	struct imp_ref	 ref;

	if (hf_csv_init(&r, run->keep, run->body, run->len, IMP_COLS,
	    IMP_FIELD_MAX) != 0)
		return HF_E_SYS_INTERNAL;
	if (!hf_csv_next(&r)) {
		imp_error(run, 1, NULL, 0, NULL, "the file is empty: its "
		    "first line must be the header " IMPORT_HEADER);
		run->refused = 1;
		return HF_OK;
	}
	for (i = 0; i < IMP_COLS && r.err == HF_CSV_OK &&
	    r.ncols == IMP_COLS; i++)
		if (strcasecmp(r.field[i], imp_columns[i]) != 0)
			break;
	if (i < IMP_COLS) {
		imp_error(run, (long long)r.rec_line, NULL, 0, NULL, "the "
		    "first line must be the header " IMPORT_HEADER);
		run->refused = 1;
		return HF_OK;
	}
	/* at most one record per line break */
	for (p = run->body; (p = memchr(p, '\n', run->len - (size_t)(p -
	    run->body))) != NULL && cap <= IMPORT_MAX_ROWS; p++)
		cap++;
	if ((run->refs = arena_calloc(run->keep, cap, sizeof(*run->refs))) ==
	    NULL)
		return HF_E_SYS_INTERNAL;
	while (hf_csv_next(&r)) {
		run->rep->rows++;
		if (run->rep->rows > IMPORT_MAX_ROWS) {
			run->rep->rows--;
			imp_error(run, (long long)r.rec_line, NULL, 0, NULL,
			    "more than 200000 rows: split the file");
			run->refused = 1;
			return HF_OK;
		}
		memset(&ref, 0, sizeof(ref));
		if ((why = imp_row(run, &r, &ref, &col)) != NULL) {
			imp_error(run, (long long)r.rec_line,
			    r.nfields > 0 ? r.field[0] : NULL,
			    r.nfields > 0 ? r.len[0] : 0, col, why);
			continue;
		}
		ref.sku = imp_sku_in_body(&r);
		ref.sku_len = (uint8_t)r.len[IMP_SKU];
		ref.off = (uint32_t)r.rec_off;
		ref.line = (uint32_t)r.rec_line;
		if (run->nrefs < cap)
			run->refs[run->nrefs++] = ref;
	}
	return HF_OK;
}

/* --- the rows of a product --------------------------------------------- */

/* SKUs as the database compares them (hf_sku_cmp), with lengths. */
int
imp_sku_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t	i;
	int	x, y;

	for (i = 0; i < an && i < bn; i++) {
		x = (unsigned char)a[i];
		y = (unsigned char)b[i];
		x = x >= 'a' && x <= 'z' ? x - 'a' + 'A' : x;
		y = y >= 'a' && y <= 'z' ? y - 'a' + 'A' : y;
		if (x != y)
			return x - y;
	}
	return an < bn ? -1 : an > bn;
}

static int
cmp_ref(const void *a, const void *b)
{
	const struct imp_ref	*x = a, *y = b;
	int			 c;

	if ((c = imp_sku_cmp(x->sku, x->sku_len, y->sku, y->sku_len)) != 0)
		return c;
	if (x->loc_id != y->loc_id)
		return x->loc_id < y->loc_id ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * Reads a row's catalog fields again into f (run->scratch): name,
 * category and description without the writer's guard apostrophe, an
 * empty category or description as none, the price in cents.
 */
int
imp_fields_read(struct imp_run *run, const struct imp_ref *ref,
    struct imp_fields *f)
{
	struct hf_csv	*r = &run->rd;
	size_t		 k, i;
	const char	*v[IMP_COLS];

	hf_csv_seek(r, ref->off, ref->line);
	if (!hf_csv_next(r) || r->nfields != IMP_COLS)
		return HF_E_SYS_INTERNAL;
	for (i = IMP_NAME; i <= IMP_DESC; i++) {
		k = i == IMP_PRICE ? 0 : hf_csv_unguard(r->field[i],
		    r->len[i]);
		v[i] = r->len[i] - k == 0 ? NULL : arena_strndup(&run->scratch,
		    r->field[i] + k, r->len[i] - k);
	}
	f->sku = arena_strndup(&run->scratch, r->field[IMP_SKU],
	    r->len[IMP_SKU]);
	f->name = v[IMP_NAME];
	f->category = v[IMP_CATEGORY];
	f->description = v[IMP_DESC];
	f->price = imp_money(r->field[IMP_PRICE], r->len[IMP_PRICE]);
	return f->sku != NULL && f->name != NULL ? HF_OK : HF_E_SYS_INTERNAL;
}

static int
imp_same(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* Pass 2 for one product: the rows of g against its first. */
static int
imp_group_check(struct imp_run *run, struct imp_group *g)
{
	struct imp_fields	 h, f;
	struct imp_ref		*r, *prev = NULL;
	const char		*what;
	size_t			 i;
	int			 rc, read = 0;

	for (i = 0; i < g->n; prev = r, i++) {
		r = &g->rows[i];
		if (r == g->head)
			continue;
		if (r->sku_len != g->head->sku_len || memcmp(r->sku,
		    g->head->sku, r->sku_len) != 0) {
			imp_error(run, r->line, r->sku, r->sku_len, "sku",
			    arena_printf(run->keep, "SKU %.*s is spelled %.*s "
			    "on line %u: one product, one spelling",
			    (int)r->sku_len, r->sku, (int)g->head->sku_len,
			    g->head->sku, (unsigned)g->head->line));
			r->bad = 1;
			continue;
		}
		if (prev != NULL && prev->loc_id == r->loc_id) {
			imp_error(run, r->line, r->sku, r->sku_len,
			    r->loc_id != 0 ? "location" : NULL,
			    arena_printf(run->keep, "a second row for this "
			    "product %s (line %u)", r->loc_id != 0 ?
			    "at this location" : "without location",
			    (unsigned)prev->line));
			r->bad = 1;
			continue;
		}
		if (!read) {
			if ((rc = imp_fields_read(run, g->head, &h)) != HF_OK)
				return rc;
			read = 1;
		}
		if ((rc = imp_fields_read(run, r, &f)) != HF_OK)
			return rc;
		what = strcmp(h.name, f.name) != 0 ? "name" :
		    h.price != f.price ? "price" :
		    !imp_same(h.category, f.category) ? "category" :
		    !imp_same(h.description, f.description) ? "description" :
		    NULL;
		if (what != NULL) {
			imp_error(run, r->line, r->sku, r->sku_len, what,
			    arena_printf(run->keep, "%s differs from line %u: "
			    "a product's fields must agree across its rows",
			    what, (unsigned)g->head->line));
			r->bad = 1;
		}
	}
	arena_reset(&run->scratch);
	return HF_OK;
}

/* Pass 2: sorts the rows into products (run->groups), each checked. */
int
imp_group_rows(struct imp_run *run, size_t *ngroups)
{
	struct imp_group	*g;
	size_t			 i, j, n = 0;
	int			 rc;

	*ngroups = 0;
	if (run->nrefs == 0)
		return HF_OK;
	qsort(run->refs, run->nrefs, sizeof(*run->refs), cmp_ref);
	for (i = 0; i < run->nrefs; i++)
		if (i == 0 || imp_sku_cmp(run->refs[i - 1].sku,
		    run->refs[i - 1].sku_len, run->refs[i].sku,
		    run->refs[i].sku_len) != 0)
			n++;
	if ((run->groups = arena_calloc(run->keep, n, sizeof(*g))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0, g = NULL; i < run->nrefs; i++) {
		if (g == NULL || imp_sku_cmp(g->rows[0].sku,
		    g->rows[0].sku_len, run->refs[i].sku,
		    run->refs[i].sku_len) != 0) {
			g = g == NULL ? run->groups : g + 1;
			g->rows = &run->refs[i];
		}
		g->n++;
	}
	for (i = 0; i < n; i++) {
		g = &run->groups[i];
		g->head = &g->rows[0];
		for (j = 1; j < g->n; j++)
			if (g->rows[j].line < g->head->line)
				g->head = &g->rows[j];
		if (g->n > 1 && (rc = imp_group_check(run, g)) != HF_OK)
			return rc;
	}
	*ngroups = n;
	run->rep->products = (long long)n;
	return HF_OK;
}

