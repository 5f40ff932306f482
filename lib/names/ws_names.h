/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Hostnames that one packet alone does not give (docs/dissector.md, "Names
 * beyond one packet"):
 *
 * - QUIC v1 Initial SNI: the client Initial is decrypted with the keys its
 *   Destination Connection ID gives (RFC 9001 5.2), its CRYPTO frames put in
 *   order, and the ClientHello in them read for the SNI;
 * - TLS ClientHellos longer than their first TCP segment: the first client
 *   bytes are kept in a slot of a preallocated pool until the SNI is found;
 * - DNS answers: the A/AAAA addresses of a response, remembered with the
 *   query name, name the flows to those addresses that carry no name.
 *
 * Plain C, no DPDK. One struct ws_names belongs to one thread (an RX lcore):
 * ws_names_create() allocates all of its memory, and no other call allocates,
 * locks or logs (OpenSSL's cipher contexts are created once and re-keyed).
 */
#ifndef WS_NAMES_H
#define WS_NAMES_H

#include <stdint.h>

#include <ws_parse.h>

/** @name Defaults, for the fields of struct ws_names_conf left at 0. */
/** @{ */
#define WS_NAMES_DEFAULT_HELLO_SLOTS 256
#define WS_NAMES_DEFAULT_HELLO_BYTES 4096
#define WS_NAMES_DEFAULT_HELLO_TIMEOUT_NS (2ull * 1000000000)
#define WS_NAMES_DEFAULT_DNS_ANSWERS 65536
/** @} */
/** Largest hello_bytes (the ClientHello length field allows 16 MiB; real ones are a few KiB). */
#define WS_NAMES_HELLO_BYTES_MAX 65536
/** Largest hello_slots and dns_answers. */
#define WS_NAMES_SLOTS_MAX (1u << 24)
/** CRYPTO stream bytes kept for one QUIC ClientHello (a post-quantum one is about 2 KB). */
#define WS_QUIC_CRYPTO_MAX 4096
/** QUIC ClientHellos gathered at once per context, one per connection (DCID). */
#define WS_QUIC_HELLOS 16

struct ws_names_conf {
	uint32_t hello_slots;	   /**< TCP ClientHellos reassembled at once; 0: 256 */
	uint32_t hello_bytes;	   /**< bytes kept per ClientHello; 0: 4096 */
	uint64_t hello_timeout_ns; /**< a slot idle this long is given up; 0: 2 s */
	uint32_t dns_answers;	   /**< addresses remembered from DNS answers; 0: 65536 */
};

/** What the names found and gave up; uint64_t only (summed as an array by lib/stats). */
struct ws_names_counters {
	uint64_t quic_initials;	    /**< UDP payloads tried as QUIC v1 client Initials */
	uint64_t quic_opened;	    /**< of those, decrypted (the AEAD tag checked) */
	uint64_t quic_partial;	    /**< opened, the ClientHello goes on in another Initial */
	uint64_t hello_started;	    /**< TCP ClientHellos longer than their segment, kept */
	uint64_t hello_reassembled; /**< names found in kept ClientHellos */
	uint64_t hello_pool_full;   /**< a ClientHello not kept: no free slot */
	uint64_t hello_gave_up;	  /**< kept ones dropped: gap, FIN/RST, timeout, too long, no SNI */
	uint64_t dns_answers;	  /**< A/AAAA answers remembered */
	uint64_t dns_replaced;	  /**< remembered answers pushed out by newer ones */
	uint64_t dns_named_flows; /**< flows named by a remembered answer */
};

struct ws_names;

/**
 * @param c  NULL for the defaults
 * @return a new object, or NULL with errno EINVAL (a size out of range) or ENOMEM
 */
struct ws_names *ws_names_create(const struct ws_names_conf *c);

void ws_names_destroy(struct ws_names *nm);

/** @return bytes allocated (fixed from create to destroy), OpenSSL's contexts aside. */
size_t ws_names_memory(const struct ws_names *nm);

/**
 * ws_parse_host() plus what needs state: QUIC Initials, ClientHellos over
 * several TCP segments (a name found in a later segment is returned with
 * that segment), and DNS responses (remembered; they name nothing here).
 *
 * @param ts_ns  the packet's time, for the slots' timeout
 * @param cnt    counters to add to
 * @return as ws_parse_host(): 0 with h filled, -ENOENT, -ENODATA or -EBADMSG
 */
int ws_names_host(struct ws_names *nm, const uint8_t *data, uint32_t len, const struct ws_pkt *p,
		  uint64_t ts_ns, struct ws_host *h, struct ws_names_counters *cnt);

/**
 * The name a remembered DNS answer gave an address. Other threads may call it
 * while the owner adds answers: an entry being written then reads as a miss.
 *
 * @param addr  4 (version 4) or 16 bytes
 * @return the name's length, copied NUL-terminated into out (cut to size - 1), or 0
 */
unsigned int ws_names_addr(const struct ws_names *nm, uint8_t version, const uint8_t *addr,
			   char *out, unsigned int size);

/** @name QUIC Initials (RFC 9001), for ws_names_host() and tests. */
/** @{ */
struct ws_quic;

/** Initial packet protection keys of one side. */
struct ws_quic_keys {
	uint8_t secret[32];
	uint8_t key[16];
	uint8_t iv[12];
	uint8_t hp[16];
};

/**
 * The client's Initial keys for a Destination Connection ID (RFC 9001 5.2).
 * @return 0, or -ENOTSUP for a version without known Initial salt
 */
int ws_quic_client_keys(uint32_t version, const uint8_t *dcid, unsigned int dcid_len,
			struct ws_quic_keys *k);

/** @return a QUIC context (cipher contexts and buffers), or NULL with errno set. */
struct ws_quic *ws_quic_create(void);

void ws_quic_destroy(struct ws_quic *q);

/**
 * The SNI of a client Initial, given the UDP payload. A ClientHello spread
 * over several Initials of the same connection (DCID) is put together, for
 * up to WS_QUIC_HELLOS connections at once; a new one replaces the oldest.
 *
 * @return 0 (h->source WS_HOST_QUIC); -ENOENT: not a v1 client Initial this
 *         context can open, or no SNI; -ENODATA: the hello goes on in
 *         another Initial; -EBADMSG: opened, but its frames or hello are broken
 */
int ws_quic_initial_sni(struct ws_quic *q, const uint8_t *udp_payload, uint32_t n,
			struct ws_host *h, struct ws_names_counters *cnt);
/** @} */

#endif /* WS_NAMES_H */
