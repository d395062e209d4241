-- 014: favorites (issue 14, item 1) and the reading-history switch
-- (item 3).
--
-- favorites: one row per reader and product (the primary key makes a
-- second PUT a no-op); id orders a reader's list newest first (keyset
-- paging, ix_favorites_user_id) and ix_favorites_product counts a
-- product's readers (favorites_count) and finds who asked to be told
-- (notify) when it is back in stock. Deleting a user or a product takes
-- its favorites with it.
CREATE TABLE favorites (
	user_id     BIGINT UNSIGNED NOT NULL,
	product_id  BIGINT UNSIGNED NOT NULL,
	created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	notify      TINYINT(1) NOT NULL DEFAULT 0,
	id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	PRIMARY KEY (user_id, product_id),
	UNIQUE KEY ux_favorites_id (id),
	KEY ix_favorites_user_id (user_id, id),
	KEY ix_favorites_product (product_id, notify),
	CONSTRAINT fk_favorites_user FOREIGN KEY (user_id)
	    REFERENCES users (id) ON DELETE CASCADE,
	CONSTRAINT fk_favorites_product FOREIGN KEY (product_id)
	    REFERENCES products (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A reader may turn the recording of their views off (PATCH /me
-- {"history_enabled": false}); the views themselves live in Redis only
-- (src/cache/history.c).
ALTER TABLE users ADD COLUMN history_enabled TINYINT(1) NOT NULL DEFAULT 1;

-- hf_change as 012 has it, and one more case it leaves to the C path: a
-- product whose available units go from none to some while a reader waits
-- for a back-in-stock notice (favorites.notify), so that the notices are
-- written in the same transaction as the change that caused them.
CREATE OR REPLACE PROCEDURE hf_change(
	IN p_pid BIGINT UNSIGNED, IN p_sku VARCHAR(64), IN p_lid BIGINT UNSIGNED,
	IN p_type VARCHAR(16), IN p_don INT, IN p_dres INT,
	IN p_ref_type VARCHAR(16), IN p_ref_id VARCHAR(128),
	IN p_reason VARCHAR(255), IN p_actor VARCHAR(128),
	IN p_request_id VARCHAR(64), IN p_rid BIGINT UNSIGNED,
	OUT p_ledger_id BIGINT UNSIGNED)
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
body: BEGIN
	DECLARE v_on, v_res, v_lon, v_lres, v_warn, v_crit, v_low, v_level,
	    v_was BIGINT;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;

	SET p_ledger_id = NULL;
	SELECT on_hand + p_don, reserved + p_dres, warning_threshold,
	    critical_threshold, low_state + 0, on_hand - reserved
	    INTO v_on, v_res, v_warn, v_crit, v_low, v_was
	    FROM stock WHERE product_id = p_pid;
	SELECT COALESCE(MAX(on_hand), 0) + p_don,
	    COALESCE(MAX(reserved), 0) + p_dres INTO v_lon, v_lres
	    FROM location_stock
	    WHERE product_id = p_pid AND location_id = p_lid;
	IF v_on IS NULL OR v_res < 0 OR v_on < 0 OR v_res > v_on OR
	    v_on > 2000000000 OR v_lres < 0 OR v_lon < 0 OR v_lres > v_lon THEN
		LEAVE body;
	END IF;
	-- the level as stock.level computes it (001_init.sql), ranked as
	-- the ENUM orders it: ok 1, warning 2, critical 3, out 4
	SET v_level = CASE WHEN v_on - v_res <= 0 THEN 4
	    WHEN v_on - v_res <= v_crit THEN 3
	    WHEN v_on - v_res <= v_warn THEN 2 ELSE 1 END;
	IF v_level > v_low THEN
		LEAVE body;
	END IF;
	-- back in stock for a reader who asked to be told (014): the C path
	-- writes the notices (src/svc/favorites.c, fav_back_in_stock)
	IF v_was <= 0 AND v_on - v_res > 0 AND EXISTS (SELECT 1 FROM favorites
	    WHERE product_id = p_pid AND notify = 1) THEN
		LEAVE body;
	END IF;
	-- a level back above the last alert lets the next fall alert again
	UPDATE stock SET on_hand = v_on, reserved = v_res,
	    low_state = ELT(v_level, 'ok', 'warning', 'critical', 'out'),
	    version = version + 1 WHERE product_id = p_pid;
	INSERT INTO location_stock (product_id, location_id, on_hand, reserved)
	    VALUES (p_pid, p_lid, v_lon, v_lres) ON DUPLICATE KEY UPDATE
	    on_hand = VALUES(on_hand), reserved = VALUES(reserved);
	INSERT INTO ledger (product_id, sku, location_id, type, on_hand_delta,
	    reserved_delta, on_hand_after, reserved_after, reference_type,
	    reference_id, reason, actor, request_id, reservation_id)
	    VALUES (p_pid, p_sku, p_lid, p_type, p_don, p_dres, v_lon, v_lres,
	    p_ref_type, p_ref_id, p_reason, p_actor, p_request_id, p_rid);
	SET p_ledger_id = LAST_INSERT_ID();
END;
