/*
 * openapi.c: GET /api/v1/openapi.json, an OpenAPI 3.1 document read off
 * the tables the front door itself runs on: the route table (routes.c),
 * each route's body schema, and the error table (core/errors.c). Nothing
 * here names a route, a field or an error code, so a line added to one of
 * those tables is described with no edit to this file. Built on each
 * request (a few milliseconds; json-c objects put before it returns); the
 * document is not wrapped in the envelope.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/app.h"

#define OA_SKU_PATTERN		"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
#define OA_MONEY_PATTERN	"^[0-9]+(\\.[0-9]{1,2})?$"
#define OA_STATUS_MAX		600
#define OA_NELEM(a)		(sizeof(a) / sizeof((a)[0]))

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

/*
 * Answers the web servers write themselves (conf/nginx, conf/apache):
 * the error envelope without timestamp and request_id.
 */
static const struct {
	int		 status;
	const char	*code;
} oa_front[] = {
	{ 400, "REQ_012" },	/* a request nginx cannot parse */
	{ 404, "REQ_004" },	/* a path that dot segments take out of /api/ */
	{ 413, "REQ_002" },	/* over the server's body cap */
	{ 414, "REQ_012" },	/* request line too long */
	{ 503, "SYS_001" },	/* the worker pool is down */
};

/*
 * The fixed part of components: the envelopes http/reply.c writes, the
 * web servers' error body, the bearer scheme.
 */
#define OA_INT(lo, hi)	"{\"type\":\"integer\",\"minimum\":" #lo \
	",\"maximum\":" #hi "}"
#define OA_T(t)		"{\"type\":\"" t "\"}"
#define OA_CODE		"{\"$ref\":\"#/components/schemas/ErrorCode\"}"
#define OA_CLOSED	"\"type\":\"object\",\"additionalProperties\":false,"

static const char oa_fixed[] = "{\"schemas\":{"
    "\"Success\":{" OA_CLOSED "\"required\":[\"code\",\"message\","
    "\"data\",\"timestamp\",\"request_id\"],\"properties\":{"
    "\"code\":" OA_INT(200, 299) ","
    "\"message\":{\"type\":\"string\",\"const\":\"success\"},"
    "\"data\":" OA_T("object") ",\"timestamp\":" OA_T("integer") ","
    "\"request_id\":" OA_T("string") "}},"
    "\"Error\":{" OA_CLOSED "\"required\":[\"code\",\"error\","
    "\"message\",\"timestamp\",\"request_id\"],\"properties\":{"
    "\"code\":" OA_INT(400, 599) ",\"error\":" OA_CODE ","
    "\"message\":" OA_T("string") ",\"details\":" OA_T("object") ","
    "\"timestamp\":" OA_T("integer") ",\"request_id\":" OA_T("string")
    "}},"
    "\"WebServerError\":{\"description\":\"written by nginx or Apache "
    "themselves, before the request reaches a worker\"," OA_CLOSED
    "\"required\":[\"code\",\"error\",\"message\"],\"properties\":{"
    "\"code\":" OA_INT(400, 599) ",\"error\":" OA_CODE ","
    "\"message\":" OA_T("string") "}}},"
    "\"securitySchemes\":{\"bearer\":{\"type\":\"http\","
    "\"scheme\":\"bearer\",\"description\":\"an access token (a JWT "
    "from POST /api/v1/auth/login) or an API key (hfk_...); a requirement "
    "lists the roles the route admits\"}}}";

#define oa_int(v)	json_object_new_int64(v)

static json_object *
oa_str(const char *s)
{
	return json_object_new_string(s != NULL ? s : "");
}

/* Adds key, value pairs to o (a new object when NULL) up to a NULL key. */
static json_object *
oa_obj(json_object *o, ...)
{
	const char	*key;
	va_list		 ap;

	if (o == NULL)
		o = json_object_new_object();
	va_start(ap, o);
	while ((key = va_arg(ap, const char *)) != NULL)
		json_object_object_add(o, key, va_arg(ap, json_object *));
	va_end(ap);
	return o;
}

/* An array of strings, up to a NULL. */
static json_object *
oa_strs(const char *s, ...)
{
	json_object	*a = json_object_new_array();
	va_list		 ap;

	va_start(ap, s);
	for (; s != NULL; s = va_arg(ap, const char *))
		json_object_array_add(a, oa_str(s));
	va_end(ap);
	return a;
}

