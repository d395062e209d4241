/*
 * validate.c: checks a JSON body against a route's field table. Pure
 * functions over json-c values; what passes is stored typed in the
 * field_value array the handler reads.
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

/* The code point of a \uXXXX escape at p (n bytes left), or -1. */
static long
json_u_escape(const char *p, size_t n)
{
	long	cp = 0;
	int	i, h;

	if (n < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		if ((h = hf_hex_value((unsigned char)p[i])) < 0)
			return -1;
		cp = cp * 16 + h;
	}
	return cp;
}

/*
 * The length of the escape at body[i] that no field may hold: an escaped
 * NUL or an unpaired surrogate (6 bytes), or 0 (a pair, 12 bytes, is
 * skipped whole through *skip).
 */
static size_t
json_bad_escape(const char *body, size_t len, size_t i, size_t *skip)
{
	long	cp = json_u_escape(body + i, len - i), lo;

	*skip = 2;
	if (cp < 0)
		return 0;
	*skip = 6;
	if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
		return 6;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		lo = json_u_escape(body + i + 6, len - i - 6);
		if (lo < 0xdc00 || lo > 0xdfff)
			return 6;
		*skip = 12;
	}
	return 0;
}

/*
 * 1 if a string literal of the JSON text s[0..len) holds a raw control
 * character (RFC 8259 wants U+0000..U+001F escaped; json-c, even strict,
 * takes a raw tab or newline), else 0.
 */
int
http_json_raw_control(const char *s, size_t len)
{
	size_t	i;
	int	in_str = 0;

	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (!in_str) {
			if (c == '"')
				in_str = 1;
		} else if (c == '\\')
			i++;
		else if (c == '"')
			in_str = 0;
		else if (c < 0x20)
			return 1;
	}
	return 0;
}

/*
 * json-c turns an unpaired \uD800..\uDFFF escape into U+FFFD and cuts an
 * object key at an escaped NUL, so neither can be seen once parsed.
 * Returns body when it has none, else a copy (arena) in which each such
 * escape is replaced by C0 80: an overlong NUL that json-c keeps and
 * hf_utf8_valid() refuses, so http_json_check() names the field. The
 * copy's length goes to *outlen. NULL when memory is short.
 */
const char *
http_json_escapes(struct arena *a, const char *body, size_t len,
    size_t *outlen)
{
	const char	*p;
	char		*copy;
	size_t		 i, o, skip, bad = 0;

	*outlen = len;
	for (i = 0; i < len; i += skip) {
		if ((p = memchr(body + i, '\\', len - i)) == NULL)
			break;
		i = (size_t)(p - body);
		if (json_bad_escape(body, len, i, &skip) != 0)
			bad++;
	}
	if (bad == 0)
		return body;
	if ((copy = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	for (i = 0, o = 0; i < len; ) {
		if (body[i] != '\\') {
			copy[o++] = body[i++];
			continue;
		}
		if (json_bad_escape(body, len, i, &skip) != 0) {
			copy[o++] = (char)0xc0;
			copy[o++] = (char)0x80;
		} else {
			if (skip > len - i)
				skip = len - i;
			memcpy(copy + o, body + i, skip);
			o += skip;
		}
		i += skip;
	}
	copy[o] = '\0';
	*outlen = o;
	return copy;
}

/* Appends ".key" or "[i]" to path (pathlen bytes); "..." when full. */
static void
json_path_push(char *path, size_t pathlen, const char *key, size_t index)
{
	size_t	n = strlen(path), k;
	int	w;

	if (n + 4 > pathlen)
		return;
	if (key == NULL)
		w = snprintf(path + n, pathlen - n, "[%zu]", index);
	else {
		k = strlen(key);
		w = (int)(k + (n > 0 ? 1 : 0));
		if ((size_t)w < pathlen - n) {
			if (n > 0)
				path[n++] = '.';
			memcpy(path + n, key, k + 1);
			return;
		}
	}
	if (w < 0 || (size_t)w >= pathlen - n)
		snprintf(path + n, pathlen - n, "...");
}

static const char *
json_check_node(json_object *v, char *path, size_t pathlen, int depth)
{
	const char	*s, *why;
	size_t		 n, i, len, mark = strlen(path);

	if (depth > HTTP_JSON_WALK_DEPTH)
		return "nested too deeply";
	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (memchr(s, '\0', len) != NULL || !hf_utf8_valid(s, len))
			return HTTP_UTF8_REASON;
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
			    s[i] != '\n' && s[i] != '\r')
				return "must not contain control characters "
				    "(tab, CR and LF excepted)";
		return NULL;
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			json_path_push(path, pathlen, NULL, i);
			if ((why = json_check_node(json_object_array_get_idx(v,
			    i), path, pathlen, depth + 1)) != NULL)
				return why;
			path[mark] = '\0';
		}
		return NULL;
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			len = strlen(key);
			if (!hf_utf8_valid(key, len))
				return "holds a key that is not valid UTF-8 "
				    "(or holds NUL)";
			for (i = 0; i < len; i++)
				if ((unsigned char)key[i] < 0x20)
					return "holds a key with a control "
					    "character";
			if (len > HTTP_JSON_KEY_MAX)
				return "holds a key longer than 256 bytes";
			json_path_push(path, pathlen, key, 0);
			if ((why = json_check_node(val, path, pathlen,
			    depth + 1)) != NULL)
				return why;
			path[mark] = '\0';
		}
		return NULL;
	}
	default:
		return NULL;
	}
}

/*
 * Walks a parsed body once: every string value and object key, at any
 * depth, must be well-formed UTF-8 without NUL, and keys at most
 * HTTP_JSON_KEY_MAX bytes. Returns NULL, or the reason with the place in
 * path ("items[1].sku", "" for the body itself), which then holds only
 * keys that passed, so it can be echoed.
 */
const char *
http_json_check(json_object *root, char *path, size_t pathlen)
{
	if (pathlen == 0)
		return "no room for the path";
	path[0] = '\0';
	return json_check_node(root, path, pathlen, 0);
}
