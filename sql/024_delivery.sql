-- 024_delivery.sql: delivery and pickup (issue 15, item 5).
--
-- A user keeps saved addresses; each names its delivery area (the area is
-- chosen, not guessed from the text). An area carries a fee and a minimum
-- order; a pickup point is a place to collect from. A slot is a window
-- either for delivery in one area or for pickup at one point (exactly one
-- of area_id, pickup_point_id), with a capacity.
--
-- A slot's places are stock: `reserved` by unpaid orders and `used` by
-- paid ones (reserved + used <= capacity), written only under the slot
-- row's lock, in the order's transaction. Each order that chose delivery
-- or pickup holds one order_delivery row (reserved -> used when paid,
-- released when cancelled or expired), so the counts are the rows.

CREATE TABLE delivery_areas (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name             VARCHAR(100) NOT NULL,
	fee              DECIMAL(12,2) NOT NULL DEFAULT 0.00,
	min_order        DECIMAL(12,2) NOT NULL DEFAULT 0.00,
	active           TINYINT(1) NOT NULL DEFAULT 1,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_delivery_area_name (name),
	CONSTRAINT chk_delivery_area_money CHECK (fee >= 0 AND min_order >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE pickup_points (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name             VARCHAR(100) NOT NULL,
	address          VARCHAR(300) NOT NULL,
	hours            VARCHAR(200) NULL,
	active           TINYINT(1) NOT NULL DEFAULT 1,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_pickup_point_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE delivery_addresses (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id          BIGINT UNSIGNED NOT NULL,
	area_id          BIGINT UNSIGNED NOT NULL,
	label            VARCHAR(50) NOT NULL,
	recipient        VARCHAR(100) NOT NULL,
	phone            VARCHAR(32) NOT NULL,
	line1            VARCHAR(200) NOT NULL,
	line2            VARCHAR(200) NULL,
	city             VARCHAR(100) NOT NULL,
	postcode         VARCHAR(20) NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                 ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_delivery_addresses_user (user_id, id),
	CONSTRAINT fk_delivery_address_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE CASCADE,
	CONSTRAINT fk_delivery_address_area FOREIGN KEY (area_id)
		REFERENCES delivery_areas (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE delivery_slots (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	area_id          BIGINT UNSIGNED NULL,
	pickup_point_id  BIGINT UNSIGNED NULL,
	starts_at        DATETIME(3) NOT NULL,
	ends_at          DATETIME(3) NOT NULL,
	capacity         INT NOT NULL,
	reserved         INT NOT NULL DEFAULT 0,
	used             INT NOT NULL DEFAULT 0,
	active           TINYINT(1) NOT NULL DEFAULT 1,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_delivery_slots_area (area_id, starts_at),
	KEY ix_delivery_slots_point (pickup_point_id, starts_at),
	CONSTRAINT chk_delivery_slot_counts CHECK (reserved >= 0 AND
		used >= 0 AND reserved + used <= capacity),
	CONSTRAINT chk_delivery_slot_place CHECK ((area_id IS NULL) <>
		(pickup_point_id IS NULL)),
	CONSTRAINT chk_delivery_slot_window CHECK (ends_at > starts_at),
	CONSTRAINT fk_delivery_slot_area FOREIGN KEY (area_id)
		REFERENCES delivery_areas (id),
	CONSTRAINT fk_delivery_slot_point FOREIGN KEY (pickup_point_id)
		REFERENCES pickup_points (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One per order that chose delivery or pickup. The address is copied
-- (address_text): deleting or editing a saved address later does not
-- change where a placed order goes.
CREATE TABLE order_delivery (
	order_id         BIGINT UNSIGNED NOT NULL,
	method           ENUM('delivery','pickup') NOT NULL,
	slot_id          BIGINT UNSIGNED NOT NULL,
	area_id          BIGINT UNSIGNED NULL,
	pickup_point_id  BIGINT UNSIGNED NULL,
	address_id       BIGINT UNSIGNED NULL,
	address_text     VARCHAR(900) NULL,
	fee              DECIMAL(12,2) NOT NULL DEFAULT 0.00,
	status           ENUM('reserved','used','released') NOT NULL
	                 DEFAULT 'reserved',
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	ended_at         DATETIME(3) NULL,
	PRIMARY KEY (order_id),
	KEY ix_order_delivery_slot (slot_id, status),
	CONSTRAINT fk_order_delivery_order FOREIGN KEY (order_id)
		REFERENCES orders (id) ON DELETE CASCADE,
	CONSTRAINT fk_order_delivery_slot FOREIGN KEY (slot_id)
		REFERENCES delivery_slots (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
