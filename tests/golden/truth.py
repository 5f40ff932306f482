#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compare wirestat's JSON report of a capture with its tshark truth file.

The truth files (NAME.truth.json beside each capture) are made by
../shared/testdata/make-truth.sh with tshark only; for the project's own
captures this script makes the few fields it needs with tshark itself.

usage: truth.py [--report-cmd CMD] CAPTURE_OR_DIR...
  CMD is run with the capture appended and must print the JSON report with
  every top-list entry (default: build/app/wsdissect --json --top 1000000).
"""
import ipaddress
import json
import os
import shlex
import subprocess
import sys

from compare import captures

class Check:
    def __init__(self, name):
        self.name = name
        self.compared = 0
        self.failures = []
        self.notes = []
        self.explained = 0

    def eq(self, what, ours, theirs):
        self.compared += 1
        if ours != theirs:
            self.failures.append(f"{what}: wirestat {ours!r}, tshark {theirs!r}")


def family(ip):
    return "ipv4" if ipaddress.ip_address(ip).version == 4 else "ipv6"


def compare_top(chk, what, ours_list, truth, key, tkey, exact_bytes):
    """ours_list: our whole sorted list for one family; truth: {distinct, top, tie_at_cutoff}."""
    chk.eq(what + ".distinct", len(ours_list), truth["distinct"])
    top = truth["top"]
    for i, t in enumerate(top):
        if i >= len(ours_list):
            chk.eq(f"{what}[{i}]", None, t[tkey])
            continue
        o = ours_list[i]
        last_tied = truth.get("tie_at_cutoff") and i == len(top) - 1
        if not last_tied:
            chk.eq(f"{what}[{i}].{key}", o[key], t[tkey])
        chk.eq(f"{what}[{i}].packets", o["packets"], t["packets"])
        if exact_bytes:
            chk.eq(f"{what}[{i}].bytes", o["bytes"], t["bytes"])


def norm_host(source, name):
    name = name.lower()
    if source == "http":
        head, sep, tail = name.rpartition(":")
        if sep and tail.isdigit() and (not head.startswith("[") or head.endswith("]")):
            name = head
    return name


def tshark_fields(cap, prefs, fields, flt=None):
    cmd = ["tshark", "-n", "-r", cap]
    for p in prefs:
        cmd += ["-o", p]
    if flt:
        cmd += ["-Y", flt]
    cmd += ["-T", "fields", "-E", "separator=\x1f", "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode("utf-8", "replace")
    return [line.split("\x1f") for line in out.split("\n") if line]


def retransmitted_names(cap):
    """(source, name) -> TCP retransmissions naming it, which tshark leaves undissected."""
    retx = {r[0] for r in tshark_fields(cap, [], ["frame.number"], "tcp.analysis.retransmission")}
    names = {}
    rows = tshark_fields(cap, ["tcp.analyze_sequence_numbers:FALSE",
                               "tcp.desegment_tcp_streams:FALSE"],
                         ["frame.number", "tls.handshake.extensions_server_name", "http.host"])
    for num, sni, host in rows:
        if num not in retx:
            continue
        k = ("tls", norm_host("tls", sni)) if sni else ("http", norm_host("http", host))
        if sni or host:
            names[k] = names.get(k, 0) + 1
    return names


def later_questions(cap):
    """(dns, name) -> count of questions after the first in a query; wirestat takes the
    first only (RFC 9619: a query has one question)."""
    cmd = ["tshark", "-n", "-r", cap, "-Y", "dns.flags.response == 0 && dns.count.queries > 1",
           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=\x1e", "-e", "dns.qry.name"]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode("utf-8", "replace")
    names = {}
    for line in out.split("\n"):
        for name in line.split("\x1e")[1:]:
            k = ("dns", name.lower())
            names[k] = names.get(k, 0) + 1
    return names


def compare_hosts(chk, report, truth, cap):
    ours = {}
    for h in report["hosts"]:
        ours[(h["source"], h["name"])] = h["count"]
    theirs = {}
    subsets = [("dns", truth["dns_queries"]["all"]), ("tls", truth["tls_sni"]["tcp"]),
               ("quic", truth["tls_sni"]["quic"]), ("http", truth["http_hosts"]["all"])]
    for source, m in subsets:
        for name, count in m["names"].items():
            k = (source, norm_host(source, name))
            if k[1] == "" and source == "http":
                continue
            if source == "dns" and name.startswith("<") and name != "<Root>":
                chk.explained += count  # tshark's placeholder for a broken name
                continue
            theirs[k] = theirs.get(k, 0) + count
    if truth["dns_queries"]["all"]["total"]:
        for k, count in later_questions(cap).items():
            if k in theirs:
                theirs[k] -= count
                chk.explained += count
                if theirs[k] == 0:
                    del theirs[k]
    retx = None
    for k in sorted(set(ours) | set(theirs)):
        o, t = ours.get(k, 0), theirs.get(k, 0)
        if o > t and k[0] in ("tls", "http"):
            retx = retransmitted_names(cap) if retx is None else retx
            if o - t == retx.get(k, 0):
                chk.explained += 1
                t = o  # tshark does not dissect retransmitted segments
        chk.eq(f"hosts[{k[0]}:{k[1]}]", o, t)


def compare(report, truth, chk, cap):
    pv = truth["packet_view"]
    exact_bytes = pv["truncated_packets"] == 0
    if not exact_bytes:
        chk.notes.append("snaplen-truncated capture: top-list bytes not compared "
                         "(truth has wire lengths, the report captured ones)")
    chk.eq("packets", report["packets"], pv["packets"])
    chk.eq("bytes", report["bytes"], pv["bytes_captured"])
    p = report["protocols"]
    for k in ("ipv4", "ipv6", "arp", "non_ip"):
        chk.eq("protocols." + k, p[k], pv["outer"]["l3"][k])
    for k in ("tcp", "udp", "icmp", "icmpv6"):
        chk.eq("protocols." + k, p[k], pv["outer"]["l4"][k])
    chk.eq("protocols.other_l4", p["other_l4"], pv["outer"]["l4"]["other"])
    for ours_name, truth_name in (("top_dst_ips", "top_dst"), ("top_src_ips", "top_src")):
        for fam in ("ipv4", "ipv6"):
            lst = [e for e in report[ours_name] if family(e["ip"]) == fam]
            compare_top(chk, f"{ours_name}.{fam}", lst, truth[truth_name][fam], "ip", "addr",
                        exact_bytes)
    for fam in ("ipv4", "ipv6"):
        lst = [dict(e, pair=e["a"] + "|" + e["b"]) for e in report["top_pairs"]
               if family(e["a"]) == fam]
        want = dict(truth["ip_pairs"][fam])
        want["top"] = [dict(t, pair=t["a"] + "|" + t["b"]) for t in want["top"]]
        compare_top(chk, f"top_pairs.{fam}", lst, want, "pair", "pair", exact_bytes)
    for proto in ("tcp", "udp"):
        lst = [e for e in report["top_dst_ports"] if e["proto"] == proto]
        compare_top(chk, f"top_dst_ports.{proto}", lst, truth["top_ports"][proto + "_dst"],
                    "port", "port", exact_bytes)
    compare_hosts(chk, report, truth, cap)
    compare_unique(chk, report, truth)


def compare_unique(chk, report, truth):
    """HyperLogLog estimates within 3 standard errors (and 1) of tshark's distinct counts."""
    u = report["unique"]
    want = {
        "src_ips": truth["top_src"]["ipv4"]["distinct"] + truth["top_src"]["ipv6"]["distinct"],
        "dst_ips": truth["top_dst"]["ipv4"]["distinct"] + truth["top_dst"]["ipv6"]["distinct"],
        "flows": truth["flows"]["tcp"]["distinct"] + truth["flows"]["udp"]["distinct"],
    }
    for k, n in want.items():
        chk.compared += 1
        if abs(u[k] - n) > 3 * u["std_error"] * n + 1:
            chk.failures.append(f"unique.{k}: wirestat {u[k]}, tshark {n} "
                                f"(allowed: 3 x {u['std_error']:.4f} x {n} + 1)")


