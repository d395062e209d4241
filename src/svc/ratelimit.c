/*
 * ratelimit.c: fixed-window limits counted in Redis, atomically across
 * every worker. While Redis is down the auth limits (login, register,
 * codes) fall back to a counter in this worker's memory, which enforces
 * the whole limit per worker: weaker, but never silently gone. General
 * limits are not enforced while Redis is down (a documented choice: the
 * database, not Redis, is what must stay available).
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/cache.h"
#include "holdfast/svc.h"

#define RATE_LOCAL_SLOTS	1024

struct rate_slot {
	uint64_t	hash;
	int64_t		window_end_ms;
	long long	count;
};

static struct rate_slot	rate_local[RATE_LOCAL_SLOTS];

static uint64_t
rate_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct rate_slot *
rate_local_slot(const char *key)
{
	uint64_t		 h = rate_hash(key);
	struct rate_slot	*s = &rate_local[h % RATE_LOCAL_SLOTS];

	return s->hash == h && hf_now_ms() < s->window_end_ms ? s : NULL;
}

static void
rate_local_hit(const char *key, int window_s, long long *count,
    long long *ttl_ms)
{
	uint64_t		 h = rate_hash(key);
	struct rate_slot	*s = &rate_local[h % RATE_LOCAL_SLOTS];
	int64_t			 now = hf_now_ms();

	if (s->hash != h || now >= s->window_end_ms) {
		s->hash = h;
		s->window_end_ms = now + (int64_t)window_s * 1000;
		s->count = 0;
	}
	*count = ++s->count;
	*ttl_ms = s->window_end_ms - now;
}

/*
 * Counts one hit against key. Returns HF_OK, or HF_E_REQ_RATE with
 * *retry_after (seconds, >= 1) once the window holds more than max.
 */
int
svc_rate(struct app *app, enum rate_kind kind, const char *key, int max,
    int window_s, int *retry_after)
{
	return svc_rate_gen(app, kind, key, max, window_s, NULL, retry_after,
	    NULL, 0);
}

/*
 * svc_rate that also answers the generation at gen_key (NULL: the API
 * keys') with the cache epoch, "" without Redis.
 */
int
svc_rate_gen(struct app *app, enum rate_kind kind, const char *key, int max,
    int window_s, const char *gen_key, int *retry_after, char *gen,
    size_t genlen)
{
	char		 k[300];
	long long	 count = 0, ttl_ms = 0;

	if (gen != NULL && genlen > 0)
		gen[0] = '\0';
	snprintf(k, sizeof(k), "hf:rl:%s", key);
	if (cache_rate_hit(app->cache, k, window_s, gen_key, &count, &ttl_ms,
	    gen, genlen) != HF_OK) {
		if (kind != RATE_AUTH)
			return HF_OK;
		rate_local_hit(k, window_s, &count, &ttl_ms);
	}
	if (count <= max)
		return HF_OK;
	*retry_after = (int)((ttl_ms + 999) / 1000);
	if (*retry_after < 1)
		*retry_after = 1;
	return HF_E_REQ_RATE;
}

/*
 * The hits in key's window so far, without counting one (0 when it has no
 * window); *retry_after gets what is left of the window (seconds, >= 1).
 * Without Redis: this worker's own count for an auth limit, else 0.
 */
long long
svc_rate_peek(struct app *app, enum rate_kind kind, const char *key,
    int *retry_after)
{
	struct rate_slot	*s;
	char			 k[300];
	long long		 count = 0, ttl_ms = 0;

	snprintf(k, sizeof(k), "hf:rl:%s", key);
	if (cache_rate_peek(app->cache, k, &count, &ttl_ms) != HF_OK) {
		count = ttl_ms = 0;
		if (kind == RATE_AUTH && (s = rate_local_slot(k)) != NULL) {
			count = s->count;
			ttl_ms = s->window_end_ms - hf_now_ms();
		}
	}
	if (retry_after != NULL) {
		*retry_after = (int)((ttl_ms + 999) / 1000);
		if (*retry_after < 1)
			*retry_after = 1;
	}
	return count;
}

/* Ends key's window, in Redis and in this worker: the next hit is the first. */
void
svc_rate_reset(struct app *app, const char *key)
{
	struct rate_slot	*s;
	char			 k[300];

	snprintf(k, sizeof(k), "hf:rl:%s", key);
	cache_del(app->cache, k);
	if ((s = rate_local_slot(k)) != NULL)
		s->window_end_ms = 0;
}

/* Seconds a refused client should wait, from what is left of the window. */
static int
rate_retry(long long ttl_ms)
{
	long long	s = (ttl_ms + 999) / 1000;

	return s < 1 ? 1 : s > INT32_MAX ? INT32_MAX : (int)s;
}

/* The verdict on a count a script made (svc_rate_read): as svc_rate. */
int
svc_rate_verdict(long long count, long long ttl_ms, int max,
    int *retry_after)
{
	if (count <= max)
		return HF_OK;
	if (retry_after != NULL)
		*retry_after = rate_retry(ttl_ms);
	return HF_E_REQ_RATE;
}
