/*
 * transfers.c: units moving between locations (issue 17): ship (POST
 * /transfers), receive, close, list and read. Business keys and admins,
 * as restock and deduct; a transfer is the installation's, not its
 * creator's (the receiving branch is another key).
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/transfers.h"

static const char *const statuses[] = { "in_transit", "received", "closed",
    NULL };
static const char *const actions[] = { "write_off", "return", NULL };

/* A line {sku, quantity} of a shipment or a receipt. */
enum { XL_SKU, XL_QTY };

static const struct field f_xfer_line[] = {
	[XL_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL },
	[XL_QTY] = { "quantity", FIELD_INT, FIELD_REQUIRED | FIELD_INVENTORY,
	    1, API_QUANTITY_MAX, NULL, NULL, NULL },
};

static const struct body_schema schema_xfer_line = SCHEMA(f_xfer_line);

enum { XF_FROM, XF_TO, XF_LINES, XF_NOTE };

static const struct field f_transfer[] = {
	[XF_FROM] = { "from", FIELD_SKU, FIELD_REQUIRED, 1, API_LOCATION_MAX,
	    NULL, NULL, NULL },
	[XF_TO] = { "to", FIELD_SKU, FIELD_REQUIRED, 1, API_LOCATION_MAX, NULL,
	    NULL, NULL },
	[XF_LINES] = { "lines", FIELD_ARRAY, FIELD_REQUIRED, 1, API_LINES_MAX,
	    NULL, &schema_xfer_line, NULL },
	[XF_NOTE] = { "note", FIELD_STRING, FIELD_NULLABLE, 0, 255, NULL, NULL,
	    NULL },
};

static const struct field f_receive[] = {
	{ "lines", FIELD_ARRAY, FIELD_REQUIRED, 1, API_LINES_MAX, NULL,
	    &schema_xfer_line, NULL },
};

/* A line of a close: {sku, quantity, action, reason?}. */
enum { XC_SKU, XC_QTY, XC_ACTION, XC_REASON };

static const struct field f_close_line[] = {
	[XC_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL },
	[XC_QTY] = { "quantity", FIELD_INT, FIELD_REQUIRED | FIELD_INVENTORY,
	    1, API_QUANTITY_MAX, NULL, NULL, NULL },
	[XC_ACTION] = { "action", FIELD_STRING, FIELD_REQUIRED, 0, 0, actions,
	    NULL, NULL },
	[XC_REASON] = { "reason", FIELD_STRING, FIELD_NULLABLE, 1, 255, NULL,
	    NULL, NULL },
};

static const struct body_schema schema_close_line = SCHEMA(f_close_line);

/* The rest (what the lines leave in transit) goes by action. */
enum { XB_ACTION, XB_REASON, XB_LINES };

static const struct field f_close[] = {
	[XB_ACTION] = { "action", FIELD_STRING, FIELD_NULLABLE, 0, 0, actions,
	    NULL, NULL },
	[XB_REASON] = { "reason", FIELD_STRING, FIELD_NULLABLE, 1, 255, NULL,
	    NULL, NULL },
	[XB_LINES] = { "lines", FIELD_ARRAY, FIELD_NULLABLE, 0, API_LINES_MAX,
	    NULL, &schema_close_line, NULL },
};

const struct body_schema schema_transfer = SCHEMA(f_transfer);
const struct body_schema schema_transfer_receive = SCHEMA(f_receive);
const struct body_schema schema_transfer_close = SCHEMA(f_close);

static const struct hf_field transfer_fields[] = {
	DB_MAP_TRANSFER
};
static const struct hf_field line_fields[] = {
	DB_MAP_TRANSFER_LINE
};

/* A transfer as the API shows it; with its lines when it has them. */
static json_object *
transfer_json(const struct transfer *t)
{
	json_object	*o = hf_fields_json(transfer_fields,
			    HF_NITEMS(transfer_fields), t);

	if (o != NULL && t->lines != NULL)
		json_object_object_add(o, "lines", hf_fields_json_array(
		    line_fields, HF_NITEMS(line_fields), t->lines,
		    sizeof(*t->lines), t->nlines));
	return o;
}

