#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""IPFIX collectors that fail must neither block the daemon nor grow its memory.

usage: test_ipfix_faults.py BUILD_DIR CAPTURE
The daemon replays CAPTURE without end (flows cut every second by the active
timeout) and exports to four collectors: a UDP port nobody listens on, a TCP
port nobody listens on (64 KiB buffer), a TCP collector that accepts but never
reads (64 KiB buffer), and a live TCP collector (a relay into nfcapd) that is
killed mid-run and started again. Throughout, `wirestatctl
stats` answers within a second, and the export counters show each failure:
send errors, failed connections, drops once the buffer is full, the lost
connection and the reconnection. nfdump shows what reached nfcapd, under the
configured observation domain.
"""
import json
import os
import socket
import subprocess
import sys
import time

from ipfix_collector import Nfcapd, Relay, free_port
from wslib import Daemon, Results

# A blocked exporter would hold the management lcore for far longer (a blocking send to
# a peer that never reads never returns); the margin is for a loaded CI machine.
STATS_MAX_S = 3.0
BUFFER_KB = 64


class Watch:
    """wirestatctl stats, timed; remembers the slowest answer."""

    def __init__(self, build, sock):
        self.cmd = [os.path.join(build, "app/wirestatctl"), "--socket", sock, "--json", "stats"]
        self.slowest = 0.0
        self.failed = []

    def stats(self):
        t = time.monotonic()
        p = subprocess.run(self.cmd, capture_output=True, timeout=10)
        self.slowest = max(self.slowest, time.monotonic() - t)
        if p.returncode != 0:
            self.failed.append(p.stderr.decode())
            return None
        return json.loads(p.stdout)

    def until(self, pred, timeout):
        """Ask every 0.2 s until pred(export list) holds; returns the last export list."""
        deadline = time.monotonic() + timeout
        ex = None
        while time.monotonic() < deadline:
            r = self.stats()
            ex = r["export"]["ipfix"] if r else ex
            if ex and pred(ex):
                break
            time.sleep(0.2)
        return ex


def main(argv):
    build, cap = argv[1], argv[2]
    res = Results()
    udp_closed, tcp_closed = free_port(), free_port(socket.SOCK_STREAM)
    # Connections complete in the backlog; a small receive window fills at once.
    stalled = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.bind(("127.0.0.1", 0))
    stalled.listen(1)
    with Nfcapd() as nf, Relay(nf.port) as relay:
        extra = f"""analytics:
  flow_idle_s: 1
  flow_active_s: 1
export:
  ipfix:
    - collector: 127.0.0.1:{udp_closed}
    - collector: 127.0.0.1:{tcp_closed}
      transport: tcp
      buffer_kb: {BUFFER_KB}
    - collector: 127.0.0.1:{relay.tcp_port}
      transport: tcp
      observation_domain: 42
    - collector: 127.0.0.1:{stalled.getsockname()[1]}
      transport: tcp
      buffer_kb: {BUFFER_KB}
"""
        dev = f"net_pcap0,rx_pcap={os.path.abspath(cap)},infinite_rx=1"
        with Daemon(build, [dev], mbufs=32767, extra=extra, prefix="wsipfixf%d" % os.getpid()) as d:
            w = Watch(build, d.sock)
            ex = w.until(lambda e: e[0]["send_errors"] > 0 and e[1]["records_dropped"] > 0 and
                         e[2]["records"] > 0 and e[3]["records_dropped"] > 0, 30)
            u, t, live, slow = ex
            res.check("closed UDP port: send errors counted, their records dropped",
                      u["send_errors"] > 0 and u["records_dropped"] > 0, str(u))
            res.check("closed TCP port: failed connections, none made",
                      t["connect_failures"] > 0 and t["connects"] == 0 and not t["connected"],
                      str(t))
            res.check(f"closed TCP port: drops once {BUFFER_KB} KiB are queued, no more kept",
                      t["records_dropped"] > 0 and 0 < t["queued_bytes"] <= BUFFER_KB * 1024,
                      str(t))
            res.check(f"collector that does not read: connected, drops once {BUFFER_KB} KiB "
                      "are queued", slow["connected"] and slow["records_dropped"] > 0 and
                      slow["queued_bytes"] <= BUFFER_KB * 1024, str(slow))
            p = subprocess.run([os.path.join(build, "app/wirestatctl"), "--socket", d.sock,
                                "export"], capture_output=True, text=True, timeout=10)
            rows = {line.split()[0]: line.split()[1] for line in p.stdout.splitlines()[1:]}
            res.check("wirestatctl export: one row per collector, up or not",
                      p.returncode == 0 and rows == {
                          f"127.0.0.1:{udp_closed}/udp": "yes",
                          f"127.0.0.1:{tcp_closed}/tcp": "no",
                          f"127.0.0.1:{relay.tcp_port}/tcp": "yes",
                          f"127.0.0.1:{stalled.getsockname()[1]}/tcp": "yes"},
                      p.stdout + p.stderr)
            p = subprocess.run([os.path.join(build, "app/wirestatctl"), "--socket", d.sock,
                                "stats"], capture_output=True, text=True, timeout=10)
            res.check("wirestatctl stats: one line of IPFIX totals",
                      p.returncode == 0 and "of 4 collectors up" in p.stdout, p.stdout[-300:])
            res.check("live TCP collector: connected, records sent",
                      live["connected"] and live["connects"] == 1 and live["records"] > 0,
                      str(live))
            relay.kill()
            ex = w.until(lambda e: not e[2]["connected"] and e[2]["connect_failures"] > 0, 20)
            res.check("collector killed: the lost connection and failed retries counted",
                      not ex[2]["connected"] and ex[2]["send_errors"] > 0 and
                      ex[2]["connect_failures"] > 0, str(ex[2]))
            relay.start()
            ex = w.until(lambda e: e[2]["connects"] == 2 and e[2]["connected"], 40)
            res.check("collector back: reconnected, sending again",
                      ex[2]["connects"] == 2 and ex[2]["connected"], str(ex[2]))
            res.check(f"wirestatctl stats always answered, within {STATS_MAX_S} s "
                      f"(slowest {w.slowest:.3f} s)",
                      not w.failed and w.slowest < STATS_MAX_S, str(w.failed[:1]))
            rc = d.stop()
            final = json.loads(d.out) if d.out else {}
            res.check("daemon stopped cleanly with a final report carrying the counters",
                      rc == 0 and len(final.get("export", {}).get("ipfix", [])) == 4,
                      d.err.decode()[-300:])
        relay.wait_closed(10)
        nf.stop()
        exporters = nf.exporters()
        res.check("nfdump shows the live collector's records under observation domain 42",
                  any(dom == 42 and flows > 0 for dom, _, _, flows in exporters),
                  str(exporters))
    stalled.close()
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
