#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print the daemon's report of a capture, as seen over its control socket.

usage: daemon_report.py BUILD_DIR CAPTURE
Starts wirestat -c on a net_pcap port reading CAPTURE, waits until every
packet is counted, prints `stats` (every top-list entry) as JSON, stops it.
Used with tests/golden/truth.py to hold the daemon path to tshark's truth.
Exits 2, as wirestat does, for a capture it refuses.
"""
import json
import os
import subprocess
import sys

from wslib import Daemon


def main(argv):
    build, cap = argv[1], os.path.abspath(argv[2])
    # The capture's own packet count, and the refusal for link types that
    # DPDK's net_pcap cannot deliver as Ethernet, come from the offline check.
    r = subprocess.run([os.path.join(build, "app/wirestat"), "--json", "-r", cap],
                       capture_output=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr.decode())
        return r.returncode
    capture = json.loads(r.stdout)["capture"]
    want = capture["packets_in_file"]
    if capture["linktype"] != 1:
        sys.stderr.write(f"{cap}: link type {capture['linktype']} is not supported on daemon "
                         "ports, which carry Ethernet (wirestat -r analyses it)\n")
        return 2
    with Daemon(build, [f"net_pcap0,rx_pcap={cap}"], rx=(1,),
                extra="analytics:\n  top_capacity: 65536\n  host_capacity: 16384\n") as d:
        got = d.wait_packets(want)
        rep = d.call({"cmd": "stats", "n": 100000})
        if got != want or rep.get("status") != 0:
            sys.stderr.write(f"daemon counted {got} of {want} packets: {rep}\n")
            return 1
        json.dump(rep["result"], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
