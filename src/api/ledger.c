/*
 * ledger.c: GET /api/v1/ledger, /ledger/{id}, /ledger/stats.
 */
#include <string.h>

#include "holdfast/api.h"

static const char *const types[] = { "restock", "deduct", "adjust",
    "reserve", "release", "transfer_out", "transfer_in", NULL };

/* A ledger row as the API shows it (not the reservation it ends). */
static const struct hf_field ledger_fields[] = {
	DB_MAP_LEDGER
};

/* /ledger/stats: by_type leaves the day out */
static const struct hf_field stat_type_fields[] = {
	DB_MAP_LEDGER_STAT_TYPE
};
static const struct hf_field stat_day_fields[] = {
	DB_MAP_LEDGER_STAT_DAY
};

/* from and to in the database's form; replies 422 and -1 if bad. */
static int
time_range(struct http_request *req, const char **from, const char **to)
{
	static const char *const names[] = { "from", "to" };
	const char	**out[2] = { from, to }, *v;
	int		  i;

	for (i = 0; i < 2; i++) {
		*out[i] = NULL;
		if ((v = http_query(req, names[i])) == NULL || *v == '\0')
			continue;
		if ((*out[i] = api_time_param(req, v)) == NULL) {
			api_bad_query(req, names[i], "expected ISO 8601 UTC, "
			    "e.g. 2026-11-21T10:00:00Z");
			return -1;
		}
	}
	return 0;
}

void
api_ledger_list(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct ledger_filter	 f;
	struct ledger_row	*rows = NULL;
	struct svc_keyset	 ks;
	size_t			 i, n = 0;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_keyset(req, &f.page, &f.per_page, &ks) != 0 ||
	    time_range(req, &f.from, &f.to) != 0)
		return;
	if (api_sku_query(req, "sku", &f.sku) != 0 ||
	    api_location_query(req, "location", &f.location) != 0)
		return;
	f.type = http_query(req, "type");
	f.reference_id = http_query(req, "reference_id");
	for (i = 0; f.type != NULL && types[i] != NULL; i++)
		if (strcmp(types[i], f.type) == 0)
			break;
	if (f.type != NULL && types[i] == NULL) {
		api_bad_query(req, "type", "restock, deduct, adjust, reserve "
		    "or release");
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_ledger_list(&ctx, &f, &rows, &n, &ks)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(hf_fields_json_array(ledger_fields,
	    HF_NITEMS(ledger_fields), rows, sizeof(*rows), n), f.page,
	    f.per_page, &ks));
}

void
api_ledger_get(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct ledger_row	row;
	uint64_t		id;
	int			rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_ledger_get(&ctx, id, &row)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, hf_fields_json(ledger_fields,
	    HF_NITEMS(ledger_fields), &row));
}

void
api_ledger_stats(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct ledger_stats	 st;
	json_object		*data;
	const char		*from, *to;
	int			 rc;

	if (time_range(req, &from, &to) != 0)
		return;
	api_ctx(req, &ctx);
	memset(&st, 0, sizeof(st));
	if ((rc = svc_ledger_stats(&ctx, from, to, &st)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	data = json_object_new_object();
	json_object_object_add(data, "by_type", hf_fields_json_array(
	    stat_type_fields, HF_NITEMS(stat_type_fields), st.by_type,
	    sizeof(*st.by_type), st.ntype));
	json_object_object_add(data, "by_day", hf_fields_json_array(
	    stat_day_fields, HF_NITEMS(stat_day_fields), st.by_day,
	    sizeof(*st.by_day), st.nday));
	http_reply(req, 200, data);
}
