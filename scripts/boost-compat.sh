#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs the Asio tests against a newer Boost than the system's 1.74: Debian 12's
# libboost1.81-dev, unpacked into the build directory (not installed: it conflicts with
# libboost-dev). Asio 1.19+ adds per-operation cancellation slots, which include/tcptable/asio.hpp
# supports when it finds them; only this stage compiles and tests that code.
#
# Environment: TCPTABLE_BOOST_COMPAT_DIR (default build-boost181), TCPTABLE_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
build=$PWD/${TCPTABLE_BOOST_COMPAT_DIR:-build-boost181}
jobs=${TCPTABLE_JOBS:-2}
package=libboost1.81-dev
root=$build/boost-root

bash scripts/install-deps.sh
if [[ ! -f $root/usr/include/boost/asio/cancellation_signal.hpp ]]; then
  mkdir -p "$build/deb"
  (cd "$build/deb" && { apt-get download -q "$package" 2>/dev/null ||
    { apt-get update -qq && apt-get download -q "$package"; }; })
  rm -rf "$root"
  dpkg -x "$build"/deb/"$package"_*.deb "$root"
fi
config=$(echo "$root"/usr/lib/*/cmake/Boost-1.81.0)
cmake -S . -B "$build" -G Ninja -DTCPTABLE_WERROR=ON -DTCPTABLE_BUILD_BENCH=OFF \
  -DTCPTABLE_BUILD_CLI=OFF -DTCPTABLE_BUILD_EXAMPLES=OFF -DTCPTABLE_INSTALL=OFF \
  -DBoost_DIR="$config" -DBoost_NO_SYSTEM_PATHS=ON >/dev/null
grep -q -- "-isystem $root/usr/include" "$build/build.ninja" ||
  { echo "boost-compat: the build does not use $root's headers" >&2; exit 1; }
cmake --build "$build" -j"$jobs" --target asio_test watcher_owner_test
ctest --test-dir "$build" --output-on-failure -j"$jobs" -R 'async_snapshot|watcher|asio_conversions'
