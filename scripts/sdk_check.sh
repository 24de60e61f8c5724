#!/usr/bin/env bash
# The official Feishu Node SDK (@larksuiteoapi/node-sdk, pinned in tests/sdk/package-lock.json)
# as judge of hrsync-emulator: installs the SDK in tests/sdk, starts the emulator on a free
# loopback port with the sample HR export, runs tests/sdk/sdk_check.mjs against it, stops it.
#
#   scripts/sdk_check.sh [path/to/hrsync-emulator]     (default: build/bin/hrsync-emulator)
#
# Exits 0 when the SDK got what the documents say, 1 when it did not, 77 (skipped, for CTest)
# when node or npm is missing or the npm registry cannot be reached.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
emulator=${1:-$root/build/bin/hrsync-emulator}
skip() { echo "sdk_check: skipped: $*"; exit 77; }

command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"
[[ -x "$emulator" ]] || { echo "sdk_check: no emulator at $emulator (build the hrsync-emulator target)"; exit 1; }

work=$(mktemp -d)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root/tests/sdk"
if ! timeout 300 npm ci --no-audit --no-fund --prefer-offline >"$work/npm.log" 2>&1; then
  timeout 30 npm ping >/dev/null 2>&1 || skip "the npm registry cannot be reached"
  cat "$work/npm.log"
  echo "sdk_check: npm ci failed"
  exit 1
fi

"$emulator" --port 0 --port-file "$work/port" --seed 1 \
  --fixture-from-csv "$root/samples/employees.csv" --groups-csv "$root/samples/groups.csv" \
  --fixture-every-member >"$work/emulator.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  [[ -s "$work/port" ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/emulator.log"; echo "sdk_check: the emulator did not start"; exit 1; }
  sleep 0.1
done
[[ -s "$work/port" ]] || { echo "sdk_check: the emulator wrote no port in 10 s"; exit 1; }

status=0
timeout 120 node sdk_check.mjs "http://127.0.0.1:$(cat "$work/port")" "$root/samples/photos/E0001.jpg" || status=$?
if [[ $status -ne 0 ]]; then
  echo "sdk_check: the SDK's checks failed (exit $status); the emulator said:"
  cat "$work/emulator.log"
fi
exit "$status"
