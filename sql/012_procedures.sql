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
-- hf_stock_move does a restock, deduct or adjust (POST /stock/{sku}/...)
-- and hf_reservation_end a commit or release of one reservation by id, on
-- the same terms. hf_change is their one change of units, as
-- inv_stock_change (src/svc/stock.c) is the C path's: invariant 1 on the
-- product and the place checked before anything is written, the stock
-- row, the place and one ledger row with the place's after-values.
--
-- Migrations own the procedures: a later change is a new migration with
-- CREATE OR REPLACE; `holdfast-admin grant` gives the application user
-- EXECUTE on each (the callers' four; hf_change and hf_place_open are
-- theirs to call, and run with the definer's rights like them).

-- One change of p_don on hand and p_dres reserved of product p_pid at
-- location p_lid (both rows locked by the caller), with its ledger row;
-- p_ledger_id NULL when the change would break invariant 1 or cross into
-- an alert level (the C path writes the stock.low/stock.out event), and
-- then nothing was written.
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
	DECLARE v_on, v_res, v_lon, v_lres, v_warn, v_crit, v_low, v_level
	    BIGINT;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;

	SET p_ledger_id = NULL;
	SELECT on_hand + p_don, reserved + p_dres, warning_threshold,
	    critical_threshold, low_state + 0
	    INTO v_on, v_res, v_warn, v_crit, v_low
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

-- Location p_lid under the shared lock every change there takes (after
-- the product's rows), held to the commit so that a freeze or a
-- deactivation and a move never pass each other: p_ok 0 when it is
-- frozen (only a release passes, p_release 1) or inactive and units
-- would come in (p_don > 0).
CREATE OR REPLACE PROCEDURE hf_place_open(
	IN p_lid BIGINT UNSIGNED, IN p_don INT, IN p_release TINYINT,
	OUT p_ok TINYINT)
	READS SQL DATA
	SQL SECURITY DEFINER
BEGIN
	DECLARE v_active TINYINT;
	DECLARE v_frozen BIGINT UNSIGNED;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;

	SELECT is_active, frozen_by INTO v_active, v_frozen
	    FROM locations WHERE id = p_lid LOCK IN SHARE MODE;
	SET p_ok = v_active IS NOT NULL AND
	    (v_frozen IS NULL OR p_release) AND (v_active OR p_don <= 0);
END;

-- One line of a taker (hf_reserve, hf_order_create): the product's stock
-- row locked by SKU (p_sku in SKU order with the other lines), its places
-- in location order, the line allocated (the named location, else the
-- first in allocation order that has it all) and that location held
-- shared (hf_place_open). p_lid NULL when the line is for the C path: an
-- unknown or closed product, an inactive stock row, a line short of what
-- a taker may have (units owed to waiting holds excluded: the C path
-- frees expired units first), no location with it all, a location
-- unknown, inactive or frozen.
CREATE OR REPLACE PROCEDURE hf_take(
	IN p_sku VARCHAR(64), IN p_qty INT, IN p_loc VARCHAR(32),
	OUT p_pid BIGINT UNSIGNED, OUT p_psku VARCHAR(64),
	OUT p_lid BIGINT UNSIGNED)
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
body: BEGIN
	DECLARE v_sku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_loc VARCHAR(32) CHARACTER SET ascii
	    COLLATE ascii_general_ci;
	DECLARE v_status VARCHAR(16);
	DECLARE v_active, v_ok TINYINT;
	DECLARE v_on, v_res, v_owed, v_x BIGINT DEFAULT 0;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;

	SET p_pid = NULL, p_psku = NULL, p_lid = NULL;
	SET v_sku = p_sku, v_loc = p_loc;
	SELECT s.product_id, p.sku, p.status, s.is_active, s.on_hand,
	    s.reserved INTO p_pid, p_psku, v_status, v_active, v_on, v_res
	    FROM products p JOIN stock s ON s.product_id = p.id
	    WHERE p.sku = v_sku FOR UPDATE;
	IF p_pid IS NULL OR v_status <> 'active' OR NOT v_active OR
	    p_qty IS NULL OR p_qty < 1 THEN
		LEAVE body;
	END IF;
	SELECT COUNT(*) INTO v_owed FROM holds
	    WHERE product_id = p_pid AND status = 'waiting';
	IF v_on - v_res - v_owed < p_qty THEN
		LEAVE body;
	END IF;
	-- the product's places, locked in location order
	SELECT COUNT(*) INTO v_x FROM location_stock
	    WHERE product_id = p_pid FOR UPDATE;
	SELECT lo.id INTO p_lid FROM location_stock ls
	    JOIN locations lo ON lo.id = ls.location_id
	    WHERE ls.product_id = p_pid AND (v_loc IS NULL OR lo.code = v_loc)
	    AND lo.is_active = 1 AND lo.frozen_by IS NULL
	    AND ls.available >= p_qty
	    ORDER BY lo.priority, lo.id LIMIT 1;
	IF p_lid IS NOT NULL THEN
		CALL hf_place_open(p_lid, 0, 0, v_ok);
		IF NOT v_ok THEN
			SET p_lid = NULL;
		END IF;
	END IF;
END;

-- Every line of p_lines (the takers' JSON, in SKU order) taken by
-- hf_take: p_takes a JSON array of [product_id, sku, location_id,
-- quantity] per line, or NULL as soon as a line is for the C path (the
-- caller rolls back what was locked).
CREATE OR REPLACE PROCEDURE hf_take_lines(
	IN p_lines LONGTEXT, OUT p_takes LONGTEXT)
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
body: BEGIN
	DECLARE n, i INT DEFAULT 0;
	DECLARE v_qty BIGINT;
	DECLARE v_sku, v_psku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_loc VARCHAR(32) CHARACTER SET ascii
	    COLLATE ascii_general_ci;
	DECLARE v_pid, v_lid BIGINT UNSIGNED;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;

	SET p_takes = NULL, n = COALESCE(JSON_LENGTH(p_lines), 0);
	IF n = 0 THEN
		LEAVE body;
	END IF;
	SET p_takes = '[]';
	WHILE i < n DO
		SET v_sku = JSON_VALUE(p_lines, CONCAT('$[', i, '].s'));
		SET v_qty = JSON_VALUE(p_lines, CONCAT('$[', i, '].q'));
		SET v_loc = JSON_VALUE(p_lines, CONCAT('$[', i, '].l'));
		CALL hf_take(v_sku, v_qty, v_loc, v_pid, v_psku, v_lid);
		IF v_lid IS NULL THEN
			SET p_takes = NULL;
			LEAVE body;
		END IF;
		SET p_takes = JSON_ARRAY_APPEND(p_takes, '$',
		    JSON_ARRAY(v_pid, v_psku, v_lid, v_qty));
		SET i = i + 1;
	END WHILE;
END;

-- The reservations of p_ids (a JSON array of ids) in that order, as the
-- service reads a reservation (RES_COLS, sql_inventory.c) and with its
-- location's code: the last result of hf_reserve and hf_reservation_end.
CREATE OR REPLACE PROCEDURE hf_reservations_out(IN p_ids LONGTEXT)
	READS SQL DATA
	SQL SECURITY DEFINER
BEGIN
	SELECT r.id, p.sku, r.quantity, r.type, r.reference_id, r.status,
	    CONCAT(DATE_FORMAT(r.expires_at, '%Y-%m-%dT%H:%i:%s.'),
	    LPAD(MICROSECOND(r.expires_at) DIV 1000, 3, '0'), 'Z')
	    AS expires_at,
	    CONCAT(DATE_FORMAT(r.created_at, '%Y-%m-%dT%H:%i:%s.'),
	    LPAD(MICROSECOND(r.created_at) DIV 1000, 3, '0'), 'Z')
	    AS created_at,
	    r.product_id, r.expires_at <= NOW(3) AS expired, r.origin,
	    r.created_by, r.location_id, lo.code AS location
	    FROM JSON_TABLE(COALESCE(p_ids, '[]'), '$[*]' COLUMNS (k FOR ORDINALITY,
	    rid BIGINT UNSIGNED PATH '$')) j
	    JOIN reservations r ON r.id = j.rid
	    JOIN products p ON p.id = r.product_id
	    JOIN locations lo ON lo.id = r.location_id
	    ORDER BY j.k;
END;

CREATE OR REPLACE PROCEDURE hf_reserve(
	IN p_lines LONGTEXT, IN p_type VARCHAR(16), IN p_ref VARCHAR(128),
	IN p_ttl INT, IN p_actor VARCHAR(128), IN p_request_id VARCHAR(64))
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
	COMMENT 'POST /reservations in one round trip (012_procedures.sql)'
BEGIN
	DECLARE n, i, v_qty, v_x INT DEFAULT 0;
	DECLARE v_psku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_pid, v_lid, v_rid, v_lgid BIGINT UNSIGNED;
	DECLARE v_takes LONGTEXT;
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
		-- every line taken first (SKU order), as reserve_fn does
		CALL hf_take_lines(p_lines, v_takes);
		SET v_ok = v_takes IS NOT NULL;
		SET n = COALESCE(JSON_LENGTH(v_takes), 0);
		each_line: WHILE v_ok AND i < n DO
			SET v_pid = JSON_VALUE(v_takes, CONCAT('$[', i, '][0]'));
			SET v_psku = JSON_VALUE(v_takes, CONCAT('$[', i, '][1]'));
			SET v_lid = JSON_VALUE(v_takes, CONCAT('$[', i, '][2]'));
			SET v_qty = JSON_VALUE(v_takes, CONCAT('$[', i, '][3]'));
			INSERT INTO reservations (product_id, location_id, type,
			    reference_id, quantity, expires_at, created_by)
			    VALUES (v_pid, v_lid, p_type, p_ref, v_qty,
			    NOW(3) + INTERVAL p_ttl SECOND, p_actor);
			SET v_rid = LAST_INSERT_ID();
			CALL hf_change(v_pid, v_psku, v_lid, 'reserve', 0, v_qty,
			    'reservation', v_rid, p_type, p_actor, p_request_id,
			    v_rid, v_lgid);
			IF v_lgid IS NULL THEN
				SET v_ok = 0;
				LEAVE each_line;
			END IF;
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
	CALL hf_reservations_out(v_ids);
END;

-- A restock, deduct or adjust of one SKU (POST /stock/{sku}/restock,
-- deduct, adjust) in one round trip: p_delta signed; p_loc the named
-- location or NULL (a restock or adjust goes to the first active location
-- in allocation order, a deduct to the first that has it all). Returns
-- the stock row after it (STOCK_COLS), the ledger row's id and the
-- location's code, or no row (rolled back) for the C path: an unknown
-- SKU, a deduct that is short or would take units owed to waiting holds,
-- units coming back while holds wait (they go to the queue), a location
-- that is unknown, inactive or frozen, invariant 1, an alert level.
CREATE OR REPLACE PROCEDURE hf_stock_move(
	IN p_sku VARCHAR(64), IN p_type VARCHAR(16), IN p_delta INT,
	IN p_loc VARCHAR(32), IN p_ref_id VARCHAR(128), IN p_reason VARCHAR(255),
	IN p_actor VARCHAR(128), IN p_request_id VARCHAR(64))
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
BEGIN
	DECLARE v_pid, v_lid, v_lgid BIGINT UNSIGNED;
	DECLARE v_sku, v_psku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_loc VARCHAR(32) CHARACTER SET ascii
	    COLLATE ascii_general_ci;
	DECLARE v_active, v_ok TINYINT DEFAULT 0;
	DECLARE v_on, v_res, v_owed, v_x BIGINT DEFAULT 0;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
	DECLARE EXIT HANDLER FOR SQLEXCEPTION
	BEGIN
		ROLLBACK;
		RESIGNAL;
	END;

	IF p_sku IS NOT NULL THEN
		START TRANSACTION;
		-- in the columns' collations (SKUs and codes compare without
		-- case, 008_identity.sql and 009_locations.sql)
		SET v_sku = p_sku, v_loc = p_loc;
		SELECT s.product_id, p.sku, s.is_active, s.on_hand, s.reserved
		    INTO v_pid, v_psku, v_active, v_on, v_res
		    FROM products p JOIN stock s ON s.product_id = p.id
		    WHERE p.sku = v_sku FOR UPDATE;
		IF v_pid IS NOT NULL AND p_delta <> 0 THEN
			SELECT COUNT(*) INTO v_owed FROM holds
			    WHERE product_id = v_pid AND status = 'waiting';
			SELECT COUNT(*) INTO v_x FROM location_stock
			    WHERE product_id = v_pid FOR UPDATE;
			IF p_type = 'deduct' THEN
				IF v_active AND
				    v_on - v_res - v_owed >= -p_delta THEN
					SELECT lo.id INTO v_lid
					    FROM location_stock ls
					    JOIN locations lo
					    ON lo.id = ls.location_id
					    WHERE ls.product_id = v_pid
					    AND (v_loc IS NULL OR lo.code = v_loc)
					    AND lo.is_active = 1
					    AND lo.frozen_by IS NULL
					    AND ls.available >= -p_delta
					    ORDER BY lo.priority, lo.id LIMIT 1;
				END IF;
			ELSEIF p_delta < 0 OR v_owed = 0 THEN
				-- the named or the default location (the
				-- first active one; frozen: hf_place_open)
				SELECT id INTO v_lid FROM locations
				    WHERE (v_loc IS NULL OR code = v_loc)
				    AND is_active = 1
				    ORDER BY priority, id LIMIT 1;
			END IF;
		END IF;
		IF v_lid IS NOT NULL THEN
			CALL hf_place_open(v_lid, p_delta, 0, v_ok);
		END IF;
		IF v_ok THEN
			CALL hf_change(v_pid, v_psku, v_lid, p_type,
			    p_delta, 0, 'manual', p_ref_id, p_reason, p_actor,
			    p_request_id, NULL, v_lgid);
		END IF;
		IF v_lgid IS NOT NULL THEN
			COMMIT;
		ELSE
			ROLLBACK;
			SET v_pid = NULL;
		END IF;
	END IF;
	SELECT s.product_id, p.sku, p.name, s.on_hand, s.reserved,
	    s.available, s.level, s.warning_threshold, s.critical_threshold,
	    s.location, s.is_active, s.low_state,
	    CONCAT(DATE_FORMAT(s.updated_at, '%Y-%m-%dT%H:%i:%s.'),
	    LPAD(MICROSECOND(s.updated_at) DIV 1000, 3, '0'), 'Z')
	    AS updated_at, p.status AS product_status,
	    v_lgid AS ledger_id, lo.code AS moved_at
	    FROM products p JOIN stock s ON s.product_id = p.id
	    JOIN locations lo ON lo.id = v_lid
	    WHERE p.id = v_pid;
END;

-- A commit or release of one reservation by id (POST /reservations/{id}/
-- commit, release) in one round trip, in the C path's lock order
-- (end_one_fn: the stock row, the reservation, its place, the location).
-- Returns the reservation after it, or no row (rolled back) for the C
-- path and its exact refusal: unknown, another owner's (p_admin 0), an
-- order's, loan's or hold's, not active, expired (a commit), a frozen
-- location (a commit), an alert level.
CREATE OR REPLACE PROCEDURE hf_reservation_end(
	IN p_id BIGINT UNSIGNED, IN p_commit TINYINT, IN p_actor VARCHAR(128),
	IN p_admin TINYINT, IN p_request_id VARCHAR(64))
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
BEGIN
	DECLARE v_pid, v_rpid, v_lid, v_lgid BIGINT UNSIGNED;
	DECLARE v_psku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_status, v_origin, v_type VARCHAR(16);
	-- an owner is its actor byte for byte, as reservations.created_by
	DECLARE v_owner VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
	DECLARE v_qty, v_x BIGINT DEFAULT 0;
	DECLARE v_expired, v_ok TINYINT DEFAULT 0;
	DECLARE v_ids LONGTEXT DEFAULT '[]';
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
	DECLARE EXIT HANDLER FOR SQLEXCEPTION
	BEGIN
		ROLLBACK;
		RESIGNAL;
	END;

	IF p_id IS NOT NULL THEN
		START TRANSACTION;
		SELECT product_id INTO v_rpid FROM reservations WHERE id = p_id;
		IF v_rpid IS NOT NULL THEN
			SELECT p.id, p.sku INTO v_pid, v_psku
			    FROM products p JOIN stock s ON s.product_id = p.id
			    WHERE p.id = v_rpid FOR UPDATE;
			SELECT status, origin, type, created_by, quantity,
			    location_id, expires_at <= NOW(3)
			    INTO v_status, v_origin, v_type, v_owner, v_qty,
			    v_lid, v_expired
			    FROM reservations WHERE id = p_id FOR UPDATE;
			SET v_ok = v_pid IS NOT NULL AND
			    (p_admin OR v_owner = p_actor) AND
			    v_origin = 'api' AND v_type <> 'hold' AND
			    v_status = 'active' AND NOT (p_commit AND v_expired);
		END IF;
		IF v_ok THEN
			UPDATE reservations SET status = IF(p_commit,
			    'committed', 'released'), ended_at = NOW(3)
			    WHERE id = p_id AND status = 'active';
			SELECT COUNT(*) INTO v_x FROM location_stock
			    WHERE product_id = v_pid FOR UPDATE;
			CALL hf_place_open(v_lid, IF(p_commit, -v_qty, 0),
			    NOT p_commit, v_ok);
		END IF;
		IF v_ok THEN
			CALL hf_change(v_pid, v_psku, v_lid,
			    IF(p_commit, 'deduct', 'release'),
			    IF(p_commit, -v_qty, 0), -v_qty, 'reservation', p_id,
			    IF(p_commit, 'committed', 'released'), p_actor,
			    p_request_id, p_id, v_lgid);
		END IF;
		IF v_lgid IS NOT NULL THEN
			COMMIT;
			SET v_ids = JSON_ARRAY(p_id);
		ELSE
			ROLLBACK;
		END IF;
	END IF;
	CALL hf_reservations_out(v_ids);
END;

-- An order (POST /api/v1/orders) in one round trip, as create_fn
-- (src/svc/orders.c) places it: every line taken (hf_take, SKU order,
-- never split), then the order row, each line's reservation (origin
-- 'order', expiring with the order), its change and its order line at the
-- product's price of this moment, and the total. Returns the order's id,
-- or no row (rolled back) for the C path: any line hf_take leaves to it, a
-- total past DECIMAL(12,2), an alert level.
CREATE OR REPLACE PROCEDURE hf_order_create(
	IN p_lines LONGTEXT, IN p_user BIGINT UNSIGNED, IN p_actor VARCHAR(128),
	IN p_note TEXT, IN p_ref VARCHAR(128), IN p_ttl INT,
	IN p_request_id VARCHAR(64))
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
BEGIN
	DECLARE n, i INT DEFAULT 0;
	DECLARE v_qty BIGINT;
	DECLARE v_total DECIMAL(30,2) DEFAULT 0;
	DECLARE v_psku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_pid, v_lid, v_rid, v_lgid, v_oid BIGINT UNSIGNED;
	DECLARE v_takes LONGTEXT;
	DECLARE v_ok TINYINT DEFAULT 1;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
	DECLARE EXIT HANDLER FOR SQLEXCEPTION
	BEGIN
		ROLLBACK;
		RESIGNAL;
	END;

	IF p_lines IS NOT NULL THEN
		START TRANSACTION;
		CALL hf_take_lines(p_lines, v_takes);
		SET v_ok = v_takes IS NOT NULL;
		SET n = COALESCE(JSON_LENGTH(v_takes), 0);
		IF v_ok THEN
			-- at the products' prices of this moment
			SELECT COALESCE(SUM(t.q * p.price), 0) INTO v_total
			    FROM JSON_TABLE(v_takes, '$[*]' COLUMNS (
			    pid BIGINT UNSIGNED PATH '$[0]',
			    q BIGINT PATH '$[3]')) t
			    JOIN products p ON p.id = t.pid;
		END IF;
		IF v_ok AND v_total > 9999999999.99 THEN
			SET v_ok = 0;
		END IF;
		IF v_ok THEN
			INSERT INTO orders (user_id, created_by, note,
			    reference_id, expires_at) VALUES (p_user, p_actor,
			    p_note, p_ref, NOW(3) + INTERVAL p_ttl SECOND);
			SET v_oid = LAST_INSERT_ID(), i = 0;
		END IF;
		write_lines: WHILE v_ok AND i < n DO
			SET v_pid = JSON_VALUE(v_takes, CONCAT('$[', i, '][0]'));
			SET v_psku = JSON_VALUE(v_takes, CONCAT('$[', i, '][1]'));
			SET v_lid = JSON_VALUE(v_takes, CONCAT('$[', i, '][2]'));
			SET v_qty = JSON_VALUE(v_takes, CONCAT('$[', i, '][3]'));
			INSERT INTO reservations (product_id, location_id, type,
			    origin, reference_id, quantity, expires_at,
			    created_by) SELECT v_pid, v_lid, 'order', 'order',
			    o.reference_id, v_qty, o.expires_at, p_actor
			    FROM orders o WHERE o.id = v_oid;
			SET v_rid = LAST_INSERT_ID();
			CALL hf_change(v_pid, v_psku, v_lid, 'reserve', 0, v_qty,
			    'order', v_oid, 'order', p_actor, p_request_id,
			    v_rid, v_lgid);
			IF v_lgid IS NULL THEN
				SET v_ok = 0;
				LEAVE write_lines;
			END IF;
			INSERT INTO order_lines (order_id, product_id, sku,
			    quantity, unit_price, line_total, reservation_id)
			    SELECT v_oid, p.id, p.sku, v_qty, p.price,
			    p.price * v_qty, v_rid FROM products p
			    WHERE p.id = v_pid;
			SET i = i + 1;
		END WHILE;
		IF v_ok THEN
			UPDATE orders SET total = (SELECT COALESCE(
			    SUM(line_total), 0) FROM order_lines
			    WHERE order_id = v_oid) WHERE id = v_oid;
			COMMIT;
		ELSE
			ROLLBACK;
			SET v_oid = NULL;
		END IF;
	END IF;
	SELECT v_oid AS n FROM DUAL WHERE v_oid IS NOT NULL;
END;

-- A loan of every line or none (POST /api/v1/loans) in one round trip, as
-- create_fn (src/svc/loans.c) lends: every line taken (hf_take), then the
-- borrower's users row locked and the loan limit checked (p_units more
-- than the active loans, at most p_limit), then one loan and one deduct
-- per unit, due in p_days. Returns the loans' ids (one row each, in line
-- order), or no row (rolled back) for the C path: any line hf_take leaves
-- to it, a borrower not active or unknown, the limit, an alert level.
CREATE OR REPLACE PROCEDURE hf_loan_create(
	IN p_lines LONGTEXT, IN p_user BIGINT UNSIGNED, IN p_units INT,
	IN p_limit INT, IN p_days INT, IN p_actor VARCHAR(128),
	IN p_request_id VARCHAR(64))
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
BEGIN
	DECLARE n, i, k INT DEFAULT 0;
	DECLARE v_qty, v_active BIGINT;
	DECLARE v_psku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_status VARCHAR(16);
	DECLARE v_pid, v_lid, v_loan, v_lgid BIGINT UNSIGNED;
	DECLARE v_takes LONGTEXT;
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
		CALL hf_take_lines(p_lines, v_takes);
		SET v_ok = v_takes IS NOT NULL;
		SET n = COALESCE(JSON_LENGTH(v_takes), 0);
		IF v_ok THEN
			-- the borrower after the stock rows, so two requests
			-- of one user cannot both pass the limit
			SELECT status INTO v_status FROM users WHERE id = p_user
			    FOR UPDATE;
			SELECT COUNT(*) INTO v_active FROM loans
			    WHERE user_id = p_user AND status = 'active';
			SET v_ok = v_status = 'active' AND
			    v_active + p_units <= p_limit;
			SET i = 0;
		END IF;
		write_lines: WHILE v_ok AND i < n DO
			SET v_pid = JSON_VALUE(v_takes, CONCAT('$[', i, '][0]'));
			SET v_psku = JSON_VALUE(v_takes, CONCAT('$[', i, '][1]'));
			SET v_lid = JSON_VALUE(v_takes, CONCAT('$[', i, '][2]'));
			SET v_qty = JSON_VALUE(v_takes, CONCAT('$[', i, '][3]'));
			SET k = 0;
			WHILE v_ok AND k < v_qty DO
				INSERT INTO loans (user_id, product_id,
				    location_id, sku, due_at) VALUES (p_user,
				    v_pid, v_lid, v_psku,
				    NOW(3) + INTERVAL p_days DAY);
				SET v_loan = LAST_INSERT_ID();
				CALL hf_change(v_pid, v_psku, v_lid, 'deduct', -1,
				    0, 'loan', v_loan, 'loan', p_actor,
				    p_request_id, NULL, v_lgid);
				IF v_lgid IS NULL THEN
					SET v_ok = 0;
				END IF;
				SET v_ids = JSON_ARRAY_APPEND(v_ids, '$', v_loan);
				SET k = k + 1;
			END WHILE;
			SET i = i + 1;
		END WHILE;
		IF v_ok THEN
			COMMIT;
		ELSE
			ROLLBACK;
			SET v_ids = '[]';
		END IF;
	END IF;
	SELECT j.id AS n FROM JSON_TABLE(v_ids, '$[*]' COLUMNS (
	    k FOR ORDINALITY, id BIGINT UNSIGNED PATH '$')) j ORDER BY j.k;
