#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Capture filters against tcpdump, and live changes while packets flow.

usage: test_filter.py BUILD_DIR CAPTURE...
- for each expression and capture, the packets wirestat -r lets through
  (JIT and interpreter) equal what `tcpdump -r CAPTURE EXPR` prints;
- a bad expression is refused with libpcap's message;
- on a daemon with looping input and two RX lcores, the filter changes many
  times (good and bad ones); every change answers, a bad one leaves the old
  filter, and at the end each lcore's received = passed + rejected.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from wslib import Daemon, Results, offline, pcap_count

EXPRESSIONS = [
    "tcp", "udp", "icmp or icmp6", "arp", "not arp", "ip6", "ip6 and udp",
    "port 53", "tcp port 443", "udp port 53 or tcp port 80", "portrange 1000-2000",
    "host 203.0.113.18", "net 10.0.0.0/8", "src net 10.0.0.0/8 and not dst port 443",
    "vlan", "vlan 100", "vlan and tcp", "mpls", "pppoes",
    "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
    "tcp[13] = 2", "ip[6:2] & 0x1fff != 0", "ip[6:2] & 0x2000 != 0",
    "greater 1000", "less 100", "ether multicast", "ether[0] & 1 != 0",
    "ip proto 47", "ip6 proto 58", "udp dst port 4789",
]


def tcpdump_count(cap, expr):
    """Packets tcpdump lets through, written out and counted (some print several lines)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.pcap")
        r = subprocess.run(["tcpdump", "-r", cap, "-w", out, expr], capture_output=True)
        if r.returncode != 0:
            return None
        return pcap_count(out)


def check_offline(res, build, caps):
    for cap in caps:
        name = os.path.basename(cap)
        bad = []
        compared = 0
        for expr in EXPRESSIONS:
            want = tcpdump_count(cap, expr)
            if want is None:
                continue
            for jit in (True, False):
                rc, rep, err = offline(build, cap, *([] if jit else ["--no-jit"]), expr)
                if rc == 2 and "link type" in err:
                    break
                f = rep["filter"] if rep else {}
                got = f.get("passed")
                compared += 1
                if rc != 0 or got != want or rep["packets"] != got or \
                        f.get("passed", 0) + f.get("rejected", 0) != \
                        rep["capture"]["packets_in_file"]:
                    bad.append(f"{expr!r} {'JIT' if jit else 'interp'}: {got} vs {want} {err[-200:]}")
        res.check(f"{name}: {compared} filter runs agree with tcpdump", not bad and compared > 0,
                  "; ".join(bad[:5]))


def check_errors(res, build, cap):
    rc, _, err = offline(build, cap, "tcp", "port")
    res.check("offline: a bad expression is refused with libpcap's message",
              rc == 2 and "filter 'tcp port'" in err and "syntax error" in err, err)


def set_filter(d, expr):
    return d.call({"cmd": "filter", "set": expr})


def check_live(res, build, cap):
    dev = f"net_pcap0,rx_pcap={os.path.abspath(cap)},infinite_rx=1"
    with Daemon(build, [dev], rx=(1, 2), mbufs=65535, extra="filter: \"tcp\"\n") as d:
        f = d.call({"cmd": "filter"})["result"]
        res.check("the configured filter is in force at start", f["expression"] == "tcp"
                  and f["generation"] == 1, json.dumps(f))
        failures = []
        gens = []
        for i in range(60):
            expr = ["udp", "tcp port 443", "", "not tcp", "ip6 and udp"][i % 5]
            rep = d.call({"cmd": "filter", "clear": True}) if expr == "" else set_filter(d, expr)
            if rep.get("status") != 0:
                failures.append(str(rep))
                continue
            gens.append(rep["result"]["generation"])
            if i % 7 == 0:
                bad = set_filter(d, "tcp and and")
                now = d.call({"cmd": "filter"})["result"]["expression"]
                if bad.get("status") != 22 or "previous filter stays" not in bad.get("error", "") \
                        or now != expr:
                    failures.append(f"bad expression: {bad} then {now!r}")
            time.sleep(0.02)
        res.check("60 live changes, bad ones refused with the old filter kept", not failures,
                  "; ".join(failures[:3]))
        res.check("each change gets a new generation", gens == sorted(gens) and
                  len(set(gens)) == len(gens))
        ctl = os.path.join(build, "app/wirestatctl")
        r1 = subprocess.run([ctl, "-s", d.sock, "filter", "set", "tcp", "port", "80"],
                            capture_output=True)
        r2 = subprocess.run([ctl, "-s", d.sock, "--json", "filter"], capture_output=True)
        r3 = subprocess.run([ctl, "-s", d.sock, "filter", "set", "tcp", "port"],
                            capture_output=True)
        r4 = subprocess.run([ctl, "-s", d.sock, "filter", "clear"], capture_output=True)
        res.check("wirestatctl filter set/get/clear",
                  r1.returncode == 0 and b"holds for every packet" in r1.stdout and
                  json.loads(r2.stdout)["expression"] == "tcp port 80" and
                  r3.returncode == 1 and b"syntax error" in r3.stderr and r4.returncode == 0,
                  f"{r1} {r2.stdout[:200]} {r3.stderr} {r4}")
        set_filter(d, "udp")
        time.sleep(0.5)
        rc = d.stop()
        final = json.loads(d.out) if rc == 0 else {}
    ok = rc == 0 and final.get("cores")
    f = final.get("filter", {})
    res.check("after shutdown: passed = packets analysed", ok and f["passed"] == final["packets"],
              json.dumps(f))
    # Received by each lcore = read from queues and rings, less what it sent on or dropped.
    per_lcore = [(c["rx"] + c["spread_in"] - c["spread_out"] - c["ring_full"],
                  c["passed"] + c["rejected"]) for c in final.get("cores", [])]
    res.check("after shutdown, per RX lcore: received = passed + rejected",
              ok and len(per_lcore) == 2 and all(a == b for a, b in per_lcore) and
              all(c["passed"] > 0 and c["rejected"] > 0 for c in final["cores"]),
              str(per_lcore))
    rx = sum(c["rx"] for c in final.get("cores", []))
    drops = final.get("drops", {}).get("spread_ring_full", 0)
    res.check("after shutdown: received = passed + rejected (+ ring drops)",
              ok and rx == f["passed"] + f["rejected"] + drops and f["rejected"] > 0,
              f"{rx} vs {f.get('passed')} + {f.get('rejected')} + {drops}")


def main(argv):
    build = argv[1]
    caps = [c for c in argv[2:] if os.path.exists(c)]
    res = Results()
    check_offline(res, build, caps)
    check_errors(res, build, caps[0])
    check_live(res, build, caps[0])
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