def truth_path(cap):
    stem = os.path.splitext(cap)[0]
    for t in (stem + ".truth.json", cap + ".truth.json"):
        if os.path.exists(t):
            return t
    return None


def main(argv):
    cmd = ["build/app/wsdissect", "--json", "--top", "1000000"]
    if len(argv) > 2 and argv[1] == "--report-cmd":
        cmd = shlex.split(argv[2])
        argv = argv[:1] + argv[3:]
    failed = n = 0
    for cap in captures(argv[1:]):
        tp = truth_path(cap)
        if not tp:
            continue
        with open(tp) as f:
            truth = json.load(f)
        r = subprocess.run(cmd + [cap], capture_output=True)
        chk = Check(os.path.basename(cap))
        if r.returncode == 2 and b"is not supported" in r.stderr:
            print(f"{chk.name}: refused: {r.stderr.decode().strip()}")
            continue
        if r.returncode != 0:
            print(f"{chk.name}: report command failed: {r.stderr.decode().strip()}")
            failed += 1
            continue
        compare(json.loads(r.stdout), truth, chk, cap)
        n += not chk.failures
        failed += bool(chk.failures)
        print(f"{chk.name}: {chk.compared} values, {len(chk.failures)} differ"
              + (f", {chk.explained} explained" if chk.explained else ""))
        for note in chk.notes:
            print("    note: " + note)
        for f in chk.failures[:20]:
            print("    " + f)
    print(f"captures: {n} passed, {failed} failed")
    return 1 if failed or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
