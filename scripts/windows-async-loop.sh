#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the Windows build's async and watcher tests (asio_test.exe) N times in a row under Wine,
# in a private network namespace, each run bounded by its own time limit, and stops at the
# first failure or hang. Evidence for the async hand-off: scripts/windows-async-loop.sh 50
# Needs build-mingw (scripts/windows-cross-test.sh builds it); run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
build=${TCPTABLE_MINGW_BUILD_DIR:-$PWD/build-mingw}
exe=$build/tests/asio_test.exe
[[ -f $exe ]] || { echo "windows-async-loop: $exe is missing; build it first" >&2; exit 2; }

if [[ ${2:-} == --in-netns ]]; then
  ip link set lo up
  export WINEPREFIX=$build/wine-prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  trap 'wineserver -k 2>/dev/null || true; wineserver -w 2>/dev/null || true' EXIT
  mkdir -p "$WINEPREFIX"
  wineserver -p
  timeout 120 wine wineboot --init </dev/null >"$build/wineboot.log" 2>&1
  for ((i = 1; i <= runs; i++)); do
    start=$SECONDS
    set +e
    timeout 300 wine "$exe" >"$build/async-loop.log" 2>&1 </dev/null
    rc=$?
    set -e
    if ((rc != 0)); then
      tail -30 "$build/async-loop.log"
      echo "windows-async-loop: run $i of $runs failed (exit $rc; 124 = hung past 300 s)" >&2
      exit 1
    fi
    echo "windows-async-loop: run $i of $runs passed ($(grep -c '\[       OK \]' "$build/async-loop.log") tests, $((SECONDS - start)) s)"
  done
  exit 0
fi
exec unshare -n "$0" "$runs" --in-netns
