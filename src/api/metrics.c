/*
 * metrics.c: GET /metrics, the Prometheus text format (0.0.4). The
 * counters of every worker, summed from the shared file, and gauges read
 * at scrape time. Loopback clients or an admin (PERM_LOCAL); the web
 * server lets it through from this host only.
 */
#include "holdfast/api.h"
#include "holdfast/metrics.h"
#include "holdfast/svc.h"

#define METRICS_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* 200 even with the database down: the counters still tell the story. */
void
api_metrics(struct http_request *req)
{
	struct metrics_gauges	 g;
	const char		*text;
	size_t			 len;

	svc_metrics_gauges(req->app, req->arena, &g);
	if ((text = metrics_render(req->arena, &g, &len)) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_raw(req, 200, METRICS_TYPE, text, len);
}
