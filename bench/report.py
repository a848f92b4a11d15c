#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Turns a tcptable_snapshot_bench JSON run and a compare.sh CSV into markdown tables, the
ratio of each benchmark to its kernel floor, the targets met or missed, and a gnuplot plot.

  bench/report.py --bench bench.json [--compare compare.csv] [--out DIR] [--png FILE]

Uses the median aggregate when the run had repetitions, else the single run. Only the
standard library and, for the plot, the gnuplot program.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

SIZES = (1000, 10000, 100000)


def load_bench(path):
    data = json.load(open(path))
    default_backend = data.get("context", {}).get("tcptable_default_backend", "?")
    results = {}  # (name, size) -> dict
    for b in data["benchmarks"]:
        run = b.get("run_name", b["name"])
        parts = run.split("/")
        name, size = parts[0], int(parts[1])
        key = (name, size)
        if b.get("error_occurred"):
            results.setdefault(key, {"error": b.get("error_message", "error")})
            continue
        is_median = b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median"
        if b.get("run_type") == "aggregate" and not is_median:
            continue
        if key in results and "error" not in results[key] and not is_median:
            continue  # keep the median once seen; ignore the single repetitions
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        results[key] = {
            "ms": b["real_time"] * scale,
            "rows": b.get("rows", 0),
            "rows_per_s": b.get("rows/s", 0),
            "peak_b_row": b.get("peak_heap_B/row"),
            "kept_b_row": b.get("kept_heap_B/row"),
        }
    return default_backend, results


def load_compare(path):
    out = {}
    if not path:
        return out
    for r in csv.DictReader(open(path)):
        out[(r["tool"], int(r["size"]))] = {
            "ms": float(r["median_ms"]),
            "rows": int(r["rows"]),
            "rss": int(r["peak_rss_kib"]) if r["peak_rss_kib"] else None,
        }
    return out


def floor_of(name, default_backend):
    """The floor each benchmark is compared with (None: no kernel floor applies)."""
    netlink_default = default_backend == "netlink"
    table = {
        "procfs_sorted": ["floor_procfs_read"],
        "procfs_unsorted": ["floor_procfs_read"],
        "procfs_listeners": ["floor_procfs_read"],
        "netlink_sorted": ["floor_netlink_dump"],
        "netlink_unsorted": ["floor_netlink_dump"],
        # The bpf backend (issue 16) is measured against the netlink floor: goal <= 0.75x.
        "bpf_sorted": ["floor_netlink_dump"],
        "bpf_unsorted": ["floor_netlink_dump"],
        "default_sorted": ["floor_netlink_dump" if netlink_default else "floor_procfs_read"],
        "default_unsorted": ["floor_netlink_dump" if netlink_default else "floor_procfs_read"],
        "default_listeners": [
            "floor_netlink_dump_listeners" if netlink_default else "floor_procfs_read"
        ],
        # Owner pids cost the table plus one scan of every process's descriptors.
        "default_owner_pids": [
            "floor_netlink_dump" if netlink_default else "floor_procfs_read",
            "floor_fd_scan",
        ],
    }
    return table.get(name)


