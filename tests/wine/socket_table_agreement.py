#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Agreement test: socket_table built for Linux (include/tcptable/win32) and for Windows
(MinGW-w64 and the real SDK, run under Wine) print the same thing about their own sockets.

Each build opens its own sockets (so ports and pids differ between the two runs), prints the
whole tables and then one line per own socket ("OWN tcp-listener LISTEN pid-mine"), the owner
module of its listener and UDP socket ("MODULE tcp-listener socket_table"), a few documented
answers ("CHECK ...") and "RESULT ok|failed". Those lines, with the module's file name taken
without ".exe" and the program's own name, must be the same in both runs; both must exit 0.
Run in a private network namespace (scripts/windows-cross-test.sh does).

Wine 8 differs from Windows in three documented ways, accepted here and printed as notes (each
is where Wine departs from Microsoft's pages, not where tcptable does):
  - it reports no owning pid (0) for any socket, so "pid-unknown" stands for "pid-mine";
  - with no owner the program asks for no module (GetOwnerModuleFromTcpEntry is
    unimplemented in Wine 8 and aborts the program), so Wine has no "MODULE" lines;
  - GetExtendedTcpTable(AF_INET6, TCP_TABLE_BASIC_ALL) gives 122 where the page (and
    tcptable) give ERROR_NOT_SUPPORTED (50).
"""
import argparse
import os
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    return p.returncode, p.stdout + p.stderr


def summary(output, program):
    name = os.path.splitext(os.path.basename(program))[0]
    lines = []
    for line in output.splitlines():
        line = line.rstrip("\r")
        if line.startswith(("OWN ", "CHECK ", "RESULT ", "ERROR ")):
            lines.append(line)
        elif line.startswith("MODULE "):
            role, module = line.split(" ", 2)[1:]
            module = os.path.splitext(module)[0]
            lines.append(f"MODULE {role} " + ("<program>" if module == name else module))
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--linux-program", required=True)
    ap.add_argument("--windows-program", required=True)
    ap.add_argument("--emulator", required=True)
    args = ap.parse_args()
    linux_rc, linux_out = run([args.linux_program])
    wine_rc, wine_out = run([args.emulator, args.windows_program])
    if wine_rc != 0 or "RESULT " not in wine_out:
        # The Windows side is Wine's own iphlpapi, the reference, not code under test: a run
        # that did not reach its RESULT line is run once more, and said so (see
        # error_paths_agreement.py). The Linux run is never repeated.
        print(f"note: the Wine run did not finish (exit {wine_rc}); running it once more. "
              "It printed:\n" + wine_out)
        wine_rc, wine_out = run([args.emulator, args.windows_program])
    a = summary(linux_out, args.linux_program)
    b = summary(wine_out, args.windows_program)
    # Wine's known departures (see above), applied to Wine's lines only.
    notes = []
    unknown_roles = {line.split()[1] for line in b
                     if line.startswith("OWN ") and line.endswith(" pid-unknown")}
    wine_basic6 = "CHECK GetExtendedTcpTable(AF_INET6, TCP_TABLE_BASIC_ALL) = 122"
    if wine_basic6 in b:
        b[b.index(wine_basic6)] = wine_basic6[:-3] + "50"
        notes.append("Wine answers 122 for AF_INET6 + TCP_TABLE_BASIC_ALL (documented: 50)")
    if unknown_roles:
        b = [line.replace(" pid-unknown", " pid-mine") for line in b]
        a = [line for line in a
             if not (line.startswith("MODULE ") and
                     {"tcp-listener": "tcp-listener", "udp": "udp"}.get(line.split()[1])
                     in unknown_roles)]
        notes.append("Wine reports no owner for " + ", ".join(sorted(unknown_roles)) +
                     " (so no module either)")
    for note in notes:
        print("note:", note)
    ok = linux_rc == 0 and wine_rc == 0 and a == b and "RESULT ok" in a
    print(f"linux exit {linux_rc}, wine exit {wine_rc}")
    for x, y in zip(a + [""] * (len(b) - len(a)), b + [""] * (len(a) - len(b))):
        print(("  " if x == y else "! ") + f"{x:<60} | {y}")
    if not ok:
        print("--- linux output\n" + linux_out + "\n--- wine output\n" + wine_out)
        sys.exit("FAIL: the two builds disagree")
    print("PASS: the Linux and Windows builds agree")


if __name__ == "__main__":
    main()
