-- 013: lists whose cost does not grow with history (issue 13, item 5).
-- Every history list pages by keyset (id < ?after, newest first); each
-- filter that can drive a list needs an index whose order, after the
-- filter's column, is the id, so that a page is a short backwards walk
-- of one index whatever its depth (docs/internals.md, "Issue 13: lists").
-- The ledger: reference_id alone (ix_ledger_reference leads with
-- reference_type, which the list does not filter on), a location, a type.
ALTER TABLE ledger
	ADD KEY ix_ledger_refid (reference_id, id),
	ADD KEY ix_ledger_location_id (location_id, id),
	ADD KEY ix_ledger_type_id (type, id);
-- Reservations: of one product (the sku filter, through products), of
-- one status. A reference's and an owner's have theirs
-- (ix_reservations_reference, ix_reservations_owner in 008).
ALTER TABLE reservations
	ADD KEY ix_reservations_product_id (product_id, id),
	ADD KEY ix_reservations_status_id (status, id);
-- Orders, loans, holds: one user's (every non-staff list), and orders by
-- status for staff.
ALTER TABLE orders
	ADD KEY ix_orders_user_id (user_id, id),
	ADD KEY ix_orders_status_id (status, id);
ALTER TABLE loans ADD KEY ix_loans_user_id (user_id, id);
ALTER TABLE holds ADD KEY ix_holds_user_id (user_id, id);
-- The audit log: one actor's rows.
ALTER TABLE audit_log ADD KEY ix_audit_actor_id (actor, id);
