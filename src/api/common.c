/*
 * common.c: what every handler shares: the service context built from a
 * request, paging, and the reply for a service's refusal.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

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
api_fail(struct http_request *req, struct svc_ctx *ctx, int rc)
{
	api_fail_body(req, ctx, rc, NULL);
}

/* What each location could give of a short line. */
static json_object *
api_line_places(const struct svc_line *ln)
{
	json_object	*a = json_object_new_array(), *o;
	size_t		 i;

	for (i = 0; i < ln->nplaces; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "location",
		    json_object_new_string(ln->places[i].location));
		json_object_object_add(o, "available",
		    json_object_new_int64(ln->places[i].available));
		json_object_array_add(a, o);
	}
	return a;
}

/* The loans at fault (issue 14, item 6): [{loan_id, code, message}]. */
static json_object *
api_faults(const struct svc_ctx *ctx)
{
	json_object	*a = json_object_new_array(), *f;
	size_t		 i;

	for (i = 0; i < ctx->nfaults; i++) {
		f = json_object_new_object();
		json_object_object_add(f, "loan_id",
		    json_object_new_int64((int64_t)ctx->faults[i].loan_id));
		if (ctx->faults[i].code != NULL)
			json_object_object_add(f, "code",
			    json_object_new_string(ctx->faults[i].code));
		if (ctx->faults[i].message != NULL)
			json_object_object_add(f, "message",
			    json_object_new_string(ctx->faults[i].message));
		json_object_array_add(a, f);
	}
	return a;
}

/* The service's details (svc_detail, svc_line) as error.details, or NULL. */
static json_object *
api_details(const struct svc_ctx *ctx)
{
	json_object	*o, *lines, *l;
	size_t		 i;

	if (ctx == NULL || (ctx->ndetails == 0 && ctx->nlines == 0 &&
	    ctx->nfaults == 0))
		return NULL;
	o = json_object_new_object();
	for (i = 0; i < ctx->ndetails; i++)
		json_object_object_add(o, ctx->details[i].key,
		    ctx->details[i].s != NULL ?
		    json_object_new_string(ctx->details[i].s) :
		    json_object_new_int64(ctx->details[i].i));
	if (ctx->nlines > 0) {
		lines = json_object_new_array();
		for (i = 0; i < ctx->nlines; i++) {
			l = json_object_new_object();
			json_object_object_add(l, "sku",
			    json_object_new_string(ctx->lines[i].sku));
			if (ctx->lines[i].status != NULL)
				json_object_object_add(l, "status",
				    json_object_new_string(
				    ctx->lines[i].status));
			else {
				json_object_object_add(l, "requested",
				    json_object_new_int64(
				    ctx->lines[i].requested));
				json_object_object_add(l, "available",
				    json_object_new_int64(
				    ctx->lines[i].available));
				if (ctx->lines[i].places != NULL)
					json_object_object_add(l, "locations",
					    api_line_places(&ctx->lines[i]));
			}
			json_object_array_add(lines, l);
		}
		json_object_object_add(o, "lines", lines);
	}
	if (ctx->nfaults > 0 && ctx->faults_key != NULL)
		json_object_object_add(o, ctx->faults_key, api_faults(ctx));
	return o;
}

/* As api_fail, and returns the body written (for idempotency). */
const char *
api_fail_body(struct http_request *req, struct svc_ctx *ctx, int rc,
    size_t *len)
{
	json_object	*details;
	char		 ra[16];

	if (rc == HF_E_REQ_RATE) {
		snprintf(ra, sizeof(ra), "%d", ctx != NULL &&
		    ctx->retry_after > 0 ? ctx->retry_after : 1);
		http_header(req, "Retry-After", ra);
	}
	details = api_details(ctx);
	if (ctx != NULL && ctx->field != NULL) {
		/* the field joins what the service said, not replaces it */
		if (details == NULL)
			details = json_object_new_object();
		json_object_object_add(details, "field",
		    json_object_new_string(ctx->field));
		if (ctx->reason != NULL)
			json_object_object_add(details, "reason",
			    json_object_new_string(ctx->reason));
		return http_reply_err_body(req, rc, arena_printf(req->arena,
		    "%s: %s", ctx->field, ctx->reason != NULL ? ctx->reason :
		    "invalid"), details, len);
	}
	if (hf_err_status(rc) >= 500)
		log_error(req->request_id, "%s %s: %s (%s)", req->method_name,
		    req->path, hf_err_code(rc), svc_db_error(req->app));
	return http_reply_err_body(req, rc, ctx != NULL ? ctx->message : NULL,
	    details, len);
}

