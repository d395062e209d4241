# shellcheck shell=bash
# scripts/dev/test.sh: ./dev test and its stages.
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

TEST_PASSED=0
TEST_FAILED=0
TEST_FAILED_STAGES=""

# stage_failed WHAT [LOG]: a stage that breaks counts as one failure
stage_failed() {
	TEST_FAILED=$((TEST_FAILED + 1))
	TEST_FAILED_STAGES="$TEST_FAILED_STAGES  stage: $1
"
	log "test: FAILED: $1"
	if [ -n "${2:-}" ] && [ -f "$2" ]; then
		echo "--- tail $2" >&2
		tail -n 40 "$2" >&2
		echo "---" >&2
	fi
}

# unit_counts: Check's "NN%: Checks: N, Failures: F, Errors: E" from each
# test's log; a test without such a line counts as one test by its .trs
unit_counts() {
	local trs logf res c f e
	UNIT_PASSED=0 UNIT_FAILED=0
	while IFS= read -r trs; do
		logf=${trs%.trs}.log
		if [ -f "$logf" ] && grep -qE '^[0-9]+%: Checks: [0-9]+' "$logf"; then
			while read -r c f e; do
				UNIT_PASSED=$((UNIT_PASSED + c - f - e))
				UNIT_FAILED=$((UNIT_FAILED + f + e))
			done < <(sed -nE 's/^[0-9]+%: Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/p' "$logf")
		else
			res=$(sed -n 's/^:test-result: //p' "$trs" | head -n1)
			case $res in
			PASS | XFAIL) UNIT_PASSED=$((UNIT_PASSED + 1)) ;;
			SKIP) ;;
			*) UNIT_FAILED=$((UNIT_FAILED + 1)) ;;
			esac
		fi
	done < <(find "$BUILD" -name '*.trs' -type f 2>/dev/null | sort)
}

test_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	log "test: stopping the test stack"
	cmd_down >/dev/null 2>&1 || true
	exit "$rc"
}

# The layer stage of ./dev test: tests/check-layers.py over the objects of
# the build (no call or include cycle, no call going up) and over src/ (no
# file over 600 lines); two tests, each passed by its own "ok" line.
layers_test() {
	local llog=$DEV_VAR/log/layers.log
	log "test: layers and file sizes (tests/check-layers.py)"
	python3 "$REPO/tests/check-layers.py" "$BUILD" "$REPO/src" >"$llog" 2>&1 || true
	if grep -q '^check-layers: ok ' "$llog"; then
		TEST_PASSED=$((TEST_PASSED + 1))
		grep '^check-layers: ok ' "$llog" >&2
	else
		stage_failed "tests/check-layers.py: a layer rule is broken" "$llog"
	fi
	if grep -q '^check-sizes: ok ' "$llog"; then
		TEST_PASSED=$((TEST_PASSED + 1))
		grep '^check-sizes: ' "$llog" >&2
	else
		stage_failed "tests/check-layers.py: a file in src/ is over 600 lines" "$llog"
	fi
}

# The SQL stage of ./dev test: holdfast-admin check-sql against the
# migrated test database (every statement prepares; every column map
# matches its result metadata), and every db_sql_* statement the objects
# define is in a db_sql_set_* list (else check-sql would not see it); one
# test.
sql_test() {
	local slog=$DEV_VAR/log/check-sql.log defined checked
	log "test: statements against the schema (holdfast-admin check-sql)"
	defined=$(nm -g --defined-only "$BUILD"/src/db/sql_*.o |
		awk '$3 ~ /^db_sql_/ && $3 !~ /^db_sql_set_/' | wc -l)
	if ! "$ADMIN_BIN" -c "$CONF" check-sql >"$slog" 2>&1; then
		stage_failed "holdfast-admin check-sql: a statement and its column map disagree" "$slog"
		return 0
	fi
	checked=$(sed -n 's/^check-sql: \([0-9]*\) statement.*/\1/p' "$slog")
	if [ "$checked" != "$defined" ]; then
		echo "check-sql checked ${checked:-no} statements; the objects define $defined" >>"$slog"
		stage_failed "holdfast-admin check-sql: a statement is missing from its db_sql_set_* list" "$slog"
		return 0
	fi
	TEST_PASSED=$((TEST_PASSED + 1))
	tail -n 1 "$slog" >&2
}

# The browser stage of ./dev test: tests/browser/run.mjs (playwright-core

