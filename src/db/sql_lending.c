/*
 * sql_lending.c: loans, holds, their notices and statistics, each
 * statement with the column map of the struct it fills (db_lending.h says
 * the parameters of each and the lock order). "Overdue" is never stored:
 * it is an active loan past due_at, computed here by the database's
 * clock.
 */
#include <stddef.h>

#include "holdfast/db_lending.h"
#include "db_int.h"

/* The status a client sees: returned, overdue or active. */
#define LOAN_STATUS "(CASE WHEN l.status = 'returned' THEN 'returned' " \
	"WHEN l.status = 'voided' THEN 'voided' " \
	"WHEN l.due_at <= NOW(3) THEN 'overdue' ELSE 'active' END)"

/*
 * How a returned loan came back (issue 14, item 6): late after due_at,
 * early on a day (UTC) before the due date's, else on_time; days_late
 * counts started days past due_at (0 unless late). NULL until returned
 * (and for a voided loan, which was never returned).
 */
#define LOAN_RETURN "(CASE WHEN l.status <> 'returned' THEN NULL " \
	"WHEN l.returned_at > l.due_at THEN 'late' " \
	"WHEN DATE(l.returned_at) < DATE(l.due_at) THEN 'early' " \
	"ELSE 'on_time' END) AS return_status, IF(l.status = 'returned', " \
	"GREATEST(CEIL(TIMESTAMPDIFF(SECOND, l.due_at, l.returned_at) " \
	"/ 86400), 0), NULL) AS days_late, " \
	DB_ISO_AS("l.voided_at", "voided_at") ", l.void_reason"

#define LOAN_COLS "l.id, l.user_id, l.sku, p.name, " LOAN_STATUS \
	" AS status, " DB_ISO_AS("l.due_at", "due_at") ", " \
	DB_ISO_AS("l.returned_at", "returned_at") ", l.renewals, " \
	DB_ISO_AS("l.created_at", "created_at") ", l.product_id, " \
	"l.location_id, (SELECT lo.code FROM locations lo " \
	"WHERE lo.id = l.location_id) AS location, " LOAN_RETURN

#define LOAN_WHERE "WHERE (? IS NULL OR l.user_id = ?) " \
	"AND (? IS NULL OR " LOAN_STATUS " = ?) AND (? IS NULL OR l.sku = ?) "

/* Place in the queue (1 = next) of a waiting hold; NULL otherwise. */
#define HOLD_POSITION "IF(h.status = 'waiting', (SELECT COUNT(*) FROM " \
	"holds q WHERE q.product_id = h.product_id AND q.status = 'waiting' " \
	"AND (q.created_at < h.created_at OR (q.created_at = h.created_at " \
	"AND q.id <= h.id))), NULL)"

#define HOLD_COLS "h.id, h.user_id, p.sku, p.name, h.status, " \
	"h.reservation_id, h.loan_id, " DB_ISO_AS("h.ready_at", "ready_at") \
	", " DB_ISO_AS("h.pickup_until", "pickup_until") ", " \
	DB_ISO_AS("h.created_at", "created_at") ", " \
	DB_ISO_AS("h.ended_at", "ended_at") ", h.product_id, " \
	HOLD_POSITION " AS position, " \
	"COALESCE(h.pickup_location_id, 0) AS pickup_location_id, " \
	"(SELECT lo.code FROM locations lo " \
	"WHERE lo.id = h.pickup_location_id) AS pickup_location, " \
	"(SELECT MAX(t.id) FROM transfers t WHERE t.hold_id = h.id) " \
	"AS transfer_id"

#define HOLD_WHERE "WHERE (? IS NULL OR h.user_id = ?) " \
	"AND (? IS NULL OR h.status = ?) AND (? IS NULL OR p.sku = ?) "

static const struct hf_field id_map[] = {
	HF_FIELD(struct lend_id, id, HF_K_U64),
};

