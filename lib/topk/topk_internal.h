/* SPDX-License-Identifier: BSD-3-Clause */
/* Layout of struct ws_topk and the helpers shared by topk.c and topk_merge.c. */
#ifndef TOPK_INTERNAL_H
#define TOPK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ws_topk.h"

/* topk_find() result for a key that is not held. */
#define TOPK_NONE UINT32_MAX

/*
 * One counter: 32 bytes, two per cache line, everything the update touches
 * except the key, which lives in a separate array so that heap repairs walk
 * dense counters.
 */
struct topk_counter {
	uint64_t packets; /* heap order */
	uint64_t bytes;
	uint64_t error;
	uint32_t heap_pos; /* index in ws_topk.heap */
	uint16_t key_len;
	uint16_t pad;
};
_Static_assert(sizeof(struct topk_counter) == 32, "two counters per cache line");

/*
 * A heap node: the counter's packets beside its index, so that repairs compare
 * without following the index, and its key's hash, so that a replaced key's
 * slot is found without hashing the key again.
 */
struct topk_node {
	uint64_t packets; /* = ctr[idx].packets */
	uint32_t idx;
	uint32_t tag;
};

/*
 * The heap is 4-ary: half the depth of a binary one, and the four children of
 * a node share a cache line, since heap[0] sits 3 nodes into its allocation.
 */
#define TOPK_ARITY 4
#define TOPK_HEAP_PAD 3

/* Hash index slot, linear probing. The home slot is tag & mask. */
struct topk_slot {
	uint32_t tag; /* 32 bits of the key's hash */
	uint32_t idx; /* counter index + 1; 0 is an empty slot */
};

struct ws_topk {
	/* Fixed at create. */
	uint32_t capacity;
	uint32_t key_size;
	uint32_t mask;		  /* hash index slots - 1, slots >= 2 * capacity */
	uint32_t size;		  /* counters in use: ctr[0 .. size - 1] */
	uint64_t seed;		  /* per-instance hash seed */
	struct topk_counter *ctr; /* capacity counters */
	struct topk_node *heap;	  /* min-heap on packets; TOPK_HEAP_PAD nodes before it */
	struct topk_slot *slot;	  /* mask + 1 slots */
	uint8_t *keys;		  /* capacity * key_size bytes */
	uint64_t *filter;	  /* admission filter: filter_mask + 1 cells */
	uint32_t filter_mask;
	/* Totals. */
	uint64_t floor; /* bound on errors and on keys not held */
	uint64_t total; /* packets counted */
	uint64_t evictions;
	uint64_t filtered; /* updates of keys not held that only raised a filter cell */
};

/* Values of a counter being placed; heap_pos is set by the callee. */
struct topk_counts {
	uint64_t packets;
	uint64_t bytes;
	uint64_t error;
};

#define TOPK_P1 0x9e3779b97f4a7c15ULL
#define TOPK_P2 0xc2b2ae3d27d4eb4fULL

/*
 * Filtered Space-Saving (Homem and Carvalho, 2010): a key not held is admitted
 * only once its filter cell, plus its packets, reaches the minimum counter.
 * A cell bounds the true count of every key not held that maps to it, and
 * never exceeds the floor. Its index takes the hash's high bits; the index
 * slots take the low ones.
 */
#define TOPK_FILTER_PER_COUNTER 4

static inline uint64_t *
topk_cell(const struct ws_topk *t, uint32_t h)
{
	/* the high half of a 64-bit product: up to 32 index bits, whatever the capacity */
	return &t->filter[(uint32_t)(((uint64_t)h * TOPK_P1) >> 32) & t->filter_mask];
}

static inline uint64_t
topk_fmix(uint64_t x)
{
	/* splitmix64 / MurmurHash3 finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t
topk_round(uint64_t h, uint64_t w)
{
	w *= TOPK_P2;
	w = (w << 31) | (w >> 33);
	h ^= w * TOPK_P1;
	return ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
}

/*
 * The last 1-7 bytes of a key as one word, without a byte-by-byte copy: two
 * overlapping 32-bit loads, or three single bytes (as wyhash does). One-to-one
 * for a given n, which the hash mixes in.
 */
static inline uint64_t
topk_tail(const uint8_t *p, uint32_t n)
{
	uint32_t lo, hi;

	if (n >= 4) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		return (uint64_t)hi << 32 | lo;
	}
	return (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
}

/* Seeded 64-bit multiply-rotate hash (MurmurHash3 rounds), folded to 32 bits. */
static inline uint32_t
topk_hash(uint64_t seed, const void *key, uint16_t len)
{
	const uint8_t *p = key;
	uint64_t h = seed ^ (len * TOPK_P1);
	uint32_t left = len;
	uint64_t w;

	for (; left >= 8; left -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = topk_round(h, w);
	}
	if (left > 0) {
		if (len >= 8)
			memcpy(&w, p + left - 8, 8); /* the last 8 bytes, overlapping */
		else
			w = topk_tail(p, left);
		h = topk_round(h, w);
	}
	h = topk_fmix(h);
	return (uint32_t)(h ^ (h >> 32));
}

static inline uint8_t *
topk_key(const struct ws_topk *t, uint32_t i)
{
	return t->keys + (size_t)i * t->key_size;
}

uint32_t topk_find(const struct ws_topk *t, uint32_t h, const void *key, uint16_t len,
		   uint32_t *pos);
void topk_add(struct ws_topk *t, uint32_t pos, uint32_t h, const void *key, uint16_t len,
	      const struct topk_counts *v);
void topk_replace_min(struct ws_topk *t, uint32_t h, const void *key, uint16_t len,
		      const struct topk_counts *v);
/* Sift the node at pos down after its packets grew (ctr and node both updated). */
void topk_sift_down(struct ws_topk *t, uint32_t pos);
void topk_heapify(struct ws_topk *t);

#endif /* TOPK_INTERNAL_H */
