#!/usr/bin/env bash
# run.sh: runs the libFuzzer harnesses of a build configured with
# --enable-fuzzing, each for a bounded time, and prints one line per
# fuzzer and a total:
#
#   fuzz fuzz_router: ok, 812345 runs, 101543 exec/s, cov: 412 ft: 1630, corpus 211
#   fuzz fuzz_jwt: FAILED (exit 1), crash input fuzz-out/fuzz_jwt-crash-..., log fuzz-out/fuzz_jwt.log
#   fuzz: 5 passed, 1 failed
#
#   tests/fuzz/run.sh [-t SECONDS] [-w WORKDIR] [-o OUTDIR] BUILDDIR [NAME...]
#
# BUILDDIR holds tests/fuzz/fuzz_* (the programs); without NAMEs every
# one built there runs. Seeds are read from tests/fuzz/corpus/NAME/ (never
# written); what a run finds goes to WORKDIR/NAME/ (BUILDDIR/fuzz-corpus:
# kept, so later runs start from it; merged down to a minimal set past
# 1000 inputs), the log and any crash, leak or
# timeout input to OUTDIR (BUILDDIR/fuzz-out). tests/fuzz/NAME.dict is
# used when present. Exit 0 only if every fuzzer ran clean.
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
secs=8 work='' out=''
while getopts t:w:o: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	w) work=$OPTARG ;;
	o) out=$OPTARG ;;
	*) sed -n '2,/^set -uo/p' "$0" | sed 's/^# \{0,1\}//;/^set -uo/d' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-t SECONDS] [-w WORKDIR] [-o OUTDIR] BUILDDIR [NAME...]" >&2; exit 2; }
build=$1
shift
work=${work:-$build/fuzz-corpus}
out=${out:-$build/fuzz-out}
case $secs in '' | *[!0-9]* | 0) echo "run.sh: -t needs a number of seconds" >&2; exit 2 ;; esac

if [ $# -eq 0 ]; then
	for f in "$build"/tests/fuzz/fuzz_*; do
		[ -x "$f" ] && [ -f "$f" ] && set -- "$@" "$(basename "$f")"
	done
fi
[ $# -gt 0 ] || { echo "run.sh: no fuzzer built in $build/tests/fuzz" >&2; exit 2; }
mkdir -p "$work" "$out" || exit 2

# readable stack traces when llvm-symbolizer is installed
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
	for s in llvm-symbolizer llvm-symbolizer-14; do
		if command -v "$s" >/dev/null 2>&1; then
			export ASAN_SYMBOLIZER_PATH
			ASAN_SYMBOLIZER_PATH=$(command -v "$s")
			break
		fi
	done
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0
for name in "$@"; do
	bin=$build/tests/fuzz/$name
	log=$out/$name.log
	if [ ! -x "$bin" ]; then
		echo "fuzz $name: FAILED (not built: $bin)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$work/$name"
	# the kept corpus only grows: past 1000 inputs, keep a minimal set
	# with the same coverage (libFuzzer's -merge)
	if [ "$(find "$work/$name" -type f | wc -l)" -gt 1000 ]; then
		rm -rf "$work/$name.min"
		mkdir -p "$work/$name.min"
		if "$bin" -merge=1 "$work/$name.min" "$work/$name" >"$log" 2>&1; then
			rm -rf "${work:?}/${name:?}"
			mv "$work/$name.min" "$work/$name"
		else
			rm -rf "$work/$name.min"
		fi
	fi
	seeds=()
	[ -d "$SRC/corpus/$name" ] && seeds=("$SRC/corpus/$name")
	dict=()
	[ -f "$SRC/$name.dict" ] && dict=("-dict=$SRC/$name.dict")
	rm -f "$out/$name"-crash-* "$out/$name"-leak-* "$out/$name"-timeout-* \
		"$out/$name"-oom-*
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$name-" \
		"${dict[@]}" "$work/$name" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n1)
	corp=$(find "$work/$name" -type f | wc -l)
	art=$(find "$out" -maxdepth 1 -type f \( -name "$name-crash-*" -o \
		-name "$name-leak-*" -o -name "$name-timeout-*" -o \
		-name "$name-oom-*" \) | head -n1)
	if [ $rc = 0 ] && [ -z "$art" ]; then
		echo "fuzz $name: ok, ${runs:-?} runs, ${eps:-?} exec/s, ${cov:-cov: ? ft: ?}, corpus $corp"
		passed=$((passed + 1))
	else
		echo "fuzz $name: FAILED (exit $rc), ${runs:-?} runs, ${cov:-cov: ? ft: ?}, crash input ${art:-none}, log $log"
		grep -m1 -E 'ERROR: |property broken|runtime error' "$log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed = 0 ]
