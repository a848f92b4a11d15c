#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-builds tcptable for 64-bit Windows with MinGW-w64 and runs its tests under Wine, inside
# a private network namespace holding only loopback, so the tables hold only the tests' sockets
# (and Wine's own). Run as root from anywhere; CI runs it after the Linux tests.
#
#   scripts/windows-cross-test.sh          # install packages, build into build-mingw, test
#
# Environment: TCPTABLE_MINGW_BUILD_DIR (default build-mingw), TCPTABLE_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/${TCPTABLE_MINGW_BUILD_DIR:-build-mingw}
jobs=${TCPTABLE_JOBS:-2}

# Second stage, in the namespace: Wine and the tests.
if [[ ${1:-} == --in-netns ]]; then
  ip link set lo up
  export WINEPREFIX=$build/wine-prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  # One persistent wineserver for the whole run, stopped on the way out: every Wine process
  # (and the service that reads the TCP table for iphlpapi) then lives in this namespace.
  trap 'wineserver -k 2>/dev/null || true; wineserver -w 2>/dev/null || true' EXIT
  mkdir -p "$WINEPREFIX"
  wineserver -p
  # Create or update the prefix and start Wine's services now, with their output away from
  # ctest's pipes (the services inherit it and outlive the program that started them).
  timeout 120 wine wineboot --init </dev/null >"$build/wineboot.log" 2>&1 || {
    echo "windows-cross-test: wineboot failed, see $build/wineboot.log" >&2
    exit 1
  }
  set +e
  timeout 900 ctest --test-dir "$build" -j"$jobs" --output-on-failure --timeout 180 \
    2>&1 | tee "$build/ctest.log"
  rc=${PIPESTATUS[0]}
  exit "$rc"
fi

start=$SECONDS
export DEBIAN_FRONTEND=noninteractive

# The Linux build's dependencies (their headers serve the cross build too), then the cross
# toolchain and Wine; apt runs only for what is missing.
bash scripts/install-deps.sh
packages=(g++-mingw-w64-x86-64 wine wine64 iproute2)
command -v python3 >/dev/null || packages+=(python3)  # runs the differential test
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A Linux tcptable for the differential test: the Linux build's, built if need be.
linux_build=$root/build
if [[ ! -f $linux_build/CMakeCache.txt ]]; then
  linux_build=$build/linux-cli
  cmake -S . -B "$linux_build" -G Ninja -DTCPTABLE_BUILD_TESTS=OFF -DTCPTABLE_BUILD_BENCH=OFF \
    -DTCPTABLE_BUILD_EXAMPLES=OFF -DTCPTABLE_INSTALL=OFF >/dev/null
fi
cmake --build "$linux_build" -j"$jobs" --target tcptable_cli
# And the Linux build of tests/win32/programs/socket_table.c, when that build has the tests.
linux_socket_table=
linux_error_paths=
# (The target list goes into a variable first: grep -q closing the pipe would fail it.)
linux_targets=$(cmake --build "$linux_build" --target help)
if grep -q '^socket_table_c:' <<<"$linux_targets"; then
  cmake --build "$linux_build" -j"$jobs" --target socket_table_c error_paths_c
  linux_socket_table=$linux_build/tests/socket_table_c
  linux_error_paths=$linux_build/tests/error_paths_c
fi

# The install/consumer test and the benchmarks are host-only; the toolchain file does the rest.
cmake --no-warn-unused-cli -S . -B "$build" -G Ninja --toolchain cmake/toolchains/mingw-w64-x86_64.cmake \
  -DTCPTABLE_WERROR=ON -DTCPTABLE_INSTALL=OFF -DTCPTABLE_BUILD_BENCH=OFF \
  -DTCPTABLE_BUILD_EXAMPLES=OFF -DTCPTABLE_LINUX_CLI="$linux_build/src/cli/tcptable" \
  -DTCPTABLE_LINUX_SOCKET_TABLE="$linux_socket_table" \
  -DTCPTABLE_LINUX_ERROR_PATHS="$linux_error_paths"
cmake --build "$build" -j"$jobs"

set +e
if ((EUID == 0)); then
  unshare -n "$0" --in-netns
else
  unshare -rn "$0" --in-netns
fi
rc=$?
set -e
summary=$(grep -E "tests passed|tests failed" "$build/ctest.log" 2>/dev/null | tail -1)
echo "windows-cross-test: ${summary:-no ctest summary}; $((SECONDS - start)) s"
exit "$rc"
