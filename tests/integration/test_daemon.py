#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""wirestat -c: the daemon on virtual ports, queried over its control socket.

usage: test_daemon.py BUILD_DIR CAPTURE_A CAPTURE_B
- a net_pcap port with two RX queues (one file each) read by two RX lcores
  that spread in software: totals equal the sum of the two files as the
  offline path reports them (itself checked against tshark);
- hostile control requests each get their specific error, and the daemon
  keeps answering and counting;
- a bad configuration is refused with a message that names the field;
- SIGTERM gives a final report, removes the socket and the DPDK runtime dir.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from wslib import Daemon, Results, offline, pcap_count, runtime_dir, statistics_only


def raw_exchange(path, data, read=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(data)
    buf = b""
    try:
        while read and not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    return json.loads(buf) if buf else None


def check_hostile(res, d):
    cases = [
        ("not JSON", b"hello\n", 22, "not JSON"),
        ("not an object", b"[1, 2, 3]\n", 22, "JSON object"),
        ("no cmd", b"{\"command\": \"stats\"}\n", 22, "\"cmd\""),
        ("unknown command", b"{\"cmd\": \"shutdown\"}\n", 22, "unknown command 'shutdown'"),
        ("top without what", b"{\"cmd\": \"top\"}\n", 22, "\"what\""),
        ("top n out of range", b"{\"cmd\": \"top\", \"what\": \"dst\", \"n\": -1}\n", 22, "\"n\""),
        ("n of the wrong type", b"{\"cmd\": \"stats\", \"n\": \"ten\"}\n", 22, "\"n\""),
        ("duplicate keys", b"{\"cmd\": \"stats\", \"cmd\": \"reset\"}\n", 22, "not JSON"),
        ("request over 64 KiB", b"{\"cmd\": \"" + b"x" * 70000, 90, "longer than"),
    ]
    for name, data, status, text in cases:
        rep = raw_exchange(d.sock, data)
        res.check(f"hostile request: {name} -> status {status}",
                  rep is not None and rep.get("status") == status and text in rep.get("error", ""),
                  str(rep)[:200])
    # Clients that connect and stall half-way, more than the daemon serves at once.
    stalled = []
    for _ in range(70):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(d.sock)
        try:
            s.sendall(b"{\"cmd\": \"sta")
        except (BrokenPipeError, ConnectionResetError):
            pass  # one over the limit: the daemon may have told it so and closed already
        stalled.append(s)
    time.sleep(0.5)  # let the daemon accept (or turn away) every one of them
    busy = d.call({"cmd": "status"})
    res.check("a client over the limit is told so", busy.get("status") == 16 and
              "too many clients" in busy.get("error", ""), str(busy)[:200])
    for s in stalled:
        s.close()
    time.sleep(0.2)
    after = d.call({"cmd": "status"})
    res.check("answers after the hostile clients left", after.get("status") == 0, str(after)[:200])


def main(argv):
    build, cap_a, cap_b = argv[1:4]
    res = Results()
    want = pcap_count(cap_a) + pcap_count(cap_b)
    rc_a, rep_a, _ = offline(build, cap_a)
    rc_b, rep_b, _ = offline(build, cap_b)
    if not res.check("offline reports of both files", rc_a == 0 and rc_b == 0):
        return res.finish()

    dev = f"net_pcap0,rx_pcap={os.path.abspath(cap_a)},rx_pcap={os.path.abspath(cap_b)}"
    # Rings that hold a whole file: on a shared 2-CPU machine a reader can outrun
    # the lcore it spreads to, and a live port drops then (counted, checked below).
    with Daemon(build, [dev], rx=(1, 2), rx_queues=2, mbufs=65535,
                extra="analytics:\n  top_capacity: 65536\nspread:\n  ring_size: 32768\n") as d:
        got = d.wait_packets(want)
        res.check("two queues, two RX lcores: every packet counted", got == want,
                  f"{got} of {want}")
        st = d.call({"cmd": "stats"})["result"]
        res.check("bytes are the sum of both files", st["bytes"] == rep_a["bytes"] + rep_b["bytes"],
                  f"{st['bytes']} vs {rep_a['bytes']} + {rep_b['bytes']}")
        res.check("protocol counts are the sum of both files",
                  all(st["protocols"][k] == rep_a["protocols"][k] + rep_b["protocols"][k]
                      for k in st["protocols"]), json.dumps(st["protocols"]))
        rates = d.call({"cmd": "rates", "last": 900})["result"]["series"]
        res.check("live: the per-second series adds up to every packet counted",
                  sum(e[1] for e in rates) == want and sum(e[2] for e in rates) == st["bytes"],
                  str(rates)[:200])
        pairs = d.call({"cmd": "top", "what": "pairs", "n": 5})["result"]["entries"]
        res.check("live: top pairs answered", len(pairs) == 5 and all("a" in p for p in pairs))
        cores = d.call({"cmd": "cores"})["result"]
        res.check("both RX lcores read a queue and spread",
                  len(cores) == 2 and all(c["rx"] > 0 and c["spread_in"] > 0 for c in cores),
                  json.dumps(cores))
        ports = d.call({"cmd": "ports"})["result"]
        res.check("port reports two queues and its NIC counters",
                  ports[0]["rx_queues"] == 2 and ports[0]["ipackets"] == want, json.dumps(ports)[:300])
        check_hostile(res, d)
        st2 = d.call({"cmd": "stats"})["result"]
        res.check("nothing lost or counted twice through all that",
                  st2["packets"] == want and st2["drops"]["total"] == 0, str(st2["drops"]))
        rx = sum(c["rx"] for c in d.call({"cmd": "cores"})["result"])
        res.check("received = analysed + dropped", rx == st2["packets"] + st2["drops"]["total"],
                  f"{rx} vs {st2['packets']} + {st2['drops']['total']}")
        rc = d.stop()
        res.check("SIGTERM: exit 0", rc == 0, d.err.decode()[-500:])
        try:
            final = json.loads(d.out)
        except ValueError:
            final = {}
        res.check("SIGTERM: final report printed", final.get("packets") == want, d.out[:200])
        res.check("SIGTERM: socket removed", not os.path.exists(d.sock))
        res.check("SIGTERM: DPDK runtime dir removed", not os.path.exists(runtime_dir(d.prefix)))

    # Jumbo frames longer than one mbuf: counted whole, decoded from their first segment.
    with tempfile.TemporaryDirectory() as tmp:
        jumbo = os.path.join(tmp, "jumbo.pcap")
        gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                           "gen-pcap.py")
        subprocess.run([sys.executable, gen, "--profile", "mix", "--seed", "5", "--packets",
                        "2000", "--flows", "30", "--size", "9000", "-o", jumbo], check=True,
                       capture_output=True)
        rc, rep, _ = offline(build, jumbo)
        d = Daemon(build, [f"net_pcap0,rx_pcap={jumbo}"])
        with open(d.config) as f:
            conf = f.read().replace("    rx_queues: 1\n", "    rx_queues: 1\n    mtu: 9000\n")
        with open(d.config, "w") as f:
            f.write(conf)
        with d:
            got = d.wait_packets(rep["packets"])
            st = d.call({"cmd": "stats", "n": 100000})["result"]
            res.check("jumbo frames over 2 KiB mbufs: same statistics as offline",
                      got == rep["packets"] and statistics_only(st) == statistics_only(rep),
                      f"{got} {st['bytes']} vs {rep['packets']} {rep['bytes']}")
            res.check("jumbo frames: the capture has frames larger than one mbuf",
                      rep["frame_sizes"]["over_1518"] > 0, str(rep["frame_sizes"]))

    # DPDK's own tooling sees the same port counters.
    tool = shutil.which("dpdk-telemetry.py")
    if res.check("dpdk-telemetry.py is installed", tool is not None):
        with Daemon(build, [f"net_pcap0,rx_pcap={os.path.abspath(cap_a)}"], telemetry=True) as d:
            got = d.wait_packets(pcap_count(cap_a))
            r = subprocess.run([tool, "-f", d.prefix], input=b"/ethdev/stats,0\n",
                               capture_output=True, timeout=30)
            try:
                tel = json.loads(r.stdout.decode().strip().splitlines()[-1])["/ethdev/stats"]
            except (ValueError, IndexError, KeyError):
                tel = {}
            port = d.call({"cmd": "ports"})["result"][0]
            res.check("dpdk-telemetry.py reads the port counters wirestat reports",
                      tel.get("ipackets") == port["ipackets"] == got, r.stdout.decode()[-300:])

    # Looping input into tiny rings: drops happen, and each is counted.
    dev = f"net_pcap0,rx_pcap={os.path.abspath(cap_b)},infinite_rx=1"
    with Daemon(build, [dev], rx=(1, 2), mbufs=65535, extra="spread:\n  ring_size: 64\n") as d:
        time.sleep(3)
        res.check("SIGTERM under load: exit 0", d.stop() == 0, d.err.decode()[-300:])
        final = json.loads(d.out)
        rx = sum(c["rx"] for c in final["cores"])
        drops = final["drops"]["spread_ring_full"]
        res.check("under load: received = analysed + dropped in rings",
                  rx > 0 and rx == final["packets"] + drops, f"{rx} vs {final['packets']} + {drops}")

    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write("eal:\n  hugepages: false\nports:\n  - name: p0\n    device: net_null0\n"
                    "    rx_queues: 65\nlcores:\n  rx: [1]\n")
        r = subprocess.run([os.path.join(build, "app/wirestat"), "-c", bad], capture_output=True)
        err = r.stderr.decode()
        res.check("bad config: refused before DPDK starts, naming file, line and field",
                  r.returncode == 2 and "bad.yaml:6: ports[0].rx_queues: 65" in err, err)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
