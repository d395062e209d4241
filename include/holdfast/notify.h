/*
 * notify.h: the only door to libcurl. One notifier per process holds one
 * curl easy handle, created before the accept loop and reused (reset)
 * for every delivery: e-mail over SMTP, webhooks over HTTP(S).
 */
#ifndef HOLDFAST_NOTIFY_H
#define HOLDFAST_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/core.h"

struct notifier;

/* What a failed delivery says about retrying it. */
#define NOTIFY_RETRY		(-1)	/* transient: try again later */
#define NOTIFY_PERMANENT	(-2)	/* the message itself is unusable */

/* Hard cap on one built message (headers and encoded body). */
#define NOTIFY_MAIL_MAX		(4 * 1024 * 1024)

struct notifier	*notify_new(const struct hf_config *);
void		 notify_free(struct notifier *);

int	 notify_smtp_send(struct notifier *, const char *to,
	    const char *subject, const char *body, char *err, size_t errlen);

/* Webhooks (http.c): one signed JSON POST per delivery. */
#define NOTIFY_URL_MAX		2048

struct notify_webhook {
	const char	*url;
	const char	*secret;	/* HMAC-SHA256 key */
	const char	*event;		/* X-Holdfast-Event */
	const char	*event_id;	/* X-Holdfast-Event-Id */
	uint64_t	 delivery_id;	/* X-Holdfast-Delivery (outbox id) */
	const char	*body;
	size_t		 len;
};

int	 notify_webhook_url_ok(const char *);

/* notify_webhook_target: may a webhook reach url (webhook_allow_private)? */
#define NOTIFY_TARGET_OK	0
#define NOTIFY_TARGET_BAD	1	/* no http(s) URL with a host */
#define NOTIFY_TARGET_PRIVATE	2	/* an internal address it refuses */
int	 notify_webhook_target(const char *url, int allow);
int	 notify_webhook_post(struct notifier *, const struct notify_webhook *,
	    char *err, size_t errlen);

/*
 * The pure part (mail.c): checks and builds one plain-text message, so
 * it can be tested without a server.
 */
struct notify_mail {
	const char	*from;		/* From header, as configured */
	const char	*to;		/* one bare address */
	const char	*subject;	/* UTF-8, no CR or LF */
	const char	*body;		/* UTF-8, any line ends */
	int64_t		 date;		/* unix seconds (Date header) */
	const char	*message_id;	/* without the angle brackets */
};

int	 notify_addr_ok(const char *);
int	 notify_header_ok(const char *);
int	 notify_from_addr(const char *from, char *out, size_t outlen);
int	 notify_mail_build(const struct notify_mail *, char **out,
	    size_t *outlen, char *err, size_t errlen);

/*
 * The catalog assistant's model (chat.c): one POST of a chat-completions
 * request to an OpenAI-compatible endpoint, within one deadline.
 */
struct notify_chat_msg {
	const char	*role;		/* system, user, assistant */
	const char	*content;	/* UTF-8 */
};

struct notify_chat {
	const char	*url;		/* {url}/chat/completions, or the full
					   URL when it ends so */
	const char	*key;		/* Bearer; empty: none */
	const char	*model;
	const struct notify_chat_msg *msgs;
	size_t		 nmsgs;
	long		 connect_ms;	/* each connect */
	long		 total_ms;	/* everything, the retry included */
	long		 retry_max_s;	/* the longest Retry-After waited */
	/* stream: ask for an SSE answer and pass each delta of its content
	 * on as it comes (a whole JSON answer comes as one delta) */
	int		 stream;
	void		(*on_delta)(void *arg, const char *text, size_t len);
	void		*delta_arg;
};

struct notify_chat_reply {
	char		*content;	/* choices[0].message.content,
					   malloc'd: notify_chat_reply_free */
	size_t		 len;
	int		 http_status;	/* of the last attempt, 0: none */
	int		 attempts;
	int		 retry_after;	/* seconds, NOTIFY_CHAT_BUSY */
	size_t		 streamed;	/* deltas passed on (no retry then) */
};

#define NOTIFY_CHAT_OK		0
#define NOTIFY_CHAT_DOWN	1	/* refused, no route, DNS */
#define NOTIFY_CHAT_TIMEOUT	2	/* past the deadline */
#define NOTIFY_CHAT_BUSY	3	/* 429 after the retry */
#define NOTIFY_CHAT_FAILED	4	/* 5xx after the retry, other 4xx */
#define NOTIFY_CHAT_GARBAGE	5	/* not JSON, no content, too big */

int	 notify_chat_post(struct notifier *, const struct notify_chat *,
	    struct notify_chat_reply *, char *err, size_t errlen);
void	 notify_chat_reply_free(struct notify_chat_reply *);

#endif /* HOLDFAST_NOTIFY_H */
