# shellcheck shell=bash
# scripts/dev/cluster.sh: ./dev cluster up|down|status (issue 16): Holdfast
# as several hosts would run it, on this one machine, each part in its own
# network namespace with its own address on a private bridge:
#
#	hfc-lb      10.77.0.10  the front nginx (upstream of both app hosts)
#	hfc-app1    10.77.0.11  spawn-fcgi workers on :9000
#	hfc-app2    10.77.0.12  spawn-fcgi workers on :9000
#	hfc-db1     10.77.0.21  MariaDB primary (GTID, semi-sync AFTER_SYNC)
#	hfc-db2     10.77.0.22  MariaDB replica
#	hfc-redis   10.77.0.31  the one Redis
#	hfc-client  10.77.0.50  where the cluster tests run
#
# The bridge lives in a namespace of its own (hfc-sw), so this machine's
# own network gains no address and no route: nothing outside the
# namespaces can reach the cluster, and it reaches nothing outside them.
# State lives under DEV_VAR/cluster. Sourced by ./dev (docs/internals.md
# "./dev: one file per service"; README "Scale-out").

CL_NET=10.77.0
CL_HOSTS="lb:10 app1:11 app2:12 db1:21 db2:22 redis:31 client:50"

# shellcheck disable=SC2034  # the templates' @CL_...@ values
cl_env() {
	CL=$DEV_VAR/cluster
	CL_LB_ADDR=$CL_NET.10
	CL_REDIS_ADDR=$CL_NET.31
	CL_REDIS_DIR=$CL/redis
	CL_PRIMARY=${CL_PRIMARY:-$(cat "$CL/primary" 2>/dev/null || echo db1)}
	CL_DB_ADDR=$(cl_addr "$CL_PRIMARY")
	CL_SEMISYNC_TIMEOUT_MS=${CL_SEMISYNC_TIMEOUT_MS:-10000}
	CL_WORKERS=${CL_WORKERS:-2}
	# the cluster's own secrets, beside the single-host stack's
	SECRETS=$CL/secrets
}

cl_addr() {
	local h
	for h in $CL_HOSTS; do
		[ "${h%%:*}" = "$1" ] && { echo "$CL_NET.${h#*:}"; return 0; }
	done
	die "cluster: no host $1"
}

cl_ns() { echo "hfc-$1"; }
# cl_in HOST CMD...: CMD inside HOST's namespace
cl_in() { local h=$1; shift; ip netns exec "$(cl_ns "$h")" "$@"; }

# --------------------------------------------------------------- network

