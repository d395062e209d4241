/*
 * jwt.c: access tokens, JWT HS256 signed with OpenSSL's HMAC. The header
 * must say HS256 (a token never picks its own algorithm), the signature is
 * compared in constant time, exp is required, iss and aud must match.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/core.h"

#define JWT_MAX		2048
#define JWT_SIG_B64	43	/* 32 bytes, unpadded base64url */

static const char jwt_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/*
 * Writes a signed token into out. Returns 0, or -1 when out is too small
 * or signing fails.
 */
int
jwt_sign(char *out, size_t outlen, const char *key, const char *iss,
    const char *aud, uint64_t sub, enum hf_role role, int64_t iat,
    int64_t exp)
{
	json_object	*payload;
	const char	*ps;
	unsigned char	 mac[32];
	char		 sub_s[24];
	size_t		 n, m;

	snprintf(sub_s, sizeof(sub_s), "%llu", (unsigned long long)sub);
	if ((payload = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(payload, "iss", json_object_new_string(iss));
	json_object_object_add(payload, "aud", json_object_new_string(aud));
	json_object_object_add(payload, "sub", json_object_new_string(sub_s));
	json_object_object_add(payload, "role",
	    json_object_new_string(hf_role_name(role)));
	json_object_object_add(payload, "iat", json_object_new_int64(iat));
	json_object_object_add(payload, "exp", json_object_new_int64(exp));
	ps = json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN);
	n = hf_b64url_encode(out, outlen, (const unsigned char *)jwt_header,
	    sizeof(jwt_header) - 1);
	if (n == 0 || n + 1 >= outlen)
		goto fail;
	out[n++] = '.';
	m = hf_b64url_encode(out + n, outlen - n, (const unsigned char *)ps,
	    strlen(ps));
	if (m == 0)
		goto fail;
	n += m;
	if (hf_hmac_sha256(mac, key, strlen(key), out, n) != 0 ||
	    n + 1 + JWT_SIG_B64 + 1 > outlen)
		goto fail;
	out[n++] = '.';
	hf_b64url_encode(out + n, outlen - n, mac, sizeof(mac));
	json_object_put(payload);
	return 0;
fail:
	json_object_put(payload);
	return -1;
}

static json_object *
jwt_part(const char *s, size_t len)
{
	unsigned char	buf[JWT_MAX];
	size_t		n;

	if (hf_b64url_decode(buf, sizeof(buf) - 1, s, len, &n) != 0)
		return NULL;
	buf[n] = '\0';
	if (strlen((char *)buf) != n)
		return NULL;
	return json_tokener_parse((char *)buf);
}

static int
jwt_str_eq(json_object *o, const char *key, const char *want)
{
	json_object	*v;

	return json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), want) == 0;
}

static int
jwt_aud_ok(json_object *o, const char *aud)
{
	json_object	*v;
	size_t		 i;

	if (!json_object_object_get_ex(o, "aud", &v))
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), aud) == 0;
	if (!json_object_is_type(v, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(v); i++) {
		json_object	*e = json_object_array_get_idx(v, i);

		if (json_object_is_type(e, json_type_string) &&
		    strcmp(json_object_get_string(e), aud) == 0)
			return 1;
	}
	return 0;
}

/*
 * Checks a token and fills claims. Returns HF_OK, HF_E_AUTH_EXPIRED for a
 * good token past exp + leeway, or HF_E_AUTH_INVALID for anything else.
 */
int
jwt_verify(const char *token, const char *key, const char *iss,
    const char *aud, int64_t now, int leeway, struct jwt_claims *c)
{
	const char	*d1, *d2, *sig;
	unsigned char	 want[32], got[64];
	json_object	*hdr = NULL, *pl = NULL, *v;
	size_t		 glen, len = strlen(token);
	long long	 sub;
	int		 rc = HF_E_AUTH_INVALID, role;

	memset(c, 0, sizeof(*c));
	if (len == 0 || len >= JWT_MAX || key[0] == '\0')
		return HF_E_AUTH_INVALID;
	if ((d1 = strchr(token, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return HF_E_AUTH_INVALID;
	sig = d2 + 1;
	if (hf_b64url_decode(got, sizeof(got), sig, strlen(sig), &glen) != 0 ||
	    glen != sizeof(want))
		return HF_E_AUTH_INVALID;
	if (hf_hmac_sha256(want, key, strlen(key), token,
	    (size_t)(d2 - token)) != 0 || !hf_ct_equal(want, got, sizeof(want)))
		return HF_E_AUTH_INVALID;
	/* signed by us; still check the header says what we sign with */
	if ((hdr = jwt_part(token, (size_t)(d1 - token))) == NULL ||
	    !jwt_str_eq(hdr, "alg", "HS256"))
		goto done;
	if ((pl = jwt_part(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL ||
	    !json_object_is_type(pl, json_type_object))
		goto done;
	if (!jwt_str_eq(pl, "iss", iss) || !jwt_aud_ok(pl, aud))
		goto done;
	if (!json_object_object_get_ex(pl, "exp", &v) ||
	    !json_object_is_type(v, json_type_int))
		goto done;
	c->exp = json_object_get_int64(v);
	if (!json_object_object_get_ex(pl, "sub", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    hf_parse_ll(json_object_get_string(v), 1, INT64_MAX, &sub) != 0)
		goto done;
	c->sub = (uint64_t)sub;
	if (!json_object_object_get_ex(pl, "role", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (role = hf_role_parse(json_object_get_string(v))) <= ROLE_GUEST)
		goto done;
	c->role = (enum hf_role)role;
	if (json_object_object_get_ex(pl, "nbf", &v) &&
	    json_object_get_int64(v) > now + leeway)
		goto done;
	/* now - leeway, not exp + leeway: exp is the token's, up to
	 * INT64_MAX, and the sum would overflow (found by fuzz_jwt) */
	rc = now - leeway > c->exp ? HF_E_AUTH_EXPIRED : HF_OK;
done:
	json_object_put(hdr);
	json_object_put(pl);
	return rc;
}
