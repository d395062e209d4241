# shellcheck shell=bash
# scripts/dev/stack.sh: the commands over the whole stack: up, down,
# status, svc, pids, env.
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

# What `up` ends with.
print_summary() {
	local code
	code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$DEV_HTTP_PORT/api/v1" || true)
	echo
	echo "Holdfast is up: http://127.0.0.1:$DEV_HTTP_PORT/"
	echo "  API        http://127.0.0.1:$DEV_HTTP_PORT/api/v1   (GET /api/v1 -> $code)"
	if apache_wanted; then
		echo "  Apache     http://127.0.0.1:$DEV_APACHE_PORT/api/v1"
	fi
	echo "  config     $CONF"
	echo "  worker log $LOGDIR/holdfast.log"
	echo "  MariaDB    mariadb --defaults-file=$MY_CNF -uroot holdfast"
	echo "  Redis      redis-cli -s $RD_SOCK"
	echo "  stop with  ./dev down; state in $DEV_VAR"
	if [ -s "$SECRETS/admin.json" ]; then
		echo
		echo "Demo admin (sign in with POST /api/v1/auth/login):"
		python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print("  e-mail    ", a["email"]); print("  password  ", a["password"])' "$SECRETS/admin.json"
	fi
}

cmd_up() {
	local t0
	t0=$(now)
	[ "$(id -u)" = 0 ] || die "./dev up needs root (packages, servers running as $RUN_USER)"
	ensure_packages
	ensure_node
	prepare_var
	build_console
	build
	check_user_access
	make_secrets
	start_mariadb
	mariadb_users
	start_redis
	start_smtp
	start_ai
	render_holdfast_conf
	# issue 16: a replica this DEV_VAR runs (or DEV_REPLICA=1) stays
	# attached, and the app keeps reading from it
	if replica_wanted; then
		start_replica
		replica_conf_apply on
	fi
	migrate
	demo_admin
	start_pool
	start_nginx
	# Apache when asked for, or when it runs for this DEV_VAR already
	if [ "$DEV_APACHE" = 1 ] || pid_is "$(readpid "$AP_PID")" apache2 ||
	   [ -n "$(orphans apache2)" ]; then
		start_apache
	fi
	log "up: done in $(since "$t0")"
	print_summary
}

cmd_down() {
	local t0
	t0=$(now)
	if [ ! -d "$DEV_VAR" ]; then
		log "down: no $DEV_VAR"
	fi
	stop_apache
	stop_nginx
	stop_pool
	stop_smtp
	stop_ai
	stop_redis
	stop_replica
	stop_mariadb
	log "down: $DEV_VAR stopped in $(since "$t0")"
}

# status_line NAME OK PID ADDRESS
status_line() {
	if [ "$2" = 1 ]; then
		printf '%-8s up    pid %-7s %s\n' "$1" "$3" "$4"
	else
		printf '%-8s down  %s\n' "$1" "$4"
	fi
}

cmd_status() {
	local rc=0 pid ok w code
	pid=$(readpid "$MY_PID")
	ok=0; pid_is "$pid" mariadbd && mariadb_ping && ok=1
	status_line mariadb $ok "$pid" "$MY_SOCK 127.0.0.1:$DEV_DB_PORT"
	[ $ok = 1 ] || rc=1
	pid=$(readpid "$RD_PID")
	ok=0; pid_is "$pid" redis-server && redis_ping && ok=1
	status_line redis $ok "$pid" "$RD_SOCK 127.0.0.1:$DEV_REDIS_PORT"
	[ $ok = 1 ] || rc=1
	pid=$(smtp_sink pid)
	ok=0; smtp_sink status && ok=1
	status_line smtp $ok "$pid" "127.0.0.1:$DEV_SMTP_PORT  mail: $DEV_VAR/mail"
	[ $ok = 1 ] || rc=1
	pid=$(ai_model pid)
	ok=0; ai_model status && ok=1
	status_line ai $ok "$pid" "127.0.0.1:$DEV_AI_PORT  (tests/fake_openai.py)"
	[ $ok = 1 ] || rc=1
	pid=$(pool_pid)
	w=$(worker_pids | tr '\n' ' ')
	ok=0; [ -n "$pid" ] && [ -n "$w" ] && [ -S "$FCGI_SOCK" ] && ok=1
	status_line pool $ok "$pid" "$FCGI_SOCK  workers: ${w:-none}"
	[ $ok = 1 ] || rc=1
	pid=$(readpid "$NX_PID")
	ok=0; pid_is "$pid" nginx && port_busy "$DEV_HTTP_PORT" && ok=1
	code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$DEV_HTTP_PORT/api/v1/health" 2>/dev/null || true)
	status_line nginx $ok "$pid" "http://127.0.0.1:$DEV_HTTP_PORT/  (GET /api/v1/health -> ${code:-none})"
	[ $ok = 1 ] || rc=1
	if apache_wanted; then
		pid=$(readpid "$AP_PID")
		ok=0; pid_is "$pid" apache2 && port_busy "$DEV_APACHE_PORT" && ok=1
		status_line apache $ok "$pid" "http://127.0.0.1:$DEV_APACHE_PORT/"
		[ $ok = 1 ] || rc=1
	else
		printf '%-8s off   (not part of this stack: ./dev up --apache)\n' apache
	fi
	return $rc
}

cmd_svc() {
	local action=${1:-} name=${2:-}
	case $action in start | stop | restart) ;; *) die "usage: ./dev svc start|stop|restart mariadb|redis|pool|nginx|apache|smtp|ai" ;; esac
	case $name in mariadb | redis | pool | nginx | apache | smtp | ai) ;; *) die "usage: ./dev svc $action mariadb|redis|pool|nginx|apache|smtp|ai" ;; esac
	[ -d "$DEV_VAR" ] || die "no $DEV_VAR: run ./dev up first"
	if [ "$action" != start ]; then
		"stop_$name"
		log "svc: $name stopped"
	fi
	if [ "$action" != stop ]; then
		[ "$name" = apache ] && DEV_APACHE=1
		"start_$name"
		log "svc: $name running"
	fi
}

cmd_pids() {
	case ${1:-} in
	workers) worker_pids ;;
	pool) pool_pid ;;
	mariadb) pid_is "$(readpid "$MY_PID")" mariadbd && readpid "$MY_PID" ;;
	redis) pid_is "$(readpid "$RD_PID")" redis-server && readpid "$RD_PID" ;;
	nginx) pid_is "$(readpid "$NX_PID")" nginx && readpid "$NX_PID" ;;
	apache) pid_is "$(readpid "$AP_PID")" apache2 && readpid "$AP_PID" ;;
	*) die "usage: ./dev pids workers|pool|mariadb|redis|nginx|apache" ;;
	esac
	return 0
}

cmd_env() {
	cat <<EOF
export DEV_VAR='$DEV_VAR' HOLDFAST_CONF='$CONF'
export HOLDFAST_URL='http://127.0.0.1:$DEV_HTTP_PORT' HOLDFAST_APACHE_URL='http://127.0.0.1:$DEV_APACHE_PORT'
export HOLDFAST_DEV='$DEV'
export MARIADB_CNF='$MY_CNF' REDIS_SOCKET='$RD_SOCK'
EOF
}
