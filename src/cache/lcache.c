/*
 * lcache.c: the per-worker copy of product and stock entries (issue 13,
 * item 3; docs/internals.md "Issue 13: per-worker cache").
 *
 * A copy is kept under its entry's base ("hf:c:p:<id>", "hf:c:s:<SKU>")
 * with the full key it was read or written under, ending in
 * ":<epoch>:<version>". It is served only when the read's one Redis trip
 * (the script that also counts the rate limit) answers that this key is
 * still the current one: a write bumps the version before it answers, so
 * a copy from before an acknowledged write is never served, whatever the
 * worker. What a version does not see (an entry SET or deleted by someone
 * else, FLUSHALL, expiry) reaches the worker through Redis' client-side
 * caching: CLIENT TRACKING BCAST on the entries' prefixes, redirected to a
 * second connection subscribed to __redis__:invalidate and drained without
 * blocking before each use. No copy is used or kept while that connection
 * is not up; losing it, or the main connection, drops every copy.
 *
 * Bounded: at most local_cache_entries copies and local_cache_bytes bytes
 * (key and text), evicted by a clock (second chance).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "holdfast/metrics.h"
#include "cache_int.h"

struct lentry {
	char	*base;		/* "hf:c:p:12" */
	char	*key;		/* base ":<epoch>:<version>" */
	char	*val;
	size_t	 len, size;	/* text; bytes counted for the cap */
	int	 next;		/* bucket chain, -1 ends it */
	int	 ref;		/* clock: used since the hand passed */
};

struct lcache {
	size_t		 max, max_bytes, n, bytes;
	struct lentry	**slot;		/* max slots, NULL when free */
	int		*bucket;	/* nbucket heads, slot indices */
	size_t		 nbucket, hand;
	redisContext	*track;		/* subscribed to the invalidations */
	long long	 track_id;	/* its CLIENT ID */
	int		 armed;		/* the main connection tracks for it */
	int		 gauged;	/* this worker's gauges set once */
	int64_t		 retry_at_ms;
};

#define LC_PREFIXES	"PREFIX hf:c:p: PREFIX hf:c:s:"
#define LC_RETRY_MS	1000

