/*
 * fields.c: a struct filled from text and rendered as JSON through its
 * field table (struct hf_field). The db layer decodes result rows with
 * hf_field_set; the api renders replies and the services render event
 * payloads with hf_fields_json, so one table says what a row holds.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "holdfast/core.h"

/*
 * Stores text (a result cell, NULL for SQL NULL) into row's member f.
 * Strings are kept as pointers, so text must live as long as row (the
 * caller's arena). Returns 0, or -1 when a number does not parse.
 */
int
hf_field_set(const struct hf_field *f, void *row, const char *text)
{
	char		*m = (char *)row + f->off;
	long long	 v = 0;
	int		 bad = 0;

	if (f->kind == HF_K_STR || f->kind == HF_K_JSON ||
	    f->kind == HF_K_MONEY) {
		*(const char **)(void *)m = text;
		return 0;
	}
	if (text == NULL)
		v = (f->flags & HF_F_NULL) ? HF_NULL_INT : 0;
	else
		bad = hf_parse_ll(text, f->kind == HF_K_U64 ? 0 : INT64_MIN,
		    INT64_MAX, &v) != 0;
	switch (f->kind) {
	case HF_K_U64:
		*(uint64_t *)(void *)m = v < 0 ? 0 : (uint64_t)v;
		break;
	case HF_K_BOOL:
		*(int *)(void *)m = v == HF_NULL_INT ? -1 : v != 0;
		break;
	default:
		*(long long *)(void *)m = v;
		break;
	}
	return bad ? -1 : 0;
}

const struct hf_field *
hf_field_find(const struct hf_field *f, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

/* The member f of row as a JSON value (NULL is JSON null). */
struct json_object *
hf_field_json(const struct hf_field *f, const void *row)
{
	const char	*m = (const char *)row + f->off;
	const char	*s;
	char		 buf[32];
	long long	 v;

	switch (f->kind) {
	case HF_K_STR:
		s = *(const char *const *)(const void *)m;
		return s == NULL ? NULL : json_object_new_string(s);
	case HF_K_JSON:
		s = *(const char *const *)(const void *)m;
		return s == NULL ? NULL : json_tokener_parse(s);
	case HF_K_MONEY:
		s = *(const char *const *)(const void *)m;
		return s == NULL ? NULL : json_object_new_string(
		    hf_money_text(s, buf, sizeof(buf)));
	case HF_K_U64:
		return json_object_new_uint64(*(const uint64_t *)
		    (const void *)m);
	case HF_K_BOOL:
		v = *(const int *)(const void *)m;
		if (v < 0 && (f->flags & HF_F_NULL))
			return NULL;
		return json_object_new_boolean(v != 0);
	case HF_K_INT:
		v = *(const long long *)(const void *)m;
		if (v == HF_NULL_INT && (f->flags & HF_F_NULL))
			return NULL;
		return json_object_new_int64(v);
	default:
		return NULL;
	}
}

/* One JSON object with a member per field (hidden ones left out). */
struct json_object *
hf_fields_json(const struct hf_field *f, size_t n, const void *row)
{
	json_object	*o = json_object_new_object();
	size_t		 i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (!(f[i].flags & HF_F_HIDE))
			json_object_object_add(o, f[i].name,
			    hf_field_json(&f[i], row));
	return o;
}

/* An array of nrows structs of rowsize bytes each, one object per row. */
struct json_object *
hf_fields_json_array(const struct hf_field *f, size_t n, const void *rows,
    size_t rowsize, size_t nrows)
{
	json_object	*a = json_object_new_array();
	size_t		 i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < nrows; i++)
		json_object_array_add(a, hf_fields_json(f, n,
		    (const char *)rows + i * rowsize));
	return a;
}

/* hf_fields_json as compact JSON text in the arena (NULL: out of memory). */
char *
hf_fields_text(struct arena *a, const struct hf_field *f, size_t n,
    const void *row)
{
	json_object	*o = hf_fields_json(f, n, row);
	char		*t;

	if (o == NULL)
		return NULL;
	t = arena_strdup(a, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return t;
}

/*
 * The inverse of hf_fields_text: fills the members of row that f names
 * from the JSON object text, strings copied into the arena. A member the
 * text lacks, or gives as null or as another type, is left as it was.
 * Returns 0, or -1 when text is no JSON object (or memory ran out).
 */
int
hf_fields_parse(struct arena *a, const struct hf_field *f, size_t n,
    void *row, const char *text)
{
	json_object	*o, *v;
	char		*m;
	const char	*s;
	size_t		 i;
	int		 rc = 0;

	if (text == NULL || (o = json_tokener_parse(text)) == NULL)
		return -1;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (!json_object_object_get_ex(o, f[i].name, &v) || v == NULL)
			continue;
		m = (char *)row + f[i].off;
		switch (f[i].kind) {
		case HF_K_STR:
		case HF_K_MONEY:
			if (!json_object_is_type(v, json_type_string))
				break;
			if ((s = arena_strdup(a, json_object_get_string(v))) ==
			    NULL)
				rc = -1;
			*(const char **)(void *)m = s;
			break;
		case HF_K_JSON:
			if ((s = arena_strdup(a, json_object_to_json_string_ext(v,
			    JSON_C_TO_STRING_PLAIN))) == NULL)
				rc = -1;
			*(const char **)(void *)m = s;
			break;
		case HF_K_BOOL:
			if (json_object_is_type(v, json_type_boolean))
				*(int *)(void *)m = json_object_get_boolean(v);
			break;
		case HF_K_INT:
			if (json_object_is_type(v, json_type_int))
				*(long long *)(void *)m = json_object_get_int64(v);
			break;
		case HF_K_U64:
			if (json_object_is_type(v, json_type_int) &&
			    json_object_get_int64(v) >= 0)
				*(uint64_t *)(void *)m =
				    (uint64_t)json_object_get_int64(v);
			break;
		default:
			break;
		}
	}
	json_object_put(o);
	return rc;
}
