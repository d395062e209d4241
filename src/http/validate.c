/*
 * validate.c: checks a JSON body against a route's field table. Pure
 * functions over json-c values; what passes is stored typed in the
 * field_value array the handler reads.
 */
#include <ctype.h>
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

	for (; isdigit((unsigned char)*s); s++, digits++) {
		if (whole > 9999999999LL)
			return -1;
		whole = whole * 10 + (*s - '0');
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

static const char *
check_one(const struct field *f, json_object *v, struct arena *a,
    struct field_value *out)
{
	const char	*s;
	size_t		 len, i;
	char		*copy;
	long long	 n;

	out->j = v;
	switch (f->type) {
	case FIELD_STRING:
	case FIELD_EMAIL:
		if (!json_object_is_type(v, json_type_string))
			return "must be a string";
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (strlen(s) != len)
			return "must not contain NUL";
		if ((f->min != 0 || f->max != 0) &&
		    ((long long)len < f->min || (long long)len > f->max))
			return f->type == FIELD_EMAIL ? "invalid e-mail address"
			    : "length out of range";
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
		return json_object_is_type(v, json_type_object) ? NULL :
		    "must be an object";
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
		out->i = n;
		out->s = arena_printf(a, "%lld.%02lld", n / 100, n % 100);
		return out->s != NULL ? NULL : "out of memory";
	default:
		return "unsupported field type";
	}
}

/*
 * Validates obj against schema into out[schema->nfields]. Returns HF_OK,
 * HF_E_REQ_UNKNOWN_FIELD or HF_E_REQ_FIELD with *field and *reason set.
 */
int
schema_check(const struct body_schema *schema, json_object *obj,
    struct arena *a, struct field_value *out, const char **field,
    const char **reason)
{
	const struct field	*f;
	json_object		*v;
	size_t			 i;
	const char		*why;

	memset(out, 0, sizeof(*out) * schema->nfields);
	json_object_object_foreach(obj, key, val) {
		(void)val;
		for (i = 0; i < schema->nfields; i++)
			if (strcmp(schema->fields[i].name, key) == 0)
				break;
		if (i == schema->nfields) {
			*field = key;
			*reason = "unknown or read-only field";
			return HF_E_REQ_UNKNOWN_FIELD;
		}
	}
	for (i = 0; i < schema->nfields; i++) {
		f = &schema->fields[i];
		*field = f->name;
		if (!json_object_object_get_ex(obj, f->name, &v)) {
			if (f->flags & FIELD_REQUIRED) {
				*reason = "required";
				return HF_E_REQ_FIELD;
			}
			continue;
		}
		out[i].present = 1;
		if (v == NULL || json_object_is_type(v, json_type_null)) {
			if (!(f->flags & FIELD_NULLABLE)) {
				*reason = "must not be null";
				return HF_E_REQ_FIELD;
			}
			out[i].null = 1;
			continue;
		}
		if ((why = check_one(f, v, a, &out[i])) != NULL) {
			*reason = why;
			return (f->flags & FIELD_INVENTORY) ? HF_E_INV_PARAM :
			    HF_E_REQ_FIELD;
		}
	}
	*field = NULL;
	*reason = NULL;
	return HF_OK;
}
