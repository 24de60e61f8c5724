#!/usr/bin/env bash
# sync_wal_frames.sh: how many write transactions and WAL frames a first `hrsync sync` of N
# generated employees into some targets at once costs the snapshot, against hrsync-emulator on
# loopback with its limits lifted.
#
#   bench/e2e/sync_wal_frames.sh BUILD_DIR [N] [COMMIT_BATCH] [TARGETS]
#
# Defaults: 2000 employees, commit_batch 500, TARGETS "contact_user attendance_face acs_card".
#
# strace counts the writes to the snapshot's WAL file: SQLite writes each frame as two writes (its
# 24-byte header, then the page), so frames = writes / 2. The count includes the few frames of
# creating the snapshot's schema.
set -euo pipefail
build=$(cd "${1:?usage: sync_wal_frames.sh BUILD_DIR [N] [COMMIT_BATCH]}" && pwd)
n=${2:-2000}
batch=${3:-500}
targets=${4:-contact_user attendance_face acs_card}
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_dir hrsync-wal
bench_employees "$build" "$n"
bench_emulator "$build" --no-rate-limits
cat > "$dir/job.toml" <<EOF
[job]
snapshot = "hrsync.db"
report_dir = "reports"
commit_batch = $batch

[feishu]
base_url = "$url"
app_id = "cli_demo"
app_secret_file = "secret"

[sources.employees]
kind = "csv"
path = "employees.csv"

EOF
for t in $targets; do
  printf '\n[targets.%s]\nsource = "employees"\nrate = ["1000000/s"]\nallow_above_documented = true\n' "$t" >> "$dir/job.toml"
  if [[ $t == attendance_face ]]; then printf 'employee_type = "employee_no"\n' >> "$dir/job.toml"; fi
done

strace -f -y -e trace=pwrite64 -o "$dir/trace" "$build/bin/hrsync" sync --config "$dir/job.toml" > "$dir/out" 2>&1 \
  || { echo "sync failed:"; tail -5 "$dir/out"; exit 1; }
writes=$(grep -c 'hrsync.db-wal>' "$dir/trace" || true)
echo "employees $n, commit_batch $batch, targets: $targets"
grep -A $(($(wc -w <<< "$targets") + 1)) '^Run ' "$dir/out" | tail -n +2
echo "WAL writes $writes -> about $((writes / 2)) WAL frames"
