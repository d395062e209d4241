#!/usr/bin/env bash
# tests/install/run.sh: Holdfast tested as installed (issue 11), the last
# stage of ./dev test. It follows the README's deployment section on this
# machine, running the commands of its marked blocks (<!-- install-test:
# NAME --> above an indented block) as they are written:
#
#   1. make dist; make distcheck (beside the builds)
#   2. README "build": the .deb from the tarball, and the same for a
#      previous release (DEV_PREV_REF, else the newest tag v* whose tree
#      has debian/, else this tarball as version <v>~prev1 without its
#      newest migration)
#   3. MariaDB on /run/mysqld/mysqld.sock and Redis, private to this stage
#   4. README "install" with the previous .deb, the pool started as the
#      package starts it, "setup-db", "admin", "nginx"; data
#   5. README "upgrade": migrations applied, pool on the new version, the
#      data intact
#   6. README "apache"; the smoke set through nginx and through Apache
#      (signed in: Authorization reaches the workers through both)
#   7. /etc/cron.d/holdfast's lines as cron runs them: quiet, and they
#      expire what is due; logrotate and the reload; --version, --help, man
#   8. README "backup" under write load, the database wiped, "restore":
#      reconcile clean; a quiet backup restored: the same stock answers
#   9. README "purge": the database and the covers stay; "purge-data":
#      they go
#
# Where this machine differs from a real host, the stage says so:
#   - no systemd here (PID 1 is not systemd): a stand-in "systemctl" on
#     PATH runs the unit's ExecStartPre and ExecStart by hand as its User,
#     Group and UMask, with its Environment, RuntimeDirectory and
#     StateDirectory; stop sends TERM to every process of the pool; reload
#     runs ExecReload. The package's postinst restarts the pool through
#     systemd, so after an upgrade the stage restarts it instead.
#   - ports: the installed site files and Debian's default sites answer on
#     127.0.0.1:18094 (nginx) and 18095 (Apache) instead of 80, moved by
#     the stage (+DEV_TEST_PORT_OFFSET); MariaDB and Redis are private
#     servers (MariaDB on the standard socket, TCP 13318; Redis 16391, set
#     as redis_port in holdfast.conf as an admin would);
#   - cron does not run: its lines are run as cron would (user, variables,
#     MAILTO gets whatever they print).
#   - service starts by apt are denied (policy-rc.d) during the stage.
#
# It installs into this machine's / (that is what it tests), so it runs
# only as root, and only in a container unless DEV_TEST_INSTALL=1 asks for
# it (DEV_TEST_INSTALL=0 skips it). It refuses to start when Holdfast is
# installed, /etc/holdfast exists, or the system's nginx, Apache, MariaDB
# or Redis run; it restores /etc/nginx and /etc/apache2, removes what it
# installed and the user it created, and stops what it started, on every
# exit. One run at a time per machine (a lock in /run/lock).
#
# Output: "ok NAME" / "FAIL NAME: why" per check, logs in $OUT/log, and as
# last line "install: N passed, N failed" (or "install: skipped: why").
set -uo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SELF=$HERE/run.sh
OUT=${HOLDFAST_INSTALL_OUT:-$REPO/var/test/install}
LOG=$OUT/log
RUN=$OUT/run
OFF=${DEV_TEST_PORT_OFFSET:-0}
PORT_NGINX=$((18094 + OFF))
PORT_APACHE=$((18095 + OFF))
PORT_DB=$((13318 + OFF))
PORT_REDIS=$((16391 + OFF))
SITE_HOST=inventory.example.com	# the README's host name
ADMIN_EMAIL=admin@inventory.example.com
UNIT_SYSTEM=/lib/systemd/system/holdfast-fcgi.service
LOCK=/run/lock/holdfast-install-test.lock
# packages this stage needs besides ./dev's list: the build tools and what
# the .deb depends on or recommends that ./dev does not install, and
# systemd for systemd-analyze (a container has no systemd package)
STAGE_PKGS=(debhelper dpkg-dev fakeroot cron logrotate man-db systemd)

PASSED=0
FAILED=0
NEXT_LOG=0

log() { printf '[install %s] %s\n' "$(date +%T)" "$*" >&2; }

pass() { PASSED=$((PASSED + 1)); echo "ok   $1"; }

# fail NAME [WHY] [LOG]
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL $1${2:+: $2}"
	if [ -n "${3:-}" ] && [ -f "$3" ]; then
		echo "--- tail $3"
		tail -n 30 "$3"
		echo "---"
	fi
}

# check NAME CMD...: CMD's output to a log of its own; pass or fail
check() {
	local name=$1 lf
	shift
	NEXT_LOG=$((NEXT_LOG + 1))
	lf=${CHECK_LOG:-$LOG/$(printf '%02d' "$NEXT_LOG")-$(printf '%s' "$name" | tr -c 'A-Za-z0-9' - | cut -c1-50).log}
	local rc=0
	"$@" >"$lf" 2>&1 || rc=$?
	if [ $rc = 0 ]; then
		pass "$name"
		return 0
	fi
	fail "$name" "exit $rc" "$lf"
	return 1
}

# count_smoke LOG: add the ok/FAIL lines of LOG (smoke.py, or a check run
# in the background) to the totals
count_smoke() {
	local ok bad
	ok=$(grep -c '^ok ' "$1" || true)
	bad=$(grep -c '^FAIL ' "$1" || true)
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + bad))
	grep -E '^(ok|FAIL) ' "$1" | sed 's/^/    /'
	if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then
		fail "$(basename "$1" .log)" "no result" "$1"
	fi
}

# smoke FRONT CMD ARGS...: tests/install/smoke.py against nginx or Apache
smoke() {
	local front=$1 url
	shift
	case $front in
	nginx) url=http://127.0.0.1:$PORT_NGINX ;;
	apache) url=http://127.0.0.1:$PORT_APACHE ;;
	esac
	NEXT_LOG=$((NEXT_LOG + 1))
	local lf=$LOG/$(printf '%02d' "$NEXT_LOG")-smoke-$front-$1.log
	echo "  smoke.py $1 through $front" >&2
	HOLDFAST_ADMIN_EMAIL=$ADMIN_EMAIL HOLDFAST_ADMIN_PASSWORD=$ADMIN_PW \
	HOLDFAST_TOKEN_FILE=$RUN/token.json \
		timeout 300 python3 "$HERE/smoke.py" "$1" "$url" "$SITE_HOST" "${@:2}" >"$lf" 2>&1
	count_smoke "$lf"
}

# ---------------------------------------------------------------- README

