/*
 * assistant.c: the catalog assistant (issue 14, item 5; assistant.h).
 *
 * One question: the conversation is checked (a reader's own, AI_007
 * otherwise), one of today's questions is taken (AI_002 past
 * assistant_daily_quota), then the context is gathered with the services
 * that already answer those questions: titles with the catalog search
 * (svc_products_list, first with the whole question, then word by word
 * while fewer than assistant_titles_max were found, since a search needs
 * every word), the reader's open loans (svc_loans_list) and holds
 * (svc_holds_list). The model gets a system message with the rules, one
 * with that context (titles numbered [1]..[n]), the conversation's last
 * messages and the question. The titles whose [n] the answer names are
 * its citations, each with its availability read again after the model
 * answered (svc_stock_get). A model that could not answer gives the
 * question back to the quota; nothing is stored then.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "holdfast/app.h"
#include "holdfast/assistant.h"
#include "holdfast/db.h"
#include "holdfast/db_assistant.h"
#include "holdfast/lending.h"
#include "holdfast/notify.h"

#define AI_HISTORY	6	/* earlier messages sent with a question */
#define AI_WORDS	8	/* word searches at most */
#define AI_MINE		20	/* loans and holds read of the reader */

static const char ai_rules[] =
    "You are the catalog assistant of a library. Answer the reader's "
    "question from the catalog titles and the reader's own loans and holds "
    "given below, and from nothing else. Cite a catalog title by its "
    "number in square brackets, like [1]. If no title fits, say so. Be "
    "brief.";

/* Words a search by itself would not narrow. */
static const char *const ai_stop[] = { "about", "any", "are", "book",
    "books", "can", "could", "does", "find", "for", "from", "have", "how",
    "library", "like", "me", "more", "please", "recommend", "some",
    "something", "that", "the", "there", "this", "what", "which", "with",
    "would", "you", "your", NULL };

struct ai_ctx {
	struct svc_ctx		*ctx;
	struct product		*titles;
	size_t			 ntitles;
	struct loan		*loans;
	size_t			 nloans;
	struct hold		*holds;
	size_t			 nholds;
};

static int
ai_enabled(const struct hf_config *cfg)
{
	return cfg->assistant_url[0] != '\0' && cfg->assistant_model[0] != '\0';
}

/* Seconds until the next UTC midnight, when the quota starts again. */
static int
ai_until_midnight(void)
{
	int64_t	now = hf_unix_time();

	return (int)(86400 - now % 86400);
}

int
svc_assistant_status(struct svc_ctx *ctx, struct ai_status *out)
{
	const struct hf_config	*cfg = &ctx->app->cfg;
	struct db_param		 p[1];
	int			 rc = HF_OK;

	memset(out, 0, sizeof(*out));
	out->enabled = ai_enabled(cfg);
	out->quota = cfg->assistant_daily_quota;
	if (!out->enabled)
		return HF_OK;
	out->model = cfg->assistant_model;
	if (ctx->who->user_id == 0)
		return HF_OK;
	p[0] = DB_INT((long long)ctx->who->user_id);
	out->used = db_count_of(ctx->app->db, ctx->arena,
	    &db_sql_ai_quota_used, p, 1, &rc);
	return rc;
}

/* Adds rows to a->titles, skipping the ones it has, up to max. */
static void
ai_add_titles(struct ai_ctx *a, const struct product *rows, size_t n,
    size_t max)
{
	size_t	i, j;

	for (i = 0; i < n && a->ntitles < max; i++) {
		for (j = 0; j < a->ntitles; j++)
			if (a->titles[j].id == rows[i].id)
				break;
		if (j == a->ntitles)
			a->titles[a->ntitles++] = rows[i];
	}
}

static int
ai_search(struct ai_ctx *a, const char *q, size_t max)
{
	struct product_filter	 f;
	struct product		*rows;
	long long		 total;
	size_t			 n = 0;
	int			 exact, rc;

	memset(&f, 0, sizeof(f));
	f.q = q;
	f.status = "active";
	f.page = 1;
	f.per_page = (long long)max;
	if ((rc = svc_products_list(a->ctx, &f, &rows, &n, &total,
	    &exact)) != HF_OK)
		return rc;
	ai_add_titles(a, rows, n, max);
	return HF_OK;
}

