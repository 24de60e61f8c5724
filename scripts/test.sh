#!/usr/bin/env bash
# Installs what is missing, builds hrsync and runs the whole test suite: once as built, and once
# more under AddressSanitizer + UndefinedBehaviorSanitizer (skip that pass with HRSYNC_NO_SANITIZE=1).
# Meanwhile every fuzz target of fuzz/ runs for HRSYNC_FUZZ_SECONDS (default 10) from its seeds,
# two at a time (scripts/fuzz.sh; skip it with HRSYNC_NO_FUZZ=1); a crash fails the script and
# names the input.
# The database-source tests get a throwaway PostgreSQL cluster on loopback, stopped at exit.
# The script fails when a declared test program is missing, registered no test, or no test ran.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --test

# A PostgreSQL cluster for the tests that need one; exports HRSYNC_TEST_PG_DSN.
source "$root/scripts/pg_test_cluster.sh"
pg_test_cluster_start
asan_build=""
fuzz_job=""
cleanup() {
  [[ -n "$asan_build" ]] && kill -- "-$asan_build" 2>/dev/null  # the build, in a process group of its own
  [[ -n "$fuzz_job" ]] && kill -- "-$fuzz_job" 2>/dev/null
  pg_test_cluster_stop
}
trap cleanup EXIT

# The test programs the tree declares (add_hrsync_test NAME in tests/**/CMakeLists.txt).
declared=$(grep -rhoE '^\s*add_hrsync_test\(\s*[A-Za-z0-9_]+' "$root/tests" --include=CMakeLists.txt \
  | sed -E 's/^\s*add_hrsync_test\(\s*//' | sort -u)

# check_suites BUILD_DIR: every declared program registered at least one test with CTest.
check_suites() {
  local dir=$1 listed missing=()
  listed=$(cd "$dir" && ctest -N | sed -nE 's/^ *Test +#[0-9]+: ([A-Za-z0-9_]+)\..*/\1/p' | sort -u)
  for suite in $declared; do
    grep -qx "$suite" <<<"$listed" || missing+=("$suite")
  done
  if [[ ${#missing[@]} -gt 0 || -z "$declared" ]]; then
    echo "test: no tests registered for: ${missing[*]:-(no test programs declared)}" >&2
    exit 1
  fi
  echo "test: $(wc -w <<<"$declared") test programs, $(cd "$dir" && ctest -N | sed -nE 's/^Total Tests: //p') tests in $dir"
}

# wait_for PID LOG WHAT: waits for a job started in the background; when it failed, shows the end
# of its log and stops the script.
wait_for() {
  local status=0
  wait "$1" || status=$?
  if (( status != 0 )); then
    tail -n 60 "$2" >&2
    echo "test: $3 failed (whole log: $2)" >&2
    exit 1
  fi
}

# Most tests wait on sockets, child processes and paced lanes rather than the CPU, so CTest runs
# three per core: on 2 cores the plain pass takes 51 s instead of 130-150 s.
jobs=$(( $(nproc) * 3 ))

sanitize=1
[[ "${HRSYNC_NO_SANITIZE:-0}" == "1" ]] && sanitize=0
fuzz=1
[[ "${HRSYNC_NO_FUZZ:-0}" == "1" ]] && fuzz=0

"$root/scripts/build.sh" "$root/build" -DHRSYNC_BUILD_TESTS=ON -DHRSYNC_BUILD_BENCH=ON -DHRSYNC_SANITIZE=OFF
check_suites "$root/build"

# The sanitized build compiles while the plain pass runs: the tests mostly wait, the compiler does
# not, so the two overlap into about the time of the build alone (niced, so the tests come first).
# Its output goes to a log, shown when it fails.
asan_log="$root/build-asan/build.log"
if (( sanitize )); then
  mkdir -p "$root/build-asan"
  setsid nice -n 10 "$root/scripts/build.sh" "$root/build-asan" -DHRSYNC_BUILD_TESTS=ON -DHRSYNC_BUILD_BENCH=OFF \
    -DHRSYNC_SANITIZE=ON >"$asan_log" 2>&1 &
  asan_build=$!
  echo "test: building the sanitized tests in the background (log: $asan_log)"
fi

# The fuzz pass: its build (clang, the libraries it fuzzes alone, at -O0: half the CPU time of
# -O1, and a pass this short needs no speed) and its runs go in the background too, niced below the
# sanitized build, while the suites run; its log is shown at the end.
fuzz_log="$root/build-fuzz-test/fuzz.log"
if (( fuzz )); then
  mkdir -p "$root/build-fuzz-test"
  HRSYNC_FUZZ_BUILD="$root/build-fuzz-test" HRSYNC_FUZZ_OPT=-O0 \
    setsid nice -n 15 "$root/scripts/fuzz.sh" --seeds-only "${HRSYNC_FUZZ_SECONDS:-10}" >"$fuzz_log" 2>&1 &
  fuzz_job=$!
  echo "test: building and running the fuzz targets in the background (log: $fuzz_log)"
fi
(cd "$root/build" && ctest --output-on-failure --no-tests=error --parallel "$jobs" --timeout 600)

if (( sanitize )); then
  wait_for "$asan_build" "$asan_log" "the sanitized build"
  asan_build=""
  check_suites "$root/build-asan"
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure --no-tests=error --parallel "$jobs" --timeout 900)
fi

if (( fuzz )); then
  wait_for "$fuzz_job" "$fuzz_log" "the fuzz pass"
  fuzz_job=""
  grep -E '^fuzz: ' "$fuzz_log"
fi
echo "test: all suites passed"
