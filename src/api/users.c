/*
 * users.c: /me, admin user management and API keys.
 */
#include <stddef.h>
#include <string.h>

#include "holdfast/api.h"

static const char *const roles_user[] = { "user", "business", "admin", NULL };
static const char *const roles_key[] = { "business", "admin", NULL };
static const char *const statuses[] = { "active", "disabled", NULL };

static const struct field f_me_patch[] = {
	{ "display_name", FIELD_STRING, FIELD_NULLABLE, 1, 100, NULL, NULL,
	    NULL },
	{ "avatar_url", FIELD_STRING, FIELD_NULLABLE, 1, 2048, NULL, NULL,
	    NULL },
	/* issue 14: whether product views are recorded (svc/history.c) */
	{ "history_enabled", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL },
};
static const struct field f_user_create[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 3, 254, NULL, NULL, NULL },
	{ "password", FIELD_STRING, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL },
	{ "role", FIELD_STRING, FIELD_REQUIRED, 0, 0, roles_user, NULL, NULL },
	{ "display_name", FIELD_STRING, FIELD_NULLABLE, 1, 100, NULL, NULL,
	    NULL },
};
static const struct field f_user_patch[] = {
	{ "role", FIELD_STRING, 0, 0, 0, roles_user, NULL, NULL },
	{ "status", FIELD_STRING, 0, 0, 0, statuses, NULL, NULL },
};
static const struct field f_key_create[] = {
	{ "name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL, NULL, NULL },
	{ "role", FIELD_STRING, FIELD_REQUIRED, 0, 0, roles_key, NULL, NULL },
};

const struct body_schema schema_me_patch = SCHEMA(f_me_patch);
const struct body_schema schema_user_create = SCHEMA(f_user_create);
const struct body_schema schema_user_patch = SCHEMA(f_user_patch);
const struct body_schema schema_key_create = SCHEMA(f_key_create);

/* A user as the API shows it (GET /me, /users, the auth replies). */
static const struct hf_field user_fields[] = {
	HF_FIELD(struct user, id, HF_K_U64),
	HF_FIELD(struct user, email, HF_K_STR),
	HF_FIELD(struct user, display_name, HF_K_STR),
	HF_FIELD(struct user, avatar_url, HF_K_STR),
	HF_FIELD(struct user, role, HF_K_STR),
	HF_FIELD(struct user, status, HF_K_STR),
	HF_FIELD(struct user, created_at, HF_K_STR),
};

/* A key as lists show it: never its last use, nor the key itself. */
static const struct hf_field key_fields[] = {
	HF_FIELD(struct api_key, id, HF_K_U64),
	HF_FIELD(struct api_key, name, HF_K_STR),
	HF_FIELD(struct api_key, role, HF_K_STR),
	HF_FIELD(struct api_key, prefix, HF_K_STR),
	HF_FIELD(struct api_key, created_at, HF_K_STR),
	HF_FIELD(struct api_key, revoked_at, HF_K_STR),
};

/* The reply that creates a key, the one time the key itself is shown. */
static const struct hf_field key_new_fields[] = {
	HF_FIELD(struct api_key, id, HF_K_U64),
	HF_FIELD(struct api_key, name, HF_K_STR),
	HF_FIELD(struct api_key, role, HF_K_STR),
	HF_FIELD(struct api_key, prefix, HF_K_STR),
	HF_FIELD(struct api_key, created_at, HF_K_STR),
	HF_FIELD(struct api_key, revoked_at, HF_K_STR),
	HF_FIELD(struct api_key, key, HF_K_STR),
};

json_object *
api_user_json(const struct user *u)
{
	return hf_fields_json(user_fields, HF_NITEMS(user_fields), u);
}

/* An API key has no user: /me describes the key's principal instead. */
/* A user as /me shows it: with the reading-history switch (issue 14). */
static json_object *
me_json(struct svc_ctx *ctx, const struct user *u)
{
	json_object	*o = api_user_json(u);
	int		 on = 1;

	if (o != NULL && svc_history_enabled(ctx, &on) == HF_OK)
		json_object_object_add(o, "history_enabled",
		    json_object_new_boolean(on));
	return o;
}

void
api_me_get(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct user	 u;
	json_object	*data;
	int		 rc;

	if (req->who.user_id == 0) {
		data = json_object_new_object();
		json_object_object_add(data, "id", NULL);
		json_object_object_add(data, "kind",
		    json_object_new_string("api_key"));
		json_object_object_add(data, "key_id",
		    json_object_new_int64((int64_t)req->who.key_id));
		json_object_object_add(data, "role",
		    json_object_new_string(hf_role_name(req->who.role)));
		http_reply(req, 200, data);
		return;
	}
	api_ctx(req, &ctx);
	if ((rc = svc_user_get(&ctx, req->who.user_id, &u)) != HF_OK) {
		api_fail(req, &ctx, rc == HF_E_NOT_FOUND ? HF_E_AUTH_INVALID :
		    rc);
		return;
	}
	http_reply(req, 200, me_json(&ctx, &u));
}

void
api_me_patch(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct user	u;
	int		rc;

	api_ctx(req, &ctx);
	if (req->fv[2].present && (rc = svc_history_set(&ctx,
	    req->fv[2].i != 0)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	rc = svc_me_update(&ctx, req->fv[0].null ? NULL : req->fv[0].s,
	    req->fv[0].present, req->fv[1].null ? NULL : req->fv[1].s,
	    req->fv[1].present, &u);
	if (rc != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, me_json(&ctx, &u));
}

static int
query_enum(struct http_request *req, const char *name,
    const char *const *values, const char **out)
{
	const char	*v = http_query(req, name);
	size_t		 i;

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	for (i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], v) == 0) {
			*out = v;
			return 0;
		}
	api_bad_query(req, name, "not an allowed value");
	return -1;
}

void
api_users_list(struct http_request *req)
{
	static const char *const all_statuses[] = { "pending", "active",
	    "disabled", NULL };
	struct svc_ctx		 ctx;
	struct user_filter	 f;
	struct user_list	 l;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if (api_paging(req, &f.page, &f.per_page) != 0 ||
	    query_enum(req, "role", roles_user, &f.role) != 0 ||
	    query_enum(req, "status", all_statuses, &f.status) != 0)
		return;
	f.q = http_query(req, "q");
	if (f.q != NULL && *f.q == '\0')
		f.q = NULL;
	api_ctx(req, &ctx);
	if ((rc = svc_users_list(&ctx, &f, &l)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(hf_fields_json_array(user_fields,
	    HF_NITEMS(user_fields), l.items, sizeof(*l.items), l.n), f.page,
	    f.per_page, l.total));
}

void
api_user_create(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct user	u;
	int		rc;

	api_ctx(req, &ctx);
	rc = svc_user_create(&ctx, req->fv[0].s, req->fv[1].s, req->fv[2].s,
	    req->fv[3].present && !req->fv[3].null ? req->fv[3].s : NULL, &u);
	if (rc != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 201, api_user_json(&u));
}

void
api_user_patch(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct user	u;
	uint64_t	id;
	int		rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	rc = svc_user_update(&ctx, id, req->fv[0].present ? req->fv[0].s :
	    NULL, req->fv[1].present ? req->fv[1].s : NULL, &u);
	if (rc != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_user_json(&u));
}

void
api_keys_create(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct api_key	 k;
	int		 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_key_create(&ctx, req->fv[0].s, req->fv[1].s, &k)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 201, hf_fields_json(key_new_fields,
	    HF_NITEMS(key_new_fields), &k));
}

void
api_keys_list(struct http_request *req)
{
	struct svc_ctx	 ctx;
	struct api_key	*keys;
	size_t		 n = 0;
	int		 rc;

	api_ctx(req, &ctx);
	if ((rc = svc_keys_list(&ctx, &keys, &n)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, api_list(hf_fields_json_array(key_fields,
	    HF_NITEMS(key_fields), keys, sizeof(*keys), n), 1, (long long)n,
	    (long long)n));
}

void
api_keys_delete(struct http_request *req)
{
	struct svc_ctx	ctx;
	uint64_t	id;
	int		rc;

	if (api_id_arg(req, 0, &id) != 0)
		return;
	api_ctx(req, &ctx);
	if ((rc = svc_key_revoke(&ctx, id)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, NULL);
}
