#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen-traffic.py - seeded benchmark traffic: many flows, Zipf popularity, fast.

  gen-traffic.py --seed 1 --flows 10000 --packets 1000000 [--zipf 1.0]
                 [--size imix|64|NNN] [--v6 0.2] [--vlan 0.1] [--hosts H]
                 [--repeat K] [--pps 1000000] -o bench.pcap

Python 3 standard library only; the same arguments give a byte-identical file.
It writes about 100,000 packets a second, where gen-pcap.py's "mix" profile,
which models every flow's timing, writes a few thousand.

Traffic model
  Each of --flows flows is TLS (TCP 443, 65%), HTTP (TCP 80, 20%) or DNS (UDP 53,
  15%), IPv6 with probability --v6 and on VLAN 100 with probability --vlan. It is
  named after a site drawn from gen-pcap.py's SITE_NAMES with Zipf popularity: the
  ClientHello carries it as SNI, the request as Host, the query as the name.
  A TCP flow opens with SYN, SYN-ACK, then the request (ClientHello or GET) and the
  reply (ServerHello or the response head); a DNS flow opens with a query and its
  answer. These openings are 4 or 2 packets per flow and keep their natural size.
  The other packets are data, each given to a flow drawn with Zipf popularity of
  exponent --zipf (flow of rank k: weight 1/k^S), so a few flows carry most of the
  traffic, as on a real link. A flow's opening comes before its first data packet;
  flows drawn for no data are opened at random places. TCP data carries TLS
  application records or HTTP body text, one third upstream, with sequence numbers
  that follow; DNS data is more queries and answers on the same socket.

Frame sizes
  --size is the frame size on the wire, FCS included, as in RFC 2544 and line-rate
  arithmetic; the capture holds 4 bytes less (a 64-byte frame is 60 bytes in the
  file). imix is 64, 576 and 1500 in proportions 7:4:1. A frame whose headers do not
  fit (IPv6 TCP at 64 bytes) takes the smallest size that holds them. The size
  applies to TCP data; openings and DNS keep their natural sizes.

Repetitions
  --repeat K writes the packets K times, each time with fresh 4-tuples: repetition
  r moves every client to a new address (r * hosts further on), so a replay that
  loops the file sees new flows rather than the same ones again. --packets and
  --flows are per repetition; the file has K * packets packets and K * flows
  conversations.

Addresses: clients 10.0.1.1 onwards and 2001:db8:100::/64, servers 203.0.113.0/24
and 2001:db8:f0xx::1, the resolver 198.51.100.53 / 2001:db8:53::53; names are under
reserved domains. Timestamps start at 2026-01-01T00:00:00Z, one packet every
1/--pps seconds.
"""

import argparse
import importlib.util
import itertools
import os
import random
import struct
import sys
import time

_spec = importlib.util.spec_from_file_location(
    'gen_pcap', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gen-pcap.py'))
gp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gp)

EPOCH_US = gp.EPOCH_US
KINDS = (('tls', 65), ('http', 20), ('dns', 15))
IMIX = (64,) * 7 + (576,) * 4 + (1500,)
GW_MAC = bytes.fromhex('020000000001')
VLAN_ID = 100
TCP_ACK, TCP_PSH, TCP_SYN = 0x10, 0x08, 0x02
SYN_OPTS = struct.pack('!BBH', 2, 4, 1400) + b'\x01\x03\x03\x08\x01\x01\x04\x02'  # MSS WS SACK
FLAGS_DATA = (5 << 12) | TCP_ACK | TCP_PSH          # data offset 5 and flags, one word
FLAGS_SYN = (8 << 12) | TCP_SYN
FLAGS_SYNACK = (8 << 12) | TCP_SYN | TCP_ACK
WINDOW = 502
HTML = b''.join(b'<p>Example paragraph number %d of the page.</p>\n' % i for i in range(40))


def fold(value):
    """Internet checksum of words summing to value (RFC 1071): a big integer of
    16-bit words is congruent to their one's-complement sum modulo 0xffff."""
    s = value % 0xFFFF
    return (~s & 0xFFFF) if s else 0


def words(data):
    """The data's contribution to a checksum sum (padded to 16 bits)."""
    if len(data) % 2:
        data += b'\0'
    return int.from_bytes(data, 'big') % 0xFFFF


