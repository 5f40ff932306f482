#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Differential test: wirestat's dissector against tshark, packet by packet.

For every capture given (files or directories), run `wsdissect --packets` and
tshark (defragmentation and TCP reassembly off, so each packet is judged on
its own) and compare per packet: outer and inner addresses, L4 protocol and
ports, VLAN ids, fragment state, DNS query name, TLS SNI, HTTP Host and
method. Differences that docs/dissector.md explains are counted by
reason; any other is a failure.

usage: compare.py WSDISSECT PATH... [--max-show N]
"""
import os
import subprocess
import sys

US, RS = "\x1f", "\x1e"
FIELDS = [
    "frame.number", "frame.protocols", "vlan.id", "ieee8021ad.id",
    "ip.src", "ip.dst", "ip.proto", "ip.flags.mf", "ip.frag_offset",
    "ipv6.src", "ipv6.dst", "ipv6.fraghdr.offset",
    "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
    "sctp.srcport", "sctp.dstport", "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
    "dns.flags.response", "dns.qry.name",
    "tls.handshake.extensions_server_name", "http.host", "http.request.method",
]
L4_TOKENS = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1, "icmpv6": 58}
IPV6_EXT = ("ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts", "ipv6.shim6", "ah")
CAPTURE_EXT = (".pcap", ".pcapng", ".cap")
# Link types the dissector decodes (ws_parse_linktype_ok); the rest must be refused.
LINKTYPES_OK = {0, 1, 101, 108, 113, 228, 229, 276}


def tshark_packets(path):
    cmd = ["tshark", "-n", "-r", path,
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-o", "tcp.desegment_tcp_streams:FALSE", "-o", "tcp.analyze_sequence_numbers:FALSE",
           "-T", "fields", "-E", "separator=" + US, "-E", "aggregator=" + RS,
           "-E", "occurrence=a"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode("utf-8", "replace")
    for line in out.split("\n"):
        if not line:
            continue
        cols = line.split(US)
        yield {f: (cols[i].split(RS) if i < len(cols) and cols[i] != "" else [])
               for i, f in enumerate(FIELDS)}


def occ(pkt, field, idx):
    vals = pkt[field]
    return vals[idx] if 0 <= idx < len(vals) else None


class TsharkView:
    """Outer/inner IP headers of one tshark packet, from frame.protocols tokens."""

    def __init__(self, pkt):
        self.pkt = pkt
        self.tokens = pkt["frame.protocols"][0].split(":") if pkt["frame.protocols"] else []
        self.ips = []        # (token index, family, occurrence index of that family)
        seen = {"ip": 0, "ipv6": 0}
        self.quoted_from = len(self.tokens)
        for i, t in enumerate(self.tokens):
            if t in ("icmp", "icmpv6"):
                self.quoted_from = i
                break
            if t in seen:
                self.ips.append((i, t, seen[t]))
                seen[t] += 1

    def count_before(self, token, idx):
        return sum(1 for t in self.tokens[:idx] if t == token)

    def vlans(self):
        ids = []
        counts = {"vlan": 0, "ieee8021ad": 0}
        for t in self.tokens:
            if t in ("ip", "ipv6", "arp"):
                break
            if t in counts:
                field = "vlan.id" if t == "vlan" else "ieee8021ad.id"
                v = occ(self.pkt, field, counts[t])
                counts[t] += 1
                if v is not None:
                    ids.append(str(int(v, 0)))
        return ",".join(ids) or "-"

    def ip(self, which):
        """dict for the outer (0) or innermost (-1) IP header, or None."""
        if not self.ips:
            return None
        ti, fam, k = self.ips[which]
        p = self.pkt
        if fam == "ip":
            src, dst = occ(p, "ip.src", k), occ(p, "ip.dst", k)
        else:
            src, dst = occ(p, "ipv6.src", k), occ(p, "ipv6.dst", k)
        if src is None or dst is None:
            return None
        r = {"src": src, "dst": dst, "proto_num": occ(p, "ip.proto", k) if fam == "ip" else None}
        j = ti + 1
        frag = "-"
        if fam == "ip":
            mf, off = occ(p, "ip.flags.mf", k), occ(p, "ip.frag_offset", k)
            if off not in (None, "0"):
                frag = "later"
            elif mf in ("1", "True"):
                frag = "first"
        while j < len(self.tokens) and fam == "ipv6" and self.tokens[j] in IPV6_EXT:
            if self.tokens[j] == "ipv6.fraghdr":
                off = occ(p, "ipv6.fraghdr.offset", self.count_before("ipv6.fraghdr", j))
                frag = "later" if off not in (None, "0") else "first"
            j += 1
        r["frag"] = frag
        l4 = self.tokens[j] if j < len(self.tokens) else ""
        r["l4"] = l4 if l4 in L4_TOKENS and frag != "later" else "other"
        r["ports"] = None
        if r["l4"] in ("tcp", "udp", "sctp"):
            n = self.count_before(l4, j)
            sp, dp = occ(p, l4 + ".srcport", n), occ(p, l4 + ".dstport", n)
            if sp is not None and dp is not None:
                r["ports"] = (sp, dp)
        elif r["l4"] in ("icmp", "icmpv6"):
            n = self.count_before(l4, j)
            t, c = occ(p, l4 + ".type", n), occ(p, l4 + ".code", n)
            if t is not None and c is not None:
                r["ports"] = ("icmp:" + t, "icmp:" + c)
        return r

    def app_tokens(self):
        return self.tokens[:self.quoted_from]

    def host(self):
        """(source, name, method) tshark found outside ICMP quotes, or None."""
        toks = self.app_tokens()
        p = self.pkt
        if any(t in ("dns", "mdns", "llmnr") for t in toks) and "quic" not in toks:
            for resp, name in zip(p["dns.flags.response"], p["dns.qry.name"]):
                if resp in ("0", "False"):
                    return ("dns", name, "-")
                return None
        if "tls" in toks and p["tls.handshake.extensions_server_name"]:
            src = "quic" if "quic" in toks else "tls"
            return (src, p["tls.handshake.extensions_server_name"][0], "-")
        if ("http" in toks or "ssdp" in toks) and p["http.request.method"]:
            method = p["http.request.method"][0]
            host = p["http.host"][0] if p["http.host"] else None
            return ("http", host, method)
        return None


def norm_name(source, name):
    """The normalisation wirestat applies: lower case, HTTP Host without its port."""
    if name is None or name in ("", "-"):
        return "-"
    name = name.lower()
    if source == "http":
        head, sep, tail = name.rpartition(":")
        if sep and tail.isdigit() and (not head.startswith("[") or head.endswith("]")):
            name = head
        if name == "":
            return "-"
    if source == "dns" and name == "<root>":
        return "<root>"
    return name


def ws_packets(wsdissect, path):
    out = subprocess.run([wsdissect, "--packets", path], capture_output=True, check=True)
    for line in out.stdout.decode("utf-8", "replace").split("\n"):
        if not line:
            continue
        c = line.split("\t")
        yield {
            "frame": c[0], "rc": c[1], "l3": c[2], "vlans": c[3],
            "outer": ip_cols(c[4:10]), "tunnels": int(c[10]), "inner": ip_cols(c[11:17]),
            "host_source": c[17], "host": c[18], "method": c[19],
        }


def ip_cols(c):
    if c[0] == "-":
        return None
    proto = int(c[2])
    l4 = {6: "tcp", 17: "udp", 132: "sctp", 1: "icmp", 58: "icmpv6"}.get(proto, "other")
    if c[5] == "later":
        l4 = "other"
    return {"src": c[0], "dst": c[1], "proto_num": c[2], "l4": l4,
            "ports": None if c[3] == "-" else (c[3], c[4]), "frag": c[5]}


class Result:
    def __init__(self, name):
        self.name = name
        self.packets = self.fields = 0
        self.explained = {}
        self.examples = {}
        self.failures = []

    def explain(self, reason, frame):
        self.explained[reason] = self.explained.get(reason, 0) + 1
        self.examples.setdefault(reason, frame)

    def fail(self, frame, field, ours, theirs):
        self.failures.append((frame, field, ours, theirs))


def compare_ip(res, frame, which, ours, theirs, ws):
    if theirs is None and ours is None:
        return
    res.fields += 1
    if theirs is None or ours is None:
        if ours is not None and ws["rc"] != "ok" and theirs is None:
            res.explain("addresses of a header tshark rejects as malformed", frame)
            return
        res.fail(frame, which, ours, theirs)
        return
    for key in ("src", "dst", "l4", "frag"):
        res.fields += 1
        if ours[key] != theirs[key]:
            res.fail(frame, which + "." + key, ours[key], theirs[key])
    if theirs["proto_num"] is not None:
        res.fields += 1
        if ours["proto_num"] != theirs["proto_num"]:
            res.fail(frame, which + ".proto", ours["proto_num"], theirs["proto_num"])
    res.fields += 1
    if ours["ports"] != theirs["ports"]:
        if theirs["ports"] is None and ours["ports"] is not None and ours["l4"] == "icmp" \
                and ws["rc"] != "ok":
            res.explain("ICMP type of a header tshark rejects", frame)
            return
        res.fail(frame, which + ".ports", ours["ports"], theirs["ports"])


def compare_host(res, frame, ws, tv):
    th = tv.host()
    ours_src, ours_name = ws["host_source"], ws["host"]
    res.fields += 1
    if th is None:
        if ours_src == "-":
            return
        toks = tv.app_tokens()
        if ours_src in ("tls", "http", "quic") and ours_src not in toks and "ssdp" not in toks:
            res.explain(ours_src + " found by content on a port tshark does not decode as "
                        + ours_src, frame)
            return
        res.fail(frame, "host", (ours_src, ours_name), None)
        return
    src, name, method = th
    if src == "dns" and name.startswith("<") and name != "<Root>" and ours_src == "-":
        res.explain("malformed DNS name that tshark shows as a placeholder", frame)
        return
    theirs_name = norm_name(src, name)
    if src == "http":
        res.fields += 1
        if ws["method"] != method:
            res.fail(frame, "http.method", ws["method"], method)
    if ours_src == "-" and theirs_name == "-":
        return
    if (ours_src, ours_name) != (src, theirs_name):
        if ours_src == src and "\\" in ours_name and any(ord(ch) > 126 for ch in theirs_name):
            res.explain("non-ASCII name bytes written as \\ooo", frame)
            return
        res.fail(frame, "host", (ours_src, ours_name), (src, theirs_name))


def compare_capture(wsdissect, path):
    res = Result(os.path.basename(path))
    theirs = list(tshark_packets(path))
    ours = list(ws_packets(wsdissect, path))
    if len(ours) != len(theirs):
        res.fail("-", "packet count", len(ours), len(theirs))
        return res
    for ws, tp in zip(ours, theirs):
        tv = TsharkView(tp)
        frame = ws["frame"]
        res.packets += 1
        res.fields += 1
        if ws["rc"] == "too_many_vlans" and ws["vlans"] != tv.vlans() \
                and tv.vlans().startswith(ws["vlans"]):
            res.explain("VLAN ids beyond the 4 kept", frame)
        elif ws["vlans"] != tv.vlans():
            res.fail(frame, "vlans", ws["vlans"], tv.vlans())
        outer, inner = tv.ip(0), tv.ip(-1)
        compare_ip(res, frame, "outer", ws["outer"], outer, ws)
        res.fields += 1
        tunneled = len(tv.ips) > 1
        if tunneled != (ws["tunnels"] > 0):
            res.fail(frame, "tunneled", ws["tunnels"], len(tv.ips) - 1)
        elif tunneled:
            compare_ip(res, frame, "inner", ws["inner"], inner, ws)
        compare_host(res, frame, ws, tv)
    return res


def linktype(path):
    """First link type of a pcap or pcapng file (None if unreadable)."""
    with open(path, "rb") as f:
        head = f.read(64)
    magic = head[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return int.from_bytes(head[20:24], "little")
    if magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        return int.from_bytes(head[20:24], "big")
    if magic == b"\x0a\x0d\x0d\x0a":
        order = "little" if head[8:12] == b"\x4d\x3c\x2b\x1a" else "big"
        shb_len = int.from_bytes(head[4:8], order)
        with open(path, "rb") as f:
            f.seek(shb_len)
            idb = f.read(12)
        if int.from_bytes(idb[0:4], order) == 1:
            return int.from_bytes(idb[8:10], order)
    return None


def captures(paths):
    for p in paths:
        if os.path.isdir(p):
            for n in sorted(os.listdir(p)):
                if n.endswith(CAPTURE_EXT):
                    yield os.path.join(p, n)
        elif os.path.exists(p):
            yield p


def main(argv):
    max_show = 10
    if "--max-show" in argv:
        i = argv.index("--max-show")
        max_show = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    wsdissect, paths = argv[1], argv[2:]
    total_p = total_f = total_fail = n_caps = 0
    explained = {}
    for path in captures(paths):
        lt = linktype(path)
        if lt not in LINKTYPES_OK:
            # Refused with a clear error, never dissected as something else.
            r = subprocess.run([wsdissect, "--packets", path], capture_output=True)
            ok = r.returncode == 2 and b"not supported" in r.stderr and not r.stdout
            print(f"{os.path.basename(path)}: link type {lt}: refused "
                  f"({'as expected' if ok else 'WRONGLY'}): {r.stderr.decode().strip()}")
            total_fail += 0 if ok else 1
            continue
        res = compare_capture(wsdissect, path)
        n_caps += 1
        total_p += res.packets
        total_f += res.fields
        total_fail += len(res.failures)
        for k, v in res.explained.items():
            explained[k] = explained.get(k, 0) + v
        print(f"{res.name}: {res.packets} packets, {res.fields} fields, "
              f"{len(res.failures)} mismatches, {sum(res.explained.values())} explained")
        for reason, fr in res.examples.items():
            print(f"    explained, e.g. frame {fr}: {reason}")
        for fr, field, o, t in res.failures[:max_show]:
            print(f"    frame {fr}: {field}: wirestat {o!r} tshark {t!r}")
    print(f"explained differences (docs/dissector.md):")
    for k, v in sorted(explained.items()):
        print(f"    {v:6d}  {k}")
    print(f"compared {n_caps} captures, {total_p} packets, {total_f} fields: "
          f"{total_fail} unexplained mismatches")
    if n_caps == 0:
        print("no capture compared", file=sys.stderr)
        return 1
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
