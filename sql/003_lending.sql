-- 003_lending.sql: loans, holds and their reports (issue 6, library).
--
-- Same conventions as 001_init.sql. The loans and holds tables are in 001;
-- this adds what the lending reports read: loans started and returned per
-- day over a range (GET /api/v1/stats/loans) without a scan of the table.

ALTER TABLE loans
	ADD KEY ix_loans_created (created_at),
	ADD KEY ix_loans_returned (returned_at);
