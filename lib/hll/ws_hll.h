/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * HyperLogLog distinct counter (cardinality estimator).
 *
 * Plain C, no DPDK. One sketch estimates how many distinct keys (source IPs,
 * destination IPs, flows) it was given, in 2^p one-byte registers, with a
 * relative standard error of 1.04 / sqrt(2^p) (ws_hll_std_error()). It is the
 * HyperLogLog of Flajolet, Fusy, Gandouet and Meunier (AofA 2007) with the
 * 64-bit hash of HyperLogLog++ (Heule, Nunkesser and Hall, EDBT 2013), so that
 * there is no large-range correction, and with Ertl's improved estimator
 * ("New cardinality estimation algorithms for HyperLogLog sketches", 2017)
 * instead of the raw estimate plus linear counting: it is linear counting for
 * small cardinalities, has no bias bump where HLL++ switches estimators, and
 * needs no empirical bias tables. See docs/hll.md.
 *
 * Each RX lcore owns its sketches; the management lcore merges them with
 * ws_hll_merge() (register-wise max), which gives exactly the sketch of the
 * union of the streams. Sketches of different p do not merge.
 *
 * All memory is allocated by ws_hll_create(). No other call allocates, logs
 * or blocks. A sketch has one writer; callers that share one between threads
 * synchronise themselves (e.g. the writer ws_hll_copy()s a snapshot).
 */
#ifndef WS_HLL_H
#define WS_HLL_H

#include <stddef.h>
#include <stdint.h>

/** Smallest precision: 16 registers, 26 % standard error. */
#define WS_HLL_P_MIN 4
/** Largest precision: 256 KiB of registers, 0.2 % standard error. */
#define WS_HLL_P_MAX 18

/**
 * A sketch. Public only so that ws_hll_add_hash() inlines: use the functions,
 * and treat the fields as read-only.
 */
struct ws_hll {
	uint8_t p;	/**< precision: 2^p registers */
	uint8_t regs[]; /**< register j: the largest rank seen, 0 (none) to 65 - p */
};

/**
 * Create an empty sketch.
 *
 * @param p
 *   Precision, WS_HLL_P_MIN to WS_HLL_P_MAX: 2^p registers of one byte each.
 * @return
 *   The sketch, or NULL with errno set to EINVAL (bad p) or ENOMEM.
 */
struct ws_hll *ws_hll_create(unsigned int p);

/** Free a sketch; NULL is ignored. */
void ws_hll_destroy(struct ws_hll *h);

/** Forget every key, keeping the memory. O(2^p). */
void ws_hll_reset(struct ws_hll *h);

/**
 * Count one key given by its 64-bit hash. Hot path: no allocation, no call,
 * one load and at most one store of a register.
 *
 * The top p bits of the hash select register j; the rank is 1 + the number of
 * leading zeros of the other 64 - p bits (65 - p when they are all zero), and
 * register j keeps the largest rank seen. The hash must be uniform on all 64
 * bits, such as ws_hll_hash(); a key must always get the same hash, in every
 * sketch that will be merged.
 */
static inline void
ws_hll_add_hash(struct ws_hll *h, uint64_t hash)
{
	unsigned int p = h->p;
	/* The stop bit at 2^(p-1) caps the count at 64 - p, and keeps clz's input nonzero. */
	uint8_t rank = (uint8_t)(__builtin_clzll((hash << p) | (UINT64_C(1) << (p - 1))) + 1);
	uint8_t *reg = &h->regs[hash >> (64 - p)];

	if (rank > *reg)
		*reg = rank;
}

/**
 * A 64-bit hash of key_len bytes, the one ws_hll_add() uses.
 *
 * A multiply-xor ("MUM") construction in the style of wyhash: 64x64 -> 128-bit
 * products folded by xor, two rounds for keys of up to 16 bytes (IPv4 and IPv6
 * addresses) and one more per further 16 bytes. Fixed seed, so that every
 * lcore hashes a key alike; the result does not depend on the key's alignment
 * or on the host's byte order. Not a cryptographic hash: someone who knows it
 * can choose keys that collide.
 *
 * @param key
 *   len bytes; may be NULL when len is 0.
 */
uint64_t ws_hll_hash(const void *key, size_t len);

/** Count one key: ws_hll_add_hash(h, ws_hll_hash(key, len)). */
void ws_hll_add(struct ws_hll *h, const void *key, size_t len);

/**
 * Merge src into dst: register-wise max. dst then equals the sketch of the
 * union of both streams, whatever the order of merges. src is not modified;
 * dst == src is allowed. O(2^p).
 *
 * @return
 *   0, or -EINVAL if the precisions differ.
 */
int ws_hll_merge(struct ws_hll *dst, const struct ws_hll *src);

/**
 * Make dst an exact copy of src, e.g. a snapshot for readers. O(2^p).
 *
 * @return
 *   0, or -EINVAL if the precisions differ.
 */
int ws_hll_copy(struct ws_hll *dst, const struct ws_hll *src);

/**
 * Estimated number of distinct keys counted (rounded to the nearest integer).
 * 0 for an empty sketch; exact in practice for a handful of keys. O(2^p), no
 * allocation: a histogram of the registers, then Ertl's improved estimator.
 * UINT64_MAX only if every register is saturated (far beyond 2^64 keys).
 */
uint64_t ws_hll_estimate(const struct ws_hll *h);

/**
 * Relative standard error of ws_hll_estimate() for 2^p registers,
 * 1.04 / sqrt(2^p): about 68 % of estimates lie within this fraction of the
 * true count, 99.7 % within three times it.
 */
double ws_hll_std_error(unsigned int p);

#endif /* WS_HLL_H */
