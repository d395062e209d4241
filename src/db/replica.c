/*
 * replica.c: the replica's handle, GTID positions and waits, its lag, and
 * its promotion (issue 16; docs/internals.md "Issue 16: replica reads and
 * failover"). The statements that are not preparable (SHOW SLAVE STATUS,
 * STOP SLAVE, ...) are constants here, run with mysql_real_query.
 */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/db_replica.h"
#include "db_int.h"

extern struct db_sql	db_sql_gtid_binlog_pos, db_sql_gtid_slave_pos,
			db_sql_gtid_wait;

struct gtid_row {
	const char	*pos;
};

struct db *
db_replica_new(const struct hf_config *cfg)
{
	struct hf_config	*c;
	struct db		*db;

	if (cfg->db_replica_host[0] == '\0' &&
	    cfg->db_replica_socket[0] == '\0')
		return NULL;
	if ((c = malloc(sizeof(*c))) == NULL)
		return NULL;
	memcpy(c, cfg, sizeof(*c));
	memcpy(c->db_host, cfg->db_replica_host, sizeof(c->db_host));
	memcpy(c->db_socket, cfg->db_replica_socket, sizeof(c->db_socket));
	c->db_port = cfg->db_replica_port;
	if ((db = db_new(c)) == NULL) {
		free(c);
		return NULL;
	}
	db->own_cfg = c;
	return db;
}

/* 1 inside db_txn (issue 16: a read there must stay on this link) */
int
db_in_txn(const struct db *db)
{
	return db->in_txn;
}

static int
gtid_of(struct db *db, struct arena *a, struct db_sql *q, const char **pos)
{
	struct gtid_row	row;
	int		rc, found;

	*pos = NULL;
	if ((rc = db_ensure(db)) != HF_OK)
		return rc;
	if ((rc = db_row(db, a, q, NULL, 0, &row, &found)) != HF_OK)
		return rc;
	*pos = found && row.pos != NULL ? row.pos : "";
	return HF_OK;
}

int
db_gtid_pos(struct db *db, struct arena *a, const char **pos)
{
	return gtid_of(db, a, &db_sql_gtid_binlog_pos, pos);
}

int
db_gtid_wait(struct db *db, struct arena *a, const char *pos, int timeout_ms,
    int *reached)
{
	struct db_param	p[2] = { DB_STR(pos), DB_INT(timeout_ms) };
	long long	n;
	int		rc;

	*reached = 0;
	if (pos[0] == '\0') {
		*reached = 1;	/* nothing committed yet */
		return HF_OK;
	}
	if ((rc = db_ensure(db)) != HF_OK)
		return rc;
	n = db_count_of(db, a, &db_sql_gtid_wait, p, 2, &rc);
	if (rc == HF_OK)
		*reached = n == 0;
	return rc;
}

/* The sequence number of domain d in a position "d-s-n,d-s-n", or -1. */
static long long
gtid_seq(const char *pos, unsigned long d)
{
	const char	*p = pos;
	char		*end;
	unsigned long	 dom;
	long long	 seq;

	while (p != NULL && *p != '\0') {
		dom = strtoul(p, &end, 10);
		if (*end != '-')
			return -1;
		if ((end = strchr(end + 1, '-')) == NULL)
			return -1;
		seq = strtoll(end + 1, &end, 10);
		if (dom == d)
			return seq;
		p = *end == ',' ? end + 1 : NULL;
	}
	return -1;
}

/* Transactions in primary's position that replica's lacks, every domain. */
static long long
gtid_behind(const char *primary, const char *replica)
{
	const char	*p = primary;
	char		*end;
	unsigned long	 dom;
	long long	 seq, have, lag = 0;

	while (*p != '\0') {
		dom = strtoul(p, &end, 10);
		if (*end != '-' || (end = strchr(end + 1, '-')) == NULL)
			return -1;
		seq = strtoll(end + 1, &end, 10);
		have = gtid_seq(replica, dom);
		if (seq > have)
			lag += seq - (have < 0 ? 0 : have);
		if (*end != ',')
			break;
		p = end + 1;
	}
	return lag;
}

