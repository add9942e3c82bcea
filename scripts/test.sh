#!/usr/bin/env bash
# Every test: installs what is missing, starts private PostgreSQL,
# RabbitMQ and Redis servers (scripts/services.sh; stopped on exit, even on
# failure), checks formatting and the layers of lib/
# (scripts/check-layers.sh), builds with -Werror and runs every suite
# (the scale-out ones against those servers), runs them all again under
# AddressSanitizer + UndefinedBehaviorSanitizer, then installs the library
# into a staging prefix and compiles the README's example against the
# installed pkg-config file. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/deps.sh --test

passed=0
failed=0
note() { printf '\n=== %s ===\n' "$*"; }
count_meson() { # add up meson test's summary of a build dir
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || return 0
  local ok bad
  ok=$(grep -c '"result": "OK"' "$log" || true)
  # With the servers up, a suite that skipped (exit 77: no server) is a
  # failure: never a silent skip here.
  local failing='FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS'
  [ -n "${TECHCORP_TEST_PG:-}" ] && failing="$failing|SKIP"
  bad=$(grep -c -E "\"result\": \"($failing)\"" "$log" || true)
  passed=$((passed + ok))
  failed=$((failed + bad))
}
step() { # name, command...: a failing step counts as one failure
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else
    echo "FAILED: $name"
    failed=$((failed + 1))
  fi
}

note "format"
step format bash scripts/check-format.sh

note "layers: lib/api over the public API, modules apart, core at the bottom"
step layers bash scripts/check-layers.sh

note "start PostgreSQL, RabbitMQ and Redis (private, on free loopback ports)"
svc_dir=$(mktemp -d /tmp/techcorp-services.XXXXXX)
svc_stop() {
  bash scripts/services.sh stop "$svc_dir" >/dev/null 2>&1 || true
  rm -rf "$svc_dir"
}
trap svc_stop EXIT
svc_t0=$SECONDS
if svc_env=$(bash scripts/services.sh start "$svc_dir"); then
  eval "$svc_env"
  passed=$((passed + 1))
  echo "servers up in $((SECONDS - svc_t0)) s"
else
  echo "FAILED: the servers did not start (see above); the scale-out suites cannot run"
  failed=$((failed + 1))
fi

run_suite() { # build dir, extra meson options...
  local dir=$1
  shift
  local reconf=()
  [ -d "$dir" ] && reconf=(--reconfigure)
  if ! meson setup "${reconf[@]}" "$dir" -Dwerror=true "$@" >"/tmp/tc-setup.$$.log" 2>&1; then
    cat "/tmp/tc-setup.$$.log"
    rm -f "/tmp/tc-setup.$$.log"
    return 1
  fi
  rm -f "/tmp/tc-setup.$$.log"
  ninja -C "$dir"
  meson test -C "$dir" --print-errorlogs --num-processes 2 || true
  count_meson "$dir"
  local took
  took=$(python3 -c 'import json,sys
t=0.0
for line in open(sys.argv[1]):
    r=json.loads(line)
    if ":services /" in r.get("name", ""): t+=r.get("duration", 0)
print(round(t))' "$dir/meson-logs/testlog.json" 2>/dev/null || echo "?")
  echo "scale-out suites against the real servers in $dir: ${took} s"
}

note "build and test (-Werror)"
run_suite build-test --buildtype=debugoptimized

note "build and test under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_suite build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
unset ASAN_OPTIONS UBSAN_OPTIONS

note "doc/api.md matches system.methods"
step api-doc bash scripts/check-api-doc.sh build-test

note "search at 100,000 generated products (latency figures, not asserted)"
step search-100k build-test/bench/search_bench 50

note "install and compile the README example with pkg-config"
step readme-example bash scripts/check-readme-example.sh build-test

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