# readme_block NAME: the commands of the block marked <!-- install-test:
# NAME --> (an indented block, the marker's next block), one per line
readme_block() {
	awk -v name="$1" '
		$0 ~ "^<!-- install-test: " name " -->$" { found = 1; next }
		found == 1 && /^$/ { next }
		found == 1 && /^    / { found = 2 }
		found == 2 && /^    / { print substr($0, 5); next }
		found == 2 && /^$/ { print ""; next }
		found == 2 { exit }
		found == 1 { exit }
	' "$REPO/README.md"
}

# run_block NAME DIR [stdin-file]: the block's commands in bash -e, in DIR,
# with the stand-in systemctl and apt answering yes; a check of its own
run_block() {
	local name=$1 dir=$2 input=${3:-/dev/null} cmds
	cmds=$(readme_block "$name")
	if [ -z "$cmds" ]; then
		fail "README block $name" "no <!-- install-test: $name --> block in README.md"
		return 1
	fi
	printf '%s\n' "$cmds" >"$RUN/block-$name.sh"
	check "README \"$name\": $(printf '%s' "$cmds" | grep -v '^ *#' | grep -v '^$' | head -n 1 | cut -c1-60)..." \
		env PATH="$RUN/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		APT_CONFIG="$RUN/apt.conf" DEBIAN_FRONTEND=noninteractive \
		HOLDFAST_INSTALL_OUT="$OUT" d="${d:-}" \
		bash -c 'cd "$1" && exec bash -euo pipefail "$2" <"$3"' _ "$dir" "$RUN/block-$name.sh" "$input"
}

# ---------------------------------------------------------------- the unit
# The stand-in for systemd: reads the installed unit file.

unit_file() {
	if [ -f /etc/systemd/system/holdfast-fcgi.service ]; then
		echo /etc/systemd/system/holdfast-fcgi.service
	else
		echo "$UNIT_SYSTEM"
	fi
}

# unit_get KEY: every value of KEY= in [Service], one per line
unit_get() {
	awk -v key="$1" '
		/^\[/ { svc = ($0 == "[Service]"); next }
		svc && index($0, key "=") == 1 { print substr($0, length(key) + 2) }
	' "$(unit_file)"
}

unit_pidfile() { echo "$OUT/run/holdfast-fcgi.mainpid"; }

unit_mainpid() {
	local pid
	pid=$(cat "$(unit_pidfile)" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# children PID: the pids whose parent is PID
children() {
	local f line rest
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		rest=${line##*) }
		rest=${rest#* }
		[ "${rest%% *}" = "$1" ] || continue
		f=${f#/proc/}
		echo "${f%/stat}"
	done
}

# descendants PID: PID's children, theirs, ... one per line
descendants() {
	local c
	for c in $(children "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# unit_user_argv: UARGV = the command prefix that runs as the unit's User
# and Group (with the user's groups, as systemd gives them) with only its
# Environment; UMASK = its UMask
unit_user_argv() {
	local user group e env=()
	user=$(unit_get User | tail -n 1)
	group=$(unit_get Group | tail -n 1)
	UMASK=$(unit_get UMask | tail -n 1)
	UMASK=${UMASK:-0022}
	while read -r e; do
		[ -n "$e" ] && env+=("$e")
	done < <(unit_get Environment)
	UARGV=(setpriv --reuid="${user:-root}" --regid="${group:-root}" --init-groups
		env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		LANG=C.UTF-8 "${env[@]}")
}

# as_unit_user CMD...: CMD as the unit would run it, waited for
as_unit_user() {
	unit_user_argv
	(umask "$UMASK" && cd / && exec "${UARGV[@]}" "$@")
}

# unit_exec LINE: one Exec*= line ("+" as root, "-" failure ignored)
unit_exec() {
	local line=$1 root=0 ignore=0 argv=()
	while :; do
		case $line in
		+*) root=1; line=${line#+} ;;
		-*) ignore=1; line=${line#-} ;;
		*) break ;;
		esac
	done
	read -r -a argv <<<"$line"
	if [ $root = 1 ]; then
		"${argv[@]}" || [ $ignore = 1 ]
	else
		as_unit_user "${argv[@]}" || [ $ignore = 1 ]
	fi
}

# pool_socket PID: the listening socket PID has as stdin (socket:[N]);
# every process of the pool shares it, as a cgroup would tell
pool_socket() { readlink "/proc/$1/fd/0" 2>/dev/null; }

# pool_pids SOCKET: every live process whose stdin is SOCKET
pool_pids() {
	local f p st
	[ -n "$1" ] || return 0
	for f in /proc/[0-9]*/fd/0; do
		[ "$(readlink "$f" 2>/dev/null)" = "$1" ] || continue
		p=${f#/proc/}
		p=${p%%/*}
		st=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
		[ -n "$st" ] && [ "$st" != Z ] && echo "$p"
	done
	return 0
}

unit_start() {
	local user group d mode line pid i
	if unit_mainpid >/dev/null; then
		return 0
	fi
	user=$(unit_get User | tail -n 1)
	group=$(unit_get Group | tail -n 1)
	echo "holdfast-fcgi.service: no systemd here: running its ExecStart by hand as $user:$group"
	for d in $(unit_get RuntimeDirectory); do
		mode=$(unit_get RuntimeDirectoryMode | tail -n 1)
		install -d -m "${mode:-0755}" -o "$user" -g "$group" "/run/$d"
	done
	for d in $(unit_get StateDirectory); do
		mode=$(unit_get StateDirectoryMode | tail -n 1)
		install -d -m "${mode:-0755}" -o "$user" -g "$group" "/var/lib/$d"
	done
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		echo "ExecStartPre: $line"
		unit_exec "$line" || { echo "ExecStartPre failed"; return 1; }
	done < <(unit_get ExecStartPre)
	line=$(unit_get ExecStart | tail -n 1)
	echo "ExecStart: $line"
	local argv=()
	read -r -a argv <<<"$line"
	unit_user_argv
	# one subshell that execs: $! is the main process (multiwatch, as
	# spawn-fcgi -n execs it), as MAINPID is under systemd; it keeps no
	# descriptor of this script (the stage's lock among them)
	(
		for f in /proc/$BASHPID/fd/*; do
			f=${f##*/}
			[ "$f" -gt 2 ] 2>/dev/null && eval "exec $f>&-"
		done
		umask "$UMASK" && cd / && exec "${UARGV[@]}" "${argv[@]}"
	) >>"$LOG/journal-holdfast-fcgi.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$(unit_pidfile)"
	# spawn-fcgi -n execs multiwatch, which forks the workers
	for ((i = 0; i < 100; i++)); do
		[ -S /run/holdfast/holdfast.sock ] && [ -n "$(descendants "$pid")" ] && break
		kill -0 "$pid" 2>/dev/null || { echo "ExecStart exited"; tail -n 20 "$LOG/journal-holdfast-fcgi.log"; return 1; }
		sleep 0.1
	done
	sleep 0.5
	kill -0 "$pid" 2>/dev/null || { echo "ExecStart exited"; tail -n 20 "$LOG/journal-holdfast-fcgi.log"; return 1; }
	pool_socket "$pid" >"$(unit_pidfile).socket"
	echo "holdfast-fcgi.service: running, main pid $pid ($(readlink /proc/$pid/exe)), workers: $(descendants "$pid" | tr '\n' ' ')"
}

# unit_stop: TERM to every process of the pool (KillMode=control-group:
# the processes that share its socket, those multiwatch forked meanwhile
# too), KILL after TimeoutStopSec
unit_stop() {
	local sock all i d t
	sock=$(cat "$(unit_pidfile).socket" 2>/dev/null)
	all=$(pool_pids "$sock")
	if [ -z "$all" ]; then
		rm -f "$(unit_pidfile)" "$(unit_pidfile).socket"
		return 0
	fi
	t=$(unit_get TimeoutStopSec | tail -n 1)
	t=${t:-90}
	# shellcheck disable=SC2086
	kill -TERM $all 2>/dev/null || true
	for ((i = 0; i < t * 10; i++)); do
		all=$(pool_pids "$sock")
		[ -z "$all" ] && break
		# shellcheck disable=SC2086
		kill -TERM $all 2>/dev/null || true
		sleep 0.1
	done
	all=$(pool_pids "$sock")
	if [ -n "$all" ]; then
		echo "still there after ${t}s: KILL $all"
		# shellcheck disable=SC2086
		kill -KILL $all 2>/dev/null || true
	fi
	rm -f "$(unit_pidfile)" "$(unit_pidfile).socket"
	for d in $(unit_get RuntimeDirectory); do
		rm -rf "/run/$d"
	done
	echo "holdfast-fcgi.service: stopped"
}

unit_reload() {
	local pid line
	pid=$(unit_mainpid) || { echo "not running"; return 1; }
	line=$(unit_get ExecReload | tail -n 1)
	line=${line//\$MAINPID/$pid}
	echo "ExecReload: $line"
	unit_exec "+$line"
}

# the stand-in systemctl calls back here
if [ "${1:-}" = unit ]; then
	case ${2:-} in
	start) unit_start ;;
	stop) unit_stop ;;
	restart) unit_stop && unit_start ;;
	reload) unit_reload ;;
	*) exit 2 ;;
	esac
	exit
fi

write_shims() {
	mkdir -p "$RUN/bin"
	cat >"$RUN/bin/systemctl" <<EOF
#!/bin/sh
# systemctl as tests/install/run.sh stands in for it: no systemd runs here.
# holdfast-fcgi's start, stop, restart and reload run the unit's lines by
# hand; daemon-reload and enable do nothing; anything else goes to the
# real systemctl (which fails: no systemd).
export HOLDFAST_INSTALL_OUT='$OUT'
u=\${2:-}; u=\${u%.service}
case "\$1 \$u" in
"start holdfast-fcgi" | "stop holdfast-fcgi" | "restart holdfast-fcgi" | "reload holdfast-fcgi")
	exec '$SELF' unit "\$1" ;;
"enable --now")
	[ "\${3%.service}" = holdfast-fcgi ] && exec '$SELF' unit start ;;
"daemon-reload "* | "enable holdfast-fcgi")
	exit 0 ;;
esac
# anything else: what systemctl says on a host without systemd
exec /bin/systemctl "\$@"
EOF
	chmod 755 "$RUN/bin/systemctl"
	cat >"$RUN/apt.conf" <<'EOF'
// the README's apt commands, answered yes (apt asks on a terminal)
APT::Get::Assume-Yes "true";
Dpkg::Options { "--force-confdef"; "--force-confold"; };
DPkg::Lock::Timeout "600";
quiet "1";
EOF
}

