/*
 * crypto.c: SHA-256, HMAC-SHA256 and base64 over OpenSSL, and the
 * role names every layer shares.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "holdfast/core.h"

static const char *const hf_role_names[ROLE__MAX] = {
	"guest", "user", "business", "admin"
};

const char *
hf_role_name(enum hf_role r)
{
	return (unsigned)r < ROLE__MAX ? hf_role_names[r] : "guest";
}

int
hf_role_parse(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < ROLE__MAX; i++)
		if (strcmp(hf_role_names[i], s) == 0)
			return i;
	return -1;
}

void
principal_guest(struct principal *p)
{
	memset(p, 0, sizeof(*p));
	p->role = ROLE_GUEST;
	snprintf(p->actor, sizeof(p->actor), "guest");
}

void
hf_sha256_hex(char out[HF_SHA256_HEX], const void *data, size_t len)
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	hf_hex(out, md, sizeof(md));
}

int
hf_hmac_sha256(unsigned char out[32], const void *key, size_t klen,
    const void *data, size_t len)
{
	unsigned int	n = 0;

	if (HMAC(EVP_sha256(), key, (int)klen, data, len, out, &n) == NULL ||
	    n != 32)
		return -1;
	return 0;
}

/* n random bytes as 2n hex digits plus NUL. Returns 0 or -1. */
int
hf_random_hex(char *out, size_t n)
{
	unsigned char	buf[64];

	if (n > sizeof(buf) || hf_random(buf, n) != 0)
		return -1;
	hf_hex(out, buf, n);
	return 0;
}

static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * The one base64 encoder: in with the alphabet tbl, "=" padding when pad.
 * Returns the length written (NUL added), 0 if out is too short.
 */
static size_t
b64_encode(const char *tbl, int pad, char *out, size_t outlen,
    const unsigned char *in, size_t len)
{
	size_t		i, o = 0;
	uint32_t	v;

	if (outlen < (len + 2) / 3 * 4 + 1)
		return 0;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = tbl[v >> 18 & 63];
		out[o++] = tbl[v >> 12 & 63];
		out[o++] = tbl[v >> 6 & 63];
		out[o++] = tbl[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = tbl[v >> 18 & 63];
		out[o++] = tbl[v >> 12 & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = tbl[v >> 18 & 63];
		out[o++] = tbl[v >> 12 & 63];
		out[o++] = tbl[v >> 6 & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* Padded base64 (MIME, RFC 2047 "B" words). As b64_encode. */
size_t
hf_b64_encode(char *out, size_t outlen, const unsigned char *in, size_t len)
{
	return b64_encode(b64std, 1, out, outlen, in, len);
}

/* Unpadded base64url. Returns the length written (NUL added), 0 if short. */
size_t
hf_b64url_encode(char *out, size_t outlen, const unsigned char *in,
    size_t len)
{
	return b64_encode(b64url, 0, out, outlen, in, len);
}

static int
b64url_val(int c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64url, c)) == NULL)
		return -1;
	return (int)(p - b64url);
}

/*
 * Decodes unpadded base64url. Returns 0 with *decoded set, or -1 for a
 * bad character, an impossible length or too small an output.
 */
int
hf_b64url_decode(unsigned char *out, size_t outlen, const char *in,
    size_t len, size_t *decoded)
{
	size_t		i, o = 0;
	uint32_t	v = 0;
	int		bits = 0, d;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((d = b64url_val((unsigned char)in[i])) < 0)
			return -1;
		v = v << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)(v >> bits & 0xff);
		}
	}
	if (bits > 0 && (v & ((1u << bits) - 1)) != 0)
		return -1;	/* non-canonical trailing bits */
	*decoded = o;
	return 0;
}
