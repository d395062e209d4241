/*
 * fuzz_csv.c: the CSV reader and writer (src/core/csv.c). The first two
 * bytes choose the reader's caps (1..16 columns, 1..256 bytes a field),
 * the rest is the text. Properties: the reader ends; every record starts
 * past the last; a whole record (no fault) has its columns within the
 * cap, every field well-formed UTF-8 without NUL and within its cap; and
 * written back with the writer and read again (caps wide open) it is one
 * record with the same fields, once the writer's formula guard is taken
 * off each (hf_csv_unguard). hf_csv_seek to a record's start reads it
 * again the same.
 */
#include <string.h>

#include "holdfast/csv.h"
#include "fuzz.h"

static void
round_trip(const struct hf_csv *r)
{
	struct arena	 a;
	struct hf_buf	 b;
	struct hf_csv	 back;
	size_t		 i, k;

	arena_init(&a, 0);
	hf_buf_init(&b, NULL, 0);
	for (i = 0; i < r->nfields; i++)
		FUZZ_ASSERT(hf_csv_put(&b, r->field[i], r->len[i], i == 0) ==
		    0);
	FUZZ_ASSERT(hf_csv_end(&b) == 0);
	FUZZ_ASSERT(hf_csv_init(&back, &a, b.p, b.len, HF_CSV_COLS_MAX,
	    1024) == 0);
	FUZZ_ASSERT(hf_csv_next(&back) == 1);
	FUZZ_ASSERT(back.err == HF_CSV_OK);
	FUZZ_ASSERT(back.nfields == r->nfields);
	for (i = 0; i < r->nfields; i++) {
		k = hf_csv_unguard(back.field[i], back.len[i]);
		FUZZ_ASSERT(back.len[i] - k == r->len[i]);
		FUZZ_ASSERT(memcmp(back.field[i] + k, r->field[i],
		    r->len[i]) == 0);
	}
	FUZZ_ASSERT(hf_csv_next(&back) == 0);
	hf_buf_free(&b);
	arena_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	 a;
	struct hf_csv	 r, again;
	size_t		 cols, field, i, last = 0, n = 0;
	int		 first = 1;

	if (size < 2)
		return 0;
	cols = 1 + data[0] % 16;
	field = 1 + data[1];
	arena_init(&a, 0);
	FUZZ_ASSERT(hf_csv_init(&r, &a, (const char *)data + 2, size - 2,
	    cols, field) == 0);
	FUZZ_ASSERT(hf_csv_init(&again, &a, (const char *)data + 2, size - 2,
	    cols, field) == 0);
	while (hf_csv_next(&r)) {
		FUZZ_ASSERT(++n <= size);
		FUZZ_ASSERT(first || r.rec_off > last);
		first = 0;
		last = r.rec_off;
		FUZZ_ASSERT(r.nfields <= cols && r.nfields <= r.ncols);
		if (r.err != HF_CSV_OK)
			continue;
		FUZZ_ASSERT(r.nfields == r.ncols && r.ncols >= 1);
		for (i = 0; i < r.nfields; i++) {
			FUZZ_ASSERT(r.len[i] <= field);
			FUZZ_ASSERT(memchr(r.field[i], '\0', r.len[i]) == NULL);
			FUZZ_ASSERT(hf_utf8_valid(r.field[i], r.len[i]));
		}
		round_trip(&r);
		hf_csv_seek(&again, r.rec_off, r.rec_line);
		FUZZ_ASSERT(hf_csv_next(&again) == 1);
		FUZZ_ASSERT(again.nfields == r.nfields && again.err == r.err);
		for (i = 0; i < r.nfields; i++)
			FUZZ_ASSERT(again.len[i] == r.len[i] &&
			    memcmp(again.field[i], r.field[i], r.len[i]) == 0);
	}
	arena_free(&a);
	return 0;
}
