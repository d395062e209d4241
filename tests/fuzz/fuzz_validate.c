/*
 * fuzz_validate.c: a request body, as the front door reads it, against
 * the body schema of every route in api_routes (src/api/routes.c).
 *
 * The input is the body. It is parsed the way serve_parse_json() does
 * (json-c's tokener, depth 32, strict, UTF-8 checked, only white space
 * after the value, an object only) and each schema_check() answer is
 * checked against what the schema promises the handler:
 *  - a refusal names a field and a reason, with REQ_009, REQ_010 or
 *    INV_005; its place ("items[1].sku") leads through elements the body
 *    has to a field of that element's table, or (REQ_009) to a key of
 *    the body or element that the table lacks (not echoed if it is not
 *    clean text), or to an element that is no object;
 *  - an acceptance has every key in the schema, every required field
 *    present, null only where allowed, and each value typed and within
 *    its limits: strings without NUL and of the stated length, e-mail
 *    addresses valid and lower case, an allowed value from the list,
 *    money in cents matching the text it came from; an absent field with
 *    a default reads as that default; the elements of an array with an
 *    item table are each accepted the same way.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "holdfast/api.h"
#include "holdfast/http.h"
#include "fuzz.h"

#define FUZZ_JSON_DEPTH	32	/* body.c HTTP_JSON_DEPTH */

static struct arena	arena;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	arena_init(&arena, 4 * 1024 * 1024);
	return 0;
}

