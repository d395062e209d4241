-- 008: one identity per SKU, and an origin for every reservation.
--
-- An SKU is ASCII letters, digits, '.', '_' and '-' (README "SKUs"), and
-- one SKU however its case is spelled: the SKU columns compare with
-- utf8mb4_general_ci, which for that alphabet folds exactly ASCII case.
-- Two products whose SKUs differ only in case stop this migration (the
-- unique key): rename one first.
ALTER TABLE products MODIFY sku VARCHAR(64)
	CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL;
ALTER TABLE ledger MODIFY sku VARCHAR(64)
	CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL;
ALTER TABLE order_lines MODIFY sku VARCHAR(64)
	CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL;
ALTER TABLE loans MODIFY sku VARCHAR(64)
	CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL;

-- Which flow made a reservation: 'api' (POST /reservations) or the order,
-- loan or hold that ends it. Only 'api' ones end through the generic
-- commit and release routes. created_by (the actor) owns it: others get
-- 404, admin sees all.
ALTER TABLE reservations
	ADD COLUMN origin ENUM('api','order','hold','loan') NOT NULL
		DEFAULT 'api' AFTER type,
	ADD KEY ix_reservations_owner (created_by, id);
UPDATE reservations SET origin = 'hold' WHERE type = 'hold';
UPDATE reservations r JOIN orders o ON o.reference_id = r.reference_id
	SET r.origin = 'order';
