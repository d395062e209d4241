-- 018_recommendations.sql: "readers who borrowed this also borrowed" and
-- a reader's recommendations (issue 14 item 4).
--
-- Counting co-borrowers from loans at read time is a self-join of loans
-- per request; on 100,000 loans that is too slow for a product page. So
-- three small tables are kept up to date by a trigger on loans, in the
-- transaction that creates the loan (whichever path creates it: the
-- one-trip procedure hf_loan_create or the C path), and read by index:
--
--   reader_products  (user_id, product_id, loans): who has ever borrowed
--                    what, one row per reader and title, with how many
--                    loans
--   product_readers  (product_id, readers): distinct readers of a title
--   product_pairs    (a, b, readers): distinct readers who borrowed both
--                    a and b (both directions are stored, so a's list
--                    is one index range on (a, readers DESC, b))
--
-- A loan of a title the reader had borrowed before changes nothing; a
-- first loan of title p by reader u adds (u, p), one reader to p, and one
-- reader to (p, q) and (q, p) for every other title q that u borrowed.
-- The write costs one row per title the reader has borrowed before.
-- Loans are counted as they stand: nothing here looks at a loan's later
-- fate (returned, renewed, or voided by a librarian): a loan that was
-- made is a borrow.
--
-- favorites: created here only if it does not exist yet, in the shape of
-- the favorites migration (014_favorites.sql, issue 14 item 1), so that
-- the recommendations' query can read it whichever of the two lands
-- first.

CREATE TABLE IF NOT EXISTS favorites (
	user_id          BIGINT UNSIGNED NOT NULL,
	product_id       BIGINT UNSIGNED NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	notify           TINYINT(1) NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, product_id),
	KEY ix_favorites_product (product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE reader_products (
	user_id          BIGINT UNSIGNED NOT NULL,
	product_id       BIGINT UNSIGNED NOT NULL,
	loans            INT UNSIGNED NOT NULL,
	PRIMARY KEY (user_id, product_id),
	KEY ix_reader_products_product (product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE product_readers (
	product_id       BIGINT UNSIGNED NOT NULL,
	readers          INT UNSIGNED NOT NULL,
	PRIMARY KEY (product_id),
	KEY ix_product_readers_rank (readers DESC, product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE product_pairs (
	a                BIGINT UNSIGNED NOT NULL,
	b                BIGINT UNSIGNED NOT NULL,
	readers          INT UNSIGNED NOT NULL,
	PRIMARY KEY (a, b),
	KEY ix_product_pairs_rank (a, readers DESC, b)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The loans made before this migration.
INSERT INTO reader_products (user_id, product_id, loans)
    SELECT user_id, product_id, COUNT(*) FROM loans
    GROUP BY user_id, product_id;
INSERT INTO product_readers (product_id, readers)
    SELECT product_id, COUNT(*) FROM reader_products GROUP BY product_id;
INSERT INTO product_pairs (a, b, readers)
    SELECT x.product_id, y.product_id, COUNT(*)
    FROM reader_products x JOIN reader_products y
    ON y.user_id = x.user_id AND y.product_id <> x.product_id
    GROUP BY x.product_id, y.product_id;

-- Every loan from now on, in its own transaction. The reader's row is
-- counted up first (and stays locked to the end of the transaction), so
-- two loans of one title to one reader at once are one first loan and
-- one second, whichever commits first. Rows are touched in
-- product order (the primary key of reader_products), the same order for
-- every loan, so two loans of readers who share titles wait for each
-- other rather than deadlock (a deadlock still rolls the loan back and
-- its caller retries it, as for any other).
CREATE TRIGGER loans_recs_ai AFTER INSERT ON loans FOR EACH ROW
BEGIN
	DECLARE v_loans INT UNSIGNED DEFAULT 0;

	INSERT INTO reader_products (user_id, product_id, loans)
	    VALUES (NEW.user_id, NEW.product_id, 1)
	    ON DUPLICATE KEY UPDATE loans = loans + 1;
	SELECT loans INTO v_loans FROM reader_products
	    WHERE user_id = NEW.user_id AND product_id = NEW.product_id;
	IF v_loans = 1 THEN
		INSERT INTO product_readers (product_id, readers)
		    VALUES (NEW.product_id, 1)
		    ON DUPLICATE KEY UPDATE readers = readers + 1;
		INSERT INTO product_pairs (a, b, readers)
		    SELECT NEW.product_id, r.product_id, 1
		    FROM reader_products r
		    WHERE r.user_id = NEW.user_id
		    AND r.product_id <> NEW.product_id
		    ORDER BY r.product_id
		    ON DUPLICATE KEY UPDATE readers = readers + 1;
		INSERT INTO product_pairs (a, b, readers)
		    SELECT r.product_id, NEW.product_id, 1
		    FROM reader_products r
		    WHERE r.user_id = NEW.user_id
		    AND r.product_id <> NEW.product_id
		    ORDER BY r.product_id
		    ON DUPLICATE KEY UPDATE readers = readers + 1;
	END IF;
END;
