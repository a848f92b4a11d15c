#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Packaging and layout checks for CI (run as root):
#   1. the shared build: libtcptable.so exports tcptable's API and no Win32 symbol, the Win32
#      functions live in libtcptable_win32.so; consumers build from its install tree
#      (find_package with tcptable::asio and tcptable::win32 - the seed example -, pkg-config,
#      add_subdirectory);
#   2. cpack's .deb installs with dpkg -i, a consumer builds against /usr, and it is removed;
#   3. -DTCPTABLE_PLATFORM=unsupported builds library, Win32 layer and CLI on this host, and the
#      CLI says "not supported" and exits 1;
#   4. the toolchain file's documented cross configure works as written.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${TCPTABLE_JOBS:-2}
work=$root/build-package
rm -rf "$work"
mkdir -p "$work"
bash scripts/install-deps.sh
for p in dpkg-dev file; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }
done

echo "--- shared library"
cmake -S . -B "$work/shared" -G Ninja -DBUILD_SHARED_LIBS=ON -DTCPTABLE_WERROR=ON \
  -DTCPTABLE_BUILD_TESTS=OFF -DTCPTABLE_BUILD_BENCH=OFF -DTCPTABLE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$work/shared" -j"$jobs"
core=$(echo "$work"/shared/libtcptable.so.*.*.*)
win32=$(echo "$work"/shared/libtcptable_win32.so.*.*.*)
nm -D --defined-only "$core" | c++filt >"$work/core-symbols.txt"
nm -D --defined-only "$win32" >"$work/win32-symbols.txt"
if grep -E ' (GetTcp|GetExtendedTcp|tcptable_win32_)' "$work/core-symbols.txt"; then
  echo "package-test: libtcptable.so exports Win32 symbols (above)" >&2
  exit 1
fi
# The API, inside its inline ABI namespace (tcptable::v0_1::...).
for sym in 'snapshot\(' 'snapshot_all_namespaces\(' 'snapshot_udp\(' 'statistics\(' 'version\(\)' 'diff_tables\(' \
  'process_name(\[abi:cxx11\])?\(' 'destroy_connection\('; do
  grep -qE " tcptable::v[0-9_]+::$sym" "$work/core-symbols.txt" ||
    { echo "package-test: libtcptable.so does not export tcptable::v*::$sym" >&2; exit 1; }
done
# Test seams' setters live in test-only objects: in no library, exported or not.
nm -C "$core" "$win32" >"$work/all-symbols.txt"
if grep -E 'test_seams|set_win32_rows_hook|set_win32_udp_rows_hook|set_win32_snapshot_bypass|set_netlink_refusal' \
  "$work/all-symbols.txt"; then
  echo "package-test: the libraries hold test seams (above)" >&2
  exit 1
fi
for sym in GetTcpTable GetTcp6Table GetExtendedTcpTable GetTcpStatistics GetTcpStatisticsEx \
  GetUdpTable GetUdp6Table GetExtendedUdpTable SetTcpEntry GetOwnerModuleFromTcpEntry \
  GetOwnerModuleFromUdpEntry FormatMessageA FormatMessageW GetLastError LocalFree; do
  grep -qE " T $sym\$" "$work/win32-symbols.txt" ||
    { echo "package-test: libtcptable_win32.so does not export $sym" >&2; exit 1; }
done
readelf -d "$core" | grep -q "SONAME.*libtcptable.so.0.1" ||
  { echo "package-test: unexpected soname: $(readelf -d "$core" | grep SONAME)" >&2; exit 1; }
cmake -DSOURCE_DIR="$root" -DBUILD_DIR="$work/shared" -DWORK_DIR="$work/shared-consumer" \
  -DGENERATOR=Ninja -DCXX=c++ -DWIN32_LAYER=1 \
  -DSEED_FILE="$root/../shared/seed/000_4f3f0d7dbb37f6f8.txt" -P tests/consumer/run.cmake

echo "--- .deb"
(cd "$work/shared" && cpack -G DEB >/dev/null)
deb=$(echo "$work"/shared/tcptable_*.deb)
[[ -f $deb ]] || { echo "package-test: cpack made no .deb" >&2; exit 1; }
dpkg-query -W tcptable >/dev/null 2>&1 && dpkg -r tcptable >/dev/null
trap 'dpkg -r tcptable >/dev/null 2>&1 || true' EXIT
dpkg -i "$deb" >/dev/null
cmake -S tests/consumer -B "$work/deb-consumer" -G Ninja >/dev/null
cmake --build "$work/deb-consumer"
"$work/deb-consumer/consumer"
"$work/deb-consumer/consumer_asio"
tcptable --version
dpkg -r tcptable >/dev/null
trap - EXIT

echo "--- unsupported platform"
# Debug (-O0): this build is checked for compiling and for what its CLI says, not for speed.
cmake -S . -B "$work/unsupported" -G Ninja -DTCPTABLE_PLATFORM=unsupported -DCMAKE_BUILD_TYPE=Debug \
  -DTCPTABLE_WERROR=ON \
  -DTCPTABLE_BUILD_TESTS=OFF -DTCPTABLE_BUILD_BENCH=OFF >/dev/null
cmake --build "$work/unsupported" -j"$jobs"
set +e
out=$("$work/unsupported/src/cli/tcptable" 2>&1)
rc=$?
set -e
[[ $rc == 1 && $out == *"not supported"* ]] ||
  { echo "package-test: unsupported CLI: exit $rc, '$out'" >&2; exit 1; }
[[ -f $(echo "$work"/unsupported/libtcptable_win32.a) ]] ||
  { echo "package-test: the unsupported build has no Win32 layer" >&2; exit 1; }

echo "--- documented cross configure"
if command -v x86_64-w64-mingw32-g++-posix >/dev/null; then
  cmake -S . -B "$work/mingw" -G Ninja --toolchain cmake/toolchains/mingw-w64-x86_64.cmake >/dev/null
fi
echo "package-test: passed"
