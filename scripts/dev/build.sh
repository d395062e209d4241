# shellcheck shell=bash
# scripts/dev/build.sh: autoreconf, configure and make in build/.
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

build() {
	local t0 blog
	t0=$(now)
	[ -f "$REPO/configure.ac" ] || die "build: no configure.ac in $REPO yet"
	mkdir -p "$LOGDIR"
	blog=$LOGDIR/build.log
	: >"$blog"
	if [ ! -x "$REPO/configure" ] || [ "$REPO/configure.ac" -nt "$REPO/configure" ] ||
	   { [ -f "$REPO/Makefile.am" ] && [ "$REPO/Makefile.am" -nt "$REPO/configure" ]; }; then
		log "build: autoreconf -fi"
		# aclocal fails on a missing AC_CONFIG_MACRO_DIR (git keeps no
		# empty m4/)
		if grep -q 'AC_CONFIG_MACRO_DIR(\[m4\])' "$REPO/configure.ac"; then
			mkdir -p "$REPO/m4"
		fi
		(cd "$REPO" && autoreconf -fi) >>"$blog" 2>&1 || build_failed "autoreconf" "$blog"
	fi
	mkdir -p "$BUILD"
	local flags_changed=0
	if [ -f "$BUILD/Makefile" ] && [ -f "$BUILD/config.status" ]; then
		if [ -z "$DEV_FLAGS_GIVEN" ]; then
			DEV_CONFIGURE_FLAGS=$(configured_flags)
		elif [ "$(configured_flags)" != "$(wanted_flags)" ]; then
			flags_changed=1
		fi
	fi
	if [ ! -f "$BUILD/Makefile" ] || [ ! -f "$BUILD/config.status" ] ||
	   [ "$REPO/configure" -nt "$BUILD/config.status" ] || [ $flags_changed = 1 ]; then
		# Changed flags (e.g. --enable-debug for ./dev test): compile
		# everything again, or old objects escape -Werror.
		if [ $flags_changed = 1 ]; then
			make -C "$BUILD" clean >>"$blog" 2>&1 || true
		fi
		log "build: configure ${DEV_CONFIGURE_FLAGS:-(no extra flags)}"
		# shellcheck disable=SC2086  # extra flags are word-split on purpose
		(cd "$BUILD" && ../configure $DEV_CONFIGURE_FLAGS) >>"$blog" 2>&1 ||
			build_failed "configure" "$blog" "$BUILD/config.log"
	fi
	if [ "${DEV_VERBOSE:-0}" = 1 ]; then
		make -C "$BUILD" -j2 2>&1 | tee -a "$blog" >&2 || build_failed "make" "$blog"
	else
		make -C "$BUILD" -j2 >>"$blog" 2>&1 || build_failed "make" "$blog"
	fi
	[ -x "$WORKER_BIN" ] || die "build: $WORKER_BIN was not built"
	[ -x "$ADMIN_BIN" ] || die "build: $ADMIN_BIN was not built"
	if grep -q 'warning:' "$blog"; then
		log "build: $(grep -c 'warning:' "$blog") compiler warning(s), see $blog:"
		grep 'warning:' "$blog" | head -n 20 >&2
	fi
	log "build: ok in $(since "$t0")"
}

# the flags build/ was configured with, and the ones wanted, both as one
# space-separated line
configured_flags() {
	local -a args=()
	[ -x "$BUILD/config.status" ] || return 0
	eval "args=($("$BUILD/config.status" --config))"
	echo "${args[*]}"
}

wanted_flags() {
	local -a args=()
	read -r -a args <<<"$DEV_CONFIGURE_FLAGS"
	echo "${args[*]}"
}

build_failed() {
	local what=$1 f
	shift
	log "build: $what failed; the end of the log:"
	if grep -q 'error' "$1"; then
		grep -E 'error|Error' "$1" | head -n 30 >&2
		echo "..." >&2
	fi
	for f in "$@"; do
		echo "--- tail $f" >&2
		tail -n 30 "$f" >&2
	done
	die "build: $what failed"
}
