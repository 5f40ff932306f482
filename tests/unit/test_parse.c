/* SPDX-License-Identifier: BSD-3-Clause */
/* Dissector unit tests: crafted frames per layer, each malformed case, every truncation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ws_parse.h>
#include "parse_internal.h"

/* ---- frame builder ---- */

struct frame {
	uint8_t b[2048];
	uint32_t len;
};

static void
put(struct frame *f, const void *p, uint32_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void
put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static void
put16(struct frame *f, uint16_t v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void
put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void
set16(struct frame *f, uint32_t off, uint16_t v)
{
	f->b[off] = v >> 8;
	f->b[off + 1] = v & 0xff;
}

static void
eth(struct frame *f, uint16_t type)
{
	static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6};

	put(f, macs, sizeof(macs));
	put16(f, type);
}

static void
vlan(struct frame *f, uint16_t vid, uint16_t next)
{
	put16(f, vid);
	put16(f, next);
}

/* IPv4 header with 10.0.0.1 -> 10.0.0.2 + n; the total length is fixed by ip4_end(). */
static uint32_t
ip4(struct frame *f, uint8_t proto, uint8_t last)
{
	uint32_t off = f->len;

	put8(f, 0x45);
	put8(f, 0);
	put16(f, 0);
	put16(f, 1);
	put16(f, 0);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0x0a000001);
	put32(f, 0x0a000000 | last);
	return off;
}

static void
ip4_end(struct frame *f, uint32_t off)
{
	set16(f, off + 2, f->len - off);
}

/* IPv6 header 2001:db8::1 -> 2001:db8::2; payload length fixed by ip6_end(). */
static uint32_t
ip6(struct frame *f, uint8_t nh)
{
	static const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	uint32_t off = f->len;

	put32(f, 0x60000000);
	put16(f, 0);
	put8(f, nh);
	put8(f, 64);
	put(f, a, 16);
	put(f, b, 16);
	return off;
}

static void
ip6_end(struct frame *f, uint32_t off)
{
	set16(f, off + 4, f->len - off - 40);
}

static void
tcp(struct frame *f, uint16_t sp, uint16_t dp, uint8_t flags, uint8_t doff_words)
{
	put16(f, sp);
	put16(f, dp);
	put32(f, 1000);
	put32(f, 0);
	put8(f, doff_words << 4);
	put8(f, flags);
	put16(f, 65535);
	put32(f, 0);
	for (unsigned int i = 5; i < doff_words; i++)
		put32(f, 0x01010101); /* NOPs */
}

static uint32_t
udp(struct frame *f, uint16_t sp, uint16_t dp)
{
	uint32_t off = f->len;

	put16(f, sp);
	put16(f, dp);
	put16(f, 0);
	put16(f, 0);
	return off;
}

static void
udp_end(struct frame *f, uint32_t off)
{
	set16(f, off + 4, f->len - off);
}

/* A whole Ethernet/IPv4/UDP frame around a payload. */
static void
eth_ip4_udp(struct frame *f, uint16_t sp, uint16_t dp, const void *pl, uint32_t n)
{
	uint32_t l3, l4;

	eth(f, 0x0800);
	l3 = ip4(f, 17, 2);
	l4 = udp(f, sp, dp);
	put(f, pl, n);
	udp_end(f, l4);
	ip4_end(f, l3);
}

static void
eth_ip4_tcp(struct frame *f, uint16_t sp, uint16_t dp, const void *pl, uint32_t n)
{
	uint32_t l3;

	eth(f, 0x0800);
	l3 = ip4(f, 6, 2);
	tcp(f, sp, dp, 0x18, 5);
	put(f, pl, n);
	ip4_end(f, l3);
}

/* Every frame goes through both paths, which must agree field for field. */
static int
parse(const struct frame *f, struct ws_pkt *p)
{
	struct ws_pkt slow;
	int rc = ws_parse_pkt(f->b, f->len, p);

	assert_int_equal(ws_parse_pkt_general(f->b, f->len, &slow), rc);
	assert_memory_equal(p, &slow, sizeof(slow));
	return rc;
}

static const uint8_t dns_query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 3,    'W',  'w',	'W',  7,    'E',  'x',	'a',  'm',  'p',
	'l',  'e',  3,	  'C',	'O',  'M',  0,	  0x00, 0x01, 0x00, 0x01,
};

/* ---- L2 ---- */

static void
test_eth_ipv4_tcp(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 6, 2);
	tcp(&f, 40000, 443, 0x02, 8);
	put(&f, "abc", 3);
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.l2, WS_L2_ETH);
	assert_int_equal(p.l3, WS_L3_IPV4);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.outer.version, 4);
	assert_int_equal(p.outer.l3_off, 14);
	assert_int_equal(p.outer.l4_off, 34);
	assert_int_equal(p.outer.proto, 6);
	assert_true(p.outer.has_l4);
	assert_int_equal(p.outer.sport, 40000);
	assert_int_equal(p.outer.dport, 443);
	assert_int_equal(p.outer.tcp_flags, WS_TCP_SYN);
	assert_int_equal(p.outer.payload_off, 34 + 32);
	assert_int_equal(p.outer.end, f.len);
	assert_int_equal(p.n_tunnels, 0);
	assert_memory_equal(&p.inner, &p.outer, sizeof(p.outer));
}

