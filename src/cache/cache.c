/*
 * cache.c: one Redis connection per process with short connect and
 * command timeouts, reopened lazily after a back-off.
 */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "holdfast/cache.h"
#include "holdfast/metrics.h"
#include "cache_int.h"

struct cache {
	const struct hf_config	*cfg;
	redisContext		*ctx;
	int64_t			 retry_at_ms;	/* no attempt before this */
	int			 lost;		/* failed since the last bump */
	int			 slow_fail;	/* the last failure timed out */
	uint64_t		 seen_lost;	/* metrics_cache_lost() acted on */
	char			 err[256];
};

struct cache *
cache_new(const struct hf_config *cfg)
{
	struct cache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->cfg = cfg;
	return c;
}

static void
cache_drop(struct cache *c, const char *why)
{
	int	e = errno;

	/* a timeout (Redis paused, or slow) costs a request redis_timeout_ms */
	c->slow_fail = e == EAGAIN || e == EWOULDBLOCK || e == ETIMEDOUT ||
	    e == EINPROGRESS;
	snprintf(c->err, sizeof(c->err), "%s", why);
	if (c->ctx != NULL) {
		redisFree(c->ctx);
		c->ctx = NULL;
	}
	c->retry_at_ms = hf_now_ms() + c->cfg->redis_backoff_ms;
	c->lost = 1;
	metrics_add(M_CACHE_ERROR, 1);
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	if (c->ctx != NULL)
		redisFree(c->ctx);
	free(c);
}

const char *
cache_last_error(const struct cache *c)
{
	return c->err;
}

static struct timeval
ms_to_tv(int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/* Opens the connection unless it is open or backing off. */
static int
cache_connect(struct cache *c)
{
	const struct hf_config	*cfg = c->cfg;
	redisReply		*r;

	if (c->ctx != NULL)
		return HF_OK;
	if (hf_now_ms() < c->retry_at_ms)
		return HF_E_SYS_UNAVAILABLE;
	if (cfg->redis_socket[0] != '\0')
		c->ctx = redisConnectUnixWithTimeout(cfg->redis_socket,
		    ms_to_tv(cfg->redis_connect_timeout_ms));
	else
		c->ctx = redisConnectWithTimeout(cfg->redis_host,
		    cfg->redis_port, ms_to_tv(cfg->redis_connect_timeout_ms));
	if (c->ctx == NULL || c->ctx->err) {
		cache_drop(c, c->ctx != NULL ? c->ctx->errstr : "oom");
		return HF_E_SYS_UNAVAILABLE;
	}
	if (redisSetTimeout(c->ctx, ms_to_tv(cfg->redis_timeout_ms)) !=
	    REDIS_OK) {
		cache_drop(c, "cannot set timeout");
		return HF_E_SYS_UNAVAILABLE;
	}
	if (cfg->redis_password[0] != '\0') {
		r = redisCommand(c->ctx, "AUTH %s", cfg->redis_password);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			if (r != NULL)
				freeReplyObject(r);
			cache_drop(c, "authentication failed");
			return HF_E_SYS_UNAVAILABLE;
		}
		freeReplyObject(r);
	}
	if (c->lost) {
		/* writes may have missed their invalidation meanwhile */
		r = redisCommand(c->ctx, "INCR hf:epoch");
		if (r == NULL) {
			cache_drop(c, "epoch bump failed");
			return HF_E_SYS_UNAVAILABLE;
		}
		freeReplyObject(r);
		c->lost = 0;
	}
	return HF_OK;
}

/*
 * Sends one command. Returns the reply (the caller frees it with
 * freeReplyObject) or NULL when Redis is unavailable; a failure drops the
 * connection and starts the back-off.
 */
static redisReply *
cache_command(struct cache *c, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	if (cache_connect(c) != HF_OK)
		return NULL;
	va_start(ap, fmt);
	r = redisvCommand(c->ctx, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		cache_drop(c, c->ctx->errstr[0] != '\0' ? c->ctx->errstr :
		    "no reply");
		return NULL;
	}
	return r;
}

