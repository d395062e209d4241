/*
 * auth.c: the front door's guard. Resolves the bearer (JWT access token
 * or API key) to a principal, then checks the route's permission and the
 * general rate limit. Answers 401/403/429 itself.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "holdfast/app.h"
#include "holdfast/http.h"

#define AUTH_LEEWAY	60
#define API_KEY_PREFIX	"hfk_"

/* The services the guard uses, set by the program (http_hooks_set). */
static const struct http_hooks	*hooks;

void
http_hooks_set(const struct http_hooks *h)
{
	hooks = h;
}

/* Called by the server once the handler has run. */
void
http_guard_end(struct http_request *req)
{
	if (hooks != NULL && hooks->request_end != NULL)
		hooks->request_end(req->app);
}

static int
is_loopback(const char *addr)
{
	return addr != NULL && (strncmp(addr, "127.", 4) == 0 ||
	    strcmp(addr, "::1") == 0);
}

static int
in_list(const char *list, const char *item, size_t len)
{
	const char	*p = list, *end;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		end = p;
		while (*end != '\0' && *end != ',' && *end != ' ')
			end++;
		if ((size_t)(end - p) == len && len > 0 &&
		    strncmp(p, item, len) == 0)
			return 1;
		p = end;
	}
	return 0;
}

/*
 * The client's address: REMOTE_ADDR, or the last X-Forwarded-For hop
 * that is not itself a trusted proxy when REMOTE_ADDR is one.
 */
const char *
http_client_ip(struct http_request *req)
{
	const char	*ra = req->remote_addr, *xff, *p, *end;
	const char	*list = req->app->cfg.trusted_proxies;
	char		*hop;

	if (ra == NULL)
		return "-";
	if (list[0] == '\0' || !in_list(list, ra, strlen(ra)) ||
	    (xff = http_env(req, "HTTP_X_FORWARDED_FOR")) == NULL)
		return ra;
	end = xff + strlen(xff);
	while (end > xff) {
		p = end;
		while (p > xff && p[-1] != ',')
			p--;
		while (p < end && *p == ' ')
			p++;
		if (!in_list(list, p, (size_t)(end - p))) {
			if (end - p == 0 || end - p > 45)
				return ra;
			hop = arena_strndup(req->arena, p, (size_t)(end - p));
			return hop != NULL ? hop : ra;
		}
		end = p > xff ? p - 1 : xff;
		while (end > xff && (end[-1] == ',' || end[-1] == ' '))
			end--;
	}
	return ra;
}

/*
 * The bearer token, "" for none, or NULL for a malformed header. Tokens
 * and keys are printable ASCII: any other byte is refused here, before
 * the token is hashed, parsed or named in a log line.
 */
