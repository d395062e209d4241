/*
 * buf.c: a text that grows with a hard cap (curl's dynbuf), the one
 * growable buffer: in a request's arena when given one (the metrics page),
 * else on the heap (an e-mail, which outlives any arena). A put that
 * would pass the cap, or finds no memory, fails and marks the buffer, and
 * every later put fails too, so a builder checks once at the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/core.h"

#define HF_BUF_FIRST	4096

void
hf_buf_init(struct hf_buf *b, struct arena *a, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->arena = a;
	b->max = max;
}

/* Room for need more bytes and a NUL. Returns 0, or -1 (toobig set). */
static int
buf_grow(struct hf_buf *b, size_t need)
{
	size_t	 want;
	char	*np;

	if (b->toobig)
		return -1;
	if (need > SIZE_MAX / 2 - b->len - 1 ||
	    (b->max != 0 && b->len + need + 1 > b->max)) {
		b->toobig = 1;
		return -1;
	}
	if (b->len + need + 1 <= b->size)
		return 0;
	want = b->size == 0 ? HF_BUF_FIRST : b->size;
	while (want < b->len + need + 1)
		want *= 2;
	if (b->max != 0 && want > b->max)
		want = b->max;
	if (b->arena != NULL) {
		if ((np = arena_alloc(b->arena, want)) != NULL && b->len > 0)
			memcpy(np, b->p, b->len);
	} else
		np = realloc(b->p, want);
	if (np == NULL) {
		b->toobig = 1;
		return -1;
	}
	b->p = np;
	b->size = want;
	return 0;
}

/* Appends n bytes of s. Returns 0, or -1 (the buffer stays failed). */
int
hf_buf_put(struct hf_buf *b, const void *s, size_t n)
{
	if (buf_grow(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
hf_buf_puts(struct hf_buf *b, const char *s)
{
	return hf_buf_put(b, s, strlen(s));
}

/* Appends the formatted text; tries the room there is first. */
int
hf_buf_printf(struct hf_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (b->toobig || (b->p == NULL && buf_grow(b, 0) != 0))
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->p[b->len] = '\0';
		b->toobig = 1;
		return -1;
	}
	if ((size_t)n >= b->size - b->len) {
		b->p[b->len] = '\0';
		if (buf_grow(b, (size_t)n) != 0)
			return -1;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}

/* Frees a heap buffer; an arena's goes with its arena. */
void
hf_buf_free(struct hf_buf *b)
{
	if (b->arena == NULL)
		free(b->p);
	b->p = NULL;
	b->len = b->size = 0;
}
