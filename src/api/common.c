/*
 * common.c: what every handler shares: the service context built from a
 * request, paging, and the reply for a service's refusal.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/app.h"

void
api_ctx(struct http_request *req, struct svc_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->app = req->app;
	ctx->arena = req->arena;
	ctx->who = &req->who;
	ctx->ip = http_client_ip(req);
	ctx->user_agent = req->user_agent;
	ctx->request_id = req->request_id;
}

/*
 * Replies for a service error: Retry-After for rate limits, the field for
 * validation, and a log line (never the client) for database failures.
 */
void
api_fail(struct http_request *req, const struct svc_ctx *ctx, int rc)
{
	json_object	*details = NULL;
	char		 ra[16];

	if (rc == HF_E_REQ_RATE) {
		snprintf(ra, sizeof(ra), "%d", ctx != NULL &&
		    ctx->retry_after > 0 ? ctx->retry_after : 1);
		http_header(req, "Retry-After", ra);
	}
	if (ctx != NULL && ctx->field != NULL) {
		details = json_object_new_object();
		json_object_object_add(details, "field",
		    json_object_new_string(ctx->field));
		if (ctx->reason != NULL)
			json_object_object_add(details, "reason",
			    json_object_new_string(ctx->reason));
		http_reply_err(req, rc, arena_printf(req->arena, "%s: %s",
		    ctx->field, ctx->reason != NULL ? ctx->reason :
		    "invalid"), details);
		return;
	}
	if (hf_err_status(rc) >= 500)
		log_error(req->request_id, "%s %s: %s (%s)", req->method_name,
		    req->path, hf_err_code(rc), svc_db_error(req->app));
	http_reply_err(req, rc, NULL, NULL);
}

/* ?page=&per_page= (1.., 1..100). Replies 422 and returns -1 if bad. */
int
api_paging(struct http_request *req, long long *page, long long *per_page)
{
	const char	*p = http_query(req, "page");
	const char	*pp = http_query(req, "per_page");

	*page = 1;
	*per_page = 20;
	if ((p != NULL && hf_parse_ll(p, 1, 1000000, page) != 0) ||
	    (pp != NULL && hf_parse_ll(pp, 1, 100, per_page) != 0)) {
		api_bad_query(req, p != NULL && hf_parse_ll(p, 1, 1000000,
		    page) != 0 ? "page" : "per_page", "page >= 1, "
		    "per_page from 1 to 100");
		return -1;
	}
	return 0;
}

void
api_bad_query(struct http_request *req, const char *name, const char *why)
{
	json_object	*details = json_object_new_object();

	json_object_object_add(details, "field", json_object_new_string(name));
	json_object_object_add(details, "reason", json_object_new_string(why));
	http_reply_err(req, HF_E_REQ_FIELD, arena_printf(req->arena,
	    "%s: %s", name, why), details);
}

/* An id path argument (1..2^63-1); replies 404 and returns -1 if not. */
int
api_id_arg(struct http_request *req, size_t i, uint64_t *id)
{
	long long	v;

	if (i >= req->nargs || hf_parse_ll(req->args[i], 1, INT64_MAX, &v)) {
		http_reply_err(req, HF_E_NOT_FOUND, NULL, NULL);
		return -1;
	}
	*id = (uint64_t)v;
	return 0;
}

/*
 * Accepts YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.mmm][Z] and returns the
 * database's form "YYYY-MM-DD HH:MM:SS.mmm", or NULL.
 */
const char *
api_time_param(struct http_request *req, const char *s)
{
	int	y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, n = 0;
	size_t	len = strlen(s);

	if (len == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 &&
	    n == 10)
		;
	else if (len >= 19 && sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo,
	    &d, &h, &mi, &sec, &n) == 6 && n == 19) {
		if (s[n] == '.' && isdigit((unsigned char)s[n + 1]) &&
		    isdigit((unsigned char)s[n + 2]) &&
		    isdigit((unsigned char)s[n + 3])) {
			ms = (s[n + 1] - '0') * 100 + (s[n + 2] - '0') * 10 +
			    (s[n + 3] - '0');
			n += 4;
		}
		if (s[n] == 'Z')
			n++;
		if ((size_t)n != len)
			return NULL;
	} else
		return NULL;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 59)
		return NULL;
	return arena_printf(req->arena, "%04d-%02d-%02d %02d:%02d:%02d.%03d",
	    y, mo, d, h, mi, sec, ms);
}

/* {"items": [...], "page", "per_page", "total"}; takes items. */
json_object *
api_list(json_object *items, long long page, long long per_page,
    long long total)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "items", items);
	json_object_object_add(o, "page", json_object_new_int64(page));
	json_object_object_add(o, "per_page", json_object_new_int64(per_page));
	json_object_object_add(o, "total", json_object_new_int64(total));
	return o;
}

json_object *
api_str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}
