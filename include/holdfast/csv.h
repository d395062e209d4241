/*
 * csv.h: CSV in and out (RFC 4180), pure and in the caller's memory. The
 * reader walks a whole text already in memory, one record at a time,
 * into one record buffer allocated once in an arena; the writer appends
 * fields to an hf_buf. Both live in core (src/core/csv.c): the import and
 * the exports above them decide what the columns mean.
 */
#ifndef HOLDFAST_CSV_H
#define HOLDFAST_CSV_H

#include <stddef.h>

#include "holdfast/core.h"

/* What is wrong with a record; the first fault of a record is kept. */
enum hf_csv_err {
	HF_CSV_OK = 0,
	HF_CSV_E_COLUMNS,	/* more fields than the reader's max_cols */
	HF_CSV_E_LONG,		/* a field longer than max_field bytes */
	HF_CSV_E_QUOTE,		/* a quote in an unquoted field, or text
				 * after a closing quote */
	HF_CSV_E_UNTERMINATED,	/* the text ends inside a quoted field */
	HF_CSV_E_UTF8,		/* a field that is not well-formed UTF-8 */
	HF_CSV_E_NUL,		/* a NUL byte */
	HF_CSV_E_CR,		/* a CR outside quotes not followed by LF */
	HF_CSV_E__MAX
};

/*
 * A reader over text[0..len). Records end at LF or CRLF (a quoted field
 * may hold both); a line with nothing on it is skipped; a UTF-8 byte
 * order mark at the very start is skipped. Fields are unescaped
 * ("" inside quotes is one quote) into buf, NUL-terminated, at most
 * max_cols per record and max_field bytes each: a record past either
 * is read to its end and flagged, never stored past the caps.
 */
struct hf_csv {
	const char	*text, *p, *end;
	size_t		 line;		/* physical line of p (from 1) */
	size_t		 rec_line;	/* where the last record began */
	size_t		 rec_off;	/* its offset in text */
	size_t		 max_cols, max_field;
	char		*buf;		/* max_cols * (max_field + 1) */
	const char	**field;	/* max_cols; NULL past nfields */
	size_t		*len;
	size_t		 nfields;	/* stored (<= max_cols) */
	size_t		 ncols;		/* seen, stored or not */
	enum hf_csv_err	 err;		/* the record's first fault */
	size_t		 err_col;	/* its column, from 1 */
	int		 bom;		/* the text began with a BOM */
};

#define HF_CSV_COLS_MAX		64
#define HF_CSV_FIELD_MAX	(1024 * 1024)

/* 0, or -1 when a cap is out of range or the arena is full. */
int	 hf_csv_init(struct hf_csv *, struct arena *, const char *text,
	    size_t len, size_t max_cols, size_t max_field);
/* 1: a record was read (err says whether it is whole); 0: the end. */
int	 hf_csv_next(struct hf_csv *);
/* Reads again from a record's offset and line (rec_off, rec_line). */
void	 hf_csv_seek(struct hf_csv *, size_t off, size_t line);
const char *hf_csv_strerror(enum hf_csv_err);

/*
 * The writer. A field is quoted when it holds a comma, a quote, CR or
 * LF. A field that a spreadsheet would run as a formula, one starting
 * with = + - @ TAB or CR, gets a leading apostrophe, unless it is a
 * plain number ("-12", "3.50"); so does one that starts with an
 * apostrophe, so that hf_csv_unguard() undoes exactly what was added.
 * A NULL field is empty (a row's first, "": a row of one empty field is
 * no blank line). Each returns 0, or -1 once the buffer failed.
 */
int	 hf_csv_put(struct hf_buf *, const char *s, size_t len, int first);
int	 hf_csv_puts(struct hf_buf *, const char *s, int first);
int	 hf_csv_put_int(struct hf_buf *, long long, int first);
int	 hf_csv_end(struct hf_buf *);	/* CRLF */
/* 1 if s begins with the writer's guard apostrophe (skip it), else 0. */
size_t	 hf_csv_unguard(const char *s, size_t len);

#endif /* HOLDFAST_CSV_H */
