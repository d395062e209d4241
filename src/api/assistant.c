/*
 * assistant.c: the catalog assistant (issue 14, item 5): GET
 * /api/v1/assistant (on or off, the caller's quota; the console hides its
 * panel when off) and POST /api/v1/assistant {question, conversation_id?}
 * (the answer with the titles it cited). The answer is JSON, whole,
 * unless the client asks for a stream ("stream": true or Accept:
 * text/event-stream): then, once the model's first words come, a
 * text/event-stream of "delta" events ({"text"}) and a last "done" (the
 * whole answer, as the JSON one) or "error" ({status, error, message});
 * a refusal before the first words is an ordinary JSON error (README,
 * "Library: the catalog assistant").
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/assistant.h"

enum { AI_QUESTION, AI_CONVERSATION, AI_STREAM };

static const struct field f_assistant[] = {
	[AI_QUESTION] = { "question", FIELD_STRING, FIELD_REQUIRED, 1,
	    AI_QUESTION_MAX, NULL, NULL, NULL },
	[AI_CONVERSATION] = { "conversation_id", FIELD_INT, FIELD_NULLABLE, 1,
	    1LL << 53, NULL, NULL, NULL },
	[AI_STREAM] = { "stream", FIELD_BOOL, 0, 0, 0, NULL, NULL, "false" },
};

const struct body_schema schema_assistant = SCHEMA(f_assistant);

struct api_ai_status {
	int		 enabled;
	const char	*model;
	long long	 daily_quota, used_today;
};

static const struct hf_field status_fields[] = {
	HF_FIELD(struct api_ai_status, enabled, HF_K_BOOL),
	HF_FIELD(struct api_ai_status, model, HF_K_STR),
	HF_FIELD(struct api_ai_status, daily_quota, HF_K_INT),
	HF_FIELD(struct api_ai_status, used_today, HF_K_INT),
};

static const struct hf_field cite_fields[] = {
	HF_FIELD(struct ai_citation, product_id, HF_K_U64),
	HF_FIELD(struct ai_citation, sku, HF_K_STR),
	HF_FIELD(struct ai_citation, name, HF_K_STR),
	HF_FIELD(struct ai_citation, available, HF_K_INT),
};

static const struct hf_field answer_fields[] = {
	HF_FIELD(struct ai_answer, conversation_id, HF_K_U64),
	HF_FIELD(struct ai_answer, message_id, HF_K_U64),
	HF_FIELD(struct ai_answer, answer, HF_K_STR),
	HF_FIELD(struct ai_answer, model, HF_K_STR),
};

int
api_route_upstream(const struct route *r)
{
	return r->handler == api_assistant_ask;
}

/*
 * A refusal. Retry-After: until the quota's UTC midnight (AI_002), the
 * model's own (AI_006), and for AI_001 an hour: every 503 carries one
 * (reply.c), and only an operator's config change ends this one, so a
 * client should not come back in 5 seconds.
 */
static void
ai_fail(struct http_request *req, struct svc_ctx *ctx, int rc)
{
	char	ra[16];

	if (rc == HF_E_AI_DISABLED)
		http_header(req, "Retry-After", "3600");
	else if ((rc == HF_E_AI_QUOTA || rc == HF_E_AI_BUSY) &&
	    ctx->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", ctx->retry_after);
		http_header(req, "Retry-After", ra);
	}
	api_fail(req, ctx, rc);
}

void
api_assistant_get(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct ai_status	st;
	struct api_ai_status	v;
	int			rc;

	api_ctx(req, &ctx);
	if ((rc = svc_assistant_status(&ctx, &st)) != HF_OK) {
		api_fail(req, &ctx, rc);
		return;
	}
	v.enabled = st.enabled;
	v.model = st.model;
	v.daily_quota = st.quota;
	v.used_today = st.used;
	http_reply(req, 200, hf_fields_json(status_fields,
	    HF_NITEMS(status_fields), &v));
}

