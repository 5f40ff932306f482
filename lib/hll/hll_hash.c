/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws_hll_hash(): a multiply-xor hash in the style of wyhash (Wang Yi) and
 * mum-hash (V. Makarov). Its one primitive multiplies two 64-bit words into a
 * 128-bit product and xors its halves back into both words; one such round
 * diffuses every input bit into both output halves, and two rounds pass the
 * avalanche and uniformity checks of tests/unit/test_hll.c.
 *
 * Keys of up to 16 bytes (every address and 5-tuple key of this project but
 * the IPv6 one) are read as two possibly overlapping 64-bit words a, b; longer
 * keys first fold each 16-byte block into the state s. Then
 *
 *   (a, b) = mum(a ^ K1, b ^ s);  hash = fold(mum(a ^ K0 ^ len, b ^ K1))
 *
 * The length enters the last round, so keys that read as the same words but
 * differ in length hash apart. Xoring the product into the inputs, rather than
 * replacing them, keeps their entropy even when one multiplicand is zero.
 */
#include <endian.h>
#include <string.h>

#include "hll_internal.h"

/* 2^64 / golden ratio, and the SplitMix64 multipliers: odd, about 32 bits set. */
#define K0 UINT64_C(0x9e3779b97f4a7c15)
#define K1 UINT64_C(0xbf58476d1ce4e5b9)
#define K2 UINT64_C(0x94d049bb133111eb)

static inline void
mum(uint64_t *a, uint64_t *b)
{
	__uint128_t r = (__uint128_t)*a * *b;

	*a ^= (uint64_t)r;
	*b ^= (uint64_t)(r >> 64);
}

static inline uint64_t
mix(uint64_t a, uint64_t b)
{
	mum(&a, &b);
	return a ^ b;
}

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline uint64_t
load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* 0 to 16 bytes as two words; every byte is read at least once. */
static inline void
load_short(const uint8_t *p, size_t len, uint64_t *a, uint64_t *b)
{
	if (len >= 8) {
		*a = load64(p);
		*b = load64(p + len - 8);
	} else if (len >= 4) {
		*a = load32(p) << 32 | load32(p + len - 4);
		*b = load32(p + len - 4) << 32 | load32(p);
	} else if (len > 0) {
		*a = (uint64_t)p[0] << 16 | (uint64_t)p[len >> 1] << 8 | p[len - 1];
		*b = 0;
	} else {
		*a = 0;
		*b = 0;
	}
}

uint64_t
ws_hll_hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t s = K2, a, b;
	size_t i = len;

	if (len <= 16) {
		load_short(p, len, &a, &b);
	} else {
		for (; i > 16; i -= 16, p += 16)
			s = mix(load64(p) ^ K1, load64(p + 8) ^ s);
		/* The last 16 bytes, overlapping the previous block when len % 16 != 0. */
		a = load64(p + i - 16);
		b = load64(p + i - 8);
	}
	a ^= K1;
	b ^= s;
	mum(&a, &b);
	return mix(a ^ K0 ^ len, b ^ K1);
}