cl_net_up() {
	local h name addr sw
	sw=$(cl_ns sw)
	ip netns list | grep -qw "$sw" || ip netns add "$sw"
	ip -n "$sw" link set lo up
	ip -n "$sw" link show br0 >/dev/null 2>&1 ||
		ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
	for h in $CL_HOSTS; do
		name=${h%%:*} addr=$CL_NET.${h#*:}
		cl_host_net "$name" "$addr"
	done
}

# cl_host_net NAME ADDR: NAME's namespace, lo up, a veth to the bridge
cl_host_net() {
	local name=$1 addr=$2 ns sw
	ns=$(cl_ns "$name") sw=$(cl_ns sw)
	ip netns list | grep -qw "$ns" || ip netns add "$ns"
	ip -n "$ns" link set lo up
	if ! ip -n "$ns" link show "v-$name" >/dev/null 2>&1; then
		# made here, moved at once: neither end keeps an address here
		ip link add "v-$name" type veth peer name "b-$name"
		ip link set "v-$name" netns "$ns"
		ip link set "b-$name" netns "$sw"
		ip -n "$ns" addr add "$addr/24" dev "v-$name"
	fi
	ip -n "$sw" link set "b-$name" master br0
	ip -n "$sw" link set "b-$name" up
	ip -n "$ns" link set "v-$name" up
}

# cl_unplug|cl_plug NAME: the host's cable out of the bridge, or back
cl_unplug() { ip -n "$(cl_ns sw)" link set "b-$1" down; }
cl_plug() { ip -n "$(cl_ns sw)" link set "b-$1" up; }

# cl_kill_host NAME: every process of NAME's namespace, KILL (a crash)
cl_kill_host() {
	local pids
	pids=$(ip netns pids "$(cl_ns "$1")" 2>/dev/null || true)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null || true
	sleep 0.2
}

cl_net_down() {
	local h
	for h in $CL_HOSTS sw:0; do
		cl_kill_host "${h%%:*}"
		ip netns del "$(cl_ns "${h%%:*}")" 2>/dev/null || true
	done
}

# --------------------------------------------------------------- MariaDB

# cl_db_sql HOST: stdin as root over HOST's socket
cl_db_sql() {
	mariadb --defaults-file="$CL/$1/my.cnf" -uroot -N -B "${@:2}"
}

cl_db_ping() {
	mariadb-admin --defaults-file="$CL/$1/my.cnf" -uroot \
		--connect-timeout=2 ping >/dev/null 2>&1
}

cl_db_start() {
	local h=$1 id=$2 pid i
	local CL_DB_DIR=$CL/$h CL_DB_ADDR CL_DB_ID=$id
	CL_DB_ADDR=$(cl_addr "$h")
	mkdir -p "$CL_DB_DIR/data" "$CL_DB_DIR/run" "$CL_DB_DIR/log" \
		"$CL_DB_DIR/binlog"
	template cluster-my.cnf "$CL_DB_DIR/my.cnf" || true
	pid_is "$(readpid "$CL_DB_DIR/run/mysqld.pid")" mariadbd && return 0
	if [ ! -d "$CL_DB_DIR/data/mysql" ]; then
		mariadb-install-db --defaults-file="$CL_DB_DIR/my.cnf" \
			--skip-test-db --auth-root-authentication-method=socket \
			>"$CL_DB_DIR/log/install-db.log" 2>&1 ||
			die "cluster: mariadb-install-db ($h) failed: $(tail -n 5 "$CL_DB_DIR/log/install-db.log")"
	fi
	rm -f "$CL_DB_DIR/run/mysqld.sock"
	# not through cl_in: a function sent to the background leaves a shell
	# waiting as mariadbd's parent
	ip netns exec "$(cl_ns "$h")" nohup /usr/sbin/mariadbd --defaults-file="$CL_DB_DIR/my.cnf" \
		>"$CL_DB_DIR/log/stdout.log" 2>&1 </dev/null &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		cl_db_ping "$h" && break
		alive "$pid" || die "cluster: mariadbd ($h) exited: $(tail -n 5 "$CL_DB_DIR/log/error.log")"
		sleep 0.1
	done
	cl_db_ping "$h" || die "cluster: mariadbd ($h) not ready after 60s"
	log "cluster: mariadb $h up on $CL_DB_ADDR:3306 (server-id $id)"
}

# The primary's database, users (from the cluster's network only) and
# the replication user; written once, on the primary (the replica gets
# them through replication).
cl_db_users() {
	local app owner repl net="$CL_NET.%"
	app=$(secret db_app_password) owner=$(secret db_owner_password)
	repl=$(secret db_repl_password)
	cl_db_sql db1 <<EOF || die "cluster: users on db1 failed"
CREATE DATABASE IF NOT EXISTS holdfast CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'holdfast_owner'@'$net' IDENTIFIED BY '$owner';
GRANT ALL PRIVILEGES ON holdfast.* TO 'holdfast_owner'@'$net' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'holdfast'@'$net' IDENTIFIED BY '$app';
CREATE USER IF NOT EXISTS 'repl'@'$net' IDENTIFIED BY '$repl';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SLAVE MONITOR ON *.* TO 'repl'@'$net';
EOF
}

# The app reads the replica's lag for /metrics (SHOW SLAVE STATUS):
# SLAVE MONITOR for its user, given on the primary (it replicates) after
# every migrate: holdfast-admin grant sets the user's grants
cl_db_grant_monitor() {
	cl_db_sql "$CL_PRIMARY" -e \
		"GRANT SLAVE MONITOR ON *.* TO 'holdfast'@'$CL_NET.%'" ||
		die "cluster: GRANT SLAVE MONITOR failed"
}

# cl_replicate REPLICA PRIMARY: REPLICA follows PRIMARY by GTID
cl_replicate() {
	local repl
	repl=$(secret db_repl_password)
	cl_db_sql "$1" <<EOF || die "cluster: replication $2 -> $1 failed"
STOP SLAVE;
CHANGE MASTER TO MASTER_HOST='$(cl_addr "$2")', MASTER_PORT=3306,
  MASTER_USER='repl', MASTER_PASSWORD='$repl',
  MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
SET GLOBAL read_only = ON;
START SLAVE;
EOF
}

cl_db_id() { echo "${1#db}"; }

# cl_rebuild_replica REPLICA PRIMARY: REPLICA's data thrown away and made
# again from a consistent dump of PRIMARY at one GTID position (rpl_seed,
# scripts/dev/replica.sh), then following PRIMARY from there. An old
# primary comes back this way: it may hold commits no client was told
# of, which must not reach anyone.
cl_rebuild_replica() {
	local r=$1 p=$2
	log "cluster: rebuilding $r as a replica of $p"
	cl_kill_host "$r"
	rm -rf "${CL:?}/$r/data" "${CL:?}/$r/binlog" "$CL/$r/.replica-of" \
		"$CL/$r/.primary" "$CL/$r/seeded"
	cl_db_start "$r" "$(cl_db_id "$r")"
	rpl_seed "$CL/$p/my.cnf" "$CL/$r"
	cl_replicate "$r" "$p"
	cl_db_sql "$p" -e 'SET GLOBAL rpl_semi_sync_master_enabled = ON'
	echo "$p" >"$CL/$r/.replica-of"
}

# cl_replica_caught_up REPLICA [SECONDS]: its SQL thread has applied all
# the primary's GTIDs
cl_replica_caught_up() {
	local h=$1 t=${2:-60} pos i
	pos=$(cl_db_sql "$CL_PRIMARY" -e 'SELECT @@gtid_binlog_pos')
	[ -n "$pos" ] || return 0
	cl_db_sql "$h" -e "SELECT MASTER_GTID_WAIT('$pos', $t)" | grep -qx 0
}

# --------------------------------------------------------------- Redis

cl_redis_start() {
	local i CL_REDIS_PASSWORD
	CL_REDIS_PASSWORD=$(secret redis_password)
	mkdir -p "$CL_REDIS_DIR"
	template cluster-redis.conf "$CL_REDIS_DIR/redis.conf" || true
	pid_is "$(readpid "$CL_REDIS_DIR/redis.pid")" redis-server && return 0
	(cd "$CL_REDIS_DIR" && cl_in redis redis-server "$CL_REDIS_DIR/redis.conf") ||
		die "cluster: redis-server failed"
	for ((i = 0; i < 200; i++)); do
		cl_redis_cli ping 2>/dev/null | grep -qx PONG && break
		sleep 0.05
	done
	log "cluster: redis up on $CL_REDIS_ADDR:6379"
}

cl_redis_cli() {
	REDISCLI_AUTH=$(secret redis_password) cl_in client redis-cli \
		-h "$CL_REDIS_ADDR" "$@"
}

# --------------------------------------------------------------- app hosts

# The replica's address for the app hosts' catalog reads, or "" while
# there is none (after a failover, until the old primary is rebuilt)
cl_replica_addr() {
	local r
	r=$(cl_other "$CL_PRIMARY")
	[ "$(cat "$CL/$r/.replica-of" 2>/dev/null)" = "$CL_PRIMARY" ] &&
		cl_addr "$r"
	return 0
}

# cl_app_conf HOST: HOST's holdfast.conf, pointing at the current primary
# (and its replica)
cl_app_conf() {
	local h=$1
	(
		# shellcheck disable=SC2034
		DEV_VAR=$CL/$h CONF=$CL/$h/holdfast.conf LOGDIR=$CL/$h/log \
			RUN=$CL/$h/run CL_REDIS_PASSWORD=$(secret redis_password) \
			CL_HOST=$h CL_REPLICA_ADDR=$(cl_replica_addr)
		mkdir -p "$RUN" "$LOGDIR"
		chmod 755 "$DEV_VAR" "$RUN"
		chown "$RUN_USER:$RUN_USER" "$LOGDIR"
		render_holdfast_conf cluster-holdfast.conf
	)
}

cl_app_start() {
	local h=$1 addr pidf i
	addr=$(cl_addr "$h") pidf=$CL/$h/run/fcgi.pid
	cl_app_conf "$h"
	if pid_is "$(readpid "$pidf")" multiwatch; then
		# a new config (a failover, a rebuilt replica): restart the pool
		[ "$CL/$h/holdfast.conf" -nt "$pidf" ] || return 0
		cl_app_stop "$h"
	fi
	# FCGI_WEB_SERVER_ADDRS: libfcgi answers only the front nginx
	cl_in "$h" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		HOLDFAST_CONF="$CL/$h/holdfast.conf" \
		FCGI_WEB_SERVER_ADDRS="$CL_LB_ADDR,$(cl_addr client)" \
		spawn-fcgi -a "$addr" -p 9000 -u "$RUN_USER" -g "$RUN_USER" \
		-P "$pidf" -d "$CL/$h" -- /usr/bin/multiwatch -f "$CL_WORKERS" \
		-r 20 -- "$WORKER_BIN" >"$CL/$h/log/spawn-fcgi.log" 2>&1 ||
		die "cluster: spawn-fcgi ($h) failed: $(cat "$CL/$h/log/spawn-fcgi.log")"
	for ((i = 0; i < 100; i++)); do
		[ "$(children "$(readpid "$pidf")" | wc -l)" -ge "$CL_WORKERS" ] && break
		sleep 0.05
	done
	log "cluster: app host $h: $CL_WORKERS workers on $addr:9000"
}

cl_app_stop() {
	stop_pool_pid "$(readpid "$CL/$1/run/fcgi.pid")"
	rm -f "$CL/$1/run/fcgi.pid"
}

# --------------------------------------------------------------- the front

cl_lb_conf() {
	local NX=$CL/lb port h CL_APP1_ADDR CL_APP2_ADDR
	CL_APP1_ADDR=$(cl_addr app1) CL_APP2_ADDR=$(cl_addr app2)
	mkdir -p "$NX/logs" "$NX/tmp" "$NX/run" "$NX/uploads"
	cp -f /etc/nginx/fastcgi_params /etc/nginx/mime.types "$NX/"
	# :80 spreads over both app hosts; :8001 and :8002 reach one each
	# (the tests use them to put a request on a chosen host)
	for port in 80 8001 8002; do
		case $port in
		80) h=holdfast_app ;;
		8001) h=holdfast_app1 ;;
		8002) h=holdfast_app2 ;;
		esac
		render "$REPO/conf/nginx/holdfast.conf" "$NX/site-$port.conf" \
			"listen 80;" "listen $CL_LB_ADDR:$port;" \
			"/usr/local/share/holdfast/www" "$REPO/www/dist" \
			"/var/lib/holdfast/uploads" "$NX/uploads" \
			"allow 127.0.0.1;" "allow $(cl_addr client);" \
			"unix:/run/holdfast/holdfast.sock" "$h" || true
		# the map of the http block once, in site-80.conf
		[ "$port" = 80 ] || sed -i '/^map \$msec/,/^}/d' "$NX/site-$port.conf"
	done
	# shellcheck disable=SC2034
	CL_LB_DIR=$NX
	template cluster-nginx.conf "$NX/nginx.conf" || true
}

