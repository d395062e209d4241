/*
 * openapi.c: GET /api/v1/openapi.json, an OpenAPI 3.1 document read off
 * the tables the front door itself runs on: the route table (routes.c),
 * each route's body schema, the query parameters of queries.c and the
 * error table (core/errors.c). Nothing here names a route, a field or an
 * error code, so a line added to one of those tables is described with
 * no edit to this file. Built on each
 * request (a few milliseconds; json-c objects put before it returns); the
 * document is not wrapped in the envelope. This file writes the paths
 * (an operation per route: parameters, permission, security, statuses);
 * openapi_schema.c the body schemas and the components.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/app.h"
#include "openapi_int.h"

/* Who may call a route, as the guard (http/auth.c) decides it. */
static const struct oa_perm {
	const char	*name;		/* x-holdfast-permission */
	enum hf_role	 least;		/* lowest role a bearer must have */
	int		 anonymous;	/* callable with no bearer at all */
	const char	*text;
} oa_perms[PERM__MAX] = {
	[PERM_PUBLIC] = { "public", ROLE_USER, 1, "anyone, guest included" },
	[PERM_USER] = { "user", ROLE_USER, 0, "any signed-in principal" },
	[PERM_BUSINESS] = { "business", ROLE_BUSINESS, 0,
	    "business or admin" },
	[PERM_ADMIN] = { "admin", ROLE_ADMIN, 0, "admin only" },
	[PERM_LOCAL] = { "local", ROLE_ADMIN, 1, "clients on this host (the "
	    "web server lets no other through), or an admin" },
};

static const struct oa_perm *
oa_perm_of(enum hf_perm p)
{
	static const struct oa_perm unknown = { "unknown", ROLE_ADMIN, 0,
	    "not known to openapi.c" };

	return (unsigned)p < PERM__MAX && oa_perms[p].name != NULL ?
	    &oa_perms[p] : &unknown;
}

static json_object *
oa_request_body(struct http_request *req, const struct route *r)
{
	long long	 cap = r->max_body > 0 ? (long long)r->max_body :
	    req->app->cfg.max_body_bytes;
	json_object	*ct;
	int		 required = 1;

	if (r->body == ROUTE_BODY_JSON)
		ct = oa_obj(NULL, "application/json", oa_obj(NULL, "schema",
		    api_oa_body_schema(r->schema, &required), NULL), NULL);
	else if (r->body == ROUTE_BODY_CSV)	/* RFC 4180, UTF-8 */
		ct = oa_obj(NULL, "text/csv", oa_obj(NULL, "schema",
		    oa_typed("string", 0), NULL), NULL);
	else	/* the handler reads the bytes (an image, a signed callback) */
		ct = oa_obj(NULL, "*/*", oa_obj(NULL, "schema",
		    json_object_new_object(), NULL), NULL);
	return oa_obj(NULL, "required", json_object_new_boolean(required),
	    "content", ct, "x-holdfast-max-body-bytes", oa_int(cap), NULL);
}

/* One path parameter per {name} segment of the pattern. */
static json_object *
oa_parameters(const char *pattern)
{
	json_object	*a = json_object_new_array(), *s;
	const char	*b, *e;
	char		 name[64];

	for (b = strchr(pattern, '{'); b != NULL; b = strchr(e, '{')) {
		if ((e = strchr(b, '}')) == NULL)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(e - b - 1), b + 1);
		if (strcmp(name, "id") == 0 || strcmp(name, "product_id") == 0)
			s = oa_obj(oa_typed("integer", 0), "minimum", oa_int(1),
			    "maximum", oa_int(INT64_MAX), NULL);
		else if (strcmp(name, "sku") == 0)
			s = oa_obj(oa_typed("string", 0), "pattern",
			    oa_str(OA_SKU_PATTERN), NULL);
		else
			s = oa_obj(oa_typed("string", 0), "minLength",
			    oa_int(1), NULL);
		json_object_array_add(a, oa_obj(NULL, "name", oa_str(name),
		    "in", oa_str("path"), "required",
		    json_object_new_boolean(1), "schema", s, NULL));
	}
	return a;
}

/* The query parameters queries.c lists for the route's handler, into a. */
static void
oa_query_parameters(json_object *a, const struct route *r)
{
	const struct api_query_param	*q;
	char				 ref[96];
	size_t				 i;

	for (i = 0; i < api_nquery_params; i++) {
		q = &api_query_params[i];
		if (q->handler != r->handler)
			continue;
		if (q->schema == NULL) {
			snprintf(ref, sizeof(ref), "#/components/parameters/%s",
			    q->name);
			json_object_array_add(a, oa_ref(ref));
			continue;
		}
		json_object_array_add(a, oa_obj(NULL, "name", oa_str(q->name),
		    "in", oa_str("query"), "required",
		    json_object_new_boolean(0), "description", oa_str(q->text),
		    "schema", json_tokener_parse(q->schema), NULL));
	}
}