# ---------------------------------------------------------------- safety

in_container() {
	[ -e /.dockerenv ] || [ -e /run/.containerenv ] ||
		grep -qa 'container=' /proc/1/environ 2>/dev/null
}

# pid_alive FILE: the pid in FILE runs
pid_alive() {
	local p
	p=$(cat "$1" 2>/dev/null | tr -dc 0-9) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# preflight: why this machine cannot take the stage, or nothing
preflight() {
	local st p
	st=$(dpkg-query -W -f='${Status}' holdfast 2>/dev/null || true)
	case $st in *installed* | *config-files*) echo "a holdfast package is on this machine ($st)"; return ;; esac
	st=$(dpkg-query -W -f='${Status}' holdfast-console 2>/dev/null || true)
	case $st in *installed* | *config-files*) echo "a holdfast-console package is on this machine ($st)"; return ;; esac
	[ -e /etc/holdfast ] && { echo "/etc/holdfast exists"; return; }
	[ -e /usr/local/bin/holdfast-fcgi ] && { echo "/usr/local/bin/holdfast-fcgi exists (a source install)"; return; }
	[ -e /run/holdfast ] && { echo "/run/holdfast exists"; return; }
	pid_alive /run/nginx.pid && { echo "the system's nginx runs"; return; }
	pid_alive /var/run/apache2/apache2.pid && { echo "the system's Apache runs"; return; }
	pid_alive /run/mysqld/mysqld.pid && { echo "the system's MariaDB runs"; return; }
	[ -S /run/mysqld/mysqld.sock ] && mariadb-admin ping >/dev/null 2>&1 && { echo "a MariaDB answers on /run/mysqld/mysqld.sock"; return; }
	pid_alive /run/redis/redis-server.pid && { echo "the system's Redis runs"; return; }
	for p in $PORT_NGINX $PORT_APACHE $PORT_DB $PORT_REDIS; do
		port_busy "$p" && { echo "port 127.0.0.1:$p is taken"; return; }
	done
	return 0
}

# ---------------------------------------------------------------- cleanup

