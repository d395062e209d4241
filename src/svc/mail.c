/*
 * mail.c: the outbox's e-mail channel (OUTBOX_EMAIL): a row's payload
 * {subject, body} sent over SMTP to its target. Registered by svc_init.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/app.h"
#include "holdfast/notify.h"
#include "holdfast/outbox.h"
#include "holdfast/svc.h"

/* What outbox_email stores (read back through the same names). */
struct mail_payload {
	const char	*subject;
	const char	*body;
};

static const struct hf_field mail_fields[] = {
	HF_FIELD(struct mail_payload, subject, HF_K_STR),
	HF_FIELD(struct mail_payload, body, HF_K_STR),
};

/* Sends the e-mail of one row. Returns 0 or NOTIFY_RETRY/PERMANENT. */
int
mail_deliver(struct app *app, struct arena *a, uint64_t outbox_id,
    const char *to, const char *payload, uint64_t **fanned, size_t *nfanned,
    char *err, size_t errlen)
{
	struct mail_payload	m;

	(void)outbox_id;
	(void)fanned;
	(void)nfanned;
	memset(&m, 0, sizeof(m));
	if (hf_fields_parse(a, mail_fields, HF_NITEMS(mail_fields), &m,
	    payload) != 0) {
		snprintf(err, errlen, "payload: not JSON");
		return NOTIFY_PERMANENT;
	}
	if (m.subject == NULL || m.body == NULL) {
		snprintf(err, errlen, "payload: no subject or body");
		return NOTIFY_PERMANENT;
	}
	return notify_smtp_send(app->notify, to, m.subject, m.body, err,
	    errlen);
}