cl_lb_cmd() { cl_in lb nginx -p "$CL/lb/" -c "$CL/lb/nginx.conf" -e "$CL/lb/logs/error.log" "$@"; }

cl_lb_start() {
	cl_lb_conf
	if pid_is "$(readpid "$CL/lb/run/nginx.pid")" nginx; then
		cl_lb_cmd -s reload
		return 0
	fi
	cl_lb_cmd || die "cluster: nginx failed: $(tail -n 5 "$CL/lb/logs/error.log")"
	log "cluster: front nginx on http://$CL_LB_ADDR/ (upstream $(cl_addr app1):9000 $(cl_addr app2):9000)"
}

# --------------------------------------------------------------- commands

cl_migrate() {
	local owner out=$CL/app1/log/migrate.log
	owner=$(secret db_owner_password)
	cl_in app1 env HOLDFAST_CONF="$CL/app1/holdfast.conf" \
		HOLDFAST_DB_USER=holdfast_owner HOLDFAST_DB_PASSWORD="$owner" \
		"$ADMIN_BIN" migrate >"$out" 2>&1 ||
		{ tail -n 20 "$out" >&2; die "cluster: migrate failed"; }
	cl_in app1 env HOLDFAST_CONF="$CL/app1/holdfast.conf" \
		HOLDFAST_DB_USER=holdfast_owner HOLDFAST_DB_PASSWORD="$owner" \
		"$ADMIN_BIN" grant holdfast "$CL_NET.%" >>"$out" 2>&1 ||
		{ tail -n 20 "$out" >&2; die "cluster: grant failed"; }
	cl_db_grant_monitor
}

