# shellcheck shell=bash
# scripts/dev/packages.sh: the Debian packages (PKGS, the only list),
# node and npm, and `npm ci` for www/ and tests/browser.
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

# Every Debian package the project needs: toolchain, libraries, servers,
# test tools. The only list; `up` installs whatever of it is missing.
PKGS=(build-essential autoconf automake libtool pkg-config
      libfcgi-dev spawn-fcgi multiwatch libjson-c-dev
      libmariadb-dev mariadb-server mariadb-client
      libhiredis-dev redis-server libcurl4-openssl-dev libssl-dev libcrypt-dev
      nginx apache2 wrk check valgrind curl python3
      clang libclang-rt-dev iproute2)

ensure_packages() {
	local missing=() p st t0 made_policy=0 rc=0
	declare -A have=()
	while read -r p st; do
		[ "$st" = "install ok installed" ] && have[${p%%:*}]=1
	done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null || true)
	for p in "${PKGS[@]}"; do
		[ -n "${have[$p]:-}" ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "packages missing (${missing[*]}) and not root"
	t0=$(now)
	log "packages: installing ${missing[*]}"
	# No systemd here: without a policy-rc.d that denies, the postinst
	# scripts would start MariaDB on 3306, Redis on 6379 and nginx and
	# Apache both on 80. Deny service starts for the install.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\n# ./dev: no service starts during apt-get install\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	{
		DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
			"${missing[@]}" >/dev/null
	} || rc=$?
	if [ $made_policy = 1 ]; then
		rm -f /usr/sbin/policy-rc.d
		trap - EXIT
	fi
	[ $rc = 0 ] || die "apt-get failed ($rc)"
	log "packages: done in $(since "$t0")"
}

# ensure_node [chromium]: node and npm (Debian's nodejs and npm) when
# missing; with "chromium" also Debian's Chromium, for the browser tests.
ensure_node() {
	local want=()
	command -v node >/dev/null && command -v npm >/dev/null || want+=(nodejs npm)
	if [ "${1:-}" = chromium ] && [ ! -x /usr/bin/chromium ]; then
		want+=(chromium fonts-dejavu-core)
	fi
	[ ${#want[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing ${want[*]} and not root"
	log "packages: installing ${want[*]}"
	{
		DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${want[@]}" >/dev/null
	} || die "apt-get install ${want[*]} failed"
}

# npm_ci DIR: `npm ci` in DIR unless its node_modules already matches
# package.json and package-lock.json
npm_ci() {
	local dir=$1 sum stamp=$1/node_modules/.holdfast-lock
	[ -f "$dir/package-lock.json" ] || { log "no $dir/package-lock.json"; return 1; }
	sum=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
	log "npm ci in ${dir#"$REPO"/}"
	mkdir -p "$LOGDIR"
	# npm 11's ci refuses a lock without the optional packages a registry
	# lacks (some of rollup's other-platform binaries here): then install
	# from the same lock without touching it
	(cd "$dir" && { npm ci --no-audit --no-fund --loglevel=error ||
		npm install --no-save --no-audit --no-fund --loglevel=error; }) \
		>>"$LOGDIR/npm.log" 2>&1 || return 1
	echo "$sum" >"$stamp"
}
