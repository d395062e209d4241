/*
 * csv.c: RFC 4180 in and out. The reader is a small state machine over a
 * text in memory: it never allocates past the one record buffer that
 * hf_csv_init() takes from the arena, so a file of any number of rows
 * costs the same memory to walk. Faults are per record (the caller names
 * the line), and a faulty record is still read to its end so that the
 * next one starts where it should. The writer quotes what needs it and
 * keeps spreadsheets from running a field as a formula.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/csv.h"

static const char *const csv_errors[HF_CSV_E__MAX] = {
	[HF_CSV_OK] = "ok",
	[HF_CSV_E_COLUMNS] = "too many columns",
	[HF_CSV_E_LONG] = "a field is too long",
	[HF_CSV_E_QUOTE] = "a quote inside an unquoted field, or text after "
	    "a closing quote (a field with a quote must be quoted, its quotes "
	    "doubled)",
	[HF_CSV_E_UNTERMINATED] = "a quoted field is never closed: the rest "
	    "of the file is inside it",
	[HF_CSV_E_UTF8] = "a field is not valid UTF-8",
	[HF_CSV_E_NUL] = "a NUL byte",
	[HF_CSV_E_CR] = "a CR that does not end a line with LF",
};

const char *
hf_csv_strerror(enum hf_csv_err e)
{
	return (unsigned)e < HF_CSV_E__MAX ? csv_errors[e] : "unknown";
}

int
hf_csv_init(struct hf_csv *r, struct arena *a, const char *text, size_t len,
    size_t max_cols, size_t max_field)
{
	memset(r, 0, sizeof(*r));
	if (max_cols == 0 || max_cols > HF_CSV_COLS_MAX || max_field == 0 ||
	    max_field > HF_CSV_FIELD_MAX)
		return -1;
	r->max_cols = max_cols;
	r->max_field = max_field;
	r->buf = arena_alloc(a, max_cols * (max_field + 1));
	r->field = arena_calloc(a, max_cols, sizeof(*r->field));
	r->len = arena_calloc(a, max_cols, sizeof(*r->len));
	if (r->buf == NULL || r->field == NULL || r->len == NULL)
		return -1;
	r->text = text != NULL ? text : "";
	r->end = r->text + len;
	r->p = r->text;
	r->line = 1;
	if (len >= 3 && memcmp(r->text, "\xef\xbb\xbf", 3) == 0) {
		r->p += 3;
		r->bom = 1;
	}
	return 0;
}

void
hf_csv_seek(struct hf_csv *r, size_t off, size_t line)
{
	r->p = r->text + off;
	if (r->p > r->end)
		r->p = r->end;
	r->line = line;
}

static void
csv_fault(struct hf_csv *r, enum hf_csv_err e)
{
	if (r->err == HF_CSV_OK) {
		r->err = e;
		r->err_col = r->ncols;
	}
}

/* One byte of the current field: stored while it fits. */
static void
csv_emit(struct hf_csv *r, char *out, size_t *n, char c)
{
	if (c == '\0')
		csv_fault(r, HF_CSV_E_NUL);
	if (out != NULL && *n < r->max_field)
		out[*n] = c;
	else if (out != NULL)
		csv_fault(r, HF_CSV_E_LONG);
	(*n)++;
}

/*
 * Reads one field at r->p. Returns the byte that ended it: ',' (another
 * field follows), '\n' (the record ends; CRLF included) or '\0' (the
 * text ends).
 */