static const char *
auth_token(const struct http_request *req)
{
	const char	*h = req->authorization, *tok, *p;

	if (h == NULL || *h == '\0')
		return "";
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	tok = h + 7;
	while (*tok == ' ')
		tok++;
	for (p = tok; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return NULL;
	return tok;
}

/*
 * An access token (JWT) or none: *uid gets the user it names (0 for none).
 * Its role claim is not used: hooks->auth_user reads the user's role and
 * status as they are now.
 */
static int
auth_bearer(struct http_request *req, const char *tok, uint64_t *uid)
{
	const struct hf_config	*cfg = &req->app->cfg;
	struct jwt_claims	 c;
	int			 rc;

	*uid = 0;
	if (*tok == '\0')
		return HF_OK;
	rc = jwt_verify(tok, cfg->jwt_secret, cfg->jwt_issuer,
	    cfg->jwt_audience, hf_unix_time(), AUTH_LEEWAY, &c);
	if (rc != HF_OK)
		return rc;
	if (c.sub == 0)
		return HF_E_AUTH_INVALID;
	*uid = c.sub;
	return HF_OK;
}

static int
auth_allowed(const struct http_request *req)
{
	enum hf_role	r = req->who.role;

	switch (req->route->perm) {
	case PERM_PUBLIC:
		return 1;
	case PERM_USER:
		return r >= ROLE_USER;
	case PERM_BUSINESS:
		return r >= ROLE_BUSINESS;
	case PERM_ADMIN:
		return r == ROLE_ADMIN;
	case PERM_LOCAL:
		return is_loopback(req->remote_addr) || r == ROLE_ADMIN;
	default:
		return 0;
	}
}

static int
auth_refuse(struct http_request *req)
{
	if (req->who.role == ROLE_GUEST && req->route->perm != PERM_LOCAL)
		http_reply_err(req, HF_E_AUTH_MISSING, NULL, NULL);
	else
		http_reply_err(req, HF_E_AUTH_FORBIDDEN, NULL, NULL);
	return -1;
}

static int
auth_rate(struct http_request *req, const char *key, const char *gen_key,
    char *gen, size_t genlen)
{
	const struct hf_config	*cfg = &req->app->cfg;
	char			 ra[16];
	int			 retry = 0;

	if (hooks->rate_read != NULL ? hooks->rate_read(req->app, req, key,
	    cfg->rate_general_max, cfg->rate_general_window, gen_key, &retry,
	    gen, genlen) == HF_OK : hooks->rate(req->app, key,
	    cfg->rate_general_max, cfg->rate_general_window, gen_key, &retry,
	    gen, genlen) == HF_OK)
		return 0;
	snprintf(ra, sizeof(ra), "%d", retry);
	http_header(req, "Retry-After", ra);
	http_reply_err(req, HF_E_REQ_RATE, NULL, NULL);
	return -1;
}

/*
 * Authenticates, authorises and counts the request. Returns 0 to go on,
 * or -1 after replying 401, 403, 429 or 503. An API key is counted first,
 * by its hash: the rate-limit script also answers the key generation, so
 * a key this worker already checked costs no database round trip. A
 * signed-in user is counted by id, and the script answers that user's
 * generation the same way: role and status are the database's, read
 * again whenever they changed (hooks->auth_user).
 */
int
http_guard(struct http_request *req)
{
	const char	*tok = auth_token(req);
	char		 key[96], gen[48], kh[HF_SHA256_HEX], gkey[48];
	uint64_t	 uid;
	int		 rc;

	principal_guest(&req->who);
	if (hooks == NULL) {
		log_error(req->request_id, "http_guard: no http_hooks_set");
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	if (tok == NULL) {
		http_reply_err(req, HF_E_AUTH_INVALID, NULL, NULL);
		return -1;
	}
	if (strncmp(tok, API_KEY_PREFIX, strlen(API_KEY_PREFIX)) == 0) {
		hf_sha256_hex(kh, tok, strlen(tok));
		snprintf(key, sizeof(key), "g:kh:%.24s", kh);
		if (auth_rate(req, key, NULL, gen, sizeof(gen)) != 0)
			return -1;
		if ((rc = hooks->auth_key(req->app, tok, kh, gen, &req->who)) !=
		    HF_OK) {
			principal_guest(&req->who);
			http_reply_err(req, rc, NULL, NULL);
			return -1;
		}
		return auth_allowed(req) ? 0 : auth_refuse(req);
	}
	if ((rc = auth_bearer(req, tok, &uid)) != HF_OK) {
		http_reply_err(req, rc, NULL, NULL);
		return -1;
	}
	if (uid == 0) {
		if (!auth_allowed(req))
			return auth_refuse(req);
		snprintf(key, sizeof(key), "g:ip:%.64s", http_client_ip(req));
		return auth_rate(req, key, NULL, NULL, 0);
	}
	snprintf(key, sizeof(key), "g:user:%llu", (unsigned long long)uid);
	hooks->user_gen_key(gkey, sizeof(gkey), uid);
	if (auth_rate(req, key, gkey, gen, sizeof(gen)) != 0)
		return -1;
	if ((rc = hooks->auth_user(req->app, uid, gen, &req->who)) != HF_OK) {
		principal_guest(&req->who);
		http_reply_err(req, rc, NULL, NULL);
		return -1;
	}
	return auth_allowed(req) ? 0 : auth_refuse(req);
}
