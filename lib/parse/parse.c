/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2-L4 dissector and tunnels. Every function gets the frame, an offset and
 * the end of the enclosing datagram; nothing is read at or past that end.
 */
#include <errno.h>
#include <string.h>

#include "ws_parse.h"
#include "parse_internal.h"
#include "wire.h"

#define likely(x) __builtin_expect(!!(x), 1)

/* Record the first problem met; decoding may go on (lengths clamped). */
static inline int
note(struct ws_pkt *p, int rc)
{
	if (p->rc == WS_PARSE_OK)
		p->rc = rc;
	return rc;
}

static int parse_ethertype(const uint8_t *d, uint32_t off, uint32_t end, uint16_t type,
			   struct ws_pkt *p);
static int parse_eth(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p, int tunneled);
static int parse_ip(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p, int v6);

/* The IP header being filled: the first one is outer, any later one inner. */
static inline struct ws_ip *
next_ip(struct ws_pkt *p)
{
	return p->outer.version == 0 && p->n_tunnels == 0 ? &p->outer : &p->inner;
}

static int
enter_tunnel(struct ws_pkt *p, enum ws_tunnel t)
{
	if (p->n_tunnels >= WS_MAX_TUNNELS)
		return note(p, WS_PARSE_TOO_MANY_TUNNELS);
	p->n_tunnels++;
	p->tunnel = t;
	/* The inner IP is a fresh header: forget a previous tunnel's. */
	memset(&p->inner, 0, sizeof(p->inner));
	return 0;
}

/* A tunnel payload whose type is told by its first nibble (MPLS, GTP-U). */
static int
parse_ip_by_nibble(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p)
{
	if (off >= end)
		return 0;
	switch (d[off] >> 4) {
	case 4:
		return parse_ethertype(d, off, end, ETH_P_IPV4, p);
	case 6:
		return parse_ethertype(d, off, end, ETH_P_IPV6, p);
	default:
		if (p->l3 == WS_L3_NONE)
			p->l3 = WS_L3_OTHER;
		return 0;
	}
}

/* RFC 3032 label stack; the payload is guessed from its version nibble, as tshark does. */
static int
parse_mpls(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p)
{
	unsigned int n;
	uint32_t lse;

	for (n = 0;; n++) {
		if (n == WS_MAX_MPLS)
			return note(p, WS_PARSE_TOO_MANY_MPLS);
		if (end - off < 4)
			return note(p, WS_PARSE_TRUNC_MPLS);
		lse = get_be32(d + off);
		off += 4;
		if (p->n_tunnels == 0 && p->l3 == WS_L3_NONE) {
			if (p->n_mpls == 0)
				p->mpls_top = lse >> 12;
			p->n_mpls++;
		}
		if (lse & 0x100)
			break;
	}
	return parse_ip_by_nibble(d, off, end, p);
}

/* RFC 2516 session stage: 6-byte PPPoE header, then the PPP protocol. */
static int
parse_pppoe(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p)
{
	uint16_t proto;

	if (end - off < 8)
		return note(p, WS_PARSE_TRUNC_PPPOE);
	if (d[off] != 0x11)
		return note(p, WS_PARSE_BAD_PPPOE);
	p->pppoe = 1;
	proto = get_be16(d + off + 6);
	off += 8;
	if (proto == 0x0021)
		return parse_ethertype(d, off, end, ETH_P_IPV4, p);
	if (proto == 0x0057)
		return parse_ethertype(d, off, end, ETH_P_IPV6, p);
	if (p->l3 == WS_L3_NONE)
		p->l3 = WS_L3_OTHER;
	return 0;
}

