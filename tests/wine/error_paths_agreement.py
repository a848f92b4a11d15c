#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Agreement test: error_paths (tests/win32/programs) built for Linux and for Windows (MinGW-w64,
the real SDK, run under Wine) return the same code for every documented error call.

Each line is "<call> = <code> <message>". The codes must be equal; the messages are each
system's own (Wine words them differently from Windows), so on Linux they must only be present.
Where Wine 8 departs from Microsoft's pages the line is accepted with a note:
  - GetExtendedUdpTable with a class UDP_TABLE_CLASS does not define: Wine 122, the page 87;
  - InetNtopA into a buffer too small: Wine's WSAGetLastError is STATUS_INVALID_PARAMETER
    (0xC000000D), the page's WSA_INVALID_PARAMETER is 87.

The program prints "error_paths: started" before its first call and "error_paths: done" after
its last, unbuffered. The Windows side is Wine's own iphlpapi and ws2_32, the reference the
Linux build (tcptable's) is held to, not code under test: a Wine run that did not finish (CI saw
one exit in 0.3 s with no output and no message) is run once more, and said so, with what it
printed. The Linux run is never repeated, and codes that disagree in a finished run fail.
"""
import argparse
import subprocess
import sys

WINE_DEPARTURES = {
    ("GetExtendedUdpTable(NULL, &0, AF_INET, class 3)", "122"): "87",
    ("InetNtopA(AF_INET, 4-byte buffer) WSAGetLastError", "3221225485"): "87",
}

STARTED = "error_paths: started"
DONE = "error_paths: done"


def codes(output):
    out = []
    for line in output.splitlines():
        call, sep, rest = line.rstrip("\r").partition(" = ")
        if sep:
            code, _, message = rest.partition(" ")
            out.append((call, code, message))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--linux-program", required=True)
    ap.add_argument("--windows-program", required=True)
    ap.add_argument("--emulator", required=True)
    args = ap.parse_args()
    linux = subprocess.run([args.linux_program], capture_output=True, text=True, timeout=60)
    wine = subprocess.run([args.emulator, args.windows_program], capture_output=True, text=True,
                          timeout=90)
    if wine.returncode != 0 or DONE not in wine.stdout:
        print(f"note: the Wine run did not finish (exit {wine.returncode}, "
              f"{len(codes(wine.stdout))} calls, started: {STARTED in wine.stdout}); "
              "running it once more. It printed:\n" + wine.stdout + wine.stderr)
        wine = subprocess.run([args.emulator, args.windows_program], capture_output=True,
                              text=True, timeout=90)
    a, b = codes(linux.stdout), codes(wine.stdout)
    print(f"linux exit {linux.returncode}, {len(a)} calls; wine exit {wine.returncode}, "
          f"{len(b)} calls")
    ok = (linux.returncode == 0 and wine.returncode == 0 and DONE in linux.stdout and
          DONE in wine.stdout and len(a) == len(b) and a)
    for (call, code, message), (wcall, wcode, _) in zip(a, b):
        accepted = WINE_DEPARTURES.get((wcall, wcode))
        if call != wcall or (code != wcode and code != accepted):
            print(f"! {call}: Linux {code}, Wine {wcall} {wcode}")
            ok = False
        elif code != wcode:
            print(f"note: {call}: Wine {wcode}, Microsoft's page and Linux {code}")
        if message == "(no message)":
            print(f"! {call}: Linux has no message for {code}")
            ok = False
    if not ok:
        print("--- linux\n" + linux.stdout + linux.stderr + "\n--- wine\n" + wine.stdout + wine.stderr)
        sys.exit("FAIL: the two builds disagree")
    print(f"PASS: {len(a)} calls, the same codes")


if __name__ == "__main__":
    main()
