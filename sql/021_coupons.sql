-- 021_coupons.sql: coupons (issue 15, item 2).
--
-- A campaign's coupons are stock: `total` of them, `reserved` by unpaid
-- orders and `used` by paid ones (reserved + used <= total), written only
-- under the campaign row's lock. Each order that carries a code holds one
-- redemption row (reserved -> used when paid, released when cancelled or
-- expired), so the counts are the rows, and reconcile checks it.
--
-- A campaign has one or more codes (ASCII, stored in capitals: a code is
-- matched whatever its case); a single-use code goes once in all.
-- It applies to every product, or to the products and categories listed
-- in coupon_scope.

CREATE TABLE coupon_campaigns (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name             VARCHAR(100) NOT NULL,
	kind             ENUM('percent','fixed') NOT NULL,
	-- percent: 1 to 100 (whole); fixed: an amount of the currency
	value            DECIMAL(12,2) NOT NULL,
	min_spend        DECIMAL(12,2) NOT NULL DEFAULT 0.00,
	starts_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	ends_at          DATETIME(3) NOT NULL,
	total            INT NOT NULL,
	reserved         INT NOT NULL DEFAULT 0,
	used             INT NOT NULL DEFAULT 0,
	-- coupons of this campaign per user (or per API key); 0: no limit
	per_user         INT NOT NULL DEFAULT 1,
	active           TINYINT(1) NOT NULL DEFAULT 1,
	created_by       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	CONSTRAINT chk_coupon_counts CHECK (reserved >= 0 AND used >= 0 AND
		reserved + used <= total),
	CONSTRAINT chk_coupon_value CHECK (value > 0 AND
		(kind = 'fixed' OR (value <= 100 AND value = FLOOR(value))))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE coupon_codes (
	code             VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	campaign_id      BIGINT UNSIGNED NOT NULL,
	single_use       TINYINT(1) NOT NULL DEFAULT 0,
	PRIMARY KEY (code),
	KEY ix_coupon_codes_campaign (campaign_id),
	CONSTRAINT fk_coupon_code_campaign FOREIGN KEY (campaign_id)
		REFERENCES coupon_campaigns (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE coupon_scope (
	campaign_id      BIGINT UNSIGNED NOT NULL,
	product_id       BIGINT UNSIGNED NULL,
	category_id      BIGINT UNSIGNED NULL,
	KEY ix_coupon_scope (campaign_id),
	CONSTRAINT chk_coupon_scope CHECK ((product_id IS NULL) <>
		(category_id IS NULL)),
	CONSTRAINT fk_coupon_scope_campaign FOREIGN KEY (campaign_id)
		REFERENCES coupon_campaigns (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE coupon_redemptions (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	campaign_id      BIGINT UNSIGNED NOT NULL,
	code             VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	order_id         BIGINT UNSIGNED NOT NULL,
	-- who placed the order: a user's actor or an API key's
	actor            VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	status           ENUM('reserved','used','released') NOT NULL
	                 DEFAULT 'reserved',
	discount         DECIMAL(12,2) NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	ended_at         DATETIME(3) NULL,
	PRIMARY KEY (id),
	UNIQUE KEY uq_coupon_redemption_order (order_id),
	KEY ix_coupon_redemptions_actor (campaign_id, actor, status),
	KEY ix_coupon_redemptions_code (code, status),
	CONSTRAINT fk_coupon_redemption_campaign FOREIGN KEY (campaign_id)
		REFERENCES coupon_campaigns (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE orders
	ADD COLUMN coupon_code VARCHAR(32) CHARACTER SET ascii
		COLLATE ascii_bin NULL AFTER points_earned,
	ADD COLUMN coupon_discount DECIMAL(12,2) NOT NULL DEFAULT 0.00
		AFTER coupon_code;
