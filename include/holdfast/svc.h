/*
 * svc.h: business rules and transactions. Services see neither FastCGI
 * nor SQL: they take a context (who acts, from where, for which request)
 * and plain values, and return an hf_err.
 */
#ifndef HOLDFAST_SVC_H
#define HOLDFAST_SVC_H

#include <stdint.h>

#include "holdfast/app.h"
#include "holdfast/core.h"
#include "holdfast/db_accounts.h"
#include "holdfast/db_inventory.h"
#include "holdfast/db_favorites.h"
#include "holdfast/db_recs.h"

struct db;

/*
 * What a refusal names beyond its message (the reply's error.details): a
 * few flat members, and for a batch every line at fault (a short line:
 * requested and available; a closed one: its product's status). All in
 * the request's arena; details.c sets them, the api renders them.
 */
struct svc_detail {
	const char	*key;
	const char	*s;		/* NULL: the integer i */
	long long	 i;
};

/* What one location could give of a short line. */
struct svc_line_place {
	const char	*location;
	long long	 available;
};

struct svc_line {
	const char	*sku;
	long long	 requested, available;	/* a short line */
	const char	*status;	/* a closed line (INV_011), else NULL */
	/* a short line: what each location could give (allocation) */
	struct svc_line_place *places;
	size_t		 nplaces;
};

#define SVC_MAX_DETAILS	6

/*
 * One loan a batch refused (issue 14, item 6), or one overdue loan that
 * blocks a borrower: rendered as error.details[svc_ctx.faults_key], an
 * array of {loan_id, code, message}.
 */
struct svc_fault {
	uint64_t	 loan_id;
	const char	*code;		/* the refusal's code, or NULL */
	const char	*message;
};

/*
 * Keyset paging of the history lists (issue 13, docs/internals.md):
 * after is the id the previous page ended on (0: none, then page and
 * per_page as before, to SVC_LIST_OFFSET_MAX rows deep). The list fills
 * total, counted to SVC_LIST_COUNT_CAP (total_exact 0 past it), and next,
 * the after of the following page (0 at the end).
 */
#define SVC_LIST_COUNT_CAP	1000
#define SVC_LIST_OFFSET_MAX	1000
struct svc_keyset {
	uint64_t	 after;
	long long	 total;
	int		 total_exact;
	uint64_t	 next;
};

/* keyset.c */
struct svc_ctx;
long long svc_ks_after(const struct svc_keyset *);
long long svc_ks_offset(const struct svc_keyset *, long long page,
	    long long per_page);
int	 svc_ks_trim(struct svc_keyset *, size_t *n, long long per_page);
int	 svc_ks_count(struct svc_ctx *, struct svc_keyset *, struct db_sql *,
	    const struct db_param *, size_t nparams, long long offset,
	    size_t n);

/* Who acts, from where, for which request; built by the api layer. */
struct svc_ctx {
	struct app		*app;
	struct arena		*arena;
	const struct principal	*who;
	const char		*ip;
	const char		*user_agent;
	const char		*request_id;
	/* set by a service that refuses, for the error's details */
	int			 retry_after;
	const char		*field;
	const char		*reason;
	const char		*message;	/* overrides the default */
	struct svc_detail	 details[SVC_MAX_DETAILS];
	size_t			 ndetails;
	struct svc_line		*lines;		/* arena */
	size_t			 nlines, lines_cap;
	/* loans at fault (issue 14, item 6): details[faults_key] */
	const char		*faults_key;
	struct svc_fault	*faults;		/* arena */
	size_t			 nfaults;
	/* products a transaction changed: their cache entries go after COMMIT */
	uint64_t		 touched_pid[16];
	const char		*touched_sku[16];
	size_t			 ntouched;
	int			 touched_all;	/* more than fit: bump everything */
	int			 touched_list;	/* the catalog changed: list pages */
	/* the locations, read once per request (svc/places.c) */
	struct location		*locs;
	size_t			 nlocs;
	/* locations read under a shared lock in transaction shared_txn
	 * (db_txn_seq): held till it ends, so read once (places.c) */
	uint64_t		 shared_txn;
	struct location		 shared[4];
	size_t			 nshared;
	/* issue 16: where this request's catalog reads go (replica.c) */
	int			 read_route;	/* SVC_READ_* */
};