/* An event stream under way (the client asked for one). */
struct ai_sse {
	struct http_request	*req;
	int			 begun;
};

/* "event: <name>\ndata: <JSON>\n\n", sent at once; puts o. */
static void
ai_sse_event(struct ai_sse *s, const char *name, json_object *o)
{
	const char	*t;
	char		*ev;
	size_t		 len;

	t = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	ev = t != NULL ? arena_printf(s->req->arena, "event: %s\ndata: %s\n\n",
	    name, t) : NULL;
	if (ev != NULL && http_stream_write(s->req, ev, strlen(ev)) == 0)
		http_stream_flush(s->req);
	json_object_put(o);
}

/* One piece of the answer: the stream's head before the first. */
static void
ai_sse_delta(void *arg, const char *text, size_t len)
{
	struct ai_sse	*s = arg;
	json_object	*o = json_object_new_object();

	if (!s->begun) {
		/* nginx passes each event on at once (no fastcgi_buffering) */
		http_header(s->req, "X-Accel-Buffering", "no");
		http_stream_begin(s->req, 200, "text/event-stream; "
		    "charset=utf-8");
		s->begun = 1;
	}
	json_object_object_add(o, "text", json_object_new_string_len(text,
	    (int)len));
	ai_sse_event(s, "delta", o);
}

static int
ai_wants_stream(struct http_request *req)
{
	const char	*accept = http_env(req, "HTTP_ACCEPT");

	return req->fv[AI_STREAM].i != 0 || (accept != NULL &&
	    strstr(accept, "text/event-stream") != NULL);
}

void
api_assistant_ask(struct http_request *req)
{
	struct field_value	*fv = req->fv;
	struct svc_ctx		 ctx;
	struct ai_answer	 a;
	struct ai_stream	 stream;
	struct ai_sse		 sse = { req, 0 };
	json_object		*o, *q, *c;
	uint64_t		 conv = 0;
	int			 rc, want = ai_wants_stream(req);

	if (fv[AI_CONVERSATION].present && !fv[AI_CONVERSATION].null)
		conv = (uint64_t)fv[AI_CONVERSATION].i;
	stream.delta = ai_sse_delta;
	stream.arg = &sse;
	api_ctx(req, &ctx);
	rc = svc_assistant_ask(&ctx, fv[AI_QUESTION].s, conv, want ? &stream :
	    NULL, &a);
	if (rc != HF_OK && sse.begun) {
		/* the status went out with the first words: an error event */
		o = json_object_new_object();
		json_object_object_add(o, "status",
		    json_object_new_int(hf_err_status(rc)));
		json_object_object_add(o, "error",
		    json_object_new_string(hf_err_code(rc)));
		json_object_object_add(o, "message", json_object_new_string(
		    ctx.message != NULL ? ctx.message : hf_err_message(rc)));
		ai_sse_event(&sse, "error", o);
		return;
	}
	if (rc != HF_OK) {
		ai_fail(req, &ctx, rc);
		return;
	}
	o = hf_fields_json(answer_fields, HF_NITEMS(answer_fields), &a);
	json_object_object_add(o, "citations", hf_fields_json_array(
	    cite_fields, HF_NITEMS(cite_fields), a.cites, sizeof(*a.cites),
	    a.ncites));
	c = json_object_new_object();
	json_object_object_add(c, "titles", json_object_new_int64(a.titles));
	json_object_object_add(c, "loans", json_object_new_int64(a.loans));
	json_object_object_add(c, "holds", json_object_new_int64(a.holds));
	json_object_object_add(o, "context", c);
	q = json_object_new_object();
	json_object_object_add(q, "used", json_object_new_int64(a.used));
	json_object_object_add(q, "limit", json_object_new_int64(a.quota));
	json_object_object_add(o, "quota", q);
	if (sse.begun)
		ai_sse_event(&sse, "done", o);
	else
		http_reply(req, 200, o);
}
