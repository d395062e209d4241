/*
 * cache_multi.c: reads and writes of several entries in one Redis round
 * trip (issue 13): a list page with its products' stock entries, and the
 * entries a page lacked written back.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/metrics.h"
#include "cache_int.h"

/*
 * A list page and its products' stock entries in one script (issue 13).
 * The page is read as cache_vget reads an entry; its first line names its
 * products, "<id>/<SKU> ..." (SKUs in their one spelling), and for each
 * the script reads the stock version and the entry under it (one MGET of
 * the versions, one of the entries): ARGV[3]..SKU..":"..epoch..":"..
 * GET(ARGV[4]..SKU). Answers {page key} on a miss, else {page key, page,
 * key 1, entry 1 or nil, ...}.
 */
static const char page_script[] =
    "if ARGV[2] == '1' then redis.call('INCR', 'hf:epoch') end "
    "local e = redis.call('GET', 'hf:epoch') or '0' "
    "local v = redis.call('GET', KEYS[1]) or '0' "
    "local k = ARGV[1] .. ':' .. e .. ':' .. v "
    "local p = redis.call('GET', k) "
    "if not p then return {k} end "
    "local r = {k, p} "
    "local nl = string.find(p, '\\n', 1, true) or 1 "
    "local s, vk = {}, {} "
    "for id in string.gmatch(string.sub(p, 1, nl - 1), '%d+/(%S+)') do "
    "s[#s + 1] = id vk[#vk + 1] = ARGV[4] .. id end "
    "if #s == 0 then return r end "
    "local vs = redis.call('MGET', unpack(vk)) "
    "local ek = {} "
    "for i = 1, #s do "
    "ek[i] = ARGV[3] .. s[i] .. ':' .. e .. ':' .. (vs[i] or '0') end "
    "local es = redis.call('MGET', unpack(ek)) "
    "for i = 1, #s do r[2 * i + 1] = ek[i] r[2 * i + 2] = es[i] end "
    "return r";

static char *
reply_dup(struct arena *a, const redisReply *r, size_t *len)
{
	if (r->type != REDIS_REPLY_STRING)
		return NULL;
	if (len != NULL)
		*len = r->len;
	return arena_strndup(a, r->str, r->len);
}

int
cache_page_get(struct cache *c, struct arena *a, const char *ver_key,
    const char *prefix, const char *stock_prefix,
    const char *stock_ver_prefix, struct cache_page *out)
{
	redisContext	*ctx;
	redisReply	*r;
	uint64_t	 lost;
	size_t		 i, n;
	int		 rc = HF_E_SYS_UNAVAILABLE, news;

	memset(out, 0, sizeof(*out));
	news = cache_lost_news(c, &lost);
	if ((ctx = cache_conn(c)) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	if ((r = redisCommand(ctx, "EVAL %s 1 %s %s %s %s %s", page_script,
	    ver_key, prefix, news ? "1" : "0", stock_prefix,
	    stock_ver_prefix)) == NULL) {
		cache_conn_failed(c);
		return HF_E_SYS_UNAVAILABLE;
	}
	cache_lost_seen(c, lost);
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    (r->elements % 2 != 0 && r->elements != 1) ||
	    (out->key = reply_dup(a, r->element[0], NULL)) == NULL)
		goto done;
	rc = HF_OK;
	if (r->elements == 1)
		goto done;
	if ((out->page = reply_dup(a, r->element[1], &out->len)) == NULL) {
		rc = HF_E_SYS_UNAVAILABLE;
		goto done;
	}
	n = r->elements / 2 - 1;
	out->skey = arena_alloc(a, (n + 1) * sizeof(*out->skey));
	out->sval = arena_alloc(a, (n + 1) * sizeof(*out->sval));
	out->slen = arena_alloc(a, (n + 1) * sizeof(*out->slen));
	if (out->skey == NULL || out->sval == NULL || out->slen == NULL) {
		rc = HF_E_SYS_INTERNAL;
		goto done;
	}
	for (i = 0; i < n; i++) {
		out->slen[i] = 0;
		out->skey[i] = reply_dup(a, r->element[2 + 2 * i], NULL);
		out->sval[i] = reply_dup(a, r->element[3 + 2 * i],
		    &out->slen[i]);
		if (out->skey[i] == NULL) {
			rc = HF_E_SYS_UNAVAILABLE;
			goto done;
		}
	}
	out->n = n;
done:
	freeReplyObject(r);
	if (rc == HF_OK)
		metrics_add(out->page != NULL ? M_CACHE_HIT : M_CACHE_MISS, 1);
	return rc;
}

/* n SETs with one TTL, pipelined: one round trip. */
int
cache_vset_many(struct cache *c, const char *const *keys,
    const char *const *vals, const size_t *lens, size_t n, int ttl_s)
{
	redisContext	*ctx;
	redisReply	*r;
	size_t		 i;

	if (n == 0)
		return HF_OK;
	if ((ctx = cache_conn(c)) == NULL)
		return HF_E_SYS_UNAVAILABLE;
	for (i = 0; i < n; i++)
		redisAppendCommand(ctx, "SET %s %b EX %d", keys[i], vals[i],
		    lens[i], ttl_s);
	for (i = 0; i < n; i++) {
		if (redisGetReply(ctx, (void **)&r) != REDIS_OK) {
			cache_conn_failed(c);
			return HF_E_SYS_UNAVAILABLE;
		}
		freeReplyObject(r);
	}
	return HF_OK;
}
