-- 017_lending_rules.sql: the lending rules a desk expects (issue 14,
-- item 6; docs/internals.md, "Issue 14: lending rules").
--
-- A loan made by mistake is voided by staff: status `voided` (neither
-- active nor returned: it does not count as a return, nor against the
-- loan limit), when and why. The unit goes back on the shelf with a
-- `restock` ledger row that names the loan and the reason.
ALTER TABLE loans
	MODIFY status ENUM('active','returned','voided')
	    NOT NULL DEFAULT 'active',
	ADD COLUMN voided_at DATETIME(3) NULL AFTER returned_at,
	ADD COLUMN void_reason VARCHAR(255) NULL AFTER voided_at;

-- hf_loan_create (012) with one more parameter, p_block_days
-- (loan_block_overdue_days; 0: off): a borrower with a loan overdue by
-- that many days gets no row, so the C path refuses with LOAN_006 naming
-- the overdue loans. The rest is 012's.
DROP PROCEDURE IF EXISTS hf_loan_create;
CREATE PROCEDURE hf_loan_create(
	IN p_lines LONGTEXT, IN p_user BIGINT UNSIGNED, IN p_units INT,
	IN p_limit INT, IN p_days INT, IN p_actor VARCHAR(128),
	IN p_request_id VARCHAR(64), IN p_block_days INT)
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
			-- loan_block_overdue_days: the C path names them
			IF v_ok AND p_block_days > 0 AND EXISTS (SELECT 1
			    FROM loans WHERE user_id = p_user
			    AND status = 'active' AND due_at <= NOW(3) -
			    INTERVAL p_block_days DAY) THEN
				SET v_ok = 0;
			END IF;
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