static int
ai_stopword(const char *w)
{
	size_t	i;

	for (i = 0; ai_stop[i] != NULL; i++)
		if (strcasecmp(ai_stop[i], w) == 0)
			return 1;
	return 0;
}

/* The titles: the whole question, then each word of 4 bytes or more. */
static int
ai_titles(struct ai_ctx *a, const char *question)
{
	struct svc_ctx	*ctx = a->ctx;
	size_t		 max = (size_t)ctx->app->cfg.assistant_titles_max;
	size_t		 i = 0, start, len = strlen(question), words = 0;
	char		*w;
	int		 rc;

	a->titles = arena_alloc(ctx->arena, max * sizeof(*a->titles));
	if (a->titles == NULL)
		return HF_E_SYS_INTERNAL;
	if (len <= 200 && (rc = ai_search(a, question, max)) != HF_OK)
		return rc;
	while (i < len && a->ntitles < max && words < AI_WORDS) {
		while (i < len && !isalnum((unsigned char)question[i]) &&
		    (unsigned char)question[i] < 0x80)
			i++;
		start = i;
		while (i < len && (isalnum((unsigned char)question[i]) ||
		    (unsigned char)question[i] >= 0x80))
			i++;
		if (i - start < 4 || i - start > 100)
			continue;
		if ((w = arena_alloc(ctx->arena, i - start + 1)) == NULL)
			return HF_E_SYS_INTERNAL;
		memcpy(w, question + start, i - start);
		w[i - start] = '\0';
		if (ai_stopword(w))
			continue;
		/* a search is by prefixes: "dragons" as "dragon" finds both */
		if (i - start >= 5 && (w[i - start - 1] == 's' ||
		    w[i - start - 1] == 'S'))
			w[i - start - 1] = '\0';
		words++;
		if ((rc = ai_search(a, w, max)) != HF_OK)
			return rc;
	}
	return HF_OK;
}

/* The reader's open loans and holds (their own lists, newest first). */
static int
ai_mine(struct ai_ctx *a)
{
	struct svc_ctx		*ctx = a->ctx;
	struct lend_filter	 f;
	struct svc_keyset	 ks;
	struct loan		*loans;
	struct hold		*holds;
	size_t			 n = 0, i;
	int			 rc;

	memset(&f, 0, sizeof(f));
	f.user_id = ctx->who->user_id;
	f.page = 1;
	f.per_page = AI_MINE;
	memset(&ks, 0, sizeof(ks));
	if ((rc = svc_loans_list(ctx, &f, &loans, &n, &ks)) != HF_OK)
		return rc;
	a->loans = loans;
	for (i = 0; i < n; i++)
		if (strcmp(loans[i].status, "returned") != 0)
			a->loans[a->nloans++] = loans[i];
	memset(&ks, 0, sizeof(ks));
	n = 0;
	if ((rc = svc_holds_list(ctx, &f, &holds, &n, &ks)) != HF_OK)
		return rc;
	a->holds = holds;
	for (i = 0; i < n; i++)
		if (strcmp(holds[i].status, "waiting") == 0 ||
		    strcmp(holds[i].status, "in_transit") == 0 ||
		    strcmp(holds[i].status, "ready") == 0)
			a->holds[a->nholds++] = holds[i];
	return HF_OK;
}

