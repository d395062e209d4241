/*
 * stock_at.c: GET /stock/{sku} and GET /stock when they name a moment
 * (?at= or ?ledger_id=) or a location (?location=), issue 17 item 5: the
 * stock as it was, per location, from the ledger's after-values, and the
 * current stock at one location. stock.c hands a request here when it
 * carries one of them; without, its answers are unchanged.
 *
 * ?at= is a moment: YYYY-MM-DD (its midnight) or
 * YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|+HH:MM|-HH:MM], UTC when no zone is
 * given; the stock right after every ledger row with created_at <= it.
 * ?ledger_id=N: right after row N (every row with id <= N). The history
 * is the ledger's, so a moment needs what GET /ledger needs (business or
 * admin); the current stock at a location is as public as GET /stock.
 */
#include <string.h>
#include <time.h>

#include "holdfast/api.h"

#define AT_GRAMMAR	"expected ISO 8601, e.g. 2026-11-21T10:00:00Z, " \
	"2026-11-21T12:00:00.250+02:00 or 2026-11-21 (no zone: UTC)"
#define LOC_GRAMMAR	"a location code: letters, digits, '.', '_' and " \
	"'-', 1 to 32"

/* a query value, NULL when absent or empty (as every filter reads it) */
static const char *
given(const char *v)
{
	return v != NULL && *v != '\0' ? v : NULL;
}

/* 1 when the request names a moment or a location (stock.c asks). */
int
api_stock_at_asked(struct http_request *req)
{
	return given(http_query(req, "at")) != NULL ||
	    given(http_query(req, "ledger_id")) != NULL ||
	    given(http_query(req, "location")) != NULL;
}

/*
 * The location query parameter name (GET /stock, /stock/{sku}, /ledger):
 * a code of the location grammar or NULL when not given; replies 422 and
 * returns -1 otherwise. Whether it exists is the service's (LOC_001).
 */
int
api_location_query(struct http_request *req, const char *name,
    const char **code)
{
	const char	*v = given(http_query(req, name));

	*code = NULL;
	if (v == NULL)
		return 0;
	if (strlen(v) > API_LOCATION_MAX || !hf_sku_valid(v, strlen(v))) {
		api_bad_query(req, name, LOC_GRAMMAR);
		return -1;
	}
	*code = v;
	return 0;
}

/* ?at= in the database's form ("YYYY-MM-DD HH:MM:SS.mmm"), NULL if not
 * given; replies 422 and returns -1 if it is not a moment. */
