-- 002_shop.sql: orders, payments and webhooks (issue 6).
--
-- Same conventions as 001_init.sql. The order, payment and webhook tables
-- themselves are in 001; this adds what their services need beside them.

-- A ledger row that reserves or ends a reservation names what caused it:
-- the reservation itself (POST /reservations), or the order or loan the
-- units went to (an order's deduct names the order). reservation_id keeps
-- the tie to the reservation either way, so invariant 4 (one ending row
-- per ended reservation) is checked on this column. Rows written before
-- this migration named their reservation in reference_id: copied over.
ALTER TABLE ledger
	ADD COLUMN reservation_id BIGINT UNSIGNED NULL AFTER reference_id,
	ADD KEY ix_ledger_reservation (reservation_id, type);

UPDATE ledger SET reservation_id = CAST(reference_id AS UNSIGNED)
	WHERE reference_type = 'reservation' AND reference_id IS NOT NULL;

-- The deliveries of one webhook (GET /api/v1/webhooks/{id}/deliveries):
-- outbox rows with channel 'webhook' and target = the webhook's id.
ALTER TABLE outbox
	ADD KEY ix_outbox_target (channel, target, id);

