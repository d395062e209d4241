/*
 * core.h: arena, errors, configuration, logging, time and small helpers
 * shared by every layer of libholdfast.
 */
#ifndef HOLDFAST_CORE_H
#define HOLDFAST_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Arena: one per request (nginx's pool). Allocations live until
 * arena_reset(); cleanup callbacks release what is not memory (JSON trees,
 * result sets) in reverse order of registration.
 */
struct arena_chunk;
struct arena_cleanup;

struct arena {
	struct arena_chunk	*head;		/* newest chunk first */
	struct arena_cleanup	*cleanups;
	size_t			 total;		/* bytes handed out */
	size_t			 cap;		/* hard cap, 0 = none */
};

void	 arena_init(struct arena *, size_t cap);
void	*arena_alloc(struct arena *, size_t);
void	*arena_calloc(struct arena *, size_t nmemb, size_t size);
char	*arena_strdup(struct arena *, const char *);
char	*arena_strndup(struct arena *, const char *, size_t);
char	*arena_printf(struct arena *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 arena_on_reset(struct arena *, void (*)(void *), void *);
void	 arena_reset(struct arena *);
void	 arena_free(struct arena *);

/*
 * A text that grows with a hard cap (buf.c, curl's dynbuf): in an arena,
 * or on the heap when arena is NULL (hf_buf_free). p is NUL-terminated;
 * after a failed put (past max, 0 = no cap, or out of memory) toobig is
 * set and every later put fails.
 */
struct hf_buf {
	struct arena	*arena;
	char		*p;
	size_t		 len, size, max;
	int		 toobig;
};

void	 hf_buf_init(struct hf_buf *, struct arena *, size_t max);
int	 hf_buf_put(struct hf_buf *, const void *, size_t);
int	 hf_buf_puts(struct hf_buf *, const char *);
int	 hf_buf_printf(struct hf_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 hf_buf_free(struct hf_buf *);

/*
 * A struct's members as a table (nginx's ngx_command_t): the column map of
 * a statement (db.h: DB_SQL_MAP) and the JSON the api renders from the
 * same struct (hf_fields_json) read one table, so that a row's SQL text,
 * its C struct and its JSON cannot drift apart.
 */
enum hf_kind {
	HF_K_STR = 0,		/* const char *; NULL is null */
	HF_K_INT,		/* long long */
	HF_K_U64,		/* uint64_t */
	HF_K_BOOL,		/* int, 0 or 1; JSON true/false */
	HF_K_JSON,		/* const char * JSON text; rendered parsed */
	HF_K_MONEY,		/* const char * money text; rendered in the
				 * currency's digits (hf_money_text) */
	HF_K__MAX
};

#define HF_F_NULL	0x1	/* INT, U64, BOOL: SQL NULL is HF_NULL_INT */
#define HF_F_HIDE	0x2	/* decoded from SQL, never rendered */
#define HF_NULL_INT	INT64_MIN

struct hf_field {
	const char	*name;		/* the SQL column's name and JSON key */
	size_t		 off;		/* offsetof the member */
	enum hf_kind	 kind;
	unsigned	 flags;		/* HF_F_* */
};

#define HF_FIELD(type, member, kind) \
	{ #member, offsetof(type, member), (kind), 0 }
#define HF_FIELDF(type, member, kind, flags) \
	{ #member, offsetof(type, member), (kind), (flags) }
#define HF_FIELD_AS(name, type, member, kind) \
	{ (name), offsetof(type, member), (kind), 0 }
#define HF_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

struct json_object;

/* fields.c */
int	 hf_field_set(const struct hf_field *, void *row, const char *text);
const struct hf_field *hf_field_find(const struct hf_field *, size_t,
	    const char *name);
struct json_object *hf_field_json(const struct hf_field *, const void *row);
struct json_object *hf_fields_json(const struct hf_field *, size_t,
	    const void *row);
struct json_object *hf_fields_json_array(const struct hf_field *, size_t,
	    const void *rows, size_t rowsize, size_t nrows);
char	*hf_fields_text(struct arena *, const struct hf_field *, size_t,
	    const void *row);
int	 hf_fields_parse(struct arena *, const struct hf_field *, size_t,
	    void *row, const char *text);

/*
 * Errors: every failure that can reach a client. One table (errors.c) maps
 * each to its HTTP status, stable code and default message.
 */
enum hf_err {
	HF_OK = 0,
	HF_E_INV_NOT_FOUND,	/* INV_001 404 */
	HF_E_INV_INSUFFICIENT,	/* INV_002 400 */
	HF_E_INV_EXPIRED,	/* INV_003 400 */
	HF_E_INV_CONFLICT,	/* INV_004 409 */
	HF_E_INV_PARAM,		/* INV_005 422 */
	HF_E_DB,		/* INV_006 500 */
	HF_E_INV_NOT_ACTIVE,	/* INV_007 409 */
	HF_E_AUTH_MISSING,	/* AUTH_001 401 */
	HF_E_AUTH_INVALID,	/* AUTH_002 401 */
	HF_E_AUTH_EXPIRED,	/* AUTH_003 401 */
	HF_E_AUTH_CREDENTIALS,	/* AUTH_004 401 */
	HF_E_AUTH_FORBIDDEN,	/* AUTH_005 403 */
	HF_E_AUTH_EMAIL_TAKEN,	/* AUTH_006 409 */
	HF_E_AUTH_CODE,		/* AUTH_007 400 */
	HF_E_AUTH_NOT_ACTIVE,	/* AUTH_008 403 */
	HF_E_REQ_JSON,		/* REQ_001 400 */
	HF_E_REQ_TOO_LARGE,	/* REQ_002 413 */
	HF_E_REQ_MEDIA_TYPE,	/* REQ_003 415 */
	HF_E_REQ_NO_ROUTE,	/* REQ_004 404 */
	HF_E_REQ_METHOD,	/* REQ_005 405 */
	HF_E_REQ_RATE,		/* REQ_006 429 */
	HF_E_REQ_IDEM_MISMATCH,	/* REQ_007 422 */
	HF_E_REQ_IDEM_RUNNING,	/* REQ_008 409 */
	HF_E_REQ_UNKNOWN_FIELD,	/* REQ_009 400 */
	HF_E_REQ_FIELD,		/* REQ_010 422 */
	HF_E_SYS_UNAVAILABLE,	/* SYS_001 503 */
	HF_E_SYS_INTERNAL,	/* SYS_002 500 */
	HF_E_INV_SKU_TAKEN,	/* INV_008 409 */
	HF_E_REQ_BAD,		/* REQ_012 400 */
	HF_E_INV_IN_USE,	/* INV_009 409 */
	HF_E_INV_HOLD,		/* INV_010 409 */
	HF_E_INV_REF_TAKEN,	/* INV_012 409 */
	HF_E_INV_UNAVAILABLE,	/* INV_011 409 */
	/* orders and payments (issue 6, shop) */
	HF_E_ORD_NOT_FOUND,	/* ORD_001 404 */
	HF_E_ORD_NOT_PAYABLE,	/* ORD_002 409 */
	HF_E_ORD_EXPIRED,	/* ORD_003 409 */
	HF_E_ORD_NOT_CANCELLABLE, /* ORD_004 409 */
	HF_E_ORD_NOT_REFUNDABLE, /* ORD_005 409 */
	HF_E_ORD_NOT_FULFILLABLE, /* ORD_006 409 */
	HF_E_PAY_SIGNATURE,	/* PAY_001 401 */
	HF_E_PAY_MISMATCH,	/* PAY_002 422 */
	/* loans and holds (issue 6, library) */
	HF_E_LOAN_LIMIT,	/* LOAN_001 409 */
	HF_E_LOAN_RETURNED,	/* LOAN_002 409 */
	HF_E_LOAN_RENEWALS,	/* LOAN_003 409 */
	HF_E_LOAN_WAITING,	/* LOAN_004 409 */
	HF_E_HOLD_AVAILABLE,	/* HOLD_001 409 */
	HF_E_HOLD_DUPLICATE,	/* HOLD_002 409 */
	HF_E_HOLD_NOT_READY,	/* HOLD_003 409 */
	HF_E_HOLD_ENDED,	/* HOLD_004 409 */
	HF_E_HOLD_PICKUP_PASSED, /* HOLD_005 409 */
	HF_E_HOLD_ON_LOAN,	/* HOLD_006 409 */
	/* locations, transfers, stocktakes (issue 17) */
	HF_E_LOC_NOT_FOUND,	/* LOC_001 404 */
	HF_E_LOC_FROZEN,	/* LOC_002 409 */
	HF_E_LOC_CODE_TAKEN,	/* LOC_003 409 */
	HF_E_LOC_INACTIVE,	/* LOC_004 409 */
	HF_E_LOC_IN_USE,	/* LOC_005 409 */
	HF_E_XFER_STATE,	/* XFER_001 409 */
	HF_E_XFER_QUANTITY,	/* XFER_002 422 */
	HF_E_STK_STATE,		/* STK_001 409 */
	HF_E_STK_OPEN,		/* STK_002 409 */
	HF_E_STK_RESERVED,	/* STK_003 409 */
	/* CSV import (issue 17, item 6) */
	HF_E_IMP_BAD_ROWS,	/* IMP_001 422 */
	HF_E_IMP_PARTIAL,	/* IMP_002 409 */
	/* keyset lists (issue 13) */
	HF_E_REQ_PAGE_DEEP,	/* REQ_013 400 */
	/* discussion (issue 14, item 2) */
	HF_E_CMT_NOT_FOUND,	/* CMT_001 404 */
	HF_E_CMT_PARENT,	/* CMT_002 422 */
	HF_E_CMT_CLOSED,	/* CMT_003 409 */
	HF_E_CMT_DEEP,		/* CMT_004 409 */
	HF_E_CMT_NOT_YOURS,	/* CMT_005 403 */
	HF_E_CMT_NO_READER,	/* CMT_006 403 */
	/* the lending rules a desk expects (issue 14, item 6) */
	HF_E_LOAN_BATCH,	/* LOAN_005 409 */
	HF_E_LOAN_OVERDUE,	/* LOAN_006 409 */
	HF_E_LOAN_VOIDED,	/* LOAN_007 409 */
	/* the catalog assistant (issue 14, item 5) */
	HF_E_AI_DISABLED,	/* AI_001 503 */
	HF_E_AI_QUOTA,		/* AI_002 429 */
	HF_E_AI_UNREACHABLE,	/* AI_003 502 */
	HF_E_AI_TIMEOUT,	/* AI_004 504 */
	HF_E_AI_GARBAGE,	/* AI_005 502 */
	HF_E_AI_BUSY,		/* AI_006 503 */
	HF_E_AI_NOT_FOUND,	/* AI_007 404 */
	/* internal: never sent as such, mapped by the caller or to INV_006 */
	HF_E_DEADLOCK,
	HF_E_LOCK_TIMEOUT,
	HF_E_DUPLICATE,
	HF_E_CHECK,
	HF_E_NOT_FOUND,
	/* points (issue 15, shop) */
	HF_E_PTS_SHORT,		/* PTS_001 409 */
	HF_E_PTS_CHECKED_IN,	/* PTS_002 409 */
	HF_E_PTS_UNUSABLE,	/* PTS_003 422 */
	HF_E_PTS_NO_USER,	/* PTS_004 422 */
	HF_E_PTS_CHECKIN_OFF,	/* PTS_005 409 */
	/* coupons (issue 15, shop) */
	HF_E_CPN_NOT_FOUND,	/* CPN_001 404 */
	HF_E_CPN_NOT_VALID,	/* CPN_002 409 */
	HF_E_CPN_NOT_APPLICABLE,	/* CPN_003 422 */
	HF_E_CPN_MIN_SPEND,	/* CPN_004 422 */
	HF_E_CPN_EXHAUSTED,	/* CPN_005 409 */
	HF_E_CPN_LIMIT,		/* CPN_006 409 */
	HF_E_CPN_TAKEN,		/* CPN_007 409 */
	/* group buys (issue 15, shop) */
	HF_E_GRP_NO_CAMPAIGN,	/* GRP_001 404 */
	HF_E_GRP_NO_GROUP,	/* GRP_002 404 */
	HF_E_GRP_CLOSED,	/* GRP_003 409 */
	HF_E_GRP_FULL,		/* GRP_004 409 */
	HF_E_GRP_LIMIT,		/* GRP_005 409 */
	HF_E_GRP_PENDING,	/* GRP_006 409 */
	HF_E_GRP_NOT_DUE,	/* GRP_007 409 */
	/* delivery and pickup (issue 15 item 5) */
	HF_E_DLV_NO_ADDRESS,	/* DLV_001 404 */
	HF_E_DLV_NO_AREA,	/* DLV_002 404 */
	HF_E_DLV_NO_POINT,	/* DLV_003 404 */
	HF_E_DLV_NO_SLOT,	/* DLV_004 404 */
	HF_E_DLV_SLOT_MISMATCH,	/* DLV_005 422 */
	HF_E_DLV_SLOT_CLOSED,	/* DLV_006 409 */
	HF_E_DLV_SLOT_FULL,	/* DLV_007 409 */
	HF_E_DLV_MIN_ORDER,	/* DLV_008 422 */
	HF_E_DLV_NAME_TAKEN,	/* DLV_009 409 */
	HF_E_DLV_CAPACITY,	/* DLV_010 409 */
	HF_E_DLV_ADDRESSES_MAX,	/* DLV_011 409 */
	/* refunds and returns (issue 15, shop) */
	HF_E_RFD_OVER_PAID,	/* RFD_001 409 */
	HF_E_RFD_OVER_LINE,	/* RFD_002 409 */
	HF_E_RFD_NOT_ON_ORDER,	/* RFD_003 422 */
	HF_E_RFD_NOT_FULFILLED,	/* RFD_004 409 */
	HF_E_RFD_OVER_FULFILLED,	/* RFD_005 409 */
	HF_E_RFD_PAYMENT_NOT_FOUND,	/* RFD_006 404 */
	HF_E__MAX
};

int		 hf_err_status(enum hf_err);
const char	*hf_err_code(enum hf_err);
const char	*hf_err_message(enum hf_err);

/*
 * Configuration: holdfast.conf (key = value) plus HOLDFAST_<KEY>
 * environment overrides. See docs/internals.md for every key.
 */
enum hf_mode {
	HF_MODE_PRODUCTION = 0,
	HF_MODE_DEVELOPMENT,
	HF_MODE__MAX
};

enum hf_log_level {
	HF_LOG_DEBUG = 0,
	HF_LOG_INFO,
	HF_LOG_WARN,
	HF_LOG_ERROR,
	HF_LOG__MAX
};

struct hf_config {
	int	 mode;			/* enum hf_mode */
	char	 db_host[256];
	int	 db_port;
	char	 db_socket[256];
	char	 db_name[64];
	char	 db_user[80];
	char	 db_password[256];
	int	 db_connect_timeout;
	int	 db_deadlock_retries;
	char	 redis_host[256];
	int	 redis_port;
	char	 redis_socket[256];
	char	 redis_password[256];
	int	 redis_connect_timeout_ms;
	int	 redis_timeout_ms;
	int	 redis_backoff_ms;
	char	 log_file[256];
	int	 log_level;		/* enum hf_log_level */
	int	 max_body_bytes;
	char	 sql_dir[256];
	char	 jwt_secret[512];
	char	 jwt_issuer[128];
	char	 jwt_audience[128];
	int	 access_token_ttl;
	int	 refresh_token_ttl;
	char	 smtp_url[256];
	char	 smtp_from[256];
	char	 smtp_user[128];
	char	 smtp_password[256];
	int	 smtp_timeout_ms;
	int	 notify_max_attempts;
	char	 upload_dir[256];
	char	 upload_url[256];
	int	 rate_login_max;
	int	 rate_login_ip_max;
	int	 rate_auth_window;
	int	 rate_signup_max;
	int	 rate_general_max;
	int	 rate_general_window;
	char	 trusted_proxies[512];
	/* orders, payments, webhooks (issue 6, shop) */
	int	 order_ttl;		/* seconds an unpaid order holds */
	char	 currency[4];		/* ISO 4217, checked (currency.c) */
	/* points (issue 15) */
	int	 points_per_unit;	/* points worth one currency unit */
	int	 points_earn_rate;	/* earned per whole unit paid */
	int	 points_checkin;	/* a daily check-in's; 0: off */
	int	 points_expire_days;	/* a lot's life; 0: never */
	int	 points_max_percent;	/* of an order points may pay */
	char	 payment_secret[256];	/* HMAC key of payment callbacks */
	int	 webhook_timeout_ms;
	char	 metrics_file[256];	/* shared counters; empty: none */
	/* loans, holds, notices (issue 6, library) */
	int	 loan_period_days;
	int	 loan_limit;		/* active loans per user */
	int	 loan_max_renewals;
	int	 hold_pickup_days;
	int	 reminder_days_before;	/* 0: no reminders */
	int	 overdue_notice_interval_hours;
	/* hostile input (issue 10) */
	int	 webhook_allow_private;	/* enum hf_private_targets */
	int	 rate_login_email_max;	/* failed logins per address, all */
	/* discussion (issue 14, item 2) */
	int	 comment_max_chars;	/* characters in a body */
	int	 comment_max_depth;	/* levels of replies below the top */
	int	 comment_rate_max;	/* comments per reader per window */
	int	 comment_rate_window;	/* seconds */
	int	 local_cache_entries;	/* per worker; 0: no local cache */
	int	 local_cache_bytes;	/* per worker: keys and texts */
	/* issue 14, item 6: a loan this many days overdue blocks new
	 * loans (LOAN_006); 0: off */
	int	 loan_block_overdue_days;
	/* the catalog assistant (issue 14, item 5) */
	char	 assistant_url[512];	/* empty: the assistant is off */
	char	 assistant_model[128];
	char	 assistant_key[512];	/* secret: the Bearer key */
	int	 assistant_connect_timeout_ms;
	int	 assistant_timeout_ms;	/* the whole call, retry included */
	int	 assistant_retry_after_max_s;
	int	 assistant_daily_quota;	/* questions per reader and UTC day */
	int	 assistant_titles_max;	/* catalog titles sent as context */
	/* reading history (issue 14, item 3) */
	int	 history_max_items;	/* views kept per reader; 0: none */
	int	 history_days;		/* and none older */
	/* issue 16: a replica for catalog reads (db/replica.c) */
	char	 db_replica_host[256];	/* "" and no socket: none */
	int	 db_replica_port;
	char	 db_replica_socket[256];
	int	 db_replica_reads;	/* 0 off, 1 on */
	int	 db_replica_wait_ms;	/* MASTER_GTID_WAIT, then primary */
	/* scale-out (issue 16, item 2) */
	char	 host_name[128];	/* /metrics' host label; "": hostname */
	int	 cache_lost_poll_ms;	/* cache_lost read interval; 0: off */
};

/* Which webhook targets beyond public addresses are allowed. */
enum hf_private_targets {
	HF_PRIVATE_NO,		/* public addresses only */
	HF_PRIVATE_LOOPBACK,	/* and this host (127.0.0.0/8, ::1) */
	HF_PRIVATE_YES,		/* any address */
	HF_PRIVATE__MAX
};

void	 config_defaults(struct hf_config *);
int	 config_set(struct hf_config *, const char *key, const char *value,
	    char *err, size_t errlen);
int	 config_load(struct hf_config *, const char *path, char *err,
	    size_t errlen);
int	 config_is_secret(const char *key);

/* The installation's currency (currency.c). */
int		 hf_currency_digits(const char *);
void		 hf_currency_set(const char *);
int		 hf_currency_minor(void);
const char	*hf_money_text(const char *, char *, size_t);
const char *config_path(void);

/* Logging: one line per event, with the request id when there is one. */
int	 log_open(const char *path, int level);
void	 log_close(void);
int	 log_reopen_signals(void);	/* USR2, HUP: reopen the file */
void	 log_quiet_on_stderr(void);	/* cron: stderr gets warn+ only */
void	 log_msg(int level, const char *rid, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 log_access(const char *method, const char *path, int status,
	    int64_t usec, const char *rid);

#define log_debug(rid, ...)	log_msg(HF_LOG_DEBUG, (rid), __VA_ARGS__)
#define log_info(rid, ...)	log_msg(HF_LOG_INFO, (rid), __VA_ARGS__)
#define log_warn(rid, ...)	log_msg(HF_LOG_WARN, (rid), __VA_ARGS__)
#define log_error(rid, ...)	log_msg(HF_LOG_ERROR, (rid), __VA_ARGS__)

/* Time and small helpers (util.c). */
int64_t	 hf_now_us(void);		/* monotonic microseconds */
int64_t	 hf_now_ms(void);		/* monotonic milliseconds */
int64_t	 hf_unix_time(void);		/* wall clock seconds */
int	 hf_random(void *, size_t);	/* 0 or -1 */
void	 hf_hex(char *out, const unsigned char *, size_t);
int	 hf_hex_value(int);	/* one hex digit's value, or -1 */
int	 hf_parse_ll(const char *, long long min, long long max,
	    long long *out);
int	 hf_ct_equal(const void *, const void *, size_t);
const char *hf_image_type(const void *, size_t);	/* "png", "jpg", ... */

/*
 * Days and times as the API spells them, UTC (day.c): "YYYY-MM-DD", and
 * with HF_TIME_CLOCK also "YYYY-MM-DDTHH:MM:SS[.mmm][Z]"; with
 * HF_TIME_ZONE also a fraction of 1 to 9 digits and a +HH:MM offset.
 */
#define HF_TIME_CLOCK	0x01
#define HF_TIME_ZONE	0x02
int	 hf_time_parse(const char *, size_t len, int flags, int64_t *ms);
long long hf_day_parse(const char *);		/* epoch seconds, or -1 */
int	 hf_month_days(int year, int month);	/* 0 if no such month */

/* SKUs (util.c): the grammar, and the order the database compares them in. */
#define HF_SKU_MAX	64
int	 hf_sku_valid(const char *, size_t);	/* 1 if an SKU */
int	 hf_sku_cmp(const char *, const char *);	/* case folded */
#define HF_SKU_GRAMMAR	"1 to 64 of A-Z a-z 0-9 . _ -, starting with " \
	"a letter or a digit"
/*
 * Strict UTF-8 (utf8.c): what the edge lets in, and a repair for what
 * goes out. U+0000 counts as well-formed; callers that refuse NUL say so.
 */
/* 1 if s[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), 0 if not. */
int hf_utf8_valid(const char *s, size_t len);
size_t	 hf_utf8_repair(char *out, const char *, size_t);	/* 3*len out */
size_t	 hf_utf8_cut(const char *, size_t len, size_t max);

/* Roles and the principal a request acts as (design.md section 4). */
enum hf_role {
	ROLE_GUEST = 0,
	ROLE_USER,
	ROLE_BUSINESS,
	ROLE_ADMIN,
	ROLE__MAX
};

struct principal {
	enum hf_role	 role;
	uint64_t	 user_id;	/* 0 for guests and API keys */
	uint64_t	 key_id;	/* 0 unless an API key */
	char		 actor[48];	/* "user:12", "key:3", "guest" */
};

const char	*hf_role_name(enum hf_role);
int		 hf_role_parse(const char *);	/* -1 if unknown */
void		 principal_guest(struct principal *);

/* Hashes and encodings (crypto.c, OpenSSL). */
#define HF_SHA256_HEX	65
void	 hf_sha256_hex(char out[HF_SHA256_HEX], const void *, size_t);
int	 hf_hmac_sha256(unsigned char out[32], const void *key, size_t klen,
	    const void *, size_t);
size_t	 hf_b64_encode(char *out, size_t outlen, const unsigned char *,
	    size_t);		/* RFC 4648 4, padded */
size_t	 hf_b64url_encode(char *out, size_t outlen, const unsigned char *,
	    size_t);
int	 hf_b64url_decode(unsigned char *out, size_t outlen, const char *,
	    size_t, size_t *decoded);
int	 hf_random_hex(char *out, size_t nbytes);	/* 2n+1 bytes out */

/*
 * JWT HS256 (jwt.c). The algorithm is pinned: a token's own "alg" never
 * chooses it. exp is required; iss and aud must match; leeway in seconds.
 */
struct jwt_claims {
	uint64_t	 sub;
	enum hf_role	 role;
	int64_t		 exp;
};

int	 jwt_sign(char *out, size_t outlen, const char *key, const char *iss,
	    const char *aud, uint64_t sub, enum hf_role, int64_t iat,
	    int64_t exp);
int	 jwt_verify(const char *token, const char *key, const char *iss,
	    const char *aud, int64_t now, int leeway, struct jwt_claims *);

/* Passwords: bcrypt through libcrypt (password.c). */
#define HF_PASSWORD_MIN		8
#define HF_PASSWORD_MAX		72
#define HF_PASSWORD_HASH_MAX	128
int	 password_hash(const char *, char out[HF_PASSWORD_HASH_MAX]);
int	 password_verify(const char *, const char *hash);

#endif /* HOLDFAST_CORE_H */
