/*
 * stats_orders.c: GET /api/v1/stats/orders, orders and revenue per day
 * and status over a range of days (the same ?from=&to= days as the
 * library's reports).
 */
#include "holdfast/api.h"
#include "holdfast/orders.h"

void
api_stats_orders(struct http_request *req)
{
	struct svc_ctx	 ctx;
	json_object	*data = NULL;
	const char	*from = http_query(req, "from");
	const char	*to = http_query(req, "to");
	int		 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_order_stats(&ctx, from != NULL && *from != '\0' ? from :
	    NULL, to != NULL && *to != '\0' ? to : NULL, &data)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, data);
}
