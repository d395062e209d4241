/*
 * assistant.h: the catalog assistant (issue 14, item 5; src/svc/
 * assistant.c). A signed-in reader asks a question; the service finds
 * matching titles with the catalog search (svc_products_list), reads the
 * reader's loans and holds, sends all of it as context to the configured
 * OpenAI-compatible model (notify_chat_post) and returns its answer with
 * the titles it cited and their availability now.
 */
#ifndef HOLDFAST_ASSISTANT_H
#define HOLDFAST_ASSISTANT_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/svc.h"

#define AI_QUESTION_MAX	2000	/* bytes */
#define AI_ANSWER_MAX	16000	/* bytes of an answer kept */

struct ai_citation {
	uint64_t	 product_id;
	const char	*sku, *name;
	long long	 available;
};

struct ai_answer {
	uint64_t		 conversation_id, message_id;
	const char		*answer;
	const char		*model;
	struct ai_citation	*cites;
	size_t			 ncites;
	long long		 titles, loans, holds;	/* context sent */
	long long		 used, quota;		/* today, after it */
};

struct ai_status {
	int		 enabled;
	const char	*model;
	long long	 used, quota;
};

/* A streamed answer: each piece of its text as the model sends it. */
struct ai_stream {
	void		(*delta)(void *arg, const char *text, size_t len);
	void		*arg;
};

int	 svc_assistant_status(struct svc_ctx *, struct ai_status *);
/* stream NULL: the answer comes whole */
int	 svc_assistant_ask(struct svc_ctx *, const char *question,
	    uint64_t conversation_id, const struct ai_stream *,
	    struct ai_answer *);

#endif /* HOLDFAST_ASSISTANT_H */
