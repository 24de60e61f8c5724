#!/usr/bin/env bash
# Checks what a build installs, as CTest's packaging tests do (tests/packaging/CMakeLists.txt).
#   scripts/check_install.sh BUILD_DIR install   cmake --install into a temporary prefix: the
#       programs, units, sample job and samples are there; the unit starts PREFIX/bin/hrsync;
#       systemd-analyze verify says nothing about the units; the service's exposure score is at
#       most 1.5; `hrsync demo` runs from the prefix with its installed samples.
#   scripts/check_install.sh BUILD_DIR deb       cpack builds the .deb; dpkg -c lists the same
#       files under /usr; the control file depends on libc6 and adduser; postinst makes the user;
#       the unpacked units verify clean and start /usr/bin/hrsync.
set -euo pipefail
build=$(cd "$1" && pwd)
mode=${2:-install}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hrsync-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check_install: $*" >&2; exit 1; }

files=(
  bin/hrsync bin/hrsync-emulator
  share/hrsync/systemd/hrsync@.service share/hrsync/systemd/hrsync@.timer
  share/hrsync/job.toml
  share/hrsync/samples/employees.csv share/hrsync/samples/groups.csv share/hrsync/samples/demo/job.toml
  share/hrsync/samples/photos/E0001.jpg
  share/doc/hrsync/README.md
)

# verify_units UNIT_DIR: systemd-analyze verify on an instance of the service and the timer prints
# nothing and succeeds (it also checks that ExecStart names an executable).
verify_units() {
  local dir=$1 out
  out=$(cd "$tmp" && systemd-analyze verify "$dir/hrsync@tenant-a.service" "$dir/hrsync@tenant-a.timer" 2>&1) \
    || fail "systemd-analyze verify failed: $out"
  [[ -z "$out" ]] || fail "systemd-analyze verify is not clean: $out"
  echo "check_install: systemd-analyze verify clean on $dir/hrsync@.service, hrsync@.timer"
}

if [[ "$mode" == install ]]; then
  prefix=$tmp/prefix
  cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install failed"; }
  for f in "${files[@]}"; do [[ -f "$prefix/$f" ]] || fail "cmake --install did not install $f"; done
  for f in bin/hrsync bin/hrsync-emulator; do [[ -x "$prefix/$f" ]] || fail "$f is not executable"; done
  unit=$prefix/share/hrsync/systemd/hrsync@.service
  grep -qx "ExecStart=$prefix/bin/hrsync sync --config /etc/hrsync/%i.toml --no-progress" "$unit" \
    || fail "the unit does not start $prefix/bin/hrsync: $(grep ExecStart= "$unit")"
  ! grep -q '@HRSYNC_' "$unit" || fail "unconfigured placeholders in $unit"
  verify_units "$prefix/share/hrsync/systemd"

  report=$(cd "$tmp" && systemd-analyze security --offline=true --no-pager "$prefix/share/hrsync/systemd/hrsync@tenant-a.service" 2>&1)
  score=$(sed -nE 's/.*Overall exposure level for [^:]*: ([0-9.]+).*/\1/p' <<<"$report")
  [[ -n "$score" ]] || fail "no exposure score in: $report"
  awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }' || fail "exposure score $score is above 1.5: $report"
  echo "check_install: systemd-analyze security exposure $score"

  (cd "$tmp" && "$prefix/bin/hrsync" demo --workdir "$tmp/demo" >"$tmp/demo.log" 2>&1) || { cat "$tmp/demo.log"; fail "hrsync demo failed from the prefix"; }
  grep -qF "$prefix/share/hrsync/samples/demo/job.toml" "$tmp/demo.log" || { cat "$tmp/demo.log"; fail "hrsync demo did not use the installed samples"; }
  echo "check_install: cmake --install holds ${#files[@]} files; hrsync demo runs from $prefix"
elif [[ "$mode" == deb ]]; then
  (cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack failed"; }
  debs=("$tmp"/pkg/hrsync_*.deb)
  [[ -f "${debs[0]}" ]] || fail "cpack made no hrsync_*.deb: $(ls "$tmp/pkg")"
  deb=${debs[0]}
  dpkg -c "$deb" >"$tmp/contents"
  for f in "${files[@]}"; do grep -qE " \./usr/$f$" "$tmp/contents" || fail "dpkg -c does not list ./usr/$f"; done
  depends=$(dpkg-deb -f "$deb" Depends)
  [[ "$depends" == *libc6* && "$depends" == *adduser* ]] || fail "Depends lacks libc6 or adduser: $depends"
  dpkg-deb -e "$deb" "$tmp/control"
  [[ -x "$tmp/control/postinst" ]] && grep -q "adduser --system" "$tmp/control/postinst" || fail "postinst does not create the user"
  dpkg-deb -x "$deb" "$tmp/root"
  grep -qx "ExecStart=/usr/bin/hrsync sync --config /etc/hrsync/%i.toml --no-progress" "$tmp/root/usr/share/hrsync/systemd/hrsync@.service" \
    || fail "the packaged unit does not start /usr/bin/hrsync"
  # systemd-analyze verify --root needs a whole system under the root; instead the packaged units
  # are verified as they are, save ExecStart pointing at the unpacked /usr/bin/hrsync.
  mkdir -p "$tmp/units"
  sed "s|^ExecStart=/usr/bin/hrsync |ExecStart=$tmp/root/usr/bin/hrsync |" \
    "$tmp/root/usr/share/hrsync/systemd/hrsync@.service" >"$tmp/units/hrsync@.service"
  cp "$tmp/root/usr/share/hrsync/systemd/hrsync@.timer" "$tmp/units/"
  verify_units "$tmp/units"
  "$tmp/root/usr/bin/hrsync" --version >/dev/null || fail "the packaged hrsync does not run"
  echo "check_install: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB), Depends: $depends"
else
  fail "usage: scripts/check_install.sh BUILD_DIR install|deb"
fi