int
cache_ping(struct cache *c)
{
	redisReply	*r;
	int		 ok;

	if ((r = cache_command(c, "PING")) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	ok = r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
	freeReplyObject(r);
	return ok ? HF_OK : HF_E_SYS_UNAVAILABLE;
}

/*
 * INCR and PEXPIRE on the first hit, atomically, in one round trip. It
 * also answers a generation with the cache epoch: the API keys' (hf:keygen,
 * bumped when a key is revoked) or a user's (gen_key, hf:ug:<id>, a copy
 * of users.token_version; "-" when Redis has none), so a worker can trust
 * what it remembers of a key or a user without another round trip. After
 * another worker of this host lost a write to Redis, the epoch is bumped
 * first, as in cache_vget, so nothing remembered before is trusted.
 */
static const char rate_script[] =
    "if ARGV[2] == '1' then redis.call('INCR', 'hf:epoch') end "
    "local c = redis.call('INCR', KEYS[1]) "
    "if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
    "local t = redis.call('PTTL', KEYS[1]) "
    "if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) t = ARGV[1] end "
    "local g = redis.call('GET', KEYS[2]) "
    "if not g then g = (KEYS[2] == 'hf:keygen') and '0' or '-' end "
    "return {c, tonumber(t), g .. ':' .. (redis.call('GET', 'hf:epoch') "
    "or '0')}";

int
cache_rate_hit(struct cache *c, const char *key, int window_s,
    const char *gen_key, long long *count, long long *ttl_ms, char *gen,
    size_t genlen)
{
	redisReply	*r;
	uint64_t	 lost = metrics_cache_lost();
	int		 rc = HF_E_SYS_UNAVAILABLE;

	r = cache_command(c, "EVAL %s 2 %s %s %lld %s", rate_script, key,
	    gen_key != NULL ? gen_key : "hf:keygen", (long long)window_s * 1000,
	    lost != c->seen_lost ? "1" : "0");
	if (r == NULL)
		return HF_E_SYS_UNAVAILABLE;
	c->seen_lost = lost;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[1]->type == REDIS_REPLY_INTEGER &&
	    r->element[2]->type == REDIS_REPLY_STRING) {
		*count = r->element[0]->integer;
		*ttl_ms = r->element[1]->integer;
		if (gen != NULL && genlen > 0)
			snprintf(gen, genlen, "%s", r->element[2]->str);
		rc = HF_OK;
	} else
		snprintf(c->err, sizeof(c->err), "rate script: unexpected reply");
	freeReplyObject(r);
	return rc;
}

/* The count and what is left of key's window, without counting a hit. */
static const char peek_script[] =
    "return {tonumber(redis.call('GET', KEYS[1]) or '0'), "
    "redis.call('PTTL', KEYS[1])}";

int
cache_rate_peek(struct cache *c, const char *key, long long *count,
    long long *ttl_ms)
{
	redisReply	*r;
	int		 rc = HF_E_SYS_UNAVAILABLE;

	if ((r = cache_command(c, "EVAL %s 1 %s", peek_script, key)) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[1]->type == REDIS_REPLY_INTEGER) {
		*count = r->element[0]->integer;
		*ttl_ms = r->element[1]->integer;
		rc = HF_OK;
	}
	freeReplyObject(r);
	return rc;
}

int
cache_code_put(struct cache *c, const char *key, const char *hash, int ttl_s)
{
	redisReply	*r;
	int		 rc;

	r = cache_command(c, "SET %s %s EX %d", key, hash, ttl_s);
	if (r == NULL)
		return HF_E_SYS_UNAVAILABLE;
	rc = r->type == REDIS_REPLY_STATUS ? HF_OK : HF_E_SYS_UNAVAILABLE;
	freeReplyObject(r);
	if (rc == HF_OK) {
		/* a new code starts with no tries */
		r = cache_command(c, "DEL %s:tries", key);
		if (r != NULL)
			freeReplyObject(r);
	}
	return rc;
}

/*
 * Counts the try first, so a burst of guesses cannot outrun the limit;
 * the try counter lives as long as the code.
 */
static const char code_script[] =
    "local h = redis.call('GET', KEYS[1]) "
    "if not h then return 0 end "
    "local t = redis.call('INCR', KEYS[2]) "
    "redis.call('PEXPIRE', KEYS[2], math.max(redis.call('PTTL', KEYS[1]), 1)) "
    "if t > tonumber(ARGV[2]) then redis.call('DEL', KEYS[1], KEYS[2]) "
    "return -1 end "
    "if h == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) return 1 end "
    "if t == tonumber(ARGV[2]) then redis.call('DEL', KEYS[1], KEYS[2]) "
    "return -1 end "
    "return 0";

