-- 009_locations.sql: stock in many places (issue 17).
--
-- A location is a warehouse, a store, a library branch or a pickup point.
-- Every unit is at one location: location_stock holds one row per product
-- and location, and the product's stock row keeps the sums across its
-- locations (its thresholds, level, active flag and version stay per
-- product). Both are written under the product's stock row lock, so the
-- sums never drift; reconcile checks them.
--
-- Today's stock moves to the default location `main` (id 1) as it is: no
-- ledger row is written, every existing ledger row is that location's
-- (their after-values were the product's, which were main's), and
-- reconcile is clean before and after.

CREATE TABLE locations (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	-- What callers name: letters, digits, '.', '_' and '-', 1 to 32,
	-- compared without case ("Main" is "main"), like SKUs.
	code             VARCHAR(32) CHARACTER SET ascii
	                 COLLATE ascii_general_ci NOT NULL,
	name             VARCHAR(100) NOT NULL,
	kind             ENUM('warehouse','store','branch','pickup')
	                 NOT NULL DEFAULT 'warehouse',
	is_active        TINYINT(1) NOT NULL DEFAULT 1,
	-- Allocation takes locations in (priority, id) order: lower first.
	-- The first active one is also where a move that names no location
	-- goes (a restock, an adjust, a product's first stock).
	priority         INT NOT NULL DEFAULT 100,
	-- The stocktake that froze it; writes that move units here are
	-- refused (LOC_002) until it is posted or cancelled.
	frozen_by        BIGINT UNSIGNED NULL,
	version          INT UNSIGNED NOT NULL DEFAULT 0,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                 ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_locations_code (code),
	KEY ix_locations_priority (priority, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO locations (id, code, name, kind, priority)
	VALUES (1, 'main', 'Main', 'warehouse', 0);

-- One product's units at one location. Invariant 1 holds here as on the
-- product's row; the product's on_hand and reserved are the sums of these.
CREATE TABLE location_stock (
	product_id       BIGINT UNSIGNED NOT NULL,
	location_id      BIGINT UNSIGNED NOT NULL,
	on_hand          INT NOT NULL DEFAULT 0,
	reserved         INT NOT NULL DEFAULT 0,
	available        INT AS (on_hand - reserved) STORED,
	updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                 ON UPDATE CURRENT_TIMESTAMP(3),
	-- Locks are taken in this order: (product, location).
	PRIMARY KEY (product_id, location_id),
	KEY ix_location_stock_location (location_id, product_id),
	CONSTRAINT chk_location_stock_reserved
		CHECK (reserved >= 0 AND reserved <= on_hand),
	CONSTRAINT fk_location_stock_product FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE RESTRICT,
	CONSTRAINT fk_location_stock_location FOREIGN KEY (location_id)
		REFERENCES locations (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO location_stock (product_id, location_id, on_hand, reserved)
	SELECT product_id, 1, on_hand, reserved FROM stock;

-- Every ledger row is one location's: its after-values are that
-- location's, so the stock anywhere at any past moment is the last row's
-- after-values per product and location (ix_ledger_point).
-- transfer_out and transfer_in move units between locations; a transfer
-- or a stocktake is named by reference_type/reference_id.
ALTER TABLE ledger
	ADD COLUMN location_id BIGINT UNSIGNED NOT NULL DEFAULT 1 AFTER sku,
	MODIFY type ENUM('restock','deduct','adjust','reserve','release',
	                 'transfer_out','transfer_in') NOT NULL,
	MODIFY reference_type ENUM('reservation','order','loan','hold',
	                 'manual','transfer','stocktake') NULL,
	ADD KEY ix_ledger_point (product_id, location_id, created_at),
	ADD CONSTRAINT fk_ledger_location FOREIGN KEY (location_id)
		REFERENCES locations (id) ON DELETE RESTRICT;

ALTER TABLE ledger DROP CONSTRAINT chk_ledger_deltas;
ALTER TABLE ledger ADD CONSTRAINT chk_ledger_deltas CHECK (
		(type = 'restock'
		 AND on_hand_delta > 0 AND reserved_delta = 0)
		OR (type = 'deduct'
		 AND on_hand_delta < 0
		 AND reserved_delta BETWEEN on_hand_delta AND 0)
		OR (type = 'reserve'
		 AND on_hand_delta = 0 AND reserved_delta > 0)
		OR (type = 'release'
		 AND on_hand_delta = 0 AND reserved_delta < 0)
		OR (type = 'transfer_out'
		 AND on_hand_delta < 0 AND reserved_delta = 0)
		OR (type = 'transfer_in'
		 AND on_hand_delta > 0 AND reserved_delta = 0)
		OR type = 'adjust');

-- A reservation holds units at one location; a loan's copy went out from
-- one (and comes back there unless the return names another).
ALTER TABLE reservations
	ADD COLUMN location_id BIGINT UNSIGNED NOT NULL DEFAULT 1
		AFTER product_id,
	ADD CONSTRAINT fk_reservations_location FOREIGN KEY (location_id)
		REFERENCES locations (id) ON DELETE RESTRICT;

ALTER TABLE loans
	ADD COLUMN location_id BIGINT UNSIGNED NOT NULL DEFAULT 1
		AFTER product_id,
	ADD CONSTRAINT fk_loans_location FOREIGN KEY (location_id)
		REFERENCES locations (id) ON DELETE RESTRICT;

-- A hold may ask for a pickup branch (NULL: wherever the copy is).
ALTER TABLE holds
	ADD COLUMN pickup_location_id BIGINT UNSIGNED NULL AFTER product_id,
	ADD CONSTRAINT fk_holds_pickup FOREIGN KEY (pickup_location_id)
		REFERENCES locations (id) ON DELETE RESTRICT;
