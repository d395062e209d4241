/*
 * payments.c: the payment provider's callback (issue 6, POST
 * /api/v1/payments/notify). The signature is an HMAC-SHA256 of the raw
 * body with payment_secret, checked in constant time before anything is
 * parsed (svc_payment_verify). A verified notification is then applied
 * once per provider transaction id: a "paid" one for the order's exact
 * total and currency pays the order (order_pay, order_state.c) in the
 * same transaction that records it. Every notification that gets that
 * far is a row of payments, whatever came of it (outcome applied,
 * duplicate or rejected, with a reason), so a dispute can be answered
 * from the table.
 */
#include <stdio.h>
#include <string.h>

#include "holdfast/db.h"
#include "holdfast/db_orders.h"
#include "holdfast/orders.h"
#include "ord_int.h"

/*
 * Checks "sha256=<hex HMAC-SHA256 of body with payment_secret>" in
 * constant time. HF_OK, HF_E_PAY_SIGNATURE, or HF_E_SYS_UNAVAILABLE when
 * no payment_secret is configured (the provider should retry later).
 */
int
svc_payment_verify(struct app *app, const char *signature, const char *body,
    size_t len)
{
	const char	*secret = app->cfg.payment_secret;
	unsigned char	 mac[32];
	char		 want[2 * sizeof(mac) + 1], got[sizeof(want)];
	size_t		 i;

	if (secret[0] == '\0') {
		log_error(NULL, "payments/notify: payment_secret is not set: "
		    "every callback is refused");
		return HF_E_SYS_UNAVAILABLE;
	}
	if (signature == NULL || strncmp(signature, "sha256=", 7) != 0 ||
	    strlen(signature + 7) != sizeof(want) - 1)
		return HF_E_PAY_SIGNATURE;
	for (i = 0; i < sizeof(want) - 1; i++) {
		char	c = signature[7 + i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return HF_E_PAY_SIGNATURE;
		got[i] = c;
	}
	got[i] = '\0';
	if (hf_hmac_sha256(mac, secret, strlen(secret), body, len) != 0)
		return HF_E_SYS_INTERNAL;
	hf_hex(want, mac, sizeof(mac));
	return hf_ct_equal(want, got, sizeof(want) - 1) ? HF_OK :
	    HF_E_PAY_SIGNATURE;
}

struct notify_txn {
	struct svc_ctx			*ctx;
	const struct payment_note	*in;
	struct payment_result		*out;
	int				 refusal;	/* after COMMIT */
};

/* One row of payments: every notification is kept, whatever came of it. */
static int
payment_record(struct db *db, struct notify_txn *t, uint64_t order_id,
    const char *outcome, const char *reason)
{
	const struct payment_note	*in = t->in;
	struct db_param			 p[8];

	p[0] = order_id != 0 ? DB_INT((long long)order_id) : DB_NULL;
	p[1] = DB_STR(in->provider_txn_id);
	p[2] = DB_STR(in->amount);
	p[3] = DB_STR(in->currency);
	p[4] = DB_STR(in->status);
	p[5] = DB_STR(in->raw);
	p[6] = DB_STR(outcome);
	p[7] = DB_STR_OR_NULL(reason);
	return db_exec(db, &db_sql_payment_insert, p, 8, NULL,
	    &t->out->payment_id);
}

static int
notify_fn(struct db *db, void *arg)
{
	struct notify_txn		*t = arg;
	struct svc_ctx			*ctx = t->ctx;
	const struct payment_note	*in = t->in;
	struct order			*o = &t->out->order;
	struct payment_applied		 before;
	struct db_param			 p[1];
	int				 rc, found;

	t->refusal = HF_OK;
	t->out->outcome = NULL;
	rc = order_load(db, ctx->arena, in->order_id, 1, o);
	if (rc == HF_E_ORD_NOT_FOUND) {
		memset(o, 0, sizeof(*o));
		t->refusal = order_not_found(ctx, in->order_id);
		return payment_record(db, t, 0, "rejected", "unknown order");
	}
	if (rc != HF_OK)
		return rc;
	p[0] = DB_STR(in->provider_txn_id);
	if ((rc = db_row(db, ctx->arena, &db_sql_payment_applied, p, 1,
	    &before, &found)) != HF_OK)
		return rc;
	if (found) {
		t->out->outcome = "duplicate";
		return payment_record(db, t, o->id, "duplicate", arena_printf(
		    ctx->arena, "applied before as payment %llu",
		    (unsigned long long)before.id));
	}
	if (strcmp(in->status, "paid") != 0) {
		t->out->outcome = "ignored";
		return payment_record(db, t, o->id, "rejected", arena_printf(
		    ctx->arena, "status %.32s: nothing to apply", in->status));
	}
	if (strcmp(in->currency, o->currency) != 0 ||
	    in->amount_cents != o->total_cents) {
		ctx->message = arena_printf(ctx->arena, "payment of %s %s does "
		    "not match order %llu: %s %s", in->amount, in->currency,
		    (unsigned long long)o->id, o->total, o->currency);
		svc_details_clear(ctx);
		svc_detail_int(ctx, "order_id", (long long)o->id);
		svc_detail_str(ctx, "expected_amount", o->total);
		svc_detail_str(ctx, "expected_currency", o->currency);
		t->refusal = HF_E_PAY_MISMATCH;
		return payment_record(db, t, o->id, "rejected", ctx->message);
	}
	if ((rc = order_pay(db, ctx, o, &t->refusal)) != HF_OK)
		return rc;
	if (t->refusal != HF_OK)
		return payment_record(db, t, o->id, "rejected", ctx->message);
	rc = payment_record(db, t, o->id, "applied", NULL);
	if (rc == HF_E_DUPLICATE)	/* applied to another order just now */
		return HF_E_INV_CONFLICT;
	if (rc != HF_OK)
		return rc;
	t->out->outcome = "applied";
	return order_load(db, ctx->arena, o->id, 0, o);
}

/*
 * Applies a notification whose signature was checked: a "paid" one for the
 * order's exact total and currency pays it (its reservations committed in
 * the same transaction); the same provider_txn_id again is a duplicate,
 * answered as a success and applied once. Every notification is recorded
 * in payments, refused ones included (outcome rejected): PAY_002 for the
 * wrong amount or currency, ORD_001 for an unknown order, ORD_002/ORD_003
 * for an order that cannot be paid.
 */
int
svc_payment_notify(struct svc_ctx *ctx, const struct payment_note *in,
    struct payment_result *out)
{
	struct notify_txn	t;
	int			rc;

	memset(&t, 0, sizeof(t));
	memset(out, 0, sizeof(*out));
	t.ctx = ctx;
	t.in = in;
	t.out = out;
	rc = svc_txn(ctx, notify_fn, &t);
	return rc == HF_OK ? t.refusal : rc;
}