END;

-- A loan's return (POST /api/v1/loans/{id}/return) in one round trip, as
-- return_fn (src/svc/loans.c) takes it back: the stock row, the loan
-- (active), the unit back at p_at (a code) or where it went out, or the
-- default location when that one is inactive. p_viewer: the caller's user
-- id when it may see only its own loans, 0 for staff. Returns the loan's
-- id, or no row (rolled back) for the C path: unknown or another's loan,
-- not active, holds waiting for the product (the unit goes to the first,
-- with its e-mail), a location unknown, inactive or frozen, an alert
-- level.
CREATE OR REPLACE PROCEDURE hf_loan_return(
	IN p_id BIGINT UNSIGNED, IN p_at VARCHAR(32),
	IN p_viewer BIGINT UNSIGNED, IN p_actor VARCHAR(128),
	IN p_request_id VARCHAR(64))
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
BEGIN
	DECLARE v_pid, v_spid, v_user, v_from, v_lid, v_lgid BIGINT UNSIGNED;
	DECLARE v_psku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_at VARCHAR(32) CHARACTER SET ascii COLLATE ascii_general_ci;
	DECLARE v_status VARCHAR(16);
	DECLARE v_waiting, v_x BIGINT DEFAULT 0;
	DECLARE v_ok TINYINT DEFAULT 0;
	DECLARE v_done BIGINT UNSIGNED;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
	DECLARE EXIT HANDLER FOR SQLEXCEPTION
	BEGIN
		ROLLBACK;
		RESIGNAL;
	END;

	IF p_id IS NOT NULL THEN
		START TRANSACTION;
		SET v_at = p_at;
		SELECT product_id, user_id, location_id
		    INTO v_pid, v_user, v_from FROM loans WHERE id = p_id;
		IF v_pid IS NOT NULL AND (p_viewer = 0 OR v_user = p_viewer)
		    THEN
			SELECT s.product_id, p.sku INTO v_spid, v_psku
			    FROM products p JOIN stock s ON s.product_id = p.id
			    WHERE p.id = v_pid FOR UPDATE;
			SELECT status INTO v_status FROM loans WHERE id = p_id
			    FOR UPDATE;
			SELECT COUNT(*) INTO v_waiting FROM holds
			    WHERE product_id = v_pid AND status = 'waiting';
			IF v_status = 'active' AND v_waiting = 0 THEN
				SELECT id INTO v_lid FROM locations
				    WHERE (v_at IS NOT NULL AND code = v_at) OR
				    (v_at IS NULL AND id = v_from
				    AND is_active = 1);
				IF v_lid IS NULL AND v_at IS NULL THEN
					SELECT id INTO v_lid FROM locations
					    WHERE is_active = 1
					    ORDER BY priority, id LIMIT 1;
				END IF;
			END IF;
		END IF;
		IF v_lid IS NOT NULL THEN
			UPDATE loans SET status = 'returned',
			    returned_at = NOW(3)
			    WHERE id = p_id AND status = 'active';
			SELECT COUNT(*) INTO v_x FROM location_stock
			    WHERE product_id = v_pid FOR UPDATE;
			CALL hf_place_open(v_lid, 1, 0, v_ok);
		END IF;
		IF v_ok THEN
			CALL hf_change(v_pid, v_psku, v_lid, 'restock', 1, 0,
			    'loan', p_id, 'return', p_actor, p_request_id, NULL,
			    v_lgid);
		END IF;
		IF v_lgid IS NOT NULL THEN
			COMMIT;
			SET v_done = p_id;
		ELSE
			ROLLBACK;
		END IF;
	END IF;
	SELECT v_done AS n FROM DUAL WHERE v_done IS NOT NULL;
