/*
 * cache_int.h: what the files of src/cache share beyond cache.h (cache.c
 * owns the connection; cache_multi.c runs its scripts on it).
 */
#ifndef HOLDFAST_CACHE_INT_H
#define HOLDFAST_CACHE_INT_H

#include <hiredis/hiredis.h>
#include <stdint.h>

#include "holdfast/cache.h"

/* the open connection, opened if need be; NULL while down or backing off */
redisContext	*cache_conn(struct cache *);
/* a command on it failed: drop it and back off */
void		 cache_conn_failed(struct cache *);
/*
 * 1 when another worker of this host lost a write to Redis since this
 * one last acted on it (*lost: the generation to pass to cache_lost_seen
 * once a script has bumped the epoch for it).
 */
int		 cache_lost_news(struct cache *, uint64_t *lost);
void		 cache_lost_seen(struct cache *, uint64_t lost);

#endif /* HOLDFAST_CACHE_INT_H */
