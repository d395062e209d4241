/*
 * versions.c: versioned cache-aside entries (the version read in the same
 * script as the entry), the bump of every version a write touched in one
 * script call, and raised generations.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/metrics.h"
#include "cache_int.h"

const char cache_vget_script[] =
    "if ARGV[2] == '1' then redis.call('INCR', 'hf:epoch') end "
    "local e = redis.call('GET', 'hf:epoch') or '0' "
    "local v = redis.call('GET', KEYS[1]) or '0' "
    "local k = ARGV[1] .. ':' .. e .. ':' .. v "
    "if ARGV[3] == k then return {k, 1} end "
    "return {k, redis.call('GET', k)}";

/*
 * The worker's copy of the entry under prefix, if it may be used: its key
 * (in the arena, for the script to compare with the current one) and its
 * text (the cache's until the next change to the copies). "" and NULL
 * when there is none.
 */
static const char *
local_lookup(struct cache *c, struct arena *a, const char *prefix,
    int *ready, const char **val, size_t *len)
{
	const char	*key;

	*val = NULL;
	*len = 0;
	*ready = 0;
	/* products and stock only: list pages are not copied */
	if (strncmp(prefix, "hf:c:p:", 7) != 0 &&
	    strncmp(prefix, "hf:c:s:", 7) != 0)
		return "";
	*ready = lc_ready(c);
	if (!*ready || !lc_get(c, prefix, &key, val, len))
		return "";
	if ((key = arena_strdup(a, key)) == NULL) {
		*val = NULL;
		return "";
	}
	return key;
}

/*
 * After the script: the copy was current (*out: a copy of it in the
 * arena), or what Redis answered is kept as the copy.
 */
static int
local_after(struct cache *c, struct arena *a, int ready, const char *prefix,
    const char *lval, size_t llen, int current, const char *key,
    char **out, size_t *len)
{
	if (current) {
		if (lval == NULL || (*out = arena_strndup(a, lval, llen)) ==
		    NULL)
			return HF_E_SYS_INTERNAL;
		*len = llen;
		lc_used(c, prefix);
		metrics_add(M_LCACHE_HIT, 1);
		return HF_OK;
	}
	if (!ready)
		return HF_OK;
	metrics_add(M_LCACHE_MISS, 1);
	if (*out != NULL && key != NULL)
		lc_put(c, key, *out, *len);
	return HF_OK;
}

int
cache_vget(struct cache *c, struct arena *a, const char *ver_key,
    const char *prefix, char **key, char **out, size_t *len)
{
	redisReply	*r;
	uint64_t	 lost = metrics_cache_lost();
	int		 rc = HF_E_SYS_UNAVAILABLE;

	const char	*known, *lval;
	size_t		 llen;
	int		 ready, current = 0;

	*key = *out = NULL;
	*len = 0;
	known = local_lookup(c, a, prefix, &ready, &lval, &llen);
	/* another worker lost an invalidation: orphan every entry first */
	if ((r = cache_eval(c, S_VGET, 1, 4, ver_key, prefix,
	    lost != c->seen_lost ? "1" : "0", known)) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	c->seen_lost = lost;
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    r->element[0]->type == REDIS_REPLY_STRING) {
		*key = arena_strndup(a, r->element[0]->str, r->element[0]->len);
		if (r->elements == 2 &&
		    r->element[1]->type == REDIS_REPLY_STRING) {
			*out = arena_strndup(a, r->element[1]->str,
			    r->element[1]->len);
			*len = r->element[1]->len;
		} else if (r->elements == 2 &&
		    r->element[1]->type == REDIS_REPLY_INTEGER)
			current = known[0] != '\0';
		rc = *key != NULL ? HF_OK : HF_E_SYS_INTERNAL;
	}
	freeReplyObject(r);
	if (rc == HF_OK)
		rc = local_after(c, a, ready, prefix, lval, llen, current, *key,
		    out, len);
	if (rc == HF_OK)
		metrics_add(*out != NULL ? M_CACHE_HIT : M_CACHE_MISS, 1);
	return rc;
}

/*
 * The rate script (its generation only when asked: KEYS[3]) and
 * vget_script in one script, so a cached read is one round trip. Over the
 * limit it reads no entry: {count, ttl, gen}; else {count, ttl, gen, key,
 * entry}, the entry left out on a miss.
 */
