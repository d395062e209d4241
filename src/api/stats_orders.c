/*
 * stats_orders.c: GET /api/v1/stats/orders, orders and revenue per day
 * and status over a range of days (the same ?from=&to= days as the
 * library's reports).
 */
#include "holdfast/api.h"
#include "holdfast/orders.h"

static const struct hf_field stats_fields[] = {
	HF_FIELD(struct order_stats, from, HF_K_STR),
	HF_FIELD(struct order_stats, to, HF_K_STR),
	HF_FIELD(struct order_stats, count, HF_K_INT),
	HF_FIELD(struct order_stats, revenue, HF_K_MONEY),
};

static const struct hf_field day_fields[] = {
	HF_FIELD(struct order_stats_day, day, HF_K_STR),
	HF_FIELD(struct order_stats_day, count, HF_K_INT),
	HF_FIELD(struct order_stats_day, revenue, HF_K_MONEY),
};

static const struct hf_field group_fields[] = {
	HF_FIELD(struct order_stats_group, status, HF_K_STR),
	HF_FIELD(struct order_stats_group, count, HF_K_INT),
	HF_FIELD(struct order_stats_group, total, HF_K_MONEY),
};

/* The groups of one day or of the whole range, one object per status. */
static json_object *
groups_json(const struct order_stats_group *g, size_t n)
{
	return hf_fields_json_array(group_fields, HF_NITEMS(group_fields), g,
	    sizeof(*g), n);
}

static json_object *
stats_json(const struct order_stats *st)
{
	json_object	*o, *days, *d;
	size_t		 i;

	if ((o = hf_fields_json(stats_fields, HF_NITEMS(stats_fields),
	    st)) == NULL)
		return NULL;
	json_object_object_add(o, "by_status", groups_json(st->by_status,
	    ORDER_NSTATUS));
	days = json_object_new_array();
	for (i = 0; i < st->ndays; i++) {
		d = hf_fields_json(day_fields, HF_NITEMS(day_fields),
		    &st->days[i]);
		if (d != NULL)
			json_object_object_add(d, "by_status", groups_json(
			    st->days[i].by_status, st->days[i].nby_status));
		json_object_array_add(days, d);
	}
	json_object_object_add(o, "days", days);
	return o;
}

void
api_stats_orders(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct order_stats	st;
	const char		*from = http_query(req, "from");
	const char		*to = http_query(req, "to");
	int			rc;

	api_ctx(req, &ctx);
	if ((rc = svc_order_stats(&ctx, from != NULL && *from != '\0' ? from :
	    NULL, to != NULL && *to != '\0' ? to : NULL, &st)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, stats_json(&st));
}
