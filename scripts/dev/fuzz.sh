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

# fuzz_tests: ./dev test's stage: each fuzzer DEV_FUZZ_SECONDS from its
# seeds and what earlier runs found; one test per fuzzer, a crash fails
# it and its input is kept in DEV_VAR/log/fuzz/
fuzz_tests() {
	local out=$DEV_VAR/log/fuzz t0 line
	t0=$(now)
	mkdir -p "$out"
	log "test: fuzzers (build-fuzz/, ${DEV_FUZZ_SECONDS:-8}s each)"
	if ! fuzz_build "$out/build.log"; then
		stage_failed "fuzzers: build-fuzz/ did not build" "$out/build.log"
		return 0
	fi
	"$REPO/tests/fuzz/run.sh" -t "${DEV_FUZZ_SECONDS:-8}" -o "$out" \
		"$FUZZ_BUILD" 2>&1 | tee "$out/run.log" >&2 || true
	line=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out/run.log")
	if [ -z "$line" ]; then
		stage_failed "fuzzers: tests/fuzz/run.sh printed no total" "$out/run.log"
		return 0
	fi
	TEST_PASSED=$((TEST_PASSED + ${line% *}))
	TEST_FAILED=$((TEST_FAILED + ${line#* }))
	log "test: fuzz: ${line% *} passed, ${line#* } failed in $(since "$t0")"
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