static const struct hf_field user_map[] = {
	HF_FIELD(struct lend_user, id, HF_K_U64),
	HF_FIELD(struct lend_user, email, HF_K_STR),
	HF_FIELD(struct lend_user, display_name, HF_K_STR),
	HF_FIELD(struct lend_user, status, HF_K_STR),
};

/* LOAN_COLS */
static const struct hf_field loan_map[] = {
	HF_FIELD(struct loan, id, HF_K_U64),
	HF_FIELD(struct loan, user_id, HF_K_U64),
	HF_FIELD(struct loan, sku, HF_K_STR),
	HF_FIELD(struct loan, name, HF_K_STR),
	HF_FIELD(struct loan, status, HF_K_STR),
	HF_FIELD(struct loan, due_at, HF_K_STR),
	HF_FIELD(struct loan, returned_at, HF_K_STR),
	HF_FIELD(struct loan, renewals, HF_K_INT),
	HF_FIELD(struct loan, created_at, HF_K_STR),
	HF_FIELD(struct loan, product_id, HF_K_U64),
	HF_FIELD(struct loan, location_id, HF_K_U64),
	HF_FIELD(struct loan, location, HF_K_STR),
	HF_FIELD(struct loan, return_status, HF_K_STR),
	HF_FIELDF(struct loan, days_late, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct loan, voided_at, HF_K_STR),
	HF_FIELD(struct loan, void_reason, HF_K_STR),
};

static const struct hf_field loan_lock_map[] = {
	HF_FIELD(struct loan, id, HF_K_U64),
	HF_FIELD(struct loan, user_id, HF_K_U64),
	HF_FIELD(struct loan, product_id, HF_K_U64),
	HF_FIELD(struct loan, status, HF_K_STR),
	HF_FIELD(struct loan, renewals, HF_K_INT),
};

/* HOLD_COLS */
static const struct hf_field hold_map[] = {
	HF_FIELD(struct hold, id, HF_K_U64),
	HF_FIELD(struct hold, user_id, HF_K_U64),
	HF_FIELD(struct hold, sku, HF_K_STR),
	HF_FIELD(struct hold, name, HF_K_STR),
	HF_FIELD(struct hold, status, HF_K_STR),
	HF_FIELDF(struct hold, reservation_id, HF_K_INT, HF_F_NULL),
	HF_FIELDF(struct hold, loan_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct hold, ready_at, HF_K_STR),
	HF_FIELD(struct hold, pickup_until, HF_K_STR),
	HF_FIELD(struct hold, created_at, HF_K_STR),
	HF_FIELD(struct hold, ended_at, HF_K_STR),
	HF_FIELD(struct hold, product_id, HF_K_U64),
	HF_FIELDF(struct hold, position, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct hold, pickup_location_id, HF_K_U64),
	HF_FIELD(struct hold, pickup_location, HF_K_STR),
	HF_FIELDF(struct hold, transfer_id, HF_K_INT, HF_F_NULL),
};
/* db_sql_hold_head_lock: the first in line and where it picks up */
static const struct hf_field hold_head_map[] = {
	HF_FIELD(struct hold, id, HF_K_U64),
	HF_FIELD(struct hold, pickup_location_id, HF_K_U64),
};

static const struct hf_field hold_lock_map[] = {
	HF_FIELD(struct hold, id, HF_K_U64),
	HF_FIELD(struct hold, user_id, HF_K_U64),
	HF_FIELD(struct hold, product_id, HF_K_U64),
	HF_FIELD(struct hold, status, HF_K_STR),
	HF_FIELDF(struct hold, reservation_id, HF_K_INT, HF_F_NULL),
	HF_FIELD(struct hold, pickup_passed, HF_K_BOOL),
};

static const struct hf_field hold_reservation_map[] = {
	HF_FIELD(struct hold_reservation, id, HF_K_U64),
	HF_FIELD(struct hold_reservation, quantity, HF_K_INT),
	HF_FIELD(struct hold_reservation, status, HF_K_STR),
	HF_FIELD(struct hold_reservation, expired, HF_K_BOOL),
	HF_FIELD(struct hold_reservation, location_id, HF_K_U64),
};

