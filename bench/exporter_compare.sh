#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Scrape time and CPU of `tcptable serve` against node_exporter's own tcpstat collector
# (Debian's prometheus-node-exporter, only that collector enabled) on the same generated table,
# both on loopback inside a private network namespace this script makes (unshare -n), so the
# table holds only the generator's rows and nothing of the machine's is touched.
#
#   bench/exporter_compare.sh [BUILD_DIR] [OUT_DIR]
#   ROWS=100000 SCRAPES=20 bench/exporter_compare.sh build bench-results
#
# Wall time per scrape: curl's time_total, median (and min/max) of SCRAPES sequential scrapes.
# CPU per scrape: the exporter's utime+stime (/proc/PID/stat) over those scrapes / SCRAPES.
# Writes OUT_DIR/exporter_compare.md. Needs root (unshare -n), curl, prometheus-node-exporter.
set -euo pipefail

build=${1:-build}
out=${2:-bench-results}
if [[ ${3:-} != --in-netns ]]; then
    mkdir -p "$out"
    exec unshare -n "$0" "$(realpath "$build")" "$(realpath "$out")" --in-netns
fi
ip link set lo up

rows=${ROWS:-100000}
scrapes=${SCRAPES:-20}
gen="$build/bench/tcptable_table_generator"
cli="$build/src/cli/tcptable"
ne=/usr/bin/prometheus-node-exporter
for tool in "$gen" "$cli" "$ne"; do
    [[ -x $tool ]] || { echo "exporter_compare.sh: $tool missing (build it / apt-get install prometheus-node-exporter)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "exporter_compare.sh: curl missing" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
    # Only the processes this script started.
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

"$gen" --rows "$rows" --seconds 900 --ready-file "$tmp/ready" >/dev/null &
pids+=($!)
for _ in $(seq 1 1200); do [[ -f $tmp/ready ]] && break; sleep 0.1; done
[[ -f $tmp/ready ]] || { echo "exporter_compare.sh: generator not ready" >&2; exit 1; }
table_rows=$(ss -tanH | wc -l)
echo "== $table_rows rows in the namespace's table" >&2

"$ne" --collector.disable-defaults --collector.tcpstat --web.listen-address=127.0.0.1:19100 \
    >"$tmp/ne.log" 2>&1 &
ne_pid=$!
pids+=($ne_pid)
"$cli" serve --listen 127.0.0.1:19108 >"$tmp/tt.log" 2>&1 &
tt_pid=$!
pids+=($tt_pid)
"$cli" serve --listen 127.0.0.1:19109 --metric-names node >"$tmp/ttn.log" 2>&1 &
ttn_pid=$!
pids+=($ttn_pid)
for port in 19100 19108 19109; do
    for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break; sleep 0.1; done
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# name pid port: SCRAPES scrapes, one after another; prints "median min max cpu_ms bytes".
measure() {
    local pid=$1 port=$2 t0 t1
    curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"  # warm
    t0=$(ticks "$pid")
    : >"$tmp/times"
    for _ in $(seq 1 "$scrapes"); do
        curl -sf -o "$tmp/body" -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" >>"$tmp/times"
    done
    t1=$(ticks "$pid")
    sort -n "$tmp/times" | awk -v n="$scrapes" -v cpu="$(( (t1 - t0) * 1000 / hz ))" \
        -v bytes="$(wc -c <"$tmp/body")" \
        '{a[NR]=$1*1000} END {printf "%.1f %.1f %.1f %.1f %d\n", a[int((n+1)/2)], a[1], a[n], cpu/n, bytes}'
}

{
    echo "| exporter | rows | median scrape ms | min | max | CPU ms / scrape | body bytes |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for entry in "node_exporter tcpstat|$ne_pid|19100" "tcptable serve|$tt_pid|19108" \
        "tcptable serve --metric-names node|$ttn_pid|19109"; do
        IFS='|' read -r name pid port <<<"$entry"
        read -r med lo hi cpu bytes < <(measure "$pid" "$port")
        echo "| $name | $table_rows | $med | $lo | $hi | $cpu | $bytes |"
    done
} | tee "$out/exporter_compare.md"