/* Anonymous ({}), then a bearer of each role the permission admits. */
static json_object *
oa_security(const struct oa_perm *p)
{
	json_object	*a = json_object_new_array(), *roles;
	int		 r;

	if (p->anonymous)
		json_object_array_add(a, json_object_new_object());
	roles = json_object_new_array();
	for (r = p->least; r < ROLE__MAX; r++)
		json_object_array_add(roles, oa_str(hf_role_name(r)));
	json_object_array_add(a, oa_obj(NULL, "bearer", roles, NULL));
	return a;
}

/*
 * The statuses a route can answer, from what the table says of it. The
 * front door's follow exactly (body kind, permission; 400, 401, 413, 414,
 * 422, 429, 500 and 503 anywhere, and 403 AUTH_008 anywhere for the token
 * of an account that is no longer active). A handler's own refusals are
 * not in the table: any route may name something that does not exist
 * (404); a route that is not a GET may also find it in the wrong state
 * (409).
 */
static void
oa_statuses(const struct route *r, unsigned char st[OA_STATUS_MAX])
{
	static const int every[] = { 200, 400, 401, 403, 404, 413, 414, 422,
	    429, 500, 503 };
	size_t		 i;

	memset(st, 0, OA_STATUS_MAX);
	for (i = 0; i < OA_NELEM(every); i++)
		st[every[i]] = 1;
	if (r->method == HTTP_POST)
		st[201] = st[202] = 1;
	if (r->body != ROUTE_BODY_NONE)
		st[415] = 1;
	if (r->method != HTTP_GET)
		st[409] = 1;
	/* a route that waits on a server of its own (the assistant's model) */
	if (api_route_upstream(r))
		st[502] = st[504] = 1;
}

static json_object *
oa_success(const struct route *r)
{
	const char	*what, *type;
	json_object	*s;

	if ((type = api_csv_produces(r)) != NULL) {
		what = "CSV (RFC 4180, UTF-8, CRLF), streamed; a failure "
		    "after the first rows drops the connection";
		type = "text/csv";
		s = oa_typed("string", 0);
	} else if (r->handler == api_openapi) {
		what = "this document";
		type = "application/json";
		s = oa_obj(oa_typed("object", 0), "required",
		    oa_strs("openapi", "info", "paths", NULL), NULL);
	} else if (r->handler == api_cover_get) {
		/* issue 16: a cover's bytes, by the type its name ends in */
		s = oa_typed("string", 0);
		return oa_obj(NULL, "description", oa_str("the cover's bytes "
		    "(named by their SHA-256: they never change)"), "content",
		    oa_obj(NULL, "image/png", oa_obj(NULL, "schema", s, NULL),
		    "image/jpeg", oa_obj(NULL, "schema", json_object_get(s),
		    NULL), "image/webp", oa_obj(NULL, "schema",
		    json_object_get(s), NULL), NULL), NULL);
	} else if (strncmp(r->pattern, "/api/", 5) != 0) {
		what = "plain text (the Prometheus scrape)";
		type = "text/plain";
		s = oa_typed("string", 0);
	} else if (api_route_upstream(r)) {
		/* the assistant: JSON, or the events a client asked for */
		return oa_obj(NULL, "description", oa_str("the success "
		    "envelope, or (\"stream\": true or Accept: "
		    "text/event-stream) events: delta {text}..., then done "
		    "(the same data) or error {status, error, message}"),
		    "content", oa_obj(NULL, "application/json", oa_obj(NULL,
		    "schema", oa_ref("#/components/schemas/Success"), NULL),
		    "text/event-stream", oa_obj(NULL, "schema",
		    oa_typed("string", 0), NULL), NULL), NULL);
	} else {
		what = "the success envelope";
		type = "application/json";
		s = oa_ref("#/components/schemas/Success");
	}
	return oa_obj(NULL, "description", oa_str(what), "content",
	    oa_obj(NULL, type, oa_obj(NULL, "schema", s, NULL), NULL), NULL);
}

static json_object *
oa_responses(const struct route *r)
{
	json_object	*o = json_object_new_object();
	unsigned char	 st[OA_STATUS_MAX];
	char		 key[8], ref[64];
	int		 s;

	oa_statuses(r, st);
	for (s = 100; s < OA_STATUS_MAX; s++) {
		if (!st[s])
			continue;
		snprintf(key, sizeof(key), "%d", s);
		snprintf(ref, sizeof(ref), "#/components/responses/E%d", s);
		oa_obj(o, key, s < 300 ? oa_success(r) : oa_ref(ref), NULL);
	}
	return o;
}

