#!/usr/bin/env bash
# sync_under_lock_faults.sh: one `hrsync sync` of N contact users against hrsync-emulator on
# loopback while a fifth of the updates are answered 44025 (update user lock), with a few 5xx and
# dropped connections besides; prints the run's summary, the calls the emulator counted by answer,
# the wall time and the exit code. The limits are the documented ones times 10 on both sides
# (500/s and 10000/min), so that 20,000 users take minutes, not half an hour.
#
#   bench/e2e/sync_under_lock_faults.sh BUILD_DIR [N] [MAX_ATTEMPTS]
#
# Defaults: 20000 users, retry.max_attempts 10 (as the 4,000-user integration test), the default
# retry budget (1000, token ratio 1).
set -euo pipefail
build=$(cd "${1:?usage: sync_under_lock_faults.sh BUILD_DIR [N] [MAX_ATTEMPTS]}" && pwd)
n=${2:-20000}
attempts=${3:-10}
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_dir hrsync-lock
bench_employees "$build" "$n"
bench_emulator "$build" --rate-scale 10 --seed 7 \
  --fault lock=0.2@contact_user --fault internal=0.02@contact_user --fault reset=0.01@contact_user
cat > "$dir/job.toml" <<EOF
[job]
snapshot = "hrsync.db"
report_dir = "reports"

[feishu]
base_url = "$url"
app_id = "cli_demo"
app_secret_file = "secret"

[retry]
max_attempts = $attempts

[sources.employees]
kind = "csv"
path = "employees.csv"

[targets.contact_user]
source = "employees"
rate = ["500/s", "10000/min"]
allow_above_documented = true
concurrency = 16
EOF

start=$(date +%s.%N)
code=0
"$build/bin/hrsync" sync --config "$dir/job.toml" --no-progress > "$dir/out" 2>&1 || code=$?
end=$(date +%s.%N)
echo "contact users $n, retry.max_attempts $attempts, default retry budget"
grep -A 2 '^Run ' "$dir/out" | tail -n +2 || tail -20 "$dir/out"
tail -1 "$dir/out"
curl -s "$url/_emulator/stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("emulator:", json.dumps({k: v for k, v in s.items() if k in ("requests", "throttled", "faults")}))
print("contact_user:", json.dumps(s.get("endpoints", {}).get("contact_user")))
' || true
printf 'wall %.1f s, exit %d\n' "$(echo "$end - $start" | bc)" "$code"
