# shellcheck shell=bash
# scripts/dev/fuzz.sh: the fuzzers (./dev fuzz, and the stage of ./dev test).
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

# The libFuzzer harnesses of tests/fuzz (README.md "Fuzzing"): clang
# builds them in build-fuzz/, out of tree like build/, configured with
# --enable-fuzzing once and again only when configure changed.

# fuzz_build LOG: autoreconf and configure when needed, make fuzzers
fuzz_build() {
	if [ ! -x "$REPO/configure" ] || [ "$REPO/configure.ac" -nt "$REPO/configure" ] ||
	   [ "$REPO/Makefile.am" -nt "$REPO/configure" ]; then
		mkdir -p "$REPO/m4"
		(cd "$REPO" && autoreconf -fi) >>"$1" 2>&1 || return 1
	fi
	mkdir -p "$FUZZ_BUILD"
	# -O1 -g as OSS-Fuzz builds: quicker to compile, stacks that read
	local flags="--enable-fuzzing CC=clang CFLAGS=-g -O1"
	local -a have=()
	if [ -x "$FUZZ_BUILD/config.status" ]; then
		eval "have=($("$FUZZ_BUILD/config.status" --config))"
	fi
	if [ ! -f "$FUZZ_BUILD/Makefile" ] || [ ! -x "$FUZZ_BUILD/config.status" ] ||
	   [ "$REPO/configure" -nt "$FUZZ_BUILD/config.status" ] ||
	   [ "${have[*]}" != "$flags" ]; then
		if [ -f "$FUZZ_BUILD/Makefile" ]; then
			make -C "$FUZZ_BUILD" clean >>"$1" 2>&1 || true
		fi
		(cd "$FUZZ_BUILD" && ../configure --enable-fuzzing CC=clang \
			CFLAGS="-g -O1") >>"$1" 2>&1 || return 1
	fi
	make -C "$FUZZ_BUILD" -j2 fuzzers >>"$1" 2>&1
}

# fuzz_start and fuzz_collect: ./dev test's stage: each fuzzer
# DEV_FUZZ_SECONDS from its seeds and what earlier runs found; one test
# per fuzzer, a crash fails it and its input is kept in
# DEV_VAR/log/fuzz/. fuzz_start builds and runs them in the background,
# under nice, beside the API stage (which waits on its requests far more
# than it computes: about 3 minutes saved on two cores); fuzz_collect
# waits for them and counts.
fuzz_start() {
	FUZZ_OUT=$DEV_VAR/log/fuzz
	mkdir -p "$FUZZ_OUT"
	rm -f "$FUZZ_OUT/run.log" "$FUZZ_OUT/build.failed"
	FUZZ_T0=$(now)
	log "test: fuzzers (build-fuzz/, ${DEV_FUZZ_SECONDS:-8}s each), beside the API tests"
	(
		renice -n 10 -p "$BASHPID" >/dev/null 2>&1 || true
		if ! fuzz_build "$FUZZ_OUT/build.log"; then
			touch "$FUZZ_OUT/build.failed"
			exit 0
		fi
		"$REPO/tests/fuzz/run.sh" -t "${DEV_FUZZ_SECONDS:-8}" \
			-o "$FUZZ_OUT" "$FUZZ_BUILD" >"$FUZZ_OUT/run.log" 2>&1 || true
	) </dev/null &
	FUZZ_PID=$!
}

fuzz_collect() {
	local line
	[ -n "${FUZZ_PID:-}" ] || return 0
	wait "$FUZZ_PID" || true
	FUZZ_PID=
	if [ -f "$FUZZ_OUT/build.failed" ]; then
		stage_failed "fuzzers: build-fuzz/ did not build" "$FUZZ_OUT/build.log"
		return 0
	fi
	cat "$FUZZ_OUT/run.log" >&2 2>/dev/null || true
	line=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$FUZZ_OUT/run.log" 2>/dev/null)
	if [ -z "$line" ]; then
		stage_failed "fuzzers: tests/fuzz/run.sh printed no total" "$FUZZ_OUT/run.log"
		return 0
	fi
	TEST_PASSED=$((TEST_PASSED + ${line% *}))
	TEST_FAILED=$((TEST_FAILED + ${line#* }))
	log "test: fuzz: ${line% *} passed, ${line#* } failed ($(since "$FUZZ_T0") since they started)"
}

# ./dev fuzz [SECONDS] [NAME...]: the longer run
cmd_fuzz() {
	local secs=600 out
	case ${1:-} in '' | *[!0-9]*) ;; *) secs=$1; shift ;; esac
	set_env
	ensure_packages
	out=$DEV_VAR/fuzz
	mkdir -p "$out"
	: >"$out/build.log"
	log "fuzz: building build-fuzz/"
	fuzz_build "$out/build.log" || { tail -n 30 "$out/build.log" >&2; die "fuzz: build failed, see $out/build.log"; }
	log "fuzz: ${secs}s each; logs and crash inputs in $out"
	"$REPO/tests/fuzz/run.sh" -t "$secs" -o "$out" "$FUZZ_BUILD" "$@"
}
