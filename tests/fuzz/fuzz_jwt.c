/*
 * fuzz_jwt.c: access tokens (src/core/jwt.c) and base64url (crypto.c).
 *
 * The first input byte picks a mode, the rest is its material:
 *  0  a token as a client sends it. Whatever jwt_verify() accepts must
 *     carry exactly the signature this harness computes with OpenSSL
 *     for its first two parts (no forgery, no second spelling of a
 *     signature). The bytes also go through hf_b64url_decode(): what it
 *     accepts must encode back to the same text, and any bytes must
 *     survive hf_b64url_encode() then decode.
 *  1  "header\npayload": JSON texts that the harness encodes and signs
 *     with the server's key, so the checks after the signature (the
 *     header's alg, the claims, exp and nbf) are reached. jwt_verify()
 *     must answer what a reference verifier written here answers, with
 *     the same claims.
 *  2  sub, role, iat, exp as raw numbers: jwt_sign() then jwt_verify()
 *     must give the claims back, or refuse exactly a sub of 0 or past
 *     INT64_MAX and the guest role.
 */
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "holdfast/core.h"
#include "fuzz.h"

#define KEY	"fuzz-key-do-not-use-0123456789abcdef"
#define ISS	"holdfast"
#define AUD	"holdfast-api"
#define NOW	1700000000LL
#define LEEWAY	30
#define TOKMAX	4096

static const char b64u[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Unpadded base64url, written independently of crypto.c. */
static size_t
enc(char *out, const unsigned char *in, size_t n)
{
	size_t		i, o = 0;
	unsigned	bits = 0, acc = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8 | in[i]) & 0xffff;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64u[acc >> bits & 63];
		}
	}
	if (bits > 0)
		out[o++] = b64u[acc << (6 - bits) & 63];
	out[o] = '\0';
	return o;
}

static void
sign(char *out, const char *data, size_t n)
{
	unsigned char	mac[EVP_MAX_MD_SIZE];
	unsigned int	maclen = 0;

	FUZZ_ASSERT(HMAC(EVP_sha256(), KEY, (int)strlen(KEY),
	    (const unsigned char *)data, n, mac, &maclen) != NULL);
	FUZZ_ASSERT(maclen == 32);
	enc(out, mac, maclen);
}

static void
mode_token(const char *tok, const uint8_t *raw, size_t rawlen)
{
	static unsigned char	 dec[TOKMAX];
	static char		 back[2 * TOKMAX], want[64];
	struct jwt_claims	 c;
	const char		*d1, *d2;
	size_t			 n, len = strlen(tok);
	int			 rc;

	rc = jwt_verify(tok, KEY, ISS, AUD, NOW, LEEWAY, &c);
	FUZZ_ASSERT(rc == HF_OK || rc == HF_E_AUTH_EXPIRED ||
	    rc == HF_E_AUTH_INVALID);
	if (rc != HF_E_AUTH_INVALID) {
		FUZZ_ASSERT((d1 = strchr(tok, '.')) != NULL);
		FUZZ_ASSERT((d2 = strchr(d1 + 1, '.')) != NULL);
		sign(want, tok, (size_t)(d2 - tok));
		FUZZ_ASSERT(strcmp(d2 + 1, want) == 0);
		FUZZ_ASSERT(c.sub >= 1 && c.role > ROLE_GUEST &&
		    c.role < ROLE__MAX);
	}
	/* base64url: canonical, and a round trip */
	if (hf_b64url_decode(dec, sizeof(dec), tok, len, &n) == 0) {
		enc(back, dec, n);
		FUZZ_ASSERT(strcmp(back, tok) == 0);
	}
	if (rawlen <= sizeof(dec) && rawlen > 0) {
		n = hf_b64url_encode(back, sizeof(back), raw, rawlen);
		FUZZ_ASSERT(n > 0 && strlen(back) == n);
		FUZZ_ASSERT(hf_b64url_decode(dec, sizeof(dec), back, n,
		    &len) == 0);
		FUZZ_ASSERT(len == rawlen && memcmp(dec, raw, rawlen) == 0);
	}
}

static int
str_is(json_object *o, const char *key, const char *want)
{
	json_object	*v;

	return json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), want) == 0;
}

/*
 * The reference verifier for a token whose signature is good: what the
 * contract (design.md, jwt.c's header) says, in another order.
 */
static int
ref_verify(const char *hdr, size_t hlen, const char *pl, size_t plen,
    struct jwt_claims *c)
{
	json_object	*h = NULL, *p = NULL, *v, *e;
	long long	 sub;
	int		 rc = HF_E_AUTH_INVALID, ok = 0, role;
	size_t		 i;

