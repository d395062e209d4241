/*
 * recs.c: "readers who borrowed this also borrowed" (GET
 * /products/{id}/related) and a reader's recommendations (GET
 * /me/recommendations), issue 14 item 4. Both read the co-borrow tables
 * that a trigger on loans keeps in the loan's own transaction
 * (018_recommendations.sql), so a read is one statement over an index
 * range, however many loans there are. Nothing is cached: a new loan
 * shows in the next answer.
 */
#include "holdfast/db.h"
#include "holdfast/svc.h"

int
svc_recs_related(struct svc_ctx *ctx, uint64_t id, long long limit,
    struct rec_item **out, size_t *n)
{
	struct db_param	p[2] = { DB_INT((long long)id), DB_INT(limit) };
	long long	found;
	int		rc = HF_OK;

	*out = NULL;
	*n = 0;
	found = db_count_of(ctx->app->db, ctx->arena,
	    &db_sql_recs_product_exists, p, 1, &rc);
	if (rc != HF_OK)
		return rc;
	if (found == 0)
		return HF_E_INV_NOT_FOUND;
	return db_rows(ctx->app->db, ctx->arena, &db_sql_recs_related, p, 2,
	    out, n);
}

/*
 * The signed-in reader's (ctx->who->user_id). An API key has no reader:
 * user id 0 has no loans and no favorites, so it gets what a reader with
 * no history gets, the most read titles.
 */
int
svc_recs_mine(struct svc_ctx *ctx, long long limit, struct rec_item **out,
    size_t *n)
{
	long long	uid = (long long)ctx->who->user_id;
	struct db_param	p[3] = { DB_INT(uid), DB_INT(uid), DB_INT(limit) };

	*out = NULL;
	*n = 0;
	return db_rows(ctx->app->db, ctx->arena, &db_sql_recs_for_user, p, 3,
	    out, n);
}
