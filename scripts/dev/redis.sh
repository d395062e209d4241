# shellcheck shell=bash
# scripts/dev/redis.sh: Redis under DEV_VAR/redis (conf/dev/redis.conf).
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

redis_conf() {
	mkdir -p "$RD"
	template redis.conf "$RD/redis.conf" || true
}

redis_ping() { [ "$(redis-cli -s "$RD_SOCK" ping 2>/dev/null)" = PONG ]; }
redis_running() { pid_is "$(readpid "$RD_PID")" redis-server; }

start_redis() {
	local t0 i
	t0=$(now)
	redis_conf
	redis_running && return 0
	reclaim redis-server redis
	need_port "$DEV_REDIS_PORT" redis DEV_REDIS_PORT
	rm -f "$RD_PID" "$RD_SOCK"
	redis-server "$RD/redis.conf" >/dev/null 2>&1 || die "redis-server failed: $(tail -n 5 "$RD/redis.log" 2>/dev/null)"
	for ((i = 0; i < 200; i++)); do
		redis_ping && break
		sleep 0.05
	done
	redis_ping || die "redis not ready: $(tail -n 5 "$RD/redis.log" 2>/dev/null)"
	log "redis: up on $RD_SOCK and 127.0.0.1:$DEV_REDIS_PORT (pid $(readpid "$RD_PID")) in $(since "$t0")"
}

stop_redis() {
	stop_pid "$(readpid "$RD_PID")" redis-server 30
	reclaim redis-server redis
	rm -f "$RD_PID" "$RD_SOCK"
}