/* The context message: numbered titles, then loans, then holds. */
static char *
ai_context(struct ai_ctx *a)
{
	struct hf_buf		 b;
	const struct product	*t;
	size_t			 i;

	hf_buf_init(&b, a->ctx->arena, 0);
	hf_buf_puts(&b, "Catalog titles found for the question:\n");
	if (a->ntitles == 0)
		hf_buf_puts(&b, "(none)\n");
	for (i = 0; i < a->ntitles; i++) {
		t = &a->titles[i];
		hf_buf_printf(&b, "[%zu] \"%s\" (SKU %s, product %llu, "
		    "category %s): %lld available\n", i + 1, t->name, t->sku,
		    (unsigned long long)t->id, t->category != NULL ?
		    t->category : "none", t->stock.available);
	}
	hf_buf_puts(&b, "\nThe reader's loans:\n");
	if (a->nloans == 0)
		hf_buf_puts(&b, "(none)\n");
	for (i = 0; i < a->nloans; i++)
		hf_buf_printf(&b, "- \"%s\" (SKU %s): %s, due %s\n",
		    a->loans[i].name, a->loans[i].sku, a->loans[i].status,
		    a->loans[i].due_at != NULL ? a->loans[i].due_at : "-");
	hf_buf_puts(&b, "\nThe reader's holds:\n");
	if (a->nholds == 0)
		hf_buf_puts(&b, "(none)\n");
	for (i = 0; i < a->nholds; i++)
		hf_buf_printf(&b, "- \"%s\" (SKU %s): %s\n", a->holds[i].name,
		    a->holds[i].sku, a->holds[i].status);
	return b.toobig ? NULL : b.p;
}

/* The titles the answer names as [n], in the order it names them. */
static int
ai_citations(struct ai_ctx *a, const char *answer, struct ai_answer *out)
{
	struct svc_ctx		*ctx = a->ctx;
	struct stock_row	 s;
	const char		*p = answer;
	size_t			 k, j;
	long			 v;
	int			 rc;

	out->cites = arena_alloc(ctx->arena, (a->ntitles + 1) *
	    sizeof(*out->cites));
	if (out->cites == NULL)
		return HF_E_SYS_INTERNAL;
	while ((p = strchr(p, '[')) != NULL) {
		p++;
		for (v = 0, k = 0; isdigit((unsigned char)p[k]) && k < 3; k++)
			v = v * 10 + (p[k] - '0');
		if (k == 0 || p[k] != ']' || v < 1 || (size_t)v > a->ntitles)
			continue;
		for (j = 0; j < out->ncites; j++)
			if (out->cites[j].product_id == a->titles[v - 1].id)
				break;
		if (j < out->ncites)
			continue;
		out->cites[j].product_id = a->titles[v - 1].id;
		out->cites[j].sku = a->titles[v - 1].sku;
		out->cites[j].name = a->titles[v - 1].name;
		out->cites[j].available = a->titles[v - 1].stock.available;
		/* its availability now, after the model's seconds */
		if ((rc = svc_stock_get(ctx, out->cites[j].sku, &s)) == HF_OK)
			out->cites[j].available = s.available;
		else if (rc != HF_E_INV_NOT_FOUND)
			return rc;
		out->ncites++;
	}
	return HF_OK;
}

static const struct hf_field cite_fields[] = {
	HF_FIELD(struct ai_citation, product_id, HF_K_U64),
	HF_FIELD(struct ai_citation, sku, HF_K_STR),
	HF_FIELD(struct ai_citation, name, HF_K_STR),
	HF_FIELD(struct ai_citation, available, HF_K_INT),
};

struct ai_store {
	struct svc_ctx		*ctx;
	const char		*question;
	struct ai_answer	*out;
};

