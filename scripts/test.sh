#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, from a fresh Debian 12 machine (as root): installs what is missing,
# builds and runs every stage, and fails if any stage fails. CI runs exactly this.
#
#   1. Linux build with warnings as errors, the full ctest suite (bench smoke included).
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build, the full suite; ThreadSanitizer
#      build, the async and watcher tests.
#   3. libFuzzer targets, a bounded run each.
#   4. MinGW-w64 cross build of the Windows backend, its tests under Wine.
#   5. The Asio tests against Debian's Boost 1.81 (per-operation cancellation slots).
#   6. Packaging and layout: the shared library's symbols, consumers of the install tree
#      (CMake, pkg-config, add_subdirectory), the .deb, the unsupported-platform build.
#
# TCPTABLE_STAGES picks stages (default "linux sanitize fuzz windows boost package").
set -euo pipefail
cd "$(dirname "$0")/.."
stages=${TCPTABLE_STAGES:-linux sanitize fuzz windows boost package}
start=$SECONDS
stage() { echo; echo "=== tcptable test stage: $1 ($((SECONDS - start)) s so far)"; }

bash scripts/install-deps.sh

for s in $stages; do
  case $s in
    linux)
      stage linux
      # Tests, benchmarks and examples on: the README's first command may have configured
      # build/ without them. The default build type's -O2, with line tables only (-g1) instead
      # of full debug information: a quarter less compile time, and backtraces keep their lines.
      cmake -S . -B build -G Ninja -DTCPTABLE_WERROR=ON -DTCPTABLE_BUILD_TESTS=ON \
        -DTCPTABLE_BUILD_BENCH=ON -DTCPTABLE_BUILD_EXAMPLES=ON \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
      cmake --build build
      ctest --test-dir build --output-on-failure -j2 -LE long
      ;;
    sanitize)
      stage sanitize
      bash scripts/sanitize.sh all
      ;;
    fuzz)
      stage fuzz
      bash scripts/fuzz.sh "${TCPTABLE_FUZZ_SECONDS:-20}"
      ;;
    windows)
      stage windows
      bash scripts/windows-cross-test.sh
      ;;
    boost)
      stage boost
      bash scripts/boost-compat.sh
      ;;
    package)
      stage package
      bash scripts/package-test.sh
      ;;
    *)
      echo "unknown stage '$s'" >&2
      exit 2
      ;;
  esac
done
echo
echo "=== tcptable: all stages passed ($stages) in $((SECONDS - start)) s"
