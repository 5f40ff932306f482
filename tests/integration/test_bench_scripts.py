#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke test of scripts/replay.sh and scripts/bench.sh on small captures.

usage: test_bench_scripts.py BUILD SOURCE_ROOT

replay.sh: testpmd loops a small capture over memif into testpmd rxonly and into
wirestat for 2 s each; both must receive, and the hostnames wirestat reports must be
the ones tshark finds in the capture (the packets crossed memif intact). Then the
paced source (-s pace) at 0.2 Mpps: its counts and wirestat's must agree.
pace --fresh into a capture file: tshark must find loop k's addresses to be the
capture's with k in their middle bytes, good IPv4 checksums, and the capture's
conversations anew in every loop.
bench.sh --no-replay: the peers table on 20,000 packets; every tool that is
installed gets a row, and those that count flows count the generator's flows.
No rate is asserted: CI machines are small and shared.
"""
import ipaddress
import os
import shutil
import subprocess
import sys
import tempfile
import json

from wslib import Results

BUILD, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
ENV = dict(os.environ, WS_BUILD=BUILD)
TMP = tempfile.mkdtemp(prefix="wsbs.")
r = Results()

if not shutil.which("dpdk-testpmd"):
    print("dpdk-testpmd missing (Debian package dpdk)")
    sys.exit(77)

# --- replay.sh -----------------------------------------------------------------
cap = os.path.join(TMP, "small.pcap")
subprocess.run([sys.executable, os.path.join(SRC, "scripts/gen-traffic.py"), "--seed", "2",
                "--flows", "256", "--packets", "4096", "--size", "64", "--repeat", "2",
                "-o", cap], check=True)
out, report = os.path.join(TMP, "replay.txt"), os.path.join(TMP, "report.json")
p = subprocess.run([os.path.join(SRC, "scripts/replay.sh"), "-s", "testpmd", "-t", "2",
                    "-r", "both", "-f", cap, "--out", out, "--report", report],
                   env=ENV, capture_output=True, text=True, timeout=240)
print(p.stdout, p.stderr)
r.check("replay.sh runs", p.returncode == 0, p.returncode)
rows = {}
if os.path.exists(out):
    for line in open(out):
        kv = dict(x.split("=", 1) for x in line.split())
        rows[kv["receiver"]] = kv
for recv in ("rxonly", "wirestat"):
    kv = rows.get(recv, {})
    got = int(kv.get("received", 0))
    r.check("%s received packets" % recv, got > 0, kv)
    r.check("%s received no more than the source read" % recv,
            got <= int(kv.get("offered", 0)), kv)
table = [line for line in p.stdout.splitlines() if line.startswith("| ")]
r.check("replay.sh prints a row per receiver", len(table) == 3, table)
# | receiver | seconds | offered Mpps | received Mpps | ...
rates = [float(line.strip("|").split("|")[3]) for line in table[1:]]
r.check("replay.sh table has nonzero received rates", len(rates) == 2 and min(rates) > 0, table)
r.check("replay.sh prints the ratio to rxonly", "wirestat / testpmd rxonly" in p.stdout)

truth = set(subprocess.run(
    ["tshark", "-n", "-r", cap, "-Y", "tls.handshake.type == 1 || http.request || "
     "dns.flags.response == 0", "-T", "fields", "-e", "tls.handshake.extensions_server_name",
     "-e", "http.host", "-e", "dns.qry.name"], capture_output=True, text=True,
    check=True).stdout.split())
try:
    seen = {h["name"] for h in json.load(open(report))["hosts"]}
except (OSError, ValueError, KeyError) as e:
    seen = {"(no report: %s)" % e}
r.check("hostnames wirestat saw over memif are the capture's", seen and seen <= truth,
        sorted(seen - truth)[:5])

# --- replay.sh -s pace: the paced source --------------------------------------
# Counts only: what was sent was offered, what wirestat analysed was sent, and the
# pace (0.2 Mpps for 2 s after a 1 s warm-up) bounds what was offered.
paced = os.path.join(TMP, "paced.txt")
p = subprocess.run([os.path.join(SRC, "scripts/replay.sh"), "-s", "pace", "--mpps", "0.2",
                    "-t", "2", "-f", cap, "--out", paced], env=ENV, capture_output=True,
                   text=True, timeout=240)
print(p.stdout, p.stderr)
r.check("replay.sh -s pace runs", p.returncode == 0, p.returncode)
kv = {}
if os.path.exists(paced):
    kv = dict(x.split("=", 1) for x in open(paced).read().split())
off, sent = int(kv.get("offered", 0)), int(kv.get("sent", 0))
r.check("paced: wirestat analysed packets, no more than were sent",
        0 < int(kv.get("analysed", 0)) <= sent <= off, kv)
r.check("paced: no more offered than 0.2 Mpps allows over the 3 s",
        0 < off <= 0.2e6 * 3 + 32, kv)
r.check("paced: the refusals after the warm-up are counted",
        kv.get("refused_after_warmup", "").isdigit(), kv)

# --- pace --fresh: every loop's flows are new, read back by tshark -------------
def tshark_addrs(path):
    """(src, dst, IPv4 checksum status) per packet, as tshark reads them."""
    out = subprocess.run(["tshark", "-r", path, "-o", "ip.check_checksum:TRUE", "-T",
                          "fields", "-E", "separator=|", "-e", "ip.src", "-e", "ip.dst",
                          "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ip.checksum.status"],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        f = line.split("|")
        rows.append((f[0] or f[2], f[1] or f[3], f[4]))
    return rows


def unfresh(addr, loop):
    """An address of loop `loop` back as in the capture: the loop number out of its middle."""
    b = bytearray(ipaddress.ip_address(addr).packed)
    at = 1 if len(b) == 4 else 4  # IPv4 bytes 1-2, IPv6 bytes 4-5
    b[at] ^= loop >> 8
    b[at + 1] ^= loop & 0xff
    return str(ipaddress.ip_address(bytes(b)))


fin, fout = os.path.join(TMP, "fresh-in.pcap"), os.path.join(TMP, "fresh-out.pcap")
subprocess.run([sys.executable, os.path.join(SRC, "scripts/gen-traffic.py"), "--seed", "5",
                "--flows", "64", "--packets", "1000", "--v6", "0.3", "--vlan", "0.3",
                "-o", fin], check=True, capture_output=True)
p = subprocess.run([os.path.join(BUILD, "tests/bench/pace"), "--no-huge", "--no-pci", "-m", "256",
                    "--file-prefix", "wsbs%d-fresh" % os.getpid(), "--log-level=lib.eal:error",
                    "--vdev", f"net_pcap0,rx_pcap={fin},infinite_rx=1",
                    "--vdev", f"net_pcap1,tx_pcap={fout}", "--", "--mpps", "0.004",
                    "--seconds", "1", "--warmup", "0", "--mbufs", "4096", "--fresh", "1000"],
                   capture_output=True, text=True, timeout=60)
shutil.rmtree("/var/run/dpdk/wsbs%d-fresh" % os.getpid(), ignore_errors=True)
r.check("pace --fresh writes to a capture", p.returncode == 0, p.stdout + p.stderr)
orig, sent = tshark_addrs(fin), tshark_addrs(fout)
loops = len(sent) // len(orig)
r.check("pace --fresh: two loops or more", loops >= 2, f"{len(sent)} packets")
pairs = [set() for _ in range(loops)]
wrong = []
for i, (src, dst, ck) in enumerate(sent[:loops * len(orig)]):
    k, o = divmod(i, len(orig))
    pairs[k].add(frozenset((src, dst)))
    if (unfresh(src, k), unfresh(dst, k)) != orig[o][:2] or (k > 0 and src == orig[o][0]):
        wrong.append((i, src, dst, orig[o]))
    if ck not in ("", "1"):  # IPv4: tshark finds the header checksum good
        wrong.append((i, "checksum", ck))
r.check("pace --fresh: loop k carries the capture's addresses with k in their middle bytes",
        not wrong, wrong[:3])
r.check("pace --fresh: each loop has the capture's conversations, none seen in another loop",
        all(len(q) == len(set(frozenset(o[:2]) for o in orig)) for q in pairs) and
        len(set().union(*pairs)) == sum(len(q) for q in pairs), [len(q) for q in pairs])

# --- bench.sh, peers only ------------------------------------------------------
p = subprocess.run([os.path.join(SRC, "scripts/bench.sh"), "--no-replay", "--no-install",
                    "--packets", "20000", "--flows", "500"],
                   env=ENV, capture_output=True, text=True, timeout=600)
print(p.stdout, p.stderr)
r.check("bench.sh runs", p.returncode == 0, p.returncode)
peers = {}
for line in p.stdout.splitlines():
    cells = [c.strip() for c in line.strip("|").split("|")]
    if line.startswith("| ") and len(cells) == 9 and cells[0] != "tool":
        peers[cells[0]] = cells
tools = {"wirestat": "wirestat", "tshark": "tshark", "ndpiReader": "ndpiReader",
         "pmacctd": "pmacctd", "softflowd": "softflowd"}
for name, exe in tools.items():
    if name != "wirestat" and not shutil.which(exe):
        print("skip: %s not installed" % name)
        continue
    row = peers.get(name)
    r.check("bench.sh: %s has a row" % name, row is not None, sorted(peers))
    if row is None:
        continue
    pps = int(row[5].replace(",", ""))
    r.check("bench.sh: %s has a nonzero rate" % name, pps > 0, row)
    if name in ("wirestat", "ndpiReader", "softflowd"):
        r.check("bench.sh: %s counted the 500 flows" % name, row[8] == "500", row)
    if name == "pmacctd":
        r.check("bench.sh: pmacctd counted both directions of 500 flows",
                row[8] == "1000 one-way", row)

shutil.rmtree(TMP, ignore_errors=True)
sys.exit(r.finish())