cl_demo_admin() {
	local f=$SECRETS/admin.json pw
	[ -s "$f" ] && return 0
	pw=$(randhex 12)
	printf '%s\n' "$pw" | cl_in app1 env HOLDFAST_CONF="$CL/app1/holdfast.conf" \
		"$ADMIN_BIN" user add --email admin@holdfast.test --role admin \
		--name "Demo admin" --password-stdin >>"$CL/app1/log/admin.log" 2>&1 ||
		die "cluster: user add failed: $(tail -n 3 "$CL/app1/log/admin.log")"
	printf '{"email": "admin@holdfast.test", "password": "%s"}\n' "$pw" >"$f"
	chmod 600 "$f"
}

cl_secrets() {
	make_secrets
	(
		umask 077
		[ -s "$SECRETS/db_repl_password" ] || randhex 24 >"$SECRETS/db_repl_password"
		[ -s "$SECRETS/redis_password" ] || randhex 24 >"$SECRETS/redis_password"
	)
}

cluster_up() {
	local t0 replica
	t0=$(now)
	[ "$(id -u)" = 0 ] || die "./dev cluster needs root (network namespaces)"
	ensure_packages
	ensure_node
	prepare_var
	build_console
	build
	cl_env
	mkdir -p "$CL"
	chmod 755 "$CL"
	cl_secrets
	cl_net_up
	echo "$CL_PRIMARY" >"$CL/primary"
	replica=$(cl_other "$CL_PRIMARY")
	cl_db_start "$CL_PRIMARY" "$(cl_db_id "$CL_PRIMARY")"
	if [ ! -f "$CL/$CL_PRIMARY/.primary" ]; then
		# a new cluster: both empty, the replica follows from the start
		cl_db_start "$replica" "$(cl_db_id "$replica")"
		cl_db_users
		cl_replicate "$replica" "$CL_PRIMARY"
		echo "$CL_PRIMARY" >"$CL/$replica/.replica-of"
		touch "$CL/$CL_PRIMARY/.primary"
	elif [ "$(cat "$CL/$replica/.replica-of" 2>/dev/null)" != "$CL_PRIMARY" ]; then
		# the old primary after a failover: rebuilt, never reused
		cl_rebuild_replica "$replica" "$CL_PRIMARY"
	else
		cl_db_start "$replica" "$(cl_db_id "$replica")"
	fi
	cl_redis_start
	cl_app_conf app1
	cl_migrate
	cl_demo_admin
	cl_app_start app1
	cl_app_start app2
	cl_lb_start
	cl_replica_caught_up "$(cl_other "$CL_PRIMARY")" 60 ||
		log "cluster: warning: the replica has not caught up in 60 s"
	log "cluster: up in $(since "$t0")"
	cluster_status
	echo "Front: http://$CL_LB_ADDR/ (reach it from a namespace: ip netns exec $(cl_ns client) curl ...)"
	echo "Demo admin: $(cat "$SECRETS/admin.json")"
}

