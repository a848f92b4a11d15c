#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential test: Linux's tcptable and tcptable.exe under Wine read the same table.

This process holds loopback sockets in several states (LISTEN, ESTABLISHED, FIN-WAIT-2 and
CLOSE-WAIT, TIME-WAIT; IPv4 and IPv6), runs `tcptable --json` (Linux build) and
`tcptable.exe --json` (under Wine) and compares the rows. Run it in a private network
namespace (scripts/windows-cross-test.sh does, with `unshare -n`): then the table holds only
these sockets and Wine's own, and the whole tables are compared. In a namespace with other
interfaces, only the rows on this test's ports are compared, since other programs' sockets
may change between the two reads. Only sockets this test creates are ever touched.
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
    """The rows of `cmd --json` as comparable tuples, with the pid when there is one."""
    out = {}
    for r in json.loads(run(cmd)):
        key = (r["family"], r["local_address"], r["local_port"], r["remote_address"],
               r["remote_port"], r["state"])
        out[key] = r.get("pid", 0)
    return out


def is_wine_process(pid):
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
    except OSError:
        return False
    return "wine" in os.path.basename(exe) or comm.endswith(".exe") or comm.startswith("wine")


def only_loopback_here():
    """True in a namespace whose only interface is lo (/proc/net/dev is per namespace)."""
    try:
        with open("/proc/net/dev") as f:
            names = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    except OSError:
        return False
    return names == ["lo"]


class sockets:
    """Loopback sockets in the states the test compares, held until close()."""

    def __init__(self):
        self.held = []
        self.ports = set()
        for family, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            lst = self.keep(socket.socket(family, socket.SOCK_STREAM))
            lst.bind((addr, 0))
            lst.listen(16)
            port = lst.getsockname()[1]
            self.ports.add(port)
            pairs = []
            for _ in range(3):
                c = self.keep(socket.socket(family, socket.SOCK_STREAM))
                c.settimeout(5)
                c.connect((addr, port))
                s, _ = lst.accept()
                self.keep(s)
                pairs.append((c, s))
            # FIN-WAIT-2 on the client, CLOSE-WAIT on the server.
            pairs[0][0].shutdown(socket.SHUT_WR)
            # TIME-WAIT: the client closes first, the server sees EOF and closes too.
            c, s = pairs[1]
            c.close()
            s.settimeout(5)
            s.recv(1)
            s.close()
        # Let the half close and the TIME-WAIT settle before the first read.
        time.sleep(0.3)

    def keep(self, s):
        self.held.append(s)
        return s

    def close(self):
        for s in self.held:
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--linux-cli", required=True)
    ap.add_argument("--windows-cli", required=True)
    ap.add_argument("--emulator", required=True)
    args = ap.parse_args()

    whole_table = only_loopback_here()
    held = sockets()

    def ours(key):
        return key[2] in held.ports or key[4] in held.ports

    # The two reads are not atomic: a TIME-WAIT row left by an earlier test can expire between
    # them. A few attempts (bounded) tell such churn from a real difference.
    for attempt in range(1, 4):
        # Wine's services start on the first Wine run; read with Wine first, so that the Linux
        # read after it sees Wine's own sockets too, with their owners.
        wine_rows = rows([args.emulator, args.windows_cli, "--json"])
        linux_rows = rows([args.linux_cli, "--json", "-p"])
        wine_owned = {k for k, pid in linux_rows.items() if pid and is_wine_process(pid)}
        if whole_table:
            a = {k for k in linux_rows if k not in wine_owned}
            b = {k for k in wine_rows if k not in wine_owned}
        else:
            a = {k for k in linux_rows if ours(k)}
            b = {k for k in wine_rows if ours(k)}
        if a == b:
            break
        print(f"attempt {attempt}: tables differ, reading again")
        time.sleep(0.5)
    held.close()
    if not whole_table:
        print("note: not in a private network namespace; compared this test's rows only")

    # Per family: the listener, FIN-WAIT-2 + CLOSE-WAIT, one TIME-WAIT, two ESTABLISHED.
    expected = 2 * 6
    own = {k for k in a if ours(k)}
    states = sorted({k[5] for k in own})
    print(f"linux rows: {len(linux_rows)}, wine rows: {len(wine_rows)}, "
          f"wine's own: {len(wine_owned)}, compared: {len(a)}; states: {', '.join(states)}")
    ok = True
    if len(own) != expected:
        print(f"FAIL: expected {expected} rows on this test's ports, Linux shows {len(own)}")
        ok = False
    for k in sorted(a - b):
        print("only in Linux's table:", k)
        ok = False
    for k in sorted(b - a):
        print("only in Wine's table: ", k)
        ok = False
    if not ok:
        sys.exit(1)
    print("PASS: same rows")


if __name__ == "__main__":
    main()
