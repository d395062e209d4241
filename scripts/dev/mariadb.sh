# shellcheck shell=bash
# scripts/dev/mariadb.sh: MariaDB under DEV_VAR/mariadb (conf/dev/my.cnf).
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

mariadb_conf() {
	mkdir -p "$MY/data" "$MY/run" "$MY/log"
	template my.cnf "$MY_CNF" || true
}

mariadb_ping() {
	mariadb-admin --defaults-file="$MY_CNF" -uroot --connect-timeout=2 ping >/dev/null 2>&1
}

mariadb_running() { pid_is "$(readpid "$MY_PID")" mariadbd; }

start_mariadb() {
	local t0 pid i
	t0=$(now)
	mariadb_conf
	if mariadb_running; then
		return 0
	fi
	reclaim mariadbd mariadb
	need_port "$DEV_DB_PORT" mariadb DEV_DB_PORT
	if [ ! -d "$MY/data/mysql" ]; then
		log "mariadb: initialising $MY/data"
		# root@localhost authenticates by unix_socket: OS root, no password
		mariadb-install-db --defaults-file="$MY_CNF" --skip-test-db --auth-root-authentication-method=socket \
			>"$MY/log/install-db.log" 2>&1 ||
			{ tail -n 20 "$MY/log/install-db.log" >&2; die "mariadb-install-db failed"; }
	fi
	rm -f "$MY_SOCK" "$MY_PID"
	nohup /usr/sbin/mariadbd --defaults-file="$MY_CNF" >"$MY/log/stdout.log" 2>&1 </dev/null &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		mariadb_ping && break
		alive "$pid" || { tail -n 20 "$MY/log/error.log" >&2; die "mariadbd exited at start"; }
		sleep 0.1
	done
	mariadb_ping || { tail -n 20 "$MY/log/error.log" >&2; die "mariadb not ready after 60s"; }
	log "mariadb: up on $MY_SOCK and 127.0.0.1:$DEV_DB_PORT (pid $(readpid "$MY_PID")) in $(since "$t0")"
}

# The database and its two users, idempotently, as root over the socket.
mariadb_users() {
	local app owner
	app=$(secret db_app_password)
	owner=$(secret db_owner_password)
	mariadb --defaults-file="$MY_CNF" -uroot <<EOF || die "mariadb: creating the database and users failed"
CREATE DATABASE IF NOT EXISTS holdfast CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'holdfast_owner'@'localhost' IDENTIFIED BY '$owner';
ALTER USER 'holdfast_owner'@'localhost' IDENTIFIED BY '$owner';
GRANT ALL PRIVILEGES ON holdfast.* TO 'holdfast_owner'@'localhost' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'holdfast'@'localhost' IDENTIFIED BY '$app';
ALTER USER 'holdfast'@'localhost' IDENTIFIED BY '$app';
EOF
}

stop_mariadb() {
	stop_pid "$(readpid "$MY_PID")" mariadbd 120
	reclaim mariadbd mariadb
	rm -f "$MY_PID" "$MY_SOCK"
}