# driving Debian's Chromium headless) against nginx, and one smoke test
# against Apache; adds its "N passed, N failed" to the totals.
browser_tests() {
	local dir=$REPO/tests/browser blog=$DEV_VAR/log/browser.log rc line
	if [ ! -f "$dir/run.mjs" ]; then
		stage_failed "no tests/browser/run.mjs"
		return 0
	fi
	if [ ! -f "$REPO/www/dist/index.html" ]; then
		stage_failed "the console was not built (www/dist)" "$LOGDIR/console-build.log"
		return 0
	fi
	ensure_node chromium
	if ! npm_ci "$dir"; then
		stage_failed "npm ci in tests/browser" "$LOGDIR/npm.log"
		return 0
	fi
	log "test: browser tests (tests/browser/run.mjs, headless Chromium)"
	set +e
	DEV_VAR=$DEV_VAR timeout 900 node "$dir/run.mjs" \
		--base-url "http://127.0.0.1:$DEV_HTTP_PORT" \
		--apache-url "http://127.0.0.1:$DEV_APACHE_PORT" 2>&1 | tee "$blog"
	rc=${PIPESTATUS[0]}
	set -e
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$blog" | tail -n1 || true)
	if [ -z "$line" ]; then
		[ "$rc" = 124 ] && rc="124: timed out after 600s"
		stage_failed "tests/browser printed no 'N passed, N failed' line (exit $rc)" "$blog"
		return 0
	fi
	line=${line#*: }
	# shellcheck disable=SC2086  # "N passed, N failed": split
	set -- $line
	TEST_PASSED=$((TEST_PASSED + $1))
	TEST_FAILED=$((TEST_FAILED + $3))
	if [ "$rc" != 0 ] && [ "$3" = 0 ]; then
		stage_failed "tests/browser exited $rc with no failed test" "$blog"
	fi
}

# The install stage of ./dev test: tests/install/run.sh builds the .deb,
# installs it into this machine's / and follows the README's deployment
# section (README: "Tested as installed"). It decides itself whether this

# machine may take it (root, a container or DEV_TEST_INSTALL=1) and adds
# its "install: N passed, N failed" to the totals.
install_stage() {
	local ilog=$DEV_VAR/log/install.log line rc
	if [ ! -f "$REPO/tests/install/run.sh" ]; then
		stage_failed "no tests/install/run.sh"
		return 0
	fi
	log "test: install stage (tests/install/run.sh: the .deb, as installed)"
	set +e
	HOLDFAST_INSTALL_OUT=$DEV_VAR/install timeout 1500 \
		bash "$REPO/tests/install/run.sh" 2>&1 | tee "$ilog"
	rc=${PIPESTATUS[0]}
	set -e
	line=$(grep -E '^install: ' "$ilog" | tail -n1 || true)
	case $line in
	"install: skipped"*)
		log "test: $line" ;;
	"install: "*" passed, "*" failed"*)
		line=${line#install: }
		# shellcheck disable=SC2086  # "N passed, N failed": split
		set -- $line
		TEST_PASSED=$((TEST_PASSED + $1))
		TEST_FAILED=$((TEST_FAILED + $3))
		if [ "$rc" != 0 ] && [ "$3" = 0 ]; then
			stage_failed "tests/install/run.sh exited $rc with no failed check" "$ilog"
		fi
		;;
	*)
		[ "$rc" = 124 ] && rc="124: timed out after 1500s"
		stage_failed "tests/install/run.sh printed no 'install: N passed, N failed' line (exit $rc)" "$ilog" ;;
	esac
}

# failure_recap: every failed test's line from each stage's log, again,
# just above the totals (a CI that keeps only the end of the output still
# shows what failed); the first lines of each failure's reason.
failure_recap() {
	[ "$TEST_FAILED" = 0 ] && return 0
	local f
	echo "--- failed (from $DEV_VAR/log):"
	for f in unit api browser install; do
		[ -f "$DEV_VAR/log/$f.log" ] || continue
		grep -A3 -E '^(FAIL|ERROR)[: ]|^[^ ]*:[0-9]+:[EF]:' "$DEV_VAR/log/$f.log" |
			cut -c1-300 | head -n 60 | sed "s/^/  $f: /"
	done
	printf '%s' "$TEST_FAILED_STAGES"
	echo "---"
}