static json_object *
oa_ref(const char *ref)
{
	return oa_obj(NULL, "$ref", oa_str(ref), NULL);
}

/* {"type": t} or, when nullable, {"type": [t, "null"]}. */
static json_object *
oa_typed(const char *t, int nullable)
{
	return oa_obj(NULL, "type", nullable ? oa_strs(t, "null", NULL) :
	    oa_str(t), NULL);
}

static const struct oa_perm *
oa_perm_of(enum hf_perm p)
{
	static const struct oa_perm unknown = { "unknown", ROLE_ADMIN, 0,
	    "not known to openapi.c" };

	return (unsigned)p < PERM__MAX && oa_perms[p].name != NULL ?
	    &oa_perms[p] : &unknown;
}

/* o's bounds kw_min/kw_max from f, when it has any (both 0: none). */
static json_object *
oa_bounds(json_object *o, const struct field *f, const char *kw_min,
    const char *kw_max)
{
	if (f->min != 0 || f->max != 0)
		oa_obj(o, kw_min, oa_int(f->min), kw_max, oa_int(f->max), NULL);
	return o;
}

static json_object	*oa_body_schema(const struct body_schema *, int *);
static json_object	*oa_field_type(const struct field *);

/* A field's default (its text) as a JSON value of the field's type. */
static json_object *
oa_default(const struct field *f)
{
	long long	n;

	switch (f->type) {
	case FIELD_INT:
		return hf_parse_ll(f->def, LLONG_MIN, LLONG_MAX, &n) == 0 ?
		    oa_int(n) : oa_str(f->def);
	case FIELD_BOOL:
		return json_object_new_boolean(strcmp(f->def, "true") == 0);
	default:
		return oa_str(f->def);
	}
}

/* The JSON Schema of one body field (validate.c's rules), its default. */
static json_object *
oa_field(const struct field *f)
{
	json_object	*o = oa_field_type(f);

	if (f->def != NULL)
		oa_obj(o, "default", oa_default(f), NULL);
	return o;
}

/* The JSON Schema of one body field's type and bounds. */
static json_object *
oa_field_type(const struct field *f)
{
	int		 nul = (f->flags & FIELD_NULLABLE) != 0, req;
	json_object	*o, *a;
	size_t		 i;

	switch (f->type) {
	case FIELD_STRING:
	case FIELD_EMAIL:
	case FIELD_SKU:
		/* lengths are bytes: as characters they only bound looser */
		o = oa_bounds(oa_typed("string", nul), f, "minLength",
		    "maxLength");
		if (f->type == FIELD_EMAIL)
			oa_obj(o, "format", oa_str("email"), NULL);
		if (f->type == FIELD_SKU)
			oa_obj(o, "pattern", oa_str(OA_SKU_PATTERN), NULL);
		if (f->type == FIELD_STRING && f->values != NULL) {
			a = json_object_new_array();
			for (i = 0; f->values[i] != NULL; i++)
				json_object_array_add(a, oa_str(f->values[i]));
			if (nul)
				json_object_array_add(a, NULL);
			oa_obj(o, "enum", a, NULL);
		}
		return o;
	case FIELD_INT:
		return oa_bounds(oa_typed("integer", nul), f, "minimum",
		    "maximum");
	case FIELD_BOOL:
		return oa_typed("boolean", nul);
	case FIELD_OBJECT:
		o = oa_typed("object", nul);
		if (f->max == 0)
			return o;
		a = oa_obj(NULL, "minLength", oa_int(1), "maxLength",
		    oa_int(FIELD_OBJECT_KEY_MAX), NULL);
		return oa_obj(o, "propertyNames", a,
		    "x-holdfast-max-json-bytes", oa_int(f->max),
		    "x-holdfast-max-depth", oa_int(FIELD_OBJECT_DEPTH), NULL);
	case FIELD_ARRAY:
		o = oa_bounds(oa_typed("array", nul), f, "minItems",
		    "maxItems");
		if (f->item != NULL)	/* each element an object of its own */
			oa_obj(o, "items", oa_body_schema(f->item, &req), NULL);
		return o;
	case FIELD_MONEY:
		/* "12.34" (two decimals at most) or a whole number, >= 0 */
		return oa_obj(NULL, "type", nul ? oa_strs("string", "integer",
		    "null", NULL) : oa_strs("string", "integer", NULL),
		    "pattern", oa_str(OA_MONEY_PATTERN), "minimum", oa_int(0),
		    NULL);
	default:
		/* a type this file does not know yet: anything, and say so */
		return oa_obj(NULL, "x-holdfast-field-type", oa_int(f->type),
		    NULL);
	}
}

