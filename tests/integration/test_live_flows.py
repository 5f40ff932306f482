#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live flows in `flows`: the largest flows still in the tables, against tshark.

usage: test_live_flows.py BUILD_DIR CAPTURE...
The daemon replays each capture once on a net_pcap port. Its flows then stay
live until the idle timeout (30 s of wall clock), so `flows` must list the
largest of them (end_reason 0) with, for each, the packets and bytes each
way that tshark counts for that TCP/UDP 5-tuple.
"""
import os
import sys
import time

from test_flows import norm, tshark_conversations
from wslib import Daemon, Results, pcap_count


def live_flows(d, timeout=15.0):
    """`flows` once the RX lcores have published a turn of their expiry hand (about 4 s)."""
    deadline = time.time() + timeout
    while True:
        r = d.call({"cmd": "flows", "n": 100})["result"]
        if r["live_listed"] > 0 or time.time() > deadline:
            return r
        time.sleep(0.2)


def main(argv):
    build = argv[1]
    res = Results()
    for cap in [c for c in argv[2:] if os.path.exists(c)]:
        name = os.path.basename(cap)
        theirs = tshark_conversations(cap)
        with Daemon(build, [f"net_pcap0,rx_pcap={os.path.abspath(cap)}"]) as d:
            want = pcap_count(cap)
            res.check(f"{name}: daemon counted every packet", d.wait_packets(want) == want)
            r = live_flows(d)
        live = [f for f in r["top"] if f["end_reason"] == 0]
        res.check(f"{name}: live flows listed", len(live) > 0 and r["live_listed"] >= len(live),
                  str(r["live_listed"]))
        sizes = [f["bytes_ab"] + f["bytes_ba"] for f in r["top"]]
        res.check(f"{name}: listed largest first", sizes == sorted(sizes, reverse=True))
        bad = []
        for f in live:
            if f["proto"] not in (6, 17):
                continue
            (a, pa, b, pb), _ = norm(f["a"], f["a_port"], f["b"], f["b_port"])
            key = ("tcp" if f["proto"] == 6 else "udp", a, pa, b, pb)
            got = [f["packets_ab"], f["bytes_ab"], f["packets_ba"], f["bytes_ba"]]
            if theirs.get(key) != got:
                bad.append((key, got, theirs.get(key)))
        res.check(f"{name}: {len(live)} live flows match tshark's conversations each way",
                  not bad, str(bad[:3]))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