END;

-- A commit or release of every active reservation of one reference
-- (POST /reservations/by-reference/{ref}/commit, release) in one round
-- trip, in the C path's lock order (end_ref_fn): the stock rows of its
-- lines in SKU order, the lines, then per line its place and location.
-- Returns the reservations after it (SKU, id order), or no row (rolled
-- back) for the C path and its exact refusal: no active line, a line of
-- another owner (p_admin 0), of an order, loan or hold, an expired one (a
-- commit), a line that appeared on another product meanwhile, a frozen
-- location (a commit), an alert level.
CREATE OR REPLACE PROCEDURE hf_reference_end(
	IN p_ref VARCHAR(128), IN p_commit TINYINT, IN p_actor VARCHAR(128),
	IN p_admin TINYINT, IN p_request_id VARCHAR(64))
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
BEGIN
	DECLARE n, i INT DEFAULT 0;
	DECLARE v_pids, v_lines LONGTEXT;
	DECLARE v_ids LONGTEXT DEFAULT '[]';
	DECLARE v_pid, v_rid, v_lid, v_lgid BIGINT UNSIGNED;
	DECLARE v_psku VARCHAR(64) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_general_ci;
	DECLARE v_ref VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
	DECLARE v_actor VARCHAR(128) CHARACTER SET utf8mb4
	    COLLATE utf8mb4_bin;
	DECLARE v_qty, v_bad, v_x BIGINT DEFAULT 0;
	DECLARE v_ok TINYINT DEFAULT 0;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
	DECLARE EXIT HANDLER FOR SQLEXCEPTION
	BEGIN
		ROLLBACK;
		RESIGNAL;
	END;

	IF p_ref IS NOT NULL THEN
		START TRANSACTION;
		SET v_ref = p_ref, v_actor = p_actor;
		-- the products of its active lines, without a lock
		SELECT JSON_ARRAYAGG(t.product_id ORDER BY t.sku) INTO v_pids
		    FROM (SELECT DISTINCT r.product_id, p.sku
		    FROM reservations r
		    FORCE INDEX (ix_reservations_reference)
		    JOIN products p ON p.id = r.product_id
		    WHERE r.reference_id = v_ref AND r.status = 'active') t;
		SET n = COALESCE(JSON_LENGTH(v_pids), 0);
		WHILE i < n DO
			-- the product's row with its stock row, as every taker
			-- locks them (a join FOR UPDATE locks both; locking
			-- the stock row alone here let the lines' locking read
			-- below wait for a product row a taker held while that
			-- taker waited for this stock row: a deadlock)
			SET v_pid = JSON_VALUE(v_pids, CONCAT('$[', i, ']'));
			SELECT COUNT(*) INTO v_x FROM products p
			    JOIN stock s ON s.product_id = p.id
			    WHERE p.id = v_pid FOR UPDATE;
			SET i = i + 1;
		END WHILE;
		IF n > 0 THEN
			-- the lines, locked, each checked as end_check does
			SELECT JSON_ARRAYAGG(JSON_ARRAY(r.id, r.product_id,
			    p.sku, r.location_id, r.quantity)
			    ORDER BY p.sku, r.id),
			    SUM(NOT JSON_CONTAINS(v_pids, CAST(r.product_id
			    AS CHAR)) OR NOT (p_admin OR r.created_by = v_actor)
			    OR r.origin <> 'api' OR r.type = 'hold' OR
			    (p_commit AND r.expires_at <= NOW(3)))
			    INTO v_lines, v_bad
			    FROM reservations r
			    FORCE INDEX (ix_reservations_reference)
			    JOIN products p ON p.id = r.product_id
			    WHERE r.reference_id = v_ref
			    AND r.status = 'active' FOR UPDATE;
			SET v_ok = v_lines IS NOT NULL AND v_bad = 0;
		END IF;
		SET n = COALESCE(JSON_LENGTH(v_lines), 0), i = 0;
		each_line: WHILE v_ok AND i < n DO
			SET v_rid = JSON_VALUE(v_lines, CONCAT('$[', i, '][0]'));
			SET v_pid = JSON_VALUE(v_lines, CONCAT('$[', i, '][1]'));
			SET v_psku = JSON_VALUE(v_lines, CONCAT('$[', i, '][2]'));
			SET v_lid = JSON_VALUE(v_lines, CONCAT('$[', i, '][3]'));
			SET v_qty = JSON_VALUE(v_lines, CONCAT('$[', i, '][4]'));
			UPDATE reservations SET status = IF(p_commit,
			    'committed', 'released'), ended_at = NOW(3)
			    WHERE id = v_rid AND status = 'active';
			SELECT COUNT(*) INTO v_x FROM location_stock
			    WHERE product_id = v_pid FOR UPDATE;
			CALL hf_place_open(v_lid, IF(p_commit, -v_qty, 0),
			    NOT p_commit, v_ok);
			IF NOT v_ok THEN
				LEAVE each_line;
			END IF;
			SET v_lgid = NULL;
			CALL hf_change(v_pid, v_psku, v_lid,
			    IF(p_commit, 'deduct', 'release'),
			    IF(p_commit, -v_qty, 0), -v_qty, 'reservation', v_rid,
			    IF(p_commit, 'committed', 'released'), p_actor,
			    p_request_id, v_rid, v_lgid);
			IF v_lgid IS NULL THEN
				SET v_ok = 0;
				LEAVE each_line;
			END IF;
			SET v_ids = JSON_ARRAY_APPEND(v_ids, '$', v_rid);
			SET i = i + 1;
		END WHILE;
		IF v_ok THEN
			COMMIT;
		ELSE
			ROLLBACK;
			SET v_ids = '[]';
		END IF;
	END IF;
	CALL hf_reservations_out(v_ids);
END;