static int
parse_ethertype(const uint8_t *d, uint32_t off, uint32_t end, uint16_t type, struct ws_pkt *p)
{
	int outer = p->n_tunnels == 0 && p->l3 == WS_L3_NONE;

	switch (type) {
	case ETH_P_IPV4:
	case ETH_P_IPV6:
		if (outer) {
			p->l3 = type == ETH_P_IPV4 ? WS_L3_IPV4 : WS_L3_IPV6;
			p->ethertype = type;
		}
		return parse_ip(d, off, end, p, type == ETH_P_IPV6);
	case ETH_P_ARP:
		if (outer) {
			p->l3 = WS_L3_ARP;
			p->ethertype = type;
		}
		/* Fixed part: hardware/protocol types and lengths, opcode. */
		return end - off < 8 ? note(p, WS_PARSE_TRUNC_L3) : 0;
	case ETH_P_MPLS_UC:
	case ETH_P_MPLS_MC:
		return parse_mpls(d, off, end, p);
	case ETH_P_PPPOE_SESS:
		return parse_pppoe(d, off, end, p);
	default:
		if (outer) {
			p->l3 = WS_L3_OTHER;
			p->ethertype = type;
		}
		return 0;
	}
}

static inline int
is_vlan_tpid(uint16_t type)
{
	return type == ETH_P_VLAN || type == ETH_P_QINQ || type == ETH_P_QINQ_OLD;
}

/* Ethernet II or 802.3, then up to WS_MAX_VLANS 802.1Q/802.1ad tags. */
static int
parse_eth(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p, int tunneled)
{
	unsigned int tags = 0;
	uint16_t type;

	if (end - off < 14)
		return note(p, WS_PARSE_TRUNC_L2);
	type = get_be16(d + off + 12);
	off += 14;
	if (type < 0x0600) {
		/* Length field: IEEE 802.3 with LLC, classified only. */
		if (!tunneled) {
			p->l2 = WS_L2_LLC;
			p->l3 = WS_L3_OTHER;
		}
		return 0;
	}
	while (is_vlan_tpid(type)) {
		if (tags == WS_VLAN_WALK_MAX)
			return note(p, WS_PARSE_TOO_MANY_VLANS);
		if (end - off < 2)
			return note(p, WS_PARSE_TRUNC_VLAN);
		if (!tunneled && p->n_vlans < WS_MAX_VLANS)
			p->vlan[p->n_vlans++] = get_be16(d + off) & 0x0fff;
		if (end - off < 4)
			return note(p, WS_PARSE_TRUNC_VLAN); /* id kept: tag cut after it */
		if (tags == WS_MAX_VLANS)
			note(p, WS_PARSE_TOO_MANY_VLANS); /* more are skipped, not kept */
		tags++;
		type = get_be16(d + off + 2);
		off += 4;
	}
	return parse_ethertype(d, off, end, type, p);
}

/* RFC 2784/2890 (version 0) and RFC 2637 enhanced GRE (version 1, PPTP). */
static int
parse_gre(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p)
{
	uint16_t flags, type;
	uint32_t hlen = 4;

	if (end - off < 4)
		return note(p, WS_PARSE_TRUNC_TUNNEL);
	flags = get_be16(d + off);
	type = get_be16(d + off + 2);
	switch (flags & 0x7) {
	case 0:
		if (flags & 0x4000)
			return 0; /* source routing (RFC 1701): not followed */
		hlen += (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) +
			(flags & 0x1000 ? 4 : 0);
		break;
	case 1:
		hlen += 4 + (flags & 0x1000 ? 4 : 0) + (flags & 0x0080 ? 4 : 0);
		break;
	default:
		return 0;
	}
	if (end - off < hlen)
		return note(p, WS_PARSE_TRUNC_TUNNEL);
	off += hlen;
	switch (type) {
	case ETH_P_IPV4:
	case ETH_P_IPV6:
	case ETH_P_MPLS_UC:
		break;
	case ETH_P_TEB:
		if (enter_tunnel(p, WS_TUN_GRE))
			return p->rc;
		return parse_eth(d, off, end, p, 1);
	case ETH_P_PPP:
		/* PPTP: optional address/control bytes 0xff 0x03, then the protocol. */
		if (end - off >= 2 && d[off] == 0xff && d[off + 1] == 0x03)
			off += 2;
		if (end - off < 2)
			return note(p, WS_PARSE_TRUNC_TUNNEL);
		type = get_be16(d + off);
		off += 2;
		if (type == 0x0021)
			type = ETH_P_IPV4;
		else if (type == 0x0057)
			type = ETH_P_IPV6;
		else
			return 0;
		break;
	default:
		return 0;
	}
	if (enter_tunnel(p, WS_TUN_GRE))
		return p->rc;
	return parse_ethertype(d, off, end, type, p);
}

