#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The sites view and the names that need state, against tshark.

usage: test_sites.py BUILD_DIR CAPTURE...

For each capture, `wirestat -r CAPTURE --json` gives:
- "sites": per name, the flows that carried it and their packets and bytes;
- "hosts": per (source, name), the packets that carried it.

tshark gives the same from its own dissection, with its default preferences
(TCP reassembly on, so ClientHellos split over segments are read; QUIC
Initials decrypted):
- a flow is an outer TCP/UDP 5-tuple, both directions, cut where it was idle
  for more than 30 s (analytics.flow_idle_s);
- its name is the first DNS query name, TLS SNI (TCP or QUIC) or HTTP Host
  found in its packets (lower case, HTTP Host without its port, cut to 63
  bytes); a flow that starts without one takes the name that the latest
  earlier DNS response (UDP from port 53, no error, one question) gave the
  address of its responder, or else of its initiator, in an A or AAAA record,
  and a name of its own replaces that guess only in its first 16 packets
  (WS_FLOW_GUESS_PACKETS);
- per name: flows, and the sum of their packets and captured bytes.

Two differences are explained, as in tests/golden/truth.py: tshark does not
dissect TCP retransmissions (wirestat counts a name in each packet that
carries it), and it shows a broken DNS name as a placeholder ("<Name contains
a pointer that loops>") where wirestat finds no name.
"""
import ipaddress
import os
import subprocess
import sys

from wslib import Results, offline

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
from truth import retransmitted_names  # noqa: E402

IDLE_S = 30.0
GUESS_PACKETS = 16
FIELDS = ["frame.number", "frame.cap_len", "frame.time_epoch", "frame.protocols",
          "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
          "udp.srcport", "udp.dstport", "tcp.flags.syn", "tcp.flags.ack",
          "tls.handshake.extensions_server_name", "http.host", "dns.flags.response",
          "dns.qry.name", "dns.flags.rcode", "dns.count.queries", "dns.a", "dns.aaaa"]


def tshark_rows(cap):
    cmd = ["tshark", "-n", "-r", cap, "-T", "fields", "-E", "separator=\x1f", "-E",
           "occurrence=a", "-E", "aggregator=\x1e"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode("utf-8", "replace")
    for line in out.split("\n"):
        if line:
            yield dict(zip(FIELDS, [v.split("\x1e") if v else [] for v in line.split("\x1f")]))


def first(p, f):
    return p[f][0] if p[f] else None


def outer_l4(protocols):
    """The header right after the outer IP header, as tshark's frame.protocols lists it."""
    toks = protocols.split(":")
    for i, t in enumerate(toks):
        if t in ("ip", "ipv6"):
            rest = [x for x in toks[i + 1:] if not x.startswith("ipv6.")]
            return rest[0] if rest else None
    return None


def norm_name(source, name):
    name = name.lower()
    if source == "http":
        head, sep, tail = name.rpartition(":")
        if sep and tail.isdigit() and (not head.startswith("[") or head.endswith("]")):
            name = head
    return name.encode()[:63].decode("utf-8", "replace")


def packet_name(p, l4):
    """(source, name) this packet carries by itself, or None."""
    protos = p["frame.protocols"][0].split(":")
    if "icmp" in protos or "icmpv6" in protos:
        return None
    sni = first(p, "tls.handshake.extensions_server_name")
    if sni:
        return ("quic" if "quic" in protos else "tls", norm_name("tls", sni))
    host = first(p, "http.host")
    if host:
        return ("http", norm_name("http", host))
    qname = first(p, "dns.qry.name")
    if first(p, "dns.flags.response") in ("0", "False") and qname:
        if qname.startswith("<") and qname != "<Root>":
            return None  # tshark's placeholder for a broken name
        return ("dns", norm_name("dns", qname))
    return None


def tshark_sites(cap):
    """({name: [flows, packets, bytes]}, {(source, name): packets})."""
    answers = {}   # address -> name, from DNS responses seen so far
    flows = {}     # 5-tuple -> current flow
    done = []
    hosts = {}
    for p in tshark_rows(cap):
        protos = p["frame.protocols"][0]
        l4 = outer_l4(protos)
        named = packet_name(p, l4)
        if named:
            hosts[named] = hosts.get(named, 0) + 1
        if l4 not in ("tcp", "udp"):
            continue
        src = first(p, "ip.src") or first(p, "ipv6.src")
        dst = first(p, "ip.dst") or first(p, "ipv6.dst")
        sp, dp = first(p, l4 + ".srcport"), first(p, l4 + ".dstport")
        if not (src and dst and sp and dp):
            continue
        a, b = (ipaddress.ip_address(src), int(sp)), (ipaddress.ip_address(dst), int(dp))
        key = (l4,) + tuple(sorted([(x[0].packed, x[1]) for x in (a, b)]))
        t = float(p["frame.time_epoch"][0])
        f = flows.get(key)
        if f and t - f["last"] > IDLE_S:
            done.append(flows.pop(key))
            f = None
        if f is None:
            synack = l4 == "tcp" and first(p, "tcp.flags.syn") in ("1", "True") \
                and first(p, "tcp.flags.ack") in ("1", "True")
            responder, initiator = (src, dst) if synack else (dst, src)
            guess = None if named else answers.get(responder) or answers.get(initiator)
            f = flows[key] = {"name": named[1] if named else guess, "own": bool(named),
                              "packets": 0, "bytes": 0, "last": t}
        f["packets"] += 1
        if named and not f["own"] and (f["name"] is None or f["packets"] <= GUESS_PACKETS):
            f["name"], f["own"] = named[1], True
        f["bytes"] += int(p["frame.cap_len"][0])
        f["last"] = max(f["last"], t)
        # a response teaches the addresses it answers (after this packet's own flow)
        if l4 == "udp" and sp == "53" and first(p, "dns.flags.response") in ("1", "True") \
                and first(p, "dns.flags.rcode") == "0" and first(p, "dns.count.queries") == "1":
            for addr in p["dns.a"] + p["dns.aaaa"]:
                answers[str(ipaddress.ip_address(addr))] = norm_name("dns", p["dns.qry.name"][0])
    sites = {}
    for f in done + list(flows.values()):
        if f["name"]:
            s = sites.setdefault(f["name"], [0, 0, 0])
            s[0] += 1
            s[1] += f["packets"]
            s[2] += f["bytes"]
    return sites, hosts


def diff(ours, theirs, limit=5):
    keys = sorted(set(ours) | set(theirs), key=str)
    return [(k, ours.get(k), theirs.get(k)) for k in keys if ours.get(k) != theirs.get(k)][:limit]


def main(argv):
    build = argv[1]
    res = Results()
    for cap in [c for c in argv[2:] if os.path.exists(c)]:
        name = os.path.basename(cap)
        rc, rep, err = offline(build, cap)
        if not res.check(f"{name}: wirestat -r", rc == 0 and rep is not None, err):
            continue
        sites, hosts = tshark_sites(cap)
        ours = {s["name"]: [s["flows"], s["packets"], s["bytes"]] for s in rep["sites"]}
        d = diff(ours, sites)
        res.check(f"{name}: sites: {len(sites)} names, flows, packets and bytes per name",
                  len(sites) > 0 and not d, f"(name, wirestat, tshark): {d}")
        ours_h = {(h["source"], h["name"]): h["count"] for h in rep["hosts"]}
        if diff(ours_h, hosts):
            for k, n in retransmitted_names(cap).items():
                if ours_h.get(k, 0) - hosts.get(k, 0) == n:
                    hosts[k] = ours_h[k]  # names in retransmissions tshark left undissected
        d = diff(ours_h, hosts)
        res.check(f"{name}: hosts: {sum(hosts.values())} names in packets (reassembled, QUIC)",
                  not d, f"(name, wirestat, tshark): {d}")
        n = rep["names"]
        res.check(f"{name}: no reassembly pool exhaustion",
                  n["tls_reassembly"]["pool_full"] == 0, str(n))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
