# Sourced by scripts/test.sh: a throwaway PostgreSQL cluster on 127.0.0.1 for the test run.
# pg_test_cluster_start exports HRSYNC_TEST_PG_DSN; pg_test_cluster_stop removes the cluster.
# As root, the server runs as the "postgres" user (initdb refuses root).
pg_test_cluster_start() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$bindir" ]]; then
    echo "test: PostgreSQL server binaries not found; run scripts/setup.sh --test" >&2
    return 1
  fi
  PG_TEST_DIR=$(mktemp -d /tmp/hrsync-pg.XXXXXX)
  local runas=()
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$PG_TEST_DIR"
    runas=(runuser -u postgres --)
  fi
  if ! "${runas[@]}" "$bindir/initdb" -D "$PG_TEST_DIR/data" -U hrsync --auth=trust -E UTF8 --no-locale \
      >"$PG_TEST_DIR/initdb.log" 2>&1; then
    echo "test: initdb failed:" >&2
    cat "$PG_TEST_DIR/initdb.log" >&2
    return 1
  fi
  PG_TEST_CTL=("${runas[@]}" "$bindir/pg_ctl" -D "$PG_TEST_DIR/data")
  # A random high port; try another when it is taken.
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 20000 ))
    if "${PG_TEST_CTL[@]}" -l "$PG_TEST_DIR/log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TEST_DIR -c fsync=off" start >/dev/null; then
      export HRSYNC_TEST_PG_DSN="host=127.0.0.1 port=$port user=hrsync dbname=postgres"
      echo "test: PostgreSQL on 127.0.0.1:$port"
      return 0
    fi
  done
  echo "test: PostgreSQL did not start; its log:" >&2
  tail -n 20 "$PG_TEST_DIR/log" >&2
  return 1
}

pg_test_cluster_stop() {
  [[ -n "${PG_TEST_DIR:-}" ]] || return 0
  "${PG_TEST_CTL[@]}" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
  unset PG_TEST_DIR HRSYNC_TEST_PG_DSN
}