/* RFC 7348 VXLAN: 8-byte header, then Ethernet. */
static int
parse_vxlan(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p)
{
	if (end - off < 8)
		return note(p, WS_PARSE_TRUNC_TUNNEL);
	if (enter_tunnel(p, WS_TUN_VXLAN))
		return p->rc;
	return parse_eth(d, off + 8, end, p, 1);
}

/* RFC 8926 GENEVE: 8 bytes plus options, protocol type as an ethertype. */
static int
parse_geneve(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p)
{
	uint32_t hlen;
	uint16_t type;

	if (end - off < 8)
		return note(p, WS_PARSE_TRUNC_TUNNEL);
	if (d[off] >> 6 != 0)
		return 0; /* unknown version */
	hlen = 8 + (d[off] & 0x3f) * 4;
	type = get_be16(d + off + 2);
	if (end - off < hlen)
		return note(p, WS_PARSE_TRUNC_TUNNEL);
	if (type != ETH_P_TEB && type != ETH_P_IPV4 && type != ETH_P_IPV6)
		return 0;
	if (enter_tunnel(p, WS_TUN_GENEVE))
		return p->rc;
	if (type == ETH_P_TEB)
		return parse_eth(d, off + hlen, end, p, 1);
	return parse_ethertype(d, off + hlen, end, type, p);
}

/* 3GPP TS 29.281 GTP-U: only G-PDUs (type 255) carry user IP packets. */
static int
parse_gtpu(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p)
{
	uint32_t hlen = 8, elen;
	uint8_t flags, next;

	if (end - off < 8)
		return note(p, WS_PARSE_TRUNC_TUNNEL);
	flags = d[off];
	if ((flags & 0xf0) != 0x30 || d[off + 1] != 255)
		return 0; /* not version 1 GTP, or signalling */
	if (flags & 0x07) {
		/* Sequence number, N-PDU number and next extension type follow. */
		if (end - off < 12)
			return note(p, WS_PARSE_TRUNC_TUNNEL);
		hlen = 12;
		next = flags & 0x04 ? d[off + 11] : 0;
		while (next != 0) {
			/* Each extension: length in 4-byte units, next type last. */
			if (end - off < hlen + 1 || d[off + hlen] == 0)
				return note(p, WS_PARSE_TRUNC_TUNNEL);
			elen = d[off + hlen] * 4u;
			if (end - off < hlen + elen)
				return note(p, WS_PARSE_TRUNC_TUNNEL);
			next = d[off + hlen + elen - 1];
			hlen += elen;
		}
	}
	if (enter_tunnel(p, WS_TUN_GTPU))
		return p->rc;
	return parse_ip_by_nibble(d, off + hlen, end, p);
}

static int
parse_udp(const uint8_t *d, uint32_t off, uint32_t end, struct ws_ip *ip, struct ws_pkt *p)
{
	uint16_t ulen;

	if (end - off < 8)
		return note(p, WS_PARSE_TRUNC_L4);
	ulen = get_be16(d + off + 4);
	if (ulen < 8)
		return note(p, WS_PARSE_BAD_UDP_LEN);
	if (ulen < end - off)
		ip->end = end = off + ulen; /* trailing bytes are not UDP payload */
	ip->payload_off = off + 8;
	off += 8;
	if (ip->frag & WS_FRAG_MORE)
		return 0; /* a first fragment: the payload is incomplete */
	/* Either direction: replies come from the tunnel port. */
	if (ip->dport == PORT_VXLAN || ip->sport == PORT_VXLAN)
		return parse_vxlan(d, off, end, p);
	if (ip->dport == PORT_GENEVE || ip->sport == PORT_GENEVE)
		return parse_geneve(d, off, end, p);
	if (ip->dport == PORT_GTPU || ip->sport == PORT_GTPU)
		return parse_gtpu(d, off, end, p);
	return 0;
}

