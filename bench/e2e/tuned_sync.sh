#!/usr/bin/env bash
# tuned_sync.sh: a sync with the lines `hrsync tune` recommends, against the emulator playing an
# undocumented tenant (README "Tuning"): the access-control limit at 30/s, a face box of 4 workers
# at 100 ms each (40/s), 30-60 ms added to every Feishu answer; the sample job and its 300
# employees, every one already on every platform (results in bench/README.md).
#
#   bench/e2e/tuned_sync.sh BUILD
#
# 1. `hrsync tune --write-probe --json` on the sample job;
# 2. the job with tune's lines (rate and concurrency) for acs_card and sophon_person, then
#    `hrsync sync --full --force --no-read --only acs_card --only sophon_person`;
# 3. the same with tune's rates and `concurrency = "auto"`.
# For each sync and target: requests, throttled answers, seconds from the first request to the
# last answer, the rate that makes and its share of the recommended rate, and the concurrency used.
set -euo pipefail
build=${1:?usage: tuned_sync.sh BUILD}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=$(mktemp -d /tmp/hrsync-tuned.XXXXXX)
emu=
trap 'if [[ -n $emu ]]; then kill "$emu" 2>/dev/null || true; fi; rm -rf "$dir"' EXIT

"$build/bin/hrsync-emulator" --port 0 --port-file "$dir/port" \
  --fixture-from-csv "$root/samples/employees.csv" --groups-csv "$root/samples/groups.csv" --fixture-every-member \
  --acs-rate 30/s --sophon-workers 4 --sophon-service-ms 100 --latency-ms feishu=30..60 > "$dir/emulator.log" 2>&1 &
emu=$!
for _ in $(seq 300); do
  [[ -s "$dir/port" ]] && break
  kill -0 "$emu" 2>/dev/null || { echo "hrsync-emulator did not start:"; tail -5 "$dir/emulator.log"; exit 1; }
  sleep 0.1
done
url="http://127.0.0.1:$(cat "$dir/port")"

# The sample job, pointed at the emulator, its files in $dir and its sources in samples/.
sed -e "s#http://127.0.0.1:8900#$url#" -e "s#\"var/#\"$dir/var/#" -e "s#\"\.\./#\"$root/samples/#" \
  -e "s#photo_dir = \"\.\.\"#photo_dir = \"$root/samples\"#" "$root/samples/demo/job.toml" > "$dir/base.toml"
export HRSYNC_DEMO_APP_SECRET=demo-secret

"$build/bin/hrsync" tune --config "$dir/base.toml" --write-probe --json > "$dir/tune.json"
jq -r '.targets[] | select(.id == "acs_card" or .id == "sophon_person")
       | "tune: \(.id) recommended rate \(.recommended.rate), concurrency \(.recommended.concurrency); found by \(.measured.found_by)"' \
  "$dir/tune.json"
echo "tune: $(jq -r '.calls | "\(.writes) writes, \(.reads) reads, \(.token) token requests"' "$dir/tune.json")"

# The job with tune's lines for the two targets, the concurrency as tune printed it or "auto".
tuned_job() {
  local concurrency_mode=$1 out=$2
  cp "$dir/base.toml" "$out"
  for t in acs_card sophon_person; do
    local rate concurrency
    rate=$(jq -r --arg t "$t" '.targets[] | select(.id == $t) | .recommended.rate' "$dir/tune.json")
    concurrency=$(jq -r --arg t "$t" '.targets[] | select(.id == $t) | .recommended.concurrency' "$dir/tune.json")
    [[ $concurrency_mode == auto ]] && concurrency='"auto"'
    # Drop the table's own rate line, and add the recommended lines under its header.
    sed -i -e "/^\[targets\.$t\]/,/^\[/{/^rate = /d}" \
      -e "s#^\[targets\.$t\]\$#[targets.$t]\nrate = \"$rate\"\nconcurrency = $concurrency#" "$out"
  done
}

sync_with() {
  local name=$1
  tuned_job "$name" "$dir/$name.toml"
  rm -rf "$dir/var"
  local started=$SECONDS
  "$build/bin/hrsync" sync --config "$dir/$name.toml" --full --force --no-read --only acs_card --only sophon_person \
    > "$dir/$name.out" 2>&1 || { echo "sync ($name) failed:"; tail -20 "$dir/$name.out"; exit 1; }
  local report
  report=$(ls -t "$dir"/var/reports/*.json | head -1)
  echo "sync with tune's rates, concurrency $name ($((SECONDS - started)) s in all):"
  for t in acs_card sophon_person; do
    local recommended
    recommended=$(jq -r --arg t "$t" '.targets[] | select(.id == $t) | .recommended.rate_per_s' "$dir/tune.json")
    jq -r --arg t "$t" --argjson r "$recommended" '.targets[] | select(.id == $t)
      | "  \(.id): \(.applied) applied, \(.requests) requests, \(.throttled) throttled, \(.seconds) s -> "
        + "\((.requests - 1) / .seconds * 10 | round / 10)/s = \((.requests - 1) / .seconds / $r * 1000 | round / 10) % of \($r)/s; "
        + "concurrency \(if .concurrency.auto then "auto \(.concurrency.cap) (at most \(.concurrency.peak))" else .concurrency.cap end)"' "$report"
  done
}

sync_with tuned
sync_with auto
