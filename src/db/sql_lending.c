/*
 * sql_lending.c: loans, holds, their notices and statistics. See
 * db_lending.h for the parameters of each statement and the lock order.
 * "Overdue" is never stored: it is an active loan past due_at, computed
 * here by the database's clock.
 */
#include "holdfast/db_lending.h"
#include "db_int.h"

/* The status a client sees: returned, overdue or active. */
#define LOAN_STATUS "(CASE WHEN l.status = 'returned' THEN 'returned' " \
	"WHEN l.due_at <= NOW(3) THEN 'overdue' ELSE 'active' END)"

#define LOAN_COLS "l.id, l.user_id, l.sku, p.name, " LOAN_STATUS ", " \
	DB_ISO("l.due_at") ", " DB_ISO("l.returned_at") ", l.renewals, " \
	DB_ISO("l.created_at") ", l.product_id, " \
	DB_ISO("l.reminder_sent_at") ", " DB_ISO("l.last_overdue_notice_at")

#define LOAN_WHERE "WHERE (? IS NULL OR l.user_id = ?) " \
	"AND (? IS NULL OR " LOAN_STATUS " = ?) AND (? IS NULL OR l.sku = ?) "

/* Place in the queue (1 = next) of a waiting hold; NULL otherwise. */
#define HOLD_POSITION "IF(h.status = 'waiting', (SELECT COUNT(*) FROM " \
	"holds q WHERE q.product_id = h.product_id AND q.status = 'waiting' " \
	"AND (q.created_at < h.created_at OR (q.created_at = h.created_at " \
	"AND q.id <= h.id))), NULL)"

#define HOLD_COLS "h.id, h.user_id, p.sku, p.name, h.status, " \
	"h.reservation_id, h.loan_id, " DB_ISO("h.ready_at") ", " \
	DB_ISO("h.pickup_until") ", " DB_ISO("h.created_at") ", " \
	DB_ISO("h.ended_at") ", h.product_id, " HOLD_POSITION

#define HOLD_WHERE "WHERE (? IS NULL OR h.user_id = ?) " \
	"AND (? IS NULL OR h.status = ?) AND (? IS NULL OR p.sku = ?) "

struct db_sql db_sql_lend_user_lock = DB_SQL(
    "SELECT id, email, display_name, status FROM users WHERE id = ? "
    "FOR UPDATE");
struct db_sql db_sql_lend_user_get = DB_SQL(
    "SELECT id, email, display_name, status FROM users WHERE id = ?");

/* --- loans ------------------------------------------------------------ */

struct db_sql db_sql_loan_insert = DB_SQL(
    "INSERT INTO loans (user_id, product_id, sku, due_at) "
    "VALUES (?, ?, ?, NOW(3) + INTERVAL ? DAY)");
struct db_sql db_sql_loan_by_id = DB_SQL(
    "SELECT " LOAN_COLS " FROM loans l JOIN products p "
    "ON p.id = l.product_id WHERE l.id = ?");
struct db_sql db_sql_loan_lock = DB_SQL(
    "SELECT id, user_id, product_id, status, renewals FROM loans "
    "WHERE id = ? FOR UPDATE");
struct db_sql db_sql_loans_active_of = DB_SQL(
    "SELECT COUNT(*) FROM loans WHERE user_id = ? AND status = 'active'");
struct db_sql db_sql_loans_active_of_product = DB_SQL(
    "SELECT COUNT(*) FROM loans WHERE user_id = ? AND product_id = ? "
    "AND status = 'active'");
struct db_sql db_sql_loan_return = DB_SQL(
    "UPDATE loans SET status = 'returned', returned_at = NOW(3) "
    "WHERE id = ? AND status = 'active'");
/*
 * A renewal runs from the due date, or from now when that has passed;
 * the notices start again for the new date.
 */
struct db_sql db_sql_loan_renew = DB_SQL(
    "UPDATE loans SET due_at = GREATEST(due_at, NOW(3)) + INTERVAL ? DAY, "
    "renewals = renewals + 1, reminder_sent_at = NULL, "
    "last_overdue_notice_at = NULL WHERE id = ? AND status = 'active'");
struct db_sql db_sql_loans_list = DB_SQL(
    "SELECT " LOAN_COLS " FROM loans l JOIN products p "
    "ON p.id = l.product_id " LOAN_WHERE
    "ORDER BY l.id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_loans_count = DB_SQL(
    "SELECT COUNT(*) FROM loans l " LOAN_WHERE);

/* --- holds ------------------------------------------------------------ */

struct db_sql db_sql_hold_insert = DB_SQL(
    "INSERT INTO holds (user_id, product_id) VALUES (?, ?)");