const char cache_vget_rate_script[] =
    "if ARGV[2] == '1' then redis.call('INCR', 'hf:epoch') end "
    "local c = redis.call('INCR', KEYS[2]) "
    "local t = tonumber(ARGV[3]) "
    "if c == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) else "
    "t = redis.call('PTTL', KEYS[2]) "
    "if t < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) "
    "t = tonumber(ARGV[3]) end end "
    "local e = redis.call('GET', 'hf:epoch') or '0' "
    "local g = '' "
    "if #KEYS > 2 then g = redis.call('GET', KEYS[3]) "
    "if not g then g = (KEYS[3] == 'hf:keygen') and '0' or '-' end "
    "g = g .. ':' .. e end "
    "if c > tonumber(ARGV[4]) then return {c, t, g} end "
    "local v = redis.call('GET', KEYS[1]) or '0' "
    "local k = ARGV[1] .. ':' .. e .. ':' .. v "
    "if ARGV[5] == k then return {c, t, g, k, 1} end "
    "return {c, t, g, k, redis.call('GET', k)}";

static int
reply_str(const redisReply *r, size_t i)
{
	return r->elements > i && r->element[i]->type == REDIS_REPLY_STRING;
}

int
cache_vget_rate(struct cache *c, struct arena *a, const char *ver_key,
    const char *prefix, const char *rate_key, int window_s, long long max,
    const char *gen_key, long long *count, long long *ttl_ms, char *gen,
    size_t genlen, char **key, char **out, size_t *len)
{
	redisReply	*r, *e;
	uint64_t	 lost = metrics_cache_lost();
	char		 win[24], lim[24];
	const char	*known, *lval;
	size_t		 llen;
	int		 rc = HF_E_SYS_UNAVAILABLE, ready, current = 0;

	*key = *out = NULL;
	*len = 0;
	snprintf(win, sizeof(win), "%lld", (long long)window_s * 1000);
	snprintf(lim, sizeof(lim), "%lld", max);
	known = local_lookup(c, a, prefix, &ready, &lval, &llen);
	if (gen != NULL && genlen > 0)
		r = cache_eval(c, S_VGET_RATE, 3, 8, ver_key, rate_key,
		    gen_key != NULL ? gen_key : "hf:keygen", prefix,
		    lost != c->seen_lost ? "1" : "0", win, lim, known);
	else
		r = cache_eval(c, S_VGET_RATE, 2, 7, ver_key, rate_key, prefix,
		    lost != c->seen_lost ? "1" : "0", win, lim, known);
	if (r == NULL)
		return HF_E_SYS_UNAVAILABLE;
	c->seen_lost = lost;
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[1]->type == REDIS_REPLY_INTEGER && reply_str(r, 2)) {
		*count = r->element[0]->integer;
		*ttl_ms = r->element[1]->integer;
		if (gen != NULL && genlen > 0)
			snprintf(gen, genlen, "%s", r->element[2]->str);
		rc = HF_OK;
		if (reply_str(r, 3)) {
			e = r->element[3];
			if ((*key = arena_strndup(a, e->str, e->len)) == NULL)
				rc = HF_E_SYS_INTERNAL;
		}
		if (rc == HF_OK && reply_str(r, 4)) {
			e = r->element[4];
			if ((*out = arena_strndup(a, e->str, e->len)) == NULL)
				rc = HF_E_SYS_INTERNAL;
			*len = e->len;
		} else if (r->elements > 4 &&
		    r->element[4]->type == REDIS_REPLY_INTEGER)
			current = known[0] != '\0';
	} else
		snprintf(c->err, sizeof(c->err), "read script: unexpected "
		    "reply");
	freeReplyObject(r);
	/* over the limit no entry was read: the copy is not looked at */
	if (rc == HF_OK && *key != NULL)
		rc = local_after(c, a, ready, prefix, lval, llen, current,
		    *key, out, len);
	if (rc == HF_OK && *key != NULL)
		metrics_add(*out != NULL ? M_CACHE_HIT : M_CACHE_MISS, 1);
	return rc;
}

int
cache_vset(struct cache *c, const char *key, const char *val, size_t len,
    int ttl_s)
{
	redisReply	*r;

	if ((r = cache_command(c, "SET %s %b EX %d", key, val, len, ttl_s)) ==
	    NULL)
		return HF_E_SYS_UNAVAILABLE;
	freeReplyObject(r);
	/* what this worker wrote is its copy (NOLOOP: no message for it) */
	lc_put(c, key, val, len);
	return HF_OK;
}

/* Every version a write touched, one INCR each, in one script call. */
const char cache_bump_script[] =
    "for i = 1, #KEYS do redis.call('INCR', KEYS[i]) end "
    "return #KEYS";

