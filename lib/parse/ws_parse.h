/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Zero-copy, bounds-checked packet dissector.
 *
 * Plain C, no DPDK: it takes a pointer and a length and fills a compact
 * struct ws_pkt with offsets into the caller's buffer. Nothing is read past
 * the length given. Decoding stops at the first problem, which is reported as
 * a reason code (enum ws_parse_rc) that the caller counts; whatever was
 * decoded before that point stays valid in the result.
 *
 * Layers decoded: Ethernet II, 802.3/LLC (classified only), 802.1Q/802.1ad
 * tags (WS_MAX_VLANS kept, up to WS_VLAN_WALK_MAX skipped), MPLS (up to WS_MAX_MPLS labels), PPPoE
 * session, IPv4, IPv6 and its extension header chain, ARP (classified), TCP, UDP, SCTP, ICMP,
 * ICMPv6, and the tunnels GRE (incl. TEB), VXLAN, GENEVE, GTP-U, IP-in-IP, 6in4, 4in6, up to
 * WS_MAX_TUNNELS deep.
 *
 * Application names (DNS query, TLS SNI, HTTP Host) are found on demand by
 * ws_parse_host(), so the L2-L4 path never touches payload bytes.
 */
#ifndef WS_PARSE_H
#define WS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/** Tags kept in front of the first L3 header; more are skipped and counted as too many. */
#define WS_MAX_VLANS 4
/** Tags skipped at most, so that a frame of tags costs bounded work. */
#define WS_VLAN_WALK_MAX 32
/** MPLS labels accepted in one stack. */
#define WS_MAX_MPLS 8
/** Tunnel headers followed before giving up on the inner packet. */
#define WS_MAX_TUNNELS 3
/** IPv6 extension headers followed in one chain. */
#define WS_MAX_IPV6_EXT 8
/** Longest hostname ws_parse_host() returns (DNS names are at most 253). */
#define WS_HOST_MAX 255

/** Why a packet could not be decoded fully. Order is stable: counters index it. */
enum ws_parse_rc {
	WS_PARSE_OK = 0,
	WS_PARSE_TRUNC_L2,	   /**< shorter than its link header */
	WS_PARSE_TRUNC_VLAN,	   /**< 802.1Q/802.1ad tag cut short */
	WS_PARSE_TOO_MANY_VLANS,   /**< more than WS_MAX_VLANS tags (more than WS_VLAN_WALK_MAX: no
				      L3) */
	WS_PARSE_TRUNC_MPLS,	   /**< MPLS label cut short */
	WS_PARSE_TOO_MANY_MPLS,	   /**< no bottom of stack within WS_MAX_MPLS labels */
	WS_PARSE_TRUNC_PPPOE,	   /**< PPPoE/PPP header cut short */
	WS_PARSE_BAD_PPPOE,	   /**< PPPoE version/type not 1 */
	WS_PARSE_TRUNC_L3,	   /**< IPv4/IPv6/ARP header cut short */
	WS_PARSE_BAD_IP_VERSION,   /**< version nibble disagrees with the ethertype */
	WS_PARSE_BAD_IPV4_HDRLEN,  /**< IHL < 5 or beyond the total length */
	WS_PARSE_BAD_IPV4_TOTLEN,  /**< total length < header or > frame */
	WS_PARSE_BAD_IPV6_PLEN,	   /**< payload length beyond the frame */
	WS_PARSE_BAD_IPV6_CHAIN,   /**< extension header cut short or chain too long */
	WS_PARSE_TRUNC_L4,	   /**< TCP/UDP/SCTP/ICMP header cut short */
	WS_PARSE_BAD_TCP_HDRLEN,   /**< TCP data offset < 5 or beyond the segment */
	WS_PARSE_BAD_UDP_LEN,	   /**< UDP length < 8 */
	WS_PARSE_TRUNC_TUNNEL,	   /**< tunnel header cut short or malformed */
	WS_PARSE_TOO_MANY_TUNNELS, /**< nested deeper than WS_MAX_TUNNELS */
	WS_PARSE_BAD_LINKTYPE,	   /**< link type not supported */
	WS_PARSE_RC_MAX
};

/** Link header the frame starts with. */
enum ws_l2 {
	WS_L2_NONE = 0,
	WS_L2_ETH,  /**< Ethernet II */
	WS_L2_LLC,  /**< IEEE 802.3 with a length field (LLC/SNAP, STP...): not decoded */
	WS_L2_SLL,  /**< Linux cooked v1 */
	WS_L2_SLL2, /**< Linux cooked v2 */
	WS_L2_RAW,  /**< no link header: raw IPv4/IPv6 */
	WS_L2_NULL, /**< BSD loopback (DLT_NULL/DLT_LOOP) */
};

