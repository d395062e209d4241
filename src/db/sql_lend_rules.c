/*
 * sql_lend_rules.c: the statements of the lending rules a desk expects
 * (issue 14, item 6; src/svc/lend_rules.c): the overdue loans that block
 * a borrower, and a loan voided by staff. The loan's columns and status
 * rules are sql_lending.c's.
 */
#include <stddef.h>

#include "holdfast/db_lending.h"
#include "db_int.h"

/* db_sql_loans_overdue_of: the loans that block, oldest due first */
static const struct hf_field overdue_map[] = {
	HF_FIELD(struct loan, id, HF_K_U64),
	HF_FIELD(struct loan, due_at, HF_K_STR),
};

/* ix_loans_user_status (user_id, status), then due_at of a few rows */
struct db_sql db_sql_loans_overdue_of = DB_SQL_MAP(
    "SELECT id, " DB_ISO_AS("due_at", "due_at") " FROM loans "
    "WHERE user_id = ? AND status = 'active' "
    "AND due_at <= NOW(3) - INTERVAL ? DAY ORDER BY due_at, id LIMIT ?",
    overdue_map, struct loan);
/* neither returned nor counted as a return: chk_loans_returned holds */
struct db_sql db_sql_loan_void = DB_SQL(
    "UPDATE loans SET status = 'voided', voided_at = NOW(3), "
    "void_reason = ? WHERE id = ? AND status = 'active'");

/* every statement above, for holdfast-admin check-sql */
struct db_sql *const db_sql_set_lend_rules[] = {
	&db_sql_loans_overdue_of,
	&db_sql_loan_void,
	NULL
};
