/*
 * cache.c: one Redis connection per process with short connect and
 * command timeouts, reopened lazily after a back-off.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "holdfast/metrics.h"
#include "cache_int.h"

static const char *const scripts[S__MAX];

struct cache *
cache_new(const struct hf_config *cfg)
{
	struct cache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->cfg = cfg;
	if (lc_init(c) != HF_OK) {
		free(c);
		return NULL;
	}
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
	lc_main_lost(c);
	metrics_add(M_CACHE_ERROR, 1);
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	if (c->ctx != NULL)
		redisFree(c->ctx);
	lc_free(c);
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

/*
 * Loads every script on the open connection, in one round trip (pipelined
 * SCRIPT LOADs), and keeps their SHA1s. Done when the connection opens and
 * again after a NOSCRIPT (SCRIPT FLUSH, or Redis restarted with the same
 * address between two calls).
 */
static int
cache_load_scripts(struct cache *c)
{
	redisReply	*r;
	size_t		 i;
	int		 ok = 1;

	for (i = 0; i < S__MAX; i++)
		redisAppendCommand(c->ctx, "SCRIPT LOAD %s", scripts[i]);
	for (i = 0; i < S__MAX; i++) {
		if (redisGetReply(c->ctx, (void **)&r) != REDIS_OK) {
			cache_drop(c, c->ctx->errstr[0] != '\0' ?
			    c->ctx->errstr : "no reply to SCRIPT LOAD");
			return HF_E_SYS_UNAVAILABLE;
		}
		if (r->type == REDIS_REPLY_STRING && r->len == 40) {
			memcpy(c->sha[i], r->str, 40);
			c->sha[i][40] = '\0';
		} else
			ok = 0;
		freeReplyObject(r);
	}
	if (!ok) {
		cache_drop(c, "SCRIPT LOAD refused");
		return HF_E_SYS_UNAVAILABLE;
	}
	return HF_OK;
}

/* Opens the connection unless it is open or backing off. */
int
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
	return cache_load_scripts(c);
}

/*
 * Sends one command. Returns the reply (the caller frees it with
 * freeReplyObject) or NULL when Redis is unavailable; a failure drops the
 * connection and starts the back-off.
 */
redisReply *
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

/*
 * Calls script s by its SHA1 with nkeys keys then the other arguments, all
 * strings. A NOSCRIPT answer (the scripts were flushed) loads them all
 * again and retries once. Returns the reply, or NULL as cache_command.
 */
redisReply *
cache_evalv(struct cache *c, enum script s, int nkeys, int argc,
    const char *const *argv)
{
	const char	*av[CACHE_EVAL_ARGS + 3];
	char		 nk[16];
	redisReply	*r;
	int		 i, tries;

	if (argc < 0 || argc > CACHE_EVAL_ARGS) {
		snprintf(c->err, sizeof(c->err), "script: too many arguments");
		return NULL;
	}
	if (cache_connect(c) != HF_OK)
		return NULL;
	snprintf(nk, sizeof(nk), "%d", nkeys);
	av[0] = "EVALSHA";
	av[1] = c->sha[s];
	av[2] = nk;
	for (i = 0; i < argc; i++)
		av[3 + i] = argv[i];
	for (tries = 0;; tries++) {
		r = redisCommandArgv(c->ctx, argc + 3, av, NULL);
		if (r == NULL) {
			cache_drop(c, c->ctx->errstr[0] != '\0' ?
			    c->ctx->errstr : "no reply");
			return NULL;
		}
		if (tries > 0 || r->type != REDIS_REPLY_ERROR ||
		    strncmp(r->str, "NOSCRIPT", 8) != 0)
			return r;
		freeReplyObject(r);
		if (cache_load_scripts(c) != HF_OK)
			return NULL;
	}
}

/* cache_evalv with the arguments listed (at most 8). */
redisReply *
cache_eval(struct cache *c, enum script s, int nkeys, int argc, ...)
{
	const char	*argv[8];
	va_list		 ap;
	int		 i;

	if (argc > 8)
		return NULL;
	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		argv[i] = va_arg(ap, const char *);
	va_end(ap);
	return cache_evalv(c, s, nkeys, argc, argv);
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

	char		 win[24];

	snprintf(win, sizeof(win), "%lld", (long long)window_s * 1000);
	r = cache_eval(c, S_RATE, 2, 4, key, gen_key != NULL ? gen_key :
	    "hf:keygen", win, lost != c->seen_lost ? "1" : "0");
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

	if ((r = cache_eval(c, S_PEEK, 1, 1, key)) == NULL)
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

	char		 tries[300], max[16];

	*rc = HF_OK;
	snprintf(tries, sizeof(tries), "%s:tries", key);
	snprintf(max, sizeof(max), "%d", max_tries);
	r = cache_eval(c, S_CODE, 2, 4, key, tries, hash, max);
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

static const char *const scripts[S__MAX] = {
	[S_RATE] = rate_script,
	[S_PEEK] = peek_script,
	[S_CODE] = code_script,
	[S_VGET] = cache_vget_script,
	[S_RAISE] = cache_raise_script,
	[S_BUMP] = cache_bump_script,
	[S_VGET_RATE] = cache_vget_rate_script,
	[S_HIST_RECORD] = cache_hist_record_script,
	[S_HIST_PAGE] = cache_hist_page_script,
};

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