struct db_sql db_sql_hold_by_id = DB_SQL(
    "SELECT " HOLD_COLS " FROM holds h JOIN products p "
    "ON p.id = h.product_id WHERE h.id = ?");
struct db_sql db_sql_hold_lock = DB_SQL(
    "SELECT id, user_id, product_id, status, reservation_id, "
    "pickup_until <= NOW(3) FROM holds WHERE id = ? FOR UPDATE");
/* ix_holds_queue (product_id, status, created_at): the head of the queue */
struct db_sql db_sql_hold_head_lock = DB_SQL(
    "SELECT id, user_id FROM holds WHERE product_id = ? "
    "AND status = 'waiting' ORDER BY created_at, id LIMIT 1 FOR UPDATE");
struct db_sql db_sql_holds_waiting_of = DB_SQL(
    "SELECT COUNT(*) FROM holds WHERE product_id = ? AND status = 'waiting'");
struct db_sql db_sql_holds_waiting_lock = DB_SQL(
    "SELECT id, user_id FROM holds WHERE product_id = ? "
    "AND status = 'waiting' ORDER BY created_at, id FOR UPDATE");
/* ix_holds_reservation, forced: not every ready hold through the status */
struct db_sql db_sql_hold_of_reservation = DB_SQL(
    "SELECT id FROM holds FORCE INDEX (ix_holds_reservation) "
    "WHERE reservation_id = ? AND status = 'ready' FOR UPDATE");
/* pickup_until is the expiry of the reservation that sets the unit aside */
struct db_sql db_sql_hold_set_ready = DB_SQL(
    "UPDATE holds SET status = 'ready', reservation_id = ?, "
    "ready_at = NOW(3), pickup_until = (SELECT expires_at FROM "
    "reservations WHERE id = ?) WHERE id = ? AND status = 'waiting'");
struct db_sql db_sql_hold_end = DB_SQL(
    "UPDATE holds SET status = ?, ended_at = NOW(3) "
    "WHERE id = ? AND status IN ('waiting', 'ready')");
struct db_sql db_sql_hold_collect = DB_SQL(
    "UPDATE holds SET status = 'collected', loan_id = ?, ended_at = NOW(3) "
    "WHERE id = ? AND status = 'ready'");
struct db_sql db_sql_holds_list = DB_SQL(
    "SELECT " HOLD_COLS " FROM holds h JOIN products p "
    "ON p.id = h.product_id " HOLD_WHERE
    "ORDER BY h.id DESC LIMIT ? OFFSET ?");
struct db_sql db_sql_holds_count = DB_SQL(
    "SELECT COUNT(*) FROM holds h JOIN products p "
    "ON p.id = h.product_id " HOLD_WHERE);
/* ix_holds_status_pickup */
struct db_sql db_sql_holds_due = DB_SQL(
    "SELECT id FROM holds WHERE status = 'ready' "
    "AND pickup_until <= NOW(3) ORDER BY pickup_until, id LIMIT ?");
/*
 * Units on the shelf while people wait: left by a released or expired
 * reservation, which does not pass units to the queue itself. A product
 * in maintenance keeps its queue waiting (holds_fill passes nothing).
 */
struct db_sql db_sql_holds_stalled = DB_SQL(
    "SELECT DISTINCT h.product_id FROM holds h JOIN stock s "
    "ON s.product_id = h.product_id JOIN products p ON p.id = h.product_id "
    "WHERE h.status = 'waiting' AND s.available > 0 AND s.is_active = 1 "
    "AND p.status = 'active' LIMIT ?");

/* --- notices ---------------------------------------------------------- */

/*
 * ix_loans_status_due. A claim repeats the condition of its scan: under
 * READ COMMITTED a second copy waits for the first one's row lock, then
 * re-reads the committed timestamp and matches nothing.
 */
#define REMINDER_DUE "status = 'active' AND reminder_sent_at IS NULL " \
	"AND due_at > NOW(3) AND due_at <= NOW(3) + INTERVAL ? DAY"
#define OVERDUE_DUE "status = 'active' AND due_at <= NOW(3) " \
	"AND (last_overdue_notice_at IS NULL " \
	"OR last_overdue_notice_at <= NOW(3) - INTERVAL ? HOUR)"

struct db_sql db_sql_notice_reminders_due = DB_SQL(
    "SELECT id FROM loans WHERE " REMINDER_DUE " ORDER BY due_at, id "
    "LIMIT ?");
struct db_sql db_sql_notice_reminder_claim = DB_SQL(
    "UPDATE loans SET reminder_sent_at = NOW(3) WHERE id = ? "
    "AND " REMINDER_DUE);
