/*
 * lend_rules.c: the desk's batch returns and renewals, and a loan voided
 * by staff (issue 14, item 6; src/svc/lend_rules.c).
 *
 *   POST /api/v1/loans/return {loan_ids: [..], location?}
 *   POST /api/v1/loans/renew  {loan_ids: [..]}
 *   POST /api/v1/loans/{id}/void {reason}
 *
 * A batch is 1 to LOAN_BATCH_MAX ids, each given once; it answers 200
 * {loans: [...]} in the order of loan_ids, or 409 LOAN_005 naming every
 * refusal (details.refusals) with nothing changed.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/lending.h"

#define ID_MAX	(1LL << 53)	/* exact in every JSON reader */

enum { LB_IDS, LB_LOC };

static const struct field f_loan_batch[] = {
	[LB_IDS] = { "loan_ids", FIELD_ARRAY, FIELD_REQUIRED, 1,
	    LOAN_BATCH_MAX, NULL, NULL, NULL },
	/* a return: where they came back (default: where each went out) */
	[LB_LOC] = { "location", FIELD_SKU, FIELD_NULLABLE, 1,
	    API_LOCATION_MAX, NULL, NULL, NULL },
};

const struct body_schema schema_loan_batch = SCHEMA(f_loan_batch);

static const struct field f_loan_void[] = {
	{ "reason", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL },
};

const struct body_schema schema_loan_void = SCHEMA(f_loan_void);

struct batch_out {
	struct loan	*items;
	size_t		 n;
};

static json_object *
batch_json(struct http_request *req, void *arg)
{
	const struct batch_out	*out = arg;
	json_object		*o = json_object_new_object(), *a;
	size_t			 i;

	a = json_object_new_array();
	for (i = 0; i < out->n; i++)
		json_object_array_add(a, api_loan_json(req, &out->items[i]));
	json_object_object_add(o, "loans", a);
	return o;
}

static json_object *
one_json(struct http_request *req, void *arg)
{
	return api_loan_json(req, arg);
}

/* The ids of loan_ids (the schema counted them): integers 1..2^53. */
static int
batch_ids(struct http_request *req, const struct field_value *fv,
    struct loan_batch *in)
{
	json_object	*v;
	uint64_t	*ids;
	int64_t		 x;
	size_t		 i, n = (size_t)fv->i;

	if ((ids = arena_calloc(req->arena, n, sizeof(*ids))) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(fv->j, i);
		x = json_object_is_type(v, json_type_int) ?
		    json_object_get_int64(v) : 0;
		if (x < 1 || x > ID_MAX) {
			api_bad_query(req, arena_printf(req->arena,
			    "loan_ids[%zu]", i), "a loan id (an integer from "
			    "1 to 2^53)");
			return -1;
		}
		ids[i] = (uint64_t)x;
	}
	in->ids = ids;
	in->n = n;
	return 0;
}

static void
loans_batch(struct http_request *req, int renew)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct loan_batch	 in;
	struct batch_out	 out;
	struct idem		 idem;
	struct api_render	 render = { req, 200, batch_json, &out };

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if (batch_ids(req, &fv[LB_IDS], &in) != 0)
		return;
	in.renew = renew;
	if (fv[LB_LOC].present && !fv[LB_LOC].null) {
		if (renew) {
			api_bad_query(req, "location", "a return's only");
			return;
		}
		in.at = fv[LB_LOC].s;
	}
	out.n = in.n;
	api_ctx(req, &ctx);
	if (api_idem_begin(req, &ctx, &idem, &render) != 0)
		return;
	api_idem_finish(req, &ctx, &idem, &render, svc_loans_batch(&ctx, &in,
	    &idem, &out.items));
}

void
api_loans_return_batch(struct http_request *req)
{
	loans_batch(req, 0);
}

void
api_loans_renew_batch(struct http_request *req)
{
	loans_batch(req, 1);
}

void
api_loan_void(struct http_request *req)
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
	api_idem_finish(req, &ctx, &idem, &render, svc_loan_void(&ctx, id,
	    fv[0].s, &idem, &l));
}
