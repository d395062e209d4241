/*
 * webhooks.c: subscribe, list and delete webhooks (admin), and read the
 * deliveries of one.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/orders.h"

static const char *const delivery_statuses[] = { "pending", "retrying",
    "delivered", "dead", NULL };

enum { WH_URL, WH_EVENTS, WH_SECRET };

static const struct field f_webhook[] = {
	[WH_URL] = { "url", FIELD_STRING, FIELD_REQUIRED, 1, 2048, NULL, NULL,
	    NULL },
	[WH_EVENTS] = { "events", FIELD_ARRAY, FIELD_REQUIRED, 1, 6, NULL, NULL,
	    NULL },
	[WH_SECRET] = { "secret", FIELD_STRING, FIELD_NULLABLE,
	    WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX, NULL, NULL, NULL },
};

const struct body_schema schema_webhook = SCHEMA(f_webhook);

/* The SET text "a,b" as ["a", "b"]. */
static json_object *
events_json(struct http_request *req, const char *events)
{
	json_object	*a = json_object_new_array();
	char		*s, *comma;

	if (events == NULL || (s = arena_strdup(req->arena, events)) == NULL)
		return a;
	while (*s != '\0') {
		if ((comma = strchr(s, ',')) != NULL)
			*comma = '\0';
		json_object_array_add(a, json_object_new_string(s));
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	return a;
}

static json_object *
webhook_json(struct http_request *req, const struct webhook *w,
    int with_counts)
{
	json_object	*o = json_object_new_object(), *d;

	json_object_object_add(o, "id", json_object_new_int64((int64_t)w->id));
	json_object_object_add(o, "url", api_str_or_null(w->url));
	json_object_object_add(o, "events", events_json(req, w->events));
	json_object_object_add(o, "active", json_object_new_boolean(w->active));
	json_object_object_add(o, "created_by", api_str_or_null(w->created_by));
	json_object_object_add(o, "created_at", api_str_or_null(w->created_at));
	if (with_counts) {
		d = json_object_new_object();
		json_object_object_add(d, "pending",
		    json_object_new_int64(w->pending));
		json_object_object_add(d, "delivered",
		    json_object_new_int64(w->delivered));
		json_object_object_add(d, "dead",
		    json_object_new_int64(w->dead));
		json_object_object_add(o, "deliveries", d);
	}
	if (w->secret[0] != '\0')
		json_object_object_add(o, "secret",
		    json_object_new_string(w->secret));
	return o;
}

void
api_webhook_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct webhook_new	 in;
	struct webhook		 out;
	json_object		*v;
	size_t			 i;
	int			 rc;

	memset(&in, 0, sizeof(in));
	in.url = fv[WH_URL].s;
	in.secret = fv[WH_SECRET].present && !fv[WH_SECRET].null ?
	    fv[WH_SECRET].s : NULL;
	in.nevents = json_object_array_length(fv[WH_EVENTS].j);
	if ((in.events = arena_calloc(req->arena, in.nevents + 1,
	    sizeof(*in.events))) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return;
	}
	for (i = 0; i < in.nevents; i++) {
		v = json_object_array_get_idx(fv[WH_EVENTS].j, i);
		if (!json_object_is_type(v, json_type_string)) {
			api_bad_query(req, "events", "event names (strings)");
			return;
		}
		in.events[i] = json_object_get_string(v);
	}
	api_ctx(req, &ctx);
	if ((rc = svc_webhook_create(&ctx, &in, &out)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 201, webhook_json(req, &out, 0));
}

void
api_webhooks_list(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct webhook	*rows;
	json_object	*items;
	long long	 page, per_page, total = 0;
	size_t		 n = 0, i;
	int		 rc;

	if (api_paging(req, &page, &per_page) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_webhooks_list(&ctx, page, per_page, &rows, &n,
	    &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, webhook_json(req, &rows[i], 1));
	http_reply(req, 200, api_list(items, page, per_page, total));
}

void
api_webhook_delete(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct webhook	w;
	uint64_t	id;
	int		rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	memset(&w, 0, sizeof(w));
	if ((rc = svc_webhook_delete(&ctx, id, &w)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, webhook_json(req, &w, 0));
}

void
api_webhook_deliveries(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct delivery_filter	 f;
	json_object		*items = NULL;
	long long		 total = 0;
	uint64_t		 id;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_id_arg(req, 0, &id) != 0 ||
	    api_paging(req, &f.page, &f.per_page) != 0 ||
	    api_enum_param(req, "status", delivery_statuses, &f.status) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_webhook_deliveries(&ctx, id, &f, &items, &total)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(items, f.page, f.per_page, total));
}
