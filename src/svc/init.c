/*
 * init.c: wires the services to each other, once per process before any
 * request or cron run (every program in src/bin calls svc_init after
 * app_init). Plumbing calls domain code only through what is registered
 * here: the stock layer's hold queue, the outbox's channels. The one file
 * of src/svc that may name any other.
 */
#include "holdfast/orders.h"
#include "holdfast/outbox.h"
#include "holdfast/svc.h"
#include "inv_int.h"
#include "lend_int.h"

void
svc_init(void)
{
	inv_queue_set(&holds_queue);
	outbox_channel_set(OUTBOX_EMAIL, mail_deliver);
	outbox_channel_set(OUTBOX_WEBHOOK, webhook_deliver);
}
