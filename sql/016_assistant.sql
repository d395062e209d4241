-- 016: the catalog assistant (issue 14, item 5). A reader's conversations
-- with the assistant, their messages (questions and answers, with the
-- titles an answer cited), and the daily quota: one counter per reader
-- and UTC day, raised before the model is asked and given back when the
-- model could not answer (docs/internals.md, "Issue 14: the assistant").
CREATE TABLE assistant_conversations (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id          BIGINT UNSIGNED NOT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
	                 ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_assistant_conv_user (user_id, id),
	CONSTRAINT fk_assistant_conv_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE assistant_messages (
	id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	conversation_id  BIGINT UNSIGNED NOT NULL,
	role             ENUM('user','assistant') NOT NULL,
	content          TEXT NOT NULL,
	-- the answer's citations as JSON text ([] for a question)
	citations        TEXT NULL,
	created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY ix_assistant_msg_conv (conversation_id, id),
	CONSTRAINT fk_assistant_msg_conv FOREIGN KEY (conversation_id)
		REFERENCES assistant_conversations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE assistant_quota (
	user_id          BIGINT UNSIGNED NOT NULL,
	day              DATE NOT NULL,
	used             INT UNSIGNED NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, day),
	CONSTRAINT fk_assistant_quota_user FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
