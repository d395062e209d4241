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
 * window, *ttl_ms what is left of it. One atomic script per call.
 */
int	 cache_rate_hit(struct cache *, const char *key, int window_s,
	    long long *count, long long *ttl_ms);

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

#endif /* HOLDFAST_CACHE_H */
