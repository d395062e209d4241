/*
 * lend_stats.c: the library's reports (GET /stats/loans, GET
 * /stats/categories): loans started and returned per day over a range
 * of days, loans now, and loans, stock and waiting holds per category.
 * Each returns a struct of arrays in the request's arena; the api renders
 * it.
 */
#include <string.h>
#include <time.h>

#include "holdfast/db.h"
#include "holdfast/db_lending.h"
#include "holdfast/lending.h"

#define STATS_DEFAULT_DAYS	30
#define STATS_MAX_DAYS		366

static const char *
day_format(struct arena *a, long long t, int with_time)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		buf[32];

	if (gmtime_r(&tt, &tm) == NULL)
		return NULL;
	strftime(buf, sizeof(buf), with_time ? "%Y-%m-%d %H:%M:%S.000" :
	    "%Y-%m-%d", &tm);
	return arena_strdup(a, buf);
}

/*
 * The day range of a report: both days inclusive, to defaulting to today
 * (UTC) and from to 29 days before to. REQ_010 for a bad or reversed day
 * or a range over STATS_MAX_DAYS.
 */
static int
day_range(struct svc_ctx *ctx, const char *from_day, const char *to_day,
    long long *from, long long *to)
{
	*to = to_day != NULL ? hf_day_parse(to_day) :
	    (long long)hf_unix_time() / 86400 * 86400;
	*from = from_day != NULL ? hf_day_parse(from_day) :
	    *to - (STATS_DEFAULT_DAYS - 1) * 86400LL;
	ctx->reason = "a day as YYYY-MM-DD";
	if (*to < 0) {
		ctx->field = "to";
		return HF_E_REQ_FIELD;
	}
	if (*from < 0) {
		ctx->field = "from";
		return HF_E_REQ_FIELD;
	}
	if (*from > *to || (*to - *from) / 86400 + 1 > STATS_MAX_DAYS) {
		ctx->field = "from";
		ctx->reason = "from must not be after to, and the range at "
		    "most 366 days";
		return HF_E_REQ_FIELD;
	}
	ctx->reason = NULL;
	return HF_OK;
}

/*
 * Reads the per-day counts of q over [from, to) into the days (sorted,
 * every day listed) as loans or returns, and adds them to *total.
 */
static int
merge_days(struct svc_ctx *ctx, struct db_sql *q, const struct db_param *p,
    struct lend_day *days, size_t ndays, int returns, long long *total)
{
	struct lend_day_count	*c;
	size_t			 i, d, n;
	int			 rc;

	if ((rc = db_rows(ctx->app->db, ctx->arena, q, p, 2, &c, &n)) !=
	    HF_OK)
		return rc;
	for (i = 0, d = 0; i < n; i++)
		for (; d < ndays; d++)
			if (c[i].day != NULL &&
			    strcmp(days[d].day, c[i].day) == 0) {
				if (returns)
					days[d].returns = c[i].n;
				else
					days[d].loans = c[i].n;
				*total += c[i].n;
				break;
			}
	return HF_OK;
}

/*
 * GET /stats/loans: loans started and returned per day (UTC) over a range
 * of days, every day listed, and the loans active, overdue and returned
 * now.
 */
int
svc_stats_loans(struct svc_ctx *ctx, const char *from_day, const char *to_day,
    struct lend_stats *out)
{
	struct db_param		 p[2];
	long long		 from, to, d;
	size_t			 i;
	int			 rc, found;

	memset(out, 0, sizeof(*out));
	if ((rc = day_range(ctx, from_day, to_day, &from, &to)) != HF_OK)
		return rc;
	out->ndays = (size_t)((to - from) / 86400 + 1);
	if ((out->days = arena_calloc(ctx->arena, out->ndays,
	    sizeof(*out->days))) == NULL)
		return HF_E_SYS_INTERNAL;
	for (i = 0, d = from; i < out->ndays; i++, d += 86400)
		if ((out->days[i].day = day_format(ctx->arena, d, 0)) == NULL)
			return HF_E_SYS_INTERNAL;
	out->from = out->days[0].day;
	out->to = out->days[out->ndays - 1].day;
	p[0] = DB_STR(day_format(ctx->arena, from, 1));
	p[1] = DB_STR(day_format(ctx->arena, to + 86400, 1));
	if ((rc = merge_days(ctx, &db_sql_stats_loans_day, p, out->days,
	    out->ndays, 0, &out->totals.loans)) != HF_OK ||
	    (rc = merge_days(ctx, &db_sql_stats_returns_day, p, out->days,
	    out->ndays, 1, &out->totals.returns)) != HF_OK)
		return rc;
	return db_row(ctx->app->db, ctx->arena, &db_sql_stats_loans_now, NULL,
	    0, &out->now, &found);
}

/*
 * GET /stats/categories: per category (NULL: products without one) the
 * products and their stock, the loans started (all time, or within
 * from..to when either is given), active and overdue now, and the holds
 * waiting.
 */
int
svc_stats_categories(struct svc_ctx *ctx, const char *from_day,
    const char *to_day, struct lend_category_stats *out)
{
	struct db_param	 p[2];
	const char	*since = NULL, *until = NULL;	/* NULL: all time */
	long long	 from, to;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (from_day != NULL || to_day != NULL) {
		if ((rc = day_range(ctx, from_day, to_day, &from, &to)) !=
		    HF_OK)
			return rc;
		out->from = day_format(ctx->arena, from, 0);
		out->to = day_format(ctx->arena, to, 0);
		since = day_format(ctx->arena, from, 1);
		until = day_format(ctx->arena, to + 86400, 1);
	}
	p[0] = DB_OPT_STR(since);
	p[1] = DB_OPT_STR(until);
	return db_rows(ctx->app->db, ctx->arena, &db_sql_stats_categories, p,
	    2, &out->items, &out->n);
}
