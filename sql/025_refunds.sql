-- 025_refunds.sql: partial refunds and returns (issue 15, item 6).
--
-- A refund is money back on a paid or fulfilled order: an amount (never
-- more, over all of an order's refunds, than its total), a reason and the
-- payment provider's reference, and the lines it covers when it was made
-- by line. Its lines say how many units went back on the shelf with it
-- (restocked: only for goods not yet fulfilled, or by the whole refund).
-- A return is goods back on a fulfilled order: each line sellable (a
-- restock naming the order) or not (a restock and a deduct, the deduct's
-- reason saying why). Written only under the order row's lock, so two
-- refunds or returns of one order at once run one after the other.
-- The rows are kept as written: nothing here is updated or deleted.

CREATE TABLE order_refunds (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	order_id         BIGINT UNSIGNED NOT NULL,
	-- partial: POST /orders/{id}/refunds; whole: POST /orders/{id}/refund
	kind             ENUM('partial','whole') NOT NULL,
	amount           DECIMAL(12,2) NOT NULL,
	currency         CHAR(3) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	reason           VARCHAR(255) NOT NULL,
	provider_ref     VARCHAR(128) COLLATE utf8mb4_bin NULL,
	-- points given back (spent on the order) and taken back (it earned)
	points_returned  INT NOT NULL DEFAULT 0,
	points_revoked   INT NOT NULL DEFAULT 0,
	created_by       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	request_id       VARCHAR(64) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_order_refunds_order (order_id, id),
	CONSTRAINT chk_order_refunds_amount CHECK (amount >= 0 AND
		(kind = 'whole' OR amount > 0)),
	CONSTRAINT chk_order_refunds_points CHECK (points_returned >= 0 AND
		points_revoked >= 0),
	CONSTRAINT fk_order_refunds_order FOREIGN KEY (order_id)
		REFERENCES orders (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_refund_lines (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	refund_id        BIGINT UNSIGNED NOT NULL,
	order_id         BIGINT UNSIGNED NOT NULL,
	product_id       BIGINT UNSIGNED NOT NULL,
	sku              VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
	quantity         INT NOT NULL,
	-- the units that went back on the shelf with the refund (the whole
	-- refund restocks every unit still out, refunded before or not)
	restocked        INT NOT NULL DEFAULT 0,
	PRIMARY KEY (id),
	KEY ix_order_refund_lines_order (order_id, product_id),
	KEY ix_order_refund_lines_refund (refund_id),
	CONSTRAINT chk_order_refund_lines_qty CHECK (quantity >= 0 AND
		restocked >= 0),
	CONSTRAINT fk_order_refund_lines_refund FOREIGN KEY (refund_id)
		REFERENCES order_refunds (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_returns (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	order_id         BIGINT UNSIGNED NOT NULL,
	note             VARCHAR(255) NULL,
	created_by       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	request_id       VARCHAR(64) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_order_returns_order (order_id, id),
	CONSTRAINT fk_order_returns_order FOREIGN KEY (order_id)
		REFERENCES orders (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_return_lines (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	return_id        BIGINT UNSIGNED NOT NULL,
	order_id         BIGINT UNSIGNED NOT NULL,
	product_id       BIGINT UNSIGNED NOT NULL,
	sku              VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
	quantity         INT NOT NULL,
	sellable         TINYINT(1) NOT NULL,
	-- why an unsellable unit left (the deduct's reason); NULL: sellable
	reason           VARCHAR(255) NULL,
	PRIMARY KEY (id),
	KEY ix_order_return_lines_order (order_id, product_id),
	KEY ix_order_return_lines_return (return_id),
	CONSTRAINT chk_order_return_lines_qty CHECK (quantity > 0),
	CONSTRAINT fk_order_return_lines_return FOREIGN KEY (return_id)
		REFERENCES order_returns (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