MADE_POLICY=0
MADE_USER=0
BACKED_UP=0
NGINX_STARTED=0
APACHE_STARTED=0
DB_PID=
REDIS_STARTED=0

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	log "cleanup: stopping what the stage started, removing what it installed"
	unit_stop >/dev/null 2>&1 || true
	if [ $NGINX_STARTED = 1 ] && pid_alive /run/nginx.pid; then
		kill -QUIT "$(cat /run/nginx.pid)" 2>/dev/null || true
		for _ in $(seq 50); do pid_alive /run/nginx.pid || break; sleep 0.1; done
	fi
	if [ $APACHE_STARTED = 1 ]; then
		apache2ctl stop >/dev/null 2>&1 || true
		for _ in $(seq 50); do pid_alive /var/run/apache2/apache2.pid || break; sleep 0.1; done
	fi
	local mk
	for mk in "$OUT"/src/holdfast-*/Makefile; do
		[ -f "$mk" ] && make -C "$(dirname "$mk")" uninstall >>"$LOG/cleanup.log" 2>&1
	done
	if [ -n "$DB_PID" ]; then
		mariadb -e 'DROP DATABASE IF EXISTS holdfast; DROP USER IF EXISTS holdfast@localhost; DROP USER IF EXISTS holdfast_owner@localhost' >>"$LOG/cleanup.log" 2>&1
	fi
	rm -f /etc/systemd/system/holdfast-fcgi.service /etc/cron.d/holdfast /etc/logrotate.d/holdfast
	for p in holdfast holdfast-console; do
		case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) in
		*installed* | *config-files* | *unpacked*)
			HOLDFAST_PURGE_DATA=yes DEBIAN_FRONTEND=noninteractive \
				dpkg --purge "$p" >>"$LOG/cleanup.log" 2>&1 || true ;;
		esac
	done
	if [ -n "$DB_PID" ]; then
		kill -TERM "$DB_PID" 2>/dev/null || true
		for _ in $(seq 300); do kill -0 "$DB_PID" 2>/dev/null || break; sleep 0.1; done
		rm -f /run/mysqld/mysqld.sock /run/mysqld/mysqld.pid
		rm -rf "$OUT/mysql"
	fi
	if [ $REDIS_STARTED = 1 ] && pid_alive "$RUN/redis.pid"; then
		kill -TERM "$(cat "$RUN/redis.pid")" 2>/dev/null || true
	fi
	if [ $BACKED_UP = 1 ]; then
		rm -rf /etc/nginx /etc/apache2
		cp -a "$OUT/etc-backup/nginx" /etc/nginx
		cp -a "$OUT/etc-backup/apache2" /etc/apache2
	fi
	rm -rf /var/backups/holdfast /var/lib/holdfast /var/log/holdfast /run/holdfast /etc/holdfast
	rm -f /var/log/nginx/holdfast* /var/log/apache2/holdfast*
	if [ $MADE_USER = 1 ]; then
		userdel holdfast >/dev/null 2>&1 || true
		groupdel holdfast >/dev/null 2>&1 || true
	fi
	if [ $MADE_POLICY = 1 ]; then
		rm -f /usr/sbin/policy-rc.d
	fi
	exit "$rc"
}

# ---------------------------------------------------------------- steps

