/*
 * openapi_schema.c: the schema half of GET /api/v1/openapi.json: the JSON
 * Schema of each request body, read off its field table (validate.c's
 * rules), and the document's components: the envelopes http/reply.c
 * writes, every code of the error table (core/errors.c) with one response
 * per error status, the web servers' own answers, and the paging
 * parameters. The paths are openapi.c's.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/api.h"
#include "openapi_int.h"

#define OA_MONEY_PATTERN	"^[0-9]+(\\.[0-9]{1,2})?$"

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

/* o's bounds kw_min/kw_max from f, when it has any (both 0: none). */
static json_object *
oa_bounds(json_object *o, const struct field *f, const char *kw_min,
    const char *kw_max)
{
	if (f->min != 0 || f->max != 0)
		oa_obj(o, kw_min, oa_int(f->min), kw_max, oa_int(f->max), NULL);
	return o;
}

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
			oa_obj(o, "items", api_oa_body_schema(f->item, &req),
			    NULL);
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
json_object *
api_oa_body_schema(const struct body_schema *sc, int *required)
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

/* components (json-c, the caller puts it), or NULL. */
json_object *
api_oa_components(struct arena *a)
{
	json_object	*c, *responses;

	if ((c = json_tokener_parse(oa_fixed)) == NULL)
		return NULL;
	responses = json_object_new_object();
	oa_errors(a, json_object_object_get(c, "schemas"), responses);
	return oa_obj(c, "responses", responses, "parameters", oa_paging(),
	    NULL);
}