static struct timeval
lc_tv(int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

static uint64_t
lc_hash(const char *s, size_t n)
{
	uint64_t	h = 1469598103934665603ULL;
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The base of a key the local cache takes, its length; 0 for the others. */
static size_t
lc_base_len(const char *key)
{
	const char	*p;
	int		 colons = 0;

	if (strncmp(key, "hf:c:p:", 7) != 0 && strncmp(key, "hf:c:s:", 7) != 0)
		return 0;
	for (p = key + strlen(key); p > key + 7; p--)
		if (p[-1] == ':' && ++colons == 2)
			return (size_t)(p - 1 - key);
	return 0;
}

static void
lc_gauges(const struct lcache *l)
{
	metrics_set(M_LCACHE_ENTRIES, l->n);
	metrics_set(M_LCACHE_BYTES, l->bytes);
}

int
lc_init(struct cache *c)
{
	struct lcache	*l;
	size_t		 nb = 16;

	if (c->cfg->local_cache_entries <= 0)
		return HF_OK;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return HF_E_SYS_INTERNAL;
	l->max = (size_t)c->cfg->local_cache_entries;
	l->max_bytes = (size_t)c->cfg->local_cache_bytes;
	while (nb < l->max * 2)
		nb *= 2;
	l->nbucket = nb;
	l->slot = calloc(l->max, sizeof(*l->slot));
	l->bucket = malloc(nb * sizeof(*l->bucket));
	if (l->slot == NULL || l->bucket == NULL) {
		free(l->slot);
		free(l->bucket);
		free(l);
		return HF_E_SYS_INTERNAL;
	}
	memset(l->bucket, 0xff, nb * sizeof(*l->bucket));	/* all -1 */
	c->lc = l;
	return HF_OK;
}

static int *
lc_find(struct lcache *l, const char *base, size_t blen)
{
	int	*at = &l->bucket[lc_hash(base, blen) & (l->nbucket - 1)];

	while (*at >= 0) {
		struct lentry	*e = l->slot[*at];

		if (strncmp(e->base, base, blen) == 0 && e->base[blen] == '\0')
			return at;
		at = &e->next;
	}
	return at;
}

static void
lc_remove(struct lcache *l, int *at)
{
	int		 i = *at;
	struct lentry	*e = l->slot[i];

	*at = e->next;
	l->slot[i] = NULL;
	l->n--;
	l->bytes -= e->size;
	free(e);
	lc_gauges(l);
}

static void
lc_drop_base(struct lcache *l, const char *base, size_t blen)
{
	int	*at = lc_find(l, base, blen);

	if (*at >= 0) {
		lc_remove(l, at);
		metrics_add(M_LCACHE_DROPPED, 1);
	}
}

/* Every copy goes (a connection lost, FLUSHALL, an unreadable message). */
void
lc_flush(struct cache *c)
{
	struct lcache	*l = c->lc;
	size_t		 i;

	if (l == NULL)
		return;
	if (l->n > 0) {
		for (i = 0; i < l->max; i++) {
			free(l->slot[i]);
			l->slot[i] = NULL;
		}
		memset(l->bucket, 0xff, l->nbucket * sizeof(*l->bucket));
		l->n = l->bytes = 0;
		lc_gauges(l);
		metrics_add(M_LCACHE_FLUSH, 1);
	}
}

static void
lc_track_close(struct cache *c, int64_t retry_ms)
{
	struct lcache	*l = c->lc;

	if (l->track != NULL) {
		redisFree(l->track);
		l->track = NULL;
	}
	l->armed = 0;
	l->retry_at_ms = hf_now_ms() + retry_ms;
	lc_flush(c);
}

/*
 * The main connection closed: its tracking went with it, and the other
 * connection is closed too (Redis restarted, or went away: both are
 * reopened together, the main connection first).
 */
void
lc_main_lost(struct cache *c)
{
	if (c->lc != NULL)
		lc_track_close(c, 0);
}

void
lc_free(struct cache *c)
{
	if (c->lc == NULL)
		return;
	if (c->lc->track != NULL)
		redisFree(c->lc->track);
	lc_flush(c);
	free(c->lc->slot);
	free(c->lc->bucket);
	free(c->lc);
	c->lc = NULL;
}

/* Opens the invalidation connection: CLIENT ID and SUBSCRIBE, one trip. */
static int
lc_track_open(struct cache *c)
{
	const struct hf_config	*cfg = c->cfg;
	struct lcache		*l = c->lc;
	redisReply		*r;
	int			 ok;

	if (cfg->redis_socket[0] != '\0')
		l->track = redisConnectUnixWithTimeout(cfg->redis_socket,
		    lc_tv(cfg->redis_connect_timeout_ms));
	else
		l->track = redisConnectWithTimeout(cfg->redis_host,
		    cfg->redis_port, lc_tv(cfg->redis_connect_timeout_ms));
	if (l->track == NULL || l->track->err ||
	    redisSetTimeout(l->track, lc_tv(cfg->redis_timeout_ms)) !=
	    REDIS_OK)
		goto fail;
	if (cfg->redis_password[0] != '\0')
		redisAppendCommand(l->track, "AUTH %s", cfg->redis_password);
	redisAppendCommand(l->track, "CLIENT ID");
	redisAppendCommand(l->track, "SUBSCRIBE __redis__:invalidate");
	if (cfg->redis_password[0] != '\0') {
		if (redisGetReply(l->track, (void **)&r) != REDIS_OK)
			goto fail;
		ok = r->type != REDIS_REPLY_ERROR;
		freeReplyObject(r);
		if (!ok)
			goto fail;
	}
	if (redisGetReply(l->track, (void **)&r) != REDIS_OK)
		goto fail;
	ok = r->type == REDIS_REPLY_INTEGER;
	l->track_id = ok ? r->integer : 0;
	freeReplyObject(r);
	if (!ok || redisGetReply(l->track, (void **)&r) != REDIS_OK)
		goto fail;
	ok = r->type == REDIS_REPLY_ARRAY;
	freeReplyObject(r);
	if (ok)
		return HF_OK;
fail:
	snprintf(c->err, sizeof(c->err), "local cache: invalidation "
	    "connection: %s", l->track != NULL && l->track->errstr[0] != '\0' ?
	    l->track->errstr : "refused");
	lc_track_close(c, LC_RETRY_MS);
	return HF_E_SYS_UNAVAILABLE;
}

/*
 * Makes the main connection (open) send its invalidations to the
 * subscribed one: BCAST on the entries' prefixes, NOLOOP (a worker's own
 * fill is what it keeps). Off first, so a new redirection replaces an old.
 */
static int
lc_arm(struct cache *c)
{
	struct lcache	*l = c->lc;
	redisReply	*r;
	char		 cmd[200];
	int		 ok = 1, i;

	if (hf_now_ms() < l->retry_at_ms)
		return HF_E_SYS_UNAVAILABLE;
	if (l->track == NULL && lc_track_open(c) != HF_OK)
		return HF_E_SYS_UNAVAILABLE;
	snprintf(cmd, sizeof(cmd), "CLIENT TRACKING on REDIRECT %lld BCAST "
	    LC_PREFIXES " NOLOOP", l->track_id);
	redisAppendCommand(c->ctx, "CLIENT TRACKING off");
	redisAppendCommand(c->ctx, cmd);
	for (i = 0; i < 2; i++) {
		if (redisGetReply(c->ctx, (void **)&r) != REDIS_OK) {
			cache_conn_failed(c);
			return HF_E_SYS_UNAVAILABLE;
		}
		if (r->type == REDIS_REPLY_ERROR)
			ok = 0;
		freeReplyObject(r);
	}
	if (!ok) {
		snprintf(c->err, sizeof(c->err), "local cache: CLIENT TRACKING "
		    "refused");
		lc_track_close(c, LC_RETRY_MS);
		return HF_E_SYS_UNAVAILABLE;
	}
	l->armed = 1;
	return HF_OK;
}

/* One message of the invalidation channel: its keys' copies go. */
static void
lc_message(struct cache *c, redisReply *r)
{
	redisReply	*keys;
	size_t		 i, blen;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "message") != 0) {
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[0]->str, "subscribe") == 0)
			return;
		lc_flush(c);
		return;
	}
	keys = r->element[2];
	if (keys->type != REDIS_REPLY_ARRAY) {
		lc_flush(c);	/* nil: FLUSHALL or FLUSHDB */
		return;
	}
	for (i = 0; i < keys->elements; i++) {
		if (keys->element[i]->type != REDIS_REPLY_STRING) {
			lc_flush(c);
			return;
		}
		if ((blen = lc_base_len(keys->element[i]->str)) > 0)
			lc_drop_base(c->lc, keys->element[i]->str, blen);
	}
}

