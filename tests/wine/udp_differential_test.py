#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential test of the UDP table: Linux's `tcptable -u` and `tcptable.exe -u` under Wine.

This process holds UDP sockets on loopback (bound and connected, IPv4 and IPv6), runs
`tcptable -u -p --json` (Linux build) and `tcptable.exe -u --json` (under Wine) and compares
the rows' local endpoints. Windows' UDP table (MIB_UDPROW_OWNER_PID) has no remote end, so a
connected socket is a bound one there; the test checks that Wine's rows all say so and that
Linux's show the peers. In a private network namespace (scripts/windows-cross-test.sh runs the
suite in one) the whole tables are compared, less the sockets of Wine's own processes; elsewhere
only this test's ports. Only sockets this test creates are ever touched.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

DEADLINE = time.monotonic() + 90


def run(cmd):
    left = max(5.0, DEADLINE - time.monotonic())
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=left)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def rows(cmd):
    """Every row of `cmd --json`: a list of dicts, each checked to be a UDP row."""
    out = json.loads(run(cmd))
    for r in out:
        if r.get("protocol") != "udp" or "state" in r:
            sys.exit(f"FAIL: not a UDP row from {cmd[-3]}: {r}")
    return out


def key(r):
    return (r["family"], r["local_address"], r["local_port"])


def is_wine_process(pid):
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
    except OSError:
        return False
    return "wine" in os.path.basename(exe) or comm.endswith(".exe") or comm.startswith("wine")


def only_loopback_here():
    try:
        with open("/proc/net/dev") as f:
            names = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    except OSError:
        return False
    return names == ["lo"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--linux-cli", required=True)
    ap.add_argument("--windows-cli", required=True)
    ap.add_argument("--emulator", required=True)
    args = ap.parse_args()

    whole_table = only_loopback_here()
    held, ports = [], set()
    for family, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        server = socket.socket(family, socket.SOCK_DGRAM)
        server.bind((addr, 0))
        held.append(server)
        ports.add(server.getsockname()[1])
        for _ in range(2):
            c = socket.socket(family, socket.SOCK_DGRAM)
            c.bind((addr, 0))
            c.connect(server.getsockname()[:2])
            held.append(c)
            ports.add(c.getsockname()[1])

    # Wine's services start on its first run; read with Wine first so the Linux read sees them.
    wine = rows([args.emulator, args.windows_cli, "-u", "--json"])
    linux = rows([args.linux_cli, "-u", "-p", "--json"])
    wine_owned = {key(r) for r in linux if r.get("pid") and is_wine_process(r["pid"])}
    if whole_table:
        a = {key(r) for r in linux} - wine_owned
        b = {key(r) for r in wine} - wine_owned
    else:
        a = {key(r) for r in linux if r["local_port"] in ports}
        b = {key(r) for r in wine if r["local_port"] in ports}
        print("note: not in a private network namespace; compared this test's rows only")
    for s in held:
        s.close()

    ok = True
    own_linux = [r for r in linux if r["local_port"] in ports]
    connected = [r for r in own_linux if r["remote_port"] != 0]
    print(f"linux rows: {len(linux)}, wine rows: {len(wine)}, wine's own: {len(wine_owned)}, "
          f"compared: {len(a)}; connected on Linux: {len(connected)}")
    if len(own_linux) != 6 or len(connected) != 4:
        print(f"FAIL: expected 6 rows on this test's ports (4 connected), Linux shows "
              f"{len(own_linux)} ({len(connected)} connected)")
        ok = False
    for r in wine:
        unspecified = "0.0.0.0" if r["family"] == "ipv4" else "::"
        if r["remote_address"] != unspecified or r["remote_port"] != 0:
            print("FAIL: a Windows UDP row with a remote end:", r)
            ok = False
    for k in sorted(a - b):
        print("only in Linux's table:", k)
        ok = False
    for k in sorted(b - a):
        print("only in Wine's table: ", k)
        ok = False
    if not ok:
        sys.exit(1)
    print("PASS: same UDP sockets")


if __name__ == "__main__":
    main()