ensure_stage_packages() {
	local missing=() p
	for p in "${STAGE_PKGS[@]}"; do
		[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	log "packages: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The tarball for the previous release, in $OUT/prev: from DEV_PREV_REF,
# the newest tag v* with debian/, the commit of release 0.1.0 (the first
# package, PREV_RELEASE_COMMIT) when the history holds it, or this
# tarball made older. A tarball made older only works while the code
# runs without its newest migration; 0.2.0's does not (008_identity.sql).
PREV_RELEASE_COMMIT=37c8954d1456
make_prev_tarball() {
	local ref=${DEV_PREV_REF:-} tag ver newest dir m
	rm -rf "$OUT/prev" "$OUT/prev-src"
	mkdir -p "$OUT/prev" "$OUT/prev-src"
	if [ -z "$ref" ] && git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
		for tag in $(git -C "$REPO" tag -l 'v*' --sort=-version:refname 2>/dev/null); do
			git -C "$REPO" cat-file -e "$tag:debian/control" 2>/dev/null || continue
			[ "$(git -C "$REPO" rev-parse "$tag^{commit}")" = "$(git -C "$REPO" rev-parse HEAD)" ] && continue
			ref=$tag
			break
		done
	fi
	if [ -z "$ref" ] && git -C "$REPO" cat-file -e \
	    "$PREV_RELEASE_COMMIT:debian/control" 2>/dev/null; then
		ref=$PREV_RELEASE_COMMIT
	fi
	if [ -n "$ref" ]; then
		echo "previous release: $ref (git)"
		# the newest migration the upgrade brings, for its check
		for m in $(cd "$REPO/sql" && ls [0-9][0-9][0-9]_*.sql | sort); do
			git -C "$REPO" cat-file -e "$ref:sql/$m" 2>/dev/null ||
				echo "$m" >"$RUN/withheld-migration"
		done
		ver=$(git -C "$REPO" show "$ref:configure.ac" | sed -n 's/^AC_INIT(\[holdfast\], \[\([^]]*\)\].*/\1/p')
		dir=holdfast-$ver
		git -C "$REPO" archive --prefix="$dir/" "$ref" | tar -x -C "$OUT/prev-src" || return 1
		if [ ! -f "$OUT/prev-src/$dir/www/dist/index.html" ] && [ -d "$REPO/www/dist" ]; then
			# the console is the same package either way; no npm here
			cp -R "$REPO/www/dist" "$OUT/prev-src/$dir/www/dist"
		fi
		mkdir -p "$OUT/prev-src/$dir/m4"
	else
		ver=$NEW_VERSION~prev1
		dir=holdfast-$ver
		tar -xzf "$OUT/$TARBALL" -C "$OUT/prev-src" || return 1
		mv "$OUT/prev-src/holdfast-$NEW_VERSION" "$OUT/prev-src/$dir"
		if [ "${DEV_PREV_DROP_MIGRATION:-0}" = 1 ]; then
			# only where the code runs without it
			echo "previous release: none in the history; this tarball as $ver without its newest migration"
			newest=$(cd "$OUT/prev-src/$dir/sql" && ls [0-9][0-9][0-9]_*.sql | sort | tail -n 1)
			rm -f "$OUT/prev-src/$dir/sql/$newest"
			echo "$newest" >"$RUN/withheld-migration"
		else
			# a shallow clone: the upgrade is this code over itself
			echo "previous release: none in the history (a shallow clone?); this tarball as $ver"
		fi
		sed -i "s/^AC_INIT(\[holdfast\], \[$NEW_VERSION\]/AC_INIT([holdfast], [$ver]/" "$OUT/prev-src/$dir/configure.ac"
		sed -i "1s/^holdfast ($NEW_VERSION)/holdfast ($ver)/" "$OUT/prev-src/$dir/debian/changelog"
		grep -q "\[$ver\]" "$OUT/prev-src/$dir/configure.ac" || { echo "configure.ac: no AC_INIT version to change"; return 1; }
		grep -q "^holdfast ($ver)" "$OUT/prev-src/$dir/debian/changelog" || { echo "debian/changelog: no version to change"; return 1; }
	fi
	echo "$ver" >"$RUN/prev-version"
	tar -czf "$OUT/prev/$dir.tar.gz" -C "$OUT/prev-src" "$dir"
}

# build_deb DIR: README "build" in DIR (which holds one tarball)
build_deb() {
	DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=${2:-1}" run_block build "$1"
}

start_mariadb() {
	local i
	mkdir -p "$OUT/mysql"
	install -d -m 0755 -o mysql -g mysql /run/mysqld
	cat >"$OUT/my.cnf" <<EOF
# MariaDB private to the install stage, on Debian's socket
[mariadbd]
user=root
datadir=$OUT/mysql/data
socket=/run/mysqld/mysqld.sock
pid-file=/run/mysqld/mysqld.pid
port=$PORT_DB
bind-address=127.0.0.1
log-error=$LOG/mariadb-error.log
skip-log-bin
innodb_buffer_pool_size=128M
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
EOF
	mariadb-install-db --defaults-file="$OUT/my.cnf" --skip-test-db \
		--auth-root-authentication-method=socket >"$LOG/mariadb-install-db.log" 2>&1 || return 1
	/usr/sbin/mariadbd --defaults-file="$OUT/my.cnf" >"$LOG/mariadb.out" 2>&1 </dev/null &
	DB_PID=$!
	for ((i = 0; i < 600; i++)); do
		mariadb-admin ping >/dev/null 2>&1 && return 0
		kill -0 "$DB_PID" 2>/dev/null || { tail -n 20 "$LOG/mariadb-error.log"; return 1; }
		sleep 0.1
	done
	return 1
}

start_redis() {
	redis-server --port "$PORT_REDIS" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize yes --pidfile "$RUN/redis.pid" --logfile "$LOG/redis.log" \
		--dir "$RUN" || return 1
	REDIS_STARTED=1
	for _ in $(seq 100); do
		[ "$(redis-cli -p "$PORT_REDIS" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.05
	done
	return 1
}

# The installed site files and Debian's default sites on the stage's ports
move_ports() {
	sed -i "s/^\([[:space:]]*\)listen 80;/\1listen 127.0.0.1:$PORT_NGINX;/" /etc/nginx/sites-available/holdfast &&
	sed -i "s|^<VirtualHost \*:80>|<VirtualHost *:$PORT_APACHE>|" /etc/apache2/sites-available/holdfast.conf &&
	grep -q "listen 127.0.0.1:$PORT_NGINX;" /etc/nginx/sites-available/holdfast &&
	grep -q "<VirtualHost \*:$PORT_APACHE>" /etc/apache2/sites-available/holdfast.conf
}

move_default_ports() {
	sed -i -e "s/^\([[:space:]]*\)listen 80 default_server;/\1listen 127.0.0.1:$PORT_NGINX default_server;/" \
		-e '/listen \[::\]:80 default_server;/d' /etc/nginx/sites-available/default &&
	sed -i "s/^Listen 80\$/Listen 127.0.0.1:$PORT_APACHE/" /etc/apache2/ports.conf &&
	sed -i "s|^<VirtualHost \*:80>|<VirtualHost *:$PORT_APACHE>|" /etc/apache2/sites-available/000-default.conf &&
	grep -q "listen 127.0.0.1:$PORT_NGINX default_server;" /etc/nginx/sites-available/default &&
	grep -q "^Listen 127.0.0.1:$PORT_APACHE" /etc/apache2/ports.conf
}

start_nginx() {
	nginx -t && nginx || return 1
	NGINX_STARTED=1
	for _ in $(seq 50); do port_busy "$PORT_NGINX" && return 0; sleep 0.1; done
	return 1
}

start_apache() {
	apache2ctl configtest && apache2ctl start || return 1
	APACHE_STARTED=1
	for _ in $(seq 50); do port_busy "$PORT_APACHE" && return 0; sleep 0.1; done
	return 1
}

# default_site_answers PORT: another host name gets Debian's default page
default_site_answers() {
	local body
	body=$(curl -s -m 10 -H 'Host: some-other-name.example' "http://127.0.0.1:$1/") || return 1
	# a here-string, not a pipe: grep -q leaves early, and with pipefail
	# the writer's SIGPIPE would count as a failure
	grep -qi 'nginx\|apache\|debian' <<<"$body" || { echo "got: ${body:0:200}"; return 1; }
}

first_admin() {
	ADMIN_PW=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	printf '%s\n' "$ADMIN_PW" >"$RUN/admin-password"
	run_block admin "$RUN" "$RUN/admin-password"
}

schema_has() {
	local have
	have=$(mariadb -N holdfast -e "SELECT version FROM schema_migrations") || return 1
	echo "$have"
	grep -qxF "$1" <<<"$have"
}

programs_answer() {
	local p f out ver=$1 man=${2:-/usr/share/man}
	hash -r
	for p in holdfast-fcgi holdfast-admin holdfast-expire holdfast-notify holdfast-setup-db; do
		out=$($p --version) || { echo "$p --version failed"; return 1; }
		echo "$out"
		case $out in *"$ver"*) ;; *) echo "$p --version does not name $ver"; return 1 ;; esac
		out=$($p --help) || { echo "$p --help failed"; return 1; }
		[ -n "$out" ] || { echo "$p --help printed nothing on stdout"; return 1; }
	done
	# an unknown argument is refused, not a worker started
	holdfast-fcgi --bogus </dev/null >/dev/null 2>&1
	[ $? = 2 ] || { echo "holdfast-fcgi --bogus did not exit 2"; return 1; }
	for p in man8/holdfast-fcgi.8 man8/holdfast-admin.8 man8/holdfast-expire.8 \
		man8/holdfast-notify.8 man8/holdfast-setup-db.8 man5/holdfast.conf.5; do
		f=$man/$p
		[ -f "$f" ] || f=$f.gz
		[ -f "$f" ] || { echo "no $man/$p(.gz)"; return 1; }
		if command -v man >/dev/null; then
			MANWIDTH=80 man -l "$f" 2>&1 >/dev/null | grep . && return 1
		fi
	done
	echo "every program answers --version and --help; man pages render"
}

modes_are_right() {
	local f want
	for f in "/etc/holdfast/holdfast.conf 640 root holdfast" \
		"/etc/holdfast/secrets.conf 640 root holdfast" \
		"/etc/holdfast/owner.conf 600 root root" \
		"/var/lib/holdfast/uploads 755 holdfast holdfast" \
		"/var/log/holdfast 2750 holdfast adm"; do
		set -- $f
		want="$2 $3 $4"
		[ "$(stat -c '%a %U %G' "$1")" = "$want" ] || { echo "$1: $(stat -c '%a %U %G' "$1"), want $want"; return 1; }
	done
	# the web server's user reads no secret, the workers' user does
	runuser -u www-data -- cat /etc/holdfast/secrets.conf >/dev/null 2>&1 && { echo "www-data reads secrets.conf"; return 1; }
	runuser -u www-data -- cat /etc/holdfast/holdfast.conf >/dev/null 2>&1 && { echo "www-data reads holdfast.conf"; return 1; }
	runuser -u holdfast -- cat /etc/holdfast/secrets.conf >/dev/null || { echo "holdfast cannot read secrets.conf"; return 1; }
	grep -Eq '^jwt_secret = [0-9a-f]{96}$' /etc/holdfast/secrets.conf || { echo "no generated jwt_secret"; return 1; }
	grep -Eq '^payment_secret = [0-9a-f]{64}$' /etc/holdfast/secrets.conf || { echo "no generated payment_secret"; return 1; }
	echo "modes and owners as documented; www-data reads neither file"
}

workers_run_as_holdfast() {
	local pid w n=0
	pid=$(unit_mainpid) || { echo "pool not running"; return 1; }
	for w in $(descendants "$pid"); do
		[ "$(stat -c %U "/proc/$w")" = holdfast ] || { echo "worker $w runs as $(stat -c %U "/proc/$w")"; return 1; }
		n=$((n + 1))
	done
	[ "$(stat -c %U "/proc/$pid")" = holdfast ] || { echo "multiwatch runs as $(stat -c %U "/proc/$pid")"; return 1; }
	[ "$(stat -c '%a %G' /run/holdfast)" = "750 www-data" ] || { echo "/run/holdfast: $(stat -c '%a %U %G' /run/holdfast)"; return 1; }
	echo "multiwatch and $n workers run as holdfast; /run/holdfast 0750 group www-data"
	[ "$n" -ge 1 ]
}

# cron_lines: run every job of /etc/cron.d/holdfast as cron would: as its
# user, with the file's variables, through /bin/sh; MAILTO would get any
# output, so there must be none
cron_lines() {
	local f=/etc/cron.d/holdfast line user cmd env=() out rc n=0
	grep -q '^MAILTO=' "$f" || { echo "no MAILTO in $f"; return 1; }
	while IFS= read -r line; do
		case $line in
		'' | '#'*) continue ;;
		*=*) case ${line%%=*} in *' '*) ;; *) env+=("$line"); continue ;; esac ;;
		esac
		read -r _ _ _ _ _ user cmd <<<"$line"
		out=$(cd / && setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
			env -i HOME=/ LOGNAME="$user" "${env[@]}" /bin/sh -c "$cmd" 2>&1)
		rc=$?
		echo "$user: $cmd -> exit $rc, ${#out} bytes of output"
		[ $rc = 0 ] || { echo "$out"; return 1; }
		[ -z "$out" ] || { echo "cron would mail: $out"; return 1; }
		n=$((n + 1))
	done <"$f"
	[ $n -ge 2 ] || { echo "expected two jobs, found $n"; return 1; }
}

