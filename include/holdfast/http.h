/*
 * http.h: the FastCGI front door. Request parsing, the router (which
 * answers 404/405/413/415/401/403 before any handler runs), and the one
 * writer of every response envelope.
 */
#ifndef HOLDFAST_HTTP_H
#define HOLDFAST_HTTP_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "holdfast/core.h"

struct app;
struct http_request;

enum http_method {
	HTTP_GET = 0,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_METHOD__MAX
};

/* Who may call a route (design.md section 4). */
enum hf_perm {
	PERM_PUBLIC = 0,	/* anyone, guest included */
	PERM_USER,		/* any signed-in principal */
	PERM_BUSINESS,		/* business or admin */
	PERM_ADMIN,		/* admin only */
	PERM_LOCAL,		/* loopback clients, or admin */
	PERM__MAX
};

/* Body kinds a route accepts. */
enum route_body {
	ROUTE_BODY_NONE = 0,	/* a body is ignored */
	ROUTE_BODY_JSON,	/* application/json, parsed before the handler */
	ROUTE_BODY_RAW,		/* any type, handler reads req->body */
	ROUTE_BODY_CSV,		/* text/csv (UTF-8), handler reads req->body */
	ROUTE_BODY__MAX
};

typedef void (*http_handler)(struct http_request *);

/*
 * Body schemas (kcgi's validators): a table of fields per route. The front
 * door rejects unknown fields (REQ_009) and missing or invalid ones
 * (REQ_010) before the handler runs; the handler reads req->fv[i] for
 * field i of its table, which passed. An array's elements can be objects
 * with a table of their own (.item), checked by the same rules at any
 * depth, a refusal naming its place ("items[1].sku"). A field the body
 * lacks takes its table's default (.def), so handlers fill none by hand.
 */
enum field_type {
	FIELD_STRING = 0,	/* min/max: length in bytes */
	FIELD_INT,		/* min/max: value */
	FIELD_BOOL,
	FIELD_EMAIL,		/* lower-cased copy in .s */
	FIELD_OBJECT,		/* max: bytes as JSON (then shape rules) */
	FIELD_ARRAY,		/* min/max: number of elements */
	FIELD_MONEY,		/* "12.34" string or number, >= 0 */
	FIELD_SKU,		/* a string of the SKU grammar (hf_sku_valid) */
	FIELD__MAX
};

#define FIELD_REQUIRED	0x01
#define FIELD_NULLABLE	0x02
#define FIELD_INVENTORY	0x04	/* a bad value is INV_005, not REQ_010 */

#define FIELD_OBJECT_DEPTH	4	/* levels, the object itself is 1 */
#define FIELD_OBJECT_KEY_MAX	64	/* bytes in one of its keys */

struct body_schema;

struct field {
	const char		*name;
	enum field_type		 type;
	unsigned		 flags;
	long long		 min, max;	/* both 0: no limit */
	const char *const	*values;	/* FIELD_STRING: allowed */
	/* FIELD_ARRAY: each element is an object of these fields */
	const struct body_schema *item;
	/* the value of a field the body lacks, as text ("900", "cart") */
	const char		*def;
};

struct body_schema {
	const struct field	*fields;
	size_t			 nfields;
};

#define SCHEMA(f)	{ (f), sizeof(f) / sizeof((f)[0]) }

struct field_value {
	int		 present;	/* in the body (not for a default) */
	int		 null;
	long long	 i;		/* FIELD_INT, FIELD_BOOL, money cents,
					 * FIELD_ARRAY elements */
	const char	*s;		/* strings (arena copy), money text */
	size_t		 len;
	json_object	*j;		/* the value itself (NULL: a default) */
	struct field_value **items;	/* FIELD_ARRAY with .item: items[k][n]
					 * is field n of element k (arena) */
};

struct route {
	enum http_method	 method;
	const char		*pattern;	/* "/api/v1/stock/{sku}" */
	http_handler		 handler;
	enum hf_perm		 perm;
	enum route_body		 body;
	size_t			 max_body;	/* 0: max_body_bytes */
	const struct body_schema *schema;	/* ROUTE_BODY_JSON */
};

#define HTTP_MAX_ARGS	4

struct http_param {
	const char	*name;
	const char	*value;
};

struct http_request {
	struct app		*app;
	struct arena		*arena;
	enum http_method	 method;
	const char		*method_name;
	const char		*raw_uri;	/* as sent, for the access log */
	const char		*path;		/* decoded, no query */
	const char		*content_type;
	const char		*remote_addr;
	const char		*user_agent;
	const char		*authorization;
	const char		*body;		/* NUL-terminated copy */
	size_t			 body_len;
	json_object		*json;		/* parsed body (ROUTE_BODY_JSON) */
	struct http_param	*query;
	size_t			 nquery;
	const char		*args[HTTP_MAX_ARGS];	/* {name} captures */
	size_t			 nargs;
	const struct route	*route;
	struct field_value	*fv;		/* one per schema field */
	struct principal	 who;
	char			 request_id[65];
	int64_t			 started_us;
	int			 status;	/* set when the reply is written */
	int			 replied;
	int			 aborted;	/* a stream cut short: the
						 * connection is dropped */
	void			*io;		/* FCGX_Request, private */
	struct http_header	*headers_out;
};

