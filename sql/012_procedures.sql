-- 012_procedures.sql: the one-trip write path (issue 13).
--
-- A reservation that the service sends as statement after statement holds
-- its stock rows across a dozen client round trips; sent as one CALL, the
-- rows are held only while MariaDB itself works. hf_reserve is the common
-- case of POST /api/v1/reservations in one round trip: every line's stock
-- row locked in the order the service sends them (SKU order), its places
-- in location order, the location under a shared lock, the reservation,
-- stock, place and ledger rows written, the reference checked, committed,
-- and the new reservations returned.
--
-- It does only the plain case, and rolls back with an empty result for
-- anything else, which the service then does statement by statement with
-- its full rules and exact refusals (src/svc/reservations.c): an unknown
-- or closed product, a short line (which may need expired units freed
-- first), units owed to waiting holds, a line that must split, a named
-- location that is unknown, inactive or frozen, a level that crosses into
-- an alert (the stock.low/stock.out event), a reference another owner or
-- flow holds. So every refusal and every rare rule stays in one place, in
-- C, and the procedure never decides anything the C path would decide
-- otherwise. The lock order is the C path's: stock row (SKU order),
-- location_stock (location id), location (shared), reservations.
--
-- p_lines: a JSON array, in SKU order, one object per SKU:
--   {"s": sku, "q": quantity, "l": location code (absent: allocation)}
-- With p_lines NULL it returns the result's shape and changes nothing
-- (holdfast-admin check-sql).
--
-- Migrations own the procedures: a later change is a new migration with
-- CREATE OR REPLACE; `holdfast-admin grant` gives the application user
-- EXECUTE on each.

CREATE OR REPLACE PROCEDURE hf_reserve(
	IN p_lines LONGTEXT, IN p_type VARCHAR(16), IN p_ref VARCHAR(128),
	IN p_ttl INT, IN p_actor VARCHAR(128), IN p_request_id VARCHAR(64))
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
	COMMENT 'POST /reservations in one round trip (012_procedures.sql)'
