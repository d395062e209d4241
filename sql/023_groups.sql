-- 023_groups.sql: group buys (issue 15, item 4).
--
-- An admin opens a campaign on a product: the group size, the group
-- price, the deadline and how many seats one customer (a user or an API
-- key) may hold in it (0: no limit). A reader starts a group of a
-- campaign or joins one by its id; each join is an order at the group
-- price, of one unit, that reserves its unit at once. A group's seats
-- are stock: `joined` members hold one (pending or paid), `paid` of
-- them have paid (paid <= joined <= size), written only under the
-- group's row lock, so the counts are the member rows (reconcile,
-- GET /group-buys/{id}).
--
-- A paid member's order turns paid but its reservation stays active
-- (no deduct) until the group succeeds: when paid reaches size every
-- member's reservation is committed (a deduct naming each order) and
-- the group succeeds; when the deadline passes first, holdfast-expire
-- cancels every member's order, releases the units and marks the paid
-- members refund_due.

CREATE TABLE group_campaigns (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name             VARCHAR(100) NOT NULL,
	product_id       BIGINT UNSIGNED NOT NULL,
	group_size       INT NOT NULL,
	group_price      DECIMAL(12,2) NOT NULL,
	deadline         DATETIME(3) NOT NULL,
	-- seats of this campaign per customer, all its groups; 0: no limit
	per_user         INT NOT NULL DEFAULT 1,
	active           TINYINT(1) NOT NULL DEFAULT 1,
	created_by       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_group_campaigns_product (product_id),
	CONSTRAINT chk_group_campaign CHECK (group_size >= 2 AND
		group_size <= 1000 AND group_price > 0 AND per_user >= 0),
	CONSTRAINT fk_group_campaign_product FOREIGN KEY (product_id)
		REFERENCES products (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE group_buys (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	campaign_id      BIGINT UNSIGNED NOT NULL,
	state            ENUM('open','succeeded','failed') NOT NULL
	                 DEFAULT 'open',
	size             INT NOT NULL,
	joined           INT NOT NULL DEFAULT 0,
	paid             INT NOT NULL DEFAULT 0,
	deadline         DATETIME(3) NOT NULL,
	started_by       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	ended_at         DATETIME(3) NULL,
	PRIMARY KEY (id),
	KEY ix_group_buys_campaign (campaign_id, state),
	-- holdfast-expire: open groups past their deadline
	KEY ix_group_buys_due (state, deadline),
	CONSTRAINT chk_group_counts CHECK (paid >= 0 AND paid <= joined AND
		joined <= size),
	CONSTRAINT fk_group_buy_campaign FOREIGN KEY (campaign_id)
		REFERENCES group_campaigns (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per join: the order is the seat. pending (unpaid), paid,
-- succeeded (committed with its group); an unpaid one that ends is
-- cancelled or expired; a paid one of a failed group is refund_due,
-- then refunded when an admin records the refund.
CREATE TABLE group_members (
	order_id         BIGINT UNSIGNED NOT NULL,
	group_id         BIGINT UNSIGNED NOT NULL,
	campaign_id      BIGINT UNSIGNED NOT NULL,
	actor            VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	state            ENUM('pending','paid','succeeded','cancelled',
	                 'expired','refund_due','refunded') NOT NULL
	                 DEFAULT 'pending',
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	ended_at         DATETIME(3) NULL,
	PRIMARY KEY (order_id),
	KEY ix_group_members_group (group_id, state),
	KEY ix_group_members_actor (campaign_id, actor, state),
	KEY ix_group_members_state (state, order_id),
	CONSTRAINT fk_group_member_group FOREIGN KEY (group_id)
		REFERENCES group_buys (id),
	CONSTRAINT fk_group_member_order FOREIGN KEY (order_id)
		REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