static int
at_param(struct http_request *req, const char **out)
{
	const char	*v = given(http_query(req, "at"));
	struct tm	 tm;
	int64_t		 ms;
	time_t		 t;
	size_t		 len;
	char		*s;

	*out = NULL;
	if (v == NULL)
		return 0;
	len = strlen(v);
	/* an offset's '+' sent unescaped arrives as a space */
	if ((s = arena_strdup(req->arena, v)) != NULL && len > 19 &&
	    s[len - 6] == ' ')
		s[len - 6] = '+';
	if (s == NULL || hf_time_parse(s, len, HF_TIME_ZONE, &ms) != 0)
		goto bad;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
		goto bad;
	*out = arena_printf(req->arena, "%04d-%02d-%02d %02d:%02d:%02d.%03d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return 0;
bad:
	api_bad_query(req, "at", AT_GRAMMAR);
	return -1;
}

/* ?ledger_id=: digits only (no sign, space or exponent), 1 to 2^63-1. */
static int
ledger_id_param(struct http_request *req, uint64_t *out)
{
	const char	*v = given(http_query(req, "ledger_id"));
	long long	 id;
	size_t		 i;

	*out = 0;
	if (v == NULL)
		return 0;
	for (i = 0; v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (v[i] != '\0' || hf_parse_ll(v, 1, INT64_MAX, &id) != 0) {
		api_bad_query(req, "ledger_id", "a ledger row's id, a whole "
		    "number from 1 to 9223372036854775807");
		return -1;
	}
	*out = (uint64_t)id;
	return 0;
}

/*
 * Reads at, ledger_id and location into q: 422 for a bad value or both
 * moments, and for a moment 401/403 unless the caller may read the
 * ledger. Returns -1 after replying.
 */
static int
at_query(struct http_request *req, struct stock_at_query *q)
{
	memset(q, 0, sizeof(*q));
	if ((given(http_query(req, "at")) != NULL ||
	    given(http_query(req, "ledger_id")) != NULL) &&
	    req->who.role < ROLE_BUSINESS) {
		http_reply_err(req, req->who.role == ROLE_GUEST ?
		    HF_E_AUTH_MISSING : HF_E_AUTH_FORBIDDEN, NULL, NULL);
		return -1;
	}
	if (at_param(req, &q->at) != 0 ||
	    ledger_id_param(req, &q->ledger_id) != 0)
		return -1;
	if (q->at != NULL && q->ledger_id != 0) {
		api_bad_query(req, "ledger_id", "not with at: give one moment");
		return -1;
	}
	return api_location_query(req, "location", &q->location);
}

/* {"sku", "product_id", "name", "on_hand", "reserved", "available",
 * "locations": [{"location", ..., "ledger_id" at a moment}]} */
static json_object *
point_json(const struct stock_point *pt, int historic)
{
	json_object	*o = json_object_new_object(), *a, *l;
	size_t		 i;

	json_object_object_add(o, "sku", api_str_or_null(pt->sku));
	json_object_object_add(o, "product_id",
	    json_object_new_int64((int64_t)pt->product_id));
	json_object_object_add(o, "name", api_str_or_null(pt->name));
	json_object_object_add(o, "on_hand", json_object_new_int64(
	    pt->on_hand));
	json_object_object_add(o, "reserved", json_object_new_int64(
	    pt->reserved));
	json_object_object_add(o, "available", json_object_new_int64(
	    pt->available));
	a = json_object_new_array();
	for (i = 0; i < pt->nplaces; i++) {
		l = json_object_new_object();
		json_object_object_add(l, "location",
		    api_str_or_null(pt->places[i].location));
		json_object_object_add(l, "on_hand", json_object_new_int64(
		    pt->places[i].on_hand));
		json_object_object_add(l, "reserved", json_object_new_int64(
		    pt->places[i].reserved));
		json_object_object_add(l, "available", json_object_new_int64(
		    pt->places[i].available));
		if (historic)
			json_object_object_add(l, "ledger_id",
			    pt->places[i].ledger_id != 0 ?
			    json_object_new_int64((int64_t)
			    pt->places[i].ledger_id) : NULL);
		json_object_array_add(a, l);
	}
	json_object_object_add(o, "locations", a);
	return o;
}

/* "at", "ledger_id" and "location" of the answer, into o. */
static json_object *
at_header(json_object *o, const struct stock_at_answer *ans)
{
	json_object_object_add(o, "at", api_str_or_null(ans->at));
	json_object_object_add(o, "ledger_id", ans->ledger_id != 0 ?
	    json_object_new_int64((int64_t)ans->ledger_id) : NULL);
	json_object_object_add(o, "location", api_str_or_null(ans->location));
	return o;
}

/* GET /stock/{sku}?at= | ?ledger_id= [&location=] */
void
api_stock_at_get(struct http_request *req)
{
	struct stock_at_query	q;
	struct stock_at_answer	ans;
	struct svc_ctx		ctx;
	const char		*sku;
	int			rc;

	if (api_sku_arg(req, 0, &sku) != 0 || at_query(req, &q) != 0)
		return;
	if (q.at == NULL && q.ledger_id == 0) {
		api_bad_query(req, "location", "only with at or ledger_id "
		    "(without, the answer lists every location)");
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_stock_at(&ctx, sku, &q, &ans)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, at_header(point_json(&ans.items[0], 1), &ans));
}

/* GET /stock?at= | ?ledger_id= | ?location= (paged as GET /stock) */
void
api_stock_at_list(struct http_request *req)
{
	struct stock_at_query	 q;
	struct stock_at_answer	 ans;
	struct svc_ctx		 ctx;
	json_object		*items;
	size_t			 i;
	int			 rc;

	if (at_query(req, &q) != 0 ||
	    api_paging(req, &q.page, &q.per_page) != 0)
		return;
	if (given(http_query(req, "status")) != NULL) {
		api_bad_query(req, "status", "not with at, ledger_id or "
		    "location");
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_stock_at_list(&ctx, &q, &ans)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	items = json_object_new_array();
	for (i = 0; i < ans.n; i++)
		json_object_array_add(items, point_json(&ans.items[i],
		    ans.historic));
	http_reply(req, 200, at_header(api_list(items, q.page, q.per_page,
	    ans.total), &ans));
}
