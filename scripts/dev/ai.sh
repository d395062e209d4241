# shellcheck shell=bash
# scripts/dev/ai.sh: the fake OpenAI-compatible model (tests/fake_openai.py)
# the catalog assistant talks to in the dev and test stacks.
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

# tests/fake_openai.py on 127.0.0.1:DEV_AI_PORT checks each request (the
# key in SECRETS/ai_key, the model of conf/dev/holdfast.conf) and answers
# canned completions. It is ours when its command line names this
# DEV_VAR's pid file.
# ai_model start|stop|status|pid
ai_model() {
	local pidf=$RUN/ai.pid cand pid="" f exe
	local -a argv
	cand=$(readpid "$pidf")
	for f in ${cand:+"/proc/$cand/cmdline"} /proc/[0-9]*/cmdline; do
		mapfile -d '' argv 2>/dev/null <"$f" || continue
		[[ " ${argv[*]} " == *"/fake_openai.py "*" --pid-file $pidf "* ]] || continue
		f=${f#/proc/}
		alive "${f%/cmdline}" || continue
		pid=${f%/cmdline}
		break
	done
	case $1 in
	pid) [ -n "$pid" ] && echo "$pid"; return 0 ;;
	status) [ -n "$pid" ] && port_busy "$DEV_AI_PORT" ;;
	start)
		[ -n "$pid" ] && [ -s "$pidf" ] && return 0
		[ -n "$pid" ] && ai_model stop
		need_port "$DEV_AI_PORT" ai DEV_AI_PORT
		mkdir -p "$RUN" "$LOGDIR"
		rm -f "$pidf"
		python3 "$REPO/tests/fake_openai.py" --port "$DEV_AI_PORT" \
			--key-file "$SECRETS/ai_key" --model holdfast-test-model \
			--pid-file "$pidf" --daemon --log "$LOGDIR/ai.log" ||
			die "fake model did not start: $(tail -n 5 "$LOGDIR/ai.log" 2>/dev/null)"
		log "ai: fake model up on 127.0.0.1:$DEV_AI_PORT (pid $(readpid "$pidf"))"
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
start_ai() { ai_model start; }
stop_ai() { ai_model stop; }