static char *
api_render_cb(void *p, int *status, size_t *len)
{
	struct api_render	*r = p;
	json_object		*data = r->build(r->req, r->arg);

	*status = r->status;
	return http_envelope(r->req->arena, r->status, NULL, NULL, data, NULL,
	    hf_unix_time(), r->req->request_id, len);
}

/*
 * Starts an idempotent write. Returns 0 to go on (with or without a key),
 * or -1 after replying (a replay, a mismatch, a key still running).
 */
int
api_idem_begin(struct http_request *req, struct svc_ctx *ctx,
    struct idem *idem, struct api_render *render)
{
	const char	*key = http_env(req, "HTTP_IDEMPOTENCY_KEY");
	size_t		 n;
	int		 rc, outcome;

	memset(idem, 0, sizeof(*idem));
	idem->render = api_render_cb;
	idem->render_arg = render;
	if (key == NULL)
		return 0;
	n = strlen(key);
	if (n == 0 || n > 255) {
		api_bad_query(req, "Idempotency-Key", "1 to 255 bytes");
		return -1;
	}
	rc = svc_idem_begin(ctx, key, req->method_name, req->path,
	    req->body, req->body_len, idem, &outcome);
	if (rc != HF_OK) {
		api_fail(req, ctx, rc);
		return -1;
	}
	if (outcome == IDEM_REPLAY) {
		http_header(req, "Idempotent-Replay", "true");
		http_reply_raw(req, idem->status, HTTP_JSON_TYPE, idem->body,
		    idem->len);
		return -1;
	}
	return 0;
}

/*
 * Ends a write: the stored reply (or a fresh one) on success; on failure
 * the error, which a 4xx also stores under the key.
 */
void
api_idem_finish(struct http_request *req, struct svc_ctx *ctx,
    struct idem *idem, struct api_render *render, int rc)
{
	const char	*body;
	size_t		 len = 0;

	if (rc == HF_OK) {
		if (idem->body == NULL)
			idem->body = api_render_cb(render, &idem->status,
			    &idem->len);
		if (idem->body == NULL) {
			http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
			return;
		}
		http_reply_raw(req, idem->status, HTTP_JSON_TYPE, idem->body,
		    idem->len);
		return;
	}
	body = api_fail_body(req, ctx, rc, &len);
	if (idem->id != 0)
		svc_idem_abandon(ctx, idem, hf_err_status(rc), body, len);
}

/* The paging parameters of every list: their caps and defaults. */
static const struct field f_paging[] = {
	[API_PAGE] = { "page", FIELD_INT, 0, 1, 1000000, NULL, NULL, "1" },
	[API_PER_PAGE] = { "per_page", FIELD_INT, 0, 1, API_PER_PAGE_MAX, NULL,
	    NULL, "20" },
};

const struct body_schema schema_paging = SCHEMA(f_paging);

/*
 * ?page=&per_page= read through schema_paging. Replies 422 and returns
 * -1 if one is bad.
 */