static int
cache_bump_once(struct cache *c, const char *const *ver_keys, size_t n)
{
	redisReply	*r;
	int		 rc;

	if (n > CACHE_EVAL_ARGS)
		return HF_E_SYS_UNAVAILABLE;
	if ((r = cache_evalv(c, S_BUMP, (int)n, (int)n, ver_keys)) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	rc = r->type == REDIS_REPLY_INTEGER ? HF_OK : HF_E_SYS_UNAVAILABLE;
	if (rc != HF_OK)
		snprintf(c->err, sizeof(c->err), "bump script: %s",
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	return rc;
}

/*
 * Bumps every version in one round trip. A lost bump would leave other
 * workers reading an old entry, so a bump tries harder than a read: it
 * ignores a back-off that followed a fast failure (Redis restarted,
 * refused, the connection closed) and, when the connection it had broke,
 * reopens it at once for one more try. A back-off after a timeout (Redis
 * paused) is kept, so no request waits more than one redis_timeout_ms. If
 * the bump is lost, the host's shared "lost" generation moves: every worker
 * of this host bumps the epoch in its next cache read (orphaning every
 * entry), and this worker also does when it reconnects.
 */
int
cache_bump(struct cache *c, const char *const *ver_keys, size_t n)
{
	int	had_conn = c->ctx != NULL;

	if (n == 0)
		return HF_OK;
	if (!c->slow_fail)
		c->retry_at_ms = 0;
	if (cache_bump_once(c, ver_keys, n) == HF_OK)
		return HF_OK;
	if (had_conn && !c->slow_fail) {
		c->retry_at_ms = 0;
		if (cache_bump_once(c, ver_keys, n) == HF_OK)
			return HF_OK;
	}
	/* lost: the other workers of this host orphan their entries */
	metrics_cache_lost_bump();
	return HF_E_SYS_UNAVAILABLE;
}

/*
 * Raises the generation at key to gen (never lowers it: a reader that
 * loaded an older value from the database must not undo a newer one) and
 * keeps it ttl_s. A copy that is lower than the database's makes readers
 * trust an old memory, so a write of a new generation tries as hard as
 * cache_bump and, when it is lost, moves the host's "lost" generation.
 */
const char cache_raise_script[] =
    "local v = tonumber(redis.call('GET', KEYS[1]) or '-1') "
    "if tonumber(ARGV[1]) >= v then "
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end "
    "return 1";

static int
cache_raise_once(struct cache *c, const char *key, const char *gen,
    int ttl_s)
{
	redisReply	*r;

	char		 ttl[16];

	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	if ((r = cache_eval(c, S_RAISE, 1, 3, key, gen, ttl)) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	freeReplyObject(r);
	return HF_OK;
}

int
cache_gen_raise(struct cache *c, const char *key, const char *gen,
    int ttl_s, int must)
{
	int	had_conn = c->ctx != NULL;

	if (!must)
		return cache_raise_once(c, key, gen, ttl_s);
	if (!c->slow_fail)
		c->retry_at_ms = 0;
	if (cache_raise_once(c, key, gen, ttl_s) == HF_OK)
		return HF_OK;
	if (had_conn && !c->slow_fail) {
		c->retry_at_ms = 0;
		if (cache_raise_once(c, key, gen, ttl_s) == HF_OK)
			return HF_OK;
	}
	metrics_cache_lost_bump();
	return HF_E_SYS_UNAVAILABLE;
}

/*
 * Issue 16: the generation of lost invalidations every host shares (the
 * database's cache_lost.gen, README "Scale-out: shared state"). hf:lost is
 * the generation the epoch was last bumped for: a worker that reads
 * another one bumps the epoch once and records it, so the workers of
 * every host that read the same generation bump the epoch once between
 * them. Any other value (hf:lost lost with Redis, a database restored to
 * an older generation) also bumps it: orphaning every entry is always
 * safe. No hf:lost is generation 0 (nothing was ever lost). *bumped is 1
 * when this call bumped the epoch.
 */
int
cache_lost_apply(struct cache *c, const char *gen, int *bumped)
{
	redisReply	*r;
	int		 rc;

	*bumped = 0;
	if ((r = cache_command(c, "EVAL %s 0 %s",
	    "if (redis.call('GET', 'hf:lost') or '0') == ARGV[1] then "
	    "return 0 end "
	    "redis.call('SET', 'hf:lost', ARGV[1]) "
	    "redis.call('INCR', 'hf:epoch') return 1", gen)) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	rc = r->type == REDIS_REPLY_INTEGER ? HF_OK : HF_E_SYS_UNAVAILABLE;
	if (rc == HF_OK)
		*bumped = r->integer == 1;
	freeReplyObject(r);
	return rc;
}
