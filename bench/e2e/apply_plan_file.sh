#!/usr/bin/env bash
# apply_plan_file.sh: the memory of `hrsync apply` of a large plan file against that of `hrsync sync`
# doing the same first run. N generated employees, four employee targets (4 x N calls), against
# hrsync-emulator on loopback with every limit lifted on both sides; each command's peak RSS and
# wall time come from /usr/bin/time. The apply streams the calls from the file; the sync spools a
# target's new entities past its first 1,000 to a temporary file and streams them back.
#
#   bench/e2e/apply_plan_file.sh BUILD_DIR [N]
#
# Default: 50000 employees (200,000 calls).
set -euo pipefail
build=$(cd "${1:?usage: apply_plan_file.sh BUILD_DIR [N]}" && pwd)
n=${2:-50000}
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_dir hrsync-apply
bench_employees "$build" "$n"
bench_emulator "$build" --no-rate-limits
targets=(contact_user attendance_face acs_card sophon_person)
mkdir -p "$dir/a" "$dir/s"
bench_job "$dir/a" "${targets[@]}" > "$dir/apply.toml"
bench_job "$dir/s" "${targets[@]}" > "$dir/sync.toml"

measure() {  # label, command...
  local label=$1 code=0 kb secs
  shift
  /usr/bin/time -f "%M %e" -o "$dir/time" "$@" > "$dir/out" 2>&1 || code=$?
  read -r kb secs < <(tail -1 "$dir/time")
  printf '%-28s peak RSS %6d MB  wall %7.1f s  exit %d\n' "$label" $((kb / 1024)) "$secs" "$code"
}

echo "employees $n, 4 targets, limits lifted"
measure "plan --out" "$build/bin/hrsync" plan --config "$dir/apply.toml" --out "$dir/migration.plan"
echo "plan file: $(grep -c '' "$dir/migration.plan") lines, $(( $(stat -c %s "$dir/migration.plan") / 1048576 )) MB"
measure "plan --show > /dev/null" sh -c "'$build/bin/hrsync' plan --show '$dir/migration.plan' > /dev/null"
measure "apply" "$build/bin/hrsync" apply "$dir/migration.plan" --no-progress
grep -A 6 '^Run ' "$dir/out" | tail -n +2 || tail -20 "$dir/out"
measure "apply again (applied)" "$build/bin/hrsync" apply "$dir/migration.plan" --no-progress
measure "sync (the same first run)" "$build/bin/hrsync" sync --config "$dir/sync.toml" --no-progress
