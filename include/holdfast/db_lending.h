/*
 * db_lending.h: the statements of loans, holds, notices and the lending
 * statistics (sql_lending.c). Locks are taken in one order by every
 * lending path: the borrower's users row, then stock rows (SKU order),
 * then holds, then reservations, then loans.
 */
#ifndef HOLDFAST_DB_LENDING_H
#define HOLDFAST_DB_LENDING_H

#include "holdfast/db.h"

/* Columns of LOAN_COLS, for the services. */
enum { L_ID, L_USER, L_SKU, L_NAME, L_STATUS, L_DUE, L_RETURNED,
    L_RENEWALS, L_CREATED, L_PID, L_REMINDED, L_NOTICED, L__MAX };

/* Columns of HOLD_COLS. */
enum { H_ID, H_USER, H_SKU, H_NAME, H_STATUS, H_RES, H_LOAN, H_READY,
    H_PICKUP, H_CREATED, H_ENDED, H_PID, H_POSITION, H__MAX };

/* users: id -> id, email, display_name, status (FOR UPDATE / plain) */
extern struct db_sql	db_sql_lend_user_lock, db_sql_lend_user_get;

/* user_id, product_id, sku, loan days -> insert_id */
extern struct db_sql	db_sql_loan_insert;
/* id -> LOAN_COLS */
extern struct db_sql	db_sql_loan_by_id;
/* id -> id, user_id, product_id, status, renewals (FOR UPDATE) */
extern struct db_sql	db_sql_loan_lock;
/* user_id -> COUNT of active loans */
extern struct db_sql	db_sql_loans_active_of;
/* user_id, product_id -> COUNT of active loans of that product */
extern struct db_sql	db_sql_loans_active_of_product;
/* id -> affected */
extern struct db_sql	db_sql_loan_return;
/* days, id -> affected */
extern struct db_sql	db_sql_loan_renew;
/* user_id x2, status x2, sku x2 [, limit, offset] */
extern struct db_sql	db_sql_loans_list, db_sql_loans_count;

/* user_id, product_id -> insert_id (duplicate: already holding) */
extern struct db_sql	db_sql_hold_insert;
/* id -> HOLD_COLS */
extern struct db_sql	db_sql_hold_by_id;
/* id -> id, user_id, product_id, status, reservation_id, pickup passed
 * (FOR UPDATE) */
extern struct db_sql	db_sql_hold_lock;
/* product_id -> id, user_id of the first waiting hold (FOR UPDATE) */
extern struct db_sql	db_sql_hold_head_lock;
/* product_id -> COUNT of waiting holds */
extern struct db_sql	db_sql_holds_waiting_of;
/* product_id -> id, user_id of every waiting hold, queue order (FOR UPDATE) */
extern struct db_sql	db_sql_holds_waiting_lock;
/* reservation_id -> id of the ready hold it sets a unit aside for
 * (FOR UPDATE) */
extern struct db_sql	db_sql_hold_of_reservation;
/* reservation_id, reservation_id, id -> affected */
extern struct db_sql	db_sql_hold_set_ready;
/* status (cancelled, expired), id -> affected */
extern struct db_sql	db_sql_hold_end;
/* loan_id, id -> affected */
extern struct db_sql	db_sql_hold_collect;
/* user_id x2, status x2, sku x2 [, limit, offset] */
extern struct db_sql	db_sql_holds_list, db_sql_holds_count;
/* limit -> id of ready holds past pickup_until */
extern struct db_sql	db_sql_holds_due;
/* limit -> product_id with waiting holds and available units */
extern struct db_sql	db_sql_holds_stalled;

/* days, limit -> id of loans due for a reminder */
extern struct db_sql	db_sql_notice_reminders_due;
/* id, days -> affected 1 when this run claimed the reminder */
extern struct db_sql	db_sql_notice_reminder_claim;
/* hours, limit -> id of overdue loans due for a notice */
extern struct db_sql	db_sql_notice_overdue_due;
/* id, hours -> affected 1 when this run claimed the notice */
extern struct db_sql	db_sql_notice_overdue_claim;
/* id -> user_id, email, display_name, sku, name, due_at, days overdue */
extern struct db_sql	db_sql_notice_loan;

/* from, to -> day, count (loans started / returned per day) */
extern struct db_sql	db_sql_stats_loans_day, db_sql_stats_returns_day;
/* -> active, overdue, returned (now) */
extern struct db_sql	db_sql_stats_loans_now;
/* from x2, to x2 -> per category: name, slug, products, on_hand,
 * reserved, available, loans (in range), active, overdue, waiting holds */
extern struct db_sql	db_sql_stats_categories;

#endif /* HOLDFAST_DB_LENDING_H */
