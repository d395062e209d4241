/*
 * config.c: holdfast.conf and its HOLDFAST_<KEY> environment overrides.
 * One table describes every key: its type, default, range and whether it
 * is a secret. Errors name the key and say why; secrets are never echoed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "holdfast/core.h"

#ifndef HF_SQL_DIR
#define HF_SQL_DIR "/usr/local/share/holdfast/sql"
#endif

#define HF_CONF_DEFAULT "/etc/holdfast/holdfast.conf"
#define HF_CONF_DEPTH	4	/* files an "include" chain may hold */

enum conf_type {
	CONF_STR,
	CONF_INT,
	CONF_ENUM,
	CONF__MAX
};

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;
	size_t		 size;		/* CONF_STR: buffer size */
	const char	*def;
	long long	 min, max;	/* CONF_INT */
	const char *const *values;	/* CONF_ENUM: NULL-terminated */
	int		 secret;
};

static const char *const conf_modes[] = { "production", "development", NULL };
static const char *const conf_levels[] = { "debug", "info", "warn", "error",
    NULL };
/* indexed by enum hf_private_targets */
static const char *const conf_private[] = { "no", "loopback", "yes", NULL };
static const char *const conf_onoff[] = { "off", "on", NULL };

#define STR(k, d, s) { #k, CONF_STR, offsetof(struct hf_config, k), \
	sizeof(((struct hf_config *)0)->k), (d), 0, 0, NULL, (s) }
#define INT(k, d, lo, hi) { #k, CONF_INT, offsetof(struct hf_config, k), \
	0, (d), (lo), (hi), NULL, 0 }
#define ENUM(k, d, v) { #k, CONF_ENUM, offsetof(struct hf_config, k), \
	0, (d), 0, 0, (v), 0 }