/* Router (router.c): pure, unit tested. */
enum route_match {
	ROUTE_FOUND = 0,
	ROUTE_NO_PATH,		/* 404 */
	ROUTE_NO_METHOD,	/* 405: allow[] says which methods would */
	ROUTE_MATCH__MAX
};

enum route_match router_match(const struct route *, size_t nroutes,
	    enum http_method, const char *path, const struct route **found,
	    const char **args, size_t *nargs, int allow[HTTP_METHOD__MAX],
	    char *scratch, size_t scratchlen);
int	 http_method_parse(const char *);
const char *http_method_name(enum http_method);

/* Body validation (validate.c): pure, unit tested. */
int	 schema_check(const struct body_schema *, json_object *,
	    struct arena *, struct field_value *, const char **field,
	    const char **reason);
const char *field_text_check(const struct field *, const char *text,
	    struct arena *, struct field_value *);
int	 field_email_valid(const char *, size_t);

/*
 * The body's text (json_check.c): every string and key of a JSON body is
 * well-formed UTF-8 without NUL (REQ_010 naming its path otherwise).
 */
#define HTTP_JSON_KEY_MAX	256	/* bytes in an object key */
#define HTTP_JSON_WALK_DEPTH	64	/* the parser stops at 32 already */
#define HTTP_UTF8_REASON	"must be valid UTF-8 (no NUL, overlong form, " \
	"surrogate or code point above U+10FFFF)"
/* a raw control in a string, a quote outside strings: why, or NULL */
const char *http_json_lexical(const char *, size_t);
const char *http_json_escapes(struct arena *, const char *body, size_t len,
	    size_t *outlen);
const char *http_json_check(json_object *, char *path, size_t pathlen);

/*
 * The guard (auth.c): 401/403/429 before any handler. It reaches the
 * services only through this table, set once by the program that wires
 * the worker (http_hooks_set), so that http never calls svc.
 */
struct http_hooks {
	/* the general rate limit: HF_OK, or not with *retry_after */
	int	(*rate)(struct app *, const char *key, int max,
		    int window_s, const char *gen_key, int *retry_after,
		    char *gen, size_t genlen);
	/* an API key or a signed-in user to a principal */
	int	(*auth_key)(struct app *, const char *key,
		    const char *key_hash, const char *gen,
		    struct principal *);
	int	(*auth_user)(struct app *, uint64_t id, const char *gen,
		    struct principal *);
	void	(*user_gen_key)(char *out, size_t len, uint64_t id);
	/* after the handler: what the request held (idempotency lock) */
	void	(*request_end)(struct app *);
	/*
	 * Optional, used instead of rate when set: the same count and
	 * answers, and for a route whose handler reads one cache entry
	 * first, that read in the same Redis round trip.
	 */
	int	(*rate_read)(struct app *, const struct http_request *,
		    const char *key, int max, int window_s,
		    const char *gen_key, int *retry_after, char *gen,
		    size_t genlen);
};

void	 http_hooks_set(const struct http_hooks *);
int	 http_guard(struct http_request *);
void	 http_guard_end(struct http_request *);
const char *http_client_ip(struct http_request *);

/* Request helpers (request.c). */
const char *http_query(const struct http_request *, const char *name);
const char *http_env(const struct http_request *, const char *name);
int	 http_url_decode(char *dst, const char *src, size_t len, int plus);
int	 http_query_parse(struct arena *, const char *qs,
	    struct http_param **, size_t *);
int	 http_request_id_valid(const char *);

/* Replies (reply.c). Each writes the whole response once. */
void	 http_header(struct http_request *, const char *name,
	    const char *value);
void	 http_reply(struct http_request *, int status, json_object *data);
#define HTTP_JSON_TYPE	"application/json; charset=utf-8"
void	 http_reply_err(struct http_request *, enum hf_err,
	    const char *message, json_object *details);
const char *http_reply_err_body(struct http_request *, enum hf_err,
	    const char *message, json_object *details, size_t *len);
void	 http_reply_errf(struct http_request *, enum hf_err,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	 http_reply_data_raw(struct http_request *, int status,
	    const char *data, size_t len);
void	 http_reply_raw(struct http_request *, int status,
	    const char *content_type, const char *body, size_t len);
char	*http_envelope(struct arena *, int status, const char *error,
	    const char *message, json_object *data, json_object *details,
	    int64_t timestamp, const char *request_id, size_t *len);

/*
 * A streamed answer (io.c), for bodies too large to build in memory (a
 * CSV export): the head goes out with no Content-Length, then the body in
 * parts as they are made, each repaired to UTF-8 on its own. A stream
 * that fails half-way cannot change its status any more: http_stream_abort
 * drops the connection instead of ending the answer, so the client sees a
 * broken transfer, never a short file that looks whole. HEAD gets the
 * head alone. http_stream_write returns 0, or -1 once the client is gone.
 */
void	 http_stream_begin(struct http_request *, int status,
	    const char *content_type);
int	 http_stream_write(struct http_request *, const char *, size_t);
void	 http_stream_abort(struct http_request *);
/* sends what was written so far (an event stream's event) at once */
void	 http_stream_flush(struct http_request *);

/* The accept loop (serve.c). Returns when the worker should exit. */
int	 http_serve(struct app *, const struct route *, size_t nroutes);

#endif /* HOLDFAST_HTTP_H */
