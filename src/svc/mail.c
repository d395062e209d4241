/*
 * mail.c: the outbox's e-mail channel (OUTBOX_EMAIL): a row's payload
 * {subject, body} sent over SMTP to its target. Registered by svc_init.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "holdfast/app.h"
#include "holdfast/notify.h"
#include "holdfast/outbox.h"
#include "holdfast/svc.h"

static const char *
json_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Sends the e-mail of one row. Returns 0 or NOTIFY_RETRY/PERMANENT. */
int
mail_deliver(struct app *app, struct arena *a, uint64_t outbox_id,
    const char *to, const char *payload, uint64_t **fanned, size_t *nfanned,
    char *err, size_t errlen)
{
	struct json_object	*o;
	const char		*subject, *body;
	int			 rc;

	(void)a;
	(void)outbox_id;
	(void)fanned;
	(void)nfanned;
	if (payload == NULL || (o = json_tokener_parse(payload)) == NULL) {
		snprintf(err, errlen, "payload: not JSON");
		return NOTIFY_PERMANENT;
	}
	subject = json_str(o, "subject");
	body = json_str(o, "body");
	if (subject == NULL || body == NULL) {
		snprintf(err, errlen, "payload: no subject or body");
		rc = NOTIFY_PERMANENT;
	} else
		rc = notify_smtp_send(app->notify, to, subject, body, err,
		    errlen);
	json_object_put(o);
	return rc;
}