static const struct conf_key conf_keys[] = {
	ENUM(mode, "production", conf_modes),
	STR(db_host, "localhost", 0),
	INT(db_port, "3306", 1, 65535),
	STR(db_socket, "", 0),
	STR(db_name, "holdfast", 0),
	STR(db_user, "holdfast", 0),
	STR(db_password, "", 1),
	INT(db_connect_timeout, "2", 1, 60),
	INT(db_deadlock_retries, "3", 0, 20),
	STR(redis_host, "127.0.0.1", 0),
	INT(redis_port, "6379", 1, 65535),
	STR(redis_socket, "", 0),
	STR(redis_password, "", 1),
	INT(redis_connect_timeout_ms, "200", 1, 10000),
	INT(redis_timeout_ms, "200", 1, 10000),
	INT(redis_backoff_ms, "2000", 0, 600000),
	STR(log_file, "", 0),
	ENUM(log_level, "info", conf_levels),
	INT(max_body_bytes, "1048576", 1024, 64 * 1024 * 1024),
	STR(sql_dir, HF_SQL_DIR, 0),
	STR(jwt_secret, "", 1),
	STR(jwt_issuer, "holdfast", 0),
	STR(jwt_audience, "holdfast-api", 0),
	INT(access_token_ttl, "900", 60, 86400),
	INT(refresh_token_ttl, "1209600", 300, 31536000),
	STR(smtp_url, "smtp://127.0.0.1:25", 0),
	STR(smtp_from, "holdfast@localhost", 0),
	STR(smtp_user, "", 0),
	STR(smtp_password, "", 1),
	INT(smtp_timeout_ms, "2000", 100, 60000),
	INT(notify_max_attempts, "8", 1, 100),
	STR(upload_dir, "/var/lib/holdfast/uploads", 0),
	STR(upload_url, "/uploads", 0),
	INT(rate_login_max, "10", 1, 1000000),
	INT(rate_login_ip_max, "100", 1, 1000000),
	INT(rate_auth_window, "900", 1, 86400),
	INT(rate_signup_max, "20", 1, 1000000),
	INT(rate_general_max, "600", 1, 10000000),
	INT(rate_general_window, "60", 1, 86400),
	STR(trusted_proxies, "", 0),
	/* orders, payments, webhooks (issue 6, shop) */
	INT(order_ttl, "900", 1, 86400),
	STR(currency, "EUR", 0),
	/* points (issue 15) */
	INT(points_per_unit, "100", 1, 1000000),
	INT(points_earn_rate, "1", 0, 1000),
	INT(points_checkin, "10", 0, 1000000),
	INT(points_expire_days, "365", 0, 36500),
	INT(points_max_percent, "50", 0, 100),
	STR(payment_secret, "", 1),
	INT(webhook_timeout_ms, "3000", 100, 60000),
	STR(metrics_file, "/run/holdfast/metrics", 0),
	/* loans, holds, notices (issue 6, library) */
	INT(loan_period_days, "21", 1, 3650),
	INT(loan_limit, "5", 1, 100000),
	INT(loan_max_renewals, "2", 0, 1000),
	INT(hold_pickup_days, "3", 1, 365),
	INT(reminder_days_before, "2", 0, 365),
	INT(overdue_notice_interval_hours, "24", 1, 8760),
	/* hostile input (issue 10) */
	ENUM(webhook_allow_private, "no", conf_private),
	INT(rate_login_email_max, "100", 1, 1000000),
	/* discussion (issue 14, item 2) */
	INT(comment_max_chars, "2000", 1, 16000),
	INT(comment_max_depth, "100", 1, 100),
	INT(comment_rate_max, "10", 1, 1000000),
	INT(comment_rate_window, "60", 1, 86400),
	/* the per-worker cache (issue 13): 0 entries turns it off */
	INT(local_cache_entries, "1024", 0, 1000000),
	INT(local_cache_bytes, "8388608", 4096, 1073741824),
	/* the lending rules a desk expects (issue 14, item 6) */
	INT(loan_block_overdue_days, "0", 0, 3650),
	/* the catalog assistant (issue 14, item 5) */
	STR(assistant_url, "", 0),
	STR(assistant_model, "", 0),
	STR(assistant_key, "", 1),
	INT(assistant_connect_timeout_ms, "2000", 50, 30000),
	INT(assistant_timeout_ms, "30000", 200, 55000),
	INT(assistant_retry_after_max_s, "5", 0, 30),
	INT(assistant_daily_quota, "50", 1, 100000),
	INT(assistant_titles_max, "5", 1, 20),
	/* reading history (issue 14, item 3): views kept per reader */
	INT(history_max_items, "200", 0, 10000),
	INT(history_days, "90", 1, 3650),
	/* replica reads (issue 16, item 3: README "Scale-out: replicas") */
	STR(db_replica_host, "", 0),
	INT(db_replica_port, "3306", 1, 65535),
	STR(db_replica_socket, "", 0),
	ENUM(db_replica_reads, "off", conf_onoff),
	INT(db_replica_wait_ms, "250", 0, 10000),
	/* scale-out (issue 16, item 2): this host's name on /metrics, and
	 * how often a worker reads the shared generation of lost cache
	 * invalidations (0: never) */
	STR(host_name, "", 0),
	INT(cache_lost_poll_ms, "1000", 0, 600000),
};

#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static const struct conf_key *
conf_find(const char *name)
{
	size_t	i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

int
config_is_secret(const char *key)
{
	const struct conf_key	*k = conf_find(key);

	return k != NULL && k->secret;
}

static int
conf_apply(struct hf_config *cfg, const struct conf_key *k, const char *v,
    char *err, size_t errlen)
{
	char		*field = (char *)cfg + k->off;
	long long	 n;
	size_t		 i;
	int		 d;

	switch (k->type) {
	case CONF_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen, "%s: value longer than %zu bytes",
			    k->name, k->size - 1);
			return -1;
		}
		/* the currency is checked where it is read, with its line */
		if (strcmp(k->name, "currency") == 0 &&
		    (d = hf_currency_digits(v)) < 0) {
			snprintf(err, errlen, "currency: %s", d == -3 ? "a "
			    "minor unit of 3 or 4 digits is not supported "
			    "(money is DECIMAL(12,2))" : "not an active ISO 4217 "
			    "code (three capitals, e.g. EUR)");
			return -1;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case CONF_INT:
		if (hf_parse_ll(v, k->min, k->max, &n) != 0) {
			snprintf(err, errlen,
			    "%s: expected a whole number from %lld to %lld",
			    k->name, k->min, k->max);
			return -1;
		}
		*(int *)field = (int)n;
		return 0;
	case CONF_ENUM:
		for (i = 0; k->values[i] != NULL; i++)
			if (strcmp(k->values[i], v) == 0) {
				*(int *)field = (int)i;
				return 0;
			}
		snprintf(err, errlen, "%s: expected one of", k->name);
		for (i = 0; k->values[i] != NULL; i++) {
			size_t	len = strlen(err);

			snprintf(err + len, errlen - len, "%s %s",
			    i > 0 ? "," : "", k->values[i]);
		}
		return -1;
	default:
		break;
	}
	snprintf(err, errlen, "%s: unsupported key type", k->name);
	return -1;
}