static int
parse_tcp(const uint8_t *d, uint32_t off, uint32_t end, struct ws_ip *ip, struct ws_pkt *p)
{
	uint32_t doff;

	if (end - off < 20)
		return note(p, WS_PARSE_TRUNC_L4);
	ip->tcp_flags = d[off + 13];
	doff = (d[off + 12] >> 4) * 4u;
	if (doff < 20 || doff > end - off) {
		ip->payload_off = end;
		return note(p, WS_PARSE_BAD_TCP_HDRLEN);
	}
	ip->payload_off = off + doff;
	return 0;
}

/* L4 header after an IP header; tunnels recurse back into parse_ip(). */
static int
parse_l4(const uint8_t *d, uint32_t off, uint32_t end, struct ws_ip *ip, struct ws_pkt *p)
{
	uint16_t type;

	ip->l4_off = off;
	ip->payload_off = off;
	switch (ip->proto) {
	case IPPROTO_TCP_:
	case IPPROTO_UDP_:
	case IPPROTO_SCTP_:
		/* Ports come first: keep them even if the rest is cut short. */
		if (end - off < 4)
			return note(p, WS_PARSE_TRUNC_L4);
		ip->has_l4 = 1;
		ip->sport = get_be16(d + off);
		ip->dport = get_be16(d + off + 2);
		if (ip->proto == IPPROTO_TCP_)
			return parse_tcp(d, off, end, ip, p);
		if (ip->proto == IPPROTO_UDP_)
			return parse_udp(d, off, end, ip, p);
		if (end - off < 12)
			return note(p, WS_PARSE_TRUNC_L4);
		ip->payload_off = off + 12;
		return 0;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		/* An error's quoted header is payload, never decoded as ours. */
		if (end - off < 4)
			return note(p, WS_PARSE_TRUNC_L4);
		ip->has_l4 = 1;
		ip->icmp_type = d[off];
		ip->icmp_code = d[off + 1];
		ip->payload_off = end - off < 8 ? end : off + 8;
		return 0;
	case IPPROTO_IPIP_:
	case IPPROTO_IPV6_:
		type = ip->proto == IPPROTO_IPIP_ ? ETH_P_IPV4 : ETH_P_IPV6;
		/* From here ip may be the inner header that the tunnel resets. */
		if (enter_tunnel(p, WS_TUN_IPIP))
			return p->rc;
		return parse_ethertype(d, off, end, type, p);
	case IPPROTO_GRE_:
		return parse_gre(d, off, end, p);
	default:
		return 0;
	}
}

/* RFC 791. */
static int
parse_ipv4(const uint8_t *d, uint32_t off, uint32_t end, struct ws_ip *ip, struct ws_pkt *p)
{
	uint32_t hlen, tlen;
	uint16_t frag;

	if (end - off < 20)
		return note(p, WS_PARSE_TRUNC_L3);
	if (d[off] >> 4 != 4)
		return note(p, WS_PARSE_BAD_IP_VERSION);
	hlen = (d[off] & 0x0f) * 4u;
	tlen = get_be16(d + off + 2);
	if (hlen < 20)
		return note(p, WS_PARSE_BAD_IPV4_HDRLEN);
	if (tlen < hlen)
		return note(p, WS_PARSE_BAD_IPV4_TOTLEN);
	ip->version = 4;
	ip->l3_off = off;
	ip->proto = d[off + 9];
	if (hlen > end - off) {
		ip->end = end;
		return note(p, WS_PARSE_TRUNC_L3);
	}
	if (tlen > end - off)
		note(p, WS_PARSE_BAD_IPV4_TOTLEN); /* or cut by the snap length */
	else
		end = off + tlen; /* what follows is Ethernet padding */
	ip->end = end;
	frag = get_be16(d + off + 6);
	if (frag & 0x3fff) {
		ip->frag = WS_FRAG_ANY | (frag & 0x2000 ? WS_FRAG_MORE : 0);
		if (frag & 0x1fff) {
			ip->frag |= WS_FRAG_LATER;
			ip->payload_off = off + hlen;
			return 0;
		}
	}
	return parse_l4(d, off + hlen, end, ip, p);
}

