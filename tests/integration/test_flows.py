#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flow records against tshark: every TCP/UDP conversation, packets and bytes each way.

usage: test_flows.py BUILD_DIR CAPTURE...
wirestat -r CAPTURE --flows FILE writes every flow record; the records of one
outer 5-tuple are summed (a conversation may end and start again) and compared
with the same sums made from tshark's per-packet fields (outer IP header and
the TCP/UDP header right after it; defragmentation and reassembly off).
Later IP fragments carry no ports: wirestat keeps them as a flow with ports 0,
tshark as no conversation, so those are left out of the comparison.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
from compare import TsharkView, tshark_packets  # noqa: E402
from wslib import Results, offline  # noqa: E402


def norm(a, pa, b, pb):
    """The endpoint that sorts lower first, and whether (a, pa) is that one."""
    ka = (ipaddr_bytes(a), pa)
    kb = (ipaddr_bytes(b), pb)
    return ((a, pa, b, pb), True) if ka <= kb else ((b, pb, a, pa), False)


def ipaddr_bytes(s):
    import ipaddress
    return ipaddress.ip_address(s).packed.ljust(16, b"\0")


def tshark_conversations(cap):
    """{(proto, a, pa, b, pb): [packets a->b, bytes a->b, packets b->a, bytes b->a]}."""
    caplens = subprocess.run(["tshark", "-n", "-r", cap, "-T", "fields", "-e", "frame.cap_len"],
                             capture_output=True, check=True).stdout.decode().split()
    conv = {}
    for pkt, caplen in zip(tshark_packets(cap), caplens):
        o = TsharkView(pkt).ip(0)
        if not o or o["l4"] not in ("tcp", "udp") or not o["ports"]:
            continue
        (a, pa, b, pb), fwd = norm(o["src"], int(o["ports"][0]), o["dst"], int(o["ports"][1]))
        c = conv.setdefault((o["l4"], a, pa, b, pb), [0, 0, 0, 0])
        i = 0 if fwd else 2
        c[i] += 1
        c[i + 1] += int(caplen)
    return conv


def wirestat_conversations(build, cap):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "flows.jsonl")
        rc, rep, err = offline(build, cap, "--flows", out)
        if rc != 0:
            return None, rep, err
        conv = {}
        with open(out) as f:
            for line in f:
                r = json.loads(line)
                if r["proto"] not in (6, 17) or (r["a_port"] == 0 and r["b_port"] == 0):
                    continue
                key = ("tcp" if r["proto"] == 6 else "udp", r["a"], r["a_port"], r["b"],
                       r["b_port"])
                c = conv.setdefault(key, [0, 0, 0, 0])
                for i, k in enumerate(("packets_ab", "bytes_ab", "packets_ba", "bytes_ba")):
                    c[i] += r[k]
        return conv, rep, err


def main(argv):
    build = argv[1]
    res = Results()
    for cap in [c for c in argv[2:] if os.path.exists(c)]:
        name = os.path.basename(cap)
        ours, rep, err = wirestat_conversations(build, cap)
        if ours is None:
            res.check(f"{name}: wirestat -r --flows", "not supported" in err, err)
            continue
        theirs = tshark_conversations(cap)
        missing = sorted(set(theirs) - set(ours))[:3]
        extra = sorted(set(ours) - set(theirs))[:3]
        differ = [(k, ours[k], theirs[k]) for k in set(ours) & set(theirs)
                  if ours[k] != theirs[k]][:3]
        res.check(f"{name}: {len(theirs)} TCP/UDP conversations, packets and bytes each way",
                  not missing and not extra and not differ,
                  f"missing {missing} extra {extra} differ {differ}")
        lost = rep["flows"]["records_lost"] if rep else -1
        res.check(f"{name}: no flow record lost", lost == 0, str(lost))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