int
cache_code_check(struct cache *c, const char *key, const char *hash,
    int max_tries, int *rc)
{
	redisReply	*r;
	int		 v = 0;

	*rc = HF_OK;
	r = cache_command(c, "EVAL %s 2 %s %s:tries %s %d", code_script, key,
	    key, hash, max_tries);
	if (r == NULL) {
		*rc = HF_E_SYS_UNAVAILABLE;
		return 0;
	}
	if (r->type == REDIS_REPLY_INTEGER)
		v = (int)r->integer;
	else
		*rc = HF_E_SYS_UNAVAILABLE;
	freeReplyObject(r);
	return v;
}

int
cache_del(struct cache *c, const char *key)
{
	redisReply	*r;

	if ((r = cache_command(c, "DEL %s %s:tries", key, key)) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	freeReplyObject(r);
	return HF_OK;
}

/*
 * Orphans every cached entry and every API key a worker remembers (their
 * keys carry the epoch), e.g. after holdfast-admin restore.
 */
int
cache_bump_epoch(struct cache *c)
{
	redisReply	*r;
	int		 rc;

	if ((r = cache_command(c, "INCR hf:epoch")) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	rc = r->type == REDIS_REPLY_INTEGER ? HF_OK : HF_E_SYS_UNAVAILABLE;
	freeReplyObject(r);
	return rc;
}

static const char vget_script[] =
    "if ARGV[2] == '1' then redis.call('INCR', 'hf:epoch') end "
    "local e = redis.call('GET', 'hf:epoch') or '0' "
    "local v = redis.call('GET', KEYS[1]) or '0' "
    "local k = ARGV[1] .. ':' .. e .. ':' .. v "
    "return {k, redis.call('GET', k)}";

int
cache_vget(struct cache *c, struct arena *a, const char *ver_key,
    const char *prefix, char **key, char **out, size_t *len)
{
	redisReply	*r;
	uint64_t	 lost = metrics_cache_lost();
	int		 rc = HF_E_SYS_UNAVAILABLE;

	*key = *out = NULL;
	*len = 0;
	/* another worker lost an invalidation: orphan every entry first */
	if ((r = cache_command(c, "EVAL %s 1 %s %s %s", vget_script, ver_key,
	    prefix, lost != c->seen_lost ? "1" : "0")) == NULL)
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
		}
		rc = *key != NULL ? HF_OK : HF_E_SYS_INTERNAL;
	}
	freeReplyObject(r);
	if (rc == HF_OK)
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
	return HF_OK;
}

static int
cache_bump_once(struct cache *c, const char *const *ver_keys, size_t n)
{
	redisReply	*r;
	size_t		 i;

	if (cache_connect(c) != HF_OK)
		return HF_E_SYS_UNAVAILABLE;
	for (i = 0; i < n; i++)
		redisAppendCommand(c->ctx, "INCR %s", ver_keys[i]);
	for (i = 0; i < n; i++) {
		if (redisGetReply(c->ctx, (void **)&r) != REDIS_OK) {
			cache_drop(c, c->ctx->errstr);
			return HF_E_SYS_UNAVAILABLE;
		}
		freeReplyObject(r);
	}
	return HF_OK;
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
static const char raise_script[] =
    "local v = tonumber(redis.call('GET', KEYS[1]) or '-1') "
    "if tonumber(ARGV[1]) >= v then "
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end "
    "return 1";

static int
cache_raise_once(struct cache *c, const char *key, const char *gen,
    int ttl_s)
{
	redisReply	*r;

	if ((r = cache_command(c, "EVAL %s 1 %s %s %d", raise_script, key,
	    gen, ttl_s)) == NULL)
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
 * For the other files of src/cache (cache_int.h): the open connection
 * (NULL while Redis is down or the back-off lasts), a failure on it, and
 * the host's "lost" generation a script should act on (see cache_vget).
 */
redisContext *
cache_conn(struct cache *c)
{
	return cache_connect(c) == HF_OK ? c->ctx : NULL;
}

void
cache_conn_failed(struct cache *c)
{
	cache_drop(c, c->ctx != NULL && c->ctx->errstr[0] != '\0' ?
	    c->ctx->errstr : "no reply");
}

int
cache_lost_news(struct cache *c, uint64_t *lost)
{
	*lost = metrics_cache_lost();
	return *lost != c->seen_lost;
}

void
cache_lost_seen(struct cache *c, uint64_t lost)
{
	c->seen_lost = lost;
}
