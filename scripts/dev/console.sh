# shellcheck shell=bash
# scripts/dev/console.sh: the console, www/ -> www/dist.
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

# The console's sources are in www/ (Vue + Element Plus from the npm
# registry, versions locked in www/package-lock.json); `up` builds them to
# plain files in www/dist/, the web servers' document root.

# build_console: www/dist/ from www/ when the sources, the lock file or the
# build config changed since the last build (dist/.build-stamp). Builds
# into a new folder and swaps it in, under a lock (./dev up and ./dev test
# share www/). A failed build is reported, not fatal: the API still runs.
build_console() {
	local www=$REPO/www sum t0 rc=0
	[ -f "$www/package.json" ] || return 0
	sum=$(cd "$www" && find src package.json package-lock.json vite.config.js -type f -print0 |
		sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
	[ "$(cat "$www/dist/.build-stamp" 2>/dev/null)" = "$sum" ] && return 0
	t0=$(now)
	mkdir -p "$LOGDIR"
	(
		flock 9
		[ "$(cat "$www/dist/.build-stamp" 2>/dev/null)" = "$sum" ] && exit 0
		npm_ci "$www" || exit 1
		rm -rf "$www/dist.tmp"
		(cd "$www" && node_modules/.bin/vite build --outDir "$www/dist.tmp" --emptyOutDir) \
			>"$LOGDIR/console-build.log" 2>&1 || exit 2
		echo "$sum" >"$www/dist.tmp/.build-stamp"
		rm -rf "$www/dist"
		mv "$www/dist.tmp" "$www/dist"
	) 9>"$www/.build.lock" || rc=$?
	case $rc in
	0) log "console: www/dist up to date ($(since "$t0"))" ;;
	1) log "console: npm ci failed, see $LOGDIR/npm.log (the console is not served)"; tail -n 20 "$LOGDIR/npm.log" >&2 ;;
	*) log "console: build failed, see $LOGDIR/console-build.log"; tail -n 20 "$LOGDIR/console-build.log" >&2 ;;
	esac
	return 0
}
