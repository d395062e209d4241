/*
 * stats_lending.c: the library's reports: loans per day over a range of
 * days, and loans and stock per category, rendered from the structs the
 * services return (lend_stats.c).
 */
#include <stddef.h>

#include "holdfast/api.h"
#include "holdfast/lending.h"

/* GET /stats/loans */
static const struct hf_field range_fields[] = {
	HF_FIELD(struct lend_stats, from, HF_K_STR),
	HF_FIELD(struct lend_stats, to, HF_K_STR),
};

static const struct hf_field day_fields[] = {
	HF_FIELD(struct lend_day, day, HF_K_STR),
	HF_FIELD(struct lend_day, loans, HF_K_INT),
	HF_FIELD(struct lend_day, returns, HF_K_INT),
};

static const struct hf_field totals_fields[] = {
	HF_FIELD(struct lend_totals, loans, HF_K_INT),
	HF_FIELD(struct lend_totals, returns, HF_K_INT),
};

static const struct hf_field now_fields[] = {
	DB_MAP_LEND_NOW
};

/* GET /stats/categories */
static const struct hf_field category_range_fields[] = {
	HF_FIELD(struct lend_category_stats, from, HF_K_STR),
	HF_FIELD(struct lend_category_stats, to, HF_K_STR),
};

static const struct hf_field category_fields[] = {
	DB_MAP_LEND_CATEGORY
};

/* ?from and ?to, empty as absent */
static const char *
day_query(struct http_request *req, const char *name)
{
	const char	*s = http_query(req, name);

	return s != NULL && *s != '\0' ? s : NULL;
}

void
api_stats_loans(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct lend_stats	 st;
	json_object		*o;
	int			 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_stats_loans(&ctx, day_query(req, "from"),
	    day_query(req, "to"), &st)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	o = hf_fields_json(range_fields, HF_NITEMS(range_fields), &st);
	json_object_object_add(o, "days", hf_fields_json_array(day_fields,
	    HF_NITEMS(day_fields), st.days, sizeof(*st.days), st.ndays));
	json_object_object_add(o, "totals", hf_fields_json(totals_fields,
	    HF_NITEMS(totals_fields), &st.totals));
	json_object_object_add(o, "now", hf_fields_json(now_fields,
	    HF_NITEMS(now_fields), &st.now));
	http_reply(req, 200, o);
}

void
api_stats_categories(struct http_request *req)
{
	struct svc_ctx			 ctx;
	struct lend_category_stats	 st;
	json_object			*o;
	int				 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_stats_categories(&ctx, day_query(req, "from"),
	    day_query(req, "to"), &st)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	o = hf_fields_json(category_range_fields,
	    HF_NITEMS(category_range_fields), &st);
	json_object_object_add(o, "categories", hf_fields_json_array(
	    category_fields, HF_NITEMS(category_fields), st.items,
	    sizeof(*st.items), st.n));
	http_reply(req, 200, o);
}