/*
 * Before a copy is looked up: takes every invalidation that has arrived
 * (no waiting), and arms the tracking if the main connection is new.
 * Returns 1 when copies may be used and kept, 0 when not.
 */
int
lc_ready(struct cache *c)
{
	struct lcache	*l = c->lc;
	struct pollfd	 pfd;
	redisReply	*r;

	if (l == NULL)
		return 0;
	if (!l->gauged) {	/* a slot left by a dead worker: its gauges */
		lc_gauges(l);
		l->gauged = 1;
	}
	if (!l->armed) {
		if (cache_conn(c) == NULL || lc_arm(c) != HF_OK)
			return 0;
	}
	pfd.fd = l->track->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) < 0) {
		lc_track_close(c, LC_RETRY_MS);
		return 0;
	}
	if (pfd.revents != 0 && redisBufferRead(l->track) != REDIS_OK) {
		lc_track_close(c, LC_RETRY_MS);	/* closed: CLIENT KILL */
		return 0;
	}
	for (;;) {
		if (redisGetReplyFromReader(l->track, (void **)&r) !=
		    REDIS_OK) {
			lc_track_close(c, LC_RETRY_MS);
			return 0;
		}
		if (r == NULL)
			break;
		lc_message(c, r);
		freeReplyObject(r);
	}
	return l->armed && l->track != NULL;
}

