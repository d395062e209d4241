/*
 * reservations.c: reserve a batch all or none; commit and release one
 * reservation or every line of a reference; list and read.
 */
#include <string.h>

#include "holdfast/api.h"

static const char *const types[] = { "cart", "order", NULL };
static const char *const statuses[] = { "active", "committed", "released",
    "expired", NULL };

/* A line of a reservation or an order: {sku, quantity, location?}. */
static const struct field f_line[] = {
	[API_LINE_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 0, 0, NULL, NULL,
	    NULL },
	[API_LINE_QTY] = { "quantity", FIELD_INT, FIELD_REQUIRED |
	    FIELD_INVENTORY, 1, API_QUANTITY_MAX, NULL, NULL, NULL },
	[API_LINE_LOC] = { "location", FIELD_SKU, FIELD_NULLABLE, 1,
	    API_LOCATION_MAX, NULL, NULL, NULL },
};

const struct body_schema schema_line = SCHEMA(f_line);

enum { RV_TYPE, RV_REF, RV_TTL, RV_ITEMS, RV_SPLIT };

static const struct field f_reserve[] = {
	[RV_TYPE] = { "type", FIELD_STRING, FIELD_REQUIRED, 0, 0, types, NULL,
	    NULL },
	[RV_REF] = { "reference_id", FIELD_STRING, FIELD_NULLABLE, 1, 128, NULL,
	    NULL, NULL },
	[RV_TTL] = { "ttl_seconds", FIELD_INT, FIELD_INVENTORY, 1, 86400, NULL,
	    NULL, "900" },
	[RV_ITEMS] = { "items", FIELD_ARRAY, FIELD_REQUIRED, 1, API_LINES_MAX,
	    NULL, &schema_line, NULL },
	[RV_SPLIT] = { "allow_split", FIELD_BOOL, 0, 0, 0, NULL, NULL,
	    "false" },
};
static const struct field f_reference[] = {
	{ "reference_id", FIELD_STRING, FIELD_REQUIRED, 1, 128, NULL, NULL,
	    NULL },
};

const struct body_schema schema_reserve = SCHEMA(f_reserve);
const struct body_schema schema_reference = SCHEMA(f_reference);

/* A reservation as the API shows it (not its owner, origin or product). */
static const struct hf_field reservation_fields[] = {
	HF_FIELD(struct reservation, id, HF_K_U64),
	HF_FIELD(struct reservation, sku, HF_K_STR),
	HF_FIELD(struct reservation, quantity, HF_K_INT),
	HF_FIELD(struct reservation, type, HF_K_STR),
	HF_FIELD(struct reservation, reference_id, HF_K_STR),
	HF_FIELD(struct reservation, status, HF_K_STR),
	HF_FIELD(struct reservation, expires_at, HF_K_STR),
	HF_FIELD(struct reservation, created_at, HF_K_STR),
	HF_FIELD(struct reservation, location, HF_K_STR),
};

static json_object *
reservation_json(const struct reservation *v)
{
	return hf_fields_json(reservation_fields,
	    HF_NITEMS(reservation_fields), v);
}

static json_object *
reservations_json(const struct reservation *v, size_t n)
{
	return hf_fields_json_array(reservation_fields,
	    HF_NITEMS(reservation_fields), v, sizeof(*v), n);
}

/* {"reference_id", "reservations": [...]} */
static json_object *
result_json(struct http_request *req, void *arg)
{
	const struct reserve_result	*r = arg;
	json_object			*o = json_object_new_object();

	(void)req;
	json_object_object_add(o, "reference_id",
	    api_str_or_null(r->reference_id));
	json_object_object_add(o, "reservations",
	    reservations_json(r->items, r->n));
	return o;
}

static json_object *
one_json(struct http_request *req, void *arg)
{
	(void)req;
	return reservation_json(arg);
}

/*
 * The lines of an items array the schema passed (schema_line) as the
 * services take them. Returns 0, or -1 after replying. Orders read their
 * items with it too.
 */
int
api_lines(struct http_request *req, const struct field_value *items,
    struct reserve_item **out, size_t *n)
{
	size_t	i;

	*n = (size_t)items->i;
	if ((*out = arena_calloc(req->arena, *n + 1, sizeof(**out))) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < *n; i++) {
		(*out)[i].sku = items->items[i][API_LINE_SKU].s;
		(*out)[i].quantity = items->items[i][API_LINE_QTY].i;
		if (!items->items[i][API_LINE_LOC].null)
			(*out)[i].location = items->items[i][API_LINE_LOC].s;
	}
	return 0;
}

void
api_reserve(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct reserve_req	 in;
	struct reserve_result	 out;
	struct idem		 idem;
	struct api_render	 render = { req, 201, result_json, &out };
	size_t			 i;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.type = fv[RV_TYPE].s;
	in.reference_id = fv[RV_REF].present && !fv[RV_REF].null ?
	    fv[RV_REF].s : NULL;
	in.ttl_seconds = fv[RV_TTL].i;
	if (api_lines(req, &fv[RV_ITEMS], &in.items, &in.nitems) != 0)
		return;
	for (i = 0; i < in.nitems; i++)
		in.items[i].split = fv[RV_SPLIT].i != 0;
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_reserve(&ctx, &in, &idem, &out));
}

static void
end_one(struct http_request *req, int commit)
{
	struct svc_ctx		ctx;
	struct reservation	v;
	struct idem		idem;
	struct api_render	render = { req, 200, one_json, &v };
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&v, 0, sizeof(v));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_reservation_end(&ctx, id, commit, &idem, &v));
}

void
api_reservation_commit(struct http_request *req)
{
	end_one(req, 1);
}

void
api_reservation_release(struct http_request *req)
{
	end_one(req, 0);
}

static void
end_reference(struct http_request *req, int commit)
{
	struct svc_ctx		ctx;
	struct reserve_result	out;
	struct idem		idem;
	struct api_render	render = { req, 200, result_json, &out };

	memset(&out, 0, sizeof(out));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_reference_end(&ctx, req->fv[0].s, commit, &idem, &out));
}

void
api_reference_commit(struct http_request *req)
{
	end_reference(req, 1);
}

void
api_reference_release(struct http_request *req)
{
	end_reference(req, 0);
}

void
api_reservation_get(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct reservation	v;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_reservation_get(&ctx, id, &v)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, reservation_json(&v));
}

void
api_reservations_list(struct http_request *req)
{
	struct svc_ctx			 ctx;
	struct reservation_filter	 f;
	struct reservation		*rows;
	struct svc_keyset		 ks;
	size_t				 n = 0, i;
	int				 rc;

	memset(&f, 0, sizeof(f));
	if (api_keyset(req, &f.page, &f.per_page, &ks) != 0)
		return;
	f.reference_id = http_query(req, "reference_id");
	f.status = http_query(req, "status");
	if (api_sku_query(req, "sku", &f.sku) != 0)
		return;
	for (i = 0; f.status != NULL && statuses[i] != NULL; i++)
		if (strcmp(statuses[i], f.status) == 0)
			break;
	if (f.status != NULL && statuses[i] == NULL) {
		api_bad_query(req, "status", "active, committed, released or "
		    "expired");
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_reservations_list(&ctx, &f, &rows, &n, &ks)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(reservations_json(rows, n), f.page,
	    f.per_page, &ks));
}