/* Sets one key by name. Returns 0, or -1 with a message in err. */
int
config_set(struct hf_config *cfg, const char *key, const char *value,
    char *err, size_t errlen)
{
	const struct conf_key	*k;

	if ((k = conf_find(key)) == NULL) {
		snprintf(err, errlen, "%s: unknown key", key);
		return -1;
	}
	return conf_apply(cfg, k, value, err, errlen);
}

void
config_defaults(struct hf_config *cfg)
{
	char	err[256];
	size_t	i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < CONF_NKEYS; i++)
		conf_apply(cfg, &conf_keys[i], conf_keys[i].def, err,
		    sizeof(err));
}

const char *
config_path(void)
{
	const char	*p = getenv("HOLDFAST_CONF");

	return p != NULL && *p != '\0' ? p : HF_CONF_DEFAULT;
}

static char *
conf_trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/*
 * Reads one file. "include = /abs/path" reads that file at this point
 * (Debian's package keeps the generated secrets apart from the conffile
 * that way); a later line wins over an earlier one, in any file.
 */
static int
conf_read_file(struct hf_config *cfg, const char *path, int depth, char *err,
    size_t errlen)
{
	FILE		*fp;
	char		 line[1024], msg[384], *key, *value, *eq, *hash;
	struct stat	 st;
	int		 lineno = 0, rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* an include names a file: a directory or a device reads as empty
	 * (the main file may be a pipe: holdfast-admin -c <(...)) */
	if (depth > 0 && (fstat(fileno(fp), &st) != 0 ||
	    !S_ISREG(st.st_mode))) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(fp);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s:%d: line too long", path,
			    lineno);
			rc = -1;
			break;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		key = conf_trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected key = value",
			    path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = conf_trim(key);
		value = conf_trim(eq + 1);
		if (strcmp(key, "include") == 0) {
			if (*value != '/' || depth + 1 >= HF_CONF_DEPTH) {
				snprintf(err, errlen, "%s:%d: include: %s",
				    path, lineno, *value != '/' ? "expected an "
				    "absolute path" : "nested too deep");
				rc = -1;
				break;
			}
			/* an included file's error names the line that
			 * included it too */
			if ((rc = conf_read_file(cfg, value, depth + 1, msg,
			    sizeof(msg))) != 0) {
				snprintf(err, errlen, "%s:%d: include %s", path,
				    lineno, msg);
				break;
			}
			continue;
		}
		if (config_set(cfg, key, value, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -1;
			break;
		}
	}
	fclose(fp);
	return rc;
}

static int
conf_read_env(struct hf_config *cfg, char *err, size_t errlen)
{
	char		 var[96], msg[384];
	const char	*v;
	size_t		 i, j;

	for (i = 0; i < CONF_NKEYS; i++) {
		snprintf(var, sizeof(var), "HOLDFAST_%s", conf_keys[i].name);
		for (j = 9; var[j] != '\0'; j++)
			var[j] = (char)toupper((unsigned char)var[j]);
		if ((v = getenv(var)) == NULL)
			continue;
		if (conf_apply(cfg, &conf_keys[i], v, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "environment %s: %s", var, msg);
			return -1;
		}
	}
	return 0;
}

/*
 * Loads defaults, then the file (when path is not NULL; a missing file is
 * an error), then the environment. Returns 0, or -1 with err naming the
 * key and the reason.
 */
int
config_load(struct hf_config *cfg, const char *path, char *err, size_t errlen)
{
	config_defaults(cfg);
	if (path != NULL && conf_read_file(cfg, path, 0, err, errlen) != 0)
		return -1;
	if (conf_read_env(cfg, err, errlen) != 0)
		return -1;
	hf_currency_set(cfg->currency);	/* checked as it was read */
	return 0;
}