	memset(c, 0, sizeof(*c));
	if (strlen(hdr) != hlen || strlen(pl) != plen)
		return rc;
	h = json_tokener_parse(hdr);
	p = json_tokener_parse(pl);
	if (h == NULL || !str_is(h, "alg", "HS256") || p == NULL ||
	    !json_object_is_type(p, json_type_object) ||
	    !str_is(p, "iss", ISS))
		goto done;
	if (!json_object_object_get_ex(p, "aud", &v))
		goto done;
	if (json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v); i++) {
			e = json_object_array_get_idx(v, i);
			if (json_object_is_type(e, json_type_string) &&
			    strcmp(json_object_get_string(e), AUD) == 0)
				ok = 1;
		}
	} else
		ok = str_is(p, "aud", AUD);
	if (!ok)
		goto done;
	if (!json_object_object_get_ex(p, "exp", &v) ||
	    !json_object_is_type(v, json_type_int))
		goto done;
	c->exp = json_object_get_int64(v);
	if (!json_object_object_get_ex(p, "sub", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    hf_parse_ll(json_object_get_string(v), 1, INT64_MAX, &sub) != 0)
		goto done;
	c->sub = (uint64_t)sub;
	if (!json_object_object_get_ex(p, "role", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (role = hf_role_parse(json_object_get_string(v))) < ROLE_USER)
		goto done;
	c->role = (enum hf_role)role;
	if (json_object_object_get_ex(p, "nbf", &v) &&
	    (__int128)json_object_get_int64(v) > (__int128)NOW + LEEWAY)
		goto done;
	/* expired: now past exp + leeway, in 128 bits (no overflow) */
	rc = (__int128)NOW > (__int128)c->exp + LEEWAY ? HF_E_AUTH_EXPIRED :
	    HF_OK;
done:
	json_object_put(h);
	json_object_put(p);
	return rc;
}

static void
mode_signed(const char *in, size_t len)
{
	static char		 tok[TOKMAX * 2];
	struct jwt_claims	 c, rc_c;
	const char		*nl = memchr(in, '\n', len);
	size_t			 hlen, plen, n;
	int			 rc, want;

	if (nl == NULL)
		return;
	hlen = (size_t)(nl - in);
	plen = len - hlen - 1;
	if (hlen == 0 || plen == 0 || (hlen + plen) * 4 / 3 + 50 >= 2048)
		return;
	n = enc(tok, (const unsigned char *)in, hlen);
	tok[n++] = '.';
	n += enc(tok + n, (const unsigned char *)nl + 1, plen);
	sign(tok + n + 1, tok, n);
	tok[n] = '.';
	rc = jwt_verify(tok, KEY, ISS, AUD, NOW, LEEWAY, &c);
	{
		/* NUL-terminated copies for the reference */
		char	*h = strndup(in, hlen), *p = strndup(nl + 1, plen);

		FUZZ_ASSERT(h != NULL && p != NULL);
		/* strndup stops at a NUL: the lengths tell */
		want = ref_verify(h, hlen, p, plen, &rc_c);
		free(h);
		free(p);
	}
	if (rc != want)
		fprintf(stderr, "jwt_verify %d, reference %d\n", rc, want);
	FUZZ_ASSERT(rc == want);
	if (rc != HF_E_AUTH_INVALID) {
		FUZZ_ASSERT(c.sub == rc_c.sub);
		FUZZ_ASSERT(c.role == rc_c.role);
		FUZZ_ASSERT(c.exp == rc_c.exp);
	}
}

static void
mode_roundtrip(const uint8_t *d, size_t n)
{
	static char		 tok[TOKMAX];
	struct jwt_claims	 c;
	uint64_t		 sub;
	int64_t			 iat, exp;
	enum hf_role		 role;
	int			 rc, want;

	if (n < 25)
		return;
	memcpy(&sub, d, 8);
	memcpy(&iat, d + 8, 8);
	memcpy(&exp, d + 16, 8);
	role = (enum hf_role)(d[24] % ROLE__MAX);
	if (d[24] & 0x80)	/* half the time: a time near NOW */
		exp = NOW + (int64_t)(int8_t)d[23] * 8;
	FUZZ_ASSERT(jwt_sign(tok, sizeof(tok), KEY, ISS, AUD, sub, role, iat,
	    exp) == 0);
	rc = jwt_verify(tok, KEY, ISS, AUD, NOW, LEEWAY, &c);
	if (sub == 0 || sub > (uint64_t)INT64_MAX || role == ROLE_GUEST)
		want = HF_E_AUTH_INVALID;
	else if ((__int128)NOW > (__int128)exp + LEEWAY)
		want = HF_E_AUTH_EXPIRED;
	else
		want = HF_OK;
	FUZZ_ASSERT(rc == want);
	if (rc != HF_E_AUTH_INVALID)
		FUZZ_ASSERT(c.sub == sub && c.role == role && c.exp == exp);
	/* a token never verifies under another key */
	FUZZ_ASSERT(jwt_verify(tok, KEY "x", ISS, AUD, NOW, LEEWAY, &c) ==
	    HF_E_AUTH_INVALID);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size < 1 || size > TOKMAX)
		return 0;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		mode_token(s, data + 1, size - 1);
		break;
	case 1:
		mode_signed(s, size - 1);
		break;
	default:
		mode_roundtrip(data + 1, size - 1);
		break;
	}
	free(s);
	return 0;
}
