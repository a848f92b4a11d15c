#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz and runs each one for a
# bounded time from its seed corpus: scripts/fuzz.sh [seconds-per-target] [extra libFuzzer flags].
# New inputs go to build-fuzz/corpus/<target> (the checked-in seeds stay as they are); a crash
# leaves build-fuzz/crash-* and makes the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
cxx="${TCPTABLE_FUZZ_CXX:-clang++-14}"
build=build-fuzz

# libFuzzer comes with clang's runtime (Debian 12: clang-14 and libclang-rt-14-dev).
if ! command -v "$cxx" >/dev/null ||
    ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      clang-14 libclang-rt-14-dev
  else
    echo "fuzz.sh: needs $cxx and libFuzzer (apt-get install clang-14 libclang-rt-14-dev)" >&2
    exit 1
  fi
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DTCPTABLE_FUZZ=ON -DTCPTABLE_WERROR=ON \
  -DTCPTABLE_BUILD_TESTS=OFF -DTCPTABLE_BUILD_BENCH=OFF -DTCPTABLE_BUILD_CLI=OFF \
  -DTCPTABLE_BUILD_EXAMPLES=OFF -DTCPTABLE_INSTALL=OFF >/dev/null
cmake --build "$build" -j2

status=0
for target in procfs_parser_fuzz netlink_parser_fuzz snmp_parser_fuzz udp_parser_fuzz \
    win32_api_fuzz cgroup_fuzz; do
  work="$build/corpus/$target"
  mkdir -p "$work"
  echo "== $target: ${seconds}s"
  # -max_len: the largest seed is ~12 KiB; inputs need not be much larger to reach every path.
  if ! "$build/tests/fuzz/$target" "$work" "tests/fuzz/corpus/$target" \
      -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$build/" -print_final_stats=1 "$@" 2>"$build/$target.log"; then
    status=1
    tail -n 40 "$build/$target.log"
  fi
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' \
    "$build/$target.log" || tail -n 3 "$build/$target.log"
done
exit "$status"
