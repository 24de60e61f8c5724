#!/usr/bin/env bash
# adopt_tenant.sh: a first `hrsync sync` (empty snapshot, patch mode) against a tenant that already
# has its people: hrsync-emulator started as a populated directory of N generated users
# (--fixture-every-member) of whom DRIFT differ from HR (--fixture-drift: half of them in another
# department, the rest with another name), at the emulator's documented limits (contact_user 50/s
# and 1000/min, its department/freeze PATCH lane 1/s).
#
#   bench/e2e/adopt_tenant.sh BUILD_DIR [N] [DRIFT]
#
# Default: 20,000 users, 0.02. The run reads every user first (400 batch gets), then sends a PATCH
# to each differing user only; the department changes alone pass the 1/s lane. Printed: the plan's
# read (calls, least time) and lanes (calls, least time), the sync's wall time, the updates the
# emulator counted, and the wall time over the least time the limits allow for the reads and the
# writes (reads, then writes: their least times add up).
set -euo pipefail
build=$(cd "${1:?usage: adopt_tenant.sh BUILD_DIR [N] [DRIFT]}" && pwd)
n=${2:-20000}
drift=${3:-0.02}
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_dir hrsync-adopt
bench_employees "$build" "$n"
bench_emulator "$build" --fixture-every-member --fixture-drift "$drift" --seed 7
cat > "$dir/job.toml" <<TOML
[job]
snapshot = "$dir/hrsync.db"
report_dir = "$dir/reports"
max_change_ratio = 1.0
[feishu]
base_url = "$url"
app_id = "cli_demo"
app_secret_file = "$dir/secret"
[sources.employees]
kind = "csv"
path = "$dir/employees.csv"
[targets.contact_user]
source = "employees"
mode = "patch"
concurrency = 16
TOML

echo "users $n, drift $drift; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bin/hrsync" plan --config "$dir/job.toml" --json > "$dir/plan.json" 2> "$dir/plan.err"
python3 - "$dir/plan.json" > "$dir/least" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["targets"][0]
r = t["read"]
write_least = max(l["min_seconds"] for l in t["lanes"])
lanes = ", ".join("%s%s %d calls (%.1f s)" % (l["endpoint"].split()[0], " lane " + l["lane"] if l["lane"] else "", l["calls"], l["min_seconds"]) for l in t["lanes"])
print("plan: read %d keys in %d calls (least %.1f s): %d found, %d absent; %d changed, %d unchanged; writes: %s" % (
    r["keys"], r["calls"], r["min_seconds"], r["found"], r["absent"], t["changed"], t["unchanged"], lanes))
print("LEAST %.3f" % (r["min_seconds"] + write_least))
PY
grep -v '^LEAST' "$dir/least"
least=$(sed -n 's/^LEAST //p' "$dir/least")
# The plan's reads count in the emulator's windows: start the sync from clear windows.
curl -s -X POST "$url/_emulator/reset" > /dev/null
start=$(date +%s.%N)
code=0
"$build/bin/hrsync" sync --config "$dir/job.toml" --no-progress > "$dir/sync.out" 2> "$dir/sync.err" || code=$?
end=$(date +%s.%N)
grep -E 'contact_user: read' "$dir/sync.err" || true
grep -A 2 '^Run ' "$dir/sync.out" | tail -1
grep -A 6 '^Failures by' "$dir/sync.out" || true
python3 - "$url" "$start" "$end" "$least" "$code" <<'PY'
import json, sys, urllib.request
url, start, end, least, code = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
s = json.load(urllib.request.urlopen(url + "/_emulator/stats"))
ops = s.get("operations", {})
wall = end - start
print("sync: exit %s, wall %.1f s; emulator counted %d reads, %d updates, %d throttled; least time %.1f s; wall / least %.3f" % (
    code, wall, ops.get("read", 0), ops.get("update", 0), s.get("throttled", 0), least, wall / least))
PY
