#!/usr/bin/env bash
# Installs what is missing, builds hrsync and runs the whole test suite: once as built, and once
# more under AddressSanitizer + UndefinedBehaviorSanitizer (skip that pass with HRSYNC_NO_SANITIZE=1).
# The database-source tests get a throwaway PostgreSQL cluster on loopback, stopped at exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --test

# A PostgreSQL cluster for the tests that need one; exports HRSYNC_TEST_PG_DSN.
source "$root/scripts/pg_test_cluster.sh"
pg_test_cluster_start
trap pg_test_cluster_stop EXIT

"$root/scripts/build.sh" "$root/build"
(cd "$root/build" && ctest --output-on-failure --parallel "$(nproc)" --timeout 600)

if [[ "${HRSYNC_NO_SANITIZE:-0}" != "1" ]]; then
  "$root/scripts/build.sh" "$root/build-asan" -DHRSYNC_SANITIZE=ON -DHRSYNC_BUILD_BENCH=OFF
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure --parallel "$(nproc)" --timeout 900)
fi
echo "test: all suites passed"
