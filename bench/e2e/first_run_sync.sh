#!/usr/bin/env bash
# first_run_sync.sh: the memory and speed of a first `hrsync sync` (empty snapshot) of N generated
# employees into four employee targets (contact_user, attendance_face, acs_card, sophon_person:
# 4 x N calls), against hrsync-emulator on loopback with every limit lifted on both sides
# (--no-rate-limits; rate = ["1000000/s"], 32 in flight per target).
#
#   bench/e2e/first_run_sync.sh BUILD_DIR [N] [FAULT...]
#
# Default: 200000 employees (800,000 calls). FAULTs are the emulator's --fault specs, e.g.
# internal=1@sophon_person for a target that fails every call (it is quarantined, and the report
# lists each of its entities left unsent).
#
# `hrsync plan` of the same job runs first, so that what the sync adds to the plan's memory shows.
# Peak RSS, wall and CPU (user + sys) come from /usr/bin/time; calls/s is 4 x N over the time from
# the emulator's first request of a target to the sync's exit. While the sync runs, its RSS and the
# emulator's request count are read every second: the RSS as the sending starts and at each
# quarter of the calls shows whether anything grows with the calls sent. Last, the emulator's
# count of the requests it answered (every call arrived) and its own peak RSS.
set -euo pipefail
build=$(cd "${1:?usage: first_run_sync.sh BUILD_DIR [N] [FAULT...]}" && pwd)
n=${2:-200000}
faults=()
for f in "${@:3}"; do faults+=(--fault "$f"); done
targets=(contact_user attendance_face acs_card sophon_person)
calls=$((n * ${#targets[@]}))
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_dir hrsync-first-run
bench_employees "$build" "$n"
bench_emulator "$build" --no-rate-limits "${faults[@]}"
mkdir -p "$dir/p" "$dir/s"
bench_job "$dir/p" "${targets[@]}" > "$dir/plan.toml"
bench_job "$dir/s" "${targets[@]}" > "$dir/sync.toml"

# label, command...: runs it under /usr/bin/time and prints its figures; sets $wall.
measure() {
  local label=$1 code=0 kb user sys
  shift
  /usr/bin/time -f "%M %e %U %S" -o "$dir/time" "$@" > "$dir/out" 2>&1 || code=$?
  read -r kb wall user sys < <(tail -1 "$dir/time")
  printf '%-6s peak RSS %5d MB  wall %6.1f s  CPU %6.1f + %4.1f s  exit %d\n' "$label" $((kb / 1024)) "$wall" \
    "$user" "$sys" "$code"
}

# The requests the emulator has answered for the targets (not the token's).
target_requests() {
  curl -s "$url/_emulator/stats" | python3 -c '
import json, sys
e = json.load(sys.stdin)["endpoints"]
print(sum(v["requests"] for k, v in e.items() if k in sys.argv[1:]))
' "${targets[@]}" 2>/dev/null || echo 0
}

# Every second until the sync exits: "seconds RSS_KB requests", in $dir/samples.
sample() {  # pid of the shell that runs /usr/bin/time hrsync
  local timer= pid= rss
  for _ in $(seq 250); do
    timer=$(pgrep -P "$1" -x time || true)
    [[ -n $timer ]] && pid=$(pgrep -P "$timer" -x hrsync || true)
    [[ -n $pid ]] && break
    sleep 0.02
  done
  while [[ -n $pid ]] && rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null) && [[ -n $rss ]]; do
    echo "$(date +%s.%N) $rss $(target_requests)" >> "$dir/samples"
    sleep 1
  done
}

echo "employees $n, targets ${targets[*]} ($calls calls), limits lifted${faults[*]:+, ${faults[*]}}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure "plan" "$build/bin/hrsync" plan --config "$dir/plan.toml"
start=$(date +%s.%N)
measure "sync" "$build/bin/hrsync" sync --config "$dir/sync.toml" --no-progress &
timed=$!
sample "$timed" &
sampler=$!
wait "$timed"
end=$(date +%s.%N)
wait "$sampler" || true
grep -A $((${#targets[@]} + 1)) '^Run ' "$dir/out" | tail -n +2 || tail -20 "$dir/out"
tail -2 "$dir/out" | head -1
python3 - "$dir/samples" "$calls" "$start" "$end" <<'EOF'
import sys
rows = [tuple(float(x) for x in line.split()) for line in open(sys.argv[1]) if len(line.split()) == 3]
calls, start, end = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
sending = [r for r in rows if r[2] > 0]
if not sending:
    print("calls/s %.0f (%d calls over the whole sync, %.1f s: too short to sample)" % (
        calls / (end - start), calls, end - start))
    sys.exit(0)
first = sending[0][0]
print("calls/s %.0f (%d calls from the first request, %.1f s after the start, to the exit: %.1f s)" % (
    calls / (end - first), calls, first - start, end - first))
marks = []
for share in (0, 0.25, 0.5, 0.75, 1):
    row = next((r for r in sending if r[2] >= share * calls), sending[-1])
    marks.append("%s %d MB" % ("first" if share == 0 else "%d %%" % (share * 100), row[1] / 1024))
print("RSS while sending, by calls answered: " + ", ".join(marks) +
      "; largest %d MB" % (max(r[1] for r in sending) / 1024))
EOF
bench_emulator_report
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