class Site:
    """A named server: its addresses and the payloads that carry its name."""

    def __init__(self, k, name, rng):
        self.name = name
        self.ip4 = bytes((203, 0, 113, 1 + k % 254))
        self.ip6 = gp.ip_bytes('2001:db8:f0%02x::1' % (k % 256))
        ch = gp.tls_client_hello(rng, name)
        sh = gp.tls_server_hello(rng) + gp.TLS_CCS + gp.tls_app_data(rng, 900)
        get = gp.http_request('GET', '/', name, extra=['Accept-Encoding: gzip, deflate',
                                                       'Connection: keep-alive'])
        rsp = gp.http_response(200, 'OK', HTML[:600], content_length=600 + 1000000)
        self.open = {'tls': (ch, sh), 'http': (get, rsp)}
        self.dns = {}
        for v6 in (False, True):
            qtype = gp.DNS_AAAA if v6 else gp.DNS_A
            question = gp.dns_question(name, qtype)
            answer = gp.dns_rr(gp.dns_pointer(12), qtype, self.ip6 if v6 else self.ip4, 300)
            q = gp.dns_message(0, gp.DNS_QUERY, [question], additional=[gp.dns_opt()])
            r = gp.dns_message(0, gp.DNS_RESPONSE, [question], [answer],
                               additional=[gp.dns_opt()])
            self.dns[v6] = (q, r)


class Flow:
    __slots__ = ('kind', 'v6', 'eth_c', 'eth_s', 'cip', 'sip', 'addr_sum', 'cport', 'sport',
                 'cseq', 'sseq', 'site', 'dns_up', 'n', 'hdr_len')


