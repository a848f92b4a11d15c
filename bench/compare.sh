#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Whole-process comparison: the tcptable CLI against ss, netstat and psutil on generated
# loopback tables of several sizes. Wall time is the median of hyperfine runs (no shell in
# between, output to /dev/null); peak RSS is the median of three `/usr/bin/time -f %M` runs.
#
#   bench/compare.sh [BUILD_DIR] [OUT_DIR]
#   SIZES="1000 10000 100000" RUNS=7 bench/compare.sh build bench-results
#
# Writes OUT_DIR/compare.csv and OUT_DIR/compare.md. Needs hyperfine, GNU time, ss, netstat,
# python3-psutil (Debian's /usr/bin/python3, or $PYTHON). Only loopback rows are generated (see table_generator.cpp).
set -euo pipefail

build=${1:-build}
out=${2:-bench-results}
sizes=${SIZES:-"1000 10000 100000"}
runs=${RUNS:-7}
# Debian's interpreter, which has python3-psutil (a pyenv or venv python3 may not).
py=${PYTHON:-/usr/bin/python3}

gen="$build/bench/tcptable_table_generator"
cli="$build/src/cli/tcptable"
for tool in "$gen" "$cli"; do
    [[ -x $tool ]] || { echo "compare.sh: $tool not built" >&2; exit 2; }
done
for tool in hyperfine ss netstat "$py" /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool missing" >&2; exit 2; }
done
mkdir -p "$out"
tmp=$(mktemp -d)
gen_pid=

stop_generator() {
    if [[ -n $gen_pid ]]; then
        kill -TERM "$gen_pid" 2>/dev/null || true
        wait "$gen_pid" 2>/dev/null || true
        gen_pid=
    fi
}
trap 'stop_generator; rm -rf "$tmp"' EXIT

# name|command: the commands run without a shell (hyperfine -N), so each is one process.
psutil_cmd="$py -c 'import psutil; psutil.net_connections(\"tcp\")'"
commands=(
    "tcptable|$cli"
    "tcptable --backend procfs|$cli --backend procfs"
    "tcptable --backend bpf|$cli --backend bpf"
    "tcptable -p|$cli -p"
    "ss -tan|ss -tan"
    "ss -tanp|ss -tanp"
    "netstat -tan|netstat -tan"
    "psutil|$psutil_cmd"
    "tcptable --info|$cli --info"
    "ss -tin|ss -tin"
)
# ONLY='regex' keeps the commands whose name matches (e.g. ONLY='info|-tin' for the metrics
# comparison: tcptable --info against ss -tin, goal <= 0.5x wall).
if [[ -n ${ONLY:-} ]]; then
    kept=()
    for entry in "${commands[@]}"; do
        [[ ${entry%%|*} =~ $ONLY ]] && kept+=("$entry")
    done
    commands=("${kept[@]}")
fi

# psutil's own call time, without the interpreter's start-up: the fair peer of snapshot().
psutil_call='
import psutil, statistics, sys, time
runs = int(sys.argv[1])
ts, n = [], 0
for _ in range(runs):
    t = time.perf_counter()
    n = len(psutil.net_connections("tcp"))
    ts.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(ts):.3f} {min(ts):.3f} {max(ts):.3f} {n}")
'

echo "tool,size,rows,median_ms,min_ms,max_ms,peak_rss_kib" >"$out/compare.csv"
for size in $sizes; do
    rm -f "$tmp/ready"
    "$gen" --rows "$size" --seconds 900 --ready-file "$tmp/ready" >/dev/null &
    gen_pid=$!
    for _ in $(seq 1 600); do
        [[ -f $tmp/ready ]] && break
        sleep 0.1
    done
    [[ -f $tmp/ready ]] || { echo "compare.sh: generator not ready" >&2; exit 1; }
    rows=$(ss -tanH | wc -l)
    echo "== $size generated, $rows rows in the table" >&2

    args=()
    for entry in "${commands[@]}"; do
        args+=(-n "${entry%%|*}" "${entry#*|}")
    done
    hyperfine -N --style basic --warmup 2 --runs "$runs" --export-json "$tmp/h.json" \
        "${args[@]}" >&2

    for entry in "${commands[@]}"; do
        name=${entry%%|*}
        rss=()
        for _ in 1 2 3; do
            # eval keeps the psutil command's quoting; the command strings are ours.
            rss+=("$(eval "/usr/bin/time -f %M ${entry#*|}" 2>&1 >/dev/null | tail -1)")
        done
        printf '%s\n' "${rss[@]}" | sort -n | sed -n 2p >"$tmp/rss.$name"
    done
    "$py" - "$tmp/h.json" "$tmp" "$size" "$rows" >>"$out/compare.csv" <<'EOF'
import json, sys
h, tmp, size, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
for r in json.load(open(h))["results"]:
    rss = open(f"{tmp}/rss.{r['command']}").read().strip()
    print(f"{r['command']},{size},{rows},{r['median']*1000:.3f},{r['min']*1000:.3f},"
          f"{r['max']*1000:.3f},{rss}")
EOF
    if [[ -z ${ONLY:-} || psutil =~ $ONLY ]]; then
        read -r med lo hi n < <("$py" -c "$psutil_call" "$runs")
        echo "psutil call,$size,$n,$med,$lo,$hi," >>"$out/compare.csv"
    fi
    stop_generator
done

"$py" - "$out/compare.csv" >"$out/compare.md" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("| tool | size | rows | median ms | min ms | max ms | peak RSS KiB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['tool']} | {r['size']} | {r['rows']} | {r['median_ms']} | {r['min_ms']} | "
          f"{r['max_ms']} | {r['peak_rss_kib']} |")
EOF
cat "$out/compare.md"
