# SPDX-License-Identifier: BSD-3-Clause
"""A real IPFIX collector for the tests: nfcapd from Debian's nfdump, read back with nfdump.

nfcapd 1.7 listens on UDP only. For TCP, relay() runs a small TCP listener that
cuts the stream at each IPFIX message's length field and passes every message
on to nfcapd as one datagram: the records nfdump shows then went over TCP.
"""
import ipaddress
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

PROTOS = {"ICMP": 1, "IGMP": 2, "TCP": 6, "UDP": 17, "GRE": 47, "ESP": 50, "AH": 51,
          "ICMP6": 58, "SCTP": 132}


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Nfcapd:
    """nfcapd on 127.0.0.1:port, storing into a temporary directory until stop()."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="wsnf.")
        self.log = os.path.join(self.dir, "nfcapd.log")
        self.flows = os.path.join(self.dir, "flows")
        os.mkdir(self.flows)
        self.proc = None

    def __enter__(self):
        with open(self.log, "w") as log:
            # -B: a large receive buffer, so a capture's records sent at once are all taken.
            self.proc = subprocess.Popen(["nfcapd", "-p", str(self.port), "-b", "127.0.0.1",
                                          "-w", self.flows, "-t", "3600", "-B", "8000000"],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline and "Startup" not in self.log_text():
            if self.proc.poll() is not None:
                raise RuntimeError("nfcapd exited: " + self.log_text())
            time.sleep(0.05)
        return self

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def stop(self):
        """SIGTERM makes nfcapd write out its file."""
        if self.proc and self.proc.poll() is None:
            time.sleep(0.3)  # let the last datagrams be read
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def records(self):
        """Every flow nfcapd stored, as dicts of nfdump's CSV columns."""
        out = subprocess.run(["nfdump", "-R", self.flows, "-o", "csv"], capture_output=True,
                             check=True, text=True).stdout.splitlines()
        if not out or not out[0].startswith("ts,"):
            return []
        head = out[0].split(",")
        rows = []
        for line in out[1:]:
            if not line.strip() or line.startswith("Summary"):
                break
            rows.append(dict(zip(head, (v.strip() for v in line.split(",")))))
        return rows

    def exporters(self):
        """[(observation domain id, sequence failures, packets, flows)] per exporter."""
        found = []
        for name in sorted(os.listdir(self.flows)):
            out = subprocess.run(["nfdump", "-r", os.path.join(self.flows, name), "-E",
                                  self.flows], capture_output=True, text=True).stdout
            for m in re.finditer(r"version: 10, ID:\s*(\d+), Sequence failures:\s*(\d+), "
                                 r"packets:\s*(\d+), flows:\s*(\d+)", out):
                found.append(tuple(int(x) for x in m.groups()))
        return found


def nfdump_flow(row):
    """nfdump's CSV row as (proto, src, sport, dst, dport, in pkts, in bytes, out pkts,
    out bytes, flags, vlan, start s, end s, duration ms)."""
    pr = row["pr"]
    proto = int(pr) if pr.isdigit() else PROTOS.get(pr, pr)
    return (proto, ipaddress.ip_address(row["sa"]).compressed, int(row["sp"]),
            ipaddress.ip_address(row["da"]).compressed, int(row["dp"]), int(row["ipkt"]),
            int(row["ibyt"]), int(row["opkt"]), int(row["obyt"]), row["flg"],
            int(row["svln"]), row["ts"], row["te"], round(float(row["td"]) * 1000))


def relay(tcp_port, udp_port):
    """Accept IPFIX over TCP, one connection after another; forward each message over UDP."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", tcp_port))
    ls.listen(4)
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print("listening", flush=True)
    while True:
        conn, _ = ls.accept()
        buf = b""
        n = 0
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 4:
                version, length = struct.unpack("!HH", buf[:4])
                if version != 10 or length < 16:
                    sys.exit(f"relay: not an IPFIX message: version {version}, "
                             f"length {length}")
                if len(buf) < length:
                    break
                out.sendto(buf[:length], ("127.0.0.1", udp_port))
                time.sleep(0.0002)  # nfcapd reads one datagram at a time
                buf = buf[length:]
                n += 1
        conn.close()
        print(f"closed {n} {len(buf)}", flush=True)


class Relay:
    """relay() in its own process, so that a test can kill it."""

    def __init__(self, udp_port, tcp_port=None):
        self.tcp_port = tcp_port or free_port(socket.SOCK_STREAM)
        self.udp_port = udp_port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "relay",
                                      str(self.tcp_port), str(self.udp_port)],
                                     stdout=subprocess.PIPE)
        self.proc.stdout.readline()
        return self

    def wait_closed(self, timeout=30):
        """(messages relayed, bytes left over) of the next connection to end."""
        import select
        if not select.select([self.proc.stdout], [], [], timeout)[0]:
            return None
        words = self.proc.stdout.readline().split()
        return (int(words[1]), int(words[2])) if len(words) == 3 else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()
        return False


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "relay":
    relay(int(sys.argv[2]), int(sys.argv[3]))