static void
test_llc(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;

	(void)state;
	eth(&f, 38); /* 802.3 length */
	put(&f, "\x42\x42\x03\x00\x00\x00\x00\x00", 8);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.l2, WS_L2_LLC);
	assert_int_equal(p.l3, WS_L3_OTHER);
	assert_int_equal(p.outer.version, 0);
}

static void
test_trunc_l2(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;

	(void)state;
	put(&f, "\0\1\2\3\4\5\6\7\10\11", 10);
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_L2);
	assert_int_equal(p.l3, WS_L3_NONE);
}

static void
test_vlans(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, l4;

	(void)state;
	eth(&f, 0x88a8);
	vlan(&f, 0x2000 | 100, 0x8100);
	vlan(&f, 200, 0x8100);
	vlan(&f, 0xf000 | 4095, 0x0800);
	l3 = ip4(&f, 17, 2);
	l4 = udp(&f, 1, 2);
	udp_end(&f, l4);
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.n_vlans, 3);
	assert_int_equal(p.vlan[0], 100);
	assert_int_equal(p.vlan[1], 200);
	assert_int_equal(p.vlan[2], 4095);
	assert_int_equal(p.outer.l3_off, 26);
	assert_int_equal(p.outer.dport, 2);
}

static void
test_too_many_vlans(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3;
	int i;

	(void)state;
	/* One tag more than kept: counted, skipped, and the packet still decoded. */
	eth(&f, 0x8100);
	for (i = 0; i < WS_MAX_VLANS + 1; i++)
		vlan(&f, i + 1, i == WS_MAX_VLANS ? 0x0800 : 0x8100);
	l3 = ip4(&f, 17, 2);
	udp_end(&f, udp(&f, 1, 2));
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_TOO_MANY_VLANS);
	assert_int_equal(p.n_vlans, WS_MAX_VLANS);
	assert_int_equal(p.vlan[WS_MAX_VLANS - 1], WS_MAX_VLANS);
	assert_int_equal(p.l3, WS_L3_IPV4);
	assert_int_equal(p.outer.dport, 2);

	/* A frame of tags: bounded work, no L3. */
	memset(&f, 0, sizeof(f));
	eth(&f, 0x8100);
	for (i = 0; i < WS_VLAN_WALK_MAX + 1; i++)
		vlan(&f, i, 0x8100);
	assert_int_equal(parse(&f, &p), WS_PARSE_TOO_MANY_VLANS);
	assert_int_equal(p.l3, WS_L3_NONE);
}

static void
test_trunc_vlan(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;

	(void)state;
	eth(&f, 0x8100);
	put16(&f, 5);
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_VLAN);
}

static void
test_mpls(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3;

	(void)state;
	eth(&f, 0x8847);
	put32(&f, 1000u << 12 | 64);
	put32(&f, 2000u << 12 | 64);
	put32(&f, 3000u << 12 | 0x100 | 64);
	l3 = ip6(&f, 58);
	put32(&f, 0x80000000);
	put32(&f, 0);
	ip6_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.n_mpls, 3);
	assert_int_equal(p.mpls_top, 1000);
	assert_int_equal(p.l3, WS_L3_IPV6);
	assert_int_equal(p.outer.proto, 58);
	assert_int_equal(p.outer.icmp_type, 128);
}

static void
test_mpls_errors(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;

	(void)state;
	eth(&f, 0x8847);
	for (int i = 0; i < WS_MAX_MPLS; i++)
		put32(&f, 16u << 12); /* no bottom of stack */
	put32(&f, 16u << 12 | 0x100);
	assert_int_equal(parse(&f, &p), WS_PARSE_TOO_MANY_MPLS);
	f.len = 14 + 2;
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_MPLS);
}

static void
test_pppoe(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, l4;

	(void)state;
	eth(&f, 0x8864);
	put(&f, "\x11\x00\x00\x01", 4);
	put16(&f, 0);
	put16(&f, 0x0021);
	l3 = ip4(&f, 17, 7);
	l4 = udp(&f, 5, 6);
	udp_end(&f, l4);
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_true(p.pppoe);
	assert_int_equal(p.l3, WS_L3_IPV4);
	assert_int_equal(p.outer.l3_off, 22);
	f.b[14] = 0x21;
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_PPPOE);
	f.len = 18;
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_PPPOE);
}

static void
test_arp(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;

	(void)state;
	eth(&f, 0x0806);
	put(&f, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	put(&f, "\0\1\2\3\4\5\12\0\0\1\0\0\0\0\0\0\12\0\0\2", 20);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.l3, WS_L3_ARP);
	f.len = 18;
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_L3);
	assert_int_equal(p.l3, WS_L3_ARP);
}

