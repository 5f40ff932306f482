#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""`wirestatctl watch` in an 80x24 tmux pane, read back with capture-pane.

    python3 tests/integration/test_watch.py BUILD_DIR

The daemon replays BUILD_DIR/tests/mix.pcap in a loop (net_pcap infinite_rx), so
rates are not zero. tmux plays the operator's terminal over SSH: 80 columns, 24
rows. The screen must fit (no line wrapped or scrolled off: one header, the quit
hint on the last row), refresh in place, show packet and bit rates, a sparkline
that grows with the refreshes, the drop counters, and the top destinations and
hostnames the daemon itself ranks first (`top ... --json`). q must quit with exit
0 and the terminal put back (cursor shown again).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

from wslib import Daemon, Results

SESSION = f"wswatch{os.getpid()}"
BLOCKS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"


def tmux(*args):
    return subprocess.run(["tmux", "-L", SESSION] + list(args), capture_output=True, text=True,
                          timeout=30)


def screen():
    return tmux("capture-pane", "-p", "-t", SESSION).stdout.rstrip("\n").split("\n")


def wait_for(pred, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        lines = screen()
        if pred(lines):
            return lines
        time.sleep(0.2)
    return screen()


def whole(lines):
    """A frame drawn to its last row."""
    return len(lines) == 24 and lines[23].startswith("q or Ctrl-C quits")


def top_keys(ctl, sock, what, field):
    p = subprocess.run([ctl, "-s", sock, "--json", "top", what, "-n", "5"], capture_output=True,
                       text=True, timeout=30)
    return [e[field] for e in json.loads(p.stdout)["entries"]]


def check_screen(res, lines, ctl, sock):
    res.check("fits 80x24: at most 24 rows, none wider than 80 columns",
              len(lines) <= 24 and all(len(x) <= 80 for x in lines), "\n".join(lines))
    res.check("one header, with the socket and uptime, on the first row",
              lines[0].startswith("wirestat ") and sock[:20] in lines[0] and " up " in lines[0]
              and sum(x.startswith("wirestat ") for x in lines) == 1, lines[0])
    res.check("the quit hint on the last row (nothing scrolled)",
              len(lines) == 24 and lines[23].startswith("q or Ctrl-C quits"), str(lines[-2:]))
    rate = next((x for x in lines if "packets/s" in x), "")
    m = re.search(r"packets/s ([0-9.]+ [kMG]?pps)\s+bits/s ([0-9.]+ [kMG]?bit/s)", rate)
    res.check("packet and bit rates, not zero", m and not m.group(1).startswith("0 "), rate)
    drops = next((x for x in lines if x.startswith("  dropped ")), "")
    res.check("drop counters by cause", all(k in drops for k in ("missed", "errors", "no mbuf",
                                                                   "ring full")), drops)
    spark = next((x for x in lines if x.startswith("  pps  ")), "")
    bars = [c for c in spark if c in BLOCKS]
    res.check("a sparkline of several refreshes, not flat at zero",
              len(bars) >= 3 and any(c != BLOCKS[0] for c in bars), spark)
    if os.environ.get("WS_SHOW_SCREEN"):
        print("\n".join(lines))


def listed(lines, title):
    """The first words of the 5 rows under the row that starts with title."""
    at = next((i for i, x in enumerate(lines) if x.startswith(title)), None)
    return [] if at is None else [x.split()[0] if x.split() else "" for x in lines[at + 1:at + 6]]


def same_names(shown, want):
    return len(shown) == len(want) == 5 and all(
        w.startswith(s[:-1]) if s.endswith("\u2026") else s == w for s, w in zip(shown, want))


def check_lists(res, ctl, sock):
    """The top lists the screen shows are the daemon's. Traffic keeps flowing and
    two close entries may swap between a refresh and a query, so the screen and the
    daemon are read in turn until they agree (or 15 s pass)."""
    for title, what, field, label in (
            ("top destinations", "dst", "ip", "top destinations: the daemon's top 5"),
            ("hostnames", "hosts", "name", "hostnames: the daemon's top 5 (long ones cut with …)")):
        deadline = time.time() + 15
        while True:
            shown, want = listed(screen(), title), top_keys(ctl, sock, what, field)
            if same_names(shown, want) or time.time() > deadline:
                break
            time.sleep(0.3)
        res.check(label, same_names(shown, want), f"{shown} vs {want}")


def main(argv):
    build = os.path.abspath(argv[1])
    ctl = os.path.join(build, "app/wirestatctl")
    pcap = os.path.join(build, "tests/mix.pcap")
    res = Results()
    if not res.check("tmux is installed (scripts/setup.sh)", shutil.which("tmux")):
        return res.finish()
    dev = f"net_pcap0,rx_pcap={pcap},infinite_rx=1"
    with Daemon(build, [dev], mbufs=65535) as d:  # infinite_rx holds the whole file
        try:
            tmux("new-session", "-d", "-s", SESSION, "-x", "80", "-y", "24",
                 f"{ctl} -s {d.sock} watch --interval 500; echo \"exit=$?\"; sleep 60")
            # a whole first frame: tmux may be read while it is being drawn
            first = wait_for(lambda s: whole(s) and any("pps" in x for x in s))
            lines = wait_for(lambda s: whole(s) and sum(c in BLOCKS for x in s for c in x
                                                        if x.startswith("  pps  ")) >= 4)
            check_screen(res, lines, ctl, d.sock)
            check_lists(res, ctl, d.sock)
            res.check("refreshed in place: the clock moved, the frame did not",
                      first[0] != lines[0] and len(first) == len(lines) == 24,
                      f"{first[0]!r} {lines[0]!r} ({len(first)} and {len(lines)} rows)")
            tmux("send-keys", "-t", SESSION, "q")
            after = wait_for(lambda s: any(x.startswith("exit=") for x in s), 10)
            res.check("q quits with exit 0", any(x == "exit=0" for x in after), "\n".join(after))
            cursor = tmux("display-message", "-p", "-t", SESSION, "#{cursor_flag}").stdout
            res.check("the cursor is shown again", cursor.strip() == "1", cursor)
        finally:
            tmux("kill-server")
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