static int
ai_store_fn(struct db *db, void *arg)
{
	struct ai_store		*st = arg;
	struct svc_ctx		*ctx = st->ctx;
	struct ai_answer	*out = st->out;
	struct hf_buf		 b;
	struct db_param		 p[4];
	uint64_t		 id = 0;
	size_t			 i;
	int			 rc;

	if (out->conversation_id == 0) {
		p[0] = DB_INT((long long)ctx->who->user_id);
		if ((rc = db_exec(db, &db_sql_ai_conv_insert, p, 1, NULL,
		    &id)) != HF_OK)
			return rc;
		out->conversation_id = id;
	}
	hf_buf_init(&b, ctx->arena, 0);
	hf_buf_puts(&b, "[");
	for (i = 0; i < out->ncites; i++)
		hf_buf_printf(&b, "%s%s", i > 0 ? "," : "",
		    hf_fields_text(ctx->arena, cite_fields,
		    HF_NITEMS(cite_fields), &out->cites[i]));
	hf_buf_puts(&b, "]");
	if (b.toobig || b.p == NULL)
		return HF_E_SYS_INTERNAL;
	p[0] = DB_INT((long long)out->conversation_id);
	p[1] = DB_STR("user");
	p[2] = DB_STR(st->question);
	p[3] = DB_NULL;
	if ((rc = db_exec(db, &db_sql_ai_msg_insert, p, 4, NULL,
	    NULL)) != HF_OK)
		return rc;
	p[1] = DB_STR("assistant");
	p[2] = DB_STR(out->answer);
	p[3] = DB_STR(b.p);
	if ((rc = db_exec(db, &db_sql_ai_msg_insert, p, 4, NULL,
	    &out->message_id)) != HF_OK)
		return rc;
	return db_exec(db, &db_sql_ai_conv_touch, p, 1, NULL, NULL);
}

/* The model's answer, or the error its failure maps to. */
static int
ai_call(struct ai_ctx *a, const char *context, const struct ai_msg_row *hist,
    size_t nhist, const char *question, const struct ai_stream *stream,
    char **answer)
{
	struct svc_ctx		*ctx = a->ctx;
	const struct hf_config	*cfg = &ctx->app->cfg;
	struct notify_chat_msg	 msgs[AI_HISTORY + 3];
	struct notify_chat	 c;
	struct notify_chat_reply r;
	char			 err[256];
	size_t			 i, n = 0, len;
	int			 rc;

	msgs[n].role = "system";
	msgs[n++].content = ai_rules;
	msgs[n].role = "system";
	msgs[n++].content = context;
	for (i = 0; i < nhist && i < AI_HISTORY; i++) {
		msgs[n].role = hist[i].role;
		msgs[n++].content = hist[i].content;
	}
	msgs[n].role = "user";
	msgs[n++].content = question;
	memset(&c, 0, sizeof(c));
	c.url = cfg->assistant_url;
	c.key = cfg->assistant_key;
	c.model = cfg->assistant_model;
	c.msgs = msgs;
	c.nmsgs = n;
	c.connect_ms = cfg->assistant_connect_timeout_ms;
	c.total_ms = cfg->assistant_timeout_ms;
	c.retry_max_s = cfg->assistant_retry_after_max_s;
	if (stream != NULL) {
		c.stream = 1;
		c.on_delta = stream->delta;
		c.delta_arg = stream->arg;
	}
	rc = notify_chat_post(ctx->app->notify, &c, &r, err, sizeof(err));
	if (rc == NOTIFY_CHAT_OK) {
		/* a longer answer is cut at a character's end */
		len = hf_utf8_cut(r.content, r.len, AI_ANSWER_MAX);
		*answer = arena_alloc(ctx->arena, len + 1);
		if (*answer != NULL) {
			memcpy(*answer, r.content, len);
			(*answer)[len] = '\0';
		}
		notify_chat_reply_free(&r);
		return *answer != NULL ? HF_OK : HF_E_SYS_INTERNAL;
	}
	log_warn(ctx->request_id, "assistant: %s (attempts %d, status %d)",
	    err, r.attempts, r.http_status);
	ctx->message = arena_strdup(ctx->arena, err);
	svc_detail_int(ctx, "attempts", r.attempts);
	if (r.http_status != 0)
		svc_detail_int(ctx, "upstream_status", r.http_status);
	switch (rc) {
	case NOTIFY_CHAT_TIMEOUT:
		return HF_E_AI_TIMEOUT;
	case NOTIFY_CHAT_BUSY:
		ctx->retry_after = r.retry_after > 0 ? r.retry_after : 1;
		return HF_E_AI_BUSY;
	case NOTIFY_CHAT_GARBAGE:
		return HF_E_AI_GARBAGE;
	default:
		return HF_E_AI_UNREACHABLE;
	}
}

