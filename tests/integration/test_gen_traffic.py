#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""scripts/gen-traffic.py against tshark: conversations, sizes, names, Zipf skew.

usage: test_gen_traffic.py GEN_TRAFFIC GEN_PCAP
"""
import collections
import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import tempfile

from wslib import Results, pcap_count

GEN, GEN_PCAP = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("gen_pcap", GEN_PCAP)
gp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gp)
SITES = set(gp.SITE_NAMES)

TMP = tempfile.mkdtemp(prefix="wsgen.")
r = Results()


def gen(name, *args):
    out = os.path.join(TMP, name)
    subprocess.run([sys.executable, GEN, *args, "-o", out], check=True)
    return out


def tshark(capture, *args):
    return subprocess.run(["tshark", "-n", "-r", capture, *args], check=True,
                          capture_output=True, text=True).stdout


def conversations(capture, display_filter=""):
    """tshark's TCP and UDP conversations: list of (a, b, frames)."""
    flt = "," + display_filter if display_filter else ""
    out = tshark(capture, "-q", "-z", "conv,tcp" + flt, "-z", "conv,udp" + flt)
    # a <-> b  frames bytes unit  frames bytes unit  total-frames ...
    row = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+\d+\s+\d+ \S+\s+\d+\s+\d+ \S+\s+(\d+) ")
    return [(m[1], m[2], int(m[3])) for m in map(row.match, out.splitlines()) if m]


def fields(capture, flt, *names):
    args = ["-Y", flt, "-T", "fields"]
    for n in names:
        args += ["-e", n]
    return [line.split("\t") for line in tshark(capture, *args).splitlines()]


# --- the IMIX mix: counts, conversations, names, skew --------------------
FLOWS, PACKETS, S = 200, 30000, 1.0
mix = gen("mix.pcap", "--seed", "3", "--flows", str(FLOWS), "--packets", str(PACKETS),
          "--zipf", str(S), "--size", "imix", "--v6", "0.25", "--vlan", "0.2")
r.check("packets = --packets", pcap_count(mix) == PACKETS, pcap_count(mix))
convs = conversations(mix)
r.check("tshark conversations = --flows", len(convs) == FLOWS, len(convs))
r.check("every conversation is TLS, HTTP or DNS",
        all(re.search(r":(443|80|53)$", c[1]) for c in convs), [c for c in convs][:3])
n6 = len(conversations(mix, "ipv6"))
nvlan = len(conversations(mix, "vlan"))
# Binomial: 50 +- 6 and 40 +- 6; 3.5 standard deviations either way.
r.check("IPv6 share of flows near --v6 0.25", abs(n6 - FLOWS * 0.25) < 22, n6)
r.check("VLAN share of flows near --vlan 0.2", abs(nvlan - FLOWS * 0.2) < 20, nvlan)

sni = fields(mix, "tls.handshake.type == 1", "tls.handshake.extensions_server_name")
hosts = fields(mix, "http.request", "http.host")
qnames = fields(mix, "dns.flags.response == 0", "dns.qry.name")
n443 = sum(c[1].endswith(":443") for c in convs)
n80 = sum(c[1].endswith(":80") for c in convs)
r.check("one ClientHello with SNI per TLS flow", len(sni) == n443 and n443 > 0,
        (len(sni), n443))
r.check("one HTTP request with Host per HTTP flow", len(hosts) == n80 and n80 > 0,
        (len(hosts), n80))
r.check("DNS queries seen", len(qnames) > FLOWS - n443 - n80, len(qnames))
names = [x[0] for x in sni + hosts + qnames]
r.check("SNI, Host and query names are the site names", set(names) <= SITES and
        len(set(names)) > 5, set(names) - SITES)

# Data frames (past the SYN and the first segment each way) carry the IMIX wire
# sizes, 64, 576 and 1500 less the FCS, 7:4:1; at 64 bytes IPv6 needs 74 (78 tagged).
DATA = "tcp && tcp.flags.syn == 0 && tcp.seq != 1"
lens = collections.Counter(int(x[0]) for x in fields(mix, DATA, "frame.len"))
r.check("TCP data frames are 60, 572 or 1496 bytes (IPv6: 74, 78)",
        set(lens) == {60, 74, 78, 572, 1496}, lens)
