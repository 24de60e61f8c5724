# common.sh: what the end-to-end bench scripts share, sourced by them (not run on its own):
# a temporary folder, N generated employees, hrsync-emulator started on loopback on them, and a job
# of employee targets with every limit lifted.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#   bench_dir NAME                  # $dir: a new temporary folder; at exit the emulator is stopped
#                                   # and the folder removed
#   bench_employees BUILD N         # $dir/employees.csv (hrsync-gen-employees N) and $dir/secret
#   bench_emulator BUILD ARGS...    # hrsync-emulator on that CSV with ARGS (--no-rate-limits, faults);
#                                   # sets $emu (its pid) and $url
#   bench_job FOLDER TARGETS...     # prints a job reading $dir/employees.csv: snapshot and reports in
#                                   # FOLDER, each target (and lane) at 1000000/s, 32 requests in flight,
#                                   # no read before the diff (read = "never": these benches measure writes)
#   bench_emulator_report           # the emulator's request count, per target and in all, the
#                                   # entities it holds and its own peak RSS
emu=
dir=

bench_dir() {
  dir=$(mktemp -d "/tmp/$1.XXXXXX")
  # SIGKILL: an emulator holding millions of entities takes minutes of CPU to free them on SIGTERM.
  trap 'if [[ -n $emu ]]; then kill -KILL "$emu" 2>/dev/null || true; fi; rm -rf "$dir"' EXIT
}

bench_employees() {
  "$1/bin/hrsync-gen-employees" "$2" > "$dir/employees.csv"
  printf 'bench-secret\n' > "$dir/secret"
  chmod 600 "$dir/secret"
}

bench_emulator() {
  local build=$1
  shift
  "$build/bin/hrsync-emulator" --port 0 --port-file "$dir/port" "$@" \
    --app-secret-file "$dir/secret" --fixture-from-csv "$dir/employees.csv" > "$dir/emulator.log" 2>&1 &
  emu=$!
  # A million employees take the emulator some seconds to load.
  for _ in $(seq 6000); do
    [[ -s "$dir/port" ]] && break
    kill -0 "$emu" 2>/dev/null || { echo "hrsync-emulator did not start:"; tail -5 "$dir/emulator.log"; exit 1; }
    sleep 0.1
  done
  url="http://127.0.0.1:$(cat "$dir/port")"
}

bench_job() {
  local folder=$1 t
  shift
  printf '[job]\nsnapshot = "%s/hrsync.db"\nreport_dir = "%s/reports"\n\n' "$folder" "$folder"
  printf '[feishu]\nbase_url = "%s"\napp_id = "cli_demo"\napp_secret_file = "%s/secret"\n\n' "$url" "$dir"
  printf '[sophon]\nbase_url = "%s"\n\n' "$url"
  printf '[sources.employees]\nkind = "csv"\npath = "%s/employees.csv"\n' "$dir"
  for t in "$@"; do
    printf '\n[targets.%s]\nsource = "employees"\nrate = ["1000000/s"]\nallow_above_documented = true\nconcurrency = 32\nread = "never"\n' "$t"
    # A first run's PATCH of a contact user sets department_ids: the 1/s lane, lifted too.
    if [[ $t == contact_user ]]; then printf 'lane_rate = ["1000000/s"]\n'; fi
  done
}

bench_emulator_report() {
  local hwm
  curl -s "$url/_emulator/stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
calls = {k: v["requests"] for k, v in s.get("endpoints", {}).items() if v.get("requests")}
print("emulator: %d requests (%s), %d throttled; holds %s" % (
    s["requests"], ", ".join("%s %d" % kv for kv in calls.items()), s["throttled"],
    ", ".join("%s %d" % kv for kv in s.get("entities", {}).items() if kv[1])))
' || echo "emulator: no stats"
  hwm=$(awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/$emu/status" 2>/dev/null || echo '?')
  echo "emulator peak RSS: $hwm MB"
}
