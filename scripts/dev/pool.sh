# shellcheck shell=bash
# scripts/dev/pool.sh: the FastCGI pool (spawn-fcgi, multiwatch, the
# workers).
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

# spawn-fcgi binds the socket and execs multiwatch as www-data; multiwatch
# forks DEV_WORKERS workers and replaces any that dies. fcgi.pid is
# multiwatch's pid.

pool_pid() {
	local pid
	pid=$(readpid "$FCGI_PID")
	pid_is "$pid" multiwatch && echo "$pid"
	return 0
}

# worker pids: the live children of multiwatch
worker_pids() {
	local mw pid
	mw=$(pool_pid)
	[ -n "$mw" ] || return 0
	for pid in $(children "$mw"); do
		alive "$pid" && echo "$pid"
	done
	return 0
}

pool_args() { echo "multiwatch -f $DEV_WORKERS -r 20 -- $WORKER_BIN"; }

start_pool() {
	local t0 mw n i
	t0=$(now)
	[ -x "$WORKER_BIN" ] || die "pool: no $WORKER_BIN (build first: ./dev up)"
	[ -f "$CONF" ] || die "pool: no $CONF (./dev up renders it)"
	mw=$(pool_pid)
	if [ -n "$mw" ]; then
		if [ "$WORKER_BIN" -nt "$FCGI_PID" ] || [ "$CONF" -nt "$FCGI_PID" ] ||
		   [ "$(cat "$RUN/fcgi.args" 2>/dev/null)" != "$(pool_args)" ]; then
			log "pool: worker binary, config or DEV_WORKERS changed: restarting"
			stop_pool
		else
			return 0
		fi
	fi
	reclaim multiwatch pool
	rm -f "$FCGI_SOCK" "$FCGI_PID"
	# A clean environment: only what the workers should see.
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 HOLDFAST_CONF="$CONF" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		spawn-fcgi -s "$FCGI_SOCK" -M 0660 -U "$RUN_USER" -G "$RUN_USER" \
		-u "$RUN_USER" -g "$RUN_USER" -P "$FCGI_PID" -d "$DEV_VAR" \
		-- /usr/bin/multiwatch -f "$DEV_WORKERS" -r 20 -- "$WORKER_BIN" \
		>"$LOGDIR/spawn-fcgi.log" 2>&1 ||
		{ cat "$LOGDIR/spawn-fcgi.log" >&2; die "spawn-fcgi failed"; }
	pool_args >"$RUN/fcgi.args"
	# every worker up and still up a moment later (one that cannot start,
	# e.g. a bad config, exits at once and multiwatch gives up on it)
	n=0
	for ((i = 0; i < 100; i++)); do
		mw=$(pool_pid)
		[ -n "$mw" ] || break
		n=$(worker_pids | wc -l)
		[ "$n" -ge "$DEV_WORKERS" ] && break
		sleep 0.05
	done
	sleep 0.3
	mw=$(pool_pid)
	n=$(worker_pids | wc -l)
	if [ -z "$mw" ] || [ "$n" -lt "$DEV_WORKERS" ]; then
		tail -n 20 "$LOGDIR/holdfast.log" >&2 || true
		cat "$LOGDIR/spawn-fcgi.log" >&2 || true
		die "pool: $n of $DEV_WORKERS workers running (see $LOGDIR/holdfast.log)"
	fi
	log "pool: $n x holdfast-fcgi under multiwatch (pid $mw) on $FCGI_SOCK in $(since "$t0")"
}

# stop_pool_pid PID: stop multiwatch PID and its workers
stop_pool_pid() {
	local mw=$1 workers pid
	pid_is "$mw" multiwatch || return 0
	workers=$(children "$mw")
	stop_pid "$mw" multiwatch 15
	# multiwatch signals its workers; make sure none is left behind
	for pid in $workers; do
		stop_pid "$pid" "${WORKER_BIN##*/}" 5
	done
}

stop_pool() {
	stop_pool_pid "$(readpid "$FCGI_PID")"
	reclaim multiwatch pool
	rm -f "$FCGI_PID" "$FCGI_SOCK" "$RUN/fcgi.args"
}