static int
csv_field(struct hf_csv *r)
{
	char	*out = NULL;
	size_t	 n = 0, col = r->ncols;
	int	 quoted = 0;

	r->ncols++;
	if (col < r->max_cols)
		out = r->buf + col * (r->max_field + 1);
	else
		csv_fault(r, HF_CSV_E_COLUMNS);
	if (r->p < r->end && *r->p == '"') {
		quoted = 1;
		for (r->p++;; r->p++) {
			if (r->p == r->end) {
				csv_fault(r, HF_CSV_E_UNTERMINATED);
				break;
			}
			if (*r->p == '"') {
				if (r->p + 1 < r->end && r->p[1] == '"') {
					csv_emit(r, out, &n, '"');
					r->p++;
					continue;
				}
				r->p++;
				break;
			}
			if (*r->p == '\n')
				r->line++;
			csv_emit(r, out, &n, *r->p);
		}
	}
	/* unquoted bytes, or what follows a closing quote (a fault) */
	for (; r->p < r->end; r->p++) {
		char	c = *r->p;

		if (c == ',' || c == '\n')
			break;
		if (c == '\r') {
			if (r->p + 1 < r->end && r->p[1] == '\n') {
				r->p++;
				break;
			}
			csv_fault(r, HF_CSV_E_CR);
		} else if (c == '"' || quoted)
			csv_fault(r, HF_CSV_E_QUOTE);
		if (!quoted)
			csv_emit(r, out, &n, c);
	}
	if (out != NULL) {
		if (n > r->max_field)
			n = r->max_field;
		out[n] = '\0';
		r->field[col] = out;
		r->len[col] = n;
		r->nfields = col + 1;
		if (!hf_utf8_valid(out, n))
			csv_fault(r, HF_CSV_E_UTF8);
	}
	if (r->p == r->end)
		return '\0';
	if (*r->p++ == '\n') {
		r->line++;
		return '\n';
	}
	return ',';
}

int
hf_csv_next(struct hf_csv *r)
{
	int	c;

	/* lines with nothing on them are no record */
	while (r->p < r->end && (*r->p == '\n' || (*r->p == '\r' &&
	    r->p + 1 < r->end && r->p[1] == '\n'))) {
		r->p += *r->p == '\r' ? 2 : 1;
		r->line++;
	}
	if (r->p >= r->end)
		return 0;
	r->rec_off = (size_t)(r->p - r->text);
	r->rec_line = r->line;
	r->nfields = 0;
	r->ncols = 0;
	r->err = HF_CSV_OK;
	r->err_col = 0;
	memset(r->field, 0, r->max_cols * sizeof(*r->field));
	do
		c = csv_field(r);
	while (c == ',');
	return 1;
}

/* --- the writer -------------------------------------------------------- */

/* 1 if s is a plain decimal number (-12, 3.50): no formula can hide. */
static int
csv_number(const char *s, size_t len)
{
	size_t	i = 0, digits = 0;

	if (i < len && s[i] == '-')
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (digits == 0)
		return 0;
	if (i < len && s[i] == '.') {
		for (i++, digits = 0; i < len && s[i] >= '0' && s[i] <= '9';
		    i++)
			digits++;
		if (digits == 0)
			return 0;
	}
	return i == len;
}

/* The bytes a spreadsheet takes as the start of a formula, and ours. */
static int
csv_guarded(char c)
{
	return c != '\0' && strchr("=+-@\t\r'", c) != NULL;
}

size_t
hf_csv_unguard(const char *s, size_t len)
{
	return len >= 2 && s[0] == '\'' && csv_guarded(s[1]) ? 1 : 0;
}

int
hf_csv_put(struct hf_buf *b, const char *s, size_t len, int first)
{
	size_t	i, from;
	int	quote = 0, guard;

	if (!first)
		hf_buf_put(b, ",", 1);
	/* a row of one empty field must not read back as a blank line */
	if ((s == NULL || len == 0) && first)
		hf_buf_put(b, "\"\"", 2);
	if (s == NULL || len == 0)
		return b->toobig ? -1 : 0;
	guard = csv_guarded(s[0]) && !csv_number(s, len);
	/* a byte order mark in front would be taken for the file's own */
	quote = len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0;
	for (i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n';
	if (quote)
		hf_buf_put(b, "\"", 1);
	if (guard)
		hf_buf_put(b, "'", 1);
	for (i = from = 0; quote && i < len; i++)
		if (s[i] == '"') {
			/* the quote itself, then again from it: doubled */
			hf_buf_put(b, s + from, i + 1 - from);
			from = i;
		}
	hf_buf_put(b, s + from, len - from);
	if (quote)
		hf_buf_put(b, "\"", 1);
	return b->toobig ? -1 : 0;
}

int
hf_csv_puts(struct hf_buf *b, const char *s, int first)
{
	return hf_csv_put(b, s, s != NULL ? strlen(s) : 0, first);
}

int
hf_csv_put_int(struct hf_buf *b, long long v, int first)
{
	char	n[24];
	int	k = snprintf(n, sizeof(n), "%lld", v);

	return hf_csv_put(b, n, (size_t)k, first);
}

int
hf_csv_end(struct hf_buf *b)
{
	return hf_buf_put(b, "\r\n", 2);
}
