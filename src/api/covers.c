/*
 * covers.c: GET /api/v1/covers/{file} (issue 16, item 2): a cover from the
 * database, for a host that does not have it on its disk (README
 * "Scale-out: shared state"). The web server serves upload_dir as before
 * and falls back to this route on a miss; the route also writes the
 * cover into this host's upload_dir/covers, so the next read is the web
 * server's. {file} is the last segment of a product's cover_url.
 */
#include "holdfast/api.h"
#include "holdfast/svc.h"
#include "holdfast/hoststate.h"

void
api_cover_get(struct http_request *req)
{
	struct svc_ctx	 ctx;
	const char	*bytes, *type;
	size_t		 len;
	int		 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_cover_get(&ctx, req->args[0], &bytes, &len, &type)) !=
	    HF_OK) {
		if (rc == HF_E_NOT_FOUND)
			http_reply_err(req, rc, "no such cover", NULL);
		else
			api_fail(req, &ctx, rc);
		return;
	}
	/* named by the SHA-256 of their bytes: they never change */
	http_header(req, "Cache-Control", "public, max-age=2592000, "
	    "immutable");
	http_header(req, "X-Content-Type-Options", "nosniff");
	http_reply_raw(req, 200, type, bytes, len);
}
