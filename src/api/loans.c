/*
 * loans.c: lend units (all lines or none), list and read loans, return
 * and renew them.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/app.h"
#include "holdfast/lending.h"

#define ID_MAX	(1LL << 53)	/* exact in every JSON reader */

static const char *const statuses[] = { "active", "overdue", "returned",
    "voided", NULL };

/* A line of a loan: {sku, location?}, one unit (any other field is
 * REQ_009); no location: allocation chooses. */
enum { LL_SKU, LL_LOC };

static const struct field f_loan_line[] = {
	[LL_SKU] = { "sku", FIELD_SKU, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL },
	[LL_LOC] = { "location", FIELD_SKU, FIELD_NULLABLE, 1,
	    API_LOCATION_MAX, NULL, NULL, NULL },
};

static const struct body_schema schema_loan_line = SCHEMA(f_loan_line);

enum { LN_ITEMS, LN_USER, LN_HOLD };

static const struct field f_loan[] = {
	[LN_ITEMS] = { "items", FIELD_ARRAY, FIELD_REQUIRED, 1, API_LINES_MAX,
	    NULL, &schema_loan_line, NULL },
	[LN_USER] = { "user_id", FIELD_INT, FIELD_NULLABLE, 1, ID_MAX, NULL,
	    NULL, NULL },
	/* issue 14, item 6: no unit free, a hold instead (one item only) */
	[LN_HOLD] = { "hold_if_unavailable", FIELD_BOOL, 0, 0, 0, NULL, NULL,
	    "false" },
};

const struct body_schema schema_loan = SCHEMA(f_loan);

/* POST /loans/{id}/return: where it came back (default: where it went
 * out) */
static const struct field f_loan_return[] = {
	{ "location", FIELD_SKU, FIELD_NULLABLE, 1, API_LOCATION_MAX, NULL,
	    NULL, NULL },
};

const struct body_schema schema_loan_return = SCHEMA(f_loan_return);

/* A loan object (docs/internals.md, the lending contract). */
static const struct hf_field loan_fields[] = {
	HF_FIELD(struct loan, id, HF_K_U64),
	HF_FIELD(struct loan, user_id, HF_K_U64),
	HF_FIELD(struct loan, sku, HF_K_STR),
	HF_FIELD(struct loan, name, HF_K_STR),
	HF_FIELD(struct loan, status, HF_K_STR),
	HF_FIELD(struct loan, due_at, HF_K_STR),
	HF_FIELD(struct loan, returned_at, HF_K_STR),
	HF_FIELD(struct loan, renewals, HF_K_INT),
	HF_FIELD(struct loan, renewals_left, HF_K_INT),
	HF_FIELD(struct loan, created_at, HF_K_STR),
	/* where the copy went out from, and comes back to */
	HF_FIELD(struct loan, location, HF_K_STR),
	/* issue 14, item 6: how it came back, or why it was voided */
	HF_FIELD(struct loan, return_status, HF_K_STR),
	HF_FIELDF(struct loan, days_late, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct loan, voided_at, HF_K_STR),
	HF_FIELD(struct loan, void_reason, HF_K_STR),
};

json_object *
api_loan_json(struct http_request *req, const struct loan *l)
{
	(void)req;
	return hf_fields_json(loan_fields, HF_NITEMS(loan_fields), l);
}

static json_object *
loans_json(const struct loan *l, size_t n)
{
	return hf_fields_json_array(loan_fields, HF_NITEMS(loan_fields), l,
	    sizeof(*l), n);
}

struct loans_out {
	struct loan		*items;
	size_t			 n;
	struct hold		 hold;		/* hold_if_unavailable placed it */
	int			 held;
	struct api_render	*render;
};

static json_object *
created_json(struct http_request *req, void *arg)
{
	const struct loans_out	*out = arg;
	json_object		*o = json_object_new_object();

	(void)req;
	json_object_object_add(o, "loans", loans_json(out->items, out->n));
	if (out->held) {
		/* 202: no loan, a hold placed instead (issue 14, item 6) */
		out->render->status = 202;
		json_object_object_add(o, "hold", api_hold_json(&out->hold));
	}
	return o;
}

static json_object *
one_json(struct http_request *req, void *arg)
{
	return api_loan_json(req, arg);
}

/* The SKUs and locations of the lines the schema passed
 * (schema_loan_line). */
