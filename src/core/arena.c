/*
 * arena.c: the per-request memory pool. Chunks are chained and freed
 * together; the first chunk is kept across resets so a worker that serves
 * small requests does not go back to malloc at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/core.h"

#define ARENA_CHUNK_SIZE	(64 * 1024)
#define ARENA_ALIGN		16

/*
 * Under AddressSanitizer (--enable-asan, the fuzzers) the free part of a
 * chunk is poisoned and every allocation is followed by a poisoned red
 * zone, so that an overrun of one arena buffer into the next is reported
 * as it would be between two mallocs. The cap still counts only what was
 * asked for.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN	1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_REDZONE	ARENA_ALIGN
#define ARENA_POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_REDZONE	0
#define ARENA_POISON(p, n)	((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n)	((void)(p), (void)(n))
#endif

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	size_t			 used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup	*next;
	void			(*fn)(void *);
	void			*arg;
};

void
arena_init(struct arena *a, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->cap = cap;
}

static struct arena_chunk *
arena_chunk_new(size_t min)
{
	struct arena_chunk	*c;
	size_t			 size = ARENA_CHUNK_SIZE;

	if (min > size - sizeof(*c))
		size = min + sizeof(*c);
	if ((c = malloc(size)) == NULL)
		return NULL;
	c->next = NULL;
	c->size = size - sizeof(*c);
	c->used = 0;
	ARENA_POISON(c->data, c->size);
	return c;
}

/*
 * Returns n bytes aligned to ARENA_ALIGN, or NULL when memory is short or
 * the arena's cap would be passed. Freed by arena_reset().
 */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk	*c;
	size_t			 off, want = n;

	if (n == 0)
		want = n = 1;
	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (a->cap != 0 && a->total + n > a->cap)
		return NULL;
	c = a->head;
	off = c != NULL ? c->used : 0;
	if (c == NULL || c->size - off < n + ARENA_REDZONE) {
		if ((c = arena_chunk_new(n + ARENA_REDZONE)) == NULL)
			return NULL;
		c->next = a->head;
		a->head = c;
		off = 0;
	}
	c->used = off + n + ARENA_REDZONE;
	a->total += n;
	ARENA_UNPOISON(c->data + off, want);
	return c->data + off;
}

void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	void	*p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		return NULL;
	if ((p = arena_alloc(a, nmemb * size)) != NULL)
		memset(p, 0, nmemb * size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	if ((p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/*
 * Registers fn(arg) to run at the next reset. The record itself lives in
 * the arena. Returns -1 (and runs nothing) if it cannot be recorded, so the
 * caller must release arg itself then.
 */
int
arena_on_reset(struct arena *a, void (*fn)(void *), void *arg)
{
	struct arena_cleanup	*c;
	size_t			 cap = a->cap;

	a->cap = 0;	/* a cleanup record must never be refused by the cap */
	c = arena_alloc(a, sizeof(*c));
	a->cap = cap;
	if (c == NULL)
		return -1;
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
	return 0;
}

/* Runs the cleanups newest first, frees every chunk but the oldest. */
void
arena_reset(struct arena *a)
{
	struct arena_cleanup	*cl;
	struct arena_chunk	*c, *next;

	for (cl = a->cleanups; cl != NULL; cl = cl->next)
		cl->fn(cl->arg);
	a->cleanups = NULL;
	for (c = a->head; c != NULL && c->next != NULL; c = next) {
		next = c->next;
		ARENA_UNPOISON(c->data, c->size);
		free(c);
		a->head = next;
	}
	if (a->head != NULL) {
		if (a->head->size > ARENA_CHUNK_SIZE) {
			ARENA_UNPOISON(a->head->data, a->head->size);
			free(a->head);
			a->head = NULL;
		} else {
			a->head->used = 0;
			ARENA_POISON(a->head->data, a->head->size);
		}
	}
	a->total = 0;
}

void
arena_free(struct arena *a)
{
	arena_reset(a);
	if (a->head != NULL)
		ARENA_UNPOISON(a->head->data, a->head->size);
	free(a->head);
	a->head = NULL;
}
