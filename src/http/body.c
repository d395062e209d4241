/*
 * body.c: a JSON body before its handler sees it: the Content-Type test,
 * json-c's strict parse into one object (415 and REQ_JSON answers), and
 * the route's schema (REQ_FIELD and friends, the typed values in req->fv).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "holdfast/http.h"
#include "http_int.h"

#define HTTP_JSON_DEPTH		32

int
http_body_is_json(const char *ct)
{
	size_t	n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/*
 * 1 for a text/csv Content-Type whose charset, when it names one, is
 * UTF-8 (RFC 7111's "header" parameter and the like are allowed).
 */
int
http_body_is_csv(const char *ct)
{
	size_t		 n = strlen("text/csv");
	const char	*cs;

	if (ct == NULL || strncasecmp(ct, "text/csv", n) != 0 ||
	    (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' '))
		return 0;
	for (cs = ct + n; (cs = strchr(cs, ';')) != NULL;) {
		for (cs++; *cs == ' '; cs++)
			;
		if (strncasecmp(cs, "charset=", 8) != 0)
			continue;
		cs += 8;
		if (*cs == '"')
			cs++;
		if (strncasecmp(cs, "utf-8", 5) != 0 ||
		    (cs[5] != '\0' && cs[5] != ';' && cs[5] != ' ' &&
		    cs[5] != '"'))
			return 0;
	}
	return 1;
}

static void
put_json(void *obj)
{
	json_object_put(obj);
}

/* Parses the body as one JSON object. Replies and returns -1 if not. */
int
http_body_parse(struct http_request *req)
{
	struct json_tokener	*tok;
	json_object		*obj, *details;
	enum json_tokener_error	 jerr;
	const char		*text, *why;
	size_t			 len;
	char			 path[256];

	if (req->body_len == 0) {
		req->json = json_object_new_object();
		arena_on_reset(req->arena, put_json, req->json);
		return 0;
	}
	if ((tok = json_tokener_new_ex(HTTP_JSON_DEPTH)) == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	if ((why = http_json_lexical(req->body, req->body_len)) != NULL) {
		json_tokener_free(tok);
		http_reply_err(req, HF_E_REQ_JSON, why, NULL);
		return -1;
	}
	/* the raw body stays as sent: it is the idempotency fingerprint */
	if ((text = http_json_escapes(req->arena, req->body, req->body_len,
	    &len)) == NULL) {
		json_tokener_free(tok);
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	/* UTF-8 is checked after parsing, where the field can be named */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj != NULL && jerr == json_tokener_success &&
	    json_tokener_get_parse_end(tok) < len) {
		/* trailing bytes after the value: only white space may stay */
		size_t	i;

		for (i = json_tokener_get_parse_end(tok); i < len; i++)
			if (text[i] != ' ' && text[i] != '\n' &&
			    text[i] != '\r' && text[i] != '\t')
				jerr = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		json_object_put(obj);
		http_reply_errf(req, HF_E_REQ_JSON, "malformed JSON: %s",
		    obj == NULL && jerr == json_tokener_success ?
		    "incomplete" : json_tokener_error_desc(jerr));
		return -1;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		http_reply_err(req, HF_E_REQ_JSON,
		    "the body must be a JSON object", NULL);
		return -1;
	}
	if (arena_on_reset(req->arena, put_json, obj) != 0) {
		json_object_put(obj);
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	if ((why = http_json_check(obj, path, sizeof(path))) != NULL) {
		if (path[0] == '\0')
			snprintf(path, sizeof(path), "body");
		details = json_object_new_object();
		json_object_object_add(details, "field",
		    json_object_new_string(path));
		json_object_object_add(details, "reason",
		    json_object_new_string(why));
		http_reply_err(req, HF_E_REQ_FIELD, arena_printf(req->arena,
		    "%s: %s", path, why), details);
		return -1;
	}
	req->json = obj;
	return 0;
}

/* Checks the parsed body against the route's schema; replies if bad. */
int
http_body_schema(struct http_request *req)
{
	const struct body_schema	*sc = req->route->schema;
	const char			*field = NULL, *reason = NULL;
	json_object			*details;
	int				 rc;

	if (sc == NULL)
		return 0;
	req->fv = arena_calloc(req->arena, sc->nfields + 1,
	    sizeof(*req->fv));
	if (req->fv == NULL) {
		http_reply_err(req, HF_E_SYS_INTERNAL, NULL, NULL);
		return -1;
	}
	rc = schema_check(sc, req->json, req->arena, req->fv, &field, &reason);
	if (rc == HF_OK)
		return 0;
	details = json_object_new_object();
	json_object_object_add(details, "field", json_object_new_string(field));
	json_object_object_add(details, "reason",
	    json_object_new_string(reason));
	http_reply_err(req, rc, arena_printf(req->arena, "%s: %s", field,
	    reason), details);
	return -1;
}