/* replica.c (issue 16): the server for a catalog read, and its gauges */
#define SVC_READ_UNDECIDED	0
#define SVC_READ_REPLICA	1
#define SVC_READ_PRIMARY	2
struct metrics_gauges;
struct db	*svc_read_db(struct svc_ctx *);
void		 svc_replica_gauges(struct app *, struct arena *,
		    struct metrics_gauges *);
int		 svc_product_read(struct svc_ctx *, uint64_t id,
		    struct product *);

/* details.c: what a refusal names (struct svc_detail, svc_line). */
void	 svc_details_clear(struct svc_ctx *);
void	 svc_detail_str(struct svc_ctx *, const char *key, const char *);
void	 svc_detail_int(struct svc_ctx *, const char *key, long long);
int	 svc_detail_line(struct svc_ctx *, const char *sku,
	    long long requested, long long available, const char *status);

/* cacheaside.c: Redis cache-aside for reads, invalidated after COMMIT. */
enum cache_kind {
	CACHE_PRODUCT = 0,	/* product detail by id, 5 minutes */
	CACHE_STOCK,		/* stock by SKU, 30 seconds */
	CACHE_PLIST,		/* product list pages by query, 60 seconds */
	CACHE__MAX
};

/* Loads and renders what the cache keeps (JSON text in the arena). */
typedef char *(*svc_fill_fn)(struct svc_ctx *, void *arg, size_t *len,
	    int *rc);

int	 svc_cached(struct svc_ctx *, enum cache_kind, const char *id,
	    svc_fill_fn, void *arg, const char **out, size_t *len);
void	 svc_touch(struct svc_ctx *, uint64_t product_id, const char *sku);
/* the same for a change the list pages show (name, price, status, new) */
void	 svc_touch_catalog(struct svc_ctx *, uint64_t product_id,
	    const char *sku);
int	 svc_txn(struct svc_ctx *, int (*)(struct db *, void *), void *);
int	 svc_trip(struct svc_ctx *, int (*)(struct db *, void *), void *);
/* the one trip (when not NULL), else or then the C path (cacheaside.c) */
int	 svc_write(struct svc_ctx *, int (*)(struct db *, void *), void *,
	    const int *done, int (*)(struct db *, void *), void *);
/* after a COMMIT made with db_txn: n products' entries, 16 a trip */
void	 svc_invalidate(struct svc_ctx *, const uint64_t *pid,
	    const char *const *sku, size_t n);

/*
 * init.c: the services wired to each other (the hold queue, the outbox's
 * channels). Every program calls it once, after app_init.
 */
void	 svc_init(void);

/* system.c */
struct svc_health {
	int	database_ok;
	int	redis_ok;
};

void	 svc_health(struct app *, struct svc_health *);
const char *svc_db_error(struct app *);
void	 svc_cli_ctx(struct app *, struct arena *, struct principal *,
	    struct svc_ctx *, const char *actor);

/* metrics.c: the gauges GET /metrics reads at scrape time. */
struct metrics_gauges;
void	 svc_metrics_gauges(struct app *, struct arena *,
	    struct metrics_gauges *);

/* ratelimit.c: fixed windows in Redis, a per-worker fallback for auth. */
enum rate_kind {
	RATE_GENERAL = 0,	/* not enforced while Redis is down */
	RATE_AUTH,		/* falls back to a per-worker counter */
	RATE__MAX
};

int	 svc_rate(struct app *, enum rate_kind, const char *key, int max,
	    int window_s, int *retry_after);
int	 svc_rate_gen(struct app *, enum rate_kind, const char *key, int max,
	    int window_s, const char *gen_key, int *retry_after, char *gen,
	    size_t genlen);