/* The request body's schema: the field table, closed to other keys. */
static json_object *
oa_body_schema(const struct body_schema *sc, int *required)
{
	json_object	*o = oa_typed("object", 0), *props, *req, *p;
	const struct field *f;
	size_t		 i;

	*required = 0;
	if (sc == NULL)
		return o;
	props = json_object_new_object();
	req = json_object_new_array();
	for (i = 0; i < sc->nfields; i++) {
		f = &sc->fields[i];
		p = oa_field(f);
		if (f->flags & FIELD_INVENTORY)
			oa_obj(p, "x-holdfast-error",
			    oa_str(hf_err_code(HF_E_INV_PARAM)), NULL);
		oa_obj(props, f->name, p, NULL);
		if (f->flags & FIELD_REQUIRED)
			json_object_array_add(req, oa_str(f->name));
	}
	*required = json_object_array_length(req) > 0;
	oa_obj(o, "properties", props, "additionalProperties",
	    json_object_new_boolean(0), NULL);
	if (*required)
		oa_obj(o, "required", req, NULL);
	else
		json_object_put(req);
	return o;
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
		    oa_body_schema(r->schema, &required), NULL), NULL);
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
		if (strcmp(name, "id") == 0)
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
}

static json_object *
oa_success(const struct route *r)
{
	const char	*what, *type;
	json_object	*s;

	if (r->handler == api_openapi) {
		what = "this document";
		type = "application/json";
		s = oa_obj(oa_typed("object", 0), "required",
		    oa_strs("openapi", "info", "paths", NULL), NULL);
	} else if (strncmp(r->pattern, "/api/", 5) != 0) {
		what = "plain text (the Prometheus scrape)";
		type = "text/plain";
		s = oa_typed("string", 0);
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

	op = oa_obj(NULL, "operationId", oa_str(oa_operation_id(req->arena,
	    r)), "tags", oa_strs(oa_tag(req->arena, r->pattern), NULL),
	    "summary", oa_str(arena_printf(req->arena, "%s %s",
	    http_method_name(r->method), r->pattern)),
	    "description", oa_str(arena_printf(req->arena,
	    "Permission: %s (%s).", p->name, p->text)), NULL);
	params = oa_parameters(r->pattern);
	if (json_object_array_length(params) > 0)
		oa_obj(op, "parameters", params, NULL);
	else
		json_object_put(params);
	if (r->body != ROUTE_BODY_NONE)
		oa_obj(op, "requestBody", oa_request_body(req, r), NULL);
	return oa_obj(op, "responses", oa_responses(r), "security",
	    oa_security(p), "x-holdfast-permission", oa_str(p->name), NULL);
}

/* {"allOf": [base, {"code": {"const": status}, "error": {"enum"}}]}. */
static json_object *
oa_error_variant(const char *base, int status, json_object *codes)
{
	json_object	*all = json_object_new_array();

	json_object_array_add(all, oa_ref(base));
	json_object_array_add(all, oa_obj(NULL, "properties", oa_obj(NULL,
	    "code", oa_obj(NULL, "const", oa_int(status), NULL),
	    "error", oa_obj(NULL, "enum", codes, NULL), NULL), NULL));
	return oa_obj(NULL, "allOf", all, NULL);
}

static int
oa_cmp_str(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(json_object *const *)a),
	    json_object_get_string(*(json_object *const *)b));
}

