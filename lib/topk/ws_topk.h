/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Bounded heavy-hitter summary for "top N" tables (Space-Saving).
 *
 * Plain C, no DPDK. One instance counts the packets and bytes of at most
 * `capacity` distinct keys (destination IPs, source IPs, ports, hostnames)
 * with the Space-Saving algorithm (Metwally, Agrawal, El Abbadi, ICDT 2005):
 * a key not held takes the place of the smallest counter and inherits an
 * overestimate of its past, recorded in the entry's error. An admission filter
 * (Filtered Space-Saving, Homem and Carvalho, 2010) keeps that past per hash
 * cell, so that a key of the long tail raises a cell instead of displacing a
 * counter, which is where most of the cost of a summary under churn lies.
 * Each RX lcore owns
 * its instances; the management lcore merges them (Agarwal et al., "Mergeable
 * Summaries", PODS 2012) and reads the largest entries.
 *
 * Guarantees, N being the packets given to ws_topk_update() (for a merge, the
 * sum over the merged summaries):
 * - every entry satisfies true <= packets <= true + error;
 * - error <= ws_topk_error_bound(), and so does the true count of any key that
 *   is not held;
 * - ws_topk_error_bound() <= N / capacity for one stream, and for merges of
 *   summaries with equal capacities; it is 0, and every count exact, while no
 *   key was ever displaced (at most `capacity` distinct keys).
 *
 * All memory is allocated by ws_topk_create(). No other call allocates, logs
 * or blocks. An instance has one writer; callers that share one between
 * threads synchronise themselves (e.g. the writer ws_topk_copy()s a snapshot
 * that it hands over).
 */
#ifndef WS_TOPK_H
#define WS_TOPK_H

#include <stdint.h>

/** Longest key: a hostname of up to 255 bytes and its NUL. */
#define WS_TOPK_KEY_MAX 256
/** Most counters in one instance (about 1.1 GiB with 17-byte keys). */
#define WS_TOPK_CAPACITY_MAX (1u << 24)

/** Opaque summary. */
struct ws_topk;

/**
 * A view of one counter, filled by ws_topk_top() and ws_topk_get().
 *
 * `key` points into the summary: it stays valid until the next ws_topk_update(),
 * ws_topk_merge() into, ws_topk_copy() into, ws_topk_reset() or ws_topk_destroy()
 * of that summary. Readers normally take it from a private copy.
 */
struct ws_topk_entry {
	uint64_t packets;   /**< estimate: true <= packets <= true + error */
	uint64_t bytes;	    /**< estimate, see ws_topk_update() */
	uint64_t error;	    /**< packets counted that may belong to other keys */
	const uint8_t *key; /**< key_len bytes, not NUL-terminated */
	uint16_t key_len;   /**< 0 to the instance's key_size */
};

/**
 * Create a summary.
 *
 * @param capacity
 *   Counters, 1 to WS_TOPK_CAPACITY_MAX: at most that many distinct keys are held.
 * @param key_size
 *   Longest key accepted, 1 to WS_TOPK_KEY_MAX bytes (e.g. 5 for family + IPv4,
 *   17 for family + IPv6, 256 for hostnames). Every counter reserves this much.
 * @return
 *   The summary, or NULL with errno set to EINVAL (bad argument) or ENOMEM.
 */
struct ws_topk *ws_topk_create(uint32_t capacity, uint32_t key_size);

/** Free a summary; NULL is ignored. */
void ws_topk_destroy(struct ws_topk *t);

/** Forget every key and zero every count, keeping the memory. O(capacity). */
void ws_topk_reset(struct ws_topk *t);

/**
 * Count packets and bytes for one key. Hot path: no allocation, O(1) expected
 * hash lookup and O(log capacity) heap repair.
 *
 * A key not held takes a free counter. When all are used, its filter cell
 * (a count a, at most the error bound, of the packets that keys not held that
 * share the cell may have had) decides: while a + packets is below the fewest
 * packets held (m), only the cell grows, to a + packets. Otherwise the key
 * replaces the one with m packets: packets = a + packets, error = a, bytes =
 * bytes + that key's bytes for a packets, and the evicted key's cell is raised
 * to m. Bytes are inherited like packets so that bytes per packet stay
 * plausible, but carry no bound of their own: they rank entries only after
 * packets.
 *
 * @param key
 *   key_len bytes; may be NULL when key_len is 0 (the empty key is a key).
 * @param key_len
 *   At most the instance's key_size. Longer keys are rejected, never truncated,
 *   so that distinct keys are never counted together; callers that want a
 *   prefix pass a shorter key_len.
 * @return
 *   0, or -EINVAL for a key longer than key_size (nothing is counted, not even
 *   in ws_topk_total_packets()).
 */
int ws_topk_update(struct ws_topk *t, const void *key, uint16_t key_len, uint32_t packets,
		   uint32_t bytes);

/**
 * Look one key up.
 *
 * @return
 *   0 with *out filled, -ENOENT if the key is not held (its true count is at
 *   most ws_topk_error_bound()), or -EINVAL for a key longer than key_size.
 */
int ws_topk_get(const struct ws_topk *t, const void *key, uint16_t key_len,
		struct ws_topk_entry *out);

/**
 * Merge src into dst, as if dst had also seen src's stream.
 *
 * Counts of keys held by both are added; a key held by one side only gets the
 * other side's error bound added to its packets and error (it may have been
 * displaced there). Then the dst capacity largest are kept and the bound grows
 * to cover the rest. With capacities k_dst and k_src, errors stay within
 * N_dst / k_dst + N_src / min(k_dst, k_src), that is N / k for equal ones; the
 * result is exact while both were exact and the union of keys fits in dst.
 * src is not modified; capacities may differ. O((size_dst + size_src) log k_dst).
 *
 * @return
 *   0, or -EINVAL if dst == src or src->key_size > dst->key_size.
 */
int ws_topk_merge(struct ws_topk *dst, const struct ws_topk *src);

/**
 * Make dst an exact copy of src, e.g. a snapshot for readers. Cost: a memcpy
 * of the counters in use and of the hash index.
 *
 * @return
 *   0, or -EINVAL if capacities or key sizes differ (use ws_topk_reset() and
 *   ws_topk_merge() to copy into a larger summary).
 */
int ws_topk_copy(struct ws_topk *dst, const struct ws_topk *src);

/**
 * The n largest entries, sorted by packets descending, then bytes descending,
 * then key bytes ascending (memcmp; on an equal prefix the shorter key first).
 * O(size log n), no allocation.
 *
 * @param out
 *   Room for n entries.
 * @return
 *   Entries written: min(n, ws_topk_size(t)).
 */
uint32_t ws_topk_top(const struct ws_topk *t, struct ws_topk_entry *out, uint32_t n);

/**
 * The order of ws_topk_top(): negative if a comes first, 0 only for the same
 * key with the same counts.
 */
int ws_topk_entry_cmp(const struct ws_topk_entry *a, const struct ws_topk_entry *b);

/** Packets given to ws_topk_update() since create/reset, merged ones included. */
uint64_t ws_topk_total_packets(const struct ws_topk *t);

/**
 * Bound on every entry's error and on the true packet count of any key not
 * held; 0 while the summary is exact.
 */
uint64_t ws_topk_error_bound(const struct ws_topk *t);

/** Distinct keys held now, at most the capacity. */
uint32_t ws_topk_size(const struct ws_topk *t);

/** Counters, as given to ws_topk_create(). */
uint32_t ws_topk_capacity(const struct ws_topk *t);

/** Times a held key was replaced by another, merges included. */
uint64_t ws_topk_evictions(const struct ws_topk *t);

/** Updates of keys not held that the admission filter kept out, merges included. */
uint64_t ws_topk_filtered(const struct ws_topk *t);

#endif /* WS_TOPK_H */