/* db_sql_holds_stalled: product ids */
static const struct hf_field product_id_map[] = {
	HF_FIELD_AS("product_id", struct lend_id, id, HF_K_U64),
};

static const struct hf_field notice_map[] = {
	HF_FIELD(struct loan_notice, loan_id, HF_K_U64),
	HF_FIELD(struct loan_notice, user_id, HF_K_U64),
	HF_FIELD(struct loan_notice, email, HF_K_STR),
	HF_FIELD(struct loan_notice, display_name, HF_K_STR),
	HF_FIELD(struct loan_notice, sku, HF_K_STR),
	HF_FIELD(struct loan_notice, name, HF_K_STR),
	HF_FIELD(struct loan_notice, due_at, HF_K_STR),
	HF_FIELD(struct loan_notice, days_overdue, HF_K_INT),
};

static const struct hf_field day_count_map[] = {
	HF_FIELD(struct lend_day_count, day, HF_K_STR),
	HF_FIELD(struct lend_day_count, n, HF_K_INT),
};

static const struct hf_field now_map[] = {
	DB_MAP_LEND_NOW
};

static const struct hf_field category_map[] = {
	DB_MAP_LEND_CATEGORY
};

struct db_sql db_sql_lend_user_lock = DB_SQL_MAP(
    "SELECT id, email, display_name, status FROM users WHERE id = ? "
    "FOR UPDATE", user_map, struct lend_user);
struct db_sql db_sql_lend_user_get = DB_SQL_MAP(
    "SELECT id, email, display_name, status FROM users WHERE id = ?",
    user_map, struct lend_user);

/* --- loans ------------------------------------------------------------ */

struct db_sql db_sql_loan_insert = DB_SQL(
    "INSERT INTO loans (user_id, product_id, location_id, sku, due_at) "
    "VALUES (?, ?, ?, ?, NOW(3) + INTERVAL ? DAY)");
struct db_sql db_sql_loan_by_id = DB_SQL_MAP(
    "SELECT " LOAN_COLS " FROM loans l JOIN products p "
    "ON p.id = l.product_id WHERE l.id = ?", loan_map, struct loan);
struct db_sql db_sql_loan_lock = DB_SQL_MAP(
    "SELECT id, user_id, product_id, status, renewals FROM loans "
    "WHERE id = ? FOR UPDATE", loan_lock_map, struct loan);
struct db_sql db_sql_loans_active_of = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM loans WHERE user_id = ? "
    "AND status = 'active'");
struct db_sql db_sql_loans_active_of_product = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM loans WHERE user_id = ? AND product_id = ? "
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
/* user_id, status, sku (each DB_OPT), after, limit, offset: a keyset
 * page (issue 13) through ix_loans_user_id (013) or the primary key */
struct db_sql db_sql_loans_list = DB_SQL_MAP(
    "SELECT " LOAN_COLS " FROM loans l JOIN products p "
    "ON p.id = l.product_id " LOAN_WHERE
    "AND l.id < ? ORDER BY l.id DESC LIMIT ? OFFSET ?", loan_map,
    struct loan);
struct db_sql db_sql_loans_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM loans l " LOAN_WHERE
    DB_LIST_CAP ") t");

/* --- holds ------------------------------------------------------------ */

struct db_sql db_sql_hold_insert = DB_SQL(
    "INSERT INTO holds (user_id, product_id, pickup_location_id) "
    "VALUES (?, ?, ?)");
struct db_sql db_sql_hold_by_id = DB_SQL_MAP(
    "SELECT " HOLD_COLS " FROM holds h JOIN products p "
    "ON p.id = h.product_id WHERE h.id = ?", hold_map, struct hold);
