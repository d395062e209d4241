/*
 * validate.c: checks a JSON body against a route's field table. Pure
 * functions over json-c values; what passes is stored typed in the
 * field_value array the handler reads. Here: the rules of one field's
 * value (check_one), the walk of a body and its item arrays through the
 * table (schema_check), and a query parameter's text held to the same
 * rules (field_text_check). The checks of the JSON text itself, before
 * any table (escapes, raw controls, UTF-8 and keys at any depth), are in
 * json_check.c.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/http.h"

/* A practical address check: local@domain.tld, no spaces or controls. */
int
field_email_valid(const char *s, size_t len)
{
	const char	*at, *dot;
	size_t		 i;

	if (len < 3 || len > 254 || strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f ||
		    s[i] == '<' || s[i] == '>' || s[i] == ',' || s[i] == '"')
			return 0;
	if ((at = strchr(s, '@')) == NULL || at == s ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	dot = strrchr(at + 1, '.');
	return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

/* Parses "12", "12.3" or "12.34" into cents; -1 if not money. */
static long long
parse_money(const char *s)
{
	long long	whole = 0, frac = 0;
	int		digits = 0, fdigits = 0;

	/* DECIMAL(12,2): at most 9999999999.99 */
	for (; isdigit((unsigned char)*s); s++, digits++) {
		whole = whole * 10 + (*s - '0');
		if (whole > 9999999999LL)
			return -1;
	}
	if (digits == 0)
		return -1;
	if (*s == '.') {
		/* count every digit, keep two: a long run of decimals
		 * overflowed frac (found by fuzz_validate) */
		for (s++; isdigit((unsigned char)*s); s++, fdigits++)
			if (fdigits < 2)
				frac = frac * 10 + (*s - '0');
		if (fdigits == 0 || fdigits > 2)
			return -1;
		if (fdigits == 1)
			frac *= 10;
	}
	return *s == '\0' ? whole * 100 + frac : -1;
}

/*
 * A FIELD_OBJECT with a size cap (attributes) is also kept shallow and
 * its keys short: FIELD_OBJECT_DEPTH levels, keys of 1 to
 * FIELD_OBJECT_KEY_MAX bytes. Returns NULL or the reason.
 */
static const char *
object_shape(json_object *v, int depth)
{
	const char	*why;
	size_t		 i, n, k;

	if (json_object_is_type(v, json_type_array)) {
		if (depth > FIELD_OBJECT_DEPTH)
			return "nested more than 4 levels deep";
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if ((why = object_shape(json_object_array_get_idx(v,
			    i), depth + 1)) != NULL)
				return why;
		return NULL;
	}
	if (!json_object_is_type(v, json_type_object))
		return NULL;
	if (depth > FIELD_OBJECT_DEPTH)
		return "nested more than 4 levels deep";
	json_object_object_foreach(v, key, val) {
		k = strlen(key);
		if (k < 1 || k > FIELD_OBJECT_KEY_MAX)
			return "every key must be 1 to 64 bytes";
		if ((why = object_shape(val, depth + 1)) != NULL)
			return why;
	}
	return NULL;
}

static const char *
check_one(const struct field *f, json_object *v, struct arena *a,
    struct field_value *out)
{
	const char	*s, *why;
	size_t		 len, i;
	char		*copy;
	long long	 n;

	out->j = v;
	switch (f->type) {
	case FIELD_STRING:
	case FIELD_EMAIL:
	case FIELD_SKU:
		if (!json_object_is_type(v, json_type_string))
			return "must be a string";
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (strlen(s) != len)
			return "must not contain NUL";
		if (!hf_utf8_valid(s, len))
			return HTTP_UTF8_REASON;
		if ((f->min != 0 || f->max != 0) &&
		    ((long long)len < f->min || (long long)len > f->max))
			return f->type == FIELD_EMAIL ? "invalid e-mail address"
			    : "length out of range";
		if (f->type == FIELD_SKU && !hf_sku_valid(s, len))
			return HF_SKU_GRAMMAR;
		if ((copy = arena_strndup(a, s, len)) == NULL)
			return "out of memory";
		if (f->type == FIELD_EMAIL) {
			if (!field_email_valid(copy, len))
				return "invalid e-mail address";
			for (i = 0; i < len; i++)
				copy[i] = (char)tolower((unsigned char)copy[i]);
		}
		if (f->values != NULL) {
			for (i = 0; f->values[i] != NULL; i++)
				if (strcmp(f->values[i], copy) == 0)
					break;
			if (f->values[i] == NULL)
				return "not an allowed value";
		}
		out->s = copy;
		out->len = len;
		return NULL;
	case FIELD_INT:
		if (!json_object_is_type(v, json_type_int))
			return "must be a whole number";
		n = json_object_get_int64(v);
		if ((f->min != 0 || f->max != 0) && (n < f->min || n > f->max))
			return "out of range";
		out->i = n;
		return NULL;
	case FIELD_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return "must be true or false";
		out->i = json_object_get_boolean(v);
		return NULL;
	case FIELD_OBJECT:
		if (!json_object_is_type(v, json_type_object))
			return "must be an object";
		if (f->max == 0)
			return NULL;
		if ((why = object_shape(v, 1)) != NULL)
			return why;
		s = json_object_to_json_string_length(v,
		    JSON_C_TO_STRING_PLAIN, &len);
		if (s == NULL || (long long)len > f->max) {
			why = arena_printf(a, "larger than %lld bytes as JSON",
			    f->max);
			return why != NULL ? why : "too large";
		}
		return NULL;
	case FIELD_ARRAY:
		if (!json_object_is_type(v, json_type_array))
			return "must be an array";
		n = (long long)json_object_array_length(v);
		if ((f->min != 0 || f->max != 0) && (n < f->min || n > f->max))
			return "wrong number of elements";
		out->i = n;
		return NULL;
	case FIELD_MONEY:
		if (json_object_is_type(v, json_type_string))
			s = json_object_get_string(v);
		else if (json_object_is_type(v, json_type_int))
			s = json_object_to_json_string(v);
		else
			return "must be a decimal string like \"9.99\"";
		if ((n = parse_money(s)) < 0)
			return "must be a decimal string like \"9.99\"";
		if (hf_currency_minor() == 0 && n % 100 != 0)
			return "must be a whole amount: the currency has no "
			    "minor unit";
		out->i = n;
		out->s = arena_printf(a, "%lld.%02lld", n / 100, n % 100);
		return out->s != NULL ? NULL : "out of memory";
	default:
		return "unsupported field type";
	}
}

#define FIELD_PATH_MAX	512	/* bytes of a place ("items[1].sku") */
#define FIELD_PATH_NOMEM	"(a place the arena had no room to name)"

/* The place of a refusal: where it is, and the field's name or key. */
struct schema_run {
	struct arena	*a;
	char		 path[FIELD_PATH_MAX];	/* "" for the body itself */
	const char	*field;
	const char	*reason;
};

/*
 * Sets the refusal of name (a field or a key) in the object at run->path
 * and returns rc. At the top the name itself is the field (no copy);
 * below it, "items[1].sku" in the arena.
 */
static int
schema_refuse(struct schema_run *run, const char *name, const char *reason,
    int rc)
{
	run->field = name;
	if (run->path[0] != '\0' && (run->field = arena_printf(run->a,
	    "%s.%s", run->path, name)) == NULL)
		run->field = FIELD_PATH_NOMEM;
	run->reason = reason != NULL ? reason : "out of memory";
	return rc;
}

static int	schema_object(struct schema_run *, const struct body_schema *,
		    json_object *, struct field_value *);

/*
 * The elements of an array whose field has an item table: each an object
 * of those fields, checked as the body is, into out->items.
 */
static int
schema_items(struct schema_run *run, const struct field *f, json_object *v,
    struct field_value *out)
{
	const struct body_schema	*sc = f->item;
	size_t				 n, k, mark = strlen(run->path);
	json_object			*e;
	int				 rc, w;

	n = json_object_array_length(v);
	if ((out->items = arena_calloc(run->a, n + 1,
	    sizeof(*out->items))) == NULL)
		return schema_refuse(run, f->name, "out of memory",
		    HF_E_SYS_INTERNAL);
	for (k = 0; k < n; k++) {
		e = json_object_array_get_idx(v, k);
		w = snprintf(run->path + mark, sizeof(run->path) - mark,
		    "%s%s[%zu]", mark > 0 ? "." : "", f->name, k);
		if (w < 0 || (size_t)w >= sizeof(run->path) - mark) {
			run->path[mark] = '\0';
			return schema_refuse(run, f->name, "nested too deeply",
			    HF_E_REQ_FIELD);
		}
		if (!json_object_is_type(e, json_type_object)) {
			/* the element itself is the field */
			if ((run->field = arena_strdup(run->a, run->path)) ==
			    NULL)
				run->field = FIELD_PATH_NOMEM;
			run->reason = "must be an object";
			return HF_E_REQ_FIELD;
		}
		if ((out->items[k] = arena_calloc(run->a, sc->nfields + 1,
		    sizeof(**out->items))) == NULL)
			return schema_refuse(run, f->name, "out of memory",
			    HF_E_SYS_INTERNAL);
		if ((rc = schema_object(run, sc, e, out->items[k])) != HF_OK)
			return rc;
		run->path[mark] = '\0';
	}
	return HF_OK;
}

/*
 * A field the body lacks takes f->def: the text read as the field's type
 * and held to the field's own rules. HF_E_SYS_INTERNAL if the table's
 * default does not pass them (a unit test keeps every route's passing).
 */
static int
schema_default(struct schema_run *run, const struct field *f,
    struct field_value *out)
{
	json_object	*v = NULL;
	const char	*why;
	long long	 n;

	switch (f->type) {
	case FIELD_INT:
		if (hf_parse_ll(f->def, LLONG_MIN, LLONG_MAX, &n) == 0)
			v = json_object_new_int64(n);
		break;
	case FIELD_BOOL:
		if (strcmp(f->def, "true") == 0 || strcmp(f->def, "false") == 0)
			v = json_object_new_boolean(f->def[0] == 't');
		break;
	case FIELD_STRING:
	case FIELD_EMAIL:
	case FIELD_SKU:
	case FIELD_MONEY:
		v = json_object_new_string(f->def);
		break;
	default:
		break;
	}
	why = v != NULL ? check_one(f, v, run->a, out) : "unsupported type";
	json_object_put(v);
	out->j = NULL;
	if (why != NULL)
		return schema_refuse(run, f->name, arena_printf(run->a,
		    "the schema's default is invalid: %s", why),
		    HF_E_SYS_INTERNAL);
	return HF_OK;
}

/* One object against its table, into out[sc->nfields]. */
static int
schema_object(struct schema_run *run, const struct body_schema *sc,
    json_object *obj, struct field_value *out)
{
	const struct field	*f;
	json_object		*v;
	size_t			 i;
	const char		*why;
	int			 rc;

	memset(out, 0, sizeof(*out) * sc->nfields);
	json_object_object_foreach(obj, key, val) {
		(void)val;
		for (i = 0; i < sc->nfields; i++)
			if (strcmp(sc->fields[i].name, key) == 0)
				break;
		if (i < sc->nfields)
			continue;
		/* echoed: only a key that is clean text */
		return schema_refuse(run, strlen(key) <= HTTP_JSON_KEY_MAX &&
		    hf_utf8_valid(key, strlen(key)) ? key :
		    "(an unprintable or overlong key)",
		    "unknown or read-only field", HF_E_REQ_UNKNOWN_FIELD);
	}
	for (i = 0; i < sc->nfields; i++) {
		f = &sc->fields[i];
		if (!json_object_object_get_ex(obj, f->name, &v)) {
			if (f->flags & FIELD_REQUIRED)
				return schema_refuse(run, f->name, "required",
				    HF_E_REQ_FIELD);
			if (f->def != NULL &&
			    (rc = schema_default(run, f, &out[i])) != HF_OK)
				return rc;
			continue;
		}
		out[i].present = 1;
		if (v == NULL || json_object_is_type(v, json_type_null)) {
			if (!(f->flags & FIELD_NULLABLE))
				return schema_refuse(run, f->name,
				    "must not be null", HF_E_REQ_FIELD);
			out[i].null = 1;
			continue;
		}
		if ((why = check_one(f, v, run->a, &out[i])) != NULL)
			return schema_refuse(run, f->name, why,
			    (f->flags & FIELD_INVENTORY) ? HF_E_INV_PARAM :
			    HF_E_REQ_FIELD);
		if (f->type == FIELD_ARRAY && f->item != NULL &&
		    (rc = schema_items(run, f, v, &out[i])) != HF_OK)
			return rc;
	}
	return HF_OK;
}

/*
 * Validates obj against schema into out[schema->nfields]: every key known,
 * every field present or defaulted, every value of its type and within
 * its limits, the elements of item arrays likewise. Returns HF_OK,
 * HF_E_REQ_UNKNOWN_FIELD, HF_E_REQ_FIELD or HF_E_INV_PARAM with *field
 * (its place: "ttl_seconds", "items[1].sku") and *reason set;
 * HF_E_SYS_INTERNAL only for a table whose default breaks its own rules
 * or when the arena is out of memory.
 */
int
schema_check(const struct body_schema *schema, json_object *obj,
    struct arena *a, struct field_value *out, const char **field,
    const char **reason)
{
	struct schema_run	run;
	int			rc;

	run.a = a;
	run.path[0] = '\0';
	run.field = NULL;
	run.reason = NULL;
	rc = schema_object(&run, schema, obj, out);
	*field = rc == HF_OK ? NULL : run.field;
	*reason = rc == HF_OK ? NULL : run.reason;
	return rc;
}

/*
 * The text of a query parameter against f (FIELD_INT or FIELD_STRING):
 * NULL when it passed, with out filled, else the reason. No text (the
 * parameter is absent) takes f->def, or leaves out empty.
 */
const char *
field_text_check(const struct field *f, const char *text, struct arena *a,
    struct field_value *out)
{
	json_object	*v;
	const char	*why;
	long long	 n;

	memset(out, 0, sizeof(*out));
	if (text == NULL && (text = f->def) == NULL)
		return NULL;
	out->present = text != f->def;
	switch (f->type) {
	case FIELD_INT:
		if (hf_parse_ll(text, LLONG_MIN, LLONG_MAX, &n) != 0)
			return "must be a whole number";
		v = json_object_new_int64(n);
		break;
	case FIELD_STRING:
		v = json_object_new_string(text);
		break;
	default:
		return "unsupported field type";
	}
	why = check_one(f, v, a, out);
	json_object_put(v);
	out->j = NULL;
	return why;
}
