-- 015: a product's discussion (issue 14, item 2): comments, replies to
-- any depth (up to comment_max_depth levels), likes, hiding and deleting
-- (docs/internals.md, "Issue 14: discussion").
-- A row is never removed: a deletion sets status (the likes and the
-- replies keep their parent). root_id is the top-level comment of the
-- thread (itself for a top-level one): a page of threads reads every
-- row of its roots through ix_comments_root. path is the ancestors' ids,
-- each followed by '/' ("" at the top): a subtree is a LIKE prefix.
CREATE TABLE comments (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	product_id       BIGINT UNSIGNED NOT NULL,
	parent_id        BIGINT UNSIGNED NULL,
	root_id          BIGINT UNSIGNED NOT NULL DEFAULT 0,
	depth            INT UNSIGNED NOT NULL DEFAULT 0,
	path             VARCHAR(2200) CHARACTER SET ascii COLLATE ascii_bin
	                 NOT NULL DEFAULT '',
	user_id          BIGINT UNSIGNED NOT NULL,
	-- plain text, trimmed, 1 to 2000 characters (checked by the service)
	body             TEXT NOT NULL,
	-- deleted: by its author (a tombstone while it has replies) or by
	-- staff (with its whole subtree)
	status           ENUM('visible','deleted') NOT NULL DEFAULT 'visible',
	-- hidden by staff: it and its replies are invisible to readers
	hidden           TINYINT(1) NOT NULL DEFAULT 0,
	-- the rows of comment_likes, kept in the transaction that writes one
	like_count       INT UNSIGNED NOT NULL DEFAULT 0,
	deleted_by       VARCHAR(48) NULL,
	deleted_at       DATETIME(3) NULL,
	hidden_by        VARCHAR(48) NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_comments_product_top (product_id, parent_id, id),
	KEY ix_comments_root (root_id, id),
	KEY ix_comments_parent (parent_id),
	KEY ix_comments_user (user_id, id),
	CONSTRAINT fk_comments_product FOREIGN KEY (product_id)
		REFERENCES products (id),
	CONSTRAINT fk_comments_parent FOREIGN KEY (parent_id)
		REFERENCES comments (id),
	CONSTRAINT fk_comments_user FOREIGN KEY (user_id)
		REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One like per reader and comment: the primary key is the rule.
CREATE TABLE comment_likes (
	comment_id       BIGINT UNSIGNED NOT NULL,
	user_id          BIGINT UNSIGNED NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (comment_id, user_id),
	KEY ix_comment_likes_user (user_id),
	CONSTRAINT fk_comment_likes_comment FOREIGN KEY (comment_id)
		REFERENCES comments (id),
	CONSTRAINT fk_comment_likes_user FOREIGN KEY (user_id)
		REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