/* ---- IPv4 ---- */

static void
test_ipv4_options_and_padding(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, l4;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 17, 2);
	f.b[l3] = 0x47; /* IHL 7: 8 bytes of options */
	put32(&f, 0x94040000);
	put32(&f, 0x01010100);
	l4 = udp(&f, 1000, 2000);
	put(&f, "xy", 2);
	udp_end(&f, l4);
	ip4_end(&f, l3);
	put(&f, "\0\0\0\0\0\0\0\0", 8); /* Ethernet padding */
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.outer.l4_off, 14 + 28);
	assert_int_equal(p.outer.end, f.len - 8);
	assert_int_equal(p.outer.payload_off + 2, p.outer.end);
}

static void
test_ipv4_fragments(void **state)
{
	struct frame f = {0};
	struct ws_host h;
	struct ws_pkt p;
	uint32_t l3, l4;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 17, 2);
	set16(&f, l3 + 6, 0x2000); /* MF, offset 0 */
	l4 = udp(&f, 53, 53);
	put(&f, "0123456789abcdef", 16);
	set16(&f, l4 + 4, 1000);
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.outer.frag, WS_FRAG_ANY | WS_FRAG_MORE);
	assert_true(p.outer.has_l4);
	assert_int_equal(p.outer.dport, 53);
	memcpy(f.b + l4 + 8, dns_query, sizeof(dns_query));
	assert_int_equal(ws_parse_host(f.b, f.len, &p, &h), -ENOENT); /* payload incomplete */

	set16(&f, l3 + 6, 0x0000 | 100); /* offset 800, last */
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.outer.frag, WS_FRAG_ANY | WS_FRAG_LATER);
	assert_false(p.outer.has_l4);
	assert_int_equal(p.outer.proto, 17);
	assert_int_equal(p.outer.sport, 0);
}

static void
test_ipv4_malformed(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 6, 2);
	tcp(&f, 1, 80, 0x10, 5);
	ip4_end(&f, l3);

	f.b[l3] = 0x44;
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_IPV4_HDRLEN);
	assert_int_equal(p.l3, WS_L3_IPV4);
	assert_int_equal(p.outer.version, 0);
	f.b[l3] = 0x45;

	set16(&f, l3 + 2, 19);
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_IPV4_TOTLEN);
	assert_int_equal(p.outer.version, 0);

	/* Longer than the frame: flagged, but L4 is still decoded from what is there. */
	set16(&f, l3 + 2, 1500);
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_IPV4_TOTLEN);
	assert_int_equal(p.outer.version, 4);
	assert_int_equal(p.outer.dport, 80);
	ip4_end(&f, l3);

	f.b[l3] = 0x65;
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_IP_VERSION);
	f.b[l3] = 0x45;

	f.len = 14 + 19;
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_L3);
	assert_int_equal(p.l3, WS_L3_IPV4);

	f.b[l3] = 0x4f; /* 60-byte header in a 20-byte frame */
	f.len = 14 + 20;
	set16(&f, l3 + 2, 60);
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_L3);
}

/* ---- IPv6 ---- */

static void
test_ipv6_chain(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3;

	(void)state;
	eth(&f, 0x86dd);
	l3 = ip6(&f, 0);
	put(&f, "\x2b\x00\x01\x04\x00\x00\x00\x00", 8); /* hop-by-hop -> routing */
	put(&f, "\x3c\x02\x00\x01\x00\x00\x00\x00", 8); /* routing, 24 bytes -> dstopts */
	put(&f, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	put(&f, "\x33\x00\x01\x04\x00\x00\x00\x00", 8);				 /* dstopts -> AH */
	put(&f, "\x06\x04\x00\x00\0\0\0\1\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\0", 24); /* AH */
	tcp(&f, 5000, 80, 0x12, 5);
	ip6_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.l3, WS_L3_IPV6);
	assert_int_equal(p.outer.proto, 6);
	assert_int_equal(p.outer.l4_off, 14 + 40 + 64);
	assert_int_equal(p.outer.tcp_flags, WS_TCP_SYN | WS_TCP_ACK);
	assert_int_equal(p.outer.frag, 0);

	/* Chain cut inside the routing header. */
	f.len = 14 + 40 + 12;
	ip6_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_IPV6_CHAIN);
}

static void
test_ipv6_fragments(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3;

	(void)state;
	eth(&f, 0x86dd);
	l3 = ip6(&f, 44);
	put(&f, "\x11\x00\x00\x00\x00\x00\x00\x07", 8); /* atomic fragment */
	udp_end(&f, udp(&f, 5353, 5353));
	ip6_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.outer.frag, WS_FRAG_ANY);
	assert_int_equal(p.outer.proto, 17);
	assert_int_equal(p.outer.sport, 5353);

	f.b[l3 + 40 + 3] = 0x10; /* offset 2 (16 bytes) */
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.outer.frag, WS_FRAG_ANY | WS_FRAG_LATER);
	assert_false(p.outer.has_l4);
	assert_int_equal(p.outer.proto, 17);
}

