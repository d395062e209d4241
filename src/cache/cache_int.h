/*
 * cache_int.h: what cache.c (the connection, scripts by SHA1) shares with
 * versions.c (versioned entries, bumps, generations) and cache_multi.c
 * (list pages). Private to src/cache.
 */
#ifndef HOLDFAST_CACHE_INT_H
#define HOLDFAST_CACHE_INT_H

#include <hiredis/hiredis.h>
#include <stdint.h>

#include "holdfast/cache.h"

/*
 * Every script, loaded (SCRIPT LOAD) once per connection and called by its
 * SHA1 (EVALSHA): a call sends the arguments, not the script's text.
 */
enum script {
	S_RATE = 0,
	S_PEEK,
	S_CODE,
	S_VGET,
	S_RAISE,
	S_BUMP,
	S_VGET_RATE,
	S_HIST_RECORD,	/* history.c (issue 14) */
	S_HIST_PAGE,
	S__MAX
};

struct cache {
	const struct hf_config	*cfg;
	redisContext		*ctx;
	int64_t			 retry_at_ms;	/* no attempt before this */
	int			 lost;		/* failed since the last bump */
	int			 slow_fail;	/* the last failure timed out */
	uint64_t		 seen_lost;	/* metrics_cache_lost() acted on */
	char			 err[256];
	char			 sha[S__MAX][41];	/* SCRIPT LOADed */
	struct lcache		*lc;		/* copies; NULL: off */
};

#define CACHE_EVAL_ARGS	48	/* keys and arguments of one script call */

/* the scripts of versions.c */
extern const char cache_vget_script[], cache_vget_rate_script[],
	    cache_bump_script[], cache_raise_script[];
/* the scripts of history.c */
extern const char cache_hist_record_script[], cache_hist_page_script[];

int		 cache_connect(struct cache *);
redisReply	*cache_command(struct cache *, const char *fmt, ...);
redisReply	*cache_evalv(struct cache *, enum script, int nkeys, int argc,
		    const char *const *argv);
redisReply	*cache_eval(struct cache *, enum script, int nkeys, int argc,
		    ...);

/* for cache_multi.c (list pages): the open connection, opened if need be
 * (NULL while down or backing off), a failure on it (drop it and back
 * off), and the host's "lost" generation a script should act on: 1 when
 * another worker of this host lost a write to Redis since this one last
 * acted on it (*lost: the generation to pass to cache_lost_seen once a
 * script has bumped the epoch for it) */
redisContext	*cache_conn(struct cache *);
void		 cache_conn_failed(struct cache *);
int		 cache_lost_news(struct cache *, uint64_t *lost);
void		 cache_lost_seen(struct cache *, uint64_t lost);

/*
 * lcache.c: the per-worker copies of product and stock entries, served
 * only when the read's script says their key is still current, dropped on
 * Redis' invalidation messages (docs/internals.md "Issue 13: per-worker
 * cache"). lc_ready drains the messages and says whether copies may be
 * used; lc_get's key and text stay the cache's.
 */
int		 lc_init(struct cache *);
void		 lc_free(struct cache *);
void		 lc_flush(struct cache *);
void		 lc_main_lost(struct cache *);
int		 lc_ready(struct cache *);
int		 lc_get(struct cache *, const char *base, const char **key,
		    const char **val, size_t *len);
void		 lc_used(struct cache *, const char *base);
void		 lc_put(struct cache *, const char *key, const char *val,
		    size_t len);

#endif /* HOLDFAST_CACHE_INT_H */