def fmt(v, digits=3):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def bench_table(default_backend, res):
    names = []
    for (name, _size) in res:
        if name not in names:
            names.append(name)
    lines = [
        f"Default backend in this run: **{default_backend}** (what default_backend() reports; "
        "automatic reads a table of 10 000 rows or more with bpf where BPF is permitted, from "
        "a process's second large read on).",
        "",
        "| benchmark | size | rows | median ms | rows/s | floor | ratio to floor | peak heap B/row |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for size in SIZES:
        for name in names:
            r = res.get((name, size))
            if r is None:
                continue
            if "error" in r:
                lines.append(f"| {name} | {size} | | skipped: {r['error']} | | | | |")
                continue
            floors = floor_of(name, default_backend)
            ratio, floor_txt = None, ""
            if floors and all((f, size) in res and "ms" in res[(f, size)] for f in floors):
                floor_ms = sum(res[(f, size)]["ms"] for f in floors)
                ratio = r["ms"] / floor_ms
                floor_txt = " + ".join(floors)
            lines.append(
                f"| {name} | {size} | {int(r['rows'])} | {r['ms']:.3f} | "
                f"{r['rows_per_s'] / 1e6:.2f} M | {floor_txt} | "
                f"{fmt(ratio, 2) + '×' if ratio is not None else '–'} | "
                f"{fmt(r['peak_b_row'], 0)} |"
            )
    return "\n".join(lines)


def verdict(ok):
    return "**met**" if ok else "**missed**"


def targets(default_backend, res, cmp):
    def ms(name, size):
        r = res.get((name, size))
        return r["ms"] if r and "ms" in r else None

    lines = ["| target | measured | verdict |", "|---|---|---|"]

    for size in SIZES:
        d, f = ms("netlink_sorted", size), ms("floor_netlink_dump", size)
        dd = ms("default_sorted", size)
        if default_backend == "netlink" and dd is not None and f:
            lines.append(
                f"| default snapshot ≤ 1.10× netlink floor, {size} | {dd:.3f} ms / {f:.3f} ms = "
                f"{dd / f:.2f}× | {verdict(dd / f <= 1.10)} ({(dd / f - 1.10) * 100:+.0f} points) |"
            )
        elif d is not None and f:
            lines.append(
                f"| netlink snapshot ≤ 1.10× netlink floor, {size} | {d:.3f} / {f:.3f} ms = "
                f"{d / f:.2f}× (default is {default_backend}) | {verdict(d / f <= 1.10)} |"
            )
        else:
            lines.append(
                f"| default (netlink) snapshot ≤ 1.10× netlink floor, {size} | netlink backend "
                f"not available (default: {default_backend}; floor {fmt(f)} ms, default "
                f"snapshot {fmt(dd)} ms = {fmt(dd / f if dd and f else None, 1)}× floor) | "
                f"**not measurable** |"
            )

    p, f = ms("procfs_sorted", 100000), ms("floor_procfs_read", 100000)
    if p and f:
        lines.append(
            f"| /proc backend ≤ 1.15× /proc floor, 100k | {p:.2f} / {f:.2f} ms = {p / f:.2f}× | "
            f"{verdict(p / f <= 1.15)} |"
        )

    psu = cmp.get(("psutil call", 100000), {}).get("ms")
    d = ms("default_sorted", 100000)
    if psu and d:
        lines.append(
            f"| ≥ 25× faster than psutil, 100k (in-process: snapshot() vs net_connections()) | "
            f"{psu:.1f} / {d:.2f} ms = {psu / d:.1f}× | {verdict(psu / d >= 25)} |"
        )
    psp, cli = cmp.get(("psutil", 100000), {}).get("ms"), cmp.get(("tcptable", 100000), {}).get("ms")
    if psp and cli:
        lines.append(
            f"| (whole process: `tcptable` vs python3 psutil, 100k) | {psp:.1f} / {cli:.1f} ms = "
            f"{psp / cli:.1f}× | (for reference) |"
        )
    o = ms("default_owner_pids", 100000)
    if psu and o:
        lines.append(
            f"| owner-pid snapshot ≤ 0.35× psutil, 100k | {o:.1f} / {psu:.1f} ms = {o / psu:.2f}× "
            f"| {verdict(o / psu <= 0.35)} |"
        )
    elif psu:
        err = res.get(("default_owner_pids", 100000), {}).get("error", "not run")
        lines.append(f"| owner-pid snapshot ≤ 0.35× psutil, 100k | skipped: {err} | **not measurable** |")

    b, f = ms("bpf_unsorted", 100000), ms("floor_netlink_dump", 100000)
    if b and f:
        lines.append(
            f"| bpf snapshot ≤ 0.75× netlink floor, 100k | {b:.2f} / {f:.2f} ms = {b / f:.2f}× | "
            f"{verdict(b / f <= 0.75)} |"
        )

    l = ms("default_listeners", 100000)
    if l is not None:
        lines.append(
            f"| listeners-only on a 100k table ≤ 2 ms | {l:.3f} ms | {verdict(l <= 2.0)} |"
        )

    ss, cli_r = cmp.get(("ss -tan", 100000)), cmp.get(("tcptable", 100000))
    if ss and cli_r:
        lines.append(
            f"| CLI printing 100k rows ≤ 0.5× `ss -tan` wall time | {cli_r['ms']:.1f} / "
            f"{ss['ms']:.1f} ms = {cli_r['ms'] / ss['ms']:.2f}× | "
            f"{verdict(cli_r['ms'] / ss['ms'] <= 0.5)} |"
        )
        if ss["rss"] and cli_r["rss"]:
            lines.append(
                f"| CLI peak RSS ≤ `ss -tan`'s, 100k | {cli_r['rss']} KiB vs {ss['rss']} KiB | "
                f"{verdict(cli_r['rss'] <= ss['rss'])} |"
            )

    # Memory: the marginal heap per row between 10k and 100k removes the constant part.
    for name in ("default_sorted", "procfs_sorted", "netlink_sorted"):
        a, b = res.get((name, 10000)), res.get((name, 100000))
        if not a or not b or "ms" not in a or "ms" not in b or not b.get("peak_b_row"):
            continue
        ra, rb = a["rows"], b["rows"]
        marginal = (b["peak_b_row"] * rb - a["peak_b_row"] * ra) / (rb - ra) if rb != ra else None
        lines.append(
            f"| memory ≤ 64 B/row + constant ({name}) | peak heap {b['peak_b_row']:.0f} B/row at "
            f"100k, marginal {fmt(marginal, 0)} B/row; table keeps {b['kept_b_row']:.0f} B/row | "
            f"{verdict(marginal is not None and marginal <= 64)} |"
        )
    return "\n".join(lines)


def plot(default_backend, res, cmp, png):
    series = []  # (title, [(rows, ms)])
    for name, title in [
        ("floor_netlink_dump", "floor: netlink dump"),
        ("floor_procfs_read", "floor: /proc read"),
        ("default_sorted", "snapshot() default (automatic), sorted"),
        ("procfs_sorted", "snapshot() procfs, sorted"),
        ("netlink_sorted", "snapshot() netlink, sorted"),
        ("bpf_unsorted", "snapshot() bpf, unsorted"),
        ("default_owner_pids", "snapshot() with owner pids (BPF iterator as root)"),
        ("owner_pids_scan", "snapshot() with owner pids, /proc scan"),
        ("owner_pids_cache_warm", "snapshot() with owner pids, warm owner_cache"),
    ]:
        pts = [(res[(name, s)]["rows"], res[(name, s)]["ms"]) for s in SIZES
               if (name, s) in res and "ms" in res[(name, s)]]
        if pts:
            series.append((title, pts))
    for tool, title in [
        ("tcptable", "tcptable CLI (process)"),
        ("ss -tan", "ss -tan (process)"),
        ("netstat -tan", "netstat -tan (process)"),
        ("psutil", "psutil (python3 process)"),
        ("psutil call", "psutil.net_connections() call"),
    ]:
        pts = [(cmp[(tool, s)]["rows"], cmp[(tool, s)]["ms"]) for s in SIZES if (tool, s) in cmp]
        if pts:
            series.append((title, pts))
    with tempfile.TemporaryDirectory() as tmp:
        plots = []
        for i, (title, pts) in enumerate(series):
            path = os.path.join(tmp, f"s{i}.dat")
            with open(path, "w") as f:
                for x, y in pts:
                    f.write(f"{x} {y}\n")
            style = "dashtype 2" if "floor" in title else ("dashtype 3" if "process" in title else "")
            plots.append(f"'{path}' using 1:2 with linespoints lw 2 {style} title '{title}'")
        script = f"""
set terminal pngcairo size 1100,700 font ',11' noenhanced
set output '{png}'
set logscale xy
set grid
set key bottom right
set xrange [700:150000]
set xlabel 'rows in the table'
set ylabel 'ms per snapshot (median)'
set title 'tcptable: time per snapshot against table size'
plot {', '.join(plots)}
"""
        subprocess.run(["gnuplot"], input=script.encode(), check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--compare")
    ap.add_argument("--out", default="bench-results")
    ap.add_argument("--png")
    a = ap.parse_args()
    default_backend, res = load_bench(a.bench)
    cmp = load_compare(a.compare)
    os.makedirs(a.out, exist_ok=True)
    text = bench_table(default_backend, res)
    goals = targets(default_backend, res, cmp)
    open(os.path.join(a.out, "bench.md"), "w").write(text + "\n")
    open(os.path.join(a.out, "targets.md"), "w").write(goals + "\n")
    print(text)
    print()
    print(goals)
    if a.png:
        plot(default_backend, res, cmp, a.png)


if __name__ == "__main__":
    sys.exit(main())