static void
test_ipv6_plen(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3;

	(void)state;
	eth(&f, 0x86dd);
	l3 = ip6(&f, 17);
	udp_end(&f, udp(&f, 1, 2));
	set16(&f, l3 + 4, 100);
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_IPV6_PLEN);
	assert_int_equal(p.outer.dport, 2);
	f.len = 14 + 39;
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_L3);
}

static void
test_ipv6_chain_too_long(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3;

	(void)state;
	eth(&f, 0x86dd);
	l3 = ip6(&f, 60);
	for (int i = 0; i < WS_MAX_IPV6_EXT + 1; i++)
		put(&f, "\x3c\x00\x01\x04\x00\x00\x00\x00", 8);
	ip6_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_IPV6_CHAIN);
}

/* ---- L4 ---- */

static void
test_l4_malformed(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, l4;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 6, 2);
	tcp(&f, 1234, 80, 0x02, 3);
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_TCP_HDRLEN);
	assert_int_equal(p.outer.dport, 80); /* ports kept */

	f.b[l3 + 20 + 12] = 0xf0; /* 60 bytes of header in 20 */
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_TCP_HDRLEN);

	f.len = l3 + 20 + 10;
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_L4);
	assert_true(p.outer.has_l4);
	assert_int_equal(p.outer.sport, 1234);

	f.len = l3 + 20 + 3;
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_L4);
	assert_false(p.outer.has_l4);

	memset(&f, 0, sizeof(f));
	eth(&f, 0x0800);
	l3 = ip4(&f, 17, 2);
	l4 = udp(&f, 1, 2);
	set16(&f, l4 + 4, 4);
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_BAD_UDP_LEN);

	memset(&f, 0, sizeof(f));
	eth(&f, 0x0800);
	l3 = ip4(&f, 132, 2);
	put(&f, "\x0b\x59\x0b\x59\0\0\0\0", 8);
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_L4);
	put(&f, "\0\0\0\0", 4);
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.outer.sport, 2905);
}

static void
test_icmp_error_not_inner(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, q3;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 1, 9);
	put(&f, "\x03\x03\x00\x00\x00\x00\x00\x00", 8); /* port unreachable */
	q3 = ip4(&f, 17, 77);
	udp(&f, 5555, 53);
	ip4_end(&f, q3);
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_OK);
	assert_int_equal(p.outer.proto, 1);
	assert_int_equal(p.outer.icmp_type, 3);
	assert_int_equal(p.outer.icmp_code, 3);
	assert_int_equal(p.n_tunnels, 0);
	assert_int_equal(p.inner.l3_off, p.outer.l3_off);
	assert_int_equal(p.inner.sport, 0);
}

/* ---- tunnels ---- */

static void
check_inner_tcp(const struct ws_pkt *p, int tunnel, int depth)
{
	assert_int_equal(p->rc, WS_PARSE_OK);
	assert_int_equal(p->tunnel, tunnel);
	assert_int_equal(p->n_tunnels, depth);
	assert_int_not_equal(p->inner.l3_off, p->outer.l3_off);
	assert_int_equal(p->inner.proto, 6);
	assert_int_equal(p->inner.dport, 80);
}

static void
test_gre(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, i3;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 47, 2);
	put16(&f, 0x3000); /* key and sequence present */
	put16(&f, 0x0800);
	put32(&f, 42);
	put32(&f, 7);
	i3 = ip4(&f, 6, 3);
	tcp(&f, 3333, 80, 0x10, 5);
	ip4_end(&f, i3);
	ip4_end(&f, l3);
	parse(&f, &p);
	check_inner_tcp(&p, WS_TUN_GRE, 1);
	assert_int_equal(p.outer.proto, 47);
	assert_int_equal(p.inner.l3_off, 14 + 20 + 12);

	f.len = l3 + 20 + 6;
	ip4_end(&f, l3);
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_TUNNEL);
}

static void
test_gre_teb(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, i3;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 47, 2);
	put16(&f, 0);
	put16(&f, 0x6558);
	eth(&f, 0x8100);
	vlan(&f, 55, 0x86dd);
	i3 = ip6(&f, 6);
	tcp(&f, 3333, 80, 0x10, 5);
	ip6_end(&f, i3);
	ip4_end(&f, l3);
	parse(&f, &p);
	check_inner_tcp(&p, WS_TUN_GRE, 1);
	assert_int_equal(p.n_vlans, 0); /* inner tags are not the outer's */
	assert_int_equal(p.inner.version, 6);
}

