#!/usr/bin/env bash
# Installs what is missing, builds hrsync and runs the whole test suite as built (g++). Then the
# programs that test hrsync's libraries run again under AddressSanitizer + UndefinedBehaviorSanitizer
# (skip that pass with HRSYNC_NO_SANITIZE=1), from a clang build that also makes the fuzz targets of
# fuzz/: each runs for HRSYNC_FUZZ_SECONDS (default 10) from its seeds (scripts/fuzz.sh; skip it
# with HRSYNC_NO_FUZZ=1); a crash fails the script and names the input.
# The database-source tests get a throwaway PostgreSQL cluster on loopback, stopped at exit.
# The script fails when a declared test program is missing, registered no test, or no test ran.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --test

# A PostgreSQL cluster for the tests that need one; exports HRSYNC_TEST_PG_DSN.
source "$root/scripts/pg_test_cluster.sh"
pg_test_cluster_start
san_job=""
cleanup() {
  [[ -n "$san_job" ]] && kill -- "-$san_job" 2>/dev/null  # in a process group of its own
  pg_test_cluster_stop
}
trap cleanup EXIT

# The test programs the tree declares (add_hrsync_test NAME in tests/**/CMakeLists.txt).
declared=$(grep -rhoE '^\s*add_hrsync_test\(\s*[A-Za-z0-9_]+' "$root/tests" --include=CMakeLists.txt \
  | sed -E 's/^\s*add_hrsync_test\(\s*//' | sort -u)

# check_suites BUILD_DIR [PROGRAMS]: every declared program (or every one of PROGRAMS) registered at
# least one test with CTest.
check_suites() {
  local dir=$1 expected=${2:-$declared} listed missing=()
  listed=$(cd "$dir" && ctest -N | sed -nE 's/^ *Test +#[0-9]+: ([A-Za-z0-9_]+)\..*/\1/p' | sort -u)
  for suite in $expected; do
    grep -qx "$suite" <<<"$listed" || missing+=("$suite")
  done
  if [[ ${#missing[@]} -gt 0 || -z "$declared" ]]; then
    echo "test: no tests registered for: ${missing[*]:-(no test programs declared)}" >&2
    exit 1
  fi
  echo "test: $(wc -w <<<"$expected") test programs in $dir"
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

# The sanitized pass: the programs that test hrsync's own libraries, built with clang++-16 at -O0
# under ASan, UBSan and libFuzzer's coverage hooks (HRSYNC_FUZZ), so that one build also makes the
# fuzz targets. Left to the plain pass: the whole syncs over sockets and processes
# (sync_integration_test, process_test: at -O0 under the sanitizers they take several times as
# long, and the paced lanes miss their timing) and the emulator's own tests (it stands in for the
# remote APIs; it is not hrsync). The script's time before and after: bench/README.md ("Build time").
sanitized=$(grep -vxE 'sync_integration_test|process_test|emulator_unit_test|emulator_http_test' <<<"$declared" | sort)
san_dir="$root/build-san"
san_log="$san_dir/build.log"
fuzz_log="$san_dir/fuzz.log"
mkdir -p "$san_dir"

# sanitized_job: builds the sanitized test programs and the fuzz targets, niced, so that the plain
# build and tests take the CPU first and it takes what they leave. Once the plain build is done too
# ($plain_built exists), the fuzz targets (two at a time) and the sanitized suite run, beside
# the plain suite: both mostly wait on sockets, child processes and paced lanes. Left out here: the
# volume test that applies 200,000 calls from a plan file (80 s at -O0 under the sanitizers, the
# last to finish; the plain pass runs it).
sanitized_job() {
  local fuzz_pid="" status=0
  # shellcheck disable=SC2086 # one target per word
  if ! nice -n 10 "$root/scripts/build.sh" "$san_dir" -DCMAKE_CXX_COMPILER=clang++-16 -DHRSYNC_FUZZ=ON \
       -DHRSYNC_FUZZ_OPT=-O0 -DHRSYNC_BUILD_TESTS=ON -DHRSYNC_BUILD_BENCH=OFF -- $san_targets >"$san_log" 2>&1; then
    tail -n 60 "$san_log"
    echo "test: the sanitized build failed (whole log: $san_log)"
    return 1
  fi
  while [[ ! -e "$plain_built" ]]; do sleep 1; done
  if (( fuzz )); then
    env HRSYNC_FUZZ_BUILD="$san_dir" "$root/scripts/fuzz.sh" --seeds-only --built \
      "${HRSYNC_FUZZ_SECONDS:-10}" >"$fuzz_log" 2>&1 &
    fuzz_pid=$!
  fi
  if (( sanitize )); then
    check_suites "$san_dir" "$sanitized"
    (cd "$san_dir" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
       ctest --output-on-failure --no-tests=error --parallel "$jobs" --timeout 900 \
         -R "^($(paste -sd'|' <<<"$sanitized"))\\." -E 'TwoHundredThousandCalls') || status=1
  fi
  if [[ -n "$fuzz_pid" ]]; then
    wait "$fuzz_pid" || { cat "$fuzz_log"; status=1; }
    grep -E '^fuzz: ' "$fuzz_log"
  fi
  return "$status"
}

san_targets=""
(( fuzz )) && san_targets+=" hrsync_fuzzers"
(( sanitize )) && san_targets+=" $(tr '\n' ' ' <<<"$sanitized")"
plain_built="$san_dir/.plain-built"
job_log="$san_dir/sanitized.log"
rm -f "$plain_built"
if [[ -n "$san_targets" ]]; then
  # A process group of its own (set -m) that the cleanup can stop, in this session: a new session
  # (setsid) would be a scheduling group of its own, where nice counts for nothing against the rest.
  set -m
  bash -c "$(declare -f sanitized_job check_suites); $(declare -p root san_dir san_log fuzz_log \
    plain_built sanitize fuzz sanitized san_targets jobs declared); sanitized_job" >"$job_log" 2>&1 &
  san_job=$!
  set +m
  echo "test: building the sanitized tests and the fuzz targets in the background (log: $job_log)"
fi

"$root/scripts/build.sh" "$root/build" -DHRSYNC_BUILD_TESTS=ON -DHRSYNC_BUILD_BENCH=ON -DHRSYNC_SANITIZE=OFF
check_suites "$root/build"
touch "$plain_built"
(cd "$root/build" && ctest --output-on-failure --no-tests=error --parallel "$jobs" --timeout 600)

if [[ -n "$san_job" ]]; then
  echo "test: waiting for the sanitized suite and the fuzz pass (log: $job_log)"
  wait_for "$san_job" "$job_log" "the sanitized pass"
  san_job=""
  grep -E '^test: |tests passed|Total Test time|^fuzz: ' "$job_log"
fi
echo "test: all suites passed"