long long svc_rate_peek(struct app *, enum rate_kind, const char *key,
	    int *retry_after);
void	 svc_rate_reset(struct app *, const char *key);
/*
 * svc_rate_gen (RATE_GENERAL) for a request whose handler reads one cache
 * entry first (svc_cached of kind k and id): the hit and the read in one
 * Redis round trip; the handler's read (same request_id) takes what was
 * read. svc_rate_read_drop forgets it (after every request).
 */
int	 svc_rate_read(struct app *, struct arena *, const char *request_id,
	    enum cache_kind, const char *id, const char *key, int max,
	    int window_s, const char *gen_key, int *retry_after, char *gen,
	    size_t genlen);
void	 svc_rate_read_drop(void);
int	 svc_rate_verdict(long long count, long long ttl_ms, int max,
	    int *retry_after);

/*
 * Accounts (struct user, api_key, audit_row: db_accounts.h).
 * users.c: the signed-in user, admin user management, live roles;
 * register.c: register, verify, resend, forgot, reset (e-mailed codes);
 * tokens.c: login, refresh, logout; keys.c: API keys.
 */
struct tokens {
	char		 access[1024];
	char		 refresh[80];
	int		 expires_in;
	struct user	 user;
};

struct user_filter {
	const char	*role;
	const char	*status;
	const char	*q;
	long long	 page, per_page;
};

struct user_list {
	struct user	*items;
	size_t		 n;
	long long	 total;
};

int	 svc_auth_key(struct app *, const char *key, const char *key_hash,
	    const char *gen, struct principal *);
int	 svc_auth_user(struct app *, uint64_t id, const char *gen,
	    struct principal *);
void	 svc_user_gen_key(char *out, size_t len, uint64_t id);
int	 svc_register(struct svc_ctx *, const char *email, const char *pw,
	    const char *display_name, struct user *);
int	 svc_verify(struct svc_ctx *, const char *email, const char *code,
	    struct user *);
int	 svc_resend(struct svc_ctx *, const char *email);
int	 svc_login(struct svc_ctx *, const char *email, const char *pw,
	    struct tokens *);
int	 svc_refresh(struct svc_ctx *, const char *refresh, struct tokens *);
int	 svc_logout(struct svc_ctx *, const char *refresh);
int	 svc_forgot(struct svc_ctx *, const char *email);
int	 svc_reset(struct svc_ctx *, const char *email, const char *code,
	    const char *pw);
int	 svc_user_get(struct svc_ctx *, uint64_t id, struct user *);
int	 svc_me_update(struct svc_ctx *, const char *display_name,
	    int set_name, const char *avatar_url, int set_avatar,
	    struct user *);
int	 svc_users_list(struct svc_ctx *, const struct user_filter *,
	    struct user_list *);
int	 svc_user_create(struct svc_ctx *, const char *email, const char *pw,
	    const char *role, const char *display_name, struct user *);
int	 svc_user_update(struct svc_ctx *, uint64_t id, const char *role,
	    const char *status, struct user *);
int	 svc_key_create(struct svc_ctx *, const char *name, const char *role,
	    struct api_key *);
int	 svc_keys_list(struct svc_ctx *, struct api_key **, size_t *);
int	 svc_key_revoke(struct svc_ctx *, uint64_t id);
int	 svc_admin_user_add(struct app *, const char *email, const char *pw,
	    const char *role, const char *display_name);

/* audit.c */
struct audit_filter {
	const char	*actor;
	const char	*entity;
	const char	*entity_id;
	const char	*from;
	const char	*to;
	long long	 page, per_page;
};

struct audit_list {
	struct audit_row *items;	/* newest first */
	size_t		 n;
	struct svc_keyset ks;		/* ks.after: the caller's */
};

int	 svc_audit_text(struct db *, const struct svc_ctx *, const char *action,
	    const char *entity, uint64_t entity_id, const char *old_json,
	    const char *new_json);
int	 svc_audit_list(struct svc_ctx *, const struct audit_filter *,
	    struct audit_list *);