/* components/responses/E<st>: the codes of that status, web servers' too. */
static json_object *
oa_error_response(struct arena *a, int st, json_object *codes,
    json_object *table)
{
	json_object	*any = json_object_new_array(), *e, *schema;
	const char	*code, *desc = NULL;
	size_t		 i;

	json_object_array_sort(codes, oa_cmp_str);
	for (i = 0; i < json_object_array_length(codes); i++) {
		code = json_object_get_string(json_object_array_get_idx(codes,
		    i));
		json_object_object_get_ex(table, code, &e);
		desc = arena_printf(a, "%s%s%s: %s", desc != NULL ? desc : "",
		    desc != NULL ? "; " : "", code, json_object_get_string(
		    json_object_object_get(e, "message")));
	}
	if (json_object_array_length(codes) > 0)
		json_object_array_add(any, oa_error_variant(
		    "#/components/schemas/Error", st, json_object_get(codes)));
	for (i = 0; i < OA_NELEM(oa_front); i++) {
		if (oa_front[i].status != st)
			continue;
		desc = arena_printf(a, "%s%s%s from the web server", desc !=
		    NULL ? desc : "", desc != NULL ? "; " : "",
		    oa_front[i].code);
		json_object_array_add(any, oa_error_variant(
		    "#/components/schemas/WebServerError", st,
		    oa_strs(oa_front[i].code, NULL)));
	}
	if (json_object_array_length(any) == 1) {
		schema = json_object_get(json_object_array_get_idx(any, 0));
		json_object_put(any);
	} else
		schema = oa_obj(NULL, "anyOf", any, NULL);
	return oa_obj(NULL, "description", oa_str(desc), "content",
	    oa_obj(NULL, "application/json", oa_obj(NULL, "schema", schema,
	    NULL), NULL), NULL);
}

/*
 * components/schemas/ErrorCode (every code of the error table, and in
 * x-holdfast-errors its status and default message) and one response
 * per error status.
 */
static void
oa_errors(struct arena *a, json_object *schemas, json_object *responses)
{
	json_object	*all = json_object_new_array();
	json_object	*table = json_object_new_object();
	json_object	*by_status[OA_STATUS_MAX];
	const char	*code;
	char		 key[8];
	size_t		 i;
	int		 st, k;

	memset(by_status, 0, sizeof(by_status));
	for (i = 0; i < OA_NELEM(oa_front); i++)
		by_status[oa_front[i].status] = json_object_new_array();
	for (k = 1; k < HF_E__MAX; k++) {
		code = hf_err_code((enum hf_err)k);
		st = hf_err_status((enum hf_err)k);
		if (st < 400 || st >= OA_STATUS_MAX ||
		    json_object_object_get_ex(table, code, NULL))
			continue;
		oa_obj(table, code, oa_obj(NULL, "status", oa_int(st),
		    "message", oa_str(hf_err_message((enum hf_err)k)), NULL),
		    NULL);
		json_object_array_add(all, oa_str(code));
		if (by_status[st] == NULL)
			by_status[st] = json_object_new_array();
		json_object_array_add(by_status[st], oa_str(code));
	}
	json_object_array_sort(all, oa_cmp_str);
	oa_obj(schemas, "ErrorCode", oa_obj(oa_typed("string", 0), "enum", all,
	    "x-holdfast-errors", table, NULL), NULL);
	for (st = 400; st < OA_STATUS_MAX; st++) {
		if (by_status[st] == NULL)
			continue;
		snprintf(key, sizeof(key), "E%d", st);
		oa_obj(responses, key, oa_error_response(a, st, by_status[st],
		    table), NULL);
		json_object_put(by_status[st]);
	}
}

/*
 * components/parameters: the paging of every list (schema_paging, which
 * api_paging reads), its caps and defaults.
 */
static json_object *
oa_paging(void)
{
	json_object	*o = json_object_new_object();
	const struct field *f;
	size_t		 i;

	for (i = 0; i < schema_paging.nfields; i++) {
		f = &schema_paging.fields[i];
		oa_obj(o, f->name, oa_obj(NULL, "name", oa_str(f->name),
		    "in", oa_str("query"), "required",
		    json_object_new_boolean(0), "description",
		    oa_str("taken by every route that answers a list "
		    "(data.items, data.page, data.per_page, data.total); "
		    "out of range is 422 REQ_010"),
		    "schema", oa_field(f), NULL), NULL);
	}
	return o;
}

/* The whole document (json-c, the caller puts it), or NULL. */
static json_object *
oa_document(struct http_request *req)
{
	json_object	*doc, *paths, *item, *c, *responses;
	const struct route *r;
	char		*m;
	size_t		 i, j;

	if ((c = json_tokener_parse(oa_fixed)) == NULL)
		return NULL;
	responses = json_object_new_object();
	oa_errors(req->arena, json_object_object_get(c, "schemas"),
	    responses);
	oa_obj(c, "responses", responses, "parameters", oa_paging(), NULL);
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
