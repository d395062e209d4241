# shellcheck shell=bash
# scripts/dev/smtp.sh: the SMTP sink (tests/smtp_sink.py).
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

# tests/smtp_sink.py on 127.0.0.1:DEV_SMTP_PORT keeps every message the
# programs send as $DEV_VAR/mail/<epoch-ms>-<n>.eml. It is ours when its
# command line names this DEV_VAR's pid file.
# smtp_sink start|stop|status|pid
smtp_sink() {
	local pidf=$RUN/smtp.pid mail=$DEV_VAR/mail cand pid="" f exe
	local -a argv
	# the recorded pid first, then any process (pid file gone while it ran)
	cand=$(readpid "$pidf")
	for f in ${cand:+"/proc/$cand/cmdline"} /proc/[0-9]*/cmdline; do
		mapfile -d '' argv 2>/dev/null <"$f" || continue
		[[ " ${argv[*]} " == *"/smtp_sink.py "*" --pid-file $pidf "* ]] || continue
		f=${f#/proc/}
		alive "${f%/cmdline}" || continue
		pid=${f%/cmdline}
		break
	done
	case $1 in
	pid) [ -n "$pid" ] && echo "$pid"; return 0 ;;
	status) [ -n "$pid" ] && port_busy "$DEV_SMTP_PORT" ;;
	start)
		# running with its pid file: done; without (var/ deleted under
		# it, its mail dir gone with it): replace it
		[ -n "$pid" ] && [ -s "$pidf" ] && return 0
		[ -n "$pid" ] && smtp_sink stop
		need_port "$DEV_SMTP_PORT" smtp DEV_SMTP_PORT
		mkdir -p "$mail" "$RUN" "$LOGDIR"
		rm -f "$pidf"
		python3 "$REPO/tests/smtp_sink.py" --port "$DEV_SMTP_PORT" \
			--dir "$mail" --pid-file "$pidf" --daemon --log "$LOGDIR/smtp.log" ||
			die "smtp sink did not start: $(tail -n 5 "$LOGDIR/smtp.log" 2>/dev/null)"
		log "smtp: sink up on 127.0.0.1:$DEV_SMTP_PORT (pid $(readpid "$pidf")), mail in $mail"
		;;
	stop)
		if [ -n "$pid" ]; then
			exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || exe=python3
			exe=${exe% (deleted)}
			stop_pid "$pid" "${exe##*/}" 10
		fi
		rm -f "$pidf"
		;;
	esac
}
start_smtp() { smtp_sink start; }
stop_smtp() { smtp_sink stop; }