/** Outermost network layer. */
enum ws_l3 {
	WS_L3_NONE = 0, /**< not reached (malformed before it) */
	WS_L3_IPV4,
	WS_L3_IPV6,
	WS_L3_ARP,
	WS_L3_OTHER, /**< not IP nor ARP: LLC, LLDP, unknown ethertype or MPLS payload */
};

/** Innermost tunnel crossed. */
enum ws_tunnel {
	WS_TUN_NONE = 0,
	WS_TUN_GRE,
	WS_TUN_VXLAN,
	WS_TUN_GENEVE,
	WS_TUN_GTPU,
	WS_TUN_IPIP, /**< IPv4 or IPv6 directly in IPv4 or IPv6 (IP-in-IP, 6in4, 4in6) */
};

/** struct ws_ip.frag bits. */
#define WS_FRAG_ANY 0x1	  /**< IPv4 MF/offset, or an IPv6 fragment header (atomic ones too) */
#define WS_FRAG_LATER 0x2 /**< offset > 0: no L4 header in this packet */
#define WS_FRAG_MORE 0x4  /**< more fragments follow: the payload here is incomplete */

/** TCP flags, as on the wire (byte 13). */
#define WS_TCP_FIN 0x01
#define WS_TCP_SYN 0x02
#define WS_TCP_RST 0x04
#define WS_TCP_PSH 0x08
#define WS_TCP_ACK 0x10
#define WS_TCP_URG 0x20
#define WS_TCP_ECE 0x40
#define WS_TCP_CWR 0x80

/** One IP header and what follows it. Offsets are from the start of the frame. */
struct ws_ip {
	uint8_t version;      /**< 0 (none), 4 or 6 */
	uint8_t proto;	      /**< L4 protocol after IPv6 extension headers */
	uint8_t frag;	      /**< WS_FRAG_* bits */
	uint8_t has_l4;	      /**< the L4 header below was decoded */
	uint16_t l3_off;      /**< IP header */
	uint16_t l4_off;      /**< L4 header (valid when has_l4) */
	uint16_t end;	      /**< end of the IP datagram within the captured bytes */
	uint16_t payload_off; /**< L4 payload (TCP after options, UDP after 8 bytes) */
	uint16_t sport;	      /**< TCP/UDP/SCTP source port, host order */
	uint16_t dport;	      /**< TCP/UDP/SCTP destination port, host order */
	uint8_t icmp_type;    /**< ICMP/ICMPv6 type */
	uint8_t icmp_code;    /**< ICMP/ICMPv6 code */
	uint8_t tcp_flags;    /**< WS_TCP_* */
	uint8_t pad;
};

/** Result of ws_parse_pkt(): one cache line, no implicit padding. */
struct ws_pkt {
	uint8_t rc;	   /**< enum ws_parse_rc: first problem met, WS_PARSE_OK if none */
	uint8_t l2;	   /**< enum ws_l2 */
	uint8_t l3;	   /**< enum ws_l3 of the outermost network layer */
	uint8_t tunnel;	   /**< enum ws_tunnel, innermost one crossed */
	uint8_t n_tunnels; /**< tunnel headers crossed */
	uint8_t n_vlans;   /**< 802.1Q/802.1ad tags in front of the outer L3 */
	uint8_t n_mpls;	   /**< MPLS labels in front of the outer L3 */
	uint8_t pppoe;	   /**< crossed a PPPoE session header */
	uint8_t pad[2];
	uint16_t ethertype;	     /**< ethertype of the outer L3 (after tags), 0 if none */
	uint16_t vlan[WS_MAX_VLANS]; /**< VLAN ids, outermost first */
	uint32_t mpls_top;	     /**< first (outermost) MPLS label */
	struct ws_ip outer;	     /**< outermost IP header */
	struct ws_ip inner;	     /**< innermost IP header; a copy of outer without tunnel */
};

_Static_assert(sizeof(struct ws_pkt) == 64, "struct ws_pkt is one cache line");

/** Where ws_parse_host() found the name. */
enum ws_host_source {
	WS_HOST_NONE = 0,
	WS_HOST_DNS,
	WS_HOST_TLS,
	WS_HOST_HTTP,
	WS_HOST_QUIC,	    /**< QUIC v1 Initial: the ClientHello SNI (lib/names) */
	WS_HOST_DNS_ANSWER, /**< an address a DNS answer named (lib/names): flows only */
	WS_HOST_SOURCE_MAX
};

