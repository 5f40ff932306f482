#!/usr/bin/env python3
"""gen-pcap.py - seeded, reproducible test-capture generator for wirestat.

Python 3 standard library only.  Writes classic pcap files (magic 0xa1b2c3d4,
version 2.4, LINKTYPE_ETHERNET, microsecond timestamps, snaplen 65535).  The
same arguments always produce a byte-identical file.

  gen-pcap.py --profile coverage --seed 1 -o tests/data/coverage.pcap
  gen-pcap.py --profile mix --seed 1 [--packets 20000] [--flows 2000]
              [--hosts 300] [--zipf 1.1] [--size imix|NNN]
              [--v6-ratio 0.2] [--vlan-ratio 0.1] -o mix.pcap
  gen-pcap.py --profile coverage --seed 1 --list-cases   # case -> frame numbers

Profile "coverage" writes a fixed list of small cases (see COVERAGE CASES
below) that exercise every layer the dissector handles; --packets and the mix
options are ignored.  Profile "mix" writes realistic client/server traffic for
demos and benchmarks (see MIX PROFILE below).

Timestamps start at 2026-01-01T00:00:00Z and advance by seeded gaps.
All addresses are private or documentation ranges, all names are under
reserved domains (example.com/.net/.org, .example, .test, .local).
"""

import argparse
import functools
import itertools
import ipaddress
import random
import struct
import sys
import time

EPOCH_US = 1767225600 * 1000000          # 2026-01-01T00:00:00Z
NTP_UNIX_OFFSET = 2208988800             # seconds from 1900 to 1970

# EtherTypes
ETH_IPV4, ETH_ARP, ETH_IPV6, ETH_TEB = 0x0800, 0x0806, 0x86DD, 0x6558
ETH_VLAN, ETH_QINQ, ETH_MPLS, ETH_LLDP = 0x8100, 0x88A8, 0x8847, 0x88CC
ETH_PPPOE_DISC, ETH_PPPOE_SESS = 0x8863, 0x8864
PPP_IPV4, PPP_IPV6 = 0x0021, 0x0057

# IP protocol numbers / IPv6 next-header values
P_HOPOPT, P_ICMP, P_IPIP, P_TCP, P_UDP, P_IPV6 = 0, 1, 4, 6, 17, 41
P_ROUTING, P_FRAGMENT, P_GRE, P_AH = 43, 44, 47, 51
P_ICMPV6, P_DSTOPTS, P_SCTP = 58, 60, 132

BROADCAST = 'ff:ff:ff:ff:ff:ff'

# ---------------------------------------------------------------------------
# Generic helpers
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def ip_bytes(addr):
    return ipaddress.ip_address(addr).packed


@functools.lru_cache(maxsize=None)
def mac_bytes(mac):
    return bytes.fromhex(mac.replace(':', ''))


def checksum(data):
    """RFC 1071 Internet checksum (the 16-bit one's complement sum is the
    value of the data as a big integer modulo 0xffff)."""
    if len(data) % 2:
        data += b'\0'
    value = int.from_bytes(data, 'big')
    total = value % 0xFFFF
    if total == 0 and value:
        total = 0xFFFF
    return ~total & 0xFFFF


def put16(buf, offset, value):
    return buf[:offset] + struct.pack('!H', value) + buf[offset + 2:]


def pseudo_header(src, dst, proto, length):
    """IPv4 or IPv6 pseudo-header for TCP/UDP/ICMPv6 checksums."""
    s, d = ip_bytes(src), ip_bytes(dst)
    if len(s) == 4:
        return s + d + struct.pack('!BBH', 0, proto, length)
    return s + d + struct.pack('!I3xB', length, proto)


def _crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC32C_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def pad60(frame):
    """Pad an Ethernet frame (without FCS) to the 60-byte minimum."""
    return frame + bytes(max(0, 60 - len(frame)))


def solicited_node(addr):
    low = ip_bytes(addr)[13:]
    return str(ipaddress.IPv6Address(bytes.fromhex('ff0200000000000000000001ff') + low))


def ipv4_mcast_mac(addr):
    b = ip_bytes(addr)
    return '01:00:5e:%02x:%02x:%02x' % (b[1] & 0x7F, b[2], b[3])


def ipv6_mcast_mac(addr):
    b = ip_bytes(addr)
    return '33:33:%02x:%02x:%02x:%02x' % tuple(b[12:])


# ---------------------------------------------------------------------------
# Link layer
# ---------------------------------------------------------------------------


def eth(dst, src, ethertype, payload):
    return mac_bytes(dst) + mac_bytes(src) + struct.pack('!H', ethertype) + payload


def eth_8023(dst, src, payload):
    """IEEE 802.3 frame (length field instead of an EtherType), padded."""
    return pad60(mac_bytes(dst) + mac_bytes(src) + struct.pack('!H', len(payload)) + payload)


def llc(dsap, ssap, ctrl, payload):
    return bytes((dsap, ssap, ctrl)) + payload


def vlan(vid, ethertype, payload, pcp=0):
    """802.1Q/802.1ad tag body: TCI + inner EtherType (the TPID is the
    EtherType of the enclosing header)."""
    return struct.pack('!HH', (pcp << 13) | vid, ethertype) + payload


def vlan_stack(tags, ethertype, payload):
    """Apply [(tpid, vid), ...] (outermost first); returns (outer type, bytes)."""
    for tpid, vid in reversed(tags):
        payload = vlan(vid, ethertype, payload)
        ethertype = tpid
    return ethertype, payload


def mpls(labels, payload, ttl=64):
    out = b''
    for i, label in enumerate(labels):
        bos = 1 if i == len(labels) - 1 else 0
        out += struct.pack('!I', (label << 12) | (bos << 8) | ttl)
    return out + payload


def pppoe_session(session_id, ppp_proto, payload):
    ppp = struct.pack('!H', ppp_proto) + payload
    return struct.pack('!BBHH', 0x11, 0x00, session_id, len(ppp)) + ppp


def pppoe_discovery(code, session_id, tags):
    body = b''.join(struct.pack('!HH', t, len(v)) + v for t, v in tags)
    return struct.pack('!BBHH', 0x11, code, session_id, len(body)) + body


def arp(op, sha, spa, tha, tpa):
    return (struct.pack('!HHBBH', 1, ETH_IPV4, 6, 4, op) + mac_bytes(sha) + ip_bytes(spa)
            + mac_bytes(tha) + ip_bytes(tpa))


def stp_config_bpdu(root_mac, bridge_mac, port_id, path_cost):
    root = struct.pack('!H', 0x8000) + mac_bytes(root_mac)
    bridge = struct.pack('!H', 0x8000) + mac_bytes(bridge_mac)
    # protocol 0, version 0, type 0 (config), flags; times in 1/256 s
    return (struct.pack('!HBBB', 0, 0, 0, 0) + root + struct.pack('!I', path_cost) + bridge
            + struct.pack('!HHHHH', port_id, 1 * 256, 20 * 256, 2 * 256, 15 * 256))


def lldp_tlv(tlv_type, value):
    return struct.pack('!H', (tlv_type << 9) | len(value)) + value


def lldp(chassis_mac, port_name, sysname, ttl=120):
    return (lldp_tlv(1, b'\x04' + mac_bytes(chassis_mac))      # chassis ID: MAC
            + lldp_tlv(2, b'\x05' + port_name.encode())        # port ID: ifName
            + lldp_tlv(3, struct.pack('!H', ttl))
            + lldp_tlv(5, sysname.encode())                    # system name
            + lldp_tlv(7, struct.pack('!HH', 0x0014, 0x0014))  # caps: bridge, router
            + lldp_tlv(0, b''))


# ---------------------------------------------------------------------------
# Network layer
# ---------------------------------------------------------------------------