/* idempotency.c: Idempotency-Key, stored with the write it answers. */
struct idem {
	uint64_t	 id;		/* 0: no key on this request */
	/* renders the success reply; called inside the write's transaction */
	char		*(*render)(void *arg, int *status, size_t *len);
	void		*render_arg;
	char		*body;		/* what was stored (arena) */
	size_t		 len;
	int		 status;
};

/* no Idempotency-Key: the write's answer is not stored with it */
int	 svc_unkeyed(const struct idem *);

enum idem_outcome {
	IDEM_PROCEED = 0,	/* first time: do the write */
	IDEM_REPLAY,		/* done before: send body/status again */
	IDEM__MAX
};

int	 svc_idem_begin(struct svc_ctx *, const char *key, const char *method,
	    const char *path, const char *body, size_t len, struct idem *,
	    int *outcome);
int	 svc_idem_store(struct db *, struct idem *);
void	 svc_idem_abandon(struct svc_ctx *, struct idem *, int status,
	    const char *body, size_t len);
void	 svc_idem_release(struct app *);	/* after every request */

/*
 * Inventory: products.c, stock.c, reservations.c, ledger.c, reconcile.c,
 * expire.c. The rows (struct stock_row, product, reservation, ledger_row,
 * ledger_stat, category_row) are those of db_inventory.h.
 */
struct product_new {
	const char	*sku, *name, *description, *category, *price;
	const char	*attributes;	/* JSON text or NULL */
	long long	 initial_quantity, warning_threshold,
			 critical_threshold;
	const char	*location;
};

struct reserve_item {
	const char	*sku;
	long long	 quantity;
	/* the location's code, or NULL: allocation chooses (docs/api.md) */
	const char	*location;
	/* allocation may split the line across locations */
	int		 split;
};

struct reserve_req {
	const char		*type;
	const char		*reference_id;	/* NULL: generated */
	long long		 ttl_seconds;	/* 1..86400 */
	struct reserve_item	*items;
	size_t			 nitems;
};

struct reserve_result {
	const char		*reference_id;
	struct reservation	*items;
	size_t			 n;
};

struct stock_move {
	const char	*sku;
	const char	*type;		/* restock, deduct, adjust */
	long long	 delta;		/* signed */
	const char	*reason;
	const char	*reference_id;
	/* the location's code, or NULL: a restock or adjust goes to the
	 * default location, a deduct is allocated (docs/api.md) */
	const char	*location;
	struct stock_row stock;		/* after */
	uint64_t	 ledger_id;
	const char	*moved_at;	/* the location it moved at (code) */
};

struct stock_patch {
	int		 set_warning, set_critical, set_location, set_active;
	long long	 warning_threshold, critical_threshold;
	const char	*location;
	int		 is_active;
};

/* GET /reservations: each filter NULL when not given. */
struct reservation_filter {
	const char	*reference_id, *status, *sku;
	long long	 page, per_page;
};

/* GET /ledger: each filter NULL when not given; from and to in the
 * database's form (api_time_param). */
struct ledger_filter {
	const char	*sku, *type, *reference_id;
	const char	*location;	/* a location's code (LOC_001) */
	const char	*from, *to;
	long long	 page, per_page;
};

struct ledger_stats {
	struct ledger_stat	*by_type, *by_day;	/* day NULL in by_type */
	size_t			 ntype, nday;
};

/* One broken invariant of a SKU (reconcile.c). */
struct reconcile_mismatch {
	const char	*invariant;	/* "2: on_hand = sum of ..." */
	long long	 expected, actual;
	const char	*detail;
};

/* columns of struct reconcile_mismatch: as the API and holdfast-admin show it */
#define SVC_FIELDS_MISMATCH \
	HF_FIELD(struct reconcile_mismatch, invariant, HF_K_STR), \
	HF_FIELD(struct reconcile_mismatch, expected, HF_K_INT), \
	HF_FIELD(struct reconcile_mismatch, actual, HF_K_INT), \
	HF_FIELD(struct reconcile_mismatch, detail, HF_K_STR)

