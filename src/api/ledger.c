/*
 * ledger.c: GET /api/v1/ledger, /ledger/{id}, /ledger/stats.
 */
#include <string.h>

#include "holdfast/api.h"

static const char *const types[] = { "restock", "deduct", "adjust",
    "reserve", "release", NULL };

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
	struct list_filter	 f;
	json_object		*items = NULL;
	long long		 total = 0;
	size_t			 i;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_paging(req, &f.page, &f.per_page) != 0 ||
	    time_range(req, &f.from, &f.to) != 0)
		return;
	if (api_sku_query(req, "sku", &f.a) != 0)
		return;
	f.b = http_query(req, "type");
	f.c = http_query(req, "reference_id");
	for (i = 0; f.b != NULL && types[i] != NULL; i++)
		if (strcmp(types[i], f.b) == 0)
			break;
	if (f.b != NULL && types[i] == NULL) {
		api_bad_query(req, "type", "restock, deduct, adjust, reserve "
		    "or release");
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_ledger_list(&ctx, &f, &items, &total)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(items, f.page, f.per_page, total));
}

void
api_ledger_get(struct http_request *req)
{
	struct svc_ctx	 ctx;
	json_object	*row = NULL;
	uint64_t	 id;
	int		 rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_ledger_get(&ctx, id, &row)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, row);
}

void
api_ledger_stats(struct http_request *req)
{
	struct svc_ctx	 ctx;
	json_object	*data = NULL;
	const char	*from, *to;
	int		 rc;

	if (time_range(req, &from, &to) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_ledger_stats(&ctx, from, to, &data)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, data);
}
