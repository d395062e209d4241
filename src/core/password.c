/*
 * password.c: bcrypt ($2b$) through libcrypt's crypt_r and crypt_gensalt_rn.
 * Lengths are checked by the caller (8 to 72 bytes): bcrypt ignores bytes
 * past 72, so longer passwords are refused rather than silently cut.
 */
#include <crypt.h>
#include <string.h>

#include "holdfast/core.h"

#define PASSWORD_COST	10

/* Workers are single-threaded; crypt_data is large, so one per process. */
static struct crypt_data	password_cd;

/* Writes a bcrypt hash of pw to out. Returns 0 or -1. */
int
password_hash(const char *pw, char out[HF_PASSWORD_HASH_MAX])
{
	char		 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char	*h;

	if (crypt_gensalt_rn("$2b$", PASSWORD_COST, NULL, 0, salt,
	    sizeof(salt)) == NULL)
		return -1;
	memset(&password_cd, 0, sizeof(password_cd));
	h = crypt_r(pw, salt, &password_cd);
	if (h == NULL || h[0] == '*' || strlen(h) >= HF_PASSWORD_HASH_MAX)
		return -1;
	memcpy(out, h, strlen(h) + 1);
	return 0;
}

/* 1 when pw matches hash, 0 otherwise (also for a malformed hash). */
int
password_verify(const char *pw, const char *hash)
{
	const char	*h;
	size_t		 n = strlen(hash);

	memset(&password_cd, 0, sizeof(password_cd));
	h = crypt_r(pw, hash, &password_cd);
	if (h == NULL || h[0] == '*' || strlen(h) != n)
		return 0;
	return hf_ct_equal(h, hash, n);
}
