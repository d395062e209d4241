/*
 * cache.h: the only door to Redis. Losing Redis loses nothing: every
 * call fails fast while the connection is down, and after a failure the
 * worker leaves Redis alone for redis_backoff_ms before trying again.
 */
#ifndef HOLDFAST_CACHE_H
#define HOLDFAST_CACHE_H

#include "holdfast/core.h"

struct cache;

struct cache	*cache_new(const struct hf_config *);
void		 cache_free(struct cache *);
int		 cache_ping(struct cache *);	/* HF_OK or SYS_UNAVAILABLE */
const char	*cache_last_error(const struct cache *);

/*
 * Counts one hit in a fixed window: *count is the hits so far in the
 * window, *ttl_ms what is left of it; gen (optional) gets the generation
 * at gen_key (NULL: the API keys', hf:keygen; "-" when there is none)
 * and the cache epoch, "<gen>:<epoch>". One atomic script per call. peek
 * reads the count (0 without a window) without counting.
 */
int	 cache_rate_hit(struct cache *, const char *key, int window_s,
	    const char *gen_key, long long *count, long long *ttl_ms,
	    char *gen, size_t genlen);
int	 cache_rate_peek(struct cache *, const char *key, long long *count,
	    long long *ttl_ms);

/*
 * Sets the generation at key to gen unless it holds a higher one, for
 * ttl_s. must: a write that others rely on (see cache_bump).
 */
int	 cache_gen_raise(struct cache *, const char *key, const char *gen,
	    int ttl_s, int must);

/*
 * Short-lived codes: keeps a hash with a TTL and a try counter. check
 * answers 1 (matched, consumed), 0 (wrong or none), -1 (too many tries:
 * the code is gone), or HF_E_SYS_UNAVAILABLE through *rc.
 */
int	 cache_code_put(struct cache *, const char *key, const char *hash,
	    int ttl_s);
int	 cache_code_check(struct cache *, const char *key, const char *hash,
	    int max_tries, int *rc);
int	 cache_del(struct cache *, const char *key);

/*
 * Versioned cache-aside (the stale-set race closed by versions): every
 * entry's key ends in ":<epoch>:<version>" read from Redis with it, in one
 * script. A write bumps the version after COMMIT, so a reader that loaded
 * the database before the write stores its old value under the old
 * version, which nobody reads again. get fills *key (arena) for the set
 * that follows a miss; *out is NULL on a miss. After Redis was lost, the
 * first call that reaches it again bumps the epoch: every entry written
 * before is orphaned, so a failed invalidation cannot leave a stale one.
 */
int	 cache_vget(struct cache *, struct arena *, const char *ver_key,
	    const char *prefix, char **key, char **out, size_t *len);
int	 cache_vset(struct cache *, const char *key, const char *val,
	    size_t len, int ttl_s);
int	 cache_bump(struct cache *, const char *const *ver_keys, size_t n);
/*
 * cache_rate_hit and cache_vget in one script, one round trip: counts a
 * hit at rate_key first and answers gen as cache_rate_hit does (only when
 * gen is not NULL); when *count is over max no entry is read (*key and
 * *out NULL).
 */
int	 cache_vget_rate(struct cache *, struct arena *, const char *ver_key,
	    const char *prefix, const char *rate_key, int window_s,
	    long long max, const char *gen_key, long long *count,
	    long long *ttl_ms, char *gen, size_t genlen, char **key,
	    char **out, size_t *len);
/* every entry at once (holdfast-admin restore): HF_OK or SYS_UNAVAILABLE */
int	 cache_bump_epoch(struct cache *);

/*
 * A list page whose entry holds what changes rarely, and the stock entry
 * of each of its products, in one script (issue 13). The page is read
 * under ver_key like cache_vget's entries; its first line names its
 * products, "<id>/<SKU> ...", and each SKU's entry is read at
 * <stock_prefix><SKU>:<epoch>:<version at stock_ver_prefix<SKU>>. key is
 * for the set after a page miss (page NULL); skey[i] for the set after a
 * stock miss (sval[i] NULL). Everything is in the arena.
 */
struct cache_page {
	char		*key;
	char		*page;
	size_t		 len;
	size_t		 n;
	char		**skey, **sval;
	size_t		*slen;
};

int	 cache_page_get(struct cache *, struct arena *, const char *ver_key,
	    const char *prefix, const char *stock_prefix,
	    const char *stock_ver_prefix, struct cache_page *);
/* n SETs with one TTL in one round trip */
int	 cache_vset_many(struct cache *, const char *const *keys,
	    const char *const *vals, const size_t *lens, size_t n, int ttl_s);

/*
 * The reading history (issue 14, item 3; history.c): a capped sorted set
 * per reader, scored by the view's time, and the reader's switch copied
 * from the database ("1" on, "0" off, missing: not known).
 * cache_hist_record answers *state 1 (recorded), 0 (off) or -1 (the
 * switch is not in Redis: the caller reads it and sets it).
 */
int	 cache_hist_record(struct cache *, const char *flag_key,
	    const char *list_key, uint64_t product_id, long long score,
	    int max_items, long long min_score, int ttl_s, int *state);
int	 cache_hist_flag(struct cache *, const char *flag_key, int enabled,
	    int ttl_s);
int	 cache_hist_page(struct cache *, struct arena *, const char *list_key,
	    long long before, long long min_score, long long offset, int n,
	    uint64_t **ids, long long **scores, size_t *count,
	    long long *total);
int	 cache_hist_clear(struct cache *, const char *list_key);

/*
 * Issue 16: bumps the epoch once for a generation of lost invalidations
 * (the database's) that Redis has not acted on yet (hf:lost).
 */
int	 cache_lost_apply(struct cache *, const char *gen, int *bumped);

#endif /* HOLDFAST_CACHE_H */