class Generator:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random('traffic:%d' % args.seed)
        rng = self.rng
        self.sites = [Site(k, name, rng) for k, name in enumerate(gp.SITE_NAMES)
                      if name not in gp.NTP_NAMES]
        site_w = list(itertools.accumulate(1.0 / k ** args.zipf
                                           for k in range(1, len(self.sites) + 1)))
        self.sizes = IMIX if args.size == 'imix' else (int(args.size),)
        kinds, kind_w = zip(*KINDS)
        n = args.flows
        # Per flow, drawn once: every repetition replays the same flows on new tuples.
        self.kind = rng.choices(kinds, kind_w, k=n)
        self.site = rng.choices(range(len(self.sites)), cum_weights=site_w, k=n)
        self.v6 = [rng.random() < args.v6 for _ in range(n)]
        self.tagged = [rng.random() < args.vlan for _ in range(n)]
        self.seq = [(rng.getrandbits(32), rng.getrandbits(32)) for _ in range(n)]
        self.host = [f % args.hosts for f in range(n)]
        # Flow f is rank f + 1 of the Zipf law; data packets are drawn from it.
        flow_w = list(itertools.accumulate(1.0 / k ** args.zipf for k in range(1, n + 1)))
        opening = sum(2 if k == 'dns' else 4 for k in self.kind)
        if args.packets < opening:
            sys.exit('gen-traffic: --packets %d is below the %d packets that open %d flows'
                     % (args.packets, opening, n))
        data = args.packets - opening
        self.draws = rng.choices(range(n), cum_weights=flow_w, k=data)
        # Flows that get no data still open, at random places.
        seen = set(self.draws)
        self.late = {}
        for f in range(n):
            if f not in seen:
                self.late.setdefault(rng.randrange(data + 1), []).append(f)
        self.up = [rng.random() < 1 / 3 for _ in range(data)]
        self.size_of = [rng.choice(self.sizes) for _ in range(data)] if len(self.sizes) > 1 \
            else None
        self.payload_cache = {}
        self.ident = 0

    # -- flows -------------------------------------------------------------
    def client_addr(self, idx, v6):
        if v6:
            return gp.ip_bytes('2001:db8:100::')[:8] + struct.pack('!Q', idx + 1)
        a, b = divmod(idx, 254)
        return bytes((10, (a + 1) >> 8 & 255, (a + 1) & 255, b + 1))

    def make_flow(self, f, rep):
        args = self.args
        fl = Flow()
        fl.kind, fl.v6 = self.kind[f], self.v6[f]
        site = self.sites[self.site[f]]
        fl.site = site
        host = self.host[f] + rep * args.hosts
        fl.cip = self.client_addr(host, fl.v6)
        if fl.kind == 'dns':
            fl.sip = gp.ip_bytes(gp.RESOLVER6 if fl.v6 else gp.RESOLVER4)
            fl.sport = 53
        else:
            fl.sip = site.ip6 if fl.v6 else site.ip4
            fl.sport = 443 if fl.kind == 'tls' else 80
        fl.cport = 32768 + f // args.hosts
        fl.addr_sum = words(fl.cip + fl.sip)
        cmac = b'\x02\x00' + struct.pack('!I', host)
        etype = 0x86DD if fl.v6 else 0x0800
        tag = struct.pack('!HHH', 0x8100, VLAN_ID, etype) if self.tagged[f] else \
            struct.pack('!H', etype)
        fl.eth_c, fl.eth_s = GW_MAC + cmac + tag, cmac + GW_MAC + tag
        fl.hdr_len = len(fl.eth_c) + (40 if fl.v6 else 20)
        fl.cseq, fl.sseq = self.seq[f]
        fl.dns_up, fl.n = False, 0         # DNS: last direction sent, query id
        return fl

    # -- framing -----------------------------------------------------------
    def frame(self, fl, up, proto, l4):
        """Ethernet + IP around an L4 segment whose checksum is already in l4."""
        src, dst = (fl.cip, fl.sip) if up else (fl.sip, fl.cip)
        if fl.v6:
            ip = struct.pack('!IHBB', 0x60000000, len(l4), proto, 64 if up else 52) + src + dst
        else:
            self.ident = (self.ident + 1) & 0xFFFF
            tlen, ttl = 20 + len(l4), 64 if up else 51
            csum = fold(0x4500 + tlen + self.ident + 0x4000 + (ttl << 8 | proto) + fl.addr_sum)
            ip = struct.pack('!BBHHHBBH', 0x45, 0, tlen, self.ident, 0x4000, ttl, proto,
                             csum) + src + dst
        f = (fl.eth_c if up else fl.eth_s) + ip + l4
        return f if len(f) >= 60 else f + bytes(60 - len(f))

    def tcp(self, fl, up, flags, payload, payload_sum, options=b''):
        if up:
            sp, dp, seq, ack = fl.cport, fl.sport, fl.cseq, fl.sseq
        else:
            sp, dp, seq, ack = fl.sport, fl.cport, fl.sseq, fl.cseq
        if not flags & TCP_ACK:
            ack = 0
        used = len(payload) + (1 if flags & TCP_SYN else 0)
        if up:
            fl.cseq = (fl.cseq + used) & 0xFFFFFFFF
        else:
            fl.sseq = (fl.sseq + used) & 0xFFFFFFFF
        l4len = 20 + len(options) + len(payload)
        s = (fl.addr_sum + 6 + l4len + sp + dp + (seq >> 16) + (seq & 0xFFFF) + (ack >> 16)
             + (ack & 0xFFFF) + flags + WINDOW + payload_sum + (words(options) if options else 0))
        l4 = struct.pack('!HHIIHHHH', sp, dp, seq, ack, flags, WINDOW, fold(s), 0) + options
        return self.frame(fl, up, 6, l4 + payload)

    def udp(self, fl, up, payload, payload_sum):
        sp, dp = (fl.cport, fl.sport) if up else (fl.sport, fl.cport)
        ulen = 8 + len(payload)
        csum = fold(fl.addr_sum + 17 + 2 * ulen + sp + dp + payload_sum) or 0xFFFF
        return self.frame(fl, up, 17, struct.pack('!HHHH', sp, dp, ulen, csum) + payload)

    # -- packets -----------------------------------------------------------
    def dns_packet(self, fl, up):
        q, r = fl.site.dns[fl.v6]
        if up:
            fl.n = self.rng.getrandbits(16)    # the answer repeats the query's id
        txid = fl.n
        msg = struct.pack('!H', txid) + (q if up else r)[2:]
        return self.udp(fl, up, msg, words(msg))

    def open_flow(self, fl):
        if fl.kind == 'dns':
            return [self.dns_packet(fl, True), self.dns_packet(fl, False)]
        req, rsp = fl.site.open[fl.kind]
        return [self.tcp(fl, True, FLAGS_SYN, b'', 0, SYN_OPTS),
                self.tcp(fl, False, FLAGS_SYNACK, b'', 0, SYN_OPTS),
                self.tcp(fl, True, FLAGS_DATA, req, words(req)),
                self.tcp(fl, False, FLAGS_DATA, rsp, words(rsp))]

    def data_payload(self, kind, n):
        """TCP payload of n bytes (and its checksum sum), cached: few sizes occur."""
        got = self.payload_cache.get((kind, n))
        if got is None:
            if kind == 'tls' and n >= 5:
                body = struct.pack('!BHH', 23, 0x0303, n - 5) + self.rng.randbytes(n - 5)
            elif kind == 'tls':
                body = self.rng.randbytes(n)
            else:
                body = (HTML * (n // len(HTML) + 1))[:n]
            got = self.payload_cache[(kind, n)] = (body, words(body))
        return got

    def data_packet(self, fl, up, size):
        if fl.kind == 'dns':
            # Queries and answers alternate on the resolver socket.
            fl.dns_up = not fl.dns_up
            return self.dns_packet(fl, fl.dns_up)
        n = max(0, size - 4 - fl.hdr_len - 20)
        body, bsum = self.data_payload(fl.kind, n)
        return self.tcp(fl, up, FLAGS_DATA, body, bsum)

    # -- output ------------------------------------------------------------
    def repetition(self, rep, emit):
        flows = {}
        sizes, fixed = self.size_of, self.sizes[0]
        late, draws, ups = self.late, self.draws, self.up
        for i in range(len(draws) + 1):
            for f in late.get(i, ()):
                flows[f] = fl = self.make_flow(f, rep)
                for frame in self.open_flow(fl):
                    emit(frame)
            if i == len(draws):
                break
            f = draws[i]
            fl = flows.get(f)
            if fl is None:
                flows[f] = fl = self.make_flow(f, rep)
                for frame in self.open_flow(fl):
                    emit(frame)
            emit(self.data_packet(fl, ups[i], sizes[i] if sizes else fixed))


class PcapOut:
    """Classic pcap, microsecond timestamps; records joined and written in blocks."""

    def __init__(self, path, pps):
        self.f = open(path, 'wb', buffering=1 << 20)
        self.f.write(struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.count, self.pps, self.block = 0, pps, []

    def emit(self, frame):
        ts = EPOCH_US + self.count * 1000000 // self.pps
        n = len(frame)
        self.block.append(struct.pack('<IIII', ts // 1000000, ts % 1000000, n, n) + frame)
        self.count += 1
        if len(self.block) >= 4096:
            self.f.write(b''.join(self.block))
            self.block = []

    def close(self):
        self.f.write(b''.join(self.block))
        self.f.close()


def parse_args(argv):
    p = argparse.ArgumentParser(description='Write a seeded benchmark capture (pcap).')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--flows', type=int, default=10000, help='flows per repetition')
    p.add_argument('--packets', type=int, default=1000000, help='packets per repetition')
    p.add_argument('--zipf', type=float, default=1.0, help='popularity exponent S (0: uniform)')
    p.add_argument('--size', default='imix', help="wire frame size: 'imix' or 64..1518")
    p.add_argument('--v6', type=float, default=0.2, help='share of IPv6 flows')
    p.add_argument('--vlan', type=float, default=0.1, help='share of flows on VLAN 100')
    p.add_argument('--hosts', type=int, help='client hosts (default: flows / 64, at least 1)')
    p.add_argument('--repeat', type=int, default=1, help='repetitions with fresh 4-tuples')
    p.add_argument('--pps', type=int, default=1000000, help='timestamp rate, packets/s')
    p.add_argument('-o', '--output', required=True)
    args = p.parse_args(argv)
    if args.size != 'imix' and not (args.size.isdigit() and 64 <= int(args.size) <= 1518):
        p.error("--size must be 'imix' or a frame size in 64..1518")
    if not (0 <= args.v6 <= 1 and 0 <= args.vlan <= 1 and args.zipf >= 0):
        p.error('--v6 and --vlan must be within [0, 1], --zipf >= 0')
    if args.flows < 1 or args.repeat < 1 or args.pps < 1:
        p.error('--flows, --repeat and --pps must be at least 1')
    if args.hosts is None:
        args.hosts = max(1, args.flows // 64)
    if not 1 <= args.hosts <= args.flows or args.flows > args.hosts * 28000:
        p.error('--hosts must be within 1..flows, with at most 28000 flows per host')
    if args.hosts * args.repeat > 254 * 65535:
        p.error('hosts * repeat must stay below %d (client addresses)' % (254 * 65535))
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    gen = Generator(args)
    out = PcapOut(args.output, args.pps)
    for rep in range(args.repeat):
        gen.repetition(rep, out.emit)
    out.close()
    print('gen-traffic: seed %d: wrote %d packets, %d flows x %d to %s (%.1fs)'
          % (args.seed, out.count, args.flows, args.repeat, args.output,
             time.monotonic() - started), file=sys.stderr)


if __name__ == '__main__':
    main()