struct db_sql db_sql_hold_lock = DB_SQL_MAP(
    "SELECT id, user_id, product_id, status, reservation_id, "
    "pickup_until <= NOW(3) AS pickup_passed FROM holds WHERE id = ? "
    "FOR UPDATE", hold_lock_map, struct hold);
/*
 * The rows db_sql_reservation_lock_id locks (the reservation and, through
 * the join, its product), read for what ending it takes.
 */
struct db_sql db_sql_hold_reservation_lock = DB_SQL_MAP(
    "SELECT r.id, r.quantity, r.status, r.expires_at <= NOW(3) AS expired, "
    "r.location_id FROM reservations r JOIN products p ON p.id = r.product_id "
    "WHERE r.id = ? FOR UPDATE", hold_reservation_map,
    struct hold_reservation);
/* ix_holds_queue (product_id, status, created_at): the head of the queue */
struct db_sql db_sql_hold_head_lock = DB_SQL_MAP(
    "SELECT id, COALESCE(pickup_location_id, 0) AS pickup_location_id "
    "FROM holds WHERE product_id = ? AND status = 'waiting' "
    "ORDER BY created_at, id LIMIT 1 FOR UPDATE", hold_head_map,
    struct hold);
struct db_sql db_sql_holds_waiting_of = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM holds WHERE product_id = ? "
    "AND status = 'waiting'");
/* waiting, and in transit to a pickup branch (010_transfers.sql) */
struct db_sql db_sql_holds_waiting_lock = DB_SQL_MAP(
    "SELECT id FROM holds WHERE product_id = ? "
    "AND status IN ('waiting', 'in_transit') "
    "ORDER BY created_at, id FOR UPDATE", id_map, struct lend_id);
/* ix_holds_reservation, forced: not every ready hold through the status */
struct db_sql db_sql_hold_of_reservation = DB_SQL_MAP(
    "SELECT id FROM holds FORCE INDEX (ix_holds_reservation) "
    "WHERE reservation_id = ? AND status = 'ready' FOR UPDATE", id_map,
    struct lend_id);
/* pickup_until is the expiry of the reservation that sets the unit aside */
struct db_sql db_sql_hold_set_ready = DB_SQL(
    "UPDATE holds SET status = 'ready', reservation_id = ?, "
    "ready_at = NOW(3), pickup_until = (SELECT expires_at FROM "
    "reservations WHERE id = ?) WHERE id = ? "
    "AND status IN ('waiting', 'in_transit')");
struct db_sql db_sql_hold_end = DB_SQL(
    "UPDATE holds SET status = ?, ended_at = NOW(3) "
    "WHERE id = ? AND status IN ('waiting', 'in_transit', 'ready')");
struct db_sql db_sql_hold_collect = DB_SQL(
    "UPDATE holds SET status = 'collected', loan_id = ?, ended_at = NOW(3) "
    "WHERE id = ? AND status = 'ready'");
/* user_id, status, sku (each DB_OPT), after, limit, offset: a keyset
 * page (issue 13) through ix_holds_user_id (013) or the primary key */
struct db_sql db_sql_holds_list = DB_SQL_MAP(
    "SELECT " HOLD_COLS " FROM holds h JOIN products p "
    "ON p.id = h.product_id " HOLD_WHERE
    "AND h.id < ? ORDER BY h.id DESC LIMIT ? OFFSET ?", hold_map,
    struct hold);
struct db_sql db_sql_holds_count = DB_SQL_COUNT(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM holds h JOIN products p "
    "ON p.id = h.product_id " HOLD_WHERE DB_LIST_CAP ") t");
/* ix_holds_status_pickup */
struct db_sql db_sql_holds_due = DB_SQL_MAP(
    "SELECT id FROM holds WHERE status = 'ready' "
    "AND pickup_until <= NOW(3) ORDER BY pickup_until, id LIMIT ?", id_map,
    struct lend_id);
/*
 * Units on the shelf while people wait: left by a released or expired
 * reservation, which does not pass units to the queue itself. A product
 * in maintenance keeps its queue waiting (holds_fill passes nothing).
 */