/* Takes one of today's questions: HF_OK, or AI_002 when none is left. */
static int
ai_quota_take(struct svc_ctx *ctx, struct ai_answer *out)
{
	struct db	*db = ctx->app->db;
	struct db_param	 p[2];
	uint64_t	 changed = 0;
	int		 rc;

	p[0] = DB_INT((long long)ctx->who->user_id);
	p[1] = DB_INT(ctx->app->cfg.assistant_daily_quota);
	out->quota = ctx->app->cfg.assistant_daily_quota;
	if ((rc = db_exec(db, &db_sql_ai_quota_row, p, 1, NULL, NULL)) !=
	    HF_OK || (rc = db_exec(db, &db_sql_ai_quota_take, p, 2, &changed,
	    NULL)) != HF_OK)
		return rc;
	if (changed == 0) {
		ctx->retry_after = ai_until_midnight();
		svc_detail_int(ctx, "limit", out->quota);
		return HF_E_AI_QUOTA;
	}
	out->used = db_count_of(db, ctx->arena, &db_sql_ai_quota_used, p, 1,
	    &rc);
	return rc;
}

static void
ai_quota_give(struct svc_ctx *ctx)
{
	struct db_param	p[1] = { DB_INT((long long)ctx->who->user_id) };

	if (db_exec(ctx->app->db, &db_sql_ai_quota_give, p, 1, NULL,
	    NULL) != HF_OK)
		log_warn(ctx->request_id, "assistant: quota not given back");
}

static int
ai_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

int
svc_assistant_ask(struct svc_ctx *ctx, const char *question,
    uint64_t conversation_id, const struct ai_stream *stream,
    struct ai_answer *out)
{
	struct ai_ctx		 a;
	struct ai_store		 st;
	struct ai_msg_row	*hist = NULL;
	struct ai_conv_row	 conv;
	struct db_param		 p[2];
	size_t			 nhist = 0;
	const char		*context;
	char			*answer;
	int			 rc, found;

	memset(out, 0, sizeof(*out));
	if (!ai_enabled(&ctx->app->cfg))
		return HF_E_AI_DISABLED;
	if (ctx->who->user_id == 0) {
		ctx->message = "the assistant answers signed-in readers only";
		return HF_E_AUTH_FORBIDDEN;
	}
	if (ai_blank(question)) {
		ctx->field = "question";
		ctx->reason = "must not be blank";
		return HF_E_REQ_FIELD;
	}
	if (conversation_id != 0) {
		p[0] = DB_INT((long long)conversation_id);
		p[1] = DB_INT((long long)ctx->who->user_id);
		if ((rc = db_row(ctx->app->db, ctx->arena, &db_sql_ai_conv_of,
		    p, 2, &conv, &found)) != HF_OK)
			return rc;
		if (!found)
			return HF_E_AI_NOT_FOUND;
		p[1] = DB_INT(AI_HISTORY);
		if ((rc = db_rows(ctx->app->db, ctx->arena,
		    &db_sql_ai_msgs_recent, p, 2, &hist, &nhist)) != HF_OK)
			return rc;
	}
	if ((rc = ai_quota_take(ctx, out)) != HF_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.ctx = ctx;
	if ((rc = ai_titles(&a, question)) != HF_OK ||
	    (rc = ai_mine(&a)) != HF_OK)
		goto give_back;
	if ((context = ai_context(&a)) == NULL) {
		rc = HF_E_SYS_INTERNAL;
		goto give_back;
	}
	if ((rc = ai_call(&a, context, hist, nhist, question, stream,
	    &answer)) != HF_OK)
		goto give_back;
	out->answer = answer;
	out->model = ctx->app->cfg.assistant_model;
	out->titles = (long long)a.ntitles;
	out->loans = (long long)a.nloans;
	out->holds = (long long)a.nholds;
	if ((rc = ai_citations(&a, answer, out)) != HF_OK)
		return rc;
	out->conversation_id = conversation_id;
	st.ctx = ctx;
	st.question = question;
	st.out = out;
	return db_txn(ctx->app->db, ai_store_fn, &st);
give_back:
	ai_quota_give(ctx);
	return rc;
}