static int
loan_skus(struct http_request *req, const struct field_value *items,
    struct loan_req *in)
{
	size_t	i;

	in->n = (size_t)items->i;
	in->skus = arena_calloc(req->arena, in->n + 1, sizeof(*in->skus));
	in->locations = arena_calloc(req->arena, in->n + 1,
	    sizeof(*in->locations));
	if (in->skus == NULL || in->locations == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < in->n; i++) {
		in->skus[i] = items->items[i][LL_SKU].s;
		if (!items->items[i][LL_LOC].null)
			in->locations[i] = items->items[i][LL_LOC].s;
	}
	return 0;
}

void
api_loans_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct loan_req		 in;
	struct loans_out	 out;
	struct idem		 idem;
	struct api_render	 render = { req, 201, created_json, &out };

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if (fv[LN_USER].present && !fv[LN_USER].null)
		in.user_id = (uint64_t)fv[LN_USER].i;
	if (loan_skus(req, &fv[LN_ITEMS], &in) != 0)
		return;
	in.hold_if_unavailable = fv[LN_HOLD].i != 0;
	in.hold = &out.hold;
	in.held = &out.held;
	out.render = &render;
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render,
	    svc_loans_create(&ctx, &in, &idem, &out.items, &out.n));
}

/*
 * The query of the loan and hold lists: page, per_page and after (into
 * ks: api_keyset), status (one of allowed), user_id (a staff filter) and
 * sku. Replies 422 and returns -1 if one is bad.
 */
int
api_lend_filter(struct http_request *req, const char *const *allowed,
    struct lend_filter *f, struct svc_keyset *ks)
{
	const char	*s = http_query(req, "user_id");
	long long	 v;

	memset(f, 0, sizeof(*f));
	if (api_keyset(req, &f->page, &f->per_page, ks) != 0 ||
	    api_enum_param(req, "status", allowed, &f->status) != 0)
		return -1;
	if (s != NULL && *s != '\0') {
		if (hf_parse_ll(s, 1, ID_MAX, &v) != 0) {
			api_bad_query(req, "user_id", "a user id");
			return -1;
		}
		f->user_id = (uint64_t)v;
	}
	return api_sku_query(req, "sku", &f->sku);
}

/* ?status= from a NULL-terminated list; replies 422 and returns -1. */
int
api_enum_param(struct http_request *req, const char *name,
    const char *const *values, const char **out)
{
	const char	*s = http_query(req, name);
	const char	*why;
	size_t		 i;

	*out = NULL;
	if (s == NULL || *s == '\0')
		return 0;
	for (i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], s) == 0) {
			*out = values[i];
			return 0;
		}
	why = "one of";
	for (i = 0; values[i] != NULL; i++)
		why = arena_printf(req->arena, "%s%s %s", why, i > 0 ? "," : "",
		    values[i]);
	api_bad_query(req, name, why);
	return -1;
}

void
api_loans_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct lend_filter	 f;
	struct loan		*rows;
	struct svc_keyset	 ks;
	size_t			 n = 0;
	int			 rc;

	if (api_lend_filter(req, statuses, &f, &ks) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_loans_list(&ctx, &f, &rows, &n, &ks)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(loans_json(rows, n), f.page,
	    f.per_page, &ks));
}

void
api_loan_get(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct loan	l;
	uint64_t	id;
	int		rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_loan_get(&ctx, id, &l)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_loan_json(req, &l));
}

static void
loan_action(struct http_request *req,
    int (*fn)(struct svc_ctx *, uint64_t, struct idem *, struct loan *))
{
	struct svc_ctx		ctx;
	struct loan		l;
	struct idem		idem;
	struct api_render	render = { req, 200, one_json, &l };
	uint64_t		id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&l, 0, sizeof(l));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render, fn(&ctx, id, &idem, &l));
}

void
api_loan_return(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct loan		 l;
	struct idem		 idem;
	struct api_render	 render = { req, 200, one_json, &l };
	uint64_t		 id;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	memset(&l, 0, sizeof(l));
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render, svc_loan_return_at(&ctx, id,
	    fv[0].present && !fv[0].null ? fv[0].s : NULL, &idem, &l));
}

void
api_loan_renew(struct http_request *req)
{
	loan_action(req, svc_loan_renew);
}