struct db_sql db_sql_notice_overdue_due = DB_SQL(
    "SELECT id FROM loans WHERE " OVERDUE_DUE " ORDER BY due_at, id "
    "LIMIT ?");
struct db_sql db_sql_notice_overdue_claim = DB_SQL(
    "UPDATE loans SET last_overdue_notice_at = NOW(3) WHERE id = ? "
    "AND " OVERDUE_DUE);
struct db_sql db_sql_notice_loan = DB_SQL(
    "SELECT l.user_id, u.email, u.display_name, l.sku, p.name, "
    DB_ISO("l.due_at") ", GREATEST(TIMESTAMPDIFF(DAY, l.due_at, NOW(3)), 0) "
    "FROM loans l JOIN users u ON u.id = l.user_id JOIN products p "
    "ON p.id = l.product_id WHERE l.id = ?");

/* --- statistics ------------------------------------------------------- */

struct db_sql db_sql_stats_loans_day = DB_SQL(
    "SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS day, COUNT(*) "
    "FROM loans WHERE created_at >= ? AND created_at < ? "
    "GROUP BY day ORDER BY day");
struct db_sql db_sql_stats_returns_day = DB_SQL(
    "SELECT DATE_FORMAT(returned_at, '%Y-%m-%d') AS day, COUNT(*) "
    "FROM loans WHERE returned_at >= ? AND returned_at < ? "
    "GROUP BY day ORDER BY day");
struct db_sql db_sql_stats_loans_now = DB_SQL(
    "SELECT COALESCE(SUM(status = 'active' AND due_at > NOW(3)), 0), "
    "COALESCE(SUM(status = 'active' AND due_at <= NOW(3)), 0), "
    "COALESCE(SUM(status = 'returned'), 0) FROM loans");
struct db_sql db_sql_stats_categories = DB_SQL(
    "SELECT c.name, c.slug, COUNT(p.id), COALESCE(SUM(s.on_hand), 0), "
    "COALESCE(SUM(s.reserved), 0), COALESCE(SUM(s.available), 0), "
    "COALESCE(SUM(l.loans), 0), COALESCE(SUM(l.active), 0), "
    "COALESCE(SUM(l.overdue), 0), COALESCE(SUM(h.waiting), 0) "
    "FROM products p JOIN stock s ON s.product_id = p.id "
    "LEFT JOIN categories c ON c.id = p.category_id "
    "LEFT JOIN (SELECT product_id, "
    "SUM((? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?)) "
    "AS loans, SUM(status = 'active') AS active, "
    "SUM(status = 'active' AND due_at <= NOW(3)) AS overdue "
    "FROM loans GROUP BY product_id) l ON l.product_id = p.id "
    "LEFT JOIN (SELECT product_id, COUNT(*) AS waiting FROM holds "
    "WHERE status = 'waiting' GROUP BY product_id) h "
    "ON h.product_id = p.id "
    "GROUP BY c.id, c.name, c.slug ORDER BY c.name IS NULL, c.name "
    "LIMIT 2000");	/* one reply's memory: docs/internals.md, caps */

/* every statement above, for holdfast-admin check-sql (sql_all.c) */
struct db_sql *const db_sql_set_lending[] = {
	&db_sql_lend_user_lock,
	&db_sql_lend_user_get,
	&db_sql_loan_insert,
	&db_sql_loan_by_id,
	&db_sql_loan_lock,
	&db_sql_loans_active_of,
	&db_sql_loans_active_of_product,
	&db_sql_loan_return,
	&db_sql_loan_renew,
	&db_sql_loans_list,
	&db_sql_loans_count,
	&db_sql_hold_insert,
	&db_sql_hold_by_id,
	&db_sql_hold_lock,
	&db_sql_hold_head_lock,
	&db_sql_holds_waiting_of,
	&db_sql_holds_waiting_lock,
	&db_sql_hold_of_reservation,
	&db_sql_hold_set_ready,
	&db_sql_hold_end,
	&db_sql_hold_collect,
	&db_sql_holds_list,
	&db_sql_holds_count,
	&db_sql_holds_due,
	&db_sql_holds_stalled,
	&db_sql_notice_reminders_due,
	&db_sql_notice_reminder_claim,
	&db_sql_notice_overdue_due,
	&db_sql_notice_overdue_claim,
	&db_sql_notice_loan,
	&db_sql_stats_loans_day,
	&db_sql_stats_returns_day,
	&db_sql_stats_loans_now,
	&db_sql_stats_categories,
	NULL
};