/* SHOW SLAVE STATUS: the columns named in st, from its one row. */
static int
slave_status(struct db *db, struct db_replica_state *st, char *io_pos,
    size_t io_len)
{
	static const char	 sql[] = "SHOW SLAVE STATUS";
	MYSQL_RES		*res;
	MYSQL_ROW		 row;
	MYSQL_FIELD		*f;
	unsigned		 i, n;

	if (io_pos != NULL && io_len > 0)
		io_pos[0] = '\0';
	if (mysql_real_query(db->conn, sql, sizeof(sql) - 1) != 0)
		return db_map_errno(db, mysql_errno(db->conn),
		    mysql_error(db->conn));
	if ((res = mysql_store_result(db->conn)) == NULL)
		return HF_OK;	/* not a replica: no row, nothing known */
	if ((row = mysql_fetch_row(res)) != NULL) {
		n = mysql_num_fields(res);
		f = mysql_fetch_fields(res);
		for (i = 0; i < n; i++) {
			const char	*v = row[i];

			if (v == NULL)
				continue;
			if (strcmp(f[i].name, "Seconds_Behind_Master") == 0)
				st->lag_seconds = strtoll(v, NULL, 10);
			else if (strcmp(f[i].name, "Slave_IO_Running") == 0)
				st->io_running = strcmp(v, "Yes") == 0;
			else if (strcmp(f[i].name, "Slave_SQL_Running") == 0)
				st->sql_running = strcmp(v, "Yes") == 0;
			else if (strcmp(f[i].name, "Gtid_IO_Pos") == 0 &&
			    io_pos != NULL)
				snprintf(io_pos, io_len, "%s", v);
		}
	}
	mysql_free_result(res);
	return HF_OK;
}

int
db_replica_state(struct db *replica, struct db *primary, struct arena *a,
    struct db_replica_state *st)
{
	const char	*rpos, *ppos;
	int		 rc;

	memset(st, 0, sizeof(*st));
	st->lag_seconds = -1;
	st->lag_trx = -1;
	if ((rc = db_ensure(replica)) != HF_OK)
		return rc;
	/* SHOW SLAVE STATUS needs SLAVE MONITOR: without it, no seconds */
	if (slave_status(replica, st, NULL, 0) == HF_E_SYS_UNAVAILABLE)
		return HF_E_SYS_UNAVAILABLE;
	if ((rc = gtid_of(replica, a, &db_sql_gtid_slave_pos, &rpos)) !=
	    HF_OK)
		return rc;
	if (primary != NULL && db_gtid_pos(primary, a, &ppos) == HF_OK)
		st->lag_trx = gtid_behind(ppos, rpos);
	return HF_OK;
}

static int
run(struct db *db, const char *sql)
{
	if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql)) != 0)
		return db_map_errno(db, mysql_errno(db->conn),
		    mysql_error(db->conn));
	return HF_OK;
}

int
db_replica_promote(struct db *db, int wait_s,
    void (*report)(void *, const char *), void *arg)
{
	struct db_replica_state	 st;
	struct arena		 ar, *a = &ar;
	const char		*pos;
	char			 io_pos[512], line[600];
	int			 rc, reached = 0;

	if ((rc = db_ensure(db)) != HF_OK)
		return rc;
	arena_init(a, 0);
	memset(&st, 0, sizeof(st));
	/* 1. no more events from the lost primary */
	if ((rc = run(db, "STOP SLAVE IO_THREAD")) != HF_OK)
		goto out;
	if ((rc = slave_status(db, &st, io_pos, sizeof(io_pos))) != HF_OK)
		goto out;
	snprintf(line, sizeof(line), "received up to %.500s",
	    io_pos[0] != '\0' ? io_pos : "(nothing)");
	report(arg, line);
	/* 2. every event received (semi-sync: every acknowledged commit)
	 * applied; the SQL thread may have been stopped: start it */
	if (io_pos[0] != '\0') {
		if ((rc = run(db, "START SLAVE SQL_THREAD")) != HF_OK)
			goto out;
		if ((rc = db_gtid_wait(db, a, io_pos, wait_s * 1000,
		    &reached)) != HF_OK)
			goto out;
		if (!reached) {
			snprintf(db->err, sizeof(db->err), "the replica did "
			    "not apply %.400s within %d s: not promoted", io_pos,
			    wait_s);
			rc = HF_E_DB;
			goto out;
		}
	}
	if ((rc = gtid_of(db, a, &db_sql_gtid_slave_pos, &pos)) != HF_OK)
		goto out;
	snprintf(line, sizeof(line), "applied up to %.500s", pos);
	report(arg, line);
	/* 3. forget the primary, take writes */
	if ((rc = run(db, "STOP SLAVE")) != HF_OK ||
	    (rc = run(db, "RESET SLAVE ALL")) != HF_OK ||
	    (rc = run(db, "SET GLOBAL read_only = OFF")) != HF_OK)
		goto out;
	if ((rc = db_gtid_pos(db, a, &pos)) != HF_OK)
		goto out;
	snprintf(line, sizeof(line), "promoted: writable, binary log at %.500s",
	    pos);
	report(arg, line);
out:
	arena_free(a);
	return rc;
}
