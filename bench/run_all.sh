#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The full performance run behind docs/PERFORMANCE.md: the in-process benchmarks (five
# repetitions, medians), then the whole-process comparison, then the report and the plot.
# The two parts run one after the other so they never share the machine.
#
#   bench/run_all.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build=${1:-build}
out=${2:-bench-results}
mkdir -p "$out"
{
    echo "date: $(date -u +%FT%TZ)"
    echo "nproc: $(nproc)"
    echo "kernel: $(uname -r)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
} >"$out/machine.txt"
"$build/bench/tcptable_snapshot_bench" --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="$out/bench.json" --benchmark_out_format=json
# Churn: connections opened and closed a second, snapshots under churn (its own namespace
# where it may be, so the generator's table is not in it).
"$build/bench/tcptable_churn_bench" --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="$out/churn.json" --benchmark_out_format=json
# The benchmark's last table leaves ~10 000 TIME-WAIT rows for 60 s; let them expire so the
# comparison's small tables are not inflated by them.
sleep "${SETTLE_SECONDS:-65}"
"$(dirname "$0")/compare.sh" "$build" "$out"
/usr/bin/python3 "$(dirname "$0")/report.py" --bench "$out/bench.json" \
    --compare "$out/compare.csv" --out "$out" --png "$out/performance.png"
