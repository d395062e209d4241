/*
 * fuzz_config.c: the configuration loader (src/core/config.c).
 *
 * The input is a holdfast.conf. It is loaded with config_load() from a
 * memfd (no file left behind) with every HOLDFAST_* variable unset, and
 * compared with a reference reading written here: lines split on '\n',
 * a line of 1023 bytes or more refused, '#' to the end of the line
 * dropped, white space trimmed, "key = value" split on the first '=',
 * each pair applied with config_set() in order, the first failure ends
 * the load. Both must agree on success or failure (and on the failing
 * line), and on every byte of the resulting struct hf_config. A refused
 * secret (db_password, jwt_secret, ...) must never be echoed in the
 * message. Inputs with a NUL byte are only run, not compared: fgets()
 * cannot say where a NUL was.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "holdfast/core.h"
#include "fuzz.h"

/* conf_read_file() reads with char line[1024] */
#define LINE_MAX_BYTES	1022

extern char	**environ;

static int	 conf_fd = -1;
static char	 conf_path[64];

/* every string of struct hf_config: NUL-terminated inside its buffer */
#define S(f)	{ offsetof(struct hf_config, f), \
		    sizeof(((struct hf_config *)0)->f) }
static const struct {
	size_t	off, size;
} strs[] = {
	S(db_host), S(db_socket), S(db_name), S(db_user), S(db_password),
	S(redis_host), S(redis_socket), S(redis_password), S(log_file),
	S(sql_dir), S(jwt_secret), S(jwt_issuer), S(jwt_audience),
	S(smtp_url), S(smtp_from), S(smtp_user), S(smtp_password),
	S(upload_dir), S(upload_url), S(trusted_proxies), S(payment_secret),
	S(metrics_file),
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	**e, name[256];
	size_t	  n;
	int	  again = 1;

	(void)argc;
	(void)argv;
	while (again) {
		again = 0;
		for (e = environ; *e != NULL; e++) {
			if (strncmp(*e, "HOLDFAST_", 9) != 0)
				continue;
			n = strcspn(*e, "=");
			if (n >= sizeof(name))
				continue;
			memcpy(name, *e, n);
			name[n] = '\0';
			unsetenv(name);
			again = 1;
			break;
		}
	}
	conf_fd = memfd_create("holdfast-fuzz.conf", 0);
	FUZZ_ASSERT(conf_fd >= 0);
	snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
	return 0;
}

static char *
trim(char *s)
{
	char	*end;

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* The reference: 0, or the failing line number. */
static int
ref_load(struct hf_config *cfg, char *text, size_t len)
{
	char	 msg[512], *line, *nl, *key, *eq, *value;
	size_t	 ll;
	int	 lineno = 0;

	config_defaults(cfg);
	for (line = text; line < text + len; line = nl + 1) {
		lineno++;
		nl = memchr(line, '\n', (size_t)(text + len - line));
		if (nl == NULL)
			nl = text + len;
		ll = (size_t)(nl - line);
		if (ll > LINE_MAX_BYTES)
			return lineno;
		*nl = '\0';
		if ((key = strchr(line, '#')) != NULL)
			*key = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL)
			return lineno;
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (config_set(cfg, key, value, msg, sizeof(msg)) != 0) {
			FUZZ_ASSERT(memchr(msg, '\0', sizeof(msg)) != NULL);
			/* a secret is refused only when too long: never echo */
			if (config_is_secret(key))
				FUZZ_ASSERT(strlen(value) < 16 ||
				    strstr(msg, value) == NULL);
			return lineno;
		}
	}
	return 0;
}

static void
check_loaded(const struct hf_config *c)
{
	size_t	i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		FUZZ_ASSERT(memchr((const char *)c + strs[i].off, '\0',
		    strs[i].size) != NULL);
	FUZZ_ASSERT(c->mode >= 0 && c->mode < HF_MODE__MAX);
	FUZZ_ASSERT(c->log_level >= 0 && c->log_level < HF_LOG__MAX);
	FUZZ_ASSERT(c->db_port >= 1 && c->db_port <= 65535);
	FUZZ_ASSERT(c->redis_port >= 1 && c->redis_port <= 65535);
	FUZZ_ASSERT(c->max_body_bytes >= 1024 &&
	    c->max_body_bytes <= 64 * 1024 * 1024);
	FUZZ_ASSERT(c->access_token_ttl >= 60);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hf_config	 got, want;
	char			 err[512], at[32], *text;
	int			 rc, bad;

	if (size > 64 * 1024)
		return 0;
	FUZZ_ASSERT(ftruncate(conf_fd, 0) == 0);
	FUZZ_ASSERT(pwrite(conf_fd, data, size, 0) == (ssize_t)size);
	memset(err, 0x55, sizeof(err));
	rc = config_load(&got, conf_path, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == 0)
		check_loaded(&got);
	else
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL &&
		    err[0] != '\0');
	if (memchr(data, '\0', size) != NULL)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	bad = ref_load(&want, text, size);
	free(text);
	if (bad == 0) {
		if (rc != 0)
			fprintf(stderr, "config_load refused: %s\n", err);
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(memcmp(&got, &want, sizeof(got)) == 0);
	} else {
		if (rc == 0)
			fprintf(stderr, "reference refused line %d\n", bad);
		FUZZ_ASSERT(rc == -1);
		snprintf(at, sizeof(at), ":%d: ", bad);
		FUZZ_ASSERT(strstr(err, at) != NULL);
	}
	return 0;
}