static void
test_vxlan_geneve(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, l4, i3;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 17, 2);
	l4 = udp(&f, 50000, 4789);
	put32(&f, 0x08000000);
	put32(&f, 0x00123400);
	eth(&f, 0x0800);
	i3 = ip4(&f, 6, 3);
	tcp(&f, 3333, 80, 0x10, 5);
	ip4_end(&f, i3);
	udp_end(&f, l4);
	ip4_end(&f, l3);
	parse(&f, &p);
	check_inner_tcp(&p, WS_TUN_VXLAN, 1);
	assert_int_equal(p.outer.dport, 4789);

	memset(&f, 0, sizeof(f));
	eth(&f, 0x86dd);
	l3 = ip6(&f, 17);
	l4 = udp(&f, 50000, 6081);
	put8(&f, 0x02); /* 8 bytes of options */
	put8(&f, 0);
	put16(&f, 0x6558);
	put32(&f, 0x00000100);
	put32(&f, 0x01020301);
	put32(&f, 0xdeadbeef);
	eth(&f, 0x0800);
	i3 = ip4(&f, 6, 3);
	tcp(&f, 3333, 80, 0x10, 5);
	ip4_end(&f, i3);
	udp_end(&f, l4);
	ip6_end(&f, l3);
	parse(&f, &p);
	check_inner_tcp(&p, WS_TUN_GENEVE, 1);
}

static void
test_ip_in_ip(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, i3;
	static const uint8_t protos[] = {4, 41};

	(void)state;
	for (unsigned int outer6 = 0; outer6 < 2; outer6++) {
		for (unsigned int i = 0; i < 2; i++) {
			memset(&f, 0, sizeof(f));
			eth(&f, outer6 ? 0x86dd : 0x0800);
			l3 = outer6 ? ip6(&f, protos[i]) : ip4(&f, protos[i], 2);
			i3 = protos[i] == 4 ? ip4(&f, 6, 3) : ip6(&f, 6);
			tcp(&f, 3333, 80, 0x10, 5);
			if (protos[i] == 4)
				ip4_end(&f, i3);
			else
				ip6_end(&f, i3);
			if (outer6)
				ip6_end(&f, l3);
			else
				ip4_end(&f, l3);
			parse(&f, &p);
			check_inner_tcp(&p, WS_TUN_IPIP, 1);
			assert_int_equal(p.inner.version, protos[i] == 4 ? 4 : 6);
		}
	}
}

static void
test_gtpu(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3, l4, i3;

	(void)state;
	eth(&f, 0x0800);
	l3 = ip4(&f, 17, 2);
	l4 = udp(&f, 2152, 2152);
	put8(&f, 0x34); /* version 1, PT, E */
	put8(&f, 255);
	put16(&f, 0);
	put32(&f, 0x11223344);
	put16(&f, 0);
	put8(&f, 0);
	put8(&f, 0x85); /* PDU session container */
	put(&f, "\x01\x00\x09\x00", 4);
	i3 = ip6(&f, 6);
	tcp(&f, 3333, 80, 0x10, 5);
	ip6_end(&f, i3);
	udp_end(&f, l4);
	ip4_end(&f, l3);
	parse(&f, &p);
	check_inner_tcp(&p, WS_TUN_GTPU, 1);

	f.b[l4 + 8 + 12] = 0; /* extension length 0 */
	assert_int_equal(parse(&f, &p), WS_PARSE_TRUNC_TUNNEL);
}

static void
test_nested_tunnels(void **state)
{
	struct frame f = {0};
	struct ws_pkt p;
	uint32_t l3[WS_MAX_TUNNELS + 2];
	unsigned int i, n;

	(void)state;
	/* VXLAN inside GRE: two deep. */
	eth(&f, 0x0800);
	l3[0] = ip4(&f, 47, 2);
	put16(&f, 0);
	put16(&f, 0x0800);
	l3[1] = ip4(&f, 17, 3);
	l3[2] = udp(&f, 1, 4789);
	put32(&f, 0x08000000);
	put32(&f, 0);
	eth(&f, 0x0800);
	l3[3] = ip4(&f, 6, 4);
	tcp(&f, 3333, 80, 0x10, 5);
	ip4_end(&f, l3[3]);
	udp_end(&f, l3[2]);
	ip4_end(&f, l3[1]);
	ip4_end(&f, l3[0]);
	parse(&f, &p);
	check_inner_tcp(&p, WS_TUN_VXLAN, 2);
	assert_int_equal(p.inner.l3_off, l3[3]);

	/* IP in IP deeper than the limit. */
	for (n = WS_MAX_TUNNELS; n <= WS_MAX_TUNNELS + 1; n++) {
		memset(&f, 0, sizeof(f));
		eth(&f, 0x0800);
		for (i = 0; i <= n; i++)
			l3[i] = ip4(&f, i == n ? 6 : 4, i + 2);
		tcp(&f, 3333, 80, 0x10, 5);
		for (i = n + 1; i-- > 0;)
			ip4_end(&f, l3[i]);
		parse(&f, &p);
		if (n == WS_MAX_TUNNELS) {
			check_inner_tcp(&p, WS_TUN_IPIP, n);
		} else {
			assert_int_equal(p.rc, WS_PARSE_TOO_MANY_TUNNELS);
			assert_int_equal(p.n_tunnels, WS_MAX_TUNNELS);
		}
	}
}

/* ---- link types ---- */

