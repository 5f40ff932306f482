#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""wirestat -r: the offline path through DPDK's net_pcap.

usage: test_offline.py BUILD_DIR CAPTURE...
- 1, 2 and 4 RX lcores (software spread) give identical statistics;
- packets equal an independent count of the file, nothing is dropped;
- captures that cannot be analysed are refused with a clear message;
- nothing is left in /var/run/dpdk.
(Agreement with tshark is checked by the report-vs-truth tests.)
"""
import os
import subprocess
import sys
import tempfile

from wslib import Results, offline, offline_leftovers, pcap_count, statistics_only


def main(argv):
    build = argv[1]
    captures = [c for c in argv[2:] if os.path.exists(c)]  # shared ones may be absent
    res = Results()
    for cap in captures:
        name = os.path.basename(cap)
        reports = {}
        for n in (1, 2, 4):
            rc, rep, err = offline(build, cap, "--lcores", str(n))
            if not res.check(f"{name}: -l {n} runs", rc == 0 and rep, err):
                continue
            reports[n] = rep
        if 1 not in reports:
            continue
        rep = reports[1]
        if cap.endswith(".pcap"):
            res.check(f"{name}: every packet of the file counted",
                      rep["packets"] == pcap_count(cap), f"{rep['packets']} vs {pcap_count(cap)}")
        res.check(f"{name}: nothing dropped", rep["drops"]["total"] == 0, str(rep["drops"]))
        for n in (2, 4):
            if n in reports:
                same = statistics_only(reports[n]) == statistics_only(rep) and \
                    reports[n]["rates"] == rep["rates"] and \
                    reports[n]["flows"]["total"] == rep["flows"]["total"]
                res.check(f"{name}: {n} RX lcores give the same statistics as 1", same)
                spread = sum(c["spread_in"] for c in reports[n]["cores"])
                res.check(f"{name}: {n} RX lcores shared the work", spread > 0 or rep["packets"] < 50,
                          str(reports[n]["cores"]))

    # Traffic over time, second by second, against tshark's timestamps.
    for cap in captures[:2]:
        r = subprocess.run(["tshark", "-n", "-r", cap, "-T", "fields", "-e", "frame.time_epoch",
                            "-e", "frame.cap_len"], capture_output=True)
        per_sec = {}
        for line in r.stdout.decode().split("\n"):
            if line:
                t, n = line.split("\t")
                sec = int(t.split(".")[0])
                p, b = per_sec.get(sec, (0, 0))
                per_sec[sec] = (p + 1, b + int(n))
        rc, rep, err = offline(build, cap)
        ours = {e[0]: (e[1], e[2]) for e in rep["rates"]["series"]} if rep else {}
        res.check(f"{os.path.basename(cap)}: packets and bytes per second equal tshark's",
                  r.returncode == 0 and ours == per_sec and len(ours) > 0,
                  f"{len(ours)} vs {len(per_sec)} seconds")

    with tempfile.TemporaryDirectory() as tmp:
        junk = os.path.join(tmp, "junk.pcap")
        with open(junk, "wb") as f:
            f.write(b"this is not a capture file at all\n" * 10)
        rc, _, err = offline(build, junk)
        res.check("a file that is not a capture is refused with its name",
                  rc == 2 and "junk.pcap" in err, err)
        rc, _, err = offline(build, os.path.join(tmp, "missing.pcap"))
        res.check("a missing file is refused with its name", rc == 2 and "missing.pcap" in err, err)
        user13 = os.path.join(tmp, "user13.pcap")
        with open(user13, "wb") as f:  # a pcap header with LINKTYPE 160 and one packet
            f.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff0000a0000000"))
            f.write(bytes.fromhex("00000000000000000400000004000000deadbeef"))
        rc, _, err = offline(build, user13)
        res.check("an unsupported link type is refused before DPDK starts",
                  rc == 2 and "link type 160" in err and "not supported" in err, err)
    rc, _, err = offline(build, captures[0], "extra", "args")
    res.check("stray arguments are refused", rc == 2 and "extra" in err, err)
    res.check("nothing left in /var/run/dpdk", not offline_leftovers(), str(offline_leftovers()))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
