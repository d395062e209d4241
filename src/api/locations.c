/*
 * locations.c: the locations where units are (GET, POST, PATCH). The list
 * is every location in allocation order, one page.
 */
#include <string.h>

#include "holdfast/api.h"

static const char *const kinds[] = { "warehouse", "store", "branch",
    "pickup", NULL };

enum { LC_CODE, LC_NAME, LC_KIND, LC_ACTIVE, LC_PRIORITY };

static const struct field f_location_create[] = {
	[LC_CODE] = { "code", FIELD_SKU, FIELD_REQUIRED, 1, API_LOCATION_MAX,
	    NULL, NULL, NULL },
	[LC_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL, NULL,
	    NULL },
	[LC_KIND] = { "kind", FIELD_STRING, 0, 0, 0, kinds, NULL,
	    "warehouse" },
	[LC_ACTIVE] = { "is_active", FIELD_BOOL, 0, 0, 0, NULL, NULL, "true" },
	[LC_PRIORITY] = { "priority", FIELD_INT, 0, -1000000, 1000000, NULL,
	    NULL, "100" },
};

enum { LP_NAME, LP_KIND, LP_ACTIVE, LP_PRIORITY };

static const struct field f_location_patch[] = {
	[LP_NAME] = { "name", FIELD_STRING, 0, 1, 100, NULL, NULL, NULL },
	[LP_KIND] = { "kind", FIELD_STRING, 0, 0, 0, kinds, NULL, NULL },
	[LP_ACTIVE] = { "is_active", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL },
	[LP_PRIORITY] = { "priority", FIELD_INT, 0, -1000000, 1000000, NULL,
	    NULL, NULL },
};

const struct body_schema schema_location_create = SCHEMA(f_location_create);
const struct body_schema schema_location_patch = SCHEMA(f_location_patch);

/* A location as the API shows it. */
static const struct hf_field location_fields[] = {
	HF_FIELD(struct location, code, HF_K_STR),
	HF_FIELD(struct location, name, HF_K_STR),
	HF_FIELD(struct location, kind, HF_K_STR),
	HF_FIELD(struct location, is_active, HF_K_BOOL),
	HF_FIELD(struct location, priority, HF_K_INT),
	HF_FIELD(struct location, frozen_by, HF_K_U64),
	HF_FIELD(struct location, created_at, HF_K_STR),
	HF_FIELD(struct location, updated_at, HF_K_STR),
};

static json_object *
location_json(const struct location *l)
{
	json_object	*o = hf_fields_json(location_fields,
			    HF_NITEMS(location_fields), l);

	/* not frozen: null, not 0 */
	if (o != NULL && l->frozen_by == 0)
		json_object_object_add(o, "frozen_by", NULL);
	return o;
}

/* The location code of path argument i, or 404 LOC_001. */
static int
code_arg(struct http_request *req, size_t i, const char **code)
{
	if (i >= req->nargs || strlen(req->args[i]) > API_LOCATION_MAX ||
	    !hf_sku_valid(req->args[i], strlen(req->args[i]))) {
		http_reply_err(req, HF_E_LOC_NOT_FOUND, "location not found: "
		    "a location code is 1 to 32 of A-Z a-z 0-9 . _ -, "
		    "starting with a letter or a digit", NULL);
		return -1;
	}
	*code = req->args[i];
	return 0;
}

void
api_locations_list(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct location	*rows;
	json_object	*items;
	size_t		 n = 0, i;
	int		 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_locations_list(&ctx, &rows, &n)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, location_json(&rows[i]));
	http_reply(req, 200, api_list(items, 1, (long long)n, (long long)n));
}

void
api_location_get(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct location	 l;
	const char	*code;
	int		 rc;

	if (code_arg(req, 0, &code) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_location_get(&ctx, code, &l)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, location_json(&l));
}

void
api_location_create(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct location_patch	 in;
	struct location		 l;
	int			 rc;

	memset(&in, 0, sizeof(in));
	in.name = fv[LC_NAME].s;
	in.kind = fv[LC_KIND].s;
	in.set_active = 1;
	in.is_active = (int)fv[LC_ACTIVE].i;
	in.set_priority = 1;
	in.priority = fv[LC_PRIORITY].i;
	api_ctx(req, &ctx);
	if ((rc = svc_location_create(&ctx, fv[LC_CODE].s, &in, &l)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 201, location_json(&l));
}

void
api_location_patch(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct location_patch	 in;
	struct location		 l;
	const char		*code;
	int			 rc;

	if (code_arg(req, 0, &code) != 0)
		return;
	memset(&in, 0, sizeof(in));
	in.name = fv[LP_NAME].present ? fv[LP_NAME].s : NULL;
	in.kind = fv[LP_KIND].present ? fv[LP_KIND].s : NULL;
	in.set_active = fv[LP_ACTIVE].present;
	in.is_active = (int)fv[LP_ACTIVE].i;
	in.set_priority = fv[LP_PRIORITY].present;
	in.priority = fv[LP_PRIORITY].i;
	api_ctx(req, &ctx);
	if ((rc = svc_location_patch(&ctx, code, &in, &l)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, location_json(&l));
}
