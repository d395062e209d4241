-- 010_transfers.sql: units moving between locations (issue 17, item 3),
-- and a hold's copy travelling to its pickup branch (item 2).
--
-- A transfer ships at once: each line's units leave `from` as one
-- `transfer_out` ledger row naming the transfer (reference_type
-- 'transfer', reference_id its id) and are in transit. Receipts add them
-- at `to` as `transfer_in` rows naming it, in full or short, in as many
-- calls as it takes. Closing ends it: each unit still in transit is
-- either returned to `from` (a `transfer_in` row there) or written off
-- (the line's written_off count and reason, and the audit log; no ledger
-- row, since nothing moves: the units already left `from` when shipped).
-- So for every line, always:
--
--   quantity = received + returned + written_off + in_transit
--
-- and the ledger agrees: the `transfer_out` rows naming the transfer are
-- its quantity, the `transfer_in` rows at `to` its received, those at
-- `from` its returned. Reconcile checks both (check 6).
--
-- status: in_transit  shipped, units still on the way (receive, close)
--         received    every unit received (set by the last receipt)
--         closed      ended by close: the rest returned or written off
-- Only in_transit takes a receipt or a close (XFER_001 otherwise).

CREATE TABLE transfers (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	from_location_id BIGINT UNSIGNED NOT NULL,
	to_location_id   BIGINT UNSIGNED NOT NULL,
	status           ENUM('in_transit','received','closed')
	                 NOT NULL DEFAULT 'in_transit',
	note             VARCHAR(255) NULL,
	-- what close said of the units it wrote off (each line keeps its own)
	close_reason     VARCHAR(255) NULL,
	-- the hold whose copy travels to its pickup branch (holds_fill)
	hold_id          BIGINT UNSIGNED NULL,
	created_by       VARCHAR(128) CHARACTER SET utf8mb4
	                 COLLATE utf8mb4_bin NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	shipped_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	-- the last receipt
	received_at      DATETIME(3) NULL,
	-- when it ended: the last unit received, or closed
	closed_at        DATETIME(3) NULL,
	version          INT UNSIGNED NOT NULL DEFAULT 0,
	PRIMARY KEY (id),
	KEY ix_transfers_status (status, id),
	KEY ix_transfers_from (from_location_id, id),
	KEY ix_transfers_to (to_location_id, id),
	KEY ix_transfers_hold (hold_id),
	CONSTRAINT chk_transfers_places
		CHECK (from_location_id <> to_location_id),
	CONSTRAINT chk_transfers_ended
		CHECK (status = 'in_transit' OR closed_at IS NOT NULL),
	CONSTRAINT fk_transfers_from FOREIGN KEY (from_location_id)
		REFERENCES locations (id) ON DELETE RESTRICT,
	CONSTRAINT fk_transfers_to FOREIGN KEY (to_location_id)
		REFERENCES locations (id) ON DELETE RESTRICT,
	CONSTRAINT fk_transfers_hold FOREIGN KEY (hold_id)
		REFERENCES holds (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One product of a transfer (lines of one SKU in any spelling are one).
CREATE TABLE transfer_lines (
	transfer_id      BIGINT UNSIGNED NOT NULL,
	product_id       BIGINT UNSIGNED NOT NULL,
	sku              VARCHAR(64) CHARACTER SET utf8mb4
	                 COLLATE utf8mb4_general_ci NOT NULL,
	quantity         INT NOT NULL,
	received         INT NOT NULL DEFAULT 0,
	written_off      INT NOT NULL DEFAULT 0,
	returned         INT NOT NULL DEFAULT 0,
	write_off_reason VARCHAR(255) NULL,
	in_transit       INT AS (quantity - received - written_off - returned)
	                 STORED,
	PRIMARY KEY (transfer_id, product_id),
	-- reconcile: a product's transfer lines
	KEY ix_transfer_lines_product (product_id, transfer_id),
	CONSTRAINT chk_transfer_lines_counts CHECK (quantity > 0
		AND received >= 0 AND written_off >= 0 AND returned >= 0
		AND received + written_off + returned <= quantity),
	CONSTRAINT fk_transfer_lines_transfer FOREIGN KEY (transfer_id)
		REFERENCES transfers (id) ON DELETE RESTRICT,
	CONSTRAINT fk_transfer_lines_product FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A hold whose copy travels to its pickup branch is `in_transit`: it has
-- left the queue (no unit is owed to it, it is not first in line any
-- more) and is not ready yet (no pickup window). The copy's receipt at the
-- branch makes it `ready`; a cancel ends it like a waiting one; a transfer
-- closed without the copy puts it back to `waiting`, first in line again
-- (its created_at is unchanged). One open hold per user and SKU still.
ALTER TABLE holds
	MODIFY status ENUM('waiting','in_transit','ready','collected',
	                   'cancelled','expired') NOT NULL DEFAULT 'waiting',
	MODIFY open_user_id BIGINT UNSIGNED AS
	       (IF(status IN ('waiting','in_transit','ready'), user_id, NULL))
	       STORED;
