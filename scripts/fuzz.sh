#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang++-16, ASan + UBSan) and runs each for SECONDS.
# Usage: scripts/fuzz.sh [--seeds-only] [--built] [SECONDS] [TARGET...]
#   SECONDS        per target (default 60); the targets run HRSYNC_FUZZ_JOBS at a time (default: one
#                  per core), so the whole takes about SECONDS * targets / jobs
#   TARGET         fuzz_csv, fuzz_config, ... (default: every program the build makes)
#   --seeds-only   start from the seeds of fuzz/corpus/ alone, into a corpus emptied first (the
#                  test script's short pass); otherwise the corpus of earlier runs, kept in the
#                  build folder, grows run after run
#   --built        the build folder already holds the fuzzers (scripts/test.sh builds them with the
#                  sanitized tests): run them without configuring or building anything
# The build folder is HRSYNC_FUZZ_BUILD (default build-fuzz), compiled at HRSYNC_FUZZ_OPT (default
# -O1; -O0 builds in half the time and fuzzes at a third of the speed). A crash, a leak, a hang (an input
# that takes more than 25 s) or an out-of-memory fails the script; the input that caused it is
# kept under BUILD/crashes/ and printed with the command that replays it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${HRSYNC_FUZZ_BUILD:-$root/build-fuzz}

seeds_only=0 built=0
while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --seeds-only) seeds_only=1 ;;
    --built) built=1 ;;
    *) echo "fuzz: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
seconds=${1:-60}; shift || true
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "fuzz: SECONDS must be a positive integer, not '$seconds'" >&2; exit 2; }
jobs=${HRSYNC_FUZZ_JOBS:-$(nproc)}

if (( ! built )); then
  "$root/scripts/setup.sh" --test
  mkdir -p "$dir"
  if ! "$root/scripts/build.sh" "$dir" -DCMAKE_CXX_COMPILER=clang++-16 -DHRSYNC_BUILD_TESTS=OFF -DHRSYNC_BUILD_BENCH=OFF \
       -DHRSYNC_FUZZ=ON -DHRSYNC_FUZZ_OPT="${HRSYNC_FUZZ_OPT:--O1}" -- hrsync_fuzzers >"$dir/build.log" 2>&1; then
    tail -n 40 "$dir/build.log" >&2
    echo "fuzz: the build failed (whole log: $dir/build.log)" >&2
    exit 1
  fi
fi

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cd "$dir/fuzz" && ls fuzz_* | sort)
fi

# The CSV, config and plan-file targets write each input to a file: on tmpfs they run three
# times as fast as on a disk.
if [[ -d /dev/shm && -w /dev/shm ]]; then export TMPDIR=/dev/shm; fi

mkdir -p "$dir/crashes" "$dir/logs"

# dictionary TARGET: the -dict option for TARGET (fuzz/NAME.dict; the answer targets share one).
dictionary() {
  local name=${1#fuzz_}
  case "$name" in answer_*|token_reply|throttle) name=answer ;; esac
  [[ -f "$root/fuzz/$name.dict" ]] && echo "-dict=$root/fuzz/$name.dict"
  return 0
}

# run TARGET: fuzzes TARGET for $seconds; its log goes to logs/TARGET.log.
run() {
  local t=$1 name=${1#fuzz_} corpus
  corpus="$dir/corpus/$t"
  if (( seeds_only )); then
    corpus="$dir/corpus-seeds/$t"
    rm -rf "$corpus"
  fi
  mkdir -p "$corpus"
  # detect_leaks: a leak is a failure too. -timeout: an input that runs longer is a hang.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$dir/fuzz/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    $(dictionary "$t") -artifact_prefix="$dir/crashes/$t-" "$corpus" "$root/fuzz/corpus/$name" >"$dir/logs/$t.log" 2>&1
}

# summary TARGET STATUS: one line from its log, and on failure the input that failed.
summary() {
  local t=$1 status=$2 log="$dir/logs/$1.log" done runs artifact
  done=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  runs=$(sed -nE 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if (( status == 0 )); then
    printf 'fuzz: %-28s %s s, %s runs, %s\n' "$t" "$seconds" "${runs:-?}" \
      "$(sed -E 's/^#[0-9]+[[:space:]]+DONE[[:space:]]+//; s/[[:space:]]+rss:.*//' <<<"$done")"
    return 0
  fi
  artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
  echo "fuzz: $t FAILED (exit $status); log: $log" >&2
  grep -E 'ERROR: |SUMMARY: |runtime error: ' "$log" | head -n 5 >&2 || true
  if [[ -n "$artifact" ]]; then
    echo "fuzz: the input that failed: $artifact" >&2
    echo "fuzz: replay it with: $dir/fuzz/$t $artifact" >&2
  else
    tail -n 20 "$log" >&2
  fi
  return 1
}

echo "fuzz: ${#targets[@]} targets, $seconds s each, $jobs at a time ($dir)"
failed=0
pids=() names=()
wait_one() {
  local status=0
  wait "${pids[0]}" || status=$?
  summary "${names[0]}" "$status" || failed=1
  pids=("${pids[@]:1}") names=("${names[@]:1}")
}
for t in "${targets[@]}"; do
  [[ -x "$dir/fuzz/$t" ]] || { echo "fuzz: no program $dir/fuzz/$t" >&2; exit 2; }
  (( ${#pids[@]} < jobs )) || wait_one
  run "$t" &
  pids+=($!) names+=("$t")
done
while (( ${#pids[@]} > 0 )); do wait_one; done
if (( failed )); then
  echo "fuzz: failed; fix the code, keep the input as a test, then run again" >&2
  exit 1
fi
echo "fuzz: every target ran clean"