static json_object *
one_json(struct http_request *req, void *arg)
{
	(void)req;
	return transfer_json(arg);
}

/* The {sku, quantity} lines of an items array the schema passed. */
static int
xfer_lines(struct http_request *req, const struct field_value *items,
    struct reserve_item **out, size_t *n)
{
	size_t	i;

	*n = (size_t)items->i;
	if ((*out = arena_calloc(req->arena, *n + 1, sizeof(**out))) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < *n; i++) {
		(*out)[i].sku = items->items[i][XL_SKU].s;
		(*out)[i].quantity = items->items[i][XL_QTY].i;
	}
	return 0;
}

static enum xfer_action
action_of(const struct field_value *v)
{
	if (!v->present || v->null || v->s == NULL)
		return XFER_NONE;
	return strcmp(v->s, "return") == 0 ? XFER_RETURN : XFER_WRITE_OFF;
}

static const char *
opt(const struct field_value *v)
{
	return v->present && !v->null ? v->s : NULL;
}

void
api_transfer_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct transfer_req	 in;
	struct transfer		 out;
	struct idem		 idem;
	struct api_render	 render = { req, 201, one_json, &out };

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.from = fv[XF_FROM].s;
	in.to = fv[XF_TO].s;
	in.note = opt(&fv[XF_NOTE]);
	if (xfer_lines(req, &fv[XF_LINES], &in.lines, &in.n) != 0)
		return;
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_transfer_create(&ctx, &in, &idem, &out));
}

void
api_transfer_receive(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct reserve_item	*lines;
	struct transfer		 out;
	struct idem		 idem;
	struct api_render	 render = { req, 200, one_json, &out };
	uint64_t		 id;
	size_t			 n;

	if (api_id_arg(req, 0, &id) != 0 ||
	    xfer_lines(req, &req->fv[0], &lines, &n) != 0)
		return;
	memset(&out, 0, sizeof(out));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_transfer_receive(&ctx, id, lines, n, &idem, &out));
}

void
api_transfer_close(struct http_request *req)
{
	struct field_value		*fv = req->fv, *it;
	struct svc_ctx			 ctx;
	struct transfer_close_req	 in;
	struct transfer			 out;
	struct idem			 idem;
	struct api_render		 render = { req, 200, one_json, &out };
	uint64_t			 id;
	size_t				 i;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.action = action_of(&fv[XB_ACTION]);
	in.reason = opt(&fv[XB_REASON]);
	in.n = fv[XB_LINES].present && !fv[XB_LINES].null ?
	    (size_t)fv[XB_LINES].i : 0;
	if ((in.lines = arena_calloc(req->arena, in.n + 1,
	    sizeof(*in.lines))) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return;
	}
	for (i = 0; i < in.n; i++) {
		it = fv[XB_LINES].items[i];
		in.lines[i].sku = it[XC_SKU].s;
		in.lines[i].quantity = it[XC_QTY].i;
		in.lines[i].action = action_of(&it[XC_ACTION]);
		in.lines[i].reason = opt(&it[XC_REASON]);
	}
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_transfer_close(&ctx, id, &in, &idem, &out));
}

void
api_transfer_get(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct transfer	t;
	uint64_t	id;
	int		rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&t, 0, sizeof(t));
	api_ctx(req, &ctx);
	if ((rc = svc_transfer_get(&ctx, id, &t)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, transfer_json(&t));
}

/* ?status=, ?location= (a code, either end), ?page=, ?per_page= */
void
api_transfers_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct transfer_filter	 f;
	struct transfer		*rows;
	json_object		*items;
	long long		 total = 0;
	size_t			 n = 0, i;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_paging(req, &f.page, &f.per_page) != 0 ||
	    api_enum_param(req, "status", statuses, &f.status) != 0 ||
	    api_sku_query(req, "location", &f.location) != 0)
		return;
	if (f.location != NULL && strlen(f.location) > API_LOCATION_MAX) {
		api_bad_query(req, "location", "a location code, 1 to 32");
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_transfers_list(&ctx, &f, &rows, &n, &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, transfer_json(&rows[i]));
	http_reply(req, 200, api_list(items, f.page, f.per_page, total));
}
