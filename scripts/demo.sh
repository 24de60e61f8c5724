#!/usr/bin/env bash
# Installs what is missing, builds hrsync and runs the demo: the sample HR export synced into the
# bundled emulator of the five APIs, end to end. Extra arguments go to `hrsync demo`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "$root/build" -DHRSYNC_BUILD_TESTS=OFF -DHRSYNC_BUILD_BENCH=OFF -- hrsync hrsync-emulator
exec "$root/build/bin/hrsync" demo "$@"