/* locations.c: POST and PATCH /locations (NULL or unset: unchanged) */
struct location_patch {
	const char	*name, *kind;
	int		 set_active, is_active;
	int		 set_priority;
	long long	 priority;
};

int	 svc_locations_list(struct svc_ctx *, struct location **, size_t *);
int	 svc_location_get(struct svc_ctx *, const char *code,
	    struct location *);
int	 svc_location_create(struct svc_ctx *, const char *code,
	    const struct location_patch *, struct location *);
int	 svc_location_patch(struct svc_ctx *, const char *code,
	    const struct location_patch *, struct location *);

/*
 * stock_at.c (issue 17 item 5): stock at a past moment, from the ledger's
 * after-values per product and location, and the current stock at one
 * location. A query names at most one of at and ledger_id (neither: now,
 * from location_stock, with a location).
 */
struct stock_at_query {
	const char	*at;		/* the database's form, or NULL */
	uint64_t	 ledger_id;	/* right after this row, or 0 */
	const char	*location;	/* a code, or NULL: every location */
	long long	 page, per_page;	/* the lists */
};

/* A product at one location at the moment (ledger_id: the row its
 * figures come from, 0 when it had none there yet or for now). */
struct stock_point_place {
	const char	*location;
	long long	 on_hand, reserved, available;
	uint64_t	 ledger_id;
};

/* A product at the moment: the sums over its places. */
struct stock_point {
	uint64_t		 product_id;
	const char		*sku, *name;
	long long		 on_hand, reserved, available;
	struct stock_point_place *places;
	size_t			 nplaces;
};

struct stock_at_answer {
	int			 historic;	/* at or ledger_id */
	const char		*at;		/* ISO 8601: the moment answered */
	uint64_t		 ledger_id;	/* as asked, or 0 */
	const char		*location;	/* the code as stored, or NULL */
	struct stock_point	*items;		/* arena */
	size_t			 n;
	long long		 total;		/* the lists */
};

int	 svc_stock_at(struct svc_ctx *, const char *sku,
	    const struct stock_at_query *, struct stock_at_answer *);
int	 svc_stock_at_list(struct svc_ctx *, const struct stock_at_query *,
	    struct stock_at_answer *);

struct reconcile_report {
	const char			*sku;
	struct reconcile_mismatch	*mismatches;	/* arena */
	size_t				 n;		/* 0: reconciled */
	size_t				 cap;		/* room in mismatches */
};

int	 svc_product_create(struct svc_ctx *, const struct product_new *,
	    struct idem *, struct product *);
int	 svc_product_get(struct svc_ctx *, uint64_t id, struct product *);
int	 svc_stock_get(struct svc_ctx *, const char *sku, struct stock_row *);
int	 svc_stock_list(struct svc_ctx *, const char *level, long long page,
	    long long per_page, struct stock_row **, size_t *, long long *);
int	 svc_stock_patch(struct svc_ctx *, const char *sku,
	    const struct stock_patch *, struct stock_row *);
int	 svc_stock_move(struct svc_ctx *, struct stock_move *, struct idem *);
int	 svc_reserve(struct svc_ctx *, const struct reserve_req *,
	    struct idem *, struct reserve_result *);
int	 svc_reservation_end(struct svc_ctx *, uint64_t id, int commit,
	    struct idem *, struct reservation *);
int	 svc_reference_end(struct svc_ctx *, const char *reference_id,
	    int commit, struct idem *, struct reserve_result *);
int	 svc_reservation_get(struct svc_ctx *, uint64_t id,
	    struct reservation *);
int	 svc_reservations_list(struct svc_ctx *,
	    const struct reservation_filter *, struct reservation **, size_t *,
	    struct svc_keyset *);
int	 svc_ledger_list(struct svc_ctx *, const struct ledger_filter *,
	    struct ledger_row **, size_t *, struct svc_keyset *);