/** HTTP request methods recognised. */
enum ws_http_method {
	WS_HTTP_NONE = 0,
	WS_HTTP_GET,
	WS_HTTP_HEAD,
	WS_HTTP_POST,
	WS_HTTP_PUT,
	WS_HTTP_DELETE,
	WS_HTTP_CONNECT,
	WS_HTTP_OPTIONS,
	WS_HTTP_TRACE,
	WS_HTTP_PATCH,
	WS_HTTP_MSEARCH, /**< SSDP */
	WS_HTTP_NOTIFY,	 /**< SSDP */
	WS_HTTP_METHOD_MAX
};

/** A hostname copied out of the payload, NUL-terminated. */
struct ws_host {
	uint8_t source; /**< enum ws_host_source */
	uint8_t method; /**< enum ws_http_method, for HTTP */
	uint16_t len;	/**< strlen(name) */
	char name[WS_HOST_MAX + 1];
};

/** Link types (LINKTYPE_* of pcap) ws_parse_link() accepts. */
#define WS_LINKTYPE_NULL 0
#define WS_LINKTYPE_ETHERNET 1
#define WS_LINKTYPE_RAW 101
#define WS_LINKTYPE_LOOP 108
#define WS_LINKTYPE_LINUX_SLL 113
#define WS_LINKTYPE_IPV4 228
#define WS_LINKTYPE_IPV6 229
#define WS_LINKTYPE_LINUX_SLL2 276

/**
 * Dissect an Ethernet frame.
 *
 * @param data  first byte of the frame
 * @param len   bytes available at data (captured length)
 * @param pkt   filled; valid whatever the return value
 * @return WS_PARSE_OK, or the reason decoding stopped (also in pkt->rc)
 */
int ws_parse_pkt(const uint8_t *data, uint32_t len, struct ws_pkt *pkt);

/**
 * Dissect a frame of any supported link type.
 *
 * @return as ws_parse_pkt(); WS_PARSE_BAD_LINKTYPE when linktype is not
 *         supported (see ws_parse_linktype_ok())
 */
int ws_parse_link(int linktype, const uint8_t *data, uint32_t len, struct ws_pkt *pkt);

/** @return 1 if ws_parse_link() decodes this pcap LINKTYPE_ value, else 0. */
int ws_parse_linktype_ok(int linktype);

/**
 * Extract the hostname the innermost TCP/UDP payload names, told by port
 * (DNS on 53, mDNS 5353, LLMNR 5355; SSDP on UDP 1900) or by content on any
 * TCP port (TLS handshake record, HTTP/1.x request line): the first question of a DNS query
 * (labels and compression pointers decoded, lower-cased), the SNI of a TLS
 * ClientHello contained in this segment, or the Host header of an HTTP/1.x
 * request (with its method).
 *
 * @return 0 with h filled, -ENOENT when the packet names no host (a DNS
 *         response, a TLS record that is no ClientHello, no Host header),
 *         -ENODATA when the message goes on past this segment, -EBADMSG
 *         when the application data is malformed. h->name is always a
 *         string; h->method is set for any HTTP request.
 */
int ws_parse_host(const uint8_t *data, uint32_t len, const struct ws_pkt *pkt, struct ws_host *h);

/**
 * SNI of a TLS ClientHello handshake message (RFC 8446 4.1.2), starting at
 * its type byte (as QUIC CRYPTO frames carry it). Reads only n bytes.
 *
 * @return as ws_parse_host(): 0 (h->source WS_HOST_TLS), -ENOENT (not a
 *         ClientHello, or no SNI), -ENODATA (goes on past n), -EBADMSG
 */
int ws_parse_tls_client_hello(const uint8_t *msg, uint32_t n, struct ws_host *h);

/** The same, for a TLS handshake record (from its 5-byte header), as on TCP. */
int ws_parse_tls_record_hello(const uint8_t *rec, uint32_t n, struct ws_host *h);

/**
 * The DNS name at offset off of a DNS message (compression pointers
 * followed backwards only, at most 16), lower-cased, as ws_parse_host()
 * gives a query's. @return 0 (h->source WS_HOST_DNS) or -EBADMSG
 */
int ws_parse_dns_name(const uint8_t *msg, uint32_t n, uint32_t off, struct ws_host *h);

/** @return a short constant name for a reason code ("trunc_l3"). */
const char *ws_parse_rc_str(int rc);

/** @return the method name ("GET") or "" for WS_HTTP_NONE. */
const char *ws_http_method_str(int method);

#endif /* WS_PARSE_H */
