# shellcheck shell=bash
# scripts/dev/nginx.sh: nginx (conf/dev/nginx.conf around the site file
# rendered from conf/nginx/holdfast.conf).
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

nginx_conf() {
	local changed=1
	mkdir -p "$NX/logs" "$NX/tmp" "$NX/run"
	render "$REPO/conf/nginx/holdfast.conf" "$NX/site.conf" \
		"listen 80;" "listen 127.0.0.1:$DEV_HTTP_PORT;" \
		"/usr/local/share/holdfast/www" "$REPO/www/dist" \
		"/var/lib/holdfast/uploads" "$DEV_VAR/uploads" \
		"unix:/run/holdfast/holdfast.sock" "unix:$FCGI_SOCK" && changed=0
	cp -f /etc/nginx/fastcgi_params /etc/nginx/mime.types "$NX/"
	template nginx.conf "$NX/nginx.conf" && changed=0
	return $changed
}

nginx_cmd() { nginx -p "$NX/" -c "$NX/nginx.conf" -e "$NX/logs/error.log" "$@"; }

start_nginx() {
	local t0 i changed=1
	t0=$(now)
	nginx_conf && changed=0
	if pid_is "$(readpid "$NX_PID")" nginx; then
		if [ $changed = 0 ]; then
			nginx_cmd -t -q 2>&1 | tail -n 5 >&2 || true
			nginx_cmd -s reload || die "nginx reload failed"
			log "nginx: config changed, reloaded"
		fi
		return 0
	fi
	reclaim nginx nginx
	need_port "$DEV_HTTP_PORT" nginx DEV_HTTP_PORT
	rm -f "$NX_PID"
	# -e: else nginx first opens the compiled-in /var/log/nginx/error.log
	nginx_cmd >/dev/null 2>&1 || die "nginx failed to start: $(tail -n 5 "$NX/logs/error.log")"
	for ((i = 0; i < 100; i++)); do
		pid_is "$(readpid "$NX_PID")" nginx && port_busy "$DEV_HTTP_PORT" && break
		sleep 0.05
	done
	pid_is "$(readpid "$NX_PID")" nginx || die "nginx did not start: $(tail -n 5 "$NX/logs/error.log")"
	log "nginx: up on http://127.0.0.1:$DEV_HTTP_PORT/ (pid $(readpid "$NX_PID")) in $(since "$t0")"
}

stop_nginx() {
	stop_pid "$(readpid "$NX_PID")" nginx 20
	reclaim nginx nginx
	rm -f "$NX_PID"
}
