/*
 * json_check.c: checks of a JSON body as text and as a tree, before any
 * field table is applied (that is validate.c): escapes json-c would hide
 * once parsed (an escaped NUL, an unpaired surrogate), raw control
 * characters in string literals, and, after parsing, every string and
 * key at any depth well-formed UTF-8 without NUL, keys of bounded length.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/http.h"

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
 * What json-c, even strict, takes that RFC 8259 does not, found in one
 * pass over the JSON text s[0..len): a raw control character inside a
 * string literal (U+0000..U+001F must be escaped; json-c takes a raw tab
 * or newline), or a single quote outside every string literal (json-c
 * takes {'key': false} as {"key": false}; issue 14: a body of one boolean
 * field showed it). Returns why (the control character first, wherever
 * it stands), or NULL.
 */
const char *
http_json_lexical(const char *s, size_t len)
{
	size_t	i;
	int	in_str = 0, quote = 0;

	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (!in_str) {
			if (c == '"')
				in_str = 1;
			else if (c == '\'')
				quote = 1;
		} else if (c == '\\')
			i++;
		else if (c == '"')
			in_str = 0;
		else if (c < 0x20)
			return "malformed JSON: a control character inside a "
			    "string must be escaped";
	}
	return quote ? "malformed JSON: a string takes double quotes, not "
	    "single" : NULL;
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
