/*
 * order_stats.c: the shop's revenue statistics (issue 6, GET
 * /api/v1/stats/orders): the orders created on each day (UTC) of a range
 * of days, their count and revenue, and count and total by status. One
 * query groups by day and status; every day of the range is listed,
 * those without orders too.
 */
#include <string.h>
#include <time.h>

#include "holdfast/db.h"
#include "holdfast/db_orders.h"
#include "holdfast/orders.h"

#define STATS_DEFAULT_DAYS	30
#define STATS_MAX_DAYS		366

/* Every status an order can have, in the order by_status lists them. */
static const char *const stats_statuses[ORDER_NSTATUS] = {
	"pending_payment", "paid", "fulfilled", "cancelled", "expired",
	"refunded",
};

/* The day of t, as "YYYY-MM-DD" or (with_time) the midnight it starts. */
static const char *
stats_day_text(struct arena *a, long long t, int with_time)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		buf[32];

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof(buf),
	    with_time ? "%Y-%m-%d 00:00:00" : "%Y-%m-%d", &tm) == 0)
		return "";
	return arena_strdup(a, buf);
}

/* Revenue is what was taken and kept. */
static int
stats_kept(const char *status)
{
	return strcmp(status, "paid") == 0 || strcmp(status, "fulfilled") == 0;
}

static const char *
stats_money(struct arena *a, long long cents)
{
	return arena_printf(a, "%lld.%02lld", cents / 100, cents % 100);
}

/* Adds one day-and-status row to the totals of its status. */
static void
stats_add(struct order_stats *out, long long *cents,
    const struct order_stats_row *r)
{
	size_t	k;

	for (k = 0; k < ORDER_NSTATUS; k++)
		if (strcmp(stats_statuses[k], r->status) == 0) {
			out->by_status[k].count += r->count;
			cents[k] += r->total_cents;
		}
}

/*
 * The orders created on each day of from..to, both days included (to:
 * today, from: 29 days before, by default; at most 366 days), every day
 * listed: their count and revenue, and count and total by status.
 * revenue is what was taken and kept: the totals of the orders now paid
 * or fulfilled. REQ_010 for a bad or reversed range. out lives in the
 * request's arena.
 */
int
svc_order_stats(struct svc_ctx *ctx, const char *from_day, const char *to_day,
    struct order_stats *out)
{
	struct order_stats_row	*rows;
	struct order_stats_group *groups;
	struct order_stats_day	*day;
	struct db_param		 p[2];
	long long		 from, to, d, cents, kept = 0;
	long long		 st_cents[ORDER_NSTATUS];
	size_t			 nrows, row = 0, k;
	int			 rc;

	memset(out, 0, sizeof(*out));
	to = to_day != NULL ? hf_day_parse(to_day) :
	    hf_unix_time() / 86400 * 86400;
	from = from_day != NULL ? hf_day_parse(from_day) :
	    to - (STATS_DEFAULT_DAYS - 1) * 86400LL;
	ctx->reason = "a day as YYYY-MM-DD";
	if (to < 0 || from < 0) {
		ctx->field = to < 0 ? "to" : "from";
		return HF_E_REQ_FIELD;
	}
	if (from > to || (to - from) / 86400 + 1 > STATS_MAX_DAYS) {
		ctx->field = "from";
		ctx->reason = "from must not be after to, and the range at "
		    "most 366 days";
		return HF_E_REQ_FIELD;
	}
	ctx->reason = NULL;
	p[0] = DB_STR(stats_day_text(ctx->arena, from, 1));
	p[1] = DB_STR(stats_day_text(ctx->arena, to + 86400, 1));
	if ((rc = db_rows(ctx->app->db, ctx->arena, &db_sql_orders_stats_day,
	    p, 2, &rows, &nrows)) != HF_OK)
		return rc;
	out->days = arena_calloc(ctx->arena, (size_t)((to - from) / 86400 + 1),
	    sizeof(*out->days));
	groups = arena_calloc(ctx->arena, nrows + 1, sizeof(*groups));
	if (out->days == NULL || groups == NULL)
		return HF_E_SYS_INTERNAL;
	memset(st_cents, 0, sizeof(st_cents));
	for (d = from; d <= to; d += 86400) {
		day = &out->days[out->ndays++];
		day->day = stats_day_text(ctx->arena, d, 0);
		day->by_status = &groups[row];
		cents = 0;
		/* rows come sorted by day, then status */
		for (; row < nrows && strcmp(rows[row].day, day->day) == 0;
		    row++) {
			groups[row].status = rows[row].status;
			groups[row].count = rows[row].count;
			groups[row].total = rows[row].total;
			day->nby_status++;
			day->count += rows[row].count;
			stats_add(out, st_cents, &rows[row]);
			if (stats_kept(rows[row].status))
				cents += rows[row].total_cents;
		}
		day->revenue = stats_money(ctx->arena, cents);
		out->count += day->count;
		kept += cents;
	}
	for (k = 0; k < ORDER_NSTATUS; k++) {
		out->by_status[k].status = stats_statuses[k];
		out->by_status[k].total = stats_money(ctx->arena, st_cents[k]);
	}
	out->from = stats_day_text(ctx->arena, from, 0);
	out->to = stats_day_text(ctx->arena, to, 0);
	out->revenue = stats_money(ctx->arena, kept);
	return HF_OK;
}