BEGIN
	DECLARE n, i, v_qty, v_on, v_res, v_lon, v_lres, v_owed,
	    v_level, v_low, v_x INT DEFAULT 0;
	DECLARE v_sku, v_psku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_loc VARCHAR(32) CHARACTER SET ascii
	    COLLATE ascii_general_ci;
	DECLARE v_pid, v_lid, v_rid, v_frozen BIGINT UNSIGNED;
	DECLARE v_status VARCHAR(16);
	DECLARE v_active, v_lactive TINYINT;
	DECLARE v_ids LONGTEXT DEFAULT '[]';
	DECLARE v_ok TINYINT DEFAULT 1;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
	DECLARE EXIT HANDLER FOR SQLEXCEPTION
	BEGIN
		ROLLBACK;
		RESIGNAL;
	END;

	IF p_lines IS NOT NULL THEN
		START TRANSACTION;
		SET n = COALESCE(JSON_LENGTH(p_lines), 0);
		IF n = 0 THEN
			SET v_ok = 0;
		END IF;
		each_line: WHILE v_ok AND i < n DO
			SET v_sku = JSON_VALUE(p_lines, CONCAT('$[', i, '].s'));
			SET v_qty = JSON_VALUE(p_lines, CONCAT('$[', i, '].q'));
			SET v_loc = JSON_VALUE(p_lines, CONCAT('$[', i, '].l'));
			SET v_pid = NULL, v_lid = NULL;
			SELECT s.product_id, p.sku, p.status, s.is_active,
			    s.on_hand, s.reserved
			    INTO v_pid, v_psku, v_status, v_active, v_on, v_res
			    FROM products p JOIN stock s ON s.product_id = p.id
			    WHERE p.sku = v_sku FOR UPDATE;
			IF v_pid IS NULL OR v_status <> 'active' OR
			    NOT v_active OR v_qty IS NULL OR v_qty < 1 THEN
				SET v_ok = 0;
				LEAVE each_line;
			END IF;
			SELECT COUNT(*) INTO v_owed FROM holds
			    WHERE product_id = v_pid AND status = 'waiting';
			IF v_on - v_res - v_owed < v_qty THEN
				SET v_ok = 0;
				LEAVE each_line;
			END IF;
			-- the product's places, locked in location order
			SELECT COUNT(*) INTO v_x FROM location_stock
			    WHERE product_id = v_pid FOR UPDATE;
			IF v_loc IS NOT NULL THEN
				SELECT lo.id INTO v_lid FROM locations lo
				    JOIN location_stock ls
				    ON ls.location_id = lo.id
				    AND ls.product_id = v_pid
				    WHERE lo.code = v_loc AND lo.is_active = 1
				    AND lo.frozen_by IS NULL
				    AND ls.available >= v_qty;
			ELSE
				SELECT lo.id INTO v_lid FROM location_stock ls
				    JOIN locations lo ON lo.id = ls.location_id
				    WHERE ls.product_id = v_pid
				    AND lo.is_active = 1
				    AND lo.frozen_by IS NULL
				    AND ls.available >= v_qty
				    ORDER BY lo.priority, lo.id LIMIT 1;
			END IF;
			IF v_lid IS NULL THEN
				SET v_ok = 0;
				LEAVE each_line;
			END IF;
			-- the location as it is now, held against a freeze or
			-- a deactivation until the commit
			SELECT is_active, frozen_by INTO v_lactive, v_frozen
			    FROM locations WHERE id = v_lid LOCK IN SHARE MODE;
			IF NOT v_lactive OR v_frozen IS NOT NULL THEN
				SET v_ok = 0;
				LEAVE each_line;
			END IF;
			INSERT INTO reservations (product_id, location_id, type,
			    reference_id, quantity, expires_at, created_by)
			    VALUES (v_pid, v_lid, p_type, p_ref, v_qty,
			    NOW(3) + INTERVAL p_ttl SECOND, p_actor);
			SET v_rid = LAST_INSERT_ID();
			UPDATE stock SET reserved = reserved + v_qty,
			    version = version + 1 WHERE product_id = v_pid;
			SELECT level + 0, low_state + 0 INTO v_level, v_low
			    FROM stock WHERE product_id = v_pid;
			IF v_level > v_low THEN
				-- crosses into an alert: the C path writes
				-- the event
				SET v_ok = 0;
				LEAVE each_line;
			ELSEIF v_level < v_low THEN
				UPDATE stock SET low_state = level
				    WHERE product_id = v_pid;
			END IF;
			UPDATE location_stock SET reserved = reserved + v_qty
			    WHERE product_id = v_pid AND location_id = v_lid;
			SELECT on_hand, reserved INTO v_lon, v_lres
			    FROM location_stock
			    WHERE product_id = v_pid AND location_id = v_lid;
			INSERT INTO ledger (product_id, sku, location_id, type,
			    on_hand_delta, reserved_delta, on_hand_after,
			    reserved_after, reference_type, reference_id,
			    reason, actor, request_id, reservation_id)
			    VALUES (v_pid, v_psku, v_lid, 'reserve', 0, v_qty,
			    v_lon, v_lres, 'reservation', v_rid, p_type,
			    p_actor, p_request_id, v_rid);
			SET v_ids = JSON_ARRAY_APPEND(v_ids, '$', v_rid);
			SET i = i + 1;
		END WHILE;
		IF v_ok THEN
			-- a reference is its first caller's (reserve_fn says
			-- why this is checked after the lines are in)
			SELECT COUNT(*) INTO v_x FROM reservations
			    FORCE INDEX (ix_reservations_reference)
			    WHERE reference_id = p_ref AND (created_by <> p_actor
			    OR origin <> 'api' OR type = 'hold') FOR UPDATE;
			IF v_x > 0 THEN
				SET v_ok = 0;
			END IF;
		END IF;
		IF v_ok THEN
			COMMIT;
		ELSE
			ROLLBACK;
			SET v_ids = '[]';
		END IF;
	END IF;
	SELECT r.id, p.sku, r.quantity, r.type, r.reference_id, r.status,
	    CONCAT(DATE_FORMAT(r.expires_at, '%Y-%m-%dT%H:%i:%s.'),
	    LPAD(MICROSECOND(r.expires_at) DIV 1000, 3, '0'), 'Z')
	    AS expires_at,
	    CONCAT(DATE_FORMAT(r.created_at, '%Y-%m-%dT%H:%i:%s.'),
	    LPAD(MICROSECOND(r.created_at) DIV 1000, 3, '0'), 'Z')
	    AS created_at,
	    r.product_id, r.expires_at <= NOW(3) AS expired, r.origin,
	    r.created_by, r.location_id, lo.code AS location
	    FROM JSON_TABLE(v_ids, '$[*]' COLUMNS (k FOR ORDINALITY,
	    rid BIGINT UNSIGNED PATH '$')) j
	    JOIN reservations r ON r.id = j.rid
	    JOIN products p ON p.id = r.product_id
	    JOIN locations lo ON lo.id = r.location_id
	    ORDER BY j.k;
END;
