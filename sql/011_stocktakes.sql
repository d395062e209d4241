-- 011_stocktakes.sql: counting the units at one location (issue 17,
-- item 4).
--
-- A stocktake counts one location. It records, when it starts, the
-- largest ledger id (start_ledger_id): the stock there "at the moment
-- the count started" is, for each product, the on_hand_after of its last
-- ledger row at that location with an id at or below that mark (0 when
-- there is none), since every ledger row is one location's and carries
-- that location's values after it. Posting adds counted - expected to
-- the units there now, as one `adjust` row per line that differs, so
-- the moves made between the start and the post are kept.
--
-- A stocktake may freeze its location (locations.frozen_by, 009): every
-- change there but a release and its own post is refused (LOC_002) until
-- it is posted or cancelled.

CREATE TABLE stocktakes (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	location_id      BIGINT UNSIGNED NOT NULL,
	status           ENUM('open','posted','cancelled') NOT NULL
	                 DEFAULT 'open',
	-- it froze its location while open
	freeze           TINYINT(1) NOT NULL DEFAULT 0,
	-- MAX(ledger.id) when the count started (0 on an empty ledger)
	start_ledger_id  BIGINT UNSIGNED NOT NULL,
	note             VARCHAR(1000) NULL,
	created_by       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	-- who posted or cancelled it
	closed_by        VARCHAR(128) COLLATE utf8mb4_bin NULL,
	started_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	posted_at        DATETIME(3) NULL,
	cancelled_at     DATETIME(3) NULL,
	-- the location while open, NULL once ended: at most one open
	-- stocktake per location (STK_002), whoever races to start one
	open_location_id BIGINT UNSIGNED AS
	                 (IF(status = 'open', location_id, NULL)) STORED,
	PRIMARY KEY (id),
	UNIQUE KEY uq_stocktakes_open (open_location_id),
	KEY ix_stocktakes_location (location_id, id),
	KEY ix_stocktakes_status (status, id),
	CONSTRAINT chk_stocktakes_ended CHECK (
		(status = 'posted') = (posted_at IS NOT NULL)
		AND (status = 'cancelled') = (cancelled_at IS NOT NULL)),
	CONSTRAINT fk_stocktakes_location FOREIGN KEY (location_id)
		REFERENCES locations (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One counted product of a stocktake: what was counted, what the
-- ledger says was there at the start (filled when counts are entered,
-- and again when posted), and the adjust row the post wrote (NULL when
-- the count matched, or before the post).
CREATE TABLE stocktake_lines (
	stocktake_id     BIGINT UNSIGNED NOT NULL,
	product_id       BIGINT UNSIGNED NOT NULL,
	-- the product's SKU as stored (copied, as the ledger does)
	sku              VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
	counted          INT NOT NULL,
	expected         INT NOT NULL,
	variance         INT NOT NULL,
	ledger_id        BIGINT UNSIGNED NULL,
	PRIMARY KEY (stocktake_id, product_id),
	KEY ix_stocktake_lines_product (product_id),
	CONSTRAINT chk_stocktake_lines_counts CHECK (
		counted >= 0 AND expected >= 0
		AND variance = counted - expected),
	CONSTRAINT fk_stocktake_lines_stocktake FOREIGN KEY (stocktake_id)
		REFERENCES stocktakes (id) ON DELETE CASCADE,
	CONSTRAINT fk_stocktake_lines_product FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The expected stock: the last ledger row of (product, location) at or
-- below an id, one index dive (ix_ledger_point orders by time, not id).
ALTER TABLE ledger
	ADD KEY ix_ledger_place_id (product_id, location_id, id);