cl_other() { [ "$1" = db1 ] && echo db2 || echo db1; }

cluster_down() {
	cl_env
	cl_net_down
	log "cluster: down (state kept in $CL; rm -rf it for a fresh one)"
}

cluster_status() {
	local h rc=0 st
	cl_env
	for h in app1 app2; do
		if pid_is "$(readpid "$CL/$h/run/fcgi.pid")" multiwatch; then st=up; else st=down; rc=1; fi
		printf '  %-6s %-12s %s\n' "$h" "$(cl_addr "$h"):9000" "$st"
	done
	for h in db1 db2; do
		if cl_db_ping "$h"; then st=up; else st=down; rc=1; fi
		[ "$h" = "$CL_PRIMARY" ] && st="$st (primary)" || st="$st (replica)"
		printf '  %-6s %-12s %s\n' "$h" "$(cl_addr "$h"):3306" "$st"
	done
	if cl_redis_cli ping 2>/dev/null | grep -qx PONG; then st=up; else st=down; rc=1; fi
	printf '  %-6s %-12s %s\n' redis "$CL_REDIS_ADDR:6379" "$st"
	if pid_is "$(readpid "$CL/lb/run/nginx.pid")" nginx; then st=up; else st=down; rc=1; fi
	printf '  %-6s %-12s %s\n' lb "$CL_LB_ADDR:80" "$st"
	return $rc
}