int
api_paging(struct http_request *req, long long *page, long long *per_page)
{
	struct field_value	v[2];
	long long		*out[2] = { page, per_page };
	size_t			 i;

	for (i = 0; i < 2; i++) {
		if (field_text_check(&f_paging[i], http_query(req,
		    f_paging[i].name), req->arena, &v[i]) != NULL) {
			api_bad_query(req, f_paging[i].name, "page >= 1, "
			    "per_page from 1 to 100");
			return -1;
		}
		*out[i] = v[i].i;
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

/*
 * ?name=N, an optional id: 1 to 2^63-1 in plain digits, or absent or empty
 * (*id 0). Anything else replies 422 naming the field ("what, 1 to ...":
 * what is e.g. "a user's id") and returns -1.
 */
int
api_id_query(struct http_request *req, const char *name, const char *what,
    uint64_t *id)
{
	const char	*v = http_query(req, name);
	long long	 n = 0;

	*id = 0;
	if (v == NULL || *v == '\0')
		return 0;
	if (hf_parse_ll(v, 1, INT64_MAX, &n) != 0 || v[0] < '1' ||
	    v[0] > '9') {
		api_bad_query(req, name, arena_printf(req->arena, "%s, 1 to "
		    "9223372036854775807, no sign or leading zero", what));
		return -1;
	}
	*id = (uint64_t)n;
	return 0;
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
 * The {sku} path argument i: an SKU of the grammar (hf_sku_valid), or a
 * 404 INV_001 that does not echo it (it may not be text at all).
 */
int
api_sku_arg(struct http_request *req, size_t i, const char **sku)
{
	if (i >= req->nargs ||
	    !hf_sku_valid(req->args[i], strlen(req->args[i]))) {
		http_reply_err(req, HF_E_INV_NOT_FOUND, "SKU not found: an SKU "
		    "is " HF_SKU_GRAMMAR, NULL);
		return -1;
	}
	*sku = req->args[i];
	return 0;
}

/*
 * The SKU query filter name: NULL when absent or empty, else an SKU of
 * the grammar; replies 422 REQ_010 and returns -1 when it is not one.
 */
int
api_sku_query(struct http_request *req, const char *name, const char **sku)
{
	const char	*v = http_query(req, name);

	*sku = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (!hf_sku_valid(v, strlen(v))) {
		api_bad_query(req, name, HF_SKU_GRAMMAR);
		return -1;
	}
	*sku = v;
	return 0;
}

/*
 * Accepts YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.mmm][Z] (hf_time_parse) and
 * returns the database's form "YYYY-MM-DD HH:MM:SS.mmm", or NULL.
 */
const char *
api_time_param(struct http_request *req, const char *s)
{
	struct tm	tm;
	int64_t		ms;
	time_t		t;

	if (hf_time_parse(s, strlen(s), HF_TIME_CLOCK, &ms) != 0)
		return NULL;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		return NULL;
	return arena_printf(req->arena, "%04d-%02d-%02d %02d:%02d:%02d.%03d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
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

/*
 * The paging of a history list (issue 13): ?page= and ?per_page= as
 * api_paging reads them, and ?after=, the data.next of the page before:
 * digits only, 1 to 2^63-1, no sign, no leading zero (422 REQ_010
 * otherwise, and with a page other than 1). A ?page= that reaches past
 * SVC_LIST_OFFSET_MAX rows is 400 REQ_013: past there an OFFSET walk
 * costs what keyset paging does not. Replies and returns -1 if refused.
 */
int
api_keyset(struct http_request *req, long long *page, long long *per_page,
    struct svc_keyset *ks)
{
	const char	*s = http_query(req, "after");
	long long	 v;
	size_t		 i;

	memset(ks, 0, sizeof(*ks));
	if (api_paging(req, page, per_page) != 0)
		return -1;
	if (s != NULL) {
		for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == 0 || s[i] != '\0' || s[0] == '0' || i > 19 ||
		    hf_parse_ll(s, 1, INT64_MAX, &v) != 0) {
			api_bad_query(req, "after", "the data.next of the "
			    "page before: an id from 1 to 9223372036854775807");
			return -1;
		}
		if (*page != 1) {
			api_bad_query(req, "page", "not with after");
			return -1;
		}
		ks->after = (uint64_t)v;
		return 0;
	}
	if (*page * *per_page > SVC_LIST_OFFSET_MAX) {
		http_reply_err(req, HF_E_REQ_PAGE_DEEP, arena_printf(req->arena,
		    "page too deep: ?page= reaches %d rows at most; follow "
		    "data.next with ?after=", SVC_LIST_OFFSET_MAX), NULL);
		return -1;
	}
	return 0;
}

/*
 * {"items", "page", "per_page", "total", "total_exact", "next"}; takes
 * items. next is the ?after= of the following page, null at the end;
 * total is exact when total_exact, else the cap (a lower bound).
 */
json_object *
api_list_ks(json_object *items, long long page, long long per_page,
    const struct svc_keyset *ks)
{
	json_object	*o = api_list(items, ks->after != 0 ? 1 : page,
	    per_page, ks->total);

	json_object_object_add(o, "total_exact",
	    json_object_new_boolean(ks->total_exact));
	json_object_object_add(o, "next", ks->next != 0 ?
	    json_object_new_int64((int64_t)ks->next) : NULL);
	return o;
}
