-- 020_points.sql: points (issue 15, item 3).
--
-- A user's points are kept as stock is: an account row with the balance
-- and the points reserved by unpaid orders (available = balance -
-- reserved), written only under that row's lock, and an append-only
-- ledger with after-values (the application may only SELECT and INSERT
-- it: holdfast-admin grant). Reconcile checks that the account equals
-- the sums of its ledger, that the reserved points equal the unpaid
-- orders' points, and that the unexpired lots hold the balance.
--
-- Points expire by lot: each credit (an earn, a check-in, a return of
-- spent points, a positive adjustment) is a lot with its own expiry, and
-- debits (spend, expire, take back, negative adjustment) draw on the
-- oldest lots first (FIFO).

CREATE TABLE points_accounts (
	user_id          BIGINT UNSIGNED NOT NULL,
	balance          BIGINT NOT NULL DEFAULT 0,
	reserved         BIGINT NOT NULL DEFAULT 0,
	updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                 ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (user_id),
	CONSTRAINT chk_points_account
		CHECK (reserved >= 0 AND reserved <= balance),
	CONSTRAINT fk_points_account_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- kind: earn (an order fulfilled), checkin (the daily check-in), reserve
-- and release (an unpaid order's points held and let go), spend (the order
-- paid), return (a refunded order's spent points given back), revoke (a
-- refunded order's earned points taken back), expire, adjust (an admin).
CREATE TABLE points_ledger (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id          BIGINT UNSIGNED NOT NULL,
	kind             ENUM('earn','checkin','reserve','release','spend',
	                      'return','revoke','expire','adjust') NOT NULL,
	delta            BIGINT NOT NULL,
	reserved_delta   BIGINT NOT NULL DEFAULT 0,
	balance_after    BIGINT NOT NULL,
	reserved_after   BIGINT NOT NULL,
	order_id         BIGINT UNSIGNED NULL,
	reason           VARCHAR(255) NULL,
	created_by       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	request_id       VARCHAR(64) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_points_ledger_user (user_id, id),
	KEY ix_points_ledger_order (order_id),
	CONSTRAINT chk_points_ledger_after
		CHECK (reserved_after >= 0 AND reserved_after <= balance_after),
	CONSTRAINT fk_points_ledger_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE points_lots (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id          BIGINT UNSIGNED NOT NULL,
	ledger_id        BIGINT UNSIGNED NOT NULL,
	points           BIGINT NOT NULL,
	remaining        BIGINT NOT NULL,
	-- NULL: never expires (points_expire_days = 0)
	expires_at       DATETIME(3) NULL,
	PRIMARY KEY (id),
	KEY ix_points_lots_user (user_id, remaining, id),
	KEY ix_points_lots_due (expires_at, remaining),
	CONSTRAINT chk_points_lot CHECK (remaining >= 0 AND remaining <= points),
	CONSTRAINT fk_points_lot_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One check-in per user and day (UTC): the key is the rule.
CREATE TABLE points_checkins (
	user_id          BIGINT UNSIGNED NOT NULL,
	day              DATE NOT NULL,
	points           BIGINT NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (user_id, day),
	CONSTRAINT fk_points_checkin_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An order's points: spent (reserved while unpaid), the discount they
-- bought, and those its fulfilment earned.
ALTER TABLE orders
	ADD COLUMN points_used BIGINT NOT NULL DEFAULT 0 AFTER currency,
	ADD COLUMN points_discount DECIMAL(12,2) NOT NULL DEFAULT 0.00
		AFTER points_used,
	ADD COLUMN points_earned BIGINT NOT NULL DEFAULT 0
		AFTER points_discount;