static void
test_linktypes(void **state)
{
	struct frame f = {0}, ip = {0};
	struct ws_pkt p;
	uint32_t l3;

	(void)state;
	l3 = ip4(&ip, 17, 2);
	udp_end(&ip, udp(&ip, 1, 53));
	ip4_end(&ip, l3);

	assert_int_equal(ws_parse_link(WS_LINKTYPE_RAW, ip.b, ip.len, &p), WS_PARSE_OK);
	assert_int_equal(p.l2, WS_L2_RAW);
	assert_int_equal(p.outer.dport, 53);

	put(&f, "\0\0\0\1\0\6\0\1\2\3\4\5\0\0\x08\x00", 16); /* SLL */
	put(&f, ip.b, ip.len);
	assert_int_equal(ws_parse_link(WS_LINKTYPE_LINUX_SLL, f.b, f.len, &p), WS_PARSE_OK);
	assert_int_equal(p.l2, WS_L2_SLL);
	assert_int_equal(p.outer.l3_off, 16);
	assert_int_equal(ws_parse_link(WS_LINKTYPE_LINUX_SLL, f.b, 15, &p), WS_PARSE_TRUNC_L2);

	f.len = 0;
	put(&f, "\x08\x00\0\0\0\0\0\2\0\1\0\6\0\1\2\3\4\5\0\0", 20); /* SLL2 */
	put(&f, ip.b, ip.len);
	assert_int_equal(ws_parse_link(WS_LINKTYPE_LINUX_SLL2, f.b, f.len, &p), WS_PARSE_OK);
	assert_int_equal(p.outer.l3_off, 20);

	f.len = 0;
	put(&f, "\x02\0\0\0", 4); /* DLT_NULL, little-endian AF_INET */
	put(&f, ip.b, ip.len);
	assert_int_equal(ws_parse_link(WS_LINKTYPE_NULL, f.b, f.len, &p), WS_PARSE_OK);
	assert_int_equal(p.outer.l3_off, 4);

	assert_false(ws_parse_linktype_ok(7));
	assert_int_equal(ws_parse_link(7, f.b, f.len, &p), WS_PARSE_BAD_LINKTYPE);
	assert_string_equal(ws_parse_rc_str(WS_PARSE_BAD_LINKTYPE), "bad_linktype");
}

/* ---- application layer ---- */

static int
host_of(const struct frame *f, struct ws_host *h)
{
	struct ws_pkt p;

	ws_parse_pkt(f->b, f->len, &p);
	return ws_parse_host(f->b, f->len, &p, h);
}

static void
test_dns(void **state)
{
	struct frame f = {0};
	struct ws_host h;
	uint8_t m[64];

	(void)state;
	eth_ip4_udp(&f, 40000, 53, dns_query, sizeof(dns_query));
	assert_int_equal(host_of(&f, &h), 0);
	assert_int_equal(h.source, WS_HOST_DNS);
	assert_string_equal(h.name, "www.example.com");
	assert_int_equal(h.len, 15);

	/* A response names nothing here. */
	memcpy(m, dns_query, sizeof(dns_query));
	m[2] |= 0x80;
	f.len = 0;
	eth_ip4_udp(&f, 53, 40000, m, sizeof(dns_query));
	assert_int_equal(host_of(&f, &h), -ENOENT);

	/* A pointer to itself loops: refused. */
	memcpy(m, dns_query, 12);
	m[12] = 0xc0;
	m[13] = 12;
	f.len = 0;
	eth_ip4_udp(&f, 1, 53, m, 14);
	assert_int_equal(host_of(&f, &h), -EBADMSG);
	assert_string_equal(h.name, "");

	/* A label running past the end. */
	memcpy(m, dns_query, 12);
	m[12] = 40;
	memcpy(m + 13, "abc", 3);
	f.len = 0;
	eth_ip4_udp(&f, 1, 53, m, 16);
	assert_int_equal(host_of(&f, &h), -EBADMSG);

	/* Non-printable bytes are escaped. */
	memcpy(m, dns_query, 12);
	memcpy(m + 12,
	       "\x03"
	       "a\tb"
	       "\x00\x00\x01\x00\x01",
	       9);
	f.len = 0;
	eth_ip4_udp(&f, 1, 5353, m, 21);
	assert_int_equal(host_of(&f, &h), 0);
	assert_string_equal(h.name, "a\\011b");
}

static void
test_dns_pointer(void **state)
{
	struct frame f = {0};
	struct ws_host h;
	uint8_t m[128];
	uint32_t n = 12;

	(void)state;
	/* The question starts with a label, then points back to an earlier name. */
	memcpy(m, dns_query, 12);
	m[n++] = 3;
	memcpy(m + n, "cdn", 3);
	n += 3;
	m[n++] = 0xc0;
	m[n++] = 12 + 4 + 2 + 4 + 4; /* "example.com" further on: forward, refused */
	memcpy(m + n, "\0\1\0\1", 4);
	n += 4;
	f.len = 0;
	eth_ip4_udp(&f, 1, 53, m, n);
	assert_int_equal(host_of(&f, &h), -EBADMSG);

	/* Valid backward pointer: the second question reuses the first name's tail. */
	memcpy(m, dns_query, sizeof(dns_query));
	m[5] = 2;
	n = sizeof(dns_query);
	f.len = 0;
	m[n++] = 0xc0;
	m[n++] = 16; /* "example.com" inside the first question */
	eth_ip4_udp(&f, 1, 53, m, n);
	assert_int_equal(host_of(&f, &h), 0);
	assert_string_equal(h.name, "www.example.com"); /* first question only */
}

