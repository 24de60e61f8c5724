#!/usr/bin/env bash
# Installs the Debian 12 packages that hrsync needs to build (and, with --test, to run its tests).
# Does nothing when they are all present. Usage: scripts/setup.sh [--test]
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ca-certificates openssl
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev
  libssl-dev libsimdjson-dev libfmt-dev libsqlitecpp-dev libsqlite3-dev
  libtomlplusplus-dev libcli11-dev libxxhash-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(postgresql sqlite3)   # a throwaway PostgreSQL cluster for the database-source tests
  packages+=(prometheus)           # promtool: checks the metrics file against the exposition format
  packages+=(systemd dpkg-dev)     # systemd-analyze verify/security and dpkg-shlibdeps for the .deb check
  # libFuzzer and the sanitizers' runtime for clang (scripts/fuzz.sh): g++ has no coverage-guided
  # fuzzer. Clang 16, as Debian 12's clang 14 cannot compile libstdc++ 12's <expected>.
  packages+=(clang-16 libclang-rt-16-dev)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