# --------------------------------------------------------------- failover

# cluster_failover: the primary is lost; the replica becomes the primary
# and the app hosts are pointed at it (README "Scale-out: failover"):
#   1. fence the old primary (its namespace's processes killed: it can
#      take no write a client would believe acknowledged);
#   2. wait until the replica has applied every transaction it received
#      (semi-sync AFTER_SYNC: every acknowledged commit is among them);
#   3. stop replication, forget the old primary, make it writable;
#   4. point each app host's holdfast.conf at it and restart its pool.
# The old primary never comes back as it is (it may hold commits no
# client was told of): rebuild it as a replica of the new one.
cluster_failover() {
	local old new h
	cl_env
	old=$CL_PRIMARY new=$(cl_other "$CL_PRIMARY")
	cl_db_ping "$new" || die "cluster: failover: $new is down too"
	cl_kill_host "$old"
	# holdfast-admin promote (README "Failover: the procedure"), as root
	# over the replica's socket: it applies every event the replica
	# received, then STOP SLAVE, RESET SLAVE ALL, read_only off
	sed -e "s|^db_replica_host = .*|db_replica_socket = $CL/$new/run/mysqld.sock|" \
		"$CL/app1/holdfast.conf" >"$CL/promote.conf"
	HOLDFAST_CONF=$CL/promote.conf HOLDFAST_DB_USER=root \
		"$ADMIN_BIN" promote --wait 60 >"$CL/promote.log" 2>&1 ||
		die "cluster: failover: holdfast-admin promote failed: $(tail -n 5 "$CL/promote.log")"
	# no replica left: commits must not wait for one (degraded until a
	# replica is attached again)
	cl_db_sql "$new" -e 'SET GLOBAL rpl_semi_sync_master_enabled = OFF' ||
		die "cluster: failover: semi-sync off on $new failed"
	echo "$new" >"$CL/primary"
	touch "$CL/$new/.primary"
	rm -f "$CL/$new/.replica-of" "$CL/$old/.primary" "$CL/$old/.replica-of"
	CL_PRIMARY=$new
	cl_env
	log "cluster: failover: $new is the primary ($(grep -m1 'promote:' "$CL/promote.log")); restarting the app hosts"
	for h in app1 app2; do
		cl_app_stop "$h"
		cl_app_start "$h"
	done
}