static void
test_dns_tcp(void **state)
{
	struct frame f = {0};
	struct ws_host h;
	uint8_t m[64];

	(void)state;
	m[0] = 0;
	m[1] = sizeof(dns_query);
	memcpy(m + 2, dns_query, sizeof(dns_query));
	eth_ip4_tcp(&f, 40000, 53, m, sizeof(dns_query) + 2);
	assert_int_equal(host_of(&f, &h), 0);
	assert_string_equal(h.name, "www.example.com");
	f.len -= 4;
	set16(&f, 14 + 2, f.len - 14);
	assert_int_equal(host_of(&f, &h), -ENODATA);
}

/* A ClientHello with a session id, two suites, ALPN and SNI. */
static uint32_t
client_hello(uint8_t *b, const char *sni)
{
	uint32_t n = 0, ext, hs, sl = sni ? strlen(sni) : 0;

	memcpy(b, "\x16\x03\x01\0\0\x01\0\0\0\x03\x03", 11);
	n = 11;
	memset(b + n, 0xaa, 32);
	n += 32;
	b[n++] = 4;
	memset(b + n, 0xbb, 4);
	n += 4;
	memcpy(b + n, "\0\4\x13\x01\x13\x02\x01\x00", 8);
	n += 8;
	ext = n;
	n += 2;
	memcpy(b + n, "\0\x10\0\5\0\3\2h2", 9); /* ALPN */
	n += 9;
	if (sni) {
		b[n++] = 0;
		b[n++] = 0;
		b[n++] = 0;
		b[n++] = sl + 5;
		b[n++] = 0;
		b[n++] = sl + 3;
		b[n++] = 0;
		b[n++] = 0;
		b[n++] = sl;
		memcpy(b + n, sni, sl);
		n += sl;
	}
	b[ext] = (n - ext - 2) >> 8;
	b[ext + 1] = (n - ext - 2) & 0xff;
	hs = n - 9;
	b[6] = hs >> 16;
	b[7] = hs >> 8;
	b[8] = hs;
	b[3] = (n - 5) >> 8;
	b[4] = (n - 5) & 0xff;
	return n;
}

static void
test_tls(void **state)
{
	struct frame f = {0};
	struct ws_host h;
	uint8_t b[512];
	uint32_t n;

	(void)state;
	n = client_hello(b, "Api.Example.NET");
	eth_ip4_tcp(&f, 40000, 8443, b, n);
	assert_int_equal(host_of(&f, &h), 0);
	assert_int_equal(h.source, WS_HOST_TLS);
	assert_string_equal(h.name, "api.example.net");

	/* Cut before the extension: the rest is in the next segment. */
	f.len -= 6;
	set16(&f, 14 + 2, f.len - 14);
	assert_int_equal(host_of(&f, &h), -ENODATA);

	n = client_hello(b, NULL);
	f.len = 0;
	eth_ip4_tcp(&f, 40000, 443, b, n);
	assert_int_equal(host_of(&f, &h), -ENOENT);

	/* An empty host_name is malformed (RFC 6066), never an empty name. */
	n = client_hello(b, "");
	f.len = 0;
	eth_ip4_tcp(&f, 40000, 443, b, n);
	assert_int_equal(host_of(&f, &h), -EBADMSG);
	assert_int_equal(h.len, 0);

	/* SNI entry longer than the extension. */
	n = client_hello(b, "x.example");
	b[n - 10] = 200;
	f.len = 0;
	eth_ip4_tcp(&f, 40000, 443, b, n);
	assert_int_equal(host_of(&f, &h), -EBADMSG);
}

