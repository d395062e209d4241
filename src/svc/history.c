/*
 * history.c: a signed-in reader's product views (issue 14, item 3). A
 * view of GET /api/v1/products/{id} is recorded in Redis only (cache/
 * history.c: one script call, no database statement), so the cached read
 * path stays without a database write. The reader's switch
 * (users.history_enabled, PATCH /me) is the database's; Redis keeps a
 * copy the record script reads, and when the copy is missing (a new
 * reader, Redis restarted) one read of the database puts it back.
 * Retention: history_max_items views (one per product: a second view
 * moves it to the top) and none older than history_days. Without Redis
 * nothing is recorded and the list answers 503.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "holdfast/cache.h"
#include "holdfast/db.h"
#include "holdfast/db_favorites.h"
#include "holdfast/svc.h"

#define HIST_DAY_MS	(86400LL * 1000)

/* Wall-clock milliseconds (hf_now_ms is monotonic). */
static long long
hist_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
hist_keys(uint64_t uid, char *flag, size_t flen, char *list, size_t llen)
{
	snprintf(flag, flen, "hf:histon:%llu", (unsigned long long)uid);
	snprintf(list, llen, "hf:hist:%llu", (unsigned long long)uid);
}

static int
hist_ttl(const struct hf_config *cfg)
{
	return cfg->history_days * 86400;
}

/* The oldest score retention keeps. */
static long long
hist_min_score(const struct hf_config *cfg)
{
	return (hist_now_ms() - cfg->history_days * HIST_DAY_MS) * 1000;
}

/* users.history_enabled of the signed-in reader, from the database. */
int
svc_history_enabled(struct svc_ctx *ctx, int *on)
{
	struct db_param	p[1] = { DB_INT((long long)ctx->who->user_id) };
	int		rc;

	*on = db_count_of(ctx->app->db, ctx->arena, &db_sql_hist_enabled, p, 1,
	    &rc) != 0;
	return rc;
}

/*
 * Records a view of product pid by the signed-in reader. Never fails the
 * read it comes with: a Redis failure records nothing.
 */
void
svc_history_record(struct svc_ctx *ctx, uint64_t pid)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	char			 fk[48], lk[48];
	long long		 score;
	int			 state = 0, on;

	if (ctx->who->user_id == 0 || cfg->history_max_items == 0)
		return;
	hist_keys(ctx->who->user_id, fk, sizeof(fk), lk, sizeof(lk));
	score = hist_now_ms() * 1000 + (long long)(pid % 1000);
	if (cache_hist_record(ctx->app->cache, fk, lk, pid, score,
	    cfg->history_max_items, hist_min_score(cfg), hist_ttl(cfg),
	    &state) != HF_OK || state != -1)
		return;
	/* the switch is not in Redis: read it (no write) and copy it */
	if (svc_history_enabled(ctx, &on) != HF_OK ||
	    cache_hist_flag(ctx->app->cache, fk, on, hist_ttl(cfg)) != HF_OK ||
	    !on)
		return;
	cache_hist_record(ctx->app->cache, fk, lk, pid, score,
	    cfg->history_max_items, hist_min_score(cfg), hist_ttl(cfg), &state);
}

static const char *
hist_iso(struct arena *a, long long score)
{
	long long	ms = score / 1000;
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	char		buf[32];

	if (gmtime_r(&t, &tm) == NULL)
		return NULL;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return arena_printf(a, "%s.%03lldZ", buf, ms % 1000);
}

static int
hist_reader(struct svc_ctx *ctx)
{
	if (ctx->who->user_id != 0)
		return HF_OK;
	ctx->message = "a history belongs to a signed-in reader, not an API "
	    "key";
	return HF_E_AUTH_FORBIDDEN;
}

/*
 * A page of the reader's views, newest first, each with its product as
 * it is now (null fields for a product that is gone). The keyset is the
 * view's score (data.next).
 */