# cluster_host kill|start HOST: crash a host (every process of its
# namespace, KILL) or start what it runs again
cluster_host() {
	local act=$1 h=${2:-}
	cl_env
	cl_addr "$h" >/dev/null
	case $act in
	kill) cl_kill_host "$h"; log "cluster: $h killed" ;;
	start)
		case $h in
		app1 | app2) cl_app_start "$h" ;;
		db1) cl_db_start db1 1 ;;
		db2) cl_db_start db2 2 ;;
		redis) cl_redis_start ;;
		lb) cl_lb_start ;;
		*) die "cluster: nothing to start on $h" ;;
		esac ;;
	esac
}

# --------------------------------------------------------------- tests

# cluster_test: the cluster up (from nothing if need be), then from its
# client namespace the black-box smoke set through the front nginx
# (CLUSTER_SMOKE: tests/api files) and tests/cluster; last line
# "N passed, N failed"
cluster_test() {
	local t0 v out rc=0 p=0 f=0 line
	t0=$(now)
	cluster_up >&2
	cl_env
	v=$CL/view
	mkdir -p "$v/mariadb"
	ln -sfn ../app1/holdfast.conf "$v/holdfast.conf"
	ln -sfn "../../$CL_PRIMARY/my.cnf" "$v/mariadb/my.cnf"
	ln -sfn ../secrets "$v/secrets"
	out=$CL/test.log
	: >"$out"
	for k in ${CLUSTER_SMOKE:-test_10_system test_70_products test_71_reserv test_76_catalog test_82_pay}; do
		cl_in client env DEV_VAR="$v" python3 "$REPO/tests/api/run.py" \
			--base-url "http://$CL_LB_ADDR" -k "$k" >>"$out" 2>&1 || rc=1
	done
	cl_in client env DEV_VAR="$v" HOLDFAST_CLUSTER_DEV="$DEV" \
		HOLDFAST_CLUSTER_VAR="$DEV_VAR" \
		python3 "$REPO/tests/api/run.py" --dir "$REPO/tests/cluster" \
		--base-url "http://$CL_LB_ADDR" >>"$out" 2>&1 || rc=1
	grep -E '^(ok|FAIL|skip) ' "$out" | grep -v '^ok ' || true
	while read -r line; do
		p=$((p + $(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')))
		f=$((f + $(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')))
	done < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out")
	log "cluster test: done in $(since "$t0") (log: $out)"
	echo "$p passed, $f failed"
	[ "$rc" = 0 ] && [ "$f" = 0 ]
}

cmd_cluster() {
	set_env
	case ${1:-} in
	up) cluster_up ;;
	down) cluster_down ;;
	status) cluster_status ;;
	failover) cluster_failover ;;
	rebuild)
		cl_env
		cl_net_up
		cl_rebuild_replica "$(cl_other "$CL_PRIMARY")" "$CL_PRIMARY" ;;
	kill | start) cluster_host "$@" ;;
	test) cluster_test ;;
	*) usage; exit 2 ;;
	esac
}
