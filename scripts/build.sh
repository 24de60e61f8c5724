#!/usr/bin/env bash
# Configures and builds hrsync into a build folder. Usage: scripts/build.sh [BUILD_DIR] [cmake args...] [-- targets...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build}; shift || true
args=(); targets=()
while [[ $# -gt 0 ]]; do
  if [[ "$1" == "--" ]]; then shift; targets=("$@"); break; fi
  args+=("$1"); shift
done
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${args[@]}" >/dev/null
if [[ ${#targets[@]} -gt 0 ]]; then
  cmake --build "$dir" --parallel "$(nproc)" --target "${targets[@]}"
else
  cmake --build "$dir" --parallel "$(nproc)"
fi
