#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The cost of `tcptable --all-netns` on N network namespaces (default 20) made by this script
# (`ip netns add` with names of its own, lo up and one loopback listener each held by a process
# of ours, all deleted at the end), against `tcptable` reading one namespace, in the same run.
# The script runs in a private namespace of its own (unshare -n): the namespaces read are its
# own, that one, and whatever other namespaces the machine has.
#
#   bench/all_netns_cost.sh [BUILD_DIR] [OUT_DIR]      NAMESPACES=20 RUNS=21 [PEER_CLI=PATH]
#
# PEER_CLI: another tcptable binary (an older build) whose --all-netns is measured in the same
# run, between two measurements of this one's, for a before/after ratio under the same load.
# Wall time of whole runs (output to /dev/null), median/min/max of RUNS. Writes
# OUT_DIR/all_netns_cost.md. Needs root and python3 (the listeners).
set -euo pipefail

build=${1:-build}
out=${2:-bench-results}
if [[ ${3:-} != --in-netns ]]; then
    mkdir -p "$out"
    exec unshare -n "$0" "$(realpath "$build")" "$(realpath "$out")" --in-netns
fi
ip link set lo up
n=${NAMESPACES:-20}
runs=${RUNS:-21}
cli="$build/src/cli/tcptable"
[[ -x $cli ]] || { echo "all_netns_cost.sh: $cli not built" >&2; exit 2; }

prefix="tcptable-bench-$$"
names=()
holders=()
cleanup() {
    # Only what this script made.
    for p in "${holders[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${holders[@]}"; do wait "$p" 2>/dev/null || true; done
    for name in "${names[@]}"; do ip netns delete "$name" 2>/dev/null || true; done
}
trap cleanup EXIT
for i in $(seq 1 "$n"); do
    name="$prefix-$i"
    ip netns add "$name"
    names+=("$name")
    ip netns exec "$name" ip link set lo up
    ip netns exec "$name" python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 8080)); s.listen(); time.sleep(600)' &
    holders+=($!)
done
found=0
for _ in $(seq 1 300); do
    found=$("$cli" --all-netns -l 2>/dev/null | grep -c '127.0.0.1:8080 ' || true)
    [[ $found -ge $n ]] && break
    sleep 0.1
done
[[ $found -ge $n ]] || { echo "all_netns_cost.sh: listeners not up ($found of $n)" >&2; exit 1; }
total=$("$cli" --all-netns 2>/dev/null | grep -c '^netns ')

# label, command...: median min max of RUNS wall times in ms.
measure() {
    local label=$1
    shift
    "$@" >/dev/null 2>&1
    local t=()
    for _ in $(seq 1 "$runs"); do
        local s e
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1
        e=$(date +%s%N)
        t+=($(( (e - s) / 1000 )))
    done
    printf '%s\n' "${t[@]}" | sort -n | awk -v n="$runs" -v label="$label" \
        '{a[NR]=$1/1000} END {printf "| %s | %.2f | %.2f | %.2f |\n", label, a[int((n+1)/2)], a[1], a[n]}'
}
{
    echo "| command ($total namespaces found, $n of them made here) | median ms | min | max |"
    echo "|---|---:|---:|---:|"
    measure "tcptable (this namespace only)" "$cli"
    measure "tcptable --all-netns" "$cli" --all-netns
    if [[ -n ${PEER_CLI:-} ]]; then
        measure "PEER_CLI --all-netns ($PEER_CLI)" "$PEER_CLI" --all-netns
        measure "tcptable --all-netns (again, after the peer)" "$cli" --all-netns
    fi
    measure "tcptable --all-netns -p" "$cli" --all-netns -p
    measure "tcptable --all-netns --format prometheus" "$cli" --all-netns --format prometheus
    # The peer: what one would do without --all-netns, ss once in each namespace made here.
    measure "ss -tan in each of the $n (ip netns exec, a loop)" bash -c \
        'for n in "$@"; do ip netns exec "$n" ss -tanH; done' _ "${names[@]}"
} | tee "$out/all_netns_cost.md"
