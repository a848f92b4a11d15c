#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sanitizer runs for CI: scripts/sanitize.sh [asan|tsan|all]
#   asan: build-asan with AddressSanitizer + UndefinedBehaviorSanitizer, the whole ctest suite
#         (tests labelled "long" excluded, as in the plain run).
#   tsan: build-tsan with ThreadSanitizer, only the tests that run threads of their own: the
#         Asio async_snapshot, watcher and diff tests, the event sources' (events_test), and
#         snapshots sharing one owner cache (owner_cache_test), the watcher with owner pids
#         (watcher_owner_test), and --all-netns reading namespaces on several threads
#         (netns_all_test's parallel readers).
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
jobs="${TCPTABLE_JOBS:-2}"

if [[ "$which" == asan || "$which" == all ]]; then
  # Line tables only (-g1): the sanitizers' reports keep functions and lines, the build is
  # a fifth quicker.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
    -DTCPTABLE_WERROR=ON -DTCPTABLE_SANITIZE=address,undefined -DTCPTABLE_BUILD_BENCH=OFF
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE long
fi

if [[ "$which" == tsan || "$which" == all ]]; then
  # -Wno-tsan: GCC 12 warns that TSan does not model the std::atomic_thread_fence in Boost.Asio's
  # std_fenced_block; the warning is about Boost's header, and -Werror must not stop on it.
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTCPTABLE_WERROR=ON \
    -DCMAKE_CXX_FLAGS=-Wno-tsan -DTCPTABLE_SANITIZE=thread -DTCPTABLE_BUILD_BENCH=OFF -DTCPTABLE_BUILD_CLI=OFF \
    -DTCPTABLE_BUILD_EXAMPLES=OFF -DTCPTABLE_INSTALL=OFF
  cmake --build build-tsan -j"$jobs" --target asio_test diff_test events_test owner_cache_test \
    watcher_owner_test netns_all_test
  TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}" \
    ctest --test-dir build-tsan --output-on-failure -j"$jobs" \
      -R 'async_snapshot|watcher|diff_tables|events\.|owner_cache\.threads|owner_bpf\.threads|all_netns\.reading_namespaces_at_once'
fi