/* serve_parse_json(): one JSON object, nothing but white space after. */
static json_object *
parse_body(const char *s, size_t len)
{
	struct json_tokener	*tok;
	json_object		*obj;
	enum json_tokener_error	 jerr;
	size_t			 i;

	if ((tok = json_tokener_new_ex(FUZZ_JSON_DEPTH)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, s, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj != NULL && jerr == json_tokener_success)
		for (i = json_tokener_get_parse_end(tok); i < len; i++)
			if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' &&
			    s[i] != '\t')
				jerr = json_tokener_error_parse_unexpected;
	json_tokener_free(tok);
	if (obj == NULL || jerr != json_tokener_success ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/*
 * An independent reading of FIELD_MONEY: digits, then optionally '.' and
 * one or two digits; at most 99,999,999,999 whole units. Returns the
 * cents, or -1.
 */
static long long
ref_money(const char *s)
{
	const char	*p = s;
	long long	 whole = 0, cents = 0;
	size_t		 nd = 0, nf = 0;

	while (*p == '0')
		p++;
	for (; p[nd] >= '0' && p[nd] <= '9'; nd++)
		;
	if (nd > 10 || (nd == 0 && p == s))
		return -1;	/* DECIMAL(12,2): 10 digits before the point */
	for (size_t i = 0; i < nd; i++)
		whole = whole * 10 + (p[i] - '0');
	p += nd;
	if (*p == '.') {
		for (p++; p[nf] >= '0' && p[nf] <= '9'; nf++)
			;
		if (nf == 0 || nf > 2)
			return -1;
		cents = (p[0] - '0') * 10 + (nf == 2 ? p[1] - '0' : 0);
		p += nf;
	}
	return *p == '\0' ? whole * 100 + cents : -1;
}

static int
in_schema(const struct body_schema *sc, const char *key)
{
	size_t	i;

	for (i = 0; i < sc->nfields; i++)
		if (strcmp(sc->fields[i].name, key) == 0)
			return 1;
	return 0;
}

static int
limited(const struct field *f)
{
	return f->min != 0 || f->max != 0;
}

static void
check_value(const struct field *f, json_object *j,
    const struct field_value *v)
{
	const char	*txt;
	size_t		 i;
	long long	 n;

	FUZZ_ASSERT(v->j == j);
	switch (f->type) {
	case FIELD_SKU:
		/* the grammar, restated: [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
		FUZZ_ASSERT(json_object_is_type(j, json_type_string));
		FUZZ_ASSERT(v->s != NULL && v->len >= 1 && v->len <= 64);
		FUZZ_ASSERT(strlen(v->s) == v->len);
		FUZZ_ASSERT(isalnum((unsigned char)v->s[0]) &&
		    (unsigned char)v->s[0] < 0x80);
		for (i = 0; i < v->len; i++)
			FUZZ_ASSERT((unsigned char)v->s[i] < 0x80 &&
			    (isalnum((unsigned char)v->s[i]) ||
			    strchr("._-", v->s[i]) != NULL));
		FUZZ_ASSERT(memcmp(v->s, json_object_get_string(j), v->len) ==
		    0);
		break;
	case FIELD_STRING:
	case FIELD_EMAIL:
		FUZZ_ASSERT(json_object_is_type(j, json_type_string));
		FUZZ_ASSERT(v->s != NULL);
		FUZZ_ASSERT(v->len == (size_t)json_object_get_string_len(j));
		FUZZ_ASSERT(strlen(v->s) == v->len);
		if (limited(f))
			FUZZ_ASSERT((long long)v->len >= f->min &&
			    (long long)v->len <= f->max);
		if (f->type == FIELD_EMAIL) {
			FUZZ_ASSERT(field_email_valid(v->s, v->len));
			for (i = 0; i < v->len; i++)
				FUZZ_ASSERT(!isupper((unsigned char)v->s[i]));
			FUZZ_ASSERT(strcasecmp(v->s,
			    json_object_get_string(j)) == 0);
		} else
			FUZZ_ASSERT(memcmp(v->s, json_object_get_string(j),
			    v->len) == 0);
		if (f->values != NULL) {
			for (i = 0; f->values[i] != NULL; i++)
				if (strcmp(f->values[i], v->s) == 0)
					break;
			FUZZ_ASSERT(f->values[i] != NULL);
		}
		break;
	case FIELD_INT:
		FUZZ_ASSERT(json_object_is_type(j, json_type_int));
		FUZZ_ASSERT(v->i == json_object_get_int64(j));
		if (limited(f))
			FUZZ_ASSERT(v->i >= f->min && v->i <= f->max);
		break;
	case FIELD_BOOL:
		FUZZ_ASSERT(json_object_is_type(j, json_type_boolean));
		FUZZ_ASSERT(v->i == 0 || v->i == 1);
		break;
	case FIELD_OBJECT:
		FUZZ_ASSERT(json_object_is_type(j, json_type_object));
		break;
	case FIELD_ARRAY:
		FUZZ_ASSERT(json_object_is_type(j, json_type_array));
		n = (long long)json_object_array_length(j);
		FUZZ_ASSERT(v->i == n);
		if (limited(f))
			FUZZ_ASSERT(n >= f->min && n <= f->max);
		break;
	case FIELD_MONEY:
		FUZZ_ASSERT(json_object_is_type(j, json_type_string) ||
		    json_object_is_type(j, json_type_int));
		txt = json_object_is_type(j, json_type_string) ?
		    json_object_get_string(j) : json_object_to_json_string(j);
		FUZZ_ASSERT(v->i >= 0 && v->i == ref_money(txt));
		FUZZ_ASSERT(v->s != NULL);
		FUZZ_ASSERT(ref_money(v->s) == v->i);
		break;
	default:
		FUZZ_ASSERT(!"a field type the harness does not know");
	}
}

/* A money field the validator refused must be refused by ref_money too. */
static void
check_refusal(const struct field *f, json_object *j, int rc)
{
	const char	*txt;

	if (f->type != FIELD_MONEY || j == NULL || rc == HF_OK)
		return;
	if (json_object_is_type(j, json_type_string))
		txt = json_object_get_string(j);
	else if (json_object_is_type(j, json_type_int))
		txt = json_object_to_json_string(j);
	else
		return;
	FUZZ_ASSERT(ref_money(txt) < 0);
}

static const struct field *
field_of(const struct body_schema *sc, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < sc->nfields; i++)
		if (strlen(sc->fields[i].name) == len &&
		    memcmp(sc->fields[i].name, name, len) == 0)
			return &sc->fields[i];
	return NULL;
}

/*
 * A refusal's place, read back: "name", "name[k]" or "name[k].rest"
 * through the item tables. Each step names a field of the table and an
 * element the body has; the last names what was refused (*fp and *jp:
 * the field and its value) or, for REQ_009, a key of that object the
 * table lacks; for "name[k]" (*elem set) the element is no object.
 */
static void
check_place(const struct body_schema *sc, json_object *obj,
    const char *place, int rc, const struct field **fp, json_object **jp)
{
	const struct field	*f;
	const char		*p = place, *b;
	json_object		*v;
	char			*end;
	unsigned long		 k;

	for (;;) {
		/* a key of this object (which may hold '.' or '[') */
		if (rc == HF_E_REQ_UNKNOWN_FIELD &&
		    (json_object_object_get_ex(obj, p, NULL) ||
		    strcmp(p, "(an unprintable or overlong key)") == 0)) {
			FUZZ_ASSERT(field_of(sc, p, strlen(p)) == NULL);
			*fp = NULL;
			return;
		}
		b = p + strcspn(p, ".[");
		if (*b == '\0') {
			FUZZ_ASSERT(rc != HF_E_REQ_UNKNOWN_FIELD);
			FUZZ_ASSERT((f = field_of(sc, p, strlen(p))) != NULL);
			*fp = f;
			*jp = NULL;
			json_object_object_get_ex(obj, p, jp);
			return;
		}
		/* a step down: name[k] of an array with an item table */
		FUZZ_ASSERT(*b == '[');
		FUZZ_ASSERT((f = field_of(sc, p, (size_t)(b - p))) != NULL);
		FUZZ_ASSERT(f->type == FIELD_ARRAY && f->item != NULL);
		FUZZ_ASSERT(json_object_object_get_ex(obj, f->name, &v));
		k = strtoul(b + 1, &end, 10);
		FUZZ_ASSERT(*end == ']' && k < json_object_array_length(v));
		v = json_object_array_get_idx(v, k);
		if (end[1] == '\0') {
			/* the element itself: not an object */
			FUZZ_ASSERT(rc == HF_E_REQ_FIELD &&
			    !json_object_is_type(v, json_type_object));
			*fp = NULL;
			return;
		}
		FUZZ_ASSERT(end[1] == '.' &&
		    json_object_is_type(v, json_type_object));
		sc = f->item;
		obj = v;
		p = end + 2;
	}
}

/* An accepted object: every key known, every field as its table says. */
static void
check_accepted(const struct body_schema *sc, json_object *obj,
    const struct field_value *fv)
{
	const struct field	*f;
	json_object		*j, *e;
	size_t			 i, k;
	long long		 n;
	int			 has;

	json_object_object_foreach(obj, key, val) {
		(void)val;
		FUZZ_ASSERT(in_schema(sc, key));
	}
	for (i = 0; i < sc->nfields; i++) {
		f = &sc->fields[i];
		j = NULL;
		has = json_object_object_get_ex(obj, f->name, &j);
		FUZZ_ASSERT(fv[i].present == has);
		if (!has) {
			FUZZ_ASSERT(!(f->flags & FIELD_REQUIRED));
			FUZZ_ASSERT(fv[i].j == NULL && !fv[i].null);
			/* a default reads as its text says */
			if (f->def != NULL && f->type == FIELD_INT)
				FUZZ_ASSERT(hf_parse_ll(f->def, LLONG_MIN,
				    LLONG_MAX, &n) == 0 && fv[i].i == n);
			else if (f->def != NULL && f->type == FIELD_STRING)
				FUZZ_ASSERT(fv[i].s != NULL &&
				    strcmp(fv[i].s, f->def) == 0);
			continue;
		}
		if (j == NULL || json_object_is_type(j, json_type_null)) {
			FUZZ_ASSERT(fv[i].null && (f->flags & FIELD_NULLABLE));
			continue;
		}
		FUZZ_ASSERT(!fv[i].null);
		check_value(f, j, &fv[i]);
		if (f->type != FIELD_ARRAY || f->item == NULL)
			continue;
		FUZZ_ASSERT(fv[i].items != NULL);
		for (k = 0; k < json_object_array_length(j); k++) {
			e = json_object_array_get_idx(j, k);
			FUZZ_ASSERT(json_object_is_type(e, json_type_object));
			check_accepted(f->item, e, fv[i].items[k]);
		}
	}
}

static void
check_schema(const struct body_schema *sc, json_object *obj)
{
	struct field_value	 fv[64];
	const char		*field = NULL, *reason = NULL;
	const struct field	*f = NULL;
	json_object		*j = NULL;
	int			 rc;

	FUZZ_ASSERT(sc->nfields < sizeof(fv) / sizeof(fv[0]));
	rc = schema_check(sc, obj, &arena, fv, &field, &reason);
	if (rc != HF_OK) {
		FUZZ_ASSERT(rc == HF_E_REQ_UNKNOWN_FIELD ||
		    rc == HF_E_REQ_FIELD || rc == HF_E_INV_PARAM);
		FUZZ_ASSERT(field != NULL && reason != NULL &&
		    *reason != '\0');
		check_place(sc, obj, field, rc, &f, &j);
		if (f != NULL)
			check_refusal(f, j, rc);
		return;
	}
	FUZZ_ASSERT(field == NULL && reason == NULL);
	check_accepted(sc, obj, fv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object	*obj;
	size_t		 i;

	if (size > 64 * 1024)
		return 0;
	if ((obj = parse_body((const char *)data, size)) == NULL)
		return 0;
	for (i = 0; i < api_nroutes; i++)
		if (api_routes[i].body == ROUTE_BODY_JSON &&
		    api_routes[i].schema != NULL)
			check_schema(api_routes[i].schema, obj);
	json_object_put(obj);
	arena_reset(&arena);
	return 0;
}