/* RFC 8200 extension header chain; AH (RFC 4302) is skipped the same way. */
static int
parse_ipv6_ext(const uint8_t *d, uint32_t off, uint32_t end, struct ws_ip *ip, struct ws_pkt *p)
{
	unsigned int n;
	uint32_t hlen;
	uint8_t nh = ip->proto;

	for (n = 0;; n++) {
		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_FRAGMENT_:
		case IPPROTO_AH_:
			break;
		default:
			ip->proto = nh;
			return parse_l4(d, off, end, ip, p);
		}
		if (n == WS_MAX_IPV6_EXT || end - off < 8)
			return note(p, WS_PARSE_BAD_IPV6_CHAIN);
		if (nh == IPPROTO_FRAGMENT_) {
			hlen = 8;
			ip->frag |= WS_FRAG_ANY | (d[off + 3] & 1 ? WS_FRAG_MORE : 0);
			if (get_be16(d + off + 2) & 0xfff8) {
				ip->frag |= WS_FRAG_LATER;
				ip->proto = d[off];
				ip->payload_off = off + 8;
				return 0;
			}
		} else if (nh == IPPROTO_AH_) {
			hlen = (d[off + 1] + 2) * 4u;
		} else {
			hlen = (d[off + 1] + 1) * 8u;
		}
		if (hlen > end - off)
			return note(p, WS_PARSE_BAD_IPV6_CHAIN);
		nh = d[off];
		off += hlen;
	}
}

/* RFC 8200. */
static int
parse_ipv6(const uint8_t *d, uint32_t off, uint32_t end, struct ws_ip *ip, struct ws_pkt *p)
{
	uint32_t plen;

	if (end - off < 40)
		return note(p, WS_PARSE_TRUNC_L3);
	if (d[off] >> 4 != 6)
		return note(p, WS_PARSE_BAD_IP_VERSION);
	ip->version = 6;
	ip->l3_off = off;
	ip->proto = d[off + 6];
	plen = get_be16(d + off + 4);
	if (plen > end - off - 40)
		note(p, WS_PARSE_BAD_IPV6_PLEN);
	else if (plen != 0) /* 0: jumbogram, length in hop-by-hop */
		end = off + 40 + plen;
	ip->end = end;
	ip->payload_off = off + 40;
	return parse_ipv6_ext(d, off + 40, end, ip, p);
}

static int
parse_ip(const uint8_t *d, uint32_t off, uint32_t end, struct ws_pkt *p, int v6)
{
	struct ws_ip *ip = next_ip(p);

	return v6 ? parse_ipv6(d, off, end, ip, p) : parse_ipv4(d, off, end, ip, p);
}

static inline void
pkt_init(struct ws_pkt *p, enum ws_l2 l2)
{
	memset(p, 0, sizeof(*p));
	p->l2 = l2;
}

/* Without a tunnel (or with a non-IP payload), inner is the outer header. */
static inline int
pkt_finish(struct ws_pkt *p)
{
	if (p->inner.version == 0)
		p->inner = p->outer;
	return p->rc;
}

static inline int
is_tunnel_port(uint16_t port)
{
	return port == PORT_VXLAN || port == PORT_GENEVE || port == PORT_GTPU;
}

/* TCP and UDP with sound lengths and no tunnel; parse_l4() does the rest. */
static inline int
parse_fast_l4(const uint8_t *d, uint32_t off, struct ws_ip *ip)
{
	uint32_t room = ip->end - off, hlen;
	uint16_t sp, dp;

	if (room < 20 && !(ip->proto == IPPROTO_UDP_ && room >= 8))
		return -1;
	/* Loaded before any store to ip, which the compiler must assume may alias d. */
	sp = get_be16(d + off);
	dp = get_be16(d + off + 2);
	if (ip->proto == IPPROTO_TCP_) {
		hlen = (d[off + 12] >> 4) * 4u;
		if (hlen < 20 || hlen > room)
			return -1;
		ip->tcp_flags = d[off + 13];
	} else if (ip->proto == IPPROTO_UDP_) {
		hlen = get_be16(d + off + 4);
		if (hlen < 8 || is_tunnel_port(sp) || is_tunnel_port(dp))
			return -1;
		if (hlen < room)
			ip->end = off + hlen;
		hlen = 8;
	} else {
		return -1;
	}
	ip->has_l4 = 1;
	ip->l4_off = off;
	ip->payload_off = off + hlen;
	ip->sport = sp;
	ip->dport = dp;
	return 0;
}

