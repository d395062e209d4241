/*
 * db_idempotency.h: the statements of Idempotency-Key
 * (sql_idempotency.c) and the rows they return. A request that runs a
 * key holds the database user lock named for it (GET_LOCK) on its own
 * connection until it ends; done and delete touch the key's row only
 * while that connection still holds the lock.
 */
#ifndef HOLDFAST_DB_IDEMPOTENCY_H
#define HOLDFAST_DB_IDEMPOTENCY_H

#include <stdint.h>

#include "holdfast/db.h"

/* db_sql_idem_lock: GET_LOCK(name, 0) */
struct idem_lock_row {
	long long	 got;		/* 1 taken, 0 held by another */
					/* HF_NULL_INT: the server failed */
};

/* db_sql_idem_unlock: RELEASE_LOCK(name) */
struct idem_unlock_row {
	long long	 released;	/* 1, 0, or HF_NULL_INT: no such lock */
};

/* db_sql_idem_get: the key's row */
struct idem_row {
	uint64_t	 id;
	const char	*fingerprint;	/* SHA-256 hex of method, path, body */
	const char	*status;	/* running, done */
	long long	 response_status;	/* HF_NULL_INT while running */
	const char	*response_body;	/* NULL while running */
	int		 expired;	/* past expires_at */
};

/* name -> struct idem_lock_row */
extern struct db_sql	db_sql_idem_lock;
/* name -> struct idem_unlock_row */
extern struct db_sql	db_sql_idem_unlock;
/* actor, key, fingerprint -> insert_id */
extern struct db_sql	db_sql_idem_insert;
/* actor, key -> struct idem_row */
extern struct db_sql	db_sql_idem_get;
/* fingerprint, id -> affected 1 when taken over */
extern struct db_sql	db_sql_idem_take_over;
/* response_status, response_body, id, lock name */
extern struct db_sql	db_sql_idem_done;
/* id, lock name */
extern struct db_sql	db_sql_idem_delete;

#endif /* HOLDFAST_DB_IDEMPOTENCY_H */