static void
test_http(void **state)
{
	static const char req[] =
		"POST /a HTTP/1.1\r\nUser-Agent: t\r\nhost:  WWW.Example.org:8080 \r\n"
		"\r\nbody";
	static const char nohost[] = "GET / HTTP/1.0\r\nAccept: */*\r\n\r\n";
	static const char v6[] = "GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n";
	static const char ssdp[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n";
	struct frame f = {0};
	struct ws_host h;

	(void)state;
	eth_ip4_tcp(&f, 40000, 8080, req, sizeof(req) - 1);
	assert_int_equal(host_of(&f, &h), 0);
	assert_int_equal(h.source, WS_HOST_HTTP);
	assert_int_equal(h.method, WS_HTTP_POST);
	assert_string_equal(h.name, "www.example.org");
	assert_string_equal(ws_http_method_str(h.method), "POST");

	f.len = 0;
	eth_ip4_tcp(&f, 40000, 80, nohost, sizeof(nohost) - 1);
	assert_int_equal(host_of(&f, &h), -ENOENT);
	assert_int_equal(h.method, WS_HTTP_GET);

	f.len = 0;
	eth_ip4_tcp(&f, 40000, 80, v6, sizeof(v6) - 1);
	assert_int_equal(host_of(&f, &h), 0);
	assert_string_equal(h.name, "[2001:db8::1]");

	f.len = 0;
	eth_ip4_tcp(&f, 40000, 80, "GETX", 4);
	assert_int_equal(host_of(&f, &h), -ENOENT);

	f.len = 0;
	eth_ip4_udp(&f, 40000, 1900, ssdp, sizeof(ssdp) - 1);
	assert_int_equal(host_of(&f, &h), 0);
	assert_int_equal(h.method, WS_HTTP_MSEARCH);
	assert_string_equal(h.name, "239.255.255.250");

	/* Headers cut inside the Host line. */
	f.len = 0;
	eth_ip4_tcp(&f, 40000, 80, req, 40);
	assert_int_equal(host_of(&f, &h), -ENODATA);
}

/* Every prefix of every frame, in a buffer of exactly that size: ASan sees any over-read. */
static void
check_prefixes(const struct frame *f)
{
	struct ws_pkt p, slow;
	struct ws_host h;
	uint32_t n;
	uint8_t *b;

	for (n = 0; n <= f->len; n++) {
		b = malloc(n ? n : 1);
		assert_non_null(b);
		memcpy(b, f->b, n);
		ws_parse_pkt(b, n, &p);
		assert_true(p.rc < WS_PARSE_RC_MAX);
		ws_parse_pkt_general(b, n, &slow);
		assert_memory_equal(&p, &slow, sizeof(p)); /* fast path agrees */
		assert_true(p.inner.end <= n);
		ws_parse_host(b, n, &p, &h);
		assert_true(h.len <= WS_HOST_MAX);
		assert_int_equal(strlen(h.name), h.len);
		free(b);
	}
}

static void
test_all_truncations(void **state)
{
	struct frame f = {0};
	uint8_t b[512];
	uint32_t l3, l4, i3, n;

	(void)state;
	eth_ip4_udp(&f, 1, 53, dns_query, sizeof(dns_query));
	check_prefixes(&f);

	n = client_hello(b, "www.example.com");
	f.len = 0;
	eth(&f, 0x88a8);
	vlan(&f, 1, 0x8100);
	vlan(&f, 2, 0x86dd);
	l3 = ip6(&f, 17);
	l4 = udp(&f, 1, 4789);
	put32(&f, 0x08000000);
	put32(&f, 0);
	eth(&f, 0x0800);
	i3 = ip4(&f, 6, 3);
	tcp(&f, 3333, 443, 0x18, 8);
	put(&f, b, n);
	ip4_end(&f, i3);
	udp_end(&f, l4);
	ip6_end(&f, l3);
	check_prefixes(&f);

	f.len = 0;
	eth(&f, 0x8847);
	put32(&f, 16u << 12 | 0x100);
	l3 = ip4(&f, 47, 2);
	put16(&f, 0xb000);
	put16(&f, 0x86dd);
	put32(&f, 0);
	put32(&f, 1);
	put32(&f, 2);
	i3 = ip6(&f, 0);
	put(&f, "\x2c\x00\x01\x04\x00\x00\x00\x00", 8);
	put(&f, "\x11\x00\x00\x01\x00\x00\x00\x07", 8);
	l4 = udp(&f, 2152, 2152);
	put(&f, "\x34\xff\0\0\0\0\0\1\0\0\0\x85\x01\x00\x09\x00", 16);
	eth_ip4_udp(&f, 1, 53, dns_query, sizeof(dns_query));
	udp_end(&f, l4);
	ip6_end(&f, i3);
	ip4_end(&f, l3);
	check_prefixes(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_ipv4_tcp),
		cmocka_unit_test(test_llc),
		cmocka_unit_test(test_trunc_l2),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_too_many_vlans),
		cmocka_unit_test(test_trunc_vlan),
		cmocka_unit_test(test_mpls),
		cmocka_unit_test(test_mpls_errors),
		cmocka_unit_test(test_pppoe),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_ipv4_options_and_padding),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv4_malformed),
		cmocka_unit_test(test_ipv6_chain),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_ipv6_plen),
		cmocka_unit_test(test_ipv6_chain_too_long),
		cmocka_unit_test(test_l4_malformed),
		cmocka_unit_test(test_icmp_error_not_inner),
		cmocka_unit_test(test_gre),
		cmocka_unit_test(test_gre_teb),
		cmocka_unit_test(test_vxlan_geneve),
		cmocka_unit_test(test_ip_in_ip),
		cmocka_unit_test(test_gtpu),
		cmocka_unit_test(test_nested_tunnels),
		cmocka_unit_test(test_linktypes),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_dns_pointer),
		cmocka_unit_test(test_dns_tcp),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_all_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