/*
 * The common case, Ethernet with at most one 802.1Q tag then IPv4 without
 * options or fragments, or IPv6 without extension headers, straight through.
 * It sets exactly what the general path would (tests/unit checks both agree)
 * and hands anything else to it.
 */
static inline int
parse_fast(const uint8_t *d, uint32_t len, struct ws_pkt *p)
{
	uint32_t off = 14, tlen;
	uint16_t type;
	uint8_t nh;

	type = get_be16(d + 12);
	if (type == ETH_P_VLAN) {
		if (len < 18 + 20)
			return -1;
		p->vlan[0] = get_be16(d + 14) & 0x0fff;
		p->n_vlans = 1;
		type = get_be16(d + 16);
		off = 18;
	}
	if (type == ETH_P_IPV4) {
		if (len - off < 20)
			return -1;
		tlen = get_be16(d + off + 2);
		if (d[off] != 0x45 || tlen < 20 || tlen > len - off ||
		    get_be16(d + off + 6) & 0x3fff)
			return -1;
		p->l3 = WS_L3_IPV4;
		p->outer.version = 4;
		p->outer.proto = d[off + 9];
		p->outer.end = off + tlen;
		off += 20;
	} else if (type == ETH_P_IPV6) {
		if (len - off < 40)
			return -1;
		tlen = get_be16(d + off + 4);
		nh = d[off + 6];
		if (d[off] >> 4 != 6 || tlen == 0 || tlen > len - off - 40 ||
		    !(nh == IPPROTO_TCP_ || nh == IPPROTO_UDP_ || nh == IPPROTO_ICMPV6_))
			return -1;
		p->l3 = WS_L3_IPV6;
		p->outer.version = 6;
		p->outer.proto = nh;
		p->outer.end = off + 40 + tlen;
		off += 40;
	} else {
		return -1;
	}
	p->ethertype = type;
	p->outer.l3_off = off - (type == ETH_P_IPV4 ? 20 : 40);
	if (parse_fast_l4(d, off, &p->outer) < 0)
		parse_l4(d, off, p->outer.end, &p->outer, p);
	return 0;
}

/* Out of line, so the fast path keeps its registers. */
__attribute__((noinline, cold)) int
ws_parse_pkt_general(const uint8_t *data, uint32_t len, struct ws_pkt *pkt)
{
	pkt_init(pkt, WS_L2_ETH);
	parse_eth(data, 0, len, pkt, 0);
	return pkt_finish(pkt);
}

int
ws_parse_pkt(const uint8_t *data, uint32_t len, struct ws_pkt *pkt)
{
	pkt_init(pkt, WS_L2_ETH);
	if (likely(len >= 14 + 20) && parse_fast(data, len, pkt) == 0)
		return pkt_finish(pkt);
	return ws_parse_pkt_general(data, len, pkt);
}

/* Linux cooked capture v1: 16 bytes, protocol last; v2: 20 bytes, protocol first. */
static int
parse_sll(const uint8_t *d, uint32_t len, struct ws_pkt *p, uint32_t hlen, uint32_t proto_off)
{
	uint16_t proto;

	if (len < hlen)
		return note(p, WS_PARSE_TRUNC_L2);
	proto = get_be16(d + proto_off);
	if (proto < 0x0600) {
		p->l3 = WS_L3_OTHER; /* 802.2 LLC, 802.3, CAN... */
		return 0;
	}
	return parse_ethertype(d, hlen, len, proto, p);
}

/* DLT_NULL carries the address family in the capturing host's byte order, DLT_LOOP in network
 * order. */
static int
parse_null(const uint8_t *d, uint32_t len, struct ws_pkt *p)
{
	uint32_t af;

	if (len < 4)
		return note(p, WS_PARSE_TRUNC_L2);
	af = get_be32(d);
	if (af > 0xffff)
		af = __builtin_bswap32(af);
	if (af == 2)
		return parse_ethertype(d, 4, len, ETH_P_IPV4, p);
	if (af == 10 || af == 24 || af == 28 || af == 30) /* AF_INET6 on Linux and the BSDs */
		return parse_ethertype(d, 4, len, ETH_P_IPV6, p);
	p->l3 = WS_L3_OTHER;
	return 0;
}

