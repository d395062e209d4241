/*
 * openapi_int.h: what the two files of GET /api/v1/openapi.json share and
 * nobody else sees. openapi.c writes the document's paths from the route
 * table; openapi_schema.c the body schemas and the components (envelopes,
 * error codes, paging). The json-c builders below are static inline so
 * that each file has its own copy and no global name is added for them.
 */
#ifndef HOLDFAST_OPENAPI_INT_H
#define HOLDFAST_OPENAPI_INT_H

#include <stdarg.h>

#include "holdfast/api.h"

#define OA_SKU_PATTERN		"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
#define OA_STATUS_MAX		600
#define OA_NELEM(a)		(sizeof(a) / sizeof((a)[0]))

#define oa_int(v)	json_object_new_int64(v)

static inline json_object *
oa_str(const char *s)
{
	return json_object_new_string(s != NULL ? s : "");
}

/* Adds key, value pairs to o (a new object when NULL) up to a NULL key. */
static inline json_object *
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
static inline json_object *
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

static inline json_object *
oa_ref(const char *ref)
{
	return oa_obj(NULL, "$ref", oa_str(ref), NULL);
}

/* {"type": t} or, when nullable, {"type": [t, "null"]}. */
static inline json_object *
oa_typed(const char *t, int nullable)
{
	return oa_obj(NULL, "type", nullable ? oa_strs(t, "null", NULL) :
	    oa_str(t), NULL);
}

/*
 * openapi_schema.c. api_oa_body_schema: the JSON Schema of a request body
 * (the route's field table, closed to other keys); *required is 1 when
 * the table has a required field. api_oa_components: components (schemas,
 * responses per error status, parameters), or NULL. The caller puts both.
 */
json_object	*api_oa_body_schema(const struct body_schema *, int *required);
json_object	*api_oa_components(struct arena *);

#endif /* HOLDFAST_OPENAPI_INT_H */
