#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""IPFIX export against a real collector: nfcapd stores, nfdump reads back.

usage: test_ipfix.py BUILD_DIR CAPTURE...
For each capture, `wirestat -r CAPTURE --flows FILE --ipfix 127.0.0.1:PORT`
exports to nfcapd over UDP; then
- every record nfdump shows equals one of wirestat's own flow records, with
  the initiator as source: 5-tuple, packets and bytes each way (nfdump's
  in/out, from the RFC 5103 reverse elements), TCP flags, VLAN, start, end
  and duration;
- nfdump's flows, summed per TCP/UDP conversation, equal tshark's (the
  comparison test_flows.py makes for wirestat's own records);
- nfcapd saw no sequence failure, and the exporter's counters match.
The first capture is then sent again over TCP, through a relay that hands
each message of the stream to nfcapd.
"""
import collections
import json
import os
import sys
import tempfile
import time

from ipfix_collector import Nfcapd, Relay, nfdump_flow
from test_flows import norm, tshark_conversations
from wslib import Results, offline

FLAGS = "CEUAPRSF"  # nfdump's order, CWR first


def flag_string(bits):
    return "".join(c if bits & (0x80 >> i) else "." for i, c in enumerate(FLAGS))


def local_time(ms):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms // 1000))


def our_flow(r):
    """A --flows record as nfdump should show it: the initiator is the source."""
    s, d = ("a", "b") if r["initiator"] == 0 else ("b", "a")
    fwd, rev = ("ab", "ba") if s == "a" else ("ba", "ab")
    first, last = r["first_ns"] // 1000000, r["last_ns"] // 1000000
    return (r["proto"], r[s], r[s + "_port"], r[d], r[d + "_port"], r["packets_" + fwd],
            r["bytes_" + fwd], r["packets_" + rev], r["bytes_" + rev],
            flag_string(r["tcp_flags_" + s]) if r["proto"] == 6 else "........", r["vlan"],
            local_time(first), local_time(last), last - first)


def nfdump_conversations(flows):
    """nfdump's flows summed like tshark_conversations(): TCP/UDP with ports."""
    conv = {}
    for f in flows:
        proto, sa, sp, da, dp, ipkt, ibyt, opkt, obyt = f[:9]
        if proto not in (6, 17) or (sp == 0 and dp == 0):
            continue
        (a, pa, b, pb), fwd = norm(sa, sp, da, dp)
        c = conv.setdefault(("tcp" if proto == 6 else "udp", a, pa, b, pb), [0, 0, 0, 0])
        counts = (ipkt, ibyt, opkt, obyt) if fwd else (opkt, obyt, ipkt, ibyt)
        for i in range(4):
            c[i] += counts[i]
    return conv


def first_differences(want, got):
    missing = list((want - got).elements())[:3]
    extra = list((got - want).elements())[:3]
    return f"missing {missing} extra {extra}"


def run_export(build, cap, transport, tmp):
    """Export cap to a fresh nfcapd; returns (report, our flows, nfdump flows, exporters)."""
    out = os.path.join(tmp, "flows.jsonl")
    with Nfcapd() as nf:
        if transport == "udp":
            rc, rep, err = offline(build, cap, "--flows", out, "--ipfix",
                                   f"127.0.0.1:{nf.port}")
        else:
            with Relay(nf.port) as relay:
                rc, rep, err = offline(build, cap, "--flows", out, "--ipfix",
                                       f"127.0.0.1:{relay.tcp_port}/tcp")
                closed = relay.wait_closed()
                if closed is None or closed[1] != 0:
                    raise RuntimeError(f"the TCP stream did not end on a message: {closed}")
        nf.stop()
        if rc != 0:
            raise RuntimeError(f"wirestat exited {rc}: {err}")
        with open(out) as f:
            ours = [json.loads(line) for line in f]
        return rep, ours, [nfdump_flow(r) for r in nf.records()], nf.exporters()


def check_capture(res, build, cap, transport):
    name = f"{os.path.basename(cap)} over {transport}"
    with tempfile.TemporaryDirectory() as tmp:
        rep, ours, theirs, exporters = run_export(build, cap, transport, tmp)
    ex = rep["export"]["ipfix"][0]
    res.check(f"{name}: every record sent, none dropped",
              ex["records"] == len(ours) == rep["flows"]["records"] and
              ex["records_dropped"] == 0 and ex["send_errors"] == 0, str(ex))
    res.check(f"{name}: nfcapd stored {len(ours)} flows, no sequence failure, domain 1",
              [(d, fail, fl) for d, fail, _, fl in exporters] == [(1, 0, len(ours))],
              str(exporters))
    want = collections.Counter(our_flow(r) for r in ours if r["version"] in (4, 6))
    got = collections.Counter(theirs)
    res.check(f"{name}: nfdump shows wirestat's flows (tuple, packets and bytes each way, "
              "flags, vlan, times)", want == got, first_differences(want, got))
    truth = tshark_conversations(cap)
    conv = nfdump_conversations(theirs)
    differ = [(k, conv.get(k), truth.get(k)) for k in set(truth) | set(conv)
              if conv.get(k) != truth.get(k)][:3]
    res.check(f"{name}: nfdump's {len(conv)} TCP/UDP conversations equal tshark's",
              not differ and len(truth) > 0, str(differ))


def main(argv):
    build = argv[1]
    caps = [c for c in argv[2:] if os.path.exists(c)]
    res = Results()
    for cap in caps:
        check_capture(res, build, cap, "udp")
    if caps:
        check_capture(res, build, caps[0], "tcp")
        for bad in ("127.0.0.1", "127.0.0.1:4739/sctp", "::1:4739", "127.0.0.1:0/udp"):
            rc, _, err = offline(build, caps[0], "--ipfix", bad)
            res.check(f"--ipfix {bad}: refused, exit 2", rc == 2 and
                      f"--ipfix {bad}: want HOST:PORT" in err, err)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
