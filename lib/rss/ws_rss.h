/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Symmetric Toeplitz hashing, as NICs do RSS, computed in software.
 *
 * With the key 0x6d5a repeated, the Toeplitz hash of (src, dst, sport,
 * dport) equals that of (dst, src, dport, sport), so both directions of a
 * flow reach the same queue or lcore (Woo and Park, "Scalable TCP Session
 * Monitoring with Symmetric Receive-side Scaling", 2012). NICs use the key
 * for hardware RSS; where a port has one queue, the RX lcore that reads it
 * spreads packets with the same hash computed here. A table of 256 entries
 * per input byte makes it one load and XOR per byte. Plain C, no DPDK.
 */
#ifndef WS_RSS_H
#define WS_RSS_H

#include <stdint.h>

#include <ws_parse.h>

/** Longest key NICs take (i40e, ice: 52 bytes; most others 40). */
#define WS_RSS_KEY_LEN 52
/** Longest hashed input: IPv6 source, destination and two ports. */
#define WS_RSS_INPUT_MAX 36

/** The symmetric key, 0x6d 0x5a repeated; NICs take its first hash_key_size bytes. */
extern const uint8_t ws_rss_key[WS_RSS_KEY_LEN];

/** Precomputed Toeplitz contributions: t[byte position][byte value]. */
struct ws_rss_table {
	uint32_t t[WS_RSS_INPUT_MAX][256];
};

/** Fill the table for a key of at least WS_RSS_INPUT_MAX + 4 bytes. */
void ws_rss_table_init(struct ws_rss_table *t, const uint8_t *key);

/** Toeplitz hash of len (<= WS_RSS_INPUT_MAX) input bytes, as a NIC computes it. */
static inline uint32_t
ws_rss_hash(const struct ws_rss_table *t, const uint8_t *in, unsigned int len)
{
	uint32_t h = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		h ^= t->t[i][in[i]];
	return h;
}

/**
 * Hash of a decoded packet's outer header: addresses and TCP/UDP/SCTP ports;
 * addresses only for fragments (later ones carry no ports) and other
 * protocols, as NICs hash them; 0 for packets without IP.
 */
uint32_t ws_rss_hash_pkt(const struct ws_rss_table *t, const uint8_t *data, const struct ws_pkt *p);

/** Map a hash to one of n targets without a division. */
static inline unsigned int
ws_rss_target(uint32_t hash, unsigned int n)
{
	return (unsigned int)(((uint64_t)hash * n) >> 32);
}

#endif /* WS_RSS_H */
