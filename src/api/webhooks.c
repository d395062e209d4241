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
	[WH_EVENTS] = { "events", FIELD_ARRAY, FIELD_REQUIRED, 1, WEBHOOK_NEVENTS, NULL, NULL,
	    NULL },
	[WH_SECRET] = { "secret", FIELD_STRING, FIELD_NULLABLE,
	    WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX, NULL, NULL, NULL },
};

const struct body_schema schema_webhook = SCHEMA(f_webhook);

/* A webhook as the API shows it; events as an array. */
static const struct hf_field webhook_fields[] = {
	HF_FIELD(struct webhook, id, HF_K_U64),
	HF_FIELD(struct webhook, url, HF_K_STR),
	HF_FIELD_AS("events", struct webhook, event_list, HF_K_JSON),
	HF_FIELD(struct webhook, active, HF_K_BOOL),
	HF_FIELD(struct webhook, created_by, HF_K_STR),
	HF_FIELD(struct webhook, created_at, HF_K_STR),
};

/* Its deliveries by state, in lists */
static const struct hf_field webhook_count_fields[] = {
	HF_FIELD(struct webhook, pending, HF_K_INT),
	HF_FIELD(struct webhook, delivered, HF_K_INT),
	HF_FIELD(struct webhook, dead, HF_K_INT),
};

static const struct hf_field delivery_fields[] = {
	DB_MAP_DELIVERY
};

/* A webhook; the secret only right after creation, never in lists. */
static json_object *
webhook_json(const struct webhook *w, int with_counts)
{
	json_object	*o;

	if ((o = hf_fields_json(webhook_fields, HF_NITEMS(webhook_fields),
	    w)) == NULL)
		return NULL;
	if (with_counts)
		json_object_object_add(o, "deliveries", hf_fields_json(
		    webhook_count_fields, HF_NITEMS(webhook_count_fields), w));
	if (w->secret != NULL)
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
	http_reply(req, 201, webhook_json(&out, 0));
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
		json_object_array_add(items, webhook_json(&rows[i], 1));
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
	http_reply(req, 200, webhook_json(&w, 0));
}

void
api_webhook_deliveries(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct delivery_filter	 f;
	struct delivery		*rows;
	struct svc_keyset	 ks;
	size_t			 n = 0;
	uint64_t		 id;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_id_arg(req, 0, &id) != 0 ||
	    api_keyset(req, &f.page, &f.per_page, &ks) != 0 ||
	    api_enum_param(req, "status", delivery_statuses, &f.status) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_webhook_deliveries(&ctx, id, &f, &rows, &n, &ks)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(hf_fields_json_array(delivery_fields,
	    HF_NITEMS(delivery_fields), rows, sizeof(*rows), n), f.page,
	    f.per_page, &ks));
}
