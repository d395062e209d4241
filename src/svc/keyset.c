/*
 * keyset.c: the paging rule of the history lists (issue 13; reservations,
 * ledger, orders, loans, holds, audit, webhook deliveries). A page is the
 * next per_page rows of an index walked backwards from ?after= (each
 * statement reads "id < ?" with INT64_MAX for none), one row more than
 * shown to learn whether another page follows. The count is exact up to
 * SVC_LIST_COUNT_CAP and capped past it, so no list pays a COUNT(*) over
 * its whole history; a first page that holds every match needs none.
 */
#include <stdint.h>

#include "holdfast/db.h"
#include "holdfast/svc.h"

/* The keyset bound to bind: ks->after, or past every id. */
long long
svc_ks_after(const struct svc_keyset *ks)
{
	return ks->after != 0 ? (long long)ks->after : INT64_MAX;
}

/* Rows to skip: none after a key, else the page's (api_keyset caps it). */
long long
svc_ks_offset(const struct svc_keyset *ks, long long page, long long per_page)
{
	return ks->after != 0 ? 0 : (page - 1) * per_page;
}

/*
 * The statement read per_page + 1 rows: drops the extra one. Returns 1
 * when there was one (the caller sets ks->next to the last shown id).
 */
int
svc_ks_trim(struct svc_keyset *ks, size_t *n, long long per_page)
{
	ks->next = 0;
	if (*n <= (size_t)per_page)
		return 0;
	*n = (size_t)per_page;
	return 1;
}

/*
 * ks->total and total_exact: from the page itself when it is the last of
 * a ?page= walk (offset rows before it), else through count (SELECT
 * COUNT(*) over a subquery LIMITed to one past the cap).
 */
int
svc_ks_count(struct svc_ctx *ctx, struct svc_keyset *ks, struct db_sql *count,
    const struct db_param *p, size_t np, long long offset, size_t n)
{
	long long	v;
	int		rc;

	if (ks->after == 0 && ks->next == 0 && (offset == 0 || n > 0))
		v = offset + (long long)n;
	else {
		v = db_count_of(ctx->app->db, ctx->arena, count, p, np, &rc);
		if (rc != HF_OK)
			return rc;
	}
	ks->total_exact = v <= SVC_LIST_COUNT_CAP;
	ks->total = ks->total_exact ? v : SVC_LIST_COUNT_CAP;
	return HF_OK;
}