log_rotates() {
	local lf=/var/log/holdfast/holdfast.log before i
	[ -s "$lf" ] || { echo "$lf is empty"; return 1; }
	before=$(stat -c %i "$lf")
	logrotate -f -s "$RUN/logrotate.state" /etc/logrotate.d/holdfast || return 1
	[ -f "$lf.1" ] || { echo "no $lf.1"; return 1; }
	[ "$(stat -c '%a %U %G' "$lf")" = "640 holdfast adm" ] || { echo "new $lf: $(stat -c '%a %U %G' "$lf")"; return 1; }
	[ "$(stat -c %i "$lf")" != "$before" ] || { echo "same inode"; return 1; }
	# the workers notice the move: their next access lines land in the new file
	for ((i = 0; i < 30; i++)); do
		curl -s -o /dev/null -H "Host: $SITE_HOST" "http://127.0.0.1:$PORT_NGINX/api/v1/health"
		grep -q 'access .* /api/v1/health 200' "$lf" && break
		sleep 0.5
	done
	grep -q 'access .* /api/v1/health 200' "$lf" || { echo "no access line in the new $lf"; return 1; }
	echo "rotated; the workers write to the new $lf"
}

reload_keeps_pool() {
	local pid before after
	pid=$(unit_mainpid) || return 1
	before=$(descendants "$pid" | sort | tr '\n' ' ')
	mv /var/log/holdfast/holdfast.log /var/log/holdfast/holdfast.log.moved
	install -m 0640 -o holdfast -g adm /dev/null /var/log/holdfast/holdfast.log
	systemctl reload holdfast-fcgi || return 1
	sleep 1
	after=$(descendants "$pid" | sort | tr '\n' ' ')
	[ "$before" = "$after" ] || { echo "workers changed: $before -> $after"; return 1; }
	curl -s -o /dev/null -H "Host: $SITE_HOST" "http://127.0.0.1:$PORT_NGINX/api/v1/health"
	sleep 0.3
	grep -q 'access .* /api/v1/health 200' /var/log/holdfast/holdfast.log || { echo "no line in the reopened log"; return 1; }
	rm -f /var/log/holdfast/holdfast.log.moved
	echo "reload (USR2 via multiwatch): same workers, log reopened"
}

unit_verifies() {
	local u=$UNIT_SYSTEM
	grep -qx 'Restart=always' "$u" || { echo "no Restart=always"; return 1; }
	command -v systemd-analyze >/dev/null || { echo "no systemd-analyze (package systemd)"; return 1; }
	SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$u" || return 1
	systemd-analyze security --offline=yes --no-pager "$u" | tail -n 3
}

# multiwatch exits 0 when every slot has given up: why the unit says
# Restart=always (on-failure would leave the pool down)
multiwatch_gives_up_with_0() {
	local rc
	timeout 60 multiwatch -f 2 -r 2 -t 10000 -- /bin/false >/dev/null 2>&1
	rc=$?
	echo "multiwatch over a program that always fails exited $rc"
	[ $rc = 0 ]
}

expire_by_cron() {
	local rid st i
	rid=$(smoke_out expiring) || return 1
	[ -n "$rid" ] || return 1
	sleep 2
	cron_lines || return 1
	for ((i = 0; i < 10; i++)); do
		st=$(smoke_out reservation "$rid")
		[ "$st" = expired ] && break
		sleep 1
	done
	echo "reservation $rid: $st after the cron lines ran"
	[ "$st" = expired ] || return 1
	grep -q 'holdfast-expire: released [1-9]' /var/log/holdfast/holdfast.log || { echo "no summary in the log"; return 1; }
}

