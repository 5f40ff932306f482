/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte loaders for the dissector. Callers check the remaining length first
 * (as tcpdump's ND_TCHECK does); memcpy keeps unaligned reads safe and
 * compiles to a single load.
 */
#ifndef WS_PARSE_WIRE_H
#define WS_PARSE_WIRE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t
get_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap16(v);
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap32(v);
}

static inline uint32_t
get_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Ethertypes (IEEE registry). */
#define ETH_P_IPV4 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_TEB 0x6558 /* transparent Ethernet bridging (GRE, GENEVE) */
#define ETH_P_VLAN 0x8100
#define ETH_P_IPV6 0x86dd
#define ETH_P_MPLS_UC 0x8847
#define ETH_P_MPLS_MC 0x8848
#define ETH_P_PPPOE_DISC 0x8863
#define ETH_P_PPPOE_SESS 0x8864
#define ETH_P_PPP 0x880b /* GRE version 1 (PPTP) */
#define ETH_P_QINQ 0x88a8
#define ETH_P_QINQ_OLD 0x9100

/* IP protocol numbers (IANA). */
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_IPIP_ 4
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_IPV6_ 41
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_GRE_ 47
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_NONE_ 59
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_SCTP_ 132

/* UDP ports that select a decoder. */
#define PORT_DNS 53
#define PORT_MDNS 5353
#define PORT_LLMNR 5355
#define PORT_SSDP 1900
#define PORT_GTPU 2152
#define PORT_VXLAN 4789
#define PORT_GENEVE 6081

#endif /* WS_PARSE_WIRE_H */
