-- 019_currency.sql: any currency (issue 15). The installation's currency
-- is the config key `currency` (ISO 4217, default EUR); each order keeps
-- the currency it was placed in (orders.currency, since 001). The one-trip
-- order procedure now takes that currency, and whether it has no minor
-- unit (JPY, KRW, ...: p_whole), so that it never places an order whose
-- prices a currency of whole units cannot pay.
--
-- hf_order_create is replaced with two more parameters; its body is
-- 012's otherwise (012 stays as it was applied).

-- An order (POST /api/v1/orders) in one round trip, as create_fn
-- (src/svc/orders.c) places it: every line taken (hf_take, SKU order,
-- never split), then the order row, each line's reservation (origin
-- 'order', expiring with the order), its change and its order line at the
-- product's price of this moment, and the total. Returns the order's id,
-- or no row (rolled back) for the C path: any line hf_take leaves to it, a
-- total past DECIMAL(12,2), a price with a fraction in a currency
-- without a minor unit (p_whole), an alert level.
CREATE OR REPLACE PROCEDURE hf_order_create(
	IN p_lines LONGTEXT, IN p_user BIGINT UNSIGNED, IN p_actor VARCHAR(128),
	IN p_note TEXT, IN p_ref VARCHAR(128), IN p_ttl INT,
	IN p_request_id VARCHAR(64), IN p_currency CHAR(3), IN p_whole TINYINT)
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
		-- a price with a fraction in a currency without a minor unit:
		-- the C path refuses the line by name
		IF v_ok AND p_whole AND EXISTS (SELECT 1 FROM JSON_TABLE(
		    v_takes, '$[*]' COLUMNS (pid BIGINT UNSIGNED PATH '$[0]')) t
		    JOIN products p ON p.id = t.pid
		    WHERE p.price <> FLOOR(p.price)) THEN
			SET v_ok = 0;
		END IF;
		IF v_ok THEN
			INSERT INTO orders (user_id, created_by, note,
			    reference_id, currency, expires_at) VALUES (p_user,
			    p_actor, p_note, p_ref, p_currency,
			    NOW(3) + INTERVAL p_ttl SECOND);
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
