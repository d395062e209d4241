/*
 * stocktakes.c: counting a location (issue 17, item 4): start, enter the
 * count sheet, review, post or cancel; list and read. Admin only: a post
 * writes adjust rows, which only an admin may write.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/stocktakes.h"

static const char *const stocktake_statuses[] = { "open", "posted",
    "cancelled", NULL };

enum { SN_LOCATION, SN_FREEZE, SN_NOTE };

static const struct field f_stocktake_start[] = {
	[SN_LOCATION] = { "location", FIELD_SKU, FIELD_REQUIRED, 1,
	    API_LOCATION_MAX, NULL, NULL, NULL },
	[SN_FREEZE] = { "freeze", FIELD_BOOL, 0, 0, 0, NULL, NULL, "false" },
	[SN_NOTE] = { "note", FIELD_STRING, FIELD_NULLABLE, 0,
	    STOCKTAKE_NOTE_MAX, NULL, NULL, NULL },
};

/* A line of the count sheet: {sku, counted}. */
enum { SC_SKU, SC_COUNTED };

static const struct field f_count_line[] = {
	[SC_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 0, 0, NULL, NULL,
	    NULL },
	[SC_COUNTED] = { "counted", FIELD_INT, FIELD_REQUIRED |
	    FIELD_INVENTORY, 0, STOCKTAKE_COUNT_MAX, NULL, NULL, NULL },
};

static const struct body_schema schema_count_line = SCHEMA(f_count_line);

static const struct field f_stocktake_counts[] = {
	{ "lines", FIELD_ARRAY, FIELD_REQUIRED, 0, API_STOCKTAKE_LINES_MAX,
	    NULL, &schema_count_line, NULL },
};

const struct body_schema schema_stocktake_start = SCHEMA(f_stocktake_start);
const struct body_schema schema_stocktake_counts = SCHEMA(f_stocktake_counts);

static const struct hf_field stocktake_fields[] = {
	DB_MAP_STOCKTAKE_ROW
};
static const struct hf_field stocktake_line_fields[] = {
	DB_MAP_STOCKTAKE_LINE_ROW
};

/* A stocktake; with its lines (sku, counted, expected, variance,
 * ledger_id) when lines is set. */
static json_object *
stocktake_json(const struct stocktake *t, int lines)
{
	json_object	*o = hf_fields_json(stocktake_fields,
			    HF_NITEMS(stocktake_fields), t);

	if (o != NULL && lines)
		json_object_object_add(o, "lines", hf_fields_json_array(
		    stocktake_line_fields, HF_NITEMS(stocktake_line_fields),
		    t->lines, sizeof(*t->lines), t->nlines));
	return o;
}

static json_object *
one_json(struct http_request *req, void *arg)
{
	(void)req;
	return stocktake_json(arg, 1);
}

void
api_stocktakes_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct stocktake_filter	 f;
	struct stocktake	*rows;
	json_object		*items;
	const char		*loc = http_query(req, "location");
	long long		 total = 0;
	size_t			 n = 0, i;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_paging(req, &f.page, &f.per_page) != 0 ||
	    api_enum_param(req, "status", stocktake_statuses, &f.status) != 0)
		return;
	if (loc != NULL && *loc != '\0') {
		if (strlen(loc) > API_LOCATION_MAX ||
		    !hf_sku_valid(loc, strlen(loc))) {
			api_bad_query(req, "location", "a location code: 1 to "
			    "32 of A-Z a-z 0-9 . _ -");
			return;
		}
		f.location = loc;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_stocktakes_list(&ctx, &f, &rows, &n, &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, stocktake_json(&rows[i], 0));
	http_reply(req, 200, api_list(items, f.page, f.per_page, total));
}

void
api_stocktake_get(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct stocktake	t;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_stocktake_get(&ctx, id, &t)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, stocktake_json(&t, 1));
}

void
api_stocktake_start(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct stocktake_new	 in;
	struct stocktake	 out;
	struct idem		 idem;
	struct api_render	 render = { req, 201, one_json, &out };

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.location = fv[SN_LOCATION].s;
	in.freeze = (int)fv[SN_FREEZE].i;
	in.note = fv[SN_NOTE].present && !fv[SN_NOTE].null ? fv[SN_NOTE].s :
	    NULL;
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_stocktake_start(&ctx, &in, &idem, &out));
}

void
api_stocktake_counts(struct http_request *req)
{
	const struct field_value *lines = &req->fv[0];
	struct stocktake_count	*c;
	struct svc_ctx		 ctx;
	struct stocktake	 out;
	struct idem		 idem;
	struct api_render	 render = { req, 200, one_json, &out };
	uint64_t		 id;
	size_t			 i, n = (size_t)lines->i;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	if ((c = arena_calloc(req->arena, n + 1, sizeof(*c))) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return;
	}
	for (i = 0; i < n; i++) {
		c[i].sku = lines->items[i][SC_SKU].s;
		c[i].counted = lines->items[i][SC_COUNTED].i;
	}
	memset(&out, 0, sizeof(out));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_stocktake_counts(&ctx, id, c, n, &idem, &out));
}

/* POST /stocktakes/{id}/post and /cancel */
static void
stocktake_end(struct http_request *req, int post)
{
	struct svc_ctx		ctx;
	struct stocktake	out;
	struct idem		idem;
	struct api_render	render = { req, 200, one_json, &out };
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&out, 0, sizeof(out));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render, post ?
	    svc_stocktake_post(&ctx, id, &idem, &out) :
	    svc_stocktake_cancel(&ctx, id, &idem, &out));
}

void
api_stocktake_post(struct http_request *req)
{
	stocktake_end(req, 1);
}

void
api_stocktake_cancel(struct http_request *req)
{
	stocktake_end(req, 0);
}
