#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Control-socket round trip while the RX lcores run flat out.

usage: bench_ctl.py BUILD_DIR CAPTURE [REQUESTS]
Replays CAPTURE in a loop (net_pcap infinite_rx) into the daemon and times
REQUESTS `stats` round trips (connect, request, whole reply), then prints
percentiles and the packet rate meanwhile. A benchmark: it prints, never fails
on a figure.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from wslib import Daemon, ctl  # noqa: E402


def pct(sorted_ms, p):
    return sorted_ms[min(len(sorted_ms) - 1, int(round(p / 100 * (len(sorted_ms) - 1))))]


def main(argv):
    build, cap = argv[1], os.path.abspath(argv[2])
    n = int(argv[3]) if len(argv) > 3 else 1000
    dev = f"net_pcap0,rx_pcap={cap},infinite_rx=1"
    with Daemon(build, [dev], rx=(1,), mbufs=65535) as d:
        time.sleep(1)
        p0, t0 = d.call({"cmd": "status"})["result"]["packets"], time.time()
        lat = []
        for _ in range(n):
            s = time.perf_counter()
            rep = ctl(d.sock, {"cmd": "stats"})
            lat.append((time.perf_counter() - s) * 1000)
            if rep.get("status") != 0:
                print("bad reply:", rep)
                return 1
        p1, t1 = d.call({"cmd": "status"})["result"]["packets"], time.time()
        busy = d.call({"cmd": "cores"})["result"][0]["busy"]
    lat.sort()
    print(f"stats round trips: {n}, while receiving {(p1 - p0) / (t1 - t0) / 1e6:.2f} Mpps "
          f"(RX lcore busy {busy:.0%})")
    print("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f" % (
        pct(lat, 50), pct(lat, 90), pct(lat, 99), lat[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