def ipv4(src, dst, proto, payload, ttl=64, ident=0, df=False, mf=False, frag_offset=0,
         tos=0, options=b'', total_length=None, ihl=None):
    """IPv4 header with a correct header checksum.  frag_offset is in bytes;
    total_length / ihl override the computed values (for malformed cases)."""
    options += bytes(-len(options) % 4)
    hlen = 20 + len(options)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_offset >> 3)
    tlen = hlen + len(payload) if total_length is None else total_length
    hdr = struct.pack('!BBHHHBBH4s4s', 0x40 | (hlen // 4 if ihl is None else ihl), tos, tlen,
                      ident & 0xFFFF, flags, ttl, proto, 0, ip_bytes(src), ip_bytes(dst)) + options
    return put16(hdr, 10, checksum(hdr)) + payload


def ipv6(src, dst, nh, payload, ttl=64, tclass=0, flow=0, payload_length=None):
    plen = len(payload) if payload_length is None else payload_length
    return (struct.pack('!IHBB', (6 << 28) | (tclass << 20) | flow, plen, nh, ttl)
            + ip_bytes(src) + ip_bytes(dst) + payload)


def ipv6_option(opt_type, data):
    return bytes((opt_type, len(data))) + data


def ipv6_options_header(nh, options, payload):
    """Hop-by-hop (0) or destination options (60) header, padded with PadN/Pad1."""
    pad = -(2 + len(options)) % 8
    if pad == 1:
        options += b'\x00'
    elif pad:
        options += ipv6_option(1, bytes(pad - 2))
    return bytes((nh, (2 + len(options)) // 8 - 1)) + options + payload


def ipv6_srh(nh, segments, segments_left, payload):
    """Segment routing header (routing type 4); segments[0] is the final hop."""
    hdr = struct.pack('!BBBBBBH', nh, 2 * len(segments), 4, segments_left,
                      len(segments) - 1, 0, 0)
    return hdr + b''.join(ip_bytes(s) for s in segments) + payload


def ipv6_rh0(nh, addresses, segments_left, payload):
    """Routing header type 0 (deprecated, still seen in tests)."""
    hdr = struct.pack('!BBBBI', nh, 2 * len(addresses), 0, segments_left, 0)
    return hdr + b''.join(ip_bytes(a) for a in addresses) + payload


def ipv6_fragment(nh, offset, more, ident, payload):
    return struct.pack('!BBHI', nh, 0, offset | (1 if more else 0), ident) + payload


def ipv6_ah(nh, spi, seq, icv, payload):
    """IPsec Authentication Header; length in 32-bit words minus 2."""
    return struct.pack('!BBHII', nh, (12 + len(icv)) // 4 - 2, 0, spi, seq) + icv + payload


# ---------------------------------------------------------------------------
# Transport layer
# ---------------------------------------------------------------------------

TCP_FLAG_BITS = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08, 'A': 0x10, 'U': 0x20,
                 'E': 0x40, 'C': 0x80}
TCP_NOP = b'\x01'


def tcp_opt_mss(mss):
    return struct.pack('!BBH', 2, 4, mss)


def tcp_opt_wscale(shift):
    return struct.pack('!BBB', 3, 3, shift)


def tcp_opt_sack_perm():
    return b'\x04\x02'


def tcp_opt_sack(blocks):
    return struct.pack('!BB', 5, 2 + 8 * len(blocks)) + b''.join(
        struct.pack('!II', a & 0xFFFFFFFF, b & 0xFFFFFFFF) for a, b in blocks)


def tcp_opt_timestamps(tsval, tsecr):
    return struct.pack('!BBII', 8, 10, tsval & 0xFFFFFFFF, tsecr & 0xFFFFFFFF)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b'', options=b'', window=64240,
        data_offset=None):
    """TCP segment with checksum; flags is a string such as 'SA' or 'PA'."""
    bits = sum(TCP_FLAG_BITS[f] for f in flags)
    options += bytes(-len(options) % 4)
    doff = (20 + len(options)) // 4 if data_offset is None else data_offset
    seg = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      doff << 4, bits, window, 0, 0) + options + payload
    return put16(seg, 16, checksum(pseudo_header(src, dst, P_TCP, len(seg)) + seg))


def udp(src, dst, sport, dport, payload, length=None):
    """UDP datagram with checksum (0 is sent as 0xffff); length overrides."""
    ulen = 8 + len(payload)
    dgram = struct.pack('!HHHH', sport, dport, ulen, 0) + payload
    csum = checksum(pseudo_header(src, dst, P_UDP, ulen) + dgram) or 0xFFFF
    dgram = put16(dgram, 6, csum)
    return dgram if length is None else put16(dgram, 4, length)


def sctp_chunk(chunk_type, flags, value):
    chunk = struct.pack('!BBH', chunk_type, flags, 4 + len(value)) + value
    return chunk + bytes(-len(chunk) % 4)


def sctp_param(ptype, value):
    p = struct.pack('!HH', ptype, 4 + len(value)) + value
    return p + bytes(-len(p) % 4)


def sctp(sport, dport, vtag, chunks):
    """SCTP common header + chunks with the CRC32c checksum."""
    pkt = struct.pack('!HHII', sport, dport, vtag, 0) + chunks
    return pkt[:8] + struct.pack('<I', crc32c(pkt)) + pkt[12:]


def sctp_init(chunk_type, init_tag, tsn, params):
    """INIT (1) or INIT-ACK (2) chunk."""
    value = struct.pack('!IIHHI', init_tag, 106496, 10, 65535, tsn) + b''.join(params)
    return sctp_chunk(chunk_type, 0, value)


def icmp(icmp_type, code, rest, payload=b''):
    msg = struct.pack('!BBH', icmp_type, code, 0) + rest + payload
    return put16(msg, 2, checksum(msg))


def icmp_echo(request, ident, seq, data):
    return icmp(8 if request else 0, 0, struct.pack('!HH', ident, seq), data)


def icmpv6(src, dst, icmp_type, code, body):
    msg = struct.pack('!BBH', icmp_type, code, 0) + body
    return put16(msg, 2, checksum(pseudo_header(src, dst, P_ICMPV6, len(msg)) + msg))


def ping_data(rng, size=56):
    """Linux ping payload: 16-byte timeval + incrementing pattern."""
    head = struct.pack('!QQ', rng.getrandbits(32), rng.getrandbits(20))
    return (head + bytes(range(16, 16 + size)))[:size]


# ---------------------------------------------------------------------------
# Tunnels
# ---------------------------------------------------------------------------


def gre(proto, payload, key=None, seq=None):
    flags = (0x2000 if key is not None else 0) | (0x1000 if seq is not None else 0)
    hdr = struct.pack('!HH', flags, proto)
    if key is not None:
        hdr += struct.pack('!I', key)
    if seq is not None:
        hdr += struct.pack('!I', seq)
    return hdr + payload


def vxlan(vni, payload):
    return struct.pack('!B3xI', 0x08, vni << 8) + payload


def geneve_option(opt_class, opt_type, data):
    return struct.pack('!HBB', opt_class, opt_type, len(data) // 4) + data


def geneve(vni, proto, payload, options=b''):
    return struct.pack('!BBHI', len(options) // 4, 0, proto, vni << 8) + options + payload


def gtpu(teid, payload, extensions=(), seq=None, msg_type=255):
    """GTPv1-U; extensions = [(type, content), ...] sets the E flag."""
    flags = 0x30                       # version 1, protocol type GTP
    opt = b''
    if extensions or seq is not None:
        flags |= (0x04 if extensions else 0) | (0x02 if seq is not None else 0)
        types = [t for t, _ in extensions] + [0]
        opt = struct.pack('!HBB', seq or 0, 0, types[0])
        for i, (_, content) in enumerate(extensions):
            ext = bytes((0,)) + content + bytes((types[i + 1],))
            opt += bytes((len(ext) // 4,)) + ext[1:]
    body = opt + payload
    return struct.pack('!BBHI', flags, msg_type, len(body), teid) + body


def pdu_session_container(uplink, qfi):
    """GTP-U extension 0x85 content (2 bytes: PDU type, QFI)."""
    return bytes(((1 if uplink else 0) << 4, qfi))


# ---------------------------------------------------------------------------
# Application payloads: DNS, TLS, HTTP, NTP, QUIC-like
# ---------------------------------------------------------------------------

DNS_A, DNS_CNAME, DNS_PTR, DNS_AAAA, DNS_OPT, DNS_HTTPS = 1, 5, 12, 28, 41, 65


def dns_name(name):
    return b''.join(bytes((len(lab),)) + lab.encode() for lab in name.split('.') if lab) + b'\0'


def dns_pointer(offset):
    return struct.pack('!H', 0xC000 | offset)


def dns_question(name, qtype, qclass=1):
    """name: a dotted string or already-encoded bytes (labels/pointers)."""
    raw = name if isinstance(name, bytes) else dns_name(name)
    return raw + struct.pack('!HH', qtype, qclass)


def dns_rr(name, rtype, rdata, ttl=300, rclass=1):
    raw = name if isinstance(name, bytes) else dns_name(name)
    return raw + struct.pack('!HHIH', rtype, rclass, ttl, len(rdata)) + rdata


def dns_opt(udp_size=1232):
    return dns_rr(b'\0', DNS_OPT, b'', ttl=0, rclass=udp_size)


def dns_message(txid, flags, questions=(), answers=(), authority=(), additional=()):
    hdr = struct.pack('!HHHHHH', txid, flags, len(questions), len(answers), len(authority),
                      len(additional))
    body = b"".join(questions) + b"".join(answers) + b"".join(authority) + b"".join(additional)
    return hdr + body


DNS_QUERY, DNS_RESPONSE = 0x0100, 0x8180      # RD / QR+RD+RA


def svc_param(key, value):
    return struct.pack('!HH', key, len(value)) + value


def https_rdata(alpns, ipv4hint=None):
    params = svc_param(1, b''.join(bytes((len(a),)) + a.encode() for a in alpns))
    if ipv4hint:
        params += svc_param(4, ip_bytes(ipv4hint))
    return struct.pack('!H', 1) + b'\0' + params     # priority 1, target "."


def tls_record(content_type, body, version=0x0303):
    return struct.pack('!BHH', content_type, version, len(body)) + body


def tls_handshake(msg_type, body):
    return struct.pack('!B', msg_type) + len(body).to_bytes(3, 'big') + body


def tls_ext(ext_type, data):
    return struct.pack('!HH', ext_type, len(data)) + data


def vec8(data):
    return struct.pack('!B', len(data)) + data


def vec16(data):
    return struct.pack('!H', len(data)) + data


def tls_client_hello(rng, sni=None, alpn=('h2', 'http/1.1'), tls13=True, pq=False):
    """ClientHello record like a current browser (TLS 1.3 capable unless
    tls13=False, which gives a TLS 1.2-only hello). pq=True adds a post-quantum
    X25519MLKEM768 key share (1216 + 32 bytes) and puts the SNI after it, as
    browsers that permute extensions may: the hello is about 1.8 KB."""
    suites = [0x1301, 0x1302, 0x1303] if tls13 else []
    suites += [0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0x009C, 0x009D]
    exts = b''
    if pq:
        share = struct.pack('!HH', 0x11EC, 1216 + 32) + rng.randbytes(1216 + 32)
        exts += tls_ext(51, vec16(share + struct.pack('!HH', 0x001D, 32) + rng.randbytes(32)))
        exts += tls_ext(21, bytes(200))                        # padding
    if sni is not None and not pq:
        exts += tls_ext(0, vec16(b'\0' + vec16(sni.encode())))
    exts += tls_ext(23, b'')                                   # extended_master_secret
    exts += tls_ext(0xFF01, b'\0')                             # renegotiation_info
    exts += tls_ext(10, vec16(struct.pack('!HHH', 0x001D, 0x0017, 0x0018)))
    exts += tls_ext(11, vec8(b'\0'))                           # ec_point_formats
    exts += tls_ext(35, b'')                                   # session_ticket
    if alpn:
        exts += tls_ext(16, vec16(b''.join(vec8(p.encode()) for p in alpn)))
    exts += tls_ext(5, b'\x01\0\0\0\0')                        # status_request
    exts += tls_ext(13, vec16(struct.pack('!8H', 0x0403, 0x0804, 0x0401, 0x0503,
                                          0x0805, 0x0501, 0x0806, 0x0601)))
    exts += tls_ext(18, b'')                                   # signed_certificate_timestamp
    if tls13 and not pq:
        exts += tls_ext(51, vec16(struct.pack('!HH', 0x001D, 32) + rng.randbytes(32)))
    if tls13:
        exts += tls_ext(45, vec8(b'\x01'))                     # psk_key_exchange_modes
        exts += tls_ext(43, vec8(struct.pack('!HH', 0x0304, 0x0303)))
    if sni is not None and pq:
        exts += tls_ext(0, vec16(b'\0' + vec16(sni.encode())))
    body = (struct.pack('!H', 0x0303) + rng.randbytes(32) + vec8(rng.randbytes(32))
            + vec16(struct.pack('!%dH' % len(suites), *suites)) + vec8(b'\0') + vec16(exts))
    return tls_record(22, tls_handshake(1, body), version=0x0301)


def tls_server_hello(rng, tls13=True, alpn='h2'):
    if tls13:
        suite = 0x1301
        exts = (tls_ext(43, struct.pack('!H', 0x0304))
                + tls_ext(51, struct.pack('!HH', 0x001D, 32) + rng.randbytes(32)))
    else:
        suite = 0xC02F
        exts = tls_ext(0xFF01, b'\0') + tls_ext(23, b'') + tls_ext(11, vec8(b'\0'))
        if alpn:
            exts += tls_ext(16, vec16(vec8(alpn.encode())))
    body = (struct.pack('!H', 0x0303) + rng.randbytes(32) + vec8(rng.randbytes(32))
            + struct.pack('!HB', suite, 0) + vec16(exts))
    return tls_record(22, tls_handshake(2, body))


TLS_CCS = tls_record(20, b'\x01')


def tls_app_data(rng, length):
    return tls_record(23, rng.randbytes(length))


USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'


def http_request(method, path, host, body=b'', host_header='Host', extra=()):
    lines = ['%s %s HTTP/1.1' % (method, path), '%s: %s' % (host_header, host),
             'User-Agent: ' + USER_AGENT, 'Accept: */*']
    if body:
        lines += ['Content-Type: application/x-www-form-urlencoded',
                  'Content-Length: %d' % len(body)]
    lines += list(extra)
    return ('\r\n'.join(lines) + '\r\n\r\n').encode() + body


def http_response(status, reason, body=b'', content_type='text/html; charset=utf-8',
                  content_length=None, extra=()):
    lines = ['HTTP/1.1 %d %s' % (status, reason), 'Date: Thu, 01 Jan 2026 00:00:00 GMT',
             'Server: nginx', 'Content-Type: ' + content_type,
             'Content-Length: %d' % (len(body) if content_length is None else content_length)]
    lines += list(extra)
    return ('\r\n'.join(lines) + '\r\n\r\n').encode() + body


def ntp_packet(mode, ts_us, origin=0):
    """48-byte NTPv4 packet; mode 3 = client, 4 = server."""
    sec, usec = divmod(ts_us, 1000000)
    ts = ((sec + NTP_UNIX_OFFSET) << 32) | ((usec << 32) // 1000000)
    if mode == 3:
        return struct.pack('!BBbb II 4s QQQQ', 0x23, 0, 6, -20, 0, 0, b'\0' * 4, 0, 0, 0, ts)
    return struct.pack('!BBbb II 4s QQQQ', 0x24, 2, 6, -23, 0x0200, 0x0400, ip_bytes('192.0.2.123'),
                       ts - (1 << 32) * 60, origin, ts, ts)


def quic_long_header(rng, dcid, scid, length):
    """QUIC v1 Initial-looking packet (payload is random, not real crypto)."""
    head = struct.pack('!BI', 0xC3, 1) + vec8(dcid) + vec8(scid) + b'\0'
    body_len = max(20, length - len(head) - 2)
    return head + struct.pack('!H', 0x4000 | body_len) + rng.randbytes(body_len)


def quic_short_header(rng, dcid, length):
    first = bytes((0x40 | rng.getrandbits(5),))
    return first + dcid + rng.randbytes(max(16, length - 1 - len(dcid)))


# ---------------------------------------------------------------------------
# pcap writer
# ---------------------------------------------------------------------------


class PcapWriter:
    def __init__(self, f, snaplen=65535, linktype=1):
        self.f, self.snaplen, self.count = f, snaplen, 0
        f.write(struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))

    def write(self, ts_us, frame):
        data = frame[:self.snaplen]
        sec, usec = divmod(ts_us, 1000000)
        self.f.write(struct.pack('<IIII', sec, usec, len(data), len(frame)) + data)
        self.count += 1


# ---------------------------------------------------------------------------
# COVERAGE PROFILE
#
# Each case is a function returning 1-3 frames.  Case number N
# gets its own addresses: client 10.1.N.10 / 2001:db8:1:N::10 port 40000+N,
# server 10.2.N.20 / 2001:db8:2:N::20; tunnel inner hosts 172.16/17.N.x and
# fd00:1:N::/fd00:2:N::, two-deep inner hosts 192.168.N.x.  Thus every case
# has a distinct 5-tuple.  "c>s" is client to server, "s>c" the reply.
#
# Layer 2
#   eth_ipv4_udp          Ethernet II, IPv4/UDP data c>s, s>c
#   stp_bpdu_8023         802.3 length frame, LLC 42/42, STP config BPDU
#   lldp                  LLDP from both neighbours
#   arp                   ARP request (broadcast) and reply
#   vlan_8021q            802.1Q VID 100, UDP c>s, s>c
#   vlan_qinq             802.1ad 0x88a8 VID 200 + 802.1Q VID 100
#   vlan_triple           0x88a8 + 0x8100 + 0x8100
#   vlan_5_tags           five tags (more than a limit of 4)
#   vlan_priority_tag     802.1Q VID 0, PCP 6
#   mpls_1_ipv4           one MPLS label, IPv4/UDP
#   mpls_1_ipv6           one MPLS label, IPv6/UDP
#   mpls_3_ipv4           3-label stack, IPv4/TCP
#   mpls_3_ipv6           3-label stack, IPv6/TCP
#   pppoe_ipv4            PPPoE session, PPP IPv4 (0x0021) UDP
#   pppoe_ipv6            PPPoE session, PPP IPv6 (0x0057) TCP
#   pppoe_discovery       PADI (broadcast) + PADO
# IPv4 / IPv6
#   ipv4_options          IHL 6 (router alert) c>s, IHL 7 (record route) s>c
#   ipv4_fragments        3008-byte UDP datagram in 3 fragments (first has UDP hdr)
#   ipv4_df_ttl           DF set, TTL 128 / 255 / 1
#   ipv6_hop_by_hop       hop-by-hop (router alert) + UDP
#   ipv6_srh              routing type 4 (SRH, 2 segments) + UDP
#   ipv6_dest_opts        destination options + UDP
#   ipv6_fragments        first fragment (UDP hdr), last fragment, atomic fragment reply
#   ipv6_ah_tcp           AH (51) before TCP, both directions
#   ipv6_ext_chain        hop-by-hop + dest opts + routing type 0 + TCP
# Transport
#   tcp_handshake         SYN(+ECE/CWR) / SYN-ACK(+ECE) / ACK, MSS SACK-perm TS WS options
#   tcp_data_sack         data c>s, data s>c, ACK with SACK block
#   tcp_fin_close         FIN-ACK, FIN-ACK, ACK
#   tcp_rst               SYN, RST-ACK
#   sctp_init             SCTP INIT, INIT-ACK
#   icmp_echo             echo request / reply
#   icmp_unreachable      DNS query c>s, port unreachable quoting IPv4+UDP+DNS
#   icmp_time_exceeded    DNS query TTL 1, time exceeded from router quoting it
#   icmpv6_echo           echo request / reply
#   icmpv6_neighbor       neighbour solicitation / advertisement
#   icmpv6_unreachable    IPv6 DNS query, ICMPv6 port unreachable quoting it
# Tunnels (inner flows use the 172.16/17 or fd00: inner hosts)
#   gre_ipv4              GRE 0x0800, inner IPv4/UDP
#   gre_ipv6_key_seq      GRE with K and S flags, 0x86DD, inner IPv6/UDP
#   gre_teb_vlan          GRE 0x6558, inner Ethernet + 802.1Q + IPv4/UDP
#   vxlan_http            VXLAN UDP 4789 VNI, inner Ethernet/IPv4/TCP HTTP GET + response
#   geneve                GENEVE UDP 6081 + option TLV, 0x6558, inner Eth/IPv4/UDP
#   ipip                  IPv4 proto 4, inner IPv4/TCP
#   sixin4                IPv4 proto 41, inner IPv6/UDP
#   fourin6               IPv6 next header 4, inner IPv4/UDP
#   ip6ip6                IPv6 next header 41, inner IPv6/TCP
#   gtpu_ipv4             GTP-U G-PDU, no extension, inner IPv4/UDP
#   gtpu_ipv6             GTP-U G-PDU, no extension, inner IPv6/UDP
#   gtpu_ext_ipv4         GTP-U E flag + PDU session container (0x85), inner IPv4/TCP
#   gtpu_ext_ipv6         GTP-U E flag + PDU session container (0x85), inner IPv6/UDP
#   gre_vxlan             GRE -> IPv4/UDP VXLAN -> Ethernet/IPv4/UDP (two tunnels)
# Application
#   dns_a                 A query "WwW.Example.COM" + response (answer uses pointer)
#   dns_aaaa              AAAA query + response
#   dns_https             HTTPS (65) query + response with SVCB params
#   dns_two_questions     2 questions, 2nd name = label + pointer into the 1st; response
#   dns_tcp               DNS over TCP port 53 (length prefix) query + response
#   mdns                  mDNS query + response, 224.0.0.251:5353
#   llmnr                 LLMNR query to 224.0.0.252:5355 + unicast response
#   dns_ipv6              DNS query + response over IPv6
#   tls13_sni_443         TLS 1.3 ClientHello (SNI, ALPN h2, key_share x25519) + ServerHello
#   tls12_sni_8443        TLS 1.2 ClientHello with SNI on port 8443 + ServerHello
#   tls_no_sni            ClientHello without SNI on 443
#   http_get              GET with Host + 200 response
#   http_post             POST with body + 201 response
#   http_head             HEAD + 200 response (no body)
#   http_host_port_8080   GET on 8080 with "Host: example.org:8080" + response
#   http_lowercase_host   "host:" header + 301 response
#   ssdp_msearch          M-SEARCH to 239.255.255.250:1900 + unicast reply
# Edge cases and malformed frames
#   eth_padding           short IPv4/UDP padded to 60 bytes; then padding + 4-byte trailer
#   mal_ipv4_cut          frame ends inside the IPv4 header
#   mal_ipv4_ihl4         IPv4 IHL=4
#   mal_ipv4_totlen_big   IPv4 total length > frame
#   mal_ipv4_totlen_small IPv4 total length 12 < header
#   mal_tcp_doff3         TCP data offset 3
#   mal_udp_trunc         UDP header truncated to 4 bytes
#   mal_ipv6_ext_trunc    IPv6 hop-by-hop header longer than the packet
#   mal_vlan_trunc        802.1Q tag cut after 2 bytes
#   mal_runt              10-byte frame
#   mal_dns_ptr_loop      DNS question name with a compression-pointer loop
#   mal_dns_label_overrun DNS label running past the end of the message
#   mal_tls_ch_overrun    TLS ClientHello whose lengths run past the segment
# ---------------------------------------------------------------------------

DATA_PORT = 45000          # generic server port that tshark decodes as plain "data"


class Endpoints:
    """A client/server pair; reply=True builds the server-to-client direction."""

    def __init__(self, num, layer, rng):
        nets4 = (('10.1.%d.10', '10.2.%d.20'), ('172.16.%d.10', '172.17.%d.20'),
                 ('192.168.%d.10', '192.168.%d.20'))[layer]
        nets6 = (('2001:db8:1:%x::10', '2001:db8:2:%x::20'), ('fd00:1:%x::10', 'fd00:2:%x::20'),
                 ('fd00:3:%x::10', 'fd00:4:%x::20'))[layer]
        self.num, self.rng = num, rng
        self.c4, self.s4 = nets4[0] % num, nets4[1] % num
        self.c6, self.s6 = nets6[0] % num, nets6[1] % num
        self.cmac = '02:%02x:00:00:%02x:01' % (layer, num)
        self.smac = '02:%02x:00:00:%02x:02' % (layer, num)
        self.cport = 40000 + num
        self.ident = rng.getrandbits(16)

    def addrs(self, v6=False, reply=False):
        c, s = (self.c6, self.s6) if v6 else (self.c4, self.s4)
        return (s, c) if reply else (c, s)

    def frame(self, pkt, reply=False, tags=(), ethertype=None):
        """Ethernet frame (optionally VLAN-tagged, outermost tag first)."""
        dst, src = (self.cmac, self.smac) if reply else (self.smac, self.cmac)
        if ethertype is None:
            ethertype = ETH_IPV4 if pkt[0] >> 4 == 4 else ETH_IPV6
        ethertype, body = vlan_stack(tags, ethertype, pkt)
        return eth(dst, src, ethertype, body)

    def ip(self, proto, payload, reply=False, v6=False, **kw):
        src, dst = self.addrs(v6, reply)
        if v6:
            return ipv6(src, dst, proto, payload, **kw)
        self.ident += 1
        kw.setdefault('ident', self.ident)
        return ipv4(src, dst, proto, payload, **kw)

    def ports(self, dport, reply, sport=None):
        sport = self.cport if sport is None else sport
        return (dport, sport) if reply else (sport, dport)

    def udp_seg(self, dport, payload, reply=False, v6=False, sport=None):
        src, dst = self.addrs(v6, reply)
        return udp(src, dst, *self.ports(dport, reply, sport), payload)

    def udp(self, dport, payload, reply=False, v6=False, sport=None, **ipkw):
        seg = self.udp_seg(dport, payload, reply, v6, sport)
        return self.ip(P_UDP, seg, reply, v6, **ipkw)

    def tcp(self, dport, flags, seq, ack, payload=b'', reply=False, v6=False, options=b'',
            **ipkw):
        src, dst = self.addrs(v6, reply)
        seg = tcp(src, dst, *self.ports(dport, reply), seq, ack, flags, payload, options)
        return self.ip(P_TCP, seg, reply, v6, **ipkw)

    def tcp_exchange(self, dport, request, response=None, v6=False):
        """Request/response IP packets on an established connection."""
        cseq, sseq = self.rng.getrandbits(32), self.rng.getrandbits(32)
        pkts = [self.tcp(dport, 'PA', cseq, sseq, request, v6=v6)]
        if response is not None:
            pkts.append(self.tcp(dport, 'PA', sseq, cseq + len(request), response, True, v6))
        return pkts

    def udp_exchange(self, dport, request, response, v6=False):
        return [self.udp(dport, request, v6=v6), self.udp(dport, response, True, v6)]


COVERAGE_CASES = []


def case(fn):
    COVERAGE_CASES.append((fn.__name__[len('case_'):], fn))
    return fn


def data_payload(ep, what, reply=False):
    return ('wirestat %s %s #%d' % (what, 'reply' if reply else 'request', ep.num)).encode()


def udp_pair(ep, what, v6=False, dport=DATA_PORT):
    """Generic UDP request/response IP packets."""
    return ep.udp_exchange(dport, data_payload(ep, what), data_payload(ep, what, True), v6)


def tcp_pair(ep, what, v6=False, dport=DATA_PORT):
    return ep.tcp_exchange(dport, data_payload(ep, what), data_payload(ep, what, True), v6)


# --- Layer 2 ---------------------------------------------------------------

@case
def case_eth_ipv4_udp(ep):
    return [ep.frame(p, i == 1) for i, p in enumerate(udp_pair(ep, 'ethernet'))]


@case
def case_stp_bpdu_8023(ep):
    bpdu = stp_config_bpdu('02:00:00:00:aa:01', ep.smac, 0x8001, 4)
    return [eth_8023('01:80:c2:00:00:00', ep.smac, llc(0x42, 0x42, 0x03, bpdu))]


@case
def case_lldp(ep):
    return [eth('01:80:c2:00:00:0e', ep.cmac, ETH_LLDP, lldp(ep.cmac, 'eth0', 'Host-%d' % ep.num)),
            eth('01:80:c2:00:00:0e', ep.smac, ETH_LLDP, lldp(ep.smac, 'Gi1/0/%d' % ep.num,
                                                             'Switch-%d' % ep.num))]


@case
def case_arp(ep):
    return [eth(BROADCAST, ep.cmac, ETH_ARP, arp(1, ep.cmac, ep.c4, '00:00:00:00:00:00', ep.s4)),
            eth(ep.cmac, ep.smac, ETH_ARP, arp(2, ep.smac, ep.s4, ep.cmac, ep.c4))]


def tagged_udp_case(ep, tags, what):
    return [ep.frame(p, i == 1, tags) for i, p in enumerate(udp_pair(ep, what))]


@case
def case_vlan_8021q(ep):
    return tagged_udp_case(ep, [(ETH_VLAN, 100)], 'vlan')


@case
def case_vlan_qinq(ep):
    return tagged_udp_case(ep, [(ETH_QINQ, 200), (ETH_VLAN, 100)], 'qinq')


@case
def case_vlan_triple(ep):
    return tagged_udp_case(ep, [(ETH_QINQ, 300), (ETH_VLAN, 200), (ETH_VLAN, 100)], 'triple')


@case
def case_vlan_5_tags(ep):
    tags = [(ETH_QINQ, 500), (ETH_VLAN, 400), (ETH_VLAN, 300), (ETH_VLAN, 200), (ETH_VLAN, 100)]
    return tagged_udp_case(ep, tags, 'five-tags')


@case
def case_vlan_priority_tag(ep):
    pkts = udp_pair(ep, 'priority')
    return [eth(ep.smac, ep.cmac, ETH_VLAN, vlan(0, ETH_IPV4, pkts[0], pcp=6)),
            eth(ep.cmac, ep.smac, ETH_VLAN, vlan(0, ETH_IPV4, pkts[1], pcp=6))]


def mpls_case(ep, labels, pkts):
    fwd = eth(ep.smac, ep.cmac, ETH_MPLS, mpls(labels, pkts[0]))
    rev = eth(ep.cmac, ep.smac, ETH_MPLS, mpls([lab + 1000 for lab in labels], pkts[1]))
    return [fwd, rev]


@case
def case_mpls_1_ipv4(ep):
    return mpls_case(ep, [16001], udp_pair(ep, 'mpls'))


@case
def case_mpls_1_ipv6(ep):
    return mpls_case(ep, [16002], udp_pair(ep, 'mpls', v6=True))


@case
def case_mpls_3_ipv4(ep):
    return mpls_case(ep, [24001, 24002, 16003], tcp_pair(ep, 'mpls-stack'))


@case
def case_mpls_3_ipv6(ep):
    return mpls_case(ep, [24011, 24012, 16013], tcp_pair(ep, 'mpls-stack', v6=True))


@case
def case_pppoe_ipv4(ep):
    sid = 0x1000 + ep.num
    pkts = udp_pair(ep, 'pppoe')
    return [eth(ep.smac, ep.cmac, ETH_PPPOE_SESS, pppoe_session(sid, PPP_IPV4, pkts[0])),
            eth(ep.cmac, ep.smac, ETH_PPPOE_SESS, pppoe_session(sid, PPP_IPV4, pkts[1]))]


@case
def case_pppoe_ipv6(ep):
    sid = 0x1000 + ep.num
    pkts = tcp_pair(ep, 'pppoe6', v6=True)
    return [eth(ep.smac, ep.cmac, ETH_PPPOE_SESS, pppoe_session(sid, PPP_IPV6, pkts[0])),
            eth(ep.cmac, ep.smac, ETH_PPPOE_SESS, pppoe_session(sid, PPP_IPV6, pkts[1]))]


@case
def case_pppoe_discovery(ep):
    host_uniq = (0x0103, struct.pack('!I', ep.rng.getrandbits(32)))
    padi = pppoe_discovery(0x09, 0, [(0x0101, b''), host_uniq])
    pado = pppoe_discovery(0x07, 0, [(0x0102, b'BRAS-Example-1'), (0x0101, b''), host_uniq])
    return [pad60(eth(BROADCAST, ep.cmac, ETH_PPPOE_DISC, padi)),
            pad60(eth(ep.cmac, ep.smac, ETH_PPPOE_DISC, pado))]


# --- IPv4 / IPv6 -------------------------------------------------------------

@case
def case_ipv4_options(ep):
    router_alert = b'\x94\x04\x00\x00'                                  # IHL 6
    record_route = b'\x07\x0b\x08' + ip_bytes(ep.s4) + bytes(4) + b'\x00'  # IHL 7
    req, rsp = data_payload(ep, 'options'), data_payload(ep, 'options', True)
    return [ep.frame(ep.udp(DATA_PORT, req, options=router_alert)),
            ep.frame(ep.udp(DATA_PORT, rsp, reply=True, options=record_route), reply=True)]


@case
def case_ipv4_fragments(ep):
    payload = bytes((i * 7) & 0xFF for i in range(3000))
    dgram = ep.udp_seg(DATA_PORT, payload)                   # 3008 bytes incl. UDP header
    ident = ep.rng.getrandbits(16)
    frames = []
    for off in range(0, len(dgram), 1480):
        chunk = dgram[off:off + 1480]
        more = off + 1480 < len(dgram)
        frames.append(ep.frame(ipv4(ep.c4, ep.s4, P_UDP, chunk, ident=ident, mf=more,
                                    frag_offset=off)))
    return frames


@case
def case_ipv4_df_ttl(ep):
    return [ep.frame(ep.udp(DATA_PORT, data_payload(ep, 'ttl128'), ttl=128, df=True)),
            ep.frame(ep.udp(DATA_PORT, data_payload(ep, 'ttl255', True), reply=True, ttl=255,
                            df=True), reply=True),
            ep.frame(ep.udp(DATA_PORT, data_payload(ep, 'ttl1'), ttl=1))]


def ipv6_ext_udp_pair(ep, wrap, what):
    """UDP request/response where wrap(nh, payload) inserts extension headers."""
    frames = []
    for reply in (False, True):
        src, dst = ep.addrs(True, reply)
        seg = ep.udp_seg(DATA_PORT, data_payload(ep, what, reply), reply, True)
        frames.append(ep.frame(ipv6(src, dst, wrap[0], wrap[1](P_UDP, seg)), reply))
    return frames


@case
def case_ipv6_hop_by_hop(ep):
    ra = ipv6_option(5, b'\0\0')
    return ipv6_ext_udp_pair(ep, (P_HOPOPT, lambda nh, p: ipv6_options_header(nh, ra, p)), 'hbh')


@case
def case_ipv6_srh(ep):
    frames = []
    for reply in (False, True):
        src, dst = ep.addrs(True, reply)
        via = '2001:db8:ff:%x::%d' % (ep.num, 2 if reply else 1)
        # checksum uses the final destination (segments[0])
        seg = ep.udp_seg(DATA_PORT, data_payload(ep, 'srh', reply), reply, True)
        srh = ipv6_srh(P_UDP, [dst, via], 1, seg)
        frames.append(ep.frame(ipv6(src, via, P_ROUTING, srh), reply))
    return frames


@case
def case_ipv6_dest_opts(ep):
    tel = ipv6_option(4, b'\x04')                # tunnel encapsulation limit
    return ipv6_ext_udp_pair(ep, (P_DSTOPTS, lambda nh, p: ipv6_options_header(nh, tel, p)),
                             'dstopts')


@case
def case_ipv6_fragments(ep):
    dgram = ep.udp_seg(DATA_PORT, bytes((i * 13) & 0xFF for i in range(2000)), v6=True)
    ident = ep.rng.getrandbits(32)
    split = 1232
    first = ipv6_fragment(P_UDP, 0, True, ident, dgram[:split])
    last = ipv6_fragment(P_UDP, split, False, ident, dgram[split:])
    reply = ep.udp_seg(DATA_PORT, data_payload(ep, 'atomic', True), True, True)
    atomic = ipv6_fragment(P_UDP, 0, False, ep.rng.getrandbits(32), reply)
    return [ep.frame(ipv6(ep.c6, ep.s6, P_FRAGMENT, first)),
            ep.frame(ipv6(ep.c6, ep.s6, P_FRAGMENT, last)),
            ep.frame(ipv6(ep.s6, ep.c6, P_FRAGMENT, atomic), reply=True)]


@case
def case_ipv6_ah_tcp(ep):
    frames = []
    cseq, sseq = ep.rng.getrandbits(32), ep.rng.getrandbits(32)
    for reply in (False, True):
        src, dst = ep.addrs(True, reply)
        data = data_payload(ep, 'ah', reply)
        seq, ack = (sseq, cseq + len(data_payload(ep, 'ah'))) if reply else (cseq, sseq)
        seg = tcp(src, dst, *ep.ports(DATA_PORT, reply), seq, ack, 'PA', data)
        ah = ipv6_ah(P_TCP, 0x1000 + ep.num + reply, 1, ep.rng.randbytes(12), seg)
        frames.append(ep.frame(ipv6(src, dst, P_AH, ah), reply))
    return frames


@case
def case_ipv6_ext_chain(ep):
    frames = []
    cseq, sseq = ep.rng.getrandbits(32), ep.rng.getrandbits(32)
    for reply in (False, True):
        src, dst = ep.addrs(True, reply)
        data = data_payload(ep, 'chain', reply)
        seq, ack = (sseq, cseq + len(data_payload(ep, 'chain'))) if reply else (cseq, sseq)
        seg = tcp(src, dst, *ep.ports(DATA_PORT, reply), seq, ack, 'PA', data)
        rh0 = ipv6_rh0(P_TCP, [dst], 0, seg)
        dst_opts = ipv6_options_header(P_ROUTING, b'', rh0)
        hbh = ipv6_options_header(P_DSTOPTS, ipv6_option(5, b'\0\0'), dst_opts)
        frames.append(ep.frame(ipv6(src, dst, P_HOPOPT, hbh), reply))
    return frames


# --- Transport -----------------------------------------------------------------

def syn_options(mss, tsval, tsecr=0):
    return (tcp_opt_mss(mss) + tcp_opt_sack_perm() + tcp_opt_timestamps(tsval, tsecr)
            + TCP_NOP + tcp_opt_wscale(7))


@case
def case_tcp_handshake(ep):
    cseq, sseq = ep.rng.getrandbits(32), ep.rng.getrandbits(32)
    ts_c, ts_s = ep.rng.getrandbits(32), ep.rng.getrandbits(32)
    return [ep.frame(ep.tcp(DATA_PORT, 'SEC', cseq, 0, options=syn_options(1460, ts_c))),
            ep.frame(ep.tcp(DATA_PORT, 'SAE', sseq, cseq + 1, reply=True,
                            options=syn_options(1400, ts_s, ts_c), df=True), reply=True),
            ep.frame(ep.tcp(DATA_PORT, 'A', cseq + 1, sseq + 1,
                            options=TCP_NOP * 2 + tcp_opt_timestamps(ts_c + 1, ts_s)))]


@case
def case_tcp_data_sack(ep):
    cseq, sseq = ep.rng.getrandbits(32), ep.rng.getrandbits(32)
    ts_c, ts_s = ep.rng.getrandbits(32), ep.rng.getrandbits(32)
    req, rsp = data_payload(ep, 'sack'), data_payload(ep, 'sack', True) * 4

    def ts(val, ecr):
        return TCP_NOP * 2 + tcp_opt_timestamps(val, ecr)
    return [ep.frame(ep.tcp(DATA_PORT, 'PA', cseq, sseq, req, options=ts(ts_c, ts_s))),
            ep.frame(ep.tcp(DATA_PORT, 'PA', sseq, cseq + len(req), rsp, reply=True,
                            options=ts(ts_s + 5, ts_c)), reply=True),
            # ACK that reports a later block received (segment in between lost)
            ep.frame(ep.tcp(DATA_PORT, 'A', cseq + len(req), sseq + len(rsp),
                            options=ts(ts_c + 9, ts_s + 5) + TCP_NOP * 2 + tcp_opt_sack(
                                [(sseq + len(rsp) + 1000, sseq + len(rsp) + 2448)])))]


@case
def case_tcp_fin_close(ep):
    cseq, sseq = ep.rng.getrandbits(32), ep.rng.getrandbits(32)
    return [ep.frame(ep.tcp(DATA_PORT, 'FA', cseq, sseq)),
            ep.frame(ep.tcp(DATA_PORT, 'FA', sseq, cseq + 1, reply=True), reply=True),
            ep.frame(ep.tcp(DATA_PORT, 'A', cseq + 1, sseq + 1))]


@case
def case_tcp_rst(ep):
    cseq = ep.rng.getrandbits(32)
    return [ep.frame(ep.tcp(DATA_PORT, 'S', cseq, 0, options=tcp_opt_mss(1460))),
            ep.frame(ep.tcp(DATA_PORT, 'RA', 0, cseq + 1, reply=True), reply=True)]


@case
def case_sctp_init(ep):
    ctag, stag = ep.rng.getrandbits(32) | 1, ep.rng.getrandbits(32) | 1
    addr_types = sctp_param(12, struct.pack('!HH', 5, 6))          # IPv4, IPv6
    init = sctp_init(1, ctag, ep.rng.getrandbits(32), [sctp_param(5, ip_bytes(ep.c4)), addr_types])
    cookie = sctp_param(7, ep.rng.randbytes(32))
    init_ack = sctp_init(2, stag, ep.rng.getrandbits(32), [cookie])
    return [ep.frame(ep.ip(P_SCTP, sctp(ep.cport, 3868, 0, init))),
            ep.frame(ep.ip(P_SCTP, sctp(3868, ep.cport, ctag, init_ack), reply=True), reply=True)]


@case
def case_icmp_echo(ep):
    ident, data = ep.rng.getrandbits(16), ping_data(ep.rng)
    return [ep.frame(ep.ip(P_ICMP, icmp_echo(True, ident, 1, data))),
            ep.frame(ep.ip(P_ICMP, icmp_echo(False, ident, 1, data), reply=True), reply=True)]


def dns_a_query(ep, name, qtype=DNS_A):
    return dns_message(ep.rng.getrandbits(16), DNS_QUERY, [dns_question(name, qtype)])


@case
def case_icmp_unreachable(ep):
    query = ep.udp(53, dns_a_query(ep, 'Unreach.Example.COM'))
    err = icmp(3, 3, bytes(4), query)                          # port unreachable
    return [ep.frame(query),
            ep.frame(ep.ip(P_ICMP, err, reply=True, tos=0xC0), reply=True)]


@case
def case_icmp_time_exceeded(ep):
    query = ep.udp(53, dns_a_query(ep, 'Ttl.Example.COM'), ttl=1)
    router = '10.1.%d.1' % ep.num
    err = icmp(11, 0, bytes(4), query)
    return [ep.frame(query),
            ep.frame(ipv4(router, ep.c4, P_ICMP, err, ident=ep.rng.getrandbits(16), tos=0xC0),
                     reply=True)]


@case
def case_icmpv6_echo(ep):
    ident, data = ep.rng.getrandbits(16), ping_data(ep.rng)
    body = struct.pack('!HH', ident, 1) + data
    return [ep.frame(ep.ip(P_ICMPV6, icmpv6(ep.c6, ep.s6, 128, 0, body), v6=True)),
            ep.frame(ep.ip(P_ICMPV6, icmpv6(ep.s6, ep.c6, 129, 0, body), reply=True, v6=True),
                     reply=True)]


@case
def case_icmpv6_neighbor(ep):
    sn = solicited_node(ep.s6)
    ns = icmpv6(ep.c6, sn, 135, 0, bytes(4) + ip_bytes(ep.s6) + b'\x01\x01' + mac_bytes(ep.cmac))
    na = icmpv6(ep.s6, ep.c6, 136, 0, struct.pack('!I', 0x60000000) + ip_bytes(ep.s6)
                + b'\x02\x01' + mac_bytes(ep.smac))
    return [eth(ipv6_mcast_mac(sn), ep.cmac, ETH_IPV6, ipv6(ep.c6, sn, P_ICMPV6, ns, ttl=255)),
            eth(ep.cmac, ep.smac, ETH_IPV6, ipv6(ep.s6, ep.c6, P_ICMPV6, na, ttl=255))]


@case
def case_icmpv6_unreachable(ep):
    query = ep.udp(53, dns_a_query(ep, 'Unreach6.Example.NET', DNS_AAAA), v6=True)
    err = icmpv6(ep.s6, ep.c6, 1, 4, bytes(4) + query)
    return [ep.frame(query), ep.frame(ep.ip(P_ICMPV6, err, reply=True, v6=True), reply=True)]


# --- Tunnels -------------------------------------------------------------------

@case
def case_gre_ipv4(ep):
    inner = Endpoints(ep.num, 1, ep.rng)
    pkts = udp_pair(inner, 'gre')
    return [ep.frame(ep.ip(P_GRE, gre(ETH_IPV4, p), reply=r), r)
            for r, p in ((False, pkts[0]), (True, pkts[1]))]


@case
def case_gre_ipv6_key_seq(ep):
    inner = Endpoints(ep.num, 1, ep.rng)
    pkts = udp_pair(inner, 'gre6', v6=True)
    key = 0x10000 + ep.num
    return [ep.frame(ep.ip(P_GRE, gre(ETH_IPV6, p, key=key, seq=i + 1), reply=r), r)
            for i, (r, p) in enumerate(((False, pkts[0]), (True, pkts[1])))]


@case
def case_gre_teb_vlan(ep):
    inner = Endpoints(ep.num, 1, ep.rng)
    pkts = udp_pair(inner, 'gre-teb')
    return [ep.frame(ep.ip(P_GRE, gre(ETH_TEB, inner.frame(p, r, [(ETH_VLAN, 42)])), reply=r), r)
            for r, p in ((False, pkts[0]), (True, pkts[1]))]


def tunnel_sport(ep):
    return 49152 + (ep.num * 7919) % 16384


@case
def case_vxlan_http(ep):
    inner = Endpoints(ep.num, 1, ep.rng)
    req = http_request('GET', '/index.html', 'www.example.com')
    rsp = http_response(200, 'OK', b'<html><body>vxlan</body></html>\n')
    pkts = inner.tcp_exchange(80, req, rsp)
    return [ep.frame(ep.udp(4789, vxlan(5000 + ep.num, inner.frame(p, r)), reply=r,
                            sport=tunnel_sport(ep)), r)
            for r, p in ((False, pkts[0]), (True, pkts[1]))]


@case
def case_geneve(ep):
    inner = Endpoints(ep.num, 1, ep.rng)
    pkts = udp_pair(inner, 'geneve')
    opt = geneve_option(0x0100, 0x01, struct.pack('!I', 0xC0FFEE00 + ep.num))
    return [ep.frame(ep.udp(6081, geneve(6000 + ep.num, ETH_TEB, inner.frame(p, r), opt), reply=r,
                            sport=tunnel_sport(ep)), r)
            for r, p in ((False, pkts[0]), (True, pkts[1]))]


@case
def case_ipip(ep):
    pkts = tcp_pair(Endpoints(ep.num, 1, ep.rng), 'ipip')
    return [ep.frame(ep.ip(P_IPIP, p, reply=r), r) for r, p in ((False, pkts[0]), (True, pkts[1]))]


@case
def case_sixin4(ep):
    pkts = udp_pair(Endpoints(ep.num, 1, ep.rng), '6in4', v6=True)
    return [ep.frame(ep.ip(P_IPV6, p, reply=r), r) for r, p in ((False, pkts[0]), (True, pkts[1]))]


@case
def case_fourin6(ep):
    pkts = udp_pair(Endpoints(ep.num, 1, ep.rng), '4in6')
    return [ep.frame(ep.ip(P_IPIP, p, reply=r, v6=True), r)
            for r, p in ((False, pkts[0]), (True, pkts[1]))]


@case
def case_ip6ip6(ep):
    pkts = tcp_pair(Endpoints(ep.num, 1, ep.rng), '6in6', v6=True)
    return [ep.frame(ep.ip(P_IPV6, p, reply=r, v6=True), r)
            for r, p in ((False, pkts[0]), (True, pkts[1]))]


def gtpu_case(ep, pkts, with_ext):
    frames = []
    for r, p in ((False, pkts[0]), (True, pkts[1])):
        teid = (0x20000000 if r else 0x10000000) + ep.num
        ext = [(0x85, pdu_session_container(not r, 9))] if with_ext else ()
        frames.append(ep.frame(ep.udp(2152, gtpu(teid, p, ext), reply=r, sport=2152), r))
    return frames


@case
def case_gtpu_ipv4(ep):
    return gtpu_case(ep, udp_pair(Endpoints(ep.num, 1, ep.rng), 'gtpu'), False)


@case
def case_gtpu_ipv6(ep):
    return gtpu_case(ep, udp_pair(Endpoints(ep.num, 1, ep.rng), 'gtpu6', v6=True), False)


@case
def case_gtpu_ext_ipv4(ep):
    return gtpu_case(ep, tcp_pair(Endpoints(ep.num, 1, ep.rng), 'gtpu-ext'), True)


@case
def case_gtpu_ext_ipv6(ep):
    return gtpu_case(ep, udp_pair(Endpoints(ep.num, 1, ep.rng), 'gtpu-ext6', v6=True), True)


@case
def case_gre_vxlan(ep):
    middle, inner = Endpoints(ep.num, 1, ep.rng), Endpoints(ep.num, 2, ep.rng)
    pkts = udp_pair(inner, 'gre-vxlan')
    frames = []
    for r, p in ((False, pkts[0]), (True, pkts[1])):
        vx = middle.udp(4789, vxlan(7000 + ep.num, inner.frame(p, r)), reply=r,
                        sport=tunnel_sport(ep))
        frames.append(ep.frame(ep.ip(P_GRE, gre(ETH_IPV4, vx), reply=r), r))
    return frames


# --- Application -----------------------------------------------------------

def dns_case(ep, questions, answers, v6=False, additional=()):
    txid = ep.rng.getrandbits(16)
    q = dns_message(txid, DNS_QUERY, questions, additional=[dns_opt()])
    r = dns_message(txid, DNS_RESPONSE, questions, answers, additional=[dns_opt()])
    return [ep.frame(p, i == 1) for i, p in enumerate(ep.udp_exchange(53, q, r, v6))]


@case
def case_dns_a(ep):
    return dns_case(ep, [dns_question('WwW.Example.COM', DNS_A)],
                    [dns_rr(dns_pointer(12), DNS_A, ip_bytes('192.0.2.10'))])


@case
def case_dns_aaaa(ep):
    return dns_case(ep, [dns_question('Ipv6.Example.NET', DNS_AAAA)],
                    [dns_rr(dns_pointer(12), DNS_AAAA, ip_bytes('2001:db8:aaaa::1'))])


@case
def case_dns_https(ep):
    return dns_case(ep, [dns_question('Secure.Example.ORG', DNS_HTTPS)],
                    [dns_rr(dns_pointer(12), DNS_HTTPS, https_rdata(['h2', 'h3'], '192.0.2.44'))])


@case
def case_dns_two_questions(ep):
    q1 = dns_question('Mail.Example.NET', DNS_A)
    # second name: "WWW" + pointer to "Example.NET" inside the first question
    q2 = dns_question(dns_name('WWW')[:-1] + dns_pointer(12 + 5), DNS_A)
    txid = ep.rng.getrandbits(16)
    q = dns_message(txid, DNS_QUERY, [q1, q2])
    r = dns_message(txid, DNS_RESPONSE, [q1, q2],
                    [dns_rr(dns_pointer(12), DNS_A, ip_bytes('192.0.2.25')),
                     dns_rr(dns_pointer(12 + len(q1)), DNS_A, ip_bytes('192.0.2.80'))])
    return [ep.frame(p, i == 1) for i, p in enumerate(ep.udp_exchange(53, q, r))]


@case
def case_dns_tcp(ep):
    txid = ep.rng.getrandbits(16)
    question = dns_question('Tcp.Example.ORG', DNS_A)
    q = dns_message(txid, DNS_QUERY, [question])
    r = dns_message(txid, DNS_RESPONSE, [question],
                    [dns_rr(dns_pointer(12), DNS_A, ip_bytes('192.0.2.53'))])
    return [ep.frame(p, i == 1) for i, p in enumerate(ep.tcp_exchange(53, vec16(q), vec16(r)))]


@case
def case_mdns(ep):
    group = '224.0.0.251'
    q = dns_message(0, 0, [dns_question('Living-Room-TV.local', DNS_A, 0x8001)])  # QU bit
    r = dns_message(0, 0x8400, answers=[dns_rr('Living-Room-TV.local', DNS_A, ip_bytes(ep.s4),
                                               ttl=120, rclass=0x8001)])          # cache flush
    return [eth(ipv4_mcast_mac(group), ep.cmac, ETH_IPV4,
                ipv4(ep.c4, group, P_UDP, udp(ep.c4, group, 5353, 5353, q), ttl=255)),
            eth(ipv4_mcast_mac(group), ep.smac, ETH_IPV4,
                ipv4(ep.s4, group, P_UDP, udp(ep.s4, group, 5353, 5353, r), ttl=255))]


@case
def case_llmnr(ep):
    group, txid = '224.0.0.252', ep.rng.getrandbits(16)
    question = dns_question('FileServer01', DNS_A)
    q = dns_message(txid, 0, [question])
    r = dns_message(txid, 0x8000, [question], [dns_rr(dns_pointer(12), DNS_A, ip_bytes(ep.s4),
                                                      ttl=30)])
    return [eth(ipv4_mcast_mac(group), ep.cmac, ETH_IPV4,
                ipv4(ep.c4, group, P_UDP, udp(ep.c4, group, ep.cport, 5355, q), ttl=1)),
            ep.frame(ep.udp(5355, r, reply=True, ttl=255), reply=True)]


@case
def case_dns_ipv6(ep):
    return dns_case(ep, [dns_question('Dual.Example.COM', DNS_AAAA)],
                    [dns_rr(dns_pointer(12), DNS_AAAA, ip_bytes('2001:db8:d0a1::80'))], v6=True)


def tls_case(ep, port, client_hello, server_hello=None):
    return [ep.frame(p, i == 1) for i, p in enumerate(ep.tcp_exchange(port, client_hello,
                                                                      server_hello))]


@case
def case_tls13_sni_443(ep):
    return tls_case(ep, 443, tls_client_hello(ep.rng, 'Secure.Example.COM'),
                    tls_server_hello(ep.rng) + TLS_CCS + tls_app_data(ep.rng, 300))


@case
def case_tls12_sni_8443(ep):
    return tls_case(ep, 8443, tls_client_hello(ep.rng, 'api.example.net', tls13=False),
                    tls_server_hello(ep.rng, tls13=False))


@case
def case_tls_no_sni(ep):
    return tls_case(ep, 443, tls_client_hello(ep.rng, None), tls_server_hello(ep.rng))


def http_case(ep, port, request, response):
    return [ep.frame(p, i == 1) for i, p in enumerate(ep.tcp_exchange(port, request, response))]


HTML_BODY = b'<!doctype html><html><head><title>Example</title></head><body>ok</body></html>\n'


@case
def case_http_get(ep):
    return http_case(ep, 80, http_request('GET', '/index.html?q=1', 'www.example.com'),
                     http_response(200, 'OK', HTML_BODY))


@case
def case_http_post(ep):
    return http_case(ep, 80, http_request('POST', '/api/login', 'login.example.net',
                                          b'user=alice&password=secret'),
                     http_response(201, 'Created', b'{"ok":true}\n', 'application/json'))


@case
def case_http_head(ep):
    return http_case(ep, 80, http_request('HEAD', '/big.iso', 'download.example.org'),
                     http_response(200, 'OK', content_type='application/octet-stream',
                                   content_length=734003200))


@case
def case_http_host_port_8080(ep):
    return http_case(ep, 8080, http_request('GET', '/status', 'example.org:8080'),
                     http_response(200, 'OK', b'up\n', 'text/plain'))


@case
def case_http_lowercase_host(ep):
    return http_case(ep, 80, http_request('GET', '/', 'Lower.Example.COM', host_header='host'),
                     http_response(301, 'Moved Permanently',
                                   extra=['Location: https://lower.example.com/']))


@case
def case_ssdp_msearch(ep):
    group = '239.255.255.250'
    msearch = ('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\n'
               'MX: 2\r\nST: ssdp:all\r\nUSER-AGENT: Linux/6.1 UPnP/2.0 wirestat/1.0\r\n\r\n')
    reply = ('HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n'
             'LOCATION: http://%s:49152/description.xml\r\nSERVER: Linux/6.1 UPnP/2.0 '
             'MediaServer/1.0\r\nST: upnp:rootdevice\r\nUSN: uuid:00000000-0000-4000-8000-%012x'
             '::upnp:rootdevice\r\n\r\n' % (ep.s4, ep.num))
    return [eth(ipv4_mcast_mac(group), ep.cmac, ETH_IPV4,
                ipv4(ep.c4, group, P_UDP, udp(ep.c4, group, ep.cport, 1900, msearch.encode()),
                     ttl=2)),
            ep.frame(ep.udp(1900, reply.encode(), reply=True), reply=True)]


# --- Edge cases and malformed ----------------------------------------------------

@case
def case_eth_padding(ep):
    """Short IPv4/UDP packets; Ethernet padding (and a trailer) must be ignored."""
    a = ep.frame(ep.udp(DATA_PORT, b'pad'))
    b = ep.frame(ep.udp(DATA_PORT, b'', reply=True), reply=True)
    return [pad60(a), pad60(b) + b'\xde\xad\xbe\xef']


@case
def case_mal_ipv4_cut(ep):
    return [ep.frame(ep.udp(DATA_PORT, b'cut')[:12], ethertype=ETH_IPV4)]


@case
def case_mal_ipv4_ihl4(ep):
    src, dst = ep.addrs()
    pkt = ipv4(src, dst, P_UDP, ep.udp_seg(DATA_PORT, b'ihl4'), ihl=4)
    return [ep.frame(pkt)]


@case
def case_mal_ipv4_totlen_big(ep):
    return [ep.frame(ep.udp(DATA_PORT, b'total length 1000', total_length=1000))]


@case
def case_mal_ipv4_totlen_small(ep):
    return [ep.frame(ep.udp(DATA_PORT, b'total length 12', total_length=12))]


@case
def case_mal_tcp_doff3(ep):
    src, dst = ep.addrs()
    seg = tcp(src, dst, ep.cport, DATA_PORT, ep.rng.getrandbits(32), 0, 'PA', b'doff3',
              data_offset=3)
    return [ep.frame(ep.ip(P_TCP, seg))]


@case
def case_mal_udp_trunc(ep):
    return [ep.frame(ep.ip(P_UDP, ep.udp_seg(DATA_PORT, b'x')[:4]))]


@case
def case_mal_ipv6_ext_trunc(ep):
    hbh = ipv6_options_header(P_UDP, ipv6_option(5, b'\0\0'), b'')
    hbh = hbh[:1] + b'\x02' + hbh[2:]          # claims 24 bytes, only 8 present
    return [ep.frame(ipv6(ep.c6, ep.s6, P_HOPOPT, hbh))]


@case
def case_mal_vlan_trunc(ep):
    return [eth(ep.smac, ep.cmac, ETH_VLAN, b'\x00\x64')]


@case
def case_mal_runt(ep):
    return [eth(ep.smac, ep.cmac, ETH_IPV4, b'')[:10]]


@case
def case_mal_dns_ptr_loop(ep):
    # name at offset 12: label "a" then a pointer back to offset 12
    q = dns_message(ep.rng.getrandbits(16), DNS_QUERY,
                    [dns_question(b'\x01a' + dns_pointer(12), DNS_A)])
    return [ep.frame(ep.udp(53, q))]


@case
def case_mal_dns_label_overrun(ep):
    header = struct.pack('!HHHHHH', ep.rng.getrandbits(16), DNS_QUERY, 1, 0, 0, 0)
    q = header + b'\x3fTruncated'             # 63-byte label, 9 bytes present
    return [ep.frame(ep.udp(53, q))]


@case
def case_mal_tls_ch_overrun(ep):
    ch = tls_client_hello(ep.rng, 'Overrun.Example.COM')
    ch = ch[:3] + struct.pack('!H', 0x0800) + ch[5:6] + (0x07FC).to_bytes(3, 'big') + ch[9:]
    return [ep.frame(ep.tcp_exchange(443, ch[:120])[0])]


def coverage_frames(seed):
    """[(timestamp_us, frame, case_name)] for all coverage cases."""
    rng_time = random.Random('coverage-time:%d' % seed)
    out, ts = [], EPOCH_US
    for num, (name, builder) in enumerate(COVERAGE_CASES, 1):
        ep = Endpoints(num, 0, random.Random('coverage:%d:%s' % (seed, name)))
        ts += rng_time.randint(10000, 200000)
        for i, frame in enumerate(builder(ep)):
            if i:
                ts += rng_time.randint(30, 3000)
            out.append((ts, frame, name))
    return out


# ---------------------------------------------------------------------------
# NAMES PROFILE
#
# Names that one packet does not give, for the sites view (docs/report.md):
#   split_hello   TCP connections whose ClientHello (post-quantum key share,
#                 about 1.8 KB, SNI near the end) spans 2 or 3 segments; some
#                 resend their first segment; handshake, ServerHello, data, FIN
#   dns_answer    a DNS query and its response (a CNAME chain, then A or AAAA),
#                 then a TCP connection and a UDP exchange to the answered
#                 address that carry no name of their own
#   own_name      a connection to an answered address that sends its own SNI
#                 (a different name): its own name wins
#   http          HTTP GET with Host
# Client i is 10.9.i.10 / 2001:db8:9:i::10, server 203.0.113.i / 2001:db8:f9:i::1,
# resolver 198.51.100.53 / 2001:db8:53::53.
# ---------------------------------------------------------------------------

class NamesGenerator:
    def __init__(self, seed, rounds=24):
        self.rng = random.Random('names:%d' % seed)
        self.rounds = rounds
        self.ts = EPOCH_US
        self.out = []

    def emit(self, frames, gap=(200, 3000)):
        for f in frames:
            self.ts += self.rng.randint(*gap)
            self.out.append((self.ts, f))

    def endpoints(self, i, v6):
        c = '2001:db8:9:%x::10' % i if v6 else '10.9.%d.10' % i
        s = '2001:db8:f9:%x::1' % i if v6 else '203.0.113.%d' % i
        return c, s

    def tcp_conn(self, c, s, sport, dport, client_data, server_data, resend_first=False):
        """Handshake, the client's segments in order, the server's reply, FIN both ways."""
        v6 = ':' in c
        ip = ipv6 if v6 else ipv4
        mac_c, mac_s = '02:09:00:00:00:01', '02:09:00:00:00:02'
        et = ETH_IPV6 if v6 else ETH_IPV4

        def pkt(src, dst, sp, dp, seq, ack, flags, payload=b''):
            seg = tcp(src, dst, sp, dp, seq, ack, flags, payload)
            smac, dmac = (mac_c, mac_s) if src == c else (mac_s, mac_c)
            return eth(dmac, smac, et, ip(src, dst, P_TCP, seg))

        cs, ss = self.rng.getrandbits(32), self.rng.getrandbits(32)
        frames = [pkt(c, s, sport, dport, cs, 0, 'S'), pkt(s, c, dport, sport, ss, cs + 1, 'SA'),
                  pkt(c, s, sport, dport, cs + 1, ss + 1, 'A')]
        seq = cs + 1
        for i, seg in enumerate(client_data):
            frames.append(pkt(c, s, sport, dport, seq, ss + 1, 'PA', seg))
            if i == 0 and resend_first:
                frames.append(pkt(c, s, sport, dport, seq, ss + 1, 'PA', seg))
            seq += len(seg)
        frames.append(pkt(s, c, dport, sport, ss + 1, seq, 'PA', server_data))
        sack = ss + 1 + len(server_data)
        frames += [pkt(c, s, sport, dport, seq, sack, 'A'),
                   pkt(c, s, sport, dport, seq, sack, 'FA'),
                   pkt(s, c, dport, sport, sack, seq + 1, 'FA'),
                   pkt(c, s, sport, dport, seq + 1, sack + 1, 'A')]
        return frames

    def udp_pair(self, c, s, sport, dport, req, resp):
        v6 = ':' in c
        ip = ipv6 if v6 else ipv4
        et = ETH_IPV6 if v6 else ETH_IPV4
        a, b = '02:09:00:00:00:01', '02:09:00:00:00:02'
        return [eth(b, a, et, ip(c, s, P_UDP, udp(c, s, sport, dport, req))),
                eth(a, b, et, ip(s, c, P_UDP, udp(s, c, dport, sport, resp)))]

    def split(self, data, parts):
        cuts = sorted(self.rng.sample(range(200, len(data) - 100), parts - 1))
        return [data[i:j] for i, j in zip([0] + cuts, cuts + [len(data)])]

    def generate(self):
        rng = self.rng
        for i in range(1, self.rounds + 1):
            v6 = i % 4 == 0
            c, s = self.endpoints(i, v6)
            res = '2001:db8:53::53' if v6 else '198.51.100.53'
            # a split ClientHello: the SNI lies in the last segment
            hello = tls_client_hello(rng, 'split%d.example.com' % i, pq=True)
            parts = self.split(hello, 2 + i % 2)
            self.emit(self.tcp_conn(c, s, 41000 + i, 443, parts,
                                    tls_server_hello(rng) + tls_app_data(rng, 300),
                                    resend_first=i % 5 == 0))
            # a DNS answer names the next flows to its address
            name = 'www%d.example.org' % i
            cdn = 'edge%d.cdn.example.net' % i
            addr = '2001:db8:ca:%x::7' % i if v6 else '192.0.2.%d' % i
            qtype = 28 if v6 else 1
            rdata = ip_bytes(addr)
            query = dns_message(0x4000 + i, 0x0100, [dns_question(name, qtype)])
            resp = dns_message(0x4000 + i, 0x8180, [dns_question(name, qtype)],
                               [dns_rr(name, 5, dns_name(cdn)), dns_rr(cdn, qtype, rdata)])
            self.emit(self.udp_pair(c, res, 50000 + i, 53, query, resp))
            self.emit(self.tcp_conn(c, addr, 42000 + i, DATA_PORT, [rng.randbytes(300)],
                                    rng.randbytes(900)))
            self.emit(self.udp_pair(c, addr, 43000 + i, DATA_PORT + 1, rng.randbytes(80),
                                    rng.randbytes(120)))
            # a flow to an answered address with an SNI of its own
            if i % 3 == 0:
                own = tls_client_hello(rng, 'own%d.example.com' % i)
                self.emit(self.tcp_conn(c, addr, 44000 + i, 443, [own],
                                        tls_server_hello(rng)))
            if i % 4 == 1:
                req = http_request('GET', '/', 'web%d.example.com' % i)
                self.emit(self.tcp_conn(c, s, 45000 + i, 80, [req],
                                        http_response(200, 'OK', b'x' * 500)))
        return self.out


# ---------------------------------------------------------------------------
# MIX PROFILE
#
# --hosts clients (10.0.x.y / 2001:db8:100::/64, behind gateway 10.0.0.1 whose
# MAC is the peer of every frame) talk to 100 servers named below (203.0.113.x /
# 2001:db8:f0xx::1), resolver 198.51.100.53 / 2001:db8:53::53.  Each
# connection picks a client uniformly and a server by Zipf(--zipf) popularity,
# is IPv6 with probability --v6-ratio and 802.1Q VLAN 100 with probability
# --vlan-ratio, and is one of: HTTPS (TCP handshake, TLS ClientHello with SNI,
# ServerHello, data both ways, FIN close), HTTP GET with Host (same shape),
# QUIC-like UDP 443, NTP, ICMP ping.  A client's first connection starts with
# ARP for the gateway, and a DNS query/response for the server name precedes
# the first contact of a (client, name, family); each DNS lookup counts as
# one of the --flows flows (it has its own 5-tuple).  The packet budget
# beyond each flow's fixed packets is spread over the TLS/HTTP/QUIC flows with
# heavy-tailed (Pareto) weights, so the file has exactly --packets packets;
# if the fixed packets alone exceed --packets the time-ordered schedule is
# truncated.  Frames shorter than 60 bytes are padded (as seen on a wire tap).
# ---------------------------------------------------------------------------

SITE_NAMES = """
www.news.example.com cdn.videosite.example.net static.shop.example.org api.weather.example.com
mail.webmail.example.net www.search.example img.photos.example.org stream.music.test
login.accounts.example.com www.bank.example www.example.com www.example.net www.example.org
api.social.example.com media.social.example.com chat.messenger.example.net maps.geo.example.org
tiles.maps.example.org www.travel.test booking.hotels.example www.sports.example.com
live.scores.example.net docs.office.example.com drive.storage.example.net
upload.storage.example.net www.wiki.example.org en.wiki.example.org updates.os-vendor.example
download.os-vendor.example telemetry.os-vendor.example ads.adnetwork.test pixel.tracker.test
analytics.metrics.example.com fonts.webfonts.example.net cdn.jsdelivery.example.org
www.games.example play.gamestore.example www.recipes.example.com www.forum.example.net
git.code-hosting.example api.code-hosting.example registry.packages.example.org
www.university.test lms.university.test www.city-council.example www.shop.example.com
checkout.shop.example.com images.shop.example.com www.auction.example.net pay.payments.example
www.insurance.example.org portal.health.example www.radio.test podcasts.audio.example.net
video.streaming.example edge1.cdn.example.net edge2.cdn.example.net assets.cdn.example.org
www.blog.example.com blog.example.org www.photos.example vpn.corp.example intranet.corp.example
mail.corp.example sso.corp.example www.jobs.example.com www.realestate.example.net www.cars.test
www.weather.example radar.weather.example www.dictionary.example.org translate.lang.example
www.calendar.example.net push.notify.example.com time.timeservice.example ntp.timeservice.example
api.smarthome.example cloud.iot.example.net www.library.test catalog.library.test
www.museum.example tickets.events.example.com www.airline.example checkin.airline.example
www.telco.example.net selfcare.telco.example.net www.streaming-tv.example epg.streaming-tv.example
www.marketplace.example.org www.news-archive.example feeds.rss.example.com status.monitoring.example
api.payments.example www.security.example.com crl.pki.example.net ocsp.pki.example.net
www.stocks.example.com quotes.finance.example www.kids.example.org www.charity.example.org
""".split()

NTP_NAMES = ('time.timeservice.example', 'ntp.timeservice.example')
HTTP_PATHS = ('/', '/index.html', '/news/today', '/img/logo.png', '/static/app.js',
              '/api/v1/items?page=2', '/video/segment-0042.ts', '/favicon.ico')
FLOW_KINDS = (('tls', 62), ('http', 14), ('quic', 10), ('ntp', 5), ('ping', 9))
DATA_KINDS = ('tls', 'http', 'quic')
BASE_PACKETS = {'tls': 10, 'http': 8, 'quic': 4}
IMIX = (64,) * 7 + (576,) * 4 + (1500,)
GW_MAC = '02:00:00:00:00:01'
GW4, RESOLVER4, RESOLVER6 = '10.0.0.1', '198.51.100.53', '2001:db8:53::53'
VLAN_ID = 100


def http_body(rng, path, length):
    """(content type, body): text for pages and scripts, random bytes else."""
    if path.endswith(('.png', '.ico', '.ts')):
        return 'application/octet-stream', rng.randbytes(length)
    if path.endswith('.js'):
        ctype, line = 'application/javascript', 'console.log("wirestat demo %d");\n'
    else:
        ctype, line = 'text/html; charset=utf-8', '<p>Example paragraph number %d.</p>\n'
    text = ''.join(line % i for i in range(length // 20 + 1))
    return ctype, text.encode()[:length]


class Host:
    def __init__(self, name, mac, ip4, ip6, rtt_us=0):
        self.name, self.mac, self.ip4, self.ip6, self.rtt = name, mac, ip4, ip6, rtt_us


class Flow:
    """One conversation of the mix; emits (ts, frame) events into the generator.

    TCP state (ports, next sequence numbers) is kept here; the capture point
    is next to the clients, so server packets appear one RTT after the
    client packet that triggers them."""

    def __init__(self, gen, kind, client, server, v6, tagged, start, extra, arp_first, dns_first):
        self.gen, self.rng = gen, gen.rng
        self.kind, self.client, self.server = kind, client, server
        self.v6, self.tagged, self.start, self.extra = v6, tagged, start, extra
        self.arp_first, self.dns_first = arp_first, dns_first
        self.cip = client.ip6 if v6 else client.ip4
        self.sip = server.ip6 if v6 else server.ip4
        self.rtt = server.rtt + self.rng.randint(0, 2000)
        self.rate_bps = self.rng.choice((5, 20, 50, 100, 300)) * 1000000
        self.count = 0

    # -- framing ----------------------------------------------------------
    def emit(self, ts, from_client, l3, ethertype=None):
        if ethertype is None:
            ethertype = ETH_IPV6 if self.v6 else ETH_IPV4
        dst, src = (GW_MAC, self.client.mac) if from_client else (self.client.mac, GW_MAC)
        if from_client and ethertype == ETH_ARP:
            dst = BROADCAST
        if self.tagged:
            l3, ethertype = vlan(VLAN_ID, ethertype, l3), ETH_VLAN
        self.gen.add(ts, pad60(eth(dst, src, ethertype, l3)))
        self.count += 1

    def ip(self, peer, proto, l4, from_client):
        src, dst = (self.cip, peer) if from_client else (peer, self.cip)
        if self.v6:
            return ipv6(src, dst, proto, l4, ttl=64 if from_client else 52)
        self.gen.ident += 1
        return ipv4(src, dst, proto, l4, ttl=64 if from_client else 51, ident=self.gen.ident,
                    df=True)

    def udp(self, ts, from_client, peer, cport, pport, payload):
        src, dst = (self.cip, peer) if from_client else (peer, self.cip)
        sp, dp = (cport, pport) if from_client else (pport, cport)
        seg = udp(src, dst, sp, dp, payload)
        self.emit(ts, from_client, self.ip(peer, P_UDP, seg, from_client))

    def tcp(self, ts, from_client, flags, payload=b'', options=b''):
        if from_client:
            src, dst, sp, dp = self.cip, self.sip, self.cport, self.dport
            seq, ack = self.cseq, self.sseq
            self.cseq += len(payload) + ('S' in flags) + ('F' in flags)
        else:
            src, dst, sp, dp = self.sip, self.cip, self.dport, self.cport
            seq, ack = self.sseq, self.cseq
            self.sseq += len(payload) + ('S' in flags) + ('F' in flags)
        window = 64240 if 'S' in flags else 502
        seg = tcp(src, dst, sp, dp, seq, ack if 'A' in flags else 0, flags, payload, options,
                  window)
        self.emit(ts, from_client, self.ip(self.sip, P_TCP, seg, from_client))

    # -- sizes --------------------------------------------------------------
    def overhead(self, l4_header):
        return 14 + (4 if self.tagged else 0) + (40 if self.v6 else 20) + l4_header

    def payload_len(self, l4_header, minimum):
        return max(minimum, self.gen.frame_size() - self.overhead(l4_header))

    def gap(self, nbytes):
        """Serialisation time at the flow's rate plus jitter (us)."""
        return nbytes * 8 * 1000000 // self.rate_bps + self.rng.randint(5, 150)

    # -- building blocks ------------------------------------------------------
    def do_arp(self, ts):
        c = self.client
        self.emit(ts, True, arp(1, c.mac, c.ip4, '00:00:00:00:00:00', GW4), ETH_ARP)
        self.emit(ts + self.rng.randint(100, 900), False, arp(2, GW_MAC, GW4, c.mac, c.ip4),
                  ETH_ARP)
        return ts + 1000

    def do_dns(self, ts):
        resolver = RESOLVER6 if self.v6 else RESOLVER4
        qtype = DNS_AAAA if self.v6 else DNS_A
        name = self.server.name
        txid, port = self.rng.getrandbits(16), self.gen.ephemeral_port(self.cip, resolver, 17, 53)
        question = dns_question(name, qtype)
        answers = []
        owner = dns_pointer(12)
        if self.gen.cnames.get(name):
            cname = self.gen.cnames[name]
            answers.append(dns_rr(owner, DNS_CNAME, dns_name(cname), ttl=300))
            owner = dns_pointer(12 + len(question) + 12)   # the CNAME's rdata
        ttl = self.rng.choice((60, 300, 3600))
        answers.append(dns_rr(owner, qtype, ip_bytes(self.sip), ttl=ttl))
        q = dns_message(txid, DNS_QUERY, [question], additional=[dns_opt()])
        r = dns_message(txid, DNS_RESPONSE, [question], answers, additional=[dns_opt()])
        self.udp(ts, True, resolver, port, 53, q)
        ts += self.rng.randint(800, 30000)
        self.udp(ts, False, resolver, port, 53, r)
        return ts + self.rng.randint(50, 500)

    def handshake(self, ts):
        self.cseq, self.sseq = self.rng.getrandbits(32), self.rng.getrandbits(32)
        mss = self.gen.max_frame - self.overhead(20)
        opts = tcp_opt_mss(mss) + TCP_NOP + tcp_opt_wscale(8) + TCP_NOP * 2 + tcp_opt_sack_perm()
        self.tcp(ts, True, 'S', options=opts)
        ts += self.rtt
        self.tcp(ts, False, 'SA', options=tcp_opt_mss(mss) + TCP_NOP * 2 + tcp_opt_sack_perm()
                 + TCP_NOP + tcp_opt_wscale(7))
        ts += self.rng.randint(20, 200)
        self.tcp(ts, True, 'A')
        return ts + self.rng.randint(20, 300)

    def close(self, ts):
        self.tcp(ts, True, 'FA')
        ts += self.rtt
        self.tcp(ts, False, 'FA')
        self.tcp(ts + self.rng.randint(20, 200), True, 'A')

    def bulk_plan(self, n, minimum):
        """n packets: data payload lengths, with None for an ACK after
        every second data segment."""
        plan, unacked = [], 0
        for _ in range(n):
            if unacked == 2:
                plan.append(None)
                unacked = 0
            else:
                plan.append(self.payload_len(20, minimum))
                unacked += 1
        return plan

    def bulk_tcp(self, ts, plan, upload, make_payload):
        """Emit a bulk plan; returns the time after the last packet."""
        last = ts
        for item in plan:
            if item is None:
                if upload:
                    ack_ts = ts + self.rtt
                else:
                    ack_ts = ts + self.rng.randint(20, 120)
                self.tcp(ack_ts, not upload, 'A')
                last = max(last, ack_ts)
            else:
                ts += self.gap(item + 54)
                self.tcp(ts, upload, 'PA' if self.rng.random() < 0.3 else 'A', make_payload(item))
                last = max(last, ts)
        return last + self.rng.randint(1000, 50000)

    # -- flow kinds -------------------------------------------------------------
    def build(self):
        ts = self.start
        if self.arp_first:
            ts = self.do_arp(ts)
        if self.dns_first:
            ts = self.do_dns(ts)
        getattr(self, 'build_' + self.kind)(ts)
        return self.count

    def open_tcp(self, ts, dport):
        self.dport = dport
        self.cport = self.gen.ephemeral_port(self.cip, self.sip, 6, dport)
        return self.handshake(ts)

    def build_tls(self, ts):
        rng = self.rng
        ts = self.open_tcp(ts, 443)
        self.tcp(ts, True, 'PA', tls_client_hello(rng, self.server.name, alpn=('h2', 'http/1.1')))
        ts += self.rtt
        self.tcp(ts, False, 'PA', tls_server_hello(rng) + TLS_CCS
                 + tls_app_data(rng, rng.randint(600, 1200)))
        ts += rng.randint(200, 3000)
        self.tcp(ts, True, 'PA', TLS_CCS + tls_app_data(rng, 53)
                 + tls_app_data(rng, rng.randint(80, 600)))
        ts += self.rtt
        self.tcp(ts, False, 'PA', tls_app_data(rng, rng.randint(100, 1000)))
        upload = rng.random() < 0.15
        plan = self.bulk_plan(self.extra, 6)
        ts = self.bulk_tcp(ts, plan, upload, lambda n: tls_app_data(rng, n - 5))
        self.close(ts)

    def build_http(self, ts):
        rng = self.rng
        ts = self.open_tcp(ts, 80)
        path = rng.choice(HTTP_PATHS)
        self.tcp(ts, True, 'PA', http_request('GET', path, self.server.name,
                                              extra=['Accept-Encoding: gzip, deflate',
                                                     'Connection: keep-alive']))
        ts += self.rtt
        plan = self.bulk_plan(self.extra, 1)
        first = rng.randint(200, 1000)
        ctype, body = http_body(rng, path, first + sum(n for n in plan if n))
        self.tcp(ts, False, 'PA', http_response(200, 'OK', body[:first], ctype, len(body)))
        pos = [first]

        def chunk(n):
            pos[0] += n
            return body[pos[0] - n:pos[0]]
        ts = self.bulk_tcp(ts, plan, False, chunk)
        self.close(ts)

    def build_quic(self, ts):
        rng = self.rng
        port = self.gen.ephemeral_port(self.cip, self.sip, 17, 443)
        ccid, scid = rng.randbytes(8), rng.randbytes(8)
        self.udp(ts, True, self.sip, port, 443, quic_long_header(rng, ccid, scid, 1200))
        ts += self.rtt
        self.udp(ts, False, self.sip, port, 443, quic_long_header(rng, scid, ccid, 1200))
        ts += rng.randint(200, 2000)
        self.udp(ts, True, self.sip, port, 443, quic_short_header(rng, ccid, 80))
        ts += self.rtt
        self.udp(ts, False, self.sip, port, 443, quic_short_header(rng, scid, 300))
        upload = rng.random() < 0.1
        unacked = 0
        for _ in range(self.extra):
            if unacked == 3:
                self.udp(ts + rng.randint(20, 200), not upload, self.sip, port, 443,
                         quic_short_header(rng, ccid if upload else scid, 40))
                unacked = 0
            else:
                n = self.payload_len(8, 30)
                ts += self.gap(n + 42)
                self.udp(ts, upload, self.sip, port, 443,
                         quic_short_header(rng, ccid if upload else scid, n))
                unacked += 1

    def build_ntp(self, ts):
        port = self.gen.ephemeral_port(self.cip, self.sip, 17, 123)
        for _ in range(self.extra):
            req = ntp_packet(3, ts)
            self.udp(ts, True, self.sip, port, 123, req)
            self.udp(ts + self.rtt, False, self.sip, port, 123,
                     ntp_packet(4, ts + self.rtt, struct.unpack('!Q', req[40:48])[0]))
            ts += 2000000 + self.rng.randint(0, 5000)

    def build_ping(self, ts):
        ident = self.gen.ephemeral_port(self.cip, self.sip, 1, 0)
        for seq in range(1, self.extra + 1):
            data = ping_data(self.rng)
            if self.v6:
                req = icmpv6(self.cip, self.sip, 128, 0, struct.pack('!HH', ident, seq) + data)
                rsp = icmpv6(self.sip, self.cip, 129, 0, struct.pack('!HH', ident, seq) + data)
                proto = P_ICMPV6
            else:
                req, rsp = icmp_echo(True, ident, seq, data), icmp_echo(False, ident, seq, data)
                proto = P_ICMP
            self.emit(ts, True, self.ip(self.sip, proto, req, True))
            self.emit(ts + self.rtt, False, self.ip(self.sip, proto, rsp, False))
            ts += 1000000 + self.rng.randint(0, 300)


class MixGenerator:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random('mix:%d' % args.seed)
        self.events = []
        self.used_ports = set()
        self.ident = self.rng.getrandbits(16)
        if args.size == 'imix':
            self.sizes, self.max_frame = IMIX, 1514
        else:
            self.sizes, self.max_frame = (int(args.size),), max(1514, int(args.size))
        self.clients = [Host('client%d' % i, '02:00:0a:00:%02x:%02x' % (i >> 8, i & 255),
                             '10.0.%d.%d' % (1 + i // 250, 2 + i % 250),
                             '2001:db8:100::%x' % (0x100 + i))
                        for i in range(args.hosts)]
        self.servers = [Host(name, GW_MAC, '203.0.113.%d' % (k + 1), '2001:db8:f0%02x::1' % k,
                             self.rng.randint(3000, 90000))
                        for k, name in enumerate(SITE_NAMES)]
        self.cnames = {s.name: s.name.split('.', 1)[0] + '-edge.cdn.example.net'
                       for s in self.servers if self.rng.random() < 0.3}
        popular = [s for s in self.servers if s.name not in NTP_NAMES]
        self.rng.shuffle(popular)                                  # rank order
        weights = [1.0 / (rank ** args.zipf) for rank in range(1, len(popular) + 1)]
        self.popular, self.cum_weights = popular, list(itertools.accumulate(weights))
        self.ntp_servers = [s for s in self.servers if s.name in NTP_NAMES]

    def frame_size(self):
        return self.rng.choice(self.sizes)

    def ephemeral_port(self, cip, sip, proto, dport):
        while True:
            port = self.rng.randint(49152, 65535)
            key = (cip, sip, proto, dport, port)
            if key not in self.used_ports:
                self.used_ports.add(key)
                return port

    def add(self, ts, frame):
        self.events.append((ts, len(self.events), frame))

    def plan_flows(self):
        args, rng = self.args, self.rng
        kinds, kind_weights = zip(*FLOW_KINDS)
        seen_clients, resolved = set(), set()
        flows, ts = [], EPOCH_US
        slots = args.flows               # a DNS lookup counts as a flow of its own
        while slots > 0:
            ts += int(rng.expovariate(1 / 15000.0)) + 1
            kind = rng.choices(kinds, kind_weights)[0]
            client = self.clients[rng.randrange(len(self.clients))]
            if kind == 'ntp':
                server = rng.choice(self.ntp_servers)
            else:
                server = rng.choices(self.popular, cum_weights=self.cum_weights)[0]
            v6 = rng.random() < args.v6_ratio
            tagged = rng.random() < args.vlan_ratio
            arp_first = client.name not in seen_clients
            seen_clients.add(client.name)
            dns_first = slots >= 2 and (client.name, server.name, v6) not in resolved
            if dns_first:
                resolved.add((client.name, server.name, v6))
            slots -= 1 + dns_first
            extra = {'ntp': rng.randint(1, 3), 'ping': rng.randint(1, 4)}.get(kind, 0)
            flows.append([kind, client, server, v6, tagged, ts, extra, arp_first, dns_first])
        self.allocate(flows)
        return flows

    def fixed_packets(self, f):
        kind, extra, arp_first, dns_first = f[0], f[6], f[7], f[8]
        base = BASE_PACKETS.get(kind, 2 * extra)
        return base + 2 * arp_first + 2 * dns_first

    def allocate(self, flows):
        """Spread the remaining packet budget over data flows (Pareto weights,
        largest-remainder rounding) so the total is exactly --packets."""
        rng = self.rng
        remaining = self.args.packets - sum(self.fixed_packets(f) for f in flows)
        if remaining <= 0:
            return
        data = [f for f in flows if f[0] in DATA_KINDS]
        if not data:
            flows[0][0], flows[0][6] = 'tls', 0
            return self.allocate(flows)
        weights = [min(rng.paretovariate(1.2), 1000.0) for _ in data]
        total = sum(weights)
        shares = [remaining * w / total for w in weights]
        alloc = [int(s) for s in shares]
        order = sorted(range(len(data)), key=lambda i: (alloc[i] - shares[i], i))
        for i in order[:remaining - sum(alloc)]:
            alloc[i] += 1
        for f, n in zip(data, alloc):
            f[6] = n

    def generate(self):
        for f in self.plan_flows():
            Flow(self, *f).build()
        assert len(self.events) >= self.args.packets, 'packet budget not filled'
        self.events.sort(key=lambda e: (e[0], e[1]))
        return [(ts, frame) for ts, _, frame in self.events[:self.args.packets]]


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(description='Generate reproducible test captures (pcap).')
    p.add_argument('--profile', choices=('coverage', 'mix', 'names'), required=True)
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--packets', type=int, default=20000, help='mix: total packets')
    p.add_argument('--flows', type=int, default=2000, help='mix: number of flows')
    p.add_argument('--hosts', type=int, default=300, help='mix: number of clients')
    p.add_argument('--zipf', type=float, default=1.1, help='mix: server popularity exponent')
    p.add_argument('--size', default='imix', help="mix: data frame size: 'imix' or bytes")
    p.add_argument('--v6-ratio', type=float, default=0.2, help='mix: share of IPv6 flows')
    p.add_argument('--vlan-ratio', type=float, default=0.1, help='mix: share of VLAN 100 flows')
    p.add_argument('--list-cases', action='store_true',
                   help='coverage: print "first-last name" frame numbers per case to stdout')
    p.add_argument('-o', '--output', help='output pcap file')
    args = p.parse_args(argv)
    if not args.output and not args.list_cases:
        p.error('-o/--output is required')
    if args.size != 'imix' and not (args.size.isdigit() and 60 <= int(args.size) <= 9018):
        p.error("--size must be 'imix' or a frame size in bytes (60-9018)")
    if args.packets < 0 or args.flows < 1 or args.hosts < 1 or args.hosts > 60000:
        p.error('need --packets >= 0, --flows >= 1, 1 <= --hosts <= 60000')
    if not (0 <= args.v6_ratio <= 1 and 0 <= args.vlan_ratio <= 1 and args.zipf >= 0):
        p.error('ratios must be within [0, 1] and --zipf >= 0')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    if args.profile == 'coverage':
        entries = coverage_frames(args.seed)
        packets = [(ts, frame) for ts, frame, _ in entries]
        if args.list_cases:
            first = {}
            for n, (_, _, name) in enumerate(entries, 1):
                first.setdefault(name, [n, n])[1] = n
            for name, (a, b) in first.items():
                print('%d-%d %s' % (a, b, name) if a != b else '%d %s' % (a, name))
    elif args.profile == 'names':
        packets = NamesGenerator(args.seed).generate()
    else:
        packets = MixGenerator(args).generate()
    if args.output:
        with open(args.output, 'wb') as f:
            writer = PcapWriter(f)
            for ts, frame in packets:
                writer.write(ts, frame)
        print('gen-pcap: %s seed %d: wrote %d packets to %s (%.2fs)'
              % (args.profile, args.seed, writer.count, args.output,
                 time.monotonic() - started), file=sys.stderr)


if __name__ == '__main__':
    main()
