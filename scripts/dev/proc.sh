# shellcheck shell=bash
# scripts/dev/proc.sh: processes and ports. A server is only ever
# signalled by a pid recorded under DEV_VAR after checking what it is, or
# as an orphan of this DEV_VAR (orphans).
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

# PID 1 here reaps exited daemons only every ~2 s, so kill -0 alone calls a
# zombie alive; and pids wrap, so check the executable before any signal.

alive() {
	local st
	[ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# pid_is PID NAME: alive, and its executable's basename is NAME
pid_is() {
	local exe
	alive "${1:-}" || return 1
	exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
	exe=${exe% (deleted)}
	exe=${exe##*/}
	# Debian's redis-server is a symlink to redis-check-rdb
	[ "$exe" = "$2" ] || { [ "$2" = redis-server ] && [ "$exe" = redis-check-rdb ]; }
}

# spawn-fcgi writes its pid file without a trailing newline
readpid() {
	if [ -s "$1" ]; then
		head -n1 "$1" | tr -dc 0-9
	fi
	return 0
}

# stop_pid PID NAME TIMEOUT: TERM, wait, then KILL; only if PID is NAME
stop_pid() {
	local pid=$1 name=$2 t=${3:-20} i
	pid_is "$pid" "$name" || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < t * 10; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	log "$name (pid $pid) still there after ${t}s: KILL"
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
}

# children PID: pids whose parent is PID, one per line
children() {
	local f line rest
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		rest=${line##*) }
		rest=${rest#* }	# drop the state field
		[ "${rest%% *}" = "$1" ] || continue
		f=${f#/proc/}
		echo "${f%/stat}"
	done
}

# A server of this DEV_VAR whose pid file is gone (var/ deleted while the
# stack ran) still holds its port. orphan NAME finds it: a live process
# running the executable NAME whose own command line, environment or
# working directory names this DEV_VAR's file for that server. Nothing
# else is ever picked, so another stack or the system's servers are safe.
orphans() {
	local name=$1 mark bin f pid line ppid
	case $name in
	mariadbd)     mark="x:--defaults-file=$MY_CNF" ;;
	redis-server) mark="cwd:$RD" ;;
	multiwatch)   mark="env:HOLDFAST_CONF=$CONF" ;;
	nginx)        mark="s:-c $NX/nginx.conf" ;;
	apache2)      mark="x:$AP/httpd.conf" ;;
	*) return 0 ;;
	esac
	bin=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH command -v "$name") || return 0
	for f in /proc/[0-9]*; do
		# -ef: same file as the server's executable, without a fork
		[ "$f/exe" -ef "$bin" ] || continue
		pid=${f#/proc/}
		read -r line 2>/dev/null <"$f/stat" || continue
		line=${line##*) }
		[ "${line%% *}" != Z ] || continue
		# an nginx or apache worker is a child of its master: skip it
		ppid=${line#* }
		ppid=${ppid%% *}
		if [ "$name" = nginx ] || [ "$name" = apache2 ]; then
			[ "/proc/$ppid/exe" -ef "$bin" ] && continue
		fi
		case $mark in
		cwd:*)
			[ "$(readlink "$f/cwd" 2>/dev/null)" = "${mark#cwd:}" ] ||
			[ "$(readlink "$f/cwd" 2>/dev/null)" = "${mark#cwd:} (deleted)" ] || continue ;;
		env:*)
			tr '\0' '\n' 2>/dev/null <"$f/environ" | grep -qxF -- "${mark#env:}" || continue ;;
		x:*)
			tr '\0' '\n' 2>/dev/null <"$f/cmdline" | grep -qxF -- "${mark#x:}" || continue ;;
		s:*)
			tr '\0' '\n' 2>/dev/null <"$f/cmdline" | grep -qF -- "${mark#s:}" || continue ;;
		esac
		echo "$pid"
	done
	return 0
}

# reclaim NAME LABEL: stop orphans of this DEV_VAR running NAME
reclaim() {
	local pid
	for pid in $(orphans "$1"); do
		log "$2: stopping pid $pid left running by this DEV_VAR ($DEV_VAR) after its pid file went away"
		if [ "$1" = multiwatch ]; then
			stop_pool_pid "$pid"
		else
			stop_pid "$pid" "$1" 60
		fi
	done
}

# port_busy PORT: something accepts connections on 127.0.0.1:PORT
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port_owner() {
	command -v ss >/dev/null || return 0
	ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:.*' | head -n1
}

need_port() {
	port_busy "$1" || return 0
	die "$2: port 127.0.0.1:$1 is taken by another program $(port_owner "$1"); stop it or set $3"
}