lens[60] += lens.pop(74) + lens.pop(78)
total = sum(lens.values())
for size, share in ((60, 7 / 12), (572, 4 / 12), (1496, 1 / 12)):
    r.check("IMIX share of %d-byte frames" % size,
            abs(lens[size] / total - share) < 0.03, lens[size] / total)

# Zipf: flow of rank k gets data in proportion to 1/k^S.
frames = sorted((c[2] for c in convs), reverse=True)
openings = sum(4 if not c[1].endswith(":53") else 2 for c in convs)
harmonic = sum(1 / k ** S for k in range(1, FLOWS + 1))
top_expected = (PACKETS - openings) / harmonic
r.check("top flow carries 1/H(F,S) of the data", abs(frames[0] / top_expected - 1) < 0.1,
        (frames[0], round(top_expected)))
r.check("second flow about 2^-S of the first", abs(frames[1] / frames[0] - 2 ** -S) < 0.1,
        frames[1] / frames[0])
r.check("tenth flow about 10^-S of the first", abs(frames[9] / frames[0] - 10 ** -S) < 0.04,
        frames[9] / frames[0])

again = gen("again.pcap", "--seed", "3", "--flows", str(FLOWS), "--packets", str(PACKETS),
            "--zipf", str(S), "--size", "imix", "--v6", "0.25", "--vlan", "0.2")
digest = [hashlib.sha256(open(p, "rb").read()).hexdigest() for p in (mix, again)]
r.check("same seed, same bytes", digest[0] == digest[1])

out = subprocess.run(["tshark", "-n", "-r", mix, "-o", "tcp.check_checksum:TRUE", "-o",
                      "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-Y",
                      "tcp.checksum.status == 0 || udp.checksum.status == 0 || "
                      "ip.checksum.status == 0 || _ws.malformed"],
                     capture_output=True, text=True, check=True).stdout
r.check("checksums right, nothing malformed", out == "", out[:300])

# --- fixed 64-byte frames ------------------------------------------------
small = gen("small.pcap", "--seed", "4", "--flows", "50", "--packets", "5000", "--size", "64",
            "--v6", "0.5", "--vlan", "0")
data = fields(small, DATA, "frame.len", "ipv6.src")
v4_lens = {int(x[0]) for x in data if not x[1]}
v6_lens = {int(x[0]) for x in data if x[1]}
r.check("--size 64: IPv4 data frames are 60 bytes captured", v4_lens == {60}, v4_lens)
r.check("--size 64: IPv6 data frames take their smallest size, 74", v6_lens == {74}, v6_lens)

# --- repetitions: fresh 4-tuples ----------------------------------------
rep = gen("rep.pcap", "--seed", "5", "--flows", "40", "--packets", "2000", "--repeat", "3")
r.check("--repeat 3: 3x the packets", pcap_count(rep) == 6000, pcap_count(rep))
rep_convs = conversations(rep)
r.check("--repeat 3: 3x the conversations, no 4-tuple twice", len(rep_convs) == 120,
        len(rep_convs))
per_rep = collections.defaultdict(set)
for num, src4, src6 in fields(rep, "(tcp.flags.syn == 1 && tcp.flags.ack == 0) || "
                              "dns.flags.response == 0", "frame.number", "ip.src", "ipv6.src"):
    per_rep[(int(num) - 1) // 2000].add(src4 or src6)
r.check("--repeat 3: the repetitions share no client address",
        len(per_rep) == 3 and not (per_rep[0] & per_rep[1] or per_rep[1] & per_rep[2]
                                   or per_rep[0] & per_rep[2]), per_rep)

err = subprocess.run([sys.executable, GEN, "--flows", "1000", "--packets", "100", "-o",
                      os.path.join(TMP, "x.pcap")], capture_output=True, text=True)
r.check("too few packets for the flows: a clear error",
        err.returncode != 0 and "open" in err.stderr, err.stderr)

for name in os.listdir(TMP):
    os.unlink(os.path.join(TMP, name))
os.rmdir(TMP)
sys.exit(r.finish())
