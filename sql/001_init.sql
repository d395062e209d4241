-- 001_init.sql: the first Holdfast schema (design.md section 3).
--
-- Applied once by `holdfast-admin migrate` as the schema owner, as one
-- multi-statement batch, which records it in schema_migrations itself.
-- Plain DDL only, so it runs the same from the CLI or the migrate tool.
--
-- Conventions, kept the same in every table:
--  - InnoDB, utf8mb4, utf8mb4_unicode_ci for human text, so that "Books" and
--    "books", or two spellings of one e-mail address, collide as users expect.
--  - Identifiers that machines compare (SKU, reference ids, idempotency
--    keys, actors) use utf8mb4_bin: exact, case-sensitive, so that the
--    database and the Redis cache, which keys on the raw string, agree on
--    what is the same SKU.
--  - Hex digests and generated tokens use ascii_bin: smaller keys, exact match.
--  - Times are DATETIME(3) in UTC. CURRENT_TIMESTAMP follows the session time
--    zone, so every program sets time_zone = '+00:00' on connect.
--  - Money is DECIMAL(12,2), never a float.
--  - JSON columns: MariaDB adds a JSON_VALID check to each by itself.
--  - Generated columns (stock.available and .level, products.author and
--    .isbn, payments.applied_txn_id, holds.open_user_id) are computed by the
--    server: naming one in an INSERT or UPDATE is error 1906.
--  - Ids are BIGINT UNSIGNED AUTO_INCREMENT.
--  - History (ledger, reservations, orders, loans, holds, payments) is never
--    removed by a cascade: foreign keys to it RESTRICT, so a product or a user
--    that has history is retired or disabled, not deleted.
--  - CHECK constraints are named chk_<table>_<rule>. A violation is MariaDB
--    error 4025 naming the constraint. The services validate first, so a
--    violation means the database stopped a bug, not that input was bad.


-- ---------------------------------------------------------------- accounts

