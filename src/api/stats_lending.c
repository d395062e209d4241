/*
 * stats_lending.c: the library's reports: loans per day over a range of
 * days, and loans and stock per category.
 */
#include "holdfast/api.h"
#include "holdfast/lending.h"

typedef int (*stats_fn)(struct svc_ctx *, const char *, const char *,
    json_object **);

static void
stats_reply(struct http_request *req, stats_fn fn)
{
	struct svc_ctx	 ctx;
	json_object	*data = NULL;
	const char	*from = http_query(req, "from");
	const char	*to = http_query(req, "to");
	int		 rc;

	api_ctx(req, &ctx);
	if ((rc = fn(&ctx, from != NULL && *from != '\0' ? from : NULL,
	    to != NULL && *to != '\0' ? to : NULL, &data)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, data);
}

void
api_stats_loans(struct http_request *req)
{
	stats_reply(req, svc_stats_loans);
}

void
api_stats_categories(struct http_request *req)
{
	stats_reply(req, svc_stats_categories);
}
