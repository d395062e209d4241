-- 026_hoststate.sql: nothing host-local that another host needs (issue 16,
-- item 2; README "Scale-out: shared state").
--
-- covers: every cover image, named by the SHA-256 of its bytes (hex, the
-- name of its file in upload_dir/covers and in products.cover_url). The
-- table is where the covers live; each host's upload_dir is a cache of
-- it, filled on a miss by GET /api/v1/covers/{file} (the web server falls
-- back to it when the file is not on its disk). A cover is never changed
-- nor removed: a new image is a new row.
--
-- cache_lost: one row, gen moved by a worker whose cache invalidation
-- could not reach Redis (its bump was lost). Every worker of every host
-- reads it at most every cache_lost_poll_ms and, when it moved, bumps the
-- cache epoch in Redis once (hf:lost holds the gen last acted on).

CREATE TABLE covers (
	sha256		CHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
	type		ENUM('png','jpg','webp') NOT NULL,
	size		INT UNSIGNED NOT NULL,
	bytes		MEDIUMBLOB NOT NULL,
	created_at	DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;

CREATE TABLE cache_lost (
	id		TINYINT UNSIGNED NOT NULL PRIMARY KEY,
	gen		BIGINT UNSIGNED NOT NULL,
	at		DATETIME(6) NULL
) ENGINE=InnoDB;

INSERT INTO cache_lost (id, gen) VALUES (1, 0);