CREATE TABLE users (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	-- 254: the longest address SMTP can carry. Case-insensitive unique.
	email            VARCHAR(254) NOT NULL,
	-- Self-describing hash string (algorithm, parameters, salt, digest).
	password_hash    VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	role             ENUM('user','business','admin')
	                 NOT NULL DEFAULT 'user',
	-- pending until the e-mailed code is verified.
	status           ENUM('pending','active','disabled')
	                 NOT NULL DEFAULT 'pending',
	display_name     VARCHAR(100) NULL,
	avatar_url       VARCHAR(2048) NULL,
	-- Access tokens carry this number: bumping it ends every session of
	-- the user at once (password change, disable, role change).
	token_version    INT UNSIGNED NOT NULL DEFAULT 0,
	verified_at      DATETIME(3) NULL,
	last_login_at    DATETIME(3) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                 ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_users_email (email),
	KEY ix_users_role_status (role, status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Refresh tokens rotate on every use. Only the SHA-256 of a token is kept,
-- so a leaked table opens no session. A token presented after used_at is
-- set is a replay: the whole family (one login) is revoked.
CREATE TABLE refresh_tokens (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	-- Tokens are worthless without their user, so they go with it.
	user_id          BIGINT UNSIGNED NOT NULL,
	family_id        CHAR(32) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	token_hash       CHAR(64) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	expires_at       DATETIME(3) NOT NULL,
	used_at          DATETIME(3) NULL,
	revoked_at       DATETIME(3) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_refresh_tokens_hash (token_hash),
	KEY ix_refresh_tokens_family (family_id),
	KEY ix_refresh_tokens_user (user_id),
	-- Purging old rows.
	KEY ix_refresh_tokens_expires (expires_at),
	CONSTRAINT fk_refresh_tokens_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- API keys for order systems. The key is shown once at creation, only its
-- SHA-256 is stored. key_prefix lets an admin tell keys apart in lists.
CREATE TABLE api_keys (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name             VARCHAR(100) NOT NULL,
	role             ENUM('user','business','admin')
	                 NOT NULL DEFAULT 'business',
	key_prefix       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	key_hash         CHAR(64) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	-- NULL when made by `holdfast-admin`, which has no user.
	created_by       BIGINT UNSIGNED NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	revoked_at       DATETIME(3) NULL,
	last_used_at     DATETIME(3) NULL,
	PRIMARY KEY (id),
	UNIQUE KEY uq_api_keys_hash (key_hash),
	KEY ix_api_keys_created_by (created_by),
	CONSTRAINT fk_api_keys_created_by FOREIGN KEY (created_by)
		REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- ----------------------------------------------------------------- catalog

CREATE TABLE categories (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name             VARCHAR(100) NOT NULL,
	slug             VARCHAR(100) NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                 ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_categories_name (name),
	UNIQUE KEY uq_categories_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- DELETE on the API retires a product (status), it never removes the row:
-- the ledger and past orders keep pointing at it.
CREATE TABLE products (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	sku              VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
	name             VARCHAR(255) NOT NULL,
	description      TEXT NULL,
	category_id      BIGINT UNSIGNED NULL,
	-- One currency per installation (orders.currency says which).
	price            DECIMAL(12,2) NOT NULL DEFAULT 0.00,
	-- Free-form details (author, isbn, publisher, size...), always an
	-- object.
	attributes       JSON NULL,
	cover_url        VARCHAR(2048) NULL,
	status           ENUM('active','maintenance','retired')
	                 NOT NULL DEFAULT 'active',
	-- Copied out of attributes so the search index can see them. An
	-- author list (JSON array) is kept as its JSON text, which indexes
	-- just as well.
	author           VARCHAR(255) AS
	                 (LEFT(JSON_UNQUOTE(
	                   JSON_EXTRACT(attributes, '$.author')), 255))
	                 STORED,
	-- Digits and X only, so "978-0-13-110362-7" and "9780131103627" are the
	-- same ISBN, and the whole number is one full-text word. utf8mb4 like
	-- name: all columns of one FULLTEXT index share a character set.
	isbn             VARCHAR(13) AS
	                 (NULLIF(LEFT(UPPER(REGEXP_REPLACE(
	                   JSON_VALUE(attributes, '$.isbn'), '[^0-9Xx]', '')),
	                   13), ''))
	                 STORED,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                 ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_products_sku (sku),
	-- Listing: by status and age, by category, by price, by name.
	KEY ix_products_status_created (status, created_at),
	KEY ix_products_category (category_id, status, created_at),
	KEY ix_products_price (price),
	KEY ix_products_name (name),
	-- Exact ISBN lookup: a hyphenated ISBN is not a boolean-mode query.
	KEY ix_products_isbn (isbn),
	-- Two full-text indexes, because MATCH() must name exactly the columns
	-- of one index: MATCH(name, description) for plain text search,
	-- MATCH(name, description, author, isbn) for the catalogue `q` search.
	FULLTEXT KEY ft_products_text (name, description),
	FULLTEXT KEY ft_products_search (name, description, author, isbn),
	CONSTRAINT chk_products_price CHECK (price >= 0),
	CONSTRAINT chk_products_attributes
		CHECK (JSON_VALID(attributes)
		       AND JSON_TYPE(attributes) = 'OBJECT'),
	CONSTRAINT fk_products_category FOREIGN KEY (category_id)
		REFERENCES categories (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- ------------------------------------------------------------------- stock

-- One row per product: the numbers every reservation, sale and loan locks
-- (SELECT ... FOR UPDATE, in product_id order) before it moves a unit.
CREATE TABLE stock (
	product_id         BIGINT UNSIGNED NOT NULL,
	on_hand            INT NOT NULL DEFAULT 0,
	reserved           INT NOT NULL DEFAULT 0,
	available          INT AS (on_hand - reserved) STORED,
	-- 0/0 by default: a product raises only stock.out until someone says
	-- what "low" means for it (one copy of a library book is not "low").
	warning_threshold  INT NOT NULL DEFAULT 0,
	critical_threshold INT NOT NULL DEFAULT 0,
	-- The one definition of the level that GET /stock?status= filters on
	-- and that low-stock events compare with low_state.
	level              ENUM('ok','warning','critical','out') AS (CASE
	                   WHEN on_hand - reserved <= 0 THEN 'out'
	                   WHEN on_hand - reserved <= critical_threshold
	                     THEN 'critical'
	                   WHEN on_hand - reserved <= warning_threshold
	                     THEN 'warning'
	                   ELSE 'ok' END) STORED,
	location           VARCHAR(128) NULL,
	is_active          TINYINT(1) NOT NULL DEFAULT 1,
	-- The last level an alert was sent for: an event fires once when the
	-- level crosses into a worse state, not on every change below it.
	low_state          ENUM('ok','warning','critical','out')
	                   NOT NULL DEFAULT 'ok',
	-- Bumped by every change, so a cached copy can be told stale.
	version            INT UNSIGNED NOT NULL DEFAULT 0,
	created_at         DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at         DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                   ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (product_id),
	KEY ix_stock_level (level),
	-- Invariant 1: no sale or loan ever takes a unit that is not there.
	CONSTRAINT chk_stock_reserved
		CHECK (reserved >= 0 AND reserved <= on_hand),
	CONSTRAINT chk_stock_thresholds
		CHECK (critical_threshold >= 0
		       AND critical_threshold <= warning_threshold),
	CONSTRAINT fk_stock_product FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Units set aside for a cart, an unpaid order or a hold ready for pickup.
-- Invariant 3: stock.reserved = sum(quantity) of the active rows.
CREATE TABLE reservations (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	product_id       BIGINT UNSIGNED NOT NULL,
	type             ENUM('cart','order','hold') NOT NULL,
	-- The cart or order id of the caller, shared by all lines of one
	-- request.
	reference_id     VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	quantity         INT NOT NULL,
	status           ENUM('active','committed','released','expired')
	                 NOT NULL DEFAULT 'active',
	expires_at       DATETIME(3) NOT NULL,
	-- Actor string of the key or user that reserved.
	created_by       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	-- When it reached its terminal state.
	ended_at         DATETIME(3) NULL,
	PRIMARY KEY (id),
	-- The cron: active rows past expires_at.
	KEY ix_reservations_status_expires (status, expires_at),
	KEY ix_reservations_reference (reference_id),
	-- Reconcile (sum of active per product) and freeing the expired rows of
	-- the SKUs in hand inside a reservation request.
	KEY ix_reservations_product_status (product_id, status, expires_at),
	CONSTRAINT chk_reservations_quantity CHECK (quantity > 0),
	-- Invariant 4: a row is either active or ended, never both.
	CONSTRAINT chk_reservations_ended
		CHECK ((status = 'active') = (ended_at IS NULL)),
	CONSTRAINT fk_reservations_product FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only: one row per change to a stock row (the application user gets
-- only SELECT and INSERT on it). Invariant 2: stock.on_hand and
-- stock.reserved are the sums of the deltas here.
CREATE TABLE ledger (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	product_id       BIGINT UNSIGNED NOT NULL,
	-- Copied so history reads without a join and survives a renamed SKU.
	sku              VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
	type             ENUM('restock','deduct','adjust','reserve','release')
	                 NOT NULL,
	on_hand_delta    INT NOT NULL DEFAULT 0,
	reserved_delta   INT NOT NULL DEFAULT 0,
	on_hand_after    INT NOT NULL,
	reserved_after   INT NOT NULL,
	reference_type   ENUM('reservation','order','loan','hold','manual')
	                 NULL,
	reference_id     VARCHAR(128) COLLATE utf8mb4_bin NULL,
	-- Free text, or a fixed word such as 'expired' for a cron release.
	reason           VARCHAR(255) NULL,
	actor            VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	request_id       VARCHAR(64) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_ledger_product_created (product_id, created_at),
	KEY ix_ledger_created (created_at),
	KEY ix_ledger_reference (reference_type, reference_id),
	KEY ix_ledger_type_created (type, created_at),
	-- Each type moves stock one way only. A commit is a deduct that also
	-- drops reserved by at most what it takes. Adjust (admin) is free.
	CONSTRAINT chk_ledger_deltas CHECK (
		(type = 'restock'
		 AND on_hand_delta > 0 AND reserved_delta = 0)
		OR (type = 'deduct'
		 AND on_hand_delta < 0
		 AND reserved_delta BETWEEN on_hand_delta AND 0)
		OR (type = 'reserve'
		 AND on_hand_delta = 0 AND reserved_delta > 0)
		OR (type = 'release'
		 AND on_hand_delta = 0 AND reserved_delta < 0)
		OR type = 'adjust'),
	-- The row records a state that the stock CHECKs allowed.
	CONSTRAINT chk_ledger_after CHECK (
		reserved_after >= 0 AND reserved_after <= on_hand_after),
	CONSTRAINT chk_ledger_reference
		CHECK (reference_id IS NULL OR reference_type IS NOT NULL),
	CONSTRAINT fk_ledger_product FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- ------------------------------------------------------------------ orders

CREATE TABLE orders (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	-- NULL when an order system places it with an API key.
	user_id          BIGINT UNSIGNED NULL,
	created_by       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	status           ENUM('pending_payment','paid','cancelled','expired',
	                      'refunded','fulfilled')
	                 NOT NULL DEFAULT 'pending_payment',
	total            DECIMAL(12,2) NOT NULL DEFAULT 0.00,
	currency         CHAR(3) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL DEFAULT 'EUR',
	note             VARCHAR(1000) NULL,
	-- The reference_id of the reservations of this order.
	reference_id     VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	-- Unpaid orders expire with their reservations.
	expires_at       DATETIME(3) NOT NULL,
	paid_at          DATETIME(3) NULL,
	cancelled_at     DATETIME(3) NULL,
	refunded_at      DATETIME(3) NULL,
	fulfilled_at     DATETIME(3) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                 ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_orders_reference (reference_id),
	KEY ix_orders_user_created (user_id, created_at),
	KEY ix_orders_status_expires (status, expires_at),
	KEY ix_orders_created (created_at),
	CONSTRAINT chk_orders_total CHECK (total >= 0),
	CONSTRAINT fk_orders_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Prices are copied at order time, so a later price change leaves the
-- order as it was. Lines are part of their order and go with it.
CREATE TABLE order_lines (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	order_id         BIGINT UNSIGNED NOT NULL,
	product_id       BIGINT UNSIGNED NOT NULL,
	sku              VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
	quantity         INT NOT NULL,
	unit_price       DECIMAL(12,2) NOT NULL,
	line_total       DECIMAL(12,2) NOT NULL,
	-- The reservation that holds the units of this line until payment.
	reservation_id   BIGINT UNSIGNED NULL,
	PRIMARY KEY (id),
	-- Lines of the same SKU are summed into one.
	UNIQUE KEY uq_order_lines_product (order_id, product_id),
	KEY ix_order_lines_product (product_id),
	KEY ix_order_lines_reservation (reservation_id),
	CONSTRAINT chk_order_lines_quantity CHECK (quantity > 0),
	CONSTRAINT chk_order_lines_price CHECK (unit_price >= 0),
	CONSTRAINT chk_order_lines_total
		CHECK (line_total = quantity * unit_price),
	CONSTRAINT fk_order_lines_order FOREIGN KEY (order_id)
		REFERENCES orders (id) ON DELETE CASCADE,
	CONSTRAINT fk_order_lines_product FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE RESTRICT,
	CONSTRAINT fk_order_lines_reservation FOREIGN KEY (reservation_id)
		REFERENCES reservations (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every payment notification the provider sends, kept whatever its outcome,
-- so a dispute can be answered from the table.
CREATE TABLE payments (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	-- NULL when the notification names no order we know (outcome rejected).
	order_id         BIGINT UNSIGNED NULL,
	provider_txn_id  VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	amount           DECIMAL(12,2) NULL,
	currency         CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
	-- Status as the provider reports it ('succeeded', 'failed'...).
	status           VARCHAR(32) NULL,
	raw              JSON NULL,
	outcome          ENUM('applied','rejected','duplicate') NOT NULL,
	reason           VARCHAR(255) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	-- Idempotent on the transaction id of the provider: at most one applied
	-- row per id (a second fails with a duplicate key), while repeated and
	-- rejected notifications are still recorded beside it.
	applied_txn_id   VARCHAR(128) COLLATE utf8mb4_bin AS
	                 (IF(outcome = 'applied', provider_txn_id, NULL))
	                 STORED,
	PRIMARY KEY (id),
	UNIQUE KEY uq_payments_applied_txn (applied_txn_id),
	KEY ix_payments_txn (provider_txn_id),
	KEY ix_payments_order (order_id),
	CONSTRAINT fk_payments_order FOREIGN KEY (order_id)
		REFERENCES orders (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- ----------------------------------------------------------------- lending

-- Overdue is not a stored status: it is an active loan past due_at, so it
-- is never stale.
CREATE TABLE loans (
	id                      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id                 BIGINT UNSIGNED NOT NULL,
	product_id              BIGINT UNSIGNED NOT NULL,
	sku                     VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
	status                  ENUM('active','returned')
	                        NOT NULL DEFAULT 'active',
	due_at                  DATETIME(3) NOT NULL,
	returned_at             DATETIME(3) NULL,
	renewals                INT UNSIGNED NOT NULL DEFAULT 0,
	-- Notices go out once each, not on every cron run.
	reminder_sent_at        DATETIME(3) NULL,
	last_overdue_notice_at  DATETIME(3) NULL,
	created_at              DATETIME(3) NOT NULL
	                        DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	-- The loans of a user, and the per-user loan limit.
	KEY ix_loans_user_status (user_id, status),
	-- The cron: reminders and overdue notices.
	KEY ix_loans_status_due (status, due_at),
	KEY ix_loans_product_status (product_id, status),
	CONSTRAINT chk_loans_returned
		CHECK ((status = 'returned') = (returned_at IS NOT NULL)),
	CONSTRAINT fk_loans_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE RESTRICT,
	CONSTRAINT fk_loans_product FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The queue for an SKU. Queue order is (created_at, id): no stored
-- position, so leaving the queue never renumbers the others.
CREATE TABLE holds (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id          BIGINT UNSIGNED NOT NULL,
	product_id       BIGINT UNSIGNED NOT NULL,
	status           ENUM('waiting','ready','collected','cancelled',
	                      'expired') NOT NULL DEFAULT 'waiting',
	-- The 'hold' reservation that sets a returned unit aside while ready.
	reservation_id   BIGINT UNSIGNED NULL,
	-- The loan a collected hold became.
	loan_id          BIGINT UNSIGNED NULL,
	ready_at         DATETIME(3) NULL,
	pickup_until     DATETIME(3) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	ended_at         DATETIME(3) NULL,
	-- One open hold per user and SKU: set only while waiting or ready,
	-- and unique with the product, so a double submit fails with a
	-- duplicate key.
	open_user_id     BIGINT UNSIGNED AS
	                 (IF(status IN ('waiting','ready'), user_id, NULL))
	                 STORED,
	PRIMARY KEY (id),
	-- The head of the queue: first waiting hold of a product.
	KEY ix_holds_queue (product_id, status, created_at),
	UNIQUE KEY uq_holds_open (product_id, open_user_id),
	KEY ix_holds_user_status (user_id, status),
	-- The cron: ready holds whose pickup window has passed.
	KEY ix_holds_status_pickup (status, pickup_until),
	KEY ix_holds_reservation (reservation_id),
	KEY ix_holds_loan (loan_id),
	CONSTRAINT chk_holds_ready CHECK (status <> 'ready' OR
		(reservation_id IS NOT NULL AND pickup_until IS NOT NULL)),
	CONSTRAINT fk_holds_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE RESTRICT,
	CONSTRAINT fk_holds_product FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE RESTRICT,
	CONSTRAINT fk_holds_reservation FOREIGN KEY (reservation_id)
		REFERENCES reservations (id) ON DELETE RESTRICT,
	CONSTRAINT fk_holds_loan FOREIGN KEY (loan_id)
		REFERENCES loans (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- ---------------------------------------------------- requests and events

-- Stored responses of writes sent with an Idempotency-Key. The row is
-- inserted as 'running' before the work, so a concurrent retry hits the
-- unique key and answers 409 instead of doing the work twice.
CREATE TABLE idempotency_keys (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	-- Keys are per caller: two clients may pick the same key.
	actor            VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	-- Exact match: "abc" and "ABC" are different keys. utf8mb4 fits,
	-- no need for ascii: the unique key is (128 + 255) * 4 = 1532 bytes,
	-- under the InnoDB limit of 3072 (DYNAMIC rows, the default).
	idem_key         VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
	-- SHA-256 of method, path and body: the same key with another request
	-- is refused.
	fingerprint      CHAR(64) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	status           ENUM('running','done') NOT NULL DEFAULT 'running',
	response_status  SMALLINT UNSIGNED NULL,
	-- Replayed byte for byte.
	response_body    MEDIUMTEXT COLLATE utf8mb4_bin NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	-- At least 24 h after creation.
	expires_at       DATETIME(3) NOT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY uq_idempotency_actor_key (actor, idem_key),
	KEY ix_idempotency_expires (expires_at),
	CONSTRAINT chk_idempotency_done
		CHECK ((status = 'done') = (response_status IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhooks (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	url              VARCHAR(2048) NOT NULL,
	-- A SET, not JSON: the database refuses an unknown event name. A new
	-- event needs a migration, like every other ENUM here.
	events           SET('stock.low','stock.out','order.paid',
	                     'order.cancelled','hold.ready','loan.overdue')
	                 NOT NULL,
	-- Kept in clear because each delivery is signed with it (HMAC-SHA256).
	-- Shown once at creation, never in lists.
	secret           VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	active           TINYINT(1) NOT NULL DEFAULT 1,
	created_by       VARCHAR(128) COLLATE utf8mb4_bin NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Events written in the same transaction as the change that caused them,
-- delivered later by holdfast-notify. One row per recipient: an event that
-- goes to three webhooks is three rows, each with its own retries, so no
-- separate delivery table is needed.
CREATE TABLE outbox (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	event_type       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL,
	payload          JSON NOT NULL,
	channel          ENUM('email','webhook') NOT NULL,
	-- An e-mail address, or the webhooks.id as text. No foreign key: a
	-- deleted webhook turns its pending rows dead, it does not erase them.
	target           VARCHAR(254) NOT NULL,
	attempts         INT UNSIGNED NOT NULL DEFAULT 0,
	next_attempt_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	delivered_at     DATETIME(3) NULL,
	-- Given up after the last retry. Kept for inspection.
	dead_at          DATETIME(3) NULL,
	-- The lease of whoever is sending it now (a worker right after its
	-- COMMIT, or holdfast-notify): claimed by one UPDATE that matches
	-- only while this is NULL or past, so no row is sent twice at once.
	claimed_until    DATETIME(3) NULL,
	last_error       VARCHAR(512) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	-- The due rows: delivered_at IS NULL AND dead_at IS NULL AND
	-- next_attempt_at <= now.
	KEY ix_outbox_due (delivered_at, dead_at, next_attempt_at),
	KEY ix_outbox_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who changed what: users, keys, products, stock settings, webhooks.
CREATE TABLE audit_log (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	actor            VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	actor_role       VARCHAR(16) NOT NULL,
	action           VARCHAR(64) NOT NULL,
	entity           VARCHAR(64) NOT NULL,
	entity_id        VARCHAR(128) COLLATE utf8mb4_bin NULL,
	old_value        JSON NULL,
	new_value        JSON NULL,
	-- 45: the longest text form of an IPv6 address.
	ip               VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
	user_agent       VARCHAR(512) NULL,
	request_id       VARCHAR(64) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_audit_actor_created (actor, created_at),
	KEY ix_audit_entity (entity, entity_id),
	KEY ix_audit_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
