#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs one Windows program under Wine for ctest (CMAKE_CROSSCOMPILING_EMULATOR).
#
# Wine's service processes (services.exe, winedevice.exe) inherit the stdout and stderr of the
# Wine process that starts them and outlive it; if those were ctest's pipes, ctest would wait
# for the services to exit. The program's output therefore goes to files, copied out afterwards.
export WINEDEBUG="${WINEDEBUG:--all}"
# No Mono or Gecko: the tests need neither, and skipping them halves prefix creation.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
export WINEPREFIX="${WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/tcptable-wine}"
tmp=$(mktemp -d) || exit 125
wine "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
cat "$tmp/out"
cat "$tmp/err" >&2
rm -rf "$tmp"
exit "$rc"