struct db_sql db_sql_holds_stalled = DB_SQL_MAP(
    "SELECT DISTINCT h.product_id FROM holds h JOIN stock s "
    "ON s.product_id = h.product_id JOIN products p ON p.id = h.product_id "
    "WHERE h.status = 'waiting' AND s.available > 0 AND s.is_active = 1 "
    "AND p.status = 'active' LIMIT ?", product_id_map, struct lend_id);

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

struct db_sql db_sql_notice_reminders_due = DB_SQL_MAP(
    "SELECT id FROM loans WHERE " REMINDER_DUE " ORDER BY due_at, id "
    "LIMIT ?", id_map, struct lend_id);
struct db_sql db_sql_notice_reminder_claim = DB_SQL(
    "UPDATE loans SET reminder_sent_at = NOW(3) WHERE id = ? "
    "AND " REMINDER_DUE);
struct db_sql db_sql_notice_overdue_due = DB_SQL_MAP(
    "SELECT id FROM loans WHERE " OVERDUE_DUE " ORDER BY due_at, id "
    "LIMIT ?", id_map, struct lend_id);
struct db_sql db_sql_notice_overdue_claim = DB_SQL(
    "UPDATE loans SET last_overdue_notice_at = NOW(3) WHERE id = ? "
    "AND " OVERDUE_DUE);
struct db_sql db_sql_notice_loan = DB_SQL_MAP(
    "SELECT l.id AS loan_id, l.user_id, u.email, u.display_name, l.sku, "
    "p.name, " DB_ISO_AS("l.due_at", "due_at") ", "
    "GREATEST(TIMESTAMPDIFF(DAY, l.due_at, NOW(3)), 0) AS days_overdue "
    "FROM loans l JOIN users u ON u.id = l.user_id JOIN products p "
    "ON p.id = l.product_id WHERE l.id = ?", notice_map,
    struct loan_notice);

/* --- statistics ------------------------------------------------------- */

struct db_sql db_sql_stats_loans_day = DB_SQL_MAP(
    "SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS day, COUNT(*) AS n "
    "FROM loans WHERE created_at >= ? AND created_at < ? "
    "GROUP BY day ORDER BY day", day_count_map, struct lend_day_count);
struct db_sql db_sql_stats_returns_day = DB_SQL_MAP(
    "SELECT DATE_FORMAT(returned_at, '%Y-%m-%d') AS day, COUNT(*) AS n "
    "FROM loans WHERE returned_at >= ? AND returned_at < ? "
    "GROUP BY day ORDER BY day", day_count_map, struct lend_day_count);
struct db_sql db_sql_stats_loans_now = DB_SQL_MAP(
    "SELECT COALESCE(SUM(status = 'active' AND due_at > NOW(3)), 0) "
    "AS active, COALESCE(SUM(status = 'active' AND due_at <= NOW(3)), 0) "
    "AS overdue, COALESCE(SUM(status = 'returned'), 0) AS returned "
    "FROM loans", now_map, struct lend_now);
struct db_sql db_sql_stats_categories = DB_SQL_MAP(
    "SELECT c.name AS category, c.slug, COUNT(p.id) AS products, "
    "COALESCE(SUM(s.on_hand), 0) AS on_hand, "
    "COALESCE(SUM(s.reserved), 0) AS reserved, "
    "COALESCE(SUM(s.available), 0) AS available, "
    "COALESCE(SUM(l.loans), 0) AS loans, "
    "COALESCE(SUM(l.active), 0) AS active_loans, "
    "COALESCE(SUM(l.overdue), 0) AS overdue_loans, "
    "COALESCE(SUM(h.waiting), 0) AS waiting_holds "
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
    "LIMIT 2000",	/* one reply's memory: docs/internals.md, caps */
    category_map, struct lend_category);

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
	&db_sql_hold_reservation_lock,
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