int	 svc_ledger_get(struct svc_ctx *, uint64_t id, struct ledger_row *);
int	 svc_ledger_stats(struct svc_ctx *, const char *from, const char *to,
	    struct ledger_stats *);
int	 svc_reconcile(struct svc_ctx *, const char *sku,
	    struct reconcile_report *);
int	 svc_all_skus(struct svc_ctx *, const char ***, size_t *);
int	 svc_expire_due(struct app *, int batch, int dry_run,
	    unsigned *released, unsigned *skipped);
/* expire.c: the same for every type but holds, in chunks (issue 13) */
int	 svc_expire_bulk(struct app *, int batch, unsigned *released,
	    unsigned *skipped);

/* catalog.c */
struct product_filter {
	const char	*q, *category, *status, *sort;
	long long	 page, per_page;
};

struct product_patch {
	const char	*name;			/* NULL: unchanged */
	const char	*description;
	int		 set_description;
	const char	*category;		/* NULL with set: none */
	int		 set_category;
	const char	*price;
	const char	*attributes;		/* JSON text */
	int		 set_attributes;
	const char	*status;		/* active or maintenance */
};

int	 svc_products_list(struct svc_ctx *, const struct product_filter *,
	    struct product **, size_t *, long long *total, int *exact);

/*
 * listpage.c: a list or search page through the cache (issue 13). The
 * page's entry keeps what changes rarely (its products' ids, names,
 * prices, order; the lists' version); each product's availability comes
 * from its stock entry (the SKU's version) in the same Redis round trip,
 * those missing read from MariaDB and written back. page renders the page
 * with a byte 0x01 where each product's availability goes (in order),
 * stock that availability.
 */
struct svc_list_render {
	char	*(*page)(struct svc_ctx *, void *arg, const struct product *,
		    size_t n, long long total, int exact, size_t *len);
	char	*(*stock)(struct svc_ctx *, void *arg,
		    const struct stock_row *, size_t *len);
};
int	 svc_products_page(struct svc_ctx *, const struct product_filter *,
	    const char *hash, const struct svc_list_render *, void *arg,
	    const char **out, size_t *len);
int	 svc_product_update(struct svc_ctx *, uint64_t,
	    const struct product_patch *, struct product *);
int	 svc_product_retire(struct svc_ctx *, uint64_t, struct product *);
int	 svc_product_cover(struct svc_ctx *, uint64_t, const char *, size_t,
	    struct product *);
int	 svc_categories(struct svc_ctx *, struct category_row **, size_t *);

/* favorites.c, history.c: the reader's side (issue 14, items 1 and 3) */
struct favorite;
int	 svc_fav_put(struct svc_ctx *, uint64_t product_id, int notify,
	    struct favorite *);
int	 svc_fav_delete(struct svc_ctx *, uint64_t product_id, int *removed);
int	 svc_fav_list(struct svc_ctx *, long long page, long long per_page,
	    struct favorite **, size_t *, struct svc_keyset *);
int	 svc_fav_count(struct svc_ctx *, uint64_t product_id, long long *);
int	 svc_fav_is(struct svc_ctx *, uint64_t product_id, int *yes);
/* one view: its product as it is now (all zero/NULL when it is gone) */
struct hist_entry {
	uint64_t		 product_id;
	const char		*viewed_at;
	long long		 available;
	struct hist_product	 product;
};
void	 svc_history_record(struct svc_ctx *, uint64_t product_id);
int	 svc_history_list(struct svc_ctx *, long long page, long long per_page,
	    struct hist_entry **, size_t *, struct svc_keyset *);
int	 svc_history_clear(struct svc_ctx *);
int	 svc_history_enabled(struct svc_ctx *, int *on);
int	 svc_history_set(struct svc_ctx *, int on);
/* recs.c (issue 14 item 4): at most limit items each, best first */
int	 svc_recs_related(struct svc_ctx *, uint64_t, long long,
	    struct rec_item **, size_t *);
int	 svc_recs_mine(struct svc_ctx *, long long, struct rec_item **,
	    size_t *);
#endif /* HOLDFAST_SVC_H */