/* "get_stock_sku_reconcile" for GET /api/v1/stock/{sku}/reconcile. */
static const char *
oa_operation_id(struct arena *a, const struct route *r)
{
	const char	*p = r->pattern;
	char		*id, *q, *w;

	if (strncmp(p, "/api/v1/", 8) == 0)
		p += 7;
	if ((id = arena_printf(a, "%s%s", http_method_name(r->method), p)) ==
	    NULL)
		return NULL;
	for (q = w = id; *q != '\0'; q++)
		if (*q != '{' && *q != '}')
			*w++ = isalnum((unsigned char)*q) ?
			    (char)tolower((unsigned char)*q) : '_';
	*w = '\0';
	return id;
}

/* The first segment under /api/v1 ("stock"), "system" for the rest. */
static const char *
oa_tag(struct arena *a, const char *pattern)
{
	const char	*p, *e;

	if (strncmp(pattern, "/api/v1/", 8) != 0 || pattern[8] == '\0')
		return "system";
	p = pattern + 8;
	e = strchr(p, '/');
	return arena_strndup(a, p, e != NULL ? (size_t)(e - p) : strlen(p));
}

static json_object *
oa_operation(struct http_request *req, const struct route *r)
{
	const struct oa_perm	*p = oa_perm_of(r->perm);
	json_object		*op, *params;
	const char		*note = "";
	size_t			 i;

	for (i = 0; i < api_nroute_notes; i++)
		if (api_route_notes[i].handler == r->handler)
			note = arena_printf(req->arena, " %s",
			    api_route_notes[i].text);

	op = oa_obj(NULL, "operationId", oa_str(oa_operation_id(req->arena,
	    r)), "tags", oa_strs(oa_tag(req->arena, r->pattern), NULL),
	    "summary", oa_str(arena_printf(req->arena, "%s %s",
	    http_method_name(r->method), r->pattern)),
	    "description", oa_str(arena_printf(req->arena,
	    "Permission: %s (%s).%s", p->name, p->text, note != NULL ? note :
	    "")), NULL);
	params = oa_parameters(r->pattern);
	oa_query_parameters(params, r);
	if (json_object_array_length(params) > 0)
		oa_obj(op, "parameters", params, NULL);
	else
		json_object_put(params);
	if (r->body != ROUTE_BODY_NONE)
		oa_obj(op, "requestBody", oa_request_body(req, r), NULL);
	return oa_obj(op, "responses", oa_responses(r), "security",
	    oa_security(p), "x-holdfast-permission", oa_str(p->name), NULL);
}

/* The whole document (json-c, the caller puts it), or NULL. */
static json_object *
oa_document(struct http_request *req)
{
	json_object	*doc, *paths, *item, *c;
	const struct route *r;
	char		*m;
	size_t		 i, j;

	if ((c = api_oa_components(req->arena)) == NULL)
		return NULL;
	paths = json_object_new_object();
	for (i = 0; i < api_nroutes; i++) {
		r = &api_routes[i];
		if (!json_object_object_get_ex(paths, r->pattern, &item)) {
			item = json_object_new_object();
			oa_obj(paths, r->pattern, item, NULL);
		}
		m = arena_strdup(req->arena, http_method_name(r->method));
		for (j = 0; m != NULL && m[j] != '\0'; j++)
			m[j] = (char)tolower((unsigned char)m[j]);
		oa_obj(item, m != NULL ? m : "?", oa_operation(req, r), NULL);
	}
	doc = oa_obj(NULL, "openapi", oa_str("3.1.0"), "info", oa_obj(NULL,
	    "title", oa_str("Holdfast"), "version", oa_str(app_version()),
	    "description", oa_str("Generated from this build's route, body "
	    "and error tables. HEAD is answered wherever GET is; a path no "
	    "route has is 404 REQ_004, a method it lacks 405 REQ_005. "
	    "Lengths are bytes of UTF-8."),
	    "x-holdfast-revision", oa_str(app_revision()), NULL), NULL);
	return oa_obj(doc, "paths", paths, "components", c, NULL);
}

void
api_openapi(struct http_request *req)
{
	json_object	*doc = oa_document(req);
	const char	*text = NULL;
	size_t		 len = 0;

	if (doc == NULL || (text = json_object_to_json_string_length(doc,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len)) ==
	    NULL) {
		json_object_put(doc);
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_raw(req, 200, HTTP_JSON_TYPE, text, len);
	json_object_put(doc);
}
