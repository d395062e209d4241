/*
 * history.c: a reader's product views in Redis (issue 14, item 3). One
 * sorted set per reader, hf:hist:<user id>: member the product id, score
 * the view's time in milliseconds times 1000 plus the product id modulo
 * 1000 (so two views in one millisecond keep their order and a score is
 * a unique keyset for paging; exact in a double until the year 2255). A
 * second view of a product moves it to the top. The record script keeps
 * at most max_items members and none older than min_score, checks the
 * reader's switch (hf:histon:<user id>) first, and costs one round trip;
 * no database statement runs on the cached read path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_int.h"

const char cache_hist_record_script[] =
    "local f = redis.call('GET', KEYS[1]) "
    "if not f then return -1 end "
    "if f ~= '1' then return 0 end "
    "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1]) "
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4]) "
    "redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1)) "
    "redis.call('EXPIRE', KEYS[2], ARGV[5]) "
    "redis.call('EXPIRE', KEYS[1], ARGV[5]) "
    "return 1";

const char cache_hist_page_script[] =
    "local t = redis.call('ZCOUNT', KEYS[1], ARGV[2], '+inf') "
    "local r = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2], "
    "'WITHSCORES', 'LIMIT', ARGV[3], ARGV[4]) "
    "return {t, r}";

int
cache_hist_record(struct cache *c, const char *flag_key, const char *list_key,
    uint64_t product_id, long long score, int max_items, long long min_score,
    int ttl_s, int *state)
{
	redisReply	*r;
	char		 pid[24], sc[24], mx[16], mn[24], ttl[16];
	int		 rc = HF_OK;

	snprintf(pid, sizeof(pid), "%llu", (unsigned long long)product_id);
	snprintf(sc, sizeof(sc), "%lld", score);
	snprintf(mx, sizeof(mx), "%d", max_items);
	snprintf(mn, sizeof(mn), "%lld", min_score);
	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	r = cache_eval(c, S_HIST_RECORD, 2, 7, flag_key, list_key, pid, sc, mx,
	    mn, ttl);
	if (r == NULL)
		return HF_E_SYS_UNAVAILABLE;
	if (r->type == REDIS_REPLY_INTEGER)
		*state = (int)r->integer;
	else
		rc = HF_E_SYS_UNAVAILABLE;
	freeReplyObject(r);
	return rc;
}

int
cache_hist_flag(struct cache *c, const char *flag_key, int enabled,
    int ttl_s)
{
	redisReply	*r;
	int		 rc;

	r = cache_command(c, "SET %s %s EX %d", flag_key, enabled ? "1" : "0",
	    ttl_s);
	if (r == NULL)
		return HF_E_SYS_UNAVAILABLE;
	rc = r->type == REDIS_REPLY_STATUS ? HF_OK : HF_E_SYS_UNAVAILABLE;
	freeReplyObject(r);
	return rc;
}

static long long
reply_ll(const redisReply *e)
{
	if (e->type == REDIS_REPLY_INTEGER)
		return e->integer;
	if (e->type == REDIS_REPLY_STRING)
		return strtoll(e->str, NULL, 10);
	return 0;
}

/*
 * Up to n members scored below before (0: from the newest) and at least
 * min_score, newest first, skipping offset; *total counts every member
 * at least min_score.
 */
int
cache_hist_page(struct cache *c, struct arena *a, const char *list_key,
    long long before, long long min_score, long long offset, int n,
    uint64_t **ids, long long **scores, size_t *count, long long *total)
{
	redisReply	*r, *list;
	char		 bf[32], mn[24], off[24], lim[16];
	size_t		 i, k;
	int		 rc = HF_E_SYS_UNAVAILABLE;

	*count = 0;
	*total = 0;
	if (before > 0)
		snprintf(bf, sizeof(bf), "(%lld", before);
	else
		snprintf(bf, sizeof(bf), "+inf");
	snprintf(mn, sizeof(mn), "%lld", min_score);
	snprintf(off, sizeof(off), "%lld", offset);
	snprintf(lim, sizeof(lim), "%d", n);
	r = cache_eval(c, S_HIST_PAGE, 1, 5, list_key, bf, mn, off, lim);
	if (r == NULL)
		return HF_E_SYS_UNAVAILABLE;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[1]->type != REDIS_REPLY_ARRAY)
		goto out;
	list = r->element[1];
	*total = reply_ll(r->element[0]);
	k = list->elements / 2;
	*ids = arena_calloc(a, k + 1, sizeof(**ids));
	*scores = arena_calloc(a, k + 1, sizeof(**scores));
	if (*ids == NULL || *scores == NULL) {
		rc = HF_E_SYS_INTERNAL;
		goto out;
	}
	for (i = 0; i < k; i++) {
		(*ids)[i] = (uint64_t)reply_ll(list->element[2 * i]);
		(*scores)[i] = reply_ll(list->element[2 * i + 1]);
	}
	*count = k;
	rc = HF_OK;
out:
	freeReplyObject(r);
	return rc;
}

int
cache_hist_clear(struct cache *c, const char *list_key)
{
	redisReply	*r;

	if ((r = cache_command(c, "DEL %s", list_key)) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	freeReplyObject(r);
	return HF_OK;
}
