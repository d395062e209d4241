/*
 * db_replica.h: a MariaDB replica beside the primary (issue 16, item 3 and
 * 4; docs/internals.md "Issue 16: replica reads and failover"). The
 * replica is a second struct db on a copy of the configuration whose
 * address is db_replica_host/port/socket; statements and prepared slots
 * work on it as on the primary.
 */
#ifndef HOLDFAST_DB_REPLICA_H
#define HOLDFAST_DB_REPLICA_H

#include <stddef.h>

#include "holdfast/db.h"

/* What the replica says of itself (db_replica_state). */
struct db_replica_state {
	long long	 lag_seconds;	/* Seconds_Behind_Master; -1 unknown */
	long long	 lag_trx;	/* primary's seq - applied seq; -1 */
	int		 io_running;	/* Slave_IO_Running Yes */
	int		 sql_running;	/* Slave_SQL_Running Yes */
};

/* A replica handle, or NULL when none is configured (or out of memory). */
struct db	*db_replica_new(const struct hf_config *);
/* The primary's binary log position (@@gtid_binlog_pos), in the arena. */
int		 db_gtid_pos(struct db *, struct arena *, const char **pos);
/*
 * MASTER_GTID_WAIT(pos, timeout_ms) on the replica: *reached 1 when it
 * has applied pos, 0 on a timeout or when it cannot say.
 */
int		 db_gtid_wait(struct db *, struct arena *, const char *pos,
		    int timeout_ms, int *reached);
/* Lag and threads; primary may be NULL (no lag in transactions then). */
int		 db_replica_state(struct db *replica, struct db *primary,
		    struct arena *, struct db_replica_state *);
/*
 * holdfast-admin promote: on the replica, stop fetching from the lost
 * primary, apply every event it has received (wait_s at most), forget
 * the primary and make the server writable. Needs an account with
 * REPLICATION SLAVE ADMIN and READ_ONLY ADMIN (or SUPER). report gets the
 * positions, one line each.
 */
int		 db_replica_promote(struct db *, int wait_s,
		    void (*report)(void *, const char *), void *arg);

#endif /* HOLDFAST_DB_REPLICA_H */
