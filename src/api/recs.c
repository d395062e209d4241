/*
 * recs.c: GET /api/v1/products/{id}/related (anyone: the catalog is
 * public) and GET /api/v1/me/recommendations (a signed-in reader), issue
 * 14 item 4. Each is one capped list, not pages: ?limit= from 1 to 50
 * (default 10), data {"items", "limit"}; an item is a product as the
 * catalog shows it (with its current availability) plus readers, score
 * and reason (db_recs.h).
 */
#include "holdfast/api.h"

#define RECS_LIMIT_MAX	50

static const struct field f_limit = { "limit", FIELD_INT, 0, 1,
    RECS_LIMIT_MAX, NULL, NULL, "10" };

/* ?limit=, or a 422 REQ_010 reply and -1 */
static int
limit_arg(struct http_request *req, long long *limit)
{
	struct field_value	v;

	if (field_text_check(&f_limit, http_query(req, "limit"), req->arena,
	    &v) != NULL) {
		api_bad_query(req, "limit", "an integer from 1 to 50");
		return -1;
	}
	*limit = v.i;
	return 0;
}

static void
reply_items(struct http_request *req, const struct rec_item *rows,
    size_t n, long long limit)
{
	json_object	*items = json_object_new_array(), *o, *data;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if ((o = api_product_json(&rows[i].p)) == NULL)
			continue;
		json_object_object_add(o, "readers",
		    json_object_new_int64(rows[i].readers));
		json_object_object_add(o, "score",
		    json_object_new_int64(rows[i].score));
		json_object_object_add(o, "reason",
		    api_str_or_null(rows[i].reason));
		json_object_array_add(items, o);
	}
	data = json_object_new_object();
	json_object_object_add(data, "items", items);
	json_object_object_add(data, "limit", json_object_new_int64(limit));
	http_reply(req, 200, data);
}

void
api_recs_related(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct rec_item	*rows;
	size_t		 n = 0;
	uint64_t	 id;
	long long	 limit;
	int		 rc;

	if (api_id_arg(req, 0, &id) != 0 || limit_arg(req, &limit) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_recs_related(&ctx, id, limit, &rows, &n)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	reply_items(req, rows, n, limit);
}

void
api_recs_mine(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct rec_item	*rows;
	size_t		 n = 0;
	long long	 limit;
	int		 rc;

	if (limit_arg(req, &limit) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_recs_mine(&ctx, limit, &rows, &n)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	reply_items(req, rows, n, limit);
}