/* The copy under base, or NULL: its key and text stay the cache's. */
int
lc_get(struct cache *c, const char *base, const char **key,
    const char **val, size_t *len)
{
	struct lcache	*l = c->lc;
	int		*at;
	struct lentry	*e;

	if (l == NULL || (strncmp(base, "hf:c:p:", 7) != 0 &&
	    strncmp(base, "hf:c:s:", 7) != 0))
		return 0;
	at = lc_find(l, base, strlen(base));
	if (*at < 0)
		return 0;
	e = l->slot[*at];
	*key = e->key;
	*val = e->val;
	*len = e->len;
	return 1;
}

/* base's copy is in use: the clock passes it once more */
void
lc_used(struct cache *c, const char *base)
{
	int	*at;

	if (c->lc == NULL)
		return;
	at = lc_find(c->lc, base, strlen(base));
	if (*at >= 0)
		c->lc->slot[*at]->ref = 1;
}

static int
lc_evict_one(struct lcache *l)
{
	struct lentry	*e;
	size_t		 tries;

	for (tries = 0; tries < 2 * l->max + 1; tries++) {
		e = l->slot[l->hand];
		if (e != NULL && e->ref)
			e->ref = 0;
		else if (e != NULL) {
			lc_remove(l, lc_find(l, e->base, strlen(e->base)));
			metrics_add(M_LCACHE_EVICTED, 1);
			return 1;
		}
		l->hand = (l->hand + 1) % l->max;
	}
	return 0;
}

/*
 * Keeps val under key (a product's or an SKU's entry key; others are
 * ignored), replacing the copy of the same base. Only while lc_ready.
 */
void
lc_put(struct cache *c, const char *key, const char *val, size_t len)
{
	struct lcache	*l = c->lc;
	struct lentry	*e;
	size_t		 blen, klen, size, i;
	int		*at;

	if (l == NULL || !l->armed || l->track == NULL ||
	    (blen = lc_base_len(key)) == 0)
		return;
	klen = strlen(key);
	size = klen + len + 2;
	at = lc_find(l, key, blen);
	if (*at >= 0)
		lc_remove(l, at);
	if (size > l->max_bytes / 4)
		return;		/* too large to be worth the room */
	while (l->n > 0 && (l->n >= l->max || l->bytes + size > l->max_bytes))
		if (!lc_evict_one(l))
			break;
	if (l->n >= l->max || l->bytes + size > l->max_bytes)
		return;
	if ((e = malloc(sizeof(*e) + blen + 1 + klen + 1 + len + 1)) == NULL)
		return;
	e->key = (char *)(e + 1);
	memcpy(e->key, key, klen + 1);
	e->base = e->key + klen + 1;
	memcpy(e->base, key, blen);
	e->base[blen] = '\0';
	e->val = e->base + blen + 1;
	memcpy(e->val, val, len);
	e->val[len] = '\0';
	e->len = len;
	e->size = size;
	e->ref = 0;
	for (i = 0; i < l->max && l->slot[l->hand] != NULL; i++)
		l->hand = (l->hand + 1) % l->max;
	at = lc_find(l, e->base, blen);	/* the chain may have changed */
	e->next = -1;
	*at = (int)l->hand;
	l->slot[l->hand] = e;
	l->n++;
	l->bytes += size;
	lc_gauges(l);
	metrics_add(M_LCACHE_KEPT, 1);
}
