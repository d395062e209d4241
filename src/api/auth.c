/*
 * auth.c: register, verify, resend, login, refresh, logout, forgot, reset.
 */
#include <stddef.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/hoststate.h"

static const struct field f_register[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 3, 254, NULL, NULL, NULL },
	{ "password", FIELD_STRING, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL },
	{ "display_name", FIELD_STRING, FIELD_NULLABLE, 1, 100, NULL, NULL,
	    NULL },
};
static const struct field f_verify[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 3, 254, NULL, NULL, NULL },
	{ "code", FIELD_STRING, FIELD_REQUIRED, 6, 6, NULL, NULL, NULL },
};
static const struct field f_email[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 3, 254, NULL, NULL, NULL },
};
static const struct field f_login[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 3, 254, NULL, NULL, NULL },
	{ "password", FIELD_STRING, FIELD_REQUIRED, 1, 1024, NULL, NULL, NULL },
};
static const struct field f_refresh[] = {
	{ "refresh_token", FIELD_STRING, FIELD_REQUIRED, 1, 128, NULL, NULL,
	    NULL },
};
static const struct field f_reset[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 3, 254, NULL, NULL, NULL },
	{ "code", FIELD_STRING, FIELD_REQUIRED, 6, 6, NULL, NULL, NULL },
	{ "password", FIELD_STRING, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL },
};

const struct body_schema schema_register = SCHEMA(f_register);
const struct body_schema schema_verify = SCHEMA(f_verify);
const struct body_schema schema_email = SCHEMA(f_email);
const struct body_schema schema_login = SCHEMA(f_login);
const struct body_schema schema_refresh = SCHEMA(f_refresh);
const struct body_schema schema_reset = SCHEMA(f_reset);

static void
reply_user(struct http_request *req, int status, const struct user *u)
{
	json_object	*data = json_object_new_object();

	json_object_object_add(data, "user", api_user_json(u));
	http_reply(req, status, data);
}

/* What a login or refresh answers, beside the user. */
struct token_reply {
	const char	*access_token;
	const char	*refresh_token;
	const char	*token_type;
	long long	 expires_in;
};

static const struct hf_field token_fields[] = {
	HF_FIELD(struct token_reply, access_token, HF_K_STR),
	HF_FIELD(struct token_reply, refresh_token, HF_K_STR),
	HF_FIELD(struct token_reply, token_type, HF_K_STR),
	HF_FIELD(struct token_reply, expires_in, HF_K_INT),
};

static void
reply_tokens(struct http_request *req, const struct tokens *t)
{
	struct token_reply	 r = { t->access, t->refresh, "Bearer",
	    t->expires_in };
	json_object		*data;

	data = hf_fields_json(token_fields, HF_NITEMS(token_fields), &r);
	json_object_object_add(data, "user", api_user_json(&t->user));
	http_reply(req, 200, data);
}

/* The same answer whether or not the e-mail exists. */
static void
reply_accepted(struct http_request *req)
{
	json_object	*data = json_object_new_object();

	json_object_object_add(data, "message", json_object_new_string(
	    "if the address can receive a code, one is on its way"));
	http_reply(req, 202, data);
}

void
api_register(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct user	u;
	int		rc;

	api_ctx(req, &ctx);
	rc = svc_register(&ctx, req->fv[0].s, req->fv[1].s,
	    req->fv[2].present && !req->fv[2].null ? req->fv[2].s : NULL, &u);
	if (rc != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	reply_user(req, 201, &u);
}

void
api_verify(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct user	u;
	int		rc;

	api_ctx(req, &ctx);
	if ((rc = svc_verify(&ctx, req->fv[0].s, req->fv[1].s, &u)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	reply_user(req, 200, &u);
}

void
api_resend(struct http_request *req)
{
	struct svc_ctx	ctx;
	int		rc;

	api_ctx(req, &ctx);
	if ((rc = svc_resend(&ctx, req->fv[0].s)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	reply_accepted(req);
}

void
api_forgot(struct http_request *req)
{
	struct svc_ctx	ctx;
	int		rc;

	api_ctx(req, &ctx);
	if ((rc = svc_forgot(&ctx, req->fv[0].s)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	reply_accepted(req);
}

void
api_reset(struct http_request *req)
{
	struct svc_ctx	ctx;
	int		rc;

	api_ctx(req, &ctx);
	if ((rc = svc_reset(&ctx, req->fv[0].s, req->fv[1].s, req->fv[2].s)) !=
	    HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, NULL);
}

void
api_login(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct tokens	t;
	int		rc;

	api_ctx(req, &ctx);
	if ((rc = svc_login(&ctx, req->fv[0].s, req->fv[1].s, &t)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	reply_tokens(req, &t);
}

void
api_refresh(struct http_request *req)
{
	struct svc_ctx	ctx;
	struct tokens	t;
	int		rc;

	api_ctx(req, &ctx);
	if ((rc = svc_refresh(&ctx, req->fv[0].s, &t)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	reply_tokens(req, &t);
}

void
api_logout(struct http_request *req)
{
	struct svc_ctx	ctx;
	int		rc;

	api_ctx(req, &ctx);
	if ((rc = svc_logout(&ctx, req->fv[0].s)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	http_reply(req, 200, NULL);
}

/* The general rate limit, as the guard counts it. */
static int
guard_rate(struct app *app, const char *key, int max, int window_s,
    const char *gen_key, int *retry_after, char *gen, size_t genlen)
{
	return svc_rate_gen(app, RATE_GENERAL, key, max, window_s, gen_key,
	    retry_after, gen, genlen);
}

/*
 * The general rate limit, and for a product or stock read the cache
 * entry its handler reads first, in the same Redis round trip
 * (svc_rate_read; svc_cached takes it). Only an id or SKU the handler
 * would accept is read ahead.
 */
static int
guard_rate_read(struct app *app, const struct http_request *req,
    const char *key, int max, int window_s, const char *gen_key,
    int *retry_after, char *gen, size_t genlen)
{
	const struct route	*rt = req->route;
	const char		*a = req->nargs == 1 ? req->args[0] : NULL;
	long long		 id;

	svc_rate_read_drop();
	/* issue 16: a lost invalidation another host recorded, first */
	svc_lost_poll(app, req->arena);
	if (rt != NULL && rt->method == HTTP_GET && a != NULL) {
		if (rt->handler == api_product_get &&
		    !hf_parse_ll(a, 1, INT64_MAX, &id))
			return svc_rate_read(app, req->arena, req->request_id,
			    CACHE_PRODUCT, arena_printf(req->arena, "%lld", id),
			    key, max, window_s, gen_key, retry_after, gen,
			    genlen);
		if (rt->handler == api_stock_get &&
		    hf_sku_valid(a, strlen(a)) &&
		    !api_stock_at_asked((struct http_request *)req))
			return svc_rate_read(app, req->arena, req->request_id,
			    CACHE_STOCK, a, key, max, window_s, gen_key,
			    retry_after, gen, genlen);
	}
	return guard_rate(app, key, max, window_s, gen_key, retry_after, gen,
	    genlen);
}

/* After every request: what the request held. */
static void
guard_end(struct app *app)
{
	svc_rate_read_drop();
	svc_idem_release(app);
}

const struct http_hooks	api_http_hooks = {
	.rate = guard_rate,
	.auth_key = svc_auth_key,
	.auth_user = svc_auth_user,
	.user_gen_key = svc_user_gen_key,
	.request_end = guard_end,
	.rate_read = guard_rate_read,
};
