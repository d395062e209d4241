/*
 * audit.c: GET /api/v1/audit (admin).
 */
#include <stddef.h>
#include <string.h>

#include "holdfast/api.h"

/* An audit row as the API shows it; old and new values as parsed JSON. */
static const struct hf_field audit_fields[] = {
	DB_MAP_AUDIT
};

void
api_audit_list(struct http_request *req)
{
	static const char *const times[] = { "from", "to" };
	struct svc_ctx		 ctx;
	struct audit_filter	 f;
	struct audit_list	 l;
	const char		*v, *t[2];
	int			 rc, i;

	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	if (api_keyset(req, &f.page, &f.per_page, &l.ks) != 0)
		return;
	for (i = 0; i < 2; i++) {
		t[i] = NULL;
		if ((v = http_query(req, times[i])) == NULL || *v == '\0')
			continue;
		if ((t[i] = api_time_param(req, v)) == NULL) {
			api_bad_query(req, times[i], "expected ISO 8601 UTC, "
			    "e.g. 2026-11-21T10:00:00Z");
			return;
		}
	}
	f.from = t[0];
	f.to = t[1];
	f.actor = http_query(req, "actor");
	f.entity = http_query(req, "entity");
	f.entity_id = http_query(req, "entity_id");
	api_ctx(req, &ctx);
	if ((rc = svc_audit_list(&ctx, &f, &l)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list_ks(hf_fields_json_array(audit_fields,
	    HF_NITEMS(audit_fields), l.items, sizeof(*l.items), l.n), f.page,
	    f.per_page, &l.ks));
}
