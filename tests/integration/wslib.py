# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the integration tests: run wirestat, talk to its socket, check results."""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time


class Results:
    """Named checks; prints 'N passed, M failed' at the end."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok: {name}")
        else:
            self.failed += 1
            print(f"FAIL: {name} {detail}")
        return ok

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed or not self.passed else 0


def pcap_count(path):
    """Packets in a classic pcap file, read independently of wirestat and libpcap."""
    with open(path, "rb") as f:
        head = f.read(24)
        order = "<" if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        n = 0
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return n
            caplen = struct.unpack(order + "IIII", rec)[2]
            f.seek(caplen, os.SEEK_CUR)
            n += 1


def runtime_dir(prefix):
    return os.path.join("/var/run/dpdk", prefix)


def ctl(path, req, timeout=5.0):
    """One request on a fresh connection; returns the reply object."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        try:
            s.sendall((json.dumps(req) + "\n").encode())
        except (BrokenPipeError, ConnectionResetError):
            pass  # turned away at once ("too many clients"): its answer is still there
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
        return json.loads(buf)
    finally:
        s.close()


class Daemon:
    """wirestat -c on a temporary configuration; stopped (SIGTERM) on exit."""

    def __init__(self, build, ports, rx=(1,), mbufs=8191, prefix=None, extra="", rx_queues=1,
                 telemetry=False, prometheus="", socket_mode="0600", mbuf_cache=None):
        self.build = build
        self.dir = tempfile.mkdtemp(prefix="wsit.")
        self.prefix = prefix or "wsit%d" % os.getpid()
        self.sock = os.path.join(self.dir, "ctl.sock")
        port_lines = "".join(f"  - name: p{i}\n    device: \"{d}\"\n    rx_queues: {rx_queues}\n"
                             for i, d in enumerate(ports))
        self.config = os.path.join(self.dir, "wirestat.yaml")
        with open(self.config, "w") as f:
            f.write(f"""eal:
  hugepages: false
  memory_mb: 1024
  file_prefix: {self.prefix}
  log_level: err
  extra_args: [{"" if telemetry else "--no-telemetry"}]
ports:
{port_lines}lcores:
  management: 0
  rx: [{", ".join(str(r) for r in rx)}]
  cpus: [{", ".join(str(c) for c in range(min(os.cpu_count(), 1 + len(rx))))}]
mempool:
  mbufs: {mbufs}
{"" if mbuf_cache is None else f"  cache: {mbuf_cache}{chr(10)}"}prometheus:
  listen: "{prometheus}"
socket:
  path: {self.sock}
  mode: "{socket_mode}"
{extra}""")
        self.proc = None
        self.out = self.err = b""

    def __enter__(self):
        self.proc = subprocess.Popen([os.path.join(self.build, "app/wirestat"), "-c", self.config,
                                      "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("wirestat exited: " + self.proc.stderr.read().decode())
            if os.path.exists(self.sock):
                try:
                    if ctl(self.sock, {"cmd": "status"})["status"] == 0:
                        return self
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError("wirestat did not answer on " + self.sock)

    def call(self, req):
        return ctl(self.sock, req)

    def wait_packets(self, n, timeout=60):
        deadline = time.time() + timeout
        got = -1
        while time.time() < deadline:
            st = self.call({"cmd": "status"})["result"]
            got = st["packets"]
            # Top lists and distinct counts follow within a few seconds (flow reports).
            if got >= n and st["top_pending"] == 0:
                time.sleep(0.3)  # one more snapshot period
                return self.call({"cmd": "status"})["result"]["packets"]
            time.sleep(0.1)
        return got

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.out, self.err = self.proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.out, self.err = self.proc.communicate()
        return self.proc.returncode

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(runtime_dir(self.prefix), ignore_errors=True)
        return False


OFFLINE_PIDS = []


def offline(build, capture, *args):
    """wirestat -r CAPTURE --json; returns (exit code, report or None, stderr)."""
    p = subprocess.Popen([os.path.join(build, "app/wirestat"), "--json", "--top", "100000",
                          *args, "-r", capture], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    OFFLINE_PIDS.append(p.pid)
    out, err = p.communicate(timeout=300)
    report = json.loads(out) if p.returncode == 0 and out else None
    return p.returncode, report, err.decode()


def offline_leftovers():
    """Runtime directories that offline runs of this test left (their prefix has the pid)."""
    return [d for d in (runtime_dir("wirestat-r%d" % pid) for pid in OFFLINE_PIDS)
            if os.path.exists(d)]


def statistics_only(report):
    """The parts of a report that depend on the packets alone (live time is the clock's;
    why a flow ended depends on each lcore's own clock, so flows are compared apart).
    Sites are left out too: a flow named by a DNS answer that another lcore handled
    depends on which lcore got there first (test_sites.py checks them on one lcore)."""
    out = {k: v for k, v in report.items() if k not in ("cores", "ports", "time", "drops",
                                                       "capture", "rates", "flows", "sites")}
    if "names" in out:
        out["names"] = json.loads(json.dumps(out["names"]))
        out["names"]["dns_answers"].pop("named_flows", None)
    return out
