# shellcheck shell=bash
# scripts/dev/apache.sh: Apache (conf/dev/httpd.conf around the site file
# rendered from conf/apache/holdfast.conf).
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

apache_conf() {
	local changed=1
	mkdir -p "$AP/logs" "$AP/run"
	render "$REPO/conf/apache/holdfast.conf" "$AP/site.conf" \
		"<VirtualHost *:80>" "<VirtualHost 127.0.0.1:$DEV_APACHE_PORT>" \
		"/usr/local/share/holdfast/www" "$REPO/www/dist" \
		"/var/lib/holdfast/uploads" "$DEV_VAR/uploads" \
		"unix:/run/holdfast/holdfast.sock|" "unix:$FCGI_SOCK|" && changed=0
	template httpd.conf "$AP/httpd.conf" && changed=0
	return $changed
}

apache_cmd() { /usr/sbin/apache2 -f "$AP/httpd.conf" "$@"; }

start_apache() {
	local t0 i changed=1
	t0=$(now)
	apache_conf && changed=0
	if pid_is "$(readpid "$AP_PID")" apache2; then
		if [ $changed = 0 ]; then
			apache_cmd -k graceful >>"$AP/logs/error.log" 2>&1 ||
				die "apache graceful restart failed: $(tail -n 5 "$AP/logs/error.log")"
			log "apache: config changed, restarted gracefully"
		fi
		return 0
	fi
	reclaim apache2 apache
	need_port "$DEV_APACHE_PORT" apache DEV_APACHE_PORT
	rm -f "$AP_PID"
	apache_cmd -t >"$AP/logs/configtest.log" 2>&1 ||
		{ cat "$AP/logs/configtest.log" >&2; die "apache: config test failed"; }
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C \
		/usr/sbin/apache2 -f "$AP/httpd.conf" -k start >/dev/null 2>&1 || die "apache failed to start: $(tail -n 5 "$AP/logs/error.log")"
	for ((i = 0; i < 100; i++)); do
		pid_is "$(readpid "$AP_PID")" apache2 && port_busy "$DEV_APACHE_PORT" && break
		sleep 0.05
	done
	pid_is "$(readpid "$AP_PID")" apache2 || die "apache did not start: $(tail -n 5 "$AP/logs/error.log")"
	log "apache: up on http://127.0.0.1:$DEV_APACHE_PORT/ (pid $(readpid "$AP_PID")) in $(since "$t0")"
}

stop_apache() {
	stop_pid "$(readpid "$AP_PID")" apache2 20
	reclaim apache2 apache
	rm -f "$AP_PID"
}

# Apache is part of this stack when asked for, or while it runs.
apache_wanted() { [ "$DEV_APACHE" = 1 ] || [ -s "$AP_PID" ]; }