int
ws_parse_linktype_ok(int linktype)
{
	switch (linktype) {
	case WS_LINKTYPE_NULL:
	case WS_LINKTYPE_ETHERNET:
	case WS_LINKTYPE_RAW:
	case WS_LINKTYPE_LOOP:
	case WS_LINKTYPE_LINUX_SLL:
	case WS_LINKTYPE_IPV4:
	case WS_LINKTYPE_IPV6:
	case WS_LINKTYPE_LINUX_SLL2:
		return 1;
	default:
		return 0;
	}
}

int
ws_parse_link(int linktype, const uint8_t *data, uint32_t len, struct ws_pkt *pkt)
{
	switch (linktype) {
	case WS_LINKTYPE_ETHERNET:
		return ws_parse_pkt(data, len, pkt);
	case WS_LINKTYPE_LINUX_SLL:
		pkt_init(pkt, WS_L2_SLL);
		parse_sll(data, len, pkt, 16, 14);
		break;
	case WS_LINKTYPE_LINUX_SLL2:
		pkt_init(pkt, WS_L2_SLL2);
		parse_sll(data, len, pkt, 20, 0);
		break;
	case WS_LINKTYPE_RAW:
	case WS_LINKTYPE_IPV4:
	case WS_LINKTYPE_IPV6:
		pkt_init(pkt, WS_L2_RAW);
		if (len == 0)
			note(pkt, WS_PARSE_TRUNC_L3);
		else
			parse_ip_by_nibble(data, 0, len, pkt);
		break;
	case WS_LINKTYPE_NULL:
	case WS_LINKTYPE_LOOP:
		pkt_init(pkt, WS_L2_NULL);
		parse_null(data, len, pkt);
		break;
	default:
		pkt_init(pkt, WS_L2_NONE);
		note(pkt, WS_PARSE_BAD_LINKTYPE);
		break;
	}
	return pkt_finish(pkt);
}

static const char *const rc_names[WS_PARSE_RC_MAX] = {
	[WS_PARSE_OK] = "ok",
	[WS_PARSE_TRUNC_L2] = "trunc_l2",
	[WS_PARSE_TRUNC_VLAN] = "trunc_vlan",
	[WS_PARSE_TOO_MANY_VLANS] = "too_many_vlans",
	[WS_PARSE_TRUNC_MPLS] = "trunc_mpls",
	[WS_PARSE_TOO_MANY_MPLS] = "too_many_mpls",
	[WS_PARSE_TRUNC_PPPOE] = "trunc_pppoe",
	[WS_PARSE_BAD_PPPOE] = "bad_pppoe",
	[WS_PARSE_TRUNC_L3] = "trunc_l3",
	[WS_PARSE_BAD_IP_VERSION] = "bad_ip_version",
	[WS_PARSE_BAD_IPV4_HDRLEN] = "bad_ipv4_hdrlen",
	[WS_PARSE_BAD_IPV4_TOTLEN] = "bad_ipv4_totlen",
	[WS_PARSE_BAD_IPV6_PLEN] = "bad_ipv6_plen",
	[WS_PARSE_BAD_IPV6_CHAIN] = "bad_ipv6_chain",
	[WS_PARSE_TRUNC_L4] = "trunc_l4",
	[WS_PARSE_BAD_TCP_HDRLEN] = "bad_tcp_hdrlen",
	[WS_PARSE_BAD_UDP_LEN] = "bad_udp_len",
	[WS_PARSE_TRUNC_TUNNEL] = "trunc_tunnel",
	[WS_PARSE_TOO_MANY_TUNNELS] = "too_many_tunnels",
	[WS_PARSE_BAD_LINKTYPE] = "bad_linktype",
};

const char *
ws_parse_rc_str(int rc)
{
	if (rc < 0 || rc >= WS_PARSE_RC_MAX)
		return "unknown";
	return rc_names[rc];
}
