#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""`wirestatctl status`'s first line: OK, DROPPING or DOWN, where and what to do.

    python3 tests/integration/test_status.py BUILD_DIR

A real daemon replays BUILD_DIR/tests/mix.pcap once into spread rings of 64
entries with two RX lcores, so packets are lost while the file goes through
and not after. Its status must say DROPPING with the ring as the cause while
the loss is recent, and OK (with the loss since start) once the 10 s window
has passed. The counts must equal what the daemon's own cores command counts.
A fake daemon then gives each cause alone, to check the advice for each.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from test_wirestatctl import FakeDaemon
from wslib import Daemon, Results, pcap_count

WINDOW_S = 10  # WS_LOSS_WINDOW_S


def status(ctl, sock):
    p = subprocess.run([ctl, "-s", sock, "status"], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout.splitlines()[0] if p.stdout else ""


def real_daemon(res, build, pcap):
    ctl = os.path.join(build, "app/wirestatctl")
    want = pcap_count(pcap)
    dev = f"net_pcap0,rx_pcap={os.path.abspath(pcap)}"
    with Daemon(build, [dev], rx=(1, 2), extra="spread:\n  ring_size: 64\n") as d:
        deadline = time.time() + 30
        while time.time() < deadline:
            st = d.call({"cmd": "status"})["result"]
            if st["packets"] + st["drops"]["total"] >= want:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # a few snapshot periods: every lcore has published its last counts
        ring = sum(c["ring_full"] for c in d.call({"cmd": "cores"})["result"])
        st = d.call({"cmd": "status"})["result"]
        res.check("the whole file went through: counted + lost = packets in the file",
                  st["packets"] + st["drops"]["total"] == want, json.dumps(st["drops"]))
        if not res.check("tiny spread rings lost packets (the case under test)", ring > 0,
                         json.dumps(st)):
            return
        res.check("recent losses are the ring's, as cores counts them",
                  st["recent"]["spread_ring_full"] == ring == st["drops"]["total"]
                  and st["recent"]["window_s"] < WINDOW_S, f"cores {ring}: {json.dumps(st)}")
        rc, line = status(ctl, d.sock)
        res.check("while recent: DROPPING, the ring as cause, the advice",
                  rc == 0 and line.startswith(f"DROPPING: {ring} packets lost in the last ")
                  and f"(spread ring full {ring}) \u2014 add RX lcores or raise "
                  "spread.ring_size" in line, line)
        time.sleep(WINDOW_S + 1.5)
        st = d.call({"cmd": "status"})["result"]
        res.check("after the window: no recent loss, the old one kept",
                  st["recent"]["total"] == 0 and st["drops"]["total"] == ring
                  and st["recent"]["window_s"] >= WINDOW_S, json.dumps(st["recent"]))
        rc, line = status(ctl, d.sock)
        res.check("after the window: OK, with the loss since start",
                  rc == 0 and line.startswith("OK: 1 port up, nothing dropped in the last 1")
                  and f"({ring} since start), {st['packets']} packets, 2 RX lcores" in line, line)


CASES = [
    ({"mbuf_exhausted": 5, "nic_missed": 2}, "7 packets lost in the last 10.0s "
     "(no mbuf 5, NIC missed 2) \u2014 raise mempool.mbufs"),
    ({"nic_missed": 9, "spread_ring_full": 1}, "10 packets lost in the last 10.0s "
     "(spread ring full 1, NIC missed 9) \u2014 add RX queues and lcores, or raise rx_descriptors"),
    ({"nic_errors": 3}, "3 packets lost in the last 10.0s (NIC errors 3) \u2014 check the link "
     "and cabling"),
    ({"flow_records_lost": 4}, "4 flow records lost in the last 10.0s \u2014 give the "
     "management lcore a CPU of its own"),
]


def fake_daemon(res, build, tmp):
    ctl = os.path.join(build, "app/wirestatctl")
    path = os.path.join(tmp, "fake.sock")
    fake = FakeDaemon(path)
    fake.start()
    keys = ("nic_missed", "nic_errors", "mbuf_exhausted", "spread_ring_full", "flow_records_lost")
    try:
        for recent, want in CASES:
            r = {k: recent.get(k, 0) for k in keys}
            r["total"] = sum(v for k, v in r.items() if k != "flow_records_lost")
            r["window_s"] = 10.0
            fake.reply = json.dumps({"status": 0, "result": {
                "ports_up": True, "ports": [{"name": "p0", "link": "up"}], "packets": 100,
                "rx_lcores": 2, "drops": dict(r, total=r["total"] + 50), "recent": r}}).encode()
            _, line = status(ctl, path)
            advice = want.split(" \u2014 ")[1]
            res.check(f"fake {sorted(recent)}: {advice}",
                      line == "DROPPING: " + want, line)
        fake.reply = json.dumps({"status": 0, "result": {
            "ports_up": False, "ports": [{"name": "up0", "link": "up"},
                                         {"name": "wan", "link": "down"}],
            "recent": {"total": 3, "nic_missed": 3}}}).encode()
        _, line = status(ctl, path)
        res.check("a port down wins over drops", line == "DOWN: port wan link down", line)
    finally:
        fake.close()


def main(argv):
    build = os.path.abspath(argv[1])
    res = Results()
    real_daemon(res, build, os.path.join(build, "tests/mix.pcap"))
    with tempfile.TemporaryDirectory() as tmp:
        fake_daemon(res, build, tmp)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