cmd_test() {
	local t0 rc ulog alog runner line
	t0=$(now)
	# one test stack at a time: a second run waits instead of wiping it
	# (a pid file, not a lock fd: the servers would inherit the fd)
	local other i
	mkdir -p "$REPO/var"
	for ((i = 0; i < 1200; i++)); do
		other=$(readpid "$REPO/var/.test.pid")
		if [ -z "$other" ] || [ "$other" = $$ ] || ! alive "$other" ||
		   ! tr '\0' ' ' <"/proc/$other/cmdline" 2>/dev/null | grep -q 'dev test'; then
			break
		fi
		[ "$i" = 0 ] && log "test: ./dev test $other is running; waiting for it"
		sleep 1
	done
	echo $$ >"$REPO/var/.test.pid"
	export DEV_VAR=$REPO/var/test
	# DEV_TEST_PORT_OFFSET moves every test port (a second checkout can run
	# its own ./dev test beside this one)
	local off=${DEV_TEST_PORT_OFFSET:-0}
	export DEV_HTTP_PORT=$((18090 + off)) DEV_APACHE_PORT=$((18091 + off))
	export DEV_DB_PORT=$((13316 + off)) DEV_REDIS_PORT=$((16389 + off))
	export DEV_SMTP_PORT=$((10035 + off)) DEV_AI_PORT=$((10036 + off))
	export DEV_CONFIGURE_FLAGS=--enable-debug DEV_APACHE=1
	export DEV_WORKERS=${DEV_WORKERS:-4}
	set_env
	# a test stack left from an earlier run: stop it, then start afresh
	cmd_down >/dev/null 2>&1 || true
	rm -rf "$DEV_VAR"
	trap test_cleanup EXIT
	trap 'exit 130' INT TERM

	# 1. the stack (packages, build with -Werror, servers)
	local up_ok=0
	mkdir -p "$DEV_VAR/log"
	log "test: bringing up the test stack in $DEV_VAR"
	# a process of its own, so set -e holds in it
	if ! "$DEV" up --apache 2>&1 | tee "$DEV_VAR/up.log" >&2; then
		stage_failed "./dev up (build or stack): see above, or $DEV_VAR/up.log"
	else
		layers_test
		sql_test
		up_ok=1
		# 2. unit tests
		ulog=$DEV_VAR/log/unit.log
		log "test: unit tests (make -C build check)"
		rc=0
		timeout 300 make -C "$BUILD" -j2 check >"$ulog" 2>&1 || rc=$?
		unit_counts
		grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):|^# [A-Z]+:' "$ulog" >&2 || true
		log "test: unit: $UNIT_PASSED passed, $UNIT_FAILED failed"
		TEST_PASSED=$((TEST_PASSED + UNIT_PASSED))
		TEST_FAILED=$((TEST_FAILED + UNIT_FAILED))
		if [ $rc != 0 ]; then
			if [ $UNIT_FAILED = 0 ]; then
				stage_failed "make check exited $rc" "$ulog"
			fi
			[ -f "$BUILD/test-suite.log" ] && tail -n 60 "$BUILD/test-suite.log" >&2
		fi

		# 2b. the fuzzers (tests/fuzz), each for a bounded time, in the
		# background beside the API tests (fuzz_collect below)
		fuzz_start

		# 3. black-box API tests through nginx and Apache
		runner=$REPO/tests/api/run.py
		alog=$DEV_VAR/log/api.log
		if [ ! -f "$runner" ]; then
			stage_failed "no tests/api/run.py"
		else
			log "test: API tests (tests/api/run.py)"
			set +e
			HOLDFAST_DEV=$DEV HOLDFAST_CONF=$CONF timeout "${DEV_API_TIMEOUT:-1500}" python3 "$runner" \
				--base-url "http://127.0.0.1:$DEV_HTTP_PORT" \
				--apache-url "http://127.0.0.1:$DEV_APACHE_PORT" 2>&1 |
				tee "$alog"
			rc=${PIPESTATUS[0]}
			set -e
			line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$alog" | tail -n1 || true)
			if [ -z "$line" ]; then
				# killed or crashed: count the tests it reported
				TEST_PASSED=$((TEST_PASSED + $(grep -c '^ok ' "$alog" || true)))
				TEST_FAILED=$((TEST_FAILED + $(grep -c '^FAIL ' "$alog" || true)))
				[ "$rc" = 124 ] && rc="124: timed out after ${DEV_API_TIMEOUT:-1500}s"
				stage_failed "tests/api/run.py printed no 'N passed, N failed' line (exit $rc)" "$alog"
			else
				line=${line#*: }
				# shellcheck disable=SC2086  # "N passed, N failed": split
				set -- $line
				TEST_PASSED=$((TEST_PASSED + $1))
				TEST_FAILED=$((TEST_FAILED + $3))
				if [ "$rc" != 0 ] && [ "$3" = 0 ]; then
					stage_failed "tests/api/run.py exited $rc with no failed test" "$alog"
				fi
			fi
		fi

		fuzz_collect

		# a run cut short (a timeout) can leave a server a fault test
		# stopped: bring the stack back before the browser stage
		if [ "$rc" != 0 ] && ! "$DEV" status >/dev/null 2>&1; then
			log "test: restarting what the API stage left stopped"
			"$DEV" up --apache >>"$DEV_VAR/up.log" 2>&1 ||
				log "test: the stack did not come back"
		fi

		# 4. the console in headless Chromium (tests/browser)
		browser_tests
	fi

	trap - EXIT INT TERM
	log "test: stopping the test stack"
	cmd_down >/dev/null 2>&1 || log "test: down failed"

	# 5. the .deb installed and tested as the README deploys it
	if [ $up_ok = 1 ]; then
		install_stage
	fi
	log "test: done in $(since "$t0")"
	failure_recap
	echo "$TEST_PASSED passed, $TEST_FAILED failed"
	[ "$TEST_FAILED" = 0 ]
}
