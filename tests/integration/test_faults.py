#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Faults: the daemon keeps counting and answering, and what it reports adds up.

usage: test_faults.py BUILD_DIR MIX_CAPTURE COVERAGE_CAPTURE

- mempool exhaustion (1023 mbufs, lcore caches of 340, a fast net_pcap reader)
  and full spread rings (64 entries), with a capture filter: on every lcore
  received = analysed + malformed + filtered + handed on + dropped, and over the
  port the capture's packets (counted here, from the file) = analysed + malformed
  + filtered + dropped; mbufs all come back;
- 1,000 connections at once: the excess is refused and counted, silent ones give
  way, another client is still answered;
- half a request, then silence: others are served, the stalled one times out;
- SIGKILL, then a restart on the same configuration: stale socket and DPDK
  runtime files are dealt with, the new daemon counts afresh;
- configurations that fail (validation, a device that cannot open, a socket a
  live daemon holds): refused with a clear message, nothing left behind.
"""
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from wslib import Daemon, Results, ctl, pcap_count, runtime_dir

HERE = os.path.dirname(os.path.abspath(__file__))


def concat_pcaps(out, *caps):
    """One classic pcap of the given ones (same link type), in order."""
    with open(out, "wb") as o:
        for i, c in enumerate(caps):
            with open(c, "rb") as f:
                head = f.read(24)
                if i == 0:
                    o.write(head)
                o.write(f.read())


def lcore_adds_up(c):
    """received = analysed + malformed + filtered + handed on + dropped, on one lcore."""
    analysed = c["packets"] - c["malformed"]
    return (c["rx"] + c["spread_in"] == analysed + c["malformed"] + c["rejected"] +
            c["spread_out"] + c["ring_full"] and c["passed"] == c["packets"])


def watch(d, total, r, name, timeout=90):
    """Poll while the file goes through: every answer arrives, no counter goes back."""
    keys = ("packets", "bytes")
    last, answers, backwards = {}, 0, []
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = d.call({"cmd": "status"})
        answers += st.get("status") == 0
        res = st["result"]
        now = {k: res[k] for k in keys}
        now.update({"drop_" + k: v for k, v in res["drops"].items()})
        backwards += [k for k in now if now[k] < last.get(k, 0)]
        last = now
        port = d.call({"cmd": "ports"})["result"][0]
        if port["ipackets"] + port["rx_nombuf"] >= total:
            break
        time.sleep(0.1)
    time.sleep(0.5)  # rings drained, one more snapshot
    r.check(f"{name}: answered all along", answers > 0 and not backwards, backwards)


def check_accounting(r, d, total, name):
    st = d.call({"cmd": "status"})["result"]
    cores = d.call({"cmd": "cores"})["result"]
    port = d.call({"cmd": "ports"})["result"][0]
    for c in cores:
        r.check(f"{name}: lcore {c['lcore']} adds up", lcore_adds_up(c), json.dumps(c))
    s = {k: sum(c[k] for c in cores) for k in cores[0] if k not in ("lcore", "index", "busy")}
    r.check(f"{name}: what one lcore handed on, another received",
            s["spread_out"] == s["spread_in"], json.dumps(s))
    r.check(f"{name}: lcores received what the port did", s["rx"] == port["ipackets"],
            f"{s['rx']} vs {port['ipackets']}")
    counted = s["packets"] + s["rejected"] + s["ring_full"] + port["rx_nombuf"]
    r.check(f"{name}: the capture = analysed + malformed + filtered + dropped",
            counted == total, f"{counted} vs {total}: {json.dumps(s)} nombuf {port['rx_nombuf']}")
    r.check(f"{name}: drops reported are those counted",
            st["drops"]["mbuf_exhausted"] == port["rx_nombuf"] and
            st["drops"]["spread_ring_full"] == s["ring_full"], json.dumps(st["drops"]))
    r.check(f"{name}: filtered and malformed both present",
            s["rejected"] > 0 and s["malformed"] > 0, json.dumps(s))
    r.check(f"{name}: every mbuf back in the pool", st["mempool"]["in_use"] == 0,
            json.dumps(st["mempool"]))
    return s, port


def check_exhaustion(r, build, cap, total):
    dev = f"net_pcap0,rx_pcap={cap}"
    with Daemon(build, [dev], rx=(1, 2), mbufs=1023, mbuf_cache=340,
                extra="filter: not udp\n") as d:
        watch(d, total, r, "mempool exhaustion")
        _, port = check_accounting(r, d, total, "mempool exhaustion")
        r.check("mempool exhaustion: happened, counted as rx_nombuf", port["rx_nombuf"] > 0,
                json.dumps(port)[:300])
        r.check("mempool exhaustion: exit 0", d.stop() == 0, d.err.decode()[-300:])


def check_ring_full(r, build, cap, total):
    dev = f"net_pcap0,rx_pcap={cap}"
    with Daemon(build, [dev], rx=(1, 2), mbufs=65535,
                extra="spread:\n  ring_size: 64\nfilter: not udp\n") as d:
        watch(d, total, r, "ring full")
        s, _ = check_accounting(r, d, total, "ring full")
        r.check("ring full: happened, counted", s["ring_full"] > 0, json.dumps(s))


def check_connection_flood(r, d):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    before = d.call({"cmd": "status"})["result"]["control"]
    flood = []
    for _ in range(1000):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        for _ in range(500):  # the listen backlog fills faster than the daemon accepts
            try:
                s.connect(d.sock)
                flood.append(s)
                break
            except BlockingIOError:
                time.sleep(0.01)
        else:
            s.close()
    time.sleep(1.2)  # they are silent: past WS_CTL_IDLE_MS their slots may be taken
    rep = d.call({"cmd": "status"})
    r.check("1000 connections: another client is answered", rep.get("status") == 0, rep)
    closed = 0
    for s in flood:
        s.setblocking(False)
        try:
            s.recv(4096)  # the daemon's word, or end of file: it closed this one
            closed += 1
        except BlockingIOError:
            pass  # still held open
        s.close()
    after = rep["result"]["control"]
    turned = (after["rejected"] - before["rejected"]) + (after["evicted"] - before["evicted"])
    r.check("1000 connections: at most 64 kept, the rest turned away and counted",
            len(flood) == 1000 and turned >= 1000 - 64 and closed >= 1000 - 64,
            f"connected {len(flood)}, turned away {turned}, closed {closed}, {after}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def check_stall(r, d):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(d.sock)
    s.sendall(b'{"cmd": "sta')
    t0 = time.time()
    others = [d.call({"cmd": "status"}).get("status") for _ in range(5)]
    r.check("half a request: others are served meanwhile", others == [0] * 5, others)
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    s.close()
    waited = time.time() - t0
    rep = json.loads(buf) if buf else {}
    r.check("half a request: timed out with ETIMEDOUT after about 5 s",
            rep.get("status") == 110 and 4 < waited < 8, f"{rep} after {waited:.1f} s")
    r.check("half a request: counted",
            d.call({"cmd": "status"})["result"]["control"]["stalled_clients"] >= 1)


def check_kill_restart(r, build, cap):
    want = pcap_count(cap)
    d = Daemon(build, [f"net_pcap0,rx_pcap={cap}"], prefix="wsit-kill%d" % os.getpid())
    with d:
        r.check("before SIGKILL: counts the file", d.wait_packets(want) == want)
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait(timeout=30)
        r.check("after SIGKILL: socket and runtime files left behind",
                os.path.exists(d.sock) and os.path.exists(runtime_dir(d.prefix)))
        d.__enter__()  # the same configuration, the same file prefix
        r.check("restart: answers on the same socket", d.call({"cmd": "status"})["status"] == 0)
        r.check("restart: counts afresh", d.wait_packets(want) == want)
        rc = d.stop()
        r.check("restart: stops cleanly, nothing left",
                rc == 0 and not os.path.exists(d.sock) and
                not os.path.exists(runtime_dir(d.prefix)), d.err.decode()[-300:])


def refused(r, build, name, d, want_text):
    p = subprocess.run([os.path.join(build, "app/wirestat"), "-c", d.config],
                       capture_output=True, text=True, timeout=60)
    leftovers = [x for x in (d.sock, runtime_dir(d.prefix)) if os.path.exists(x)]
    shutil.rmtree(d.dir, ignore_errors=True)
    r.check(f"{name}: refused with a clear message, nothing left",
            p.returncode != 0 and want_text in p.stderr and not leftovers,
            f"rc {p.returncode} {p.stderr[-400:]} left {leftovers}")


def check_bad_configs(r, build, cap):
    with tempfile.TemporaryDirectory() as tmp:
        bad = Daemon(build, ["net_null0"], prefix="wsit-bad%d" % os.getpid(),
                     extra="analytics:\n  flow_capacity: 3\n")
        refused(r, build, "invalid value", bad, "analytics.flow_capacity: 3")
        nodev = Daemon(build, [f"net_pcap0,rx_pcap={tmp}/missing.pcap"],
                       prefix="wsit-nodev%d" % os.getpid())
        refused(r, build, "a device that cannot open", nodev, "no DPDK device")
    with Daemon(build, [f"net_pcap0,rx_pcap={cap}"], prefix="wsit-live%d" % os.getpid()) as d:
        twin = Daemon(build, ["net_null0"], prefix="wsit-twin%d" % os.getpid())
        with open(twin.config) as f:
            conf = f.read().replace(twin.sock, d.sock)
        with open(twin.config, "w") as f:
            f.write(conf)
        twin.sock = d.sock
        p = subprocess.run([os.path.join(build, "app/wirestat"), "-c", twin.config],
                           capture_output=True, text=True, timeout=60)
        shutil.rmtree(twin.dir, ignore_errors=True)
        r.check("a socket a live daemon holds: refused, the live one untouched",
                p.returncode != 0 and "another wirestat answers there" in p.stderr and
                d.call({"cmd": "status"})["status"] == 0 and
                not os.path.exists(runtime_dir(twin.prefix)), p.stderr[-300:])


def main(argv):
    build, mix, coverage = argv[1], os.path.abspath(argv[2]), os.path.abspath(argv[3])
    r = Results()
    with tempfile.TemporaryDirectory() as tmp:
        big, cap = os.path.join(tmp, "big.pcap"), os.path.join(tmp, "faults.pcap")
        subprocess.run([sys.executable, os.path.join(HERE, "..", "..", "scripts", "gen-pcap.py"),
                        "--profile", "mix", "--seed", "11", "--packets", "100000", "--flows",
                        "3000", "-o", big], check=True, capture_output=True)
        concat_pcaps(cap, coverage, big)  # coverage has malformed frames
        total = pcap_count(cap)
        check_exhaustion(r, build, cap, total)
        check_ring_full(r, build, cap, total)
    with Daemon(build, [f"net_pcap0,rx_pcap={mix}"]) as d:
        check_connection_flood(r, d)
        check_stall(r, d)
    check_kill_restart(r, build, mix)
    check_bad_configs(r, build, mix)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