# smoke_out CMD ARGS: smoke.py's last line (for ids and states)
smoke_out() {
	HOLDFAST_ADMIN_EMAIL=$ADMIN_EMAIL HOLDFAST_ADMIN_PASSWORD=$ADMIN_PW \
	HOLDFAST_TOKEN_FILE=$RUN/token.json \
		python3 "$HERE/smoke.py" "$1" "http://127.0.0.1:$PORT_NGINX" "$SITE_HOST" \
		$( [ "$1" = expiring ] && echo "$RUN/state.json" ) "${@:2}" | tail -n 1
}

source_uninstall() {
	local mk left
	mk=$(ls "$OUT"/src/holdfast-*/Makefile | head -n 1)
	make -C "$(dirname "$mk")" uninstall || return 1
	left=$(find /usr/local -name '*holdfast*' 2>/dev/null)
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}

wipe_database() {
	mariadb -e 'DROP DATABASE holdfast' && rm -rf /var/lib/holdfast/uploads/covers &&
	! mariadb -e 'USE holdfast' 2>/dev/null
}

pool_serves() {
	for _ in $(seq 60); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $SITE_HOST" "http://127.0.0.1:$PORT_NGINX/api/v1/health")" = 200 ] && return 0
		sleep 0.5
	done
	return 1
}

# ---------------------------------------------------------------- main