int
svc_history_list(struct svc_ctx *ctx, long long page, long long per_page,
    struct hist_entry **out, size_t *n, struct svc_keyset *ks)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	struct hist_product	*prods = NULL;
	struct hist_entry	*e;
	struct db_param		 p[1];
	struct hf_buf		 ids;
	uint64_t		*pids = NULL;
	long long		*scores = NULL, total = 0;
	char			 fk[48], lk[48];
	size_t			 k = 0, np = 0, i, j;
	int			 rc;

	*n = 0;
	if ((rc = hist_reader(ctx)) != HF_OK)
		return rc;
	hist_keys(ctx->who->user_id, fk, sizeof(fk), lk, sizeof(lk));
	if ((rc = cache_hist_page(ctx->app->cache, ctx->arena, lk,
	    (long long)ks->after, hist_min_score(cfg),
	    svc_ks_offset(ks, page, per_page), (int)per_page + 1, &pids,
	    &scores, &k, &total)) != HF_OK) {
		ctx->message = "the reading history is kept in Redis, which "
		    "does not answer";
		return rc == HF_E_SYS_INTERNAL ? rc : HF_E_SYS_UNAVAILABLE;
	}
	ks->next = 0;
	if (svc_ks_trim(ks, &k, per_page))
		ks->next = (uint64_t)scores[k - 1];
	ks->total = total;
	ks->total_exact = 1;
	if (k == 0) {
		*out = NULL;
		return HF_OK;
	}
	hf_buf_init(&ids, ctx->arena, 0);
	hf_buf_puts(&ids, "[");
	for (i = 0; i < k; i++)
		hf_buf_printf(&ids, "%s%llu", i > 0 ? "," : "",
		    (unsigned long long)pids[i]);
	if (hf_buf_puts(&ids, "]") != 0)
		return HF_E_SYS_INTERNAL;
	p[0] = DB_STR(ids.p);
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_hist_products, p,
	    1, &prods, &np)) != HF_OK)
		return rc;
	if ((e = arena_calloc(ctx->arena, k, sizeof(*e))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0; i < k; i++) {
		e[i].product_id = pids[i];
		e[i].viewed_at = hist_iso(ctx->arena, scores[i]);
		e[i].available = 0;
		for (j = 0; j < np; j++)
			if (prods[j].id == pids[i]) {
				e[i].product = prods[j];
				e[i].available = prods[j].available;
				break;
			}
	}
	*out = e;
	*n = k;
	return HF_OK;
}

int
svc_history_clear(struct svc_ctx *ctx)
{
	char	fk[48], lk[48];
	int	rc;

	if ((rc = hist_reader(ctx)) != HF_OK)
		return rc;
	hist_keys(ctx->who->user_id, fk, sizeof(fk), lk, sizeof(lk));
	if (cache_hist_clear(ctx->app->cache, lk) != HF_OK) {
		ctx->message = "the reading history is kept in Redis, which "
		    "does not answer";
		return HF_E_SYS_UNAVAILABLE;
	}
	return HF_OK;
}

/*
 * Turns recording on or off for the signed-in reader: the database's
 * switch, then its copy in Redis. Views already kept stay until cleared.
 */
int
svc_history_set(struct svc_ctx *ctx, int on)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	struct db_param		 p[2];
	char			 fk[48], lk[48];
	int			 rc;

	if ((rc = hist_reader(ctx)) != HF_OK)
		return rc;
	if ((rc = db_ensure(ctx->app->db)) != HF_OK)
		return rc;
	p[0] = DB_INT(on ? 1 : 0);
	p[1] = DB_INT((long long)ctx->who->user_id);
	if ((rc = db_exec(ctx->app->db, &db_sql_hist_enabled_set, p, 2, NULL,
	    NULL)) != HF_OK)
		return rc;
	hist_keys(ctx->who->user_id, fk, sizeof(fk), lk, sizeof(lk));
	if (cache_hist_flag(ctx->app->cache, fk, on, hist_ttl(cfg)) != HF_OK)
		log_warn(ctx->request_id, "history: the switch of user %llu "
		    "did not reach Redis", (unsigned long long)
		    ctx->who->user_id);
	return HF_OK;
}
