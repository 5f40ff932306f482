#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak: the daemon under endless traffic through memif, sampled every second.

usage: soak.py BUILD_DIR SECONDS [RX_LCORES] [MPPS]

A generated capture of 40,000 packets in 20,000 flows is replayed in a loop by
the project's paced source (tests/bench/pace, a net_pcap port into a net_memif
client) at MPPS million packets per second (default 0.5, under the lossless
rate scripts/bench.sh finds on this VM), with every flow new on each loop
(pace --fresh). The daemon is the memif server; its flow table holds 4,096
flows per lcore and cuts a record of any flow after 1 s, so flows are
created, evicted and recorded without end.

Every second: resident memory (/proc/PID/status VmRSS), mbufs in use, flow-table
fill, drops, packets; it fails if any request goes unanswered, a counter goes
backwards, resident memory grows after the warm-up (the first fifth, at least
10 s) by more than 2 MiB, mbufs in use after the warm-up rise above what they
reached during it (the least in the last third above the most in the warm-up),
the daemon does not count every packet the source sent (as analysed or
dropped), or it does not stop cleanly. What memif refused (its ring full: the
daemon fell behind) is printed, not judged: this VM stalls now and then.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from wslib import Daemon, Results

HERE = os.path.dirname(os.path.abspath(__file__))
RSS_SLACK_KB = 2048
PACKETS = 40000


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sample(d):
    st = d.call({"cmd": "status"})
    fl = d.call({"cmd": "flows", "n": 1})
    if st.get("status") != 0 or fl.get("status") != 0:
        return None
    s, f = st["result"], fl["result"]
    return {"t": time.time(), "rss_kb": rss_kb(d.proc.pid), "packets": s["packets"],
            "bytes": s["bytes"], "drops": s["drops"]["total"],
            "mbufs_in_use": s["mempool"]["in_use"], "flows_active": s["flow_table"]["active"],
            "flow_capacity": s["flow_table"]["capacity"], "flows_total": f["total"],
            "flow_records": f["records"], "requests": s["control"]["requests"]}


MONOTONIC = ("packets", "bytes", "drops", "flows_total", "flow_records", "requests")


def start_source(build, tmp, cap, sock, mpps, secs):
    """The paced source on CPU 0 (with the daemon's management lcore), as the memif client."""
    mbufs = PACKETS + 16384
    cmd = ["taskset", "-c", "0", os.path.join(build, "tests/bench/pace"), "--lcores", "(0)@0",
           "--no-huge", "--no-pci", "-m", str(256 + mbufs * 3 // 1024),
           "--file-prefix", "wssoak%d-gen" % os.getpid(), "--log-level=lib.eal:error",
           "--vdev", f"net_pcap0,rx_pcap={cap},infinite_rx=1",
           "--vdev", f"net_memif0,role=client,socket={sock}", "--",
           "--mpps", str(mpps), "--seconds", str(secs + 30), "--warmup", "0",
           "--mbufs", str(mbufs), "--fresh", str(PACKETS)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp)


def stop_source(src):
    """SIGTERM; its counts, or None."""
    src.send_signal(signal.SIGTERM)
    out = src.communicate(timeout=30)[0].decode()
    for line in out.splitlines():
        if line.startswith("pace: seconds="):
            return {k: float(v) for k, v in (f.split("=") for f in line[6:].split())}
    print(out[-500:])
    return None


def main(argv):
    build, secs = argv[1], int(argv[2])
    n_rx = int(argv[3]) if len(argv) > 3 else 1
    mpps = float(argv[4]) if len(argv) > 4 else 0.5
    warm = max(10, secs // 5)
    r = Results()
    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "soak.pcap")
        subprocess.run([sys.executable, os.path.join(HERE, "..", "..", "scripts", "gen-pcap.py"),
                        "--profile", "mix", "--seed", "3", "--packets", str(PACKETS), "--flows",
                        "20000", "-o", cap], check=True, capture_output=True)
        sock = os.path.join(tmp, "memif.sock")
        dev = f"net_memif0,role=server,socket={sock}"
        extra = "analytics:\n  flow_capacity: 4096\n  flow_active_s: 1\n  flow_idle_s: 5\n"
        with Daemon(build, [dev], rx=tuple(range(1, n_rx + 1)), mbufs=65535, extra=extra) as d:
            src = start_source(build, tmp, cap, sock, mpps, secs)
            samples, unanswered, backwards = [], 0, []
            end = time.time() + secs
            while time.time() < end and src.poll() is None:
                t0 = time.time()
                s = sample(d)
                if s is None:
                    unanswered += 1
                else:
                    if samples:
                        backwards += [(k, samples[-1][k], s[k]) for k in MONOTONIC
                                      if s[k] < samples[-1][k]]
                    samples.append(s)
                time.sleep(max(0.0, 1.0 - (time.time() - t0)))
            pace = stop_source(src)
            time.sleep(1.5)  # the daemon drains the ring and publishes
            final = sample(d)
            rc = d.stop()
        shutil.rmtree(f"/var/run/dpdk/wssoak{os.getpid()}-gen", ignore_errors=True)
    if not r.check("the paced source ran to the end", pace is not None):
        return r.finish()
    sent = int(pace["sent"] + pace["warmup_sent"])
    r.check("every packet sent was counted (analysed or dropped)",
            final is not None and final["packets"] + final["drops"] == sent,
            f"sent {sent}, daemon {final}")
    r.check("every request answered", unanswered == 0 and len(samples) >= secs - 2,
            f"{unanswered} unanswered, {len(samples)} samples")
    r.check("no counter went backwards", not backwards, backwards[:5])
    start = samples[0]["t"]
    after = [s for s in samples if s["t"] - start >= warm]
    during = [s for s in samples if s["t"] - start < warm]
    if not r.check("samples after the warm-up", len(after) > 0 and len(during) > 0):
        return r.finish()
    base = during[-1]["rss_kb"]
    top = max(s["rss_kb"] for s in after)
    r.check("resident memory flat after the warm-up", top - base <= RSS_SLACK_KB,
            f"{base} kB at {warm} s, up to {top} kB")
    # In flight at a sample: a burst or so, any time. A leak raises even the least.
    mb_warm = max(s["mbufs_in_use"] for s in during)
    mb_after = min(s["mbufs_in_use"] for s in after[len(after) * 2 // 3:])
    r.check("no mbuf leak", mb_after <= mb_warm,
            f"at most {mb_warm} in the warm-up, at least {mb_after} in the last third")
    r.check("flow table full and churning",
            after[-1]["flows_active"] > 0 and after[-1]["flows_total"] > after[0]["flows_total"],
            json.dumps(after[-1]))
    r.check("traffic went on all along", after[-1]["packets"] > after[0]["packets"])
    r.check("stops cleanly", rc == 0, d.err.decode()[-300:])
    last, first = samples[-1], samples[0]
    dt = last["t"] - first["t"]
    print(f"soak: {dt:.0f} s, {(last['packets'] - first['packets']) / dt:.0f} packets/s, "
          f"{last['flows_total']} flows created, {last['flow_records']} records, "
          f"{last['drops']} dropped; RSS {first['rss_kb']} -> {base} (warm) -> "
          f"{last['rss_kb']} kB (max {top}); mbufs in use max {mb_warm} warm, min {mb_after} "
          f"at the end; flow table {last['flows_active']}/{last['flow_capacity']}; "
          f"source at {mpps} Mpps: sent {sent}, refused {int(pace['refused'])}, "
          f"late {int(pace['late'])}")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