main() {
	local why t0 d
	t0=$(date +%s)
	if [ "$(id -u)" != 0 ]; then
		echo "install: skipped: not root"
		exit 0
	fi
	case ${DEV_TEST_INSTALL:-auto} in
	0 | no) echo "install: skipped: DEV_TEST_INSTALL=0"; exit 0 ;;
	1 | yes) ;;
	*)
		if ! in_container; then
			echo "install: skipped: not in a container, and this stage installs into / (DEV_TEST_INSTALL=1 runs it anyway)"
			exit 0
		fi
		;;
	esac
	mkdir -p "$OUT" "$(dirname "$LOCK")"
	exec 9>"$LOCK"
	if ! flock -w 1200 9; then
		echo "install: 0 passed, 1 failed (another install stage held $LOCK for 20 minutes)"
		return 1
	fi
	if why=$(preflight) && [ -n "$why" ]; then
		fail "this machine can take the install stage" "$why"
		echo "install: $PASSED passed, $FAILED failed"
		return 1
	fi
	rm -rf "$OUT"
	mkdir -p "$OUT" "$LOG" "$RUN"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	write_shims
	export PATH="$RUN/bin:$PATH"
	getent passwd holdfast >/dev/null || MADE_USER=1
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\n# tests/install/run.sh: no service starts by apt\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		MADE_POLICY=1
	fi
	mkdir -p "$OUT/etc-backup"
	cp -a /etc/nginx /etc/apache2 "$OUT/etc-backup/" && BACKED_UP=1
	log "install stage in $OUT (nginx :$PORT_NGINX, Apache :$PORT_APACHE, MariaDB :$PORT_DB, Redis :$PORT_REDIS)"

	check "stage packages (${STAGE_PKGS[*]})" ensure_stage_packages || return 1

	# 1-2. the tarball, distcheck, the two .debs
	log "make dist"
	check "make dist" make -C "$REPO/build" dist || return 1
	TARBALL=$(cd "$REPO/build" && ls -t holdfast-*.tar.gz | head -n 1)
	NEW_VERSION=${TARBALL#holdfast-}
	NEW_VERSION=${NEW_VERSION%.tar.gz}
	cp "$REPO/build/$TARBALL" "$OUT/"
	mkdir -p "$OUT/new"
	cp "$OUT/$TARBALL" "$OUT/new/"
	check "previous release's tarball" make_prev_tarball || return 1
	PREV_VERSION=$(cat "$RUN/prev-version")
	log "building holdfast $NEW_VERSION and $PREV_VERSION (.deb) and make distcheck, side by side"
	CHECK_LOG=$LOG/build-new.log build_deb "$OUT/new" >"$LOG/build-new.out" 2>&1 &
	local pn=$!
	CHECK_LOG=$LOG/build-prev.log build_deb "$OUT/prev" >"$LOG/build-prev.out" 2>&1 &
	local pp=$!
	(cd "$REPO/build" && make distcheck) >"$LOG/distcheck.log" 2>&1 &
	local pd=$!
	wait $pn
	count_smoke "$LOG/build-new.out"
	wait $pp
	count_smoke "$LOG/build-prev.out"
	if wait $pd; then pass "make distcheck"; else fail "make distcheck" "" "$LOG/distcheck.log"; fi
	ls "$OUT"/new/holdfast_*.deb "$OUT"/prev/holdfast_*.deb >/dev/null 2>&1 || return 1
	log "built in $(( $(date +%s) - t0 ))s: $(cd "$OUT" && ls new/*.deb prev/*.deb | tr '\n' ' ')"

	# 3. MariaDB and Redis
	check "MariaDB on /run/mysqld/mysqld.sock" start_mariadb || return 1
	check "Redis on 127.0.0.1:$PORT_REDIS" start_redis || return 1

	# 4. the previous release, installed and set up as the README says
	run_block install "$OUT/prev" || return 1
	check "installed site files moved to the stage's ports" move_ports || return 1
	check "Debian's default sites moved to the stage's ports" move_default_ports || return 1
	# Redis is not Debian's on 6379 here: set as an admin would
	check "redis_port in /etc/holdfast/holdfast.conf" \
		sed -i "s/^#redis_port = 6379\$/redis_port = $PORT_REDIS/" /etc/holdfast/holdfast.conf
	grep -q "^redis_port = $PORT_REDIS" /etc/holdfast/holdfast.conf || fail "redis_port set" "no '#redis_port = 6379' line"
	# the package starts the pool at once (under systemd), before the
	# database exists: the workers must come up and wait for it
	check "holdfast-fcgi.service started as the package starts it (ExecStart by hand: no systemd)" \
		systemctl start holdfast-fcgi || return 1
	run_block setup-db "$RUN" || return 1
	check "nginx (Debian's, default site on :$PORT_NGINX)" start_nginx || return 1
	run_block nginx "$RUN" || return 1
	check "nginx: another host name still gets the default site" default_site_answers "$PORT_NGINX"
	check "the pool answers through nginx" pool_serves || return 1
	first_admin || return 1
	smoke nginx version "$PREV_VERSION"
	smoke nginx seed "$RUN/state.json"
	[ -f "$RUN/state.json" ] || return 1

	# 5. the upgrade
	run_block upgrade "$OUT/new" || return 1
	if [ -f "$RUN/withheld-migration" ]; then
		check "upgrade applied $(cat "$RUN/withheld-migration")" schema_has "$(cat "$RUN/withheld-migration")"
	fi
	check "postinst migrates before debhelper restarts the pool" \
		awk '/holdfast-setup-db --upgrade/ { m = NR } /deb-systemd-invoke.*restart|_dh_action=restart|systemctl.*restart/ && !r { r = NR } END { exit !(m && r && m < r) }' \
		/var/lib/dpkg/info/holdfast.postinst
	check "holdfast-fcgi.service restarted (what the postinst does under systemd)" systemctl restart holdfast-fcgi
	check "the pool answers after the upgrade" pool_serves
	check "holdfast-admin check-sql: every statement fits the upgraded schema" \
		holdfast-admin -c /etc/holdfast/owner.conf check-sql
	smoke nginx version "$NEW_VERSION"
	smoke nginx verify "$RUN/state.json"

	# 6. Apache, and the smoke set through both
	check "Apache (Debian's, 000-default on :$PORT_APACHE)" start_apache || return 1
	run_block apache "$RUN"
	check "Apache: another host name still gets 000-default" default_site_answers "$PORT_APACHE"
	smoke nginx smoke
	smoke apache smoke
	smoke apache version "$NEW_VERSION"

	# 7. as installed: files, users, cron, logs, programs, the unit
	check "modes and owners of /etc/holdfast, /var/lib/holdfast, /var/log/holdfast" modes_are_right
	check "the pool runs as holdfast; the web server's group reaches the socket" workers_run_as_holdfast
	check "cron lines of /etc/cron.d/holdfast: quiet, and an expired reservation released" expire_by_cron
	check "logrotate -f /etc/logrotate.d/holdfast: the workers reopen the log" log_rotates
	check "systemctl reload holdfast-fcgi: log reopened, pool kept" reload_keeps_pool
	check "--version, --help and man pages of every program" programs_answer "$NEW_VERSION"
	check "unit: Restart=always, systemd-analyze verify and security" unit_verifies
	check "multiwatch exits 0 once every slot gave up (so Restart=always)" multiwatch_gives_up_with_0

	# 8. backups: one under write load, wiped, restored: consistent
	rm -f "$RUN/stop-load"
	HOLDFAST_ADMIN_EMAIL=$ADMIN_EMAIL HOLDFAST_ADMIN_PASSWORD=$ADMIN_PW HOLDFAST_TOKEN_FILE=$RUN/token.json \
		python3 "$HERE/smoke.py" load "http://127.0.0.1:$PORT_NGINX" "$SITE_HOST" "$RUN/state.json" "$RUN/stop-load" \
		>"$LOG/load.log" 2>&1 &
	local pl=$!
	sleep 3
	d=
	run_block backup "$RUN"
	sleep 2
	touch "$RUN/stop-load"
	wait $pl
	count_smoke "$LOG/load.log"
	d=$(ls -d /var/backups/holdfast/*/ 2>/dev/null | head -n 1)
	d=${d%/}
	check "the backup under load is whole (MANIFEST, dump, covers, /etc/holdfast)" \
		test -f "$d/MANIFEST" -a -f "$d/holdfast.sql" -a -f "$d/uploads.tar" -a -f "$d/etc-holdfast/secrets.conf"
	check "database and covers wiped" wipe_database
	run_block restore "$RUN"
	check "the pool answers after the restore" pool_serves
	smoke nginx reconcile "$RUN/state.json"
	# a quiet backup: the same answers after a restore
	smoke nginx record "$RUN/state.json"
	rm -rf /var/backups/holdfast
	d=
	run_block backup "$RUN"
	d=$(ls -d /var/backups/holdfast/*/ 2>/dev/null | head -n 1)
	d=${d%/}
	check "database and covers wiped again" wipe_database
	run_block restore "$RUN"
	check "the pool answers after the second restore" pool_serves
	smoke nginx verify "$RUN/state.json"
	smoke apache verify "$RUN/state.json"

	# 9. purge: the data stays; purge-data: it goes
	check "holdfast-fcgi.service stopped" systemctl stop holdfast-fcgi
	run_block purge "$RUN"
	check "purge: secrets and logs gone, database and covers kept" \
		bash -c '! test -e /etc/holdfast && ! test -e /var/log/holdfast && test -d /var/lib/holdfast/uploads/covers && mariadb -e "USE holdfast" && getent passwd holdfast >/dev/null'
	run_block install "$OUT/new" || return 1
	run_block setup-db "$RUN" || return 1
	run_block purge-data "$RUN"
	check "purge with HOLDFAST_PURGE_DATA=yes: database, users and covers gone" \
		bash -c '! test -e /var/lib/holdfast && ! mariadb -e "USE holdfast" 2>/dev/null && [ -z "$(mariadb -N -e "SELECT user FROM mysql.user WHERE user LIKE \"holdfast%\"")" ]'

	# 10. from source, as the README's second path says
	mkdir -p "$OUT/src"
	cp "$OUT/$TARBALL" "$OUT/src/"
	run_block source "$OUT/src" || return 1
	check "installed site files moved to the stage's ports" move_ports || return 1
	check "redis_port in /etc/holdfast/holdfast.conf" \
		sed -i "s/^#redis_port = 6379\$/redis_port = $PORT_REDIS/" /etc/holdfast/holdfast.conf
	check "holdfast-fcgi.service restarted with it" systemctl restart holdfast-fcgi
	run_block nginx "$RUN"
	run_block apache "$RUN"
	check "the pool answers through nginx" pool_serves || return 1
	rm -f "$RUN/token.json"
	first_admin
	smoke nginx version "$NEW_VERSION"
	smoke nginx smoke
	smoke apache smoke
	check "from source: modes and owners" modes_are_right
	check "from source: the pool runs as holdfast" workers_run_as_holdfast
	check "from source: cron lines quiet" cron_lines
	check "from source: --version, --help and man pages" programs_answer "$NEW_VERSION" /usr/local/share/man
	check "from source: holdfast-fcgi.service stopped" systemctl stop holdfast-fcgi
	check "make uninstall leaves nothing of Holdfast in /usr/local" source_uninstall
	log "install stage: $(( $(date +%s) - t0 ))s"
}

main
rc=$?
echo "install: $PASSED passed, $FAILED failed"
if [ $rc != 0 ] && [ $FAILED = 0 ]; then
	exit 1
fi
[ $FAILED = 0 ]
