/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HyperLogLog tests: estimates of known cardinalities against the standard
 * error, the error distribution over seeds (printed for docs/hll.md), exact
 * results for tiny sets, duplicates, merge = sketch of the union, register
 * encoding, hash quality, copy, reset and bad arguments.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ws_hll.h>

#include "test_rng.h"

/* ---- seeded keys ---- */

static void
put_be(uint8_t *k, uint64_t v, unsigned int bytes)
{
	while (bytes-- > 0) {
		k[bytes] = (uint8_t)v;
		v >>= 8;
	}
}

/*
 * Key i of a seeded family: distinct for distinct i < 2^32. len 4 is an IPv4
 * address (a seeded base + i), len 16 an IPv6 address (2001:db8::/32, a seeded
 * 32-bit subnet, i as interface ID). Sequential, as addresses in a capture are.
 */
static void
make_key(uint8_t *k, size_t len, uint64_t seed, uint64_t i)
{
	uint64_t s = seed, r = rng_next(&s);

	if (len == 4) {
		put_be(k, (uint32_t)(r + i), 4);
	} else {
		put_be(k, 0x20010db800000000ULL | (r >> 32), 8);
		put_be(k + 8, i, 8);
	}
}

static void
add_range(struct ws_hll *h, size_t len, uint64_t seed, uint64_t from, uint64_t to)
{
	uint8_t k[16];

	for (uint64_t i = from; i < to; i++) {
		make_key(k, len, seed, i);
		ws_hll_add(h, k, len);
	}
}

static struct ws_hll *
create(unsigned int p)
{
	struct ws_hll *h = ws_hll_create(p);

	assert_non_null(h);
	return h;
}

static size_t
regs_size(const struct ws_hll *h)
{
	return (size_t)1 << h->p;
}

static void
assert_regs_equal(const struct ws_hll *a, const struct ws_hll *b)
{
	assert_int_equal(a->p, b->p);
	assert_memory_equal(a->regs, b->regs, regs_size(a));
}

static double
rel_err(uint64_t est, uint64_t n)
{
	return ((double)est - (double)n) / (double)n;
}

/* The bound of the brief: within 3 standard errors; tiny sets nearly exact. */
static void
check_estimate(const struct ws_hll *h, uint64_t n, const char *what)
{
	uint64_t est = ws_hll_estimate(h);
	double se = ws_hll_std_error(h->p);

	if (n == 0 || n == 1) {
		if (est != n)
			fail_msg("%s p=%u n=%" PRIu64 ": estimate %" PRIu64, what, h->p, n, est);
	} else if (n <= 10) {
		if (est + 1 < n || est > n + 1)
			fail_msg("%s p=%u n=%" PRIu64 ": estimate %" PRIu64 ", not within 1", what,
				 h->p, n, est);
	} else if (fabs(rel_err(est, n)) > 3 * se) {
		fail_msg("%s p=%u n=%" PRIu64 ": estimate %" PRIu64
			 ", error %+.4f beyond 3 SE = %.4f",
			 what, h->p, n, est, rel_err(est, n), 3 * se);
	}
}

/* ---- create, encoding, standard error ---- */

static void
test_create_bad_p(void **state)
{
	const unsigned int bad[] = {0, 1, WS_HLL_P_MIN - 1, WS_HLL_P_MAX + 1, 32, 64, UINT_MAX};
	struct ws_hll *h;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(ws_hll_create(bad[i]));
		assert_int_equal(errno, EINVAL);
	}
	for (unsigned int p = WS_HLL_P_MIN; p <= WS_HLL_P_MAX; p++) {
		h = create(p);
		assert_int_equal(h->p, p);
		for (size_t j = 0; j < regs_size(h); j++)
			assert_int_equal(h->regs[j], 0);
		assert_int_equal(ws_hll_estimate(h), 0);
		ws_hll_destroy(h);
	}
	ws_hll_destroy(NULL);
}

/* Top p bits pick the register, the rank is 1 + leading zeros of the rest. */
static void
test_add_hash_encoding(void **state)
{
	struct ws_hll *h = create(4), *big = create(WS_HLL_P_MAX);

	(void)state;
	ws_hll_add_hash(h, 0);			     /* register 0, all 60 bits zero */
	ws_hll_add_hash(h, UINT64_MAX);		     /* register 15, rank 1 */
	ws_hll_add_hash(h, 5ULL << 60 | 1ULL << 59); /* register 5, rank 1 */
	ws_hll_add_hash(h, 7ULL << 60 | 1);	     /* register 7, 59 zeros */
	ws_hll_add_hash(h, 9ULL << 60 | 1ULL << 50); /* register 9, 9 zeros */
	ws_hll_add_hash(h, 9ULL << 60 | 1ULL << 55); /* lower rank: no change */
	assert_int_equal(h->regs[0], 61);
	assert_int_equal(h->regs[15], 1);
	assert_int_equal(h->regs[5], 1);
	assert_int_equal(h->regs[7], 60);
	assert_int_equal(h->regs[9], 10);
	for (unsigned int j = 0; j < 16; j++)
		if (j != 0 && j != 15 && j != 5 && j != 7 && j != 9)
			assert_int_equal(h->regs[j], 0);

	ws_hll_add_hash(big, 0x12345ULL << 46);		     /* register 0x12345, rest zero */
	ws_hll_add_hash(big, 0x3ffffULL << 46 | 1ULL << 45); /* last register, rank 1 */
	assert_int_equal(big->regs[0x12345], 65 - WS_HLL_P_MAX);
	assert_int_equal(big->regs[0x3ffff], 1);
	ws_hll_destroy(h);
	ws_hll_destroy(big);
}

/* Every register at its largest rank: the estimate saturates instead of dividing by zero. */
static void
test_saturated(void **state)
{
	struct ws_hll *h = create(4);

	(void)state;
	for (uint64_t j = 0; j < 15; j++)
		ws_hll_add_hash(h, j << 60);
	/* One register still empty: linear counting keeps the estimate finite. */
	assert_true(ws_hll_estimate(h) > 15);
	assert_true(ws_hll_estimate(h) < UINT64_MAX);
	ws_hll_add_hash(h, 15ULL << 60);
	assert_int_equal(ws_hll_estimate(h), UINT64_MAX);
	ws_hll_destroy(h);
}

static void
test_std_error(void **state)
{
	(void)state;
	assert_float_equal(ws_hll_std_error(14), 0.008125, 1e-15);
	assert_float_equal(ws_hll_std_error(10), 0.0325, 1e-15);
	for (unsigned int p = WS_HLL_P_MIN; p <= WS_HLL_P_MAX; p++)
		assert_float_equal(ws_hll_std_error(p), 1.04 * pow(2, -(double)p / 2), 1e-12);
	printf("# p   registers (bytes)   standard error\n");
	for (unsigned int p = 10; p <= 16; p++)
		printf("# %-3u %-19u %.4f %%\n", p, 1u << p, 100 * ws_hll_std_error(p));
}

/* ---- the hash ---- */

static void
test_hash_basics(void **state)
{
	uint8_t buf[64 + 8], ref[64];
	uint64_t h[65], s = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(ref); i++)
		ref[i] = (uint8_t)rng_next(&s);
	assert_int_equal(ws_hll_hash(NULL, 0), ws_hll_hash(ref, 0));
	/* Every prefix of ref hashes apart (the length counts), the same from any alignment. */
	for (size_t len = 0; len <= 64; len++) {
		h[len] = ws_hll_hash(ref, len);
		for (size_t off = 1; off < 8; off++) {
			memcpy(buf + off, ref, len);
			assert_int_equal(ws_hll_hash(buf + off, len), h[len]);
		}
		for (size_t j = 0; j < len; j++)
			assert_true(h[j] != h[len]);
	}
	/* All-zero keys of every length hash apart too. */
	memset(buf, 0, sizeof(buf));
	for (size_t len = 0; len <= 64; len++) {
		h[len] = ws_hll_hash(buf, len);
		for (size_t j = 0; j < len; j++)
			assert_true(h[j] != h[len]);
	}
}

/*
 * Strict avalanche: flipping any one input bit flips each output bit with
 * probability 1/2. With 4000 random keys a cell's frequency has a standard
 * deviation of 0.008; 0.05 is more than 6 of them, and a flawed mix (a
 * missing round, an identity on some bits) is off by 0.1 to 0.5.
 */
static void
test_hash_avalanche(void **state)
{
	static const size_t lens[] = {4, 13, 16, 37};
	static uint32_t flips[37 * 8][64];
	const unsigned int keys = 4000;
	uint8_t k[37], k2[37];
	uint64_t s = 11, d;
	double worst;

	(void)state;
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		size_t len = lens[li], bits = len * 8;

		memset(flips, 0, sizeof(flips));
		for (unsigned int n = 0; n < keys; n++) {
			for (size_t i = 0; i < len; i++)
				k[i] = (uint8_t)rng_next(&s);
			for (size_t b = 0; b < bits; b++) {
				memcpy(k2, k, len);
				k2[b / 8] ^= (uint8_t)(1u << (b % 8));
				d = ws_hll_hash(k, len) ^ ws_hll_hash(k2, len);
				for (unsigned int j = 0; j < 64; j++)
					flips[b][j] += (d >> j) & 1;
			}
		}
		worst = 0;
		for (size_t b = 0; b < bits; b++)
			for (unsigned int j = 0; j < 64; j++)
				worst = fmax(worst, fabs((double)flips[b][j] / keys - 0.5));
		printf("# hash avalanche, %2zu-byte keys: worst |P(flip) - 1/2| = %.4f\n", len,
		       worst);
		assert_true(worst < 0.05);
	}
}

/*
 * Sequential IPv4 addresses (the hard case: they differ in a few low bits)
 * spread evenly over 4096 registers (chi-square) and get geometric ranks.
 */
static void
test_hash_uniform(void **state)
{
	const unsigned int p = 12, m = 1u << p, n = 1u << 21;
	uint32_t *bucket = calloc(m, sizeof(*bucket));
	uint32_t rank1 = 0;
	double chi2 = 0, e = (double)n / m, z;
	uint8_t k[4];
	uint64_t h;

	(void)state;
	assert_non_null(bucket);
	for (uint32_t i = 0; i < n; i++) {
		put_be(k, 0x0a000000u + i, 4);
		h = ws_hll_hash(k, 4);
		bucket[h >> (64 - p)]++;
		rank1 += (h >> (64 - p - 1)) & 1;
	}
	for (unsigned int j = 0; j < m; j++)
		chi2 += (bucket[j] - e) * (bucket[j] - e) / e;
	z = (chi2 - (m - 1)) / sqrt(2.0 * (m - 1));
	printf("# hash uniformity, 2^21 sequential IPv4: chi2 = %.0f for %u dof (z = %+.2f), "
	       "P(rank 1) = %.4f\n",
	       chi2, m - 1, z, (double)rank1 / n);
	assert_true(fabs(z) < 5);
	assert_true(fabs((double)rank1 / n - 0.5) < 5 * 0.5 / sqrt(n));
	free(bucket);
}

/* ---- accuracy ---- */

static const uint64_t checkpoints[] = {0, 1, 10, 100, 1000, 10000, 100000, 1000000};
#define N_CHECKPOINTS (sizeof(checkpoints) / sizeof(checkpoints[0]))

/* One pass over 10^6 keys, checking the estimate at each checkpoint. */
static void
accuracy_run(unsigned int p, size_t len, uint64_t seed, double err[N_CHECKPOINTS])
{
	struct ws_hll *h = create(p);
	uint64_t done = 0, n;
	char what[32];

	snprintf(what, sizeof(what), "%zu-byte keys", len);
	for (size_t c = 0; c < N_CHECKPOINTS; c++) {
		n = checkpoints[c];
		add_range(h, len, seed, done, n);
		done = n;
		check_estimate(h, n, what);
		err[c] = n == 0 ? 0 : rel_err(ws_hll_estimate(h), n);
	}
	ws_hll_destroy(h);
}

static void
test_accuracy(void **state)
{
	static const unsigned int ps[] = {12, 14};
	static const size_t lens[] = {4, 16};
	double err[N_CHECKPOINTS];

	(void)state;
	printf("# relative error of one sketch, seed 1 (3 SE: p=12 %.4f, p=14 %.4f)\n",
	       3 * ws_hll_std_error(12), 3 * ws_hll_std_error(14));
	for (size_t i = 0; i < 2; i++) {
		for (size_t j = 0; j < 2; j++) {
			accuracy_run(ps[i], lens[j], 1, err);
			printf("# p=%u %2zu-byte keys:", ps[i], lens[j]);
			for (size_t c = 1; c < N_CHECKPOINTS; c++)
				printf(" %" PRIu64 ":%+.4f", checkpoints[c], err[c]);
			printf("\n");
		}
	}
}

/*
 * Tiny sets over many seeds: 0 -> 0, 1 -> 1, 10 -> within 1. Linear counting
 * territory, where HyperLogLog's raw estimate would say about 0.7 m.
 */
static void
test_tiny(void **state)
{
	static const unsigned int ps[] = {12, 14};
	struct ws_hll *h;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		for (uint64_t seed = 1; seed <= 64; seed++) {
			h = create(ps[i]);
			check_estimate(h, 0, "tiny");
			for (uint64_t n = 1; n <= 10; n++) {
				add_range(h, seed % 2 ? 4 : 16, seed, n - 1, n);
				check_estimate(h, n, "tiny");
			}
			ws_hll_destroy(h);
		}
	}
}

/*
 * Error distribution over 32 seeds: mean (bias) and root mean square of the
 * relative error at each checkpoint. The RMS must stay within 1.5 SE (its own
 * sampling spread over 32 runs is about 13 %), the mean within 4 SE / sqrt(32).
 */
static void
test_error_distribution(void **state)
{
	static const unsigned int ps[] = {12, 14};
	enum { RUNS = 32 };
	double err[N_CHECKPOINTS], sum[N_CHECKPOINTS], sq[N_CHECKPOINTS], worst[N_CHECKPOINTS];
	double se, mean, rms;

	(void)state;
	printf("# %d runs of 4-byte keys: p, n, mean error, RMS error, worst error, SE\n", RUNS);
	for (size_t i = 0; i < 2; i++) {
		se = ws_hll_std_error(ps[i]);
		memset(sum, 0, sizeof(sum));
		memset(sq, 0, sizeof(sq));
		memset(worst, 0, sizeof(worst));
		for (uint64_t seed = 100; seed < 100 + RUNS; seed++) {
			accuracy_run(ps[i], 4, seed, err);
			for (size_t c = 0; c < N_CHECKPOINTS; c++) {
				sum[c] += err[c];
				sq[c] += err[c] * err[c];
				worst[c] = fmax(worst[c], fabs(err[c]));
			}
		}
		for (size_t c = 3; c < N_CHECKPOINTS; c++) {
			mean = sum[c] / RUNS;
			rms = sqrt(sq[c] / RUNS);
			printf("# %u %7" PRIu64 " %+.4f %.4f %.4f %.4f\n", ps[i], checkpoints[c],
			       mean, rms, worst[c], se);
			assert_true(rms <= 1.5 * se);
			assert_true(fabs(mean) <= 4 * se / sqrt(RUNS));
		}
	}
}

/* ---- duplicates, merge, copy, reset ---- */

/* Keys seen again, in any order and any number of times, change nothing. */
static void
test_duplicates(void **state)
{
	struct ws_hll *once = create(12), *many = create(12), *one = create(14);
	const uint64_t n = 50000;
	uint8_t k[16];

	(void)state;
	add_range(once, 16, 3, 0, n);
	for (unsigned int r = 1; r <= 4; r++) {
		for (uint64_t i = n; i-- > 0;) {
			if (i % 4 < r) {
				make_key(k, 16, 3, i);
				ws_hll_add(many, k, 16);
			}
		}
	}
	assert_regs_equal(once, many);
	assert_int_equal(ws_hll_estimate(once), ws_hll_estimate(many));
	check_estimate(many, n, "duplicates");

	make_key(k, 4, 9, 0);
	for (unsigned int r = 0; r < 100000; r++)
		ws_hll_add(one, k, 4);
	assert_int_equal(ws_hll_estimate(one), 1);
	ws_hll_destroy(once);
	ws_hll_destroy(many);
	ws_hll_destroy(one);
}

/*
 * Four per-lcore sketches over the key ranges [i * step, i * step + span),
 * merged in either order, equal the sketch of their union [0, 3 * step + span)
 * register for register.
 */
static void
merge_check(unsigned int p, uint64_t step, uint64_t span)
{
	struct ws_hll *part[4], *fwd = create(p), *rev = create(p), *all = create(p);
	uint64_t n = 3 * step + span;

	for (unsigned int i = 0; i < 4; i++) {
		part[i] = create(p);
		add_range(part[i], 4, 5, i * step, i * step + span);
		check_estimate(part[i], span, "merge part");
	}
	add_range(all, 4, 5, 0, n);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(ws_hll_merge(fwd, part[i]), 0);
		assert_int_equal(ws_hll_merge(rev, part[3 - i]), 0);
	}
	assert_regs_equal(fwd, all);
	assert_regs_equal(rev, all);
	check_estimate(fwd, n, "merged");
	printf("# p=%u merge of 4 sketches of %" PRIu64 " keys, union %" PRIu64
	       ": estimate %" PRIu64 " (%+.4f)\n",
	       p, span, n, ws_hll_estimate(fwd), rel_err(ws_hll_estimate(fwd), n));
	/* Merging again, or into itself, is idempotent. */
	assert_int_equal(ws_hll_merge(fwd, part[2]), 0);
	assert_int_equal(ws_hll_merge(fwd, fwd), 0);
	assert_regs_equal(fwd, all);
	for (unsigned int i = 0; i < 4; i++)
		ws_hll_destroy(part[i]);
	ws_hll_destroy(fwd);
	ws_hll_destroy(rev);
	ws_hll_destroy(all);
}

static void
test_merge_disjoint(void **state)
{
	(void)state;
	merge_check(12, 25000, 25000);
	merge_check(14, 25000, 25000);
}

static void
test_merge_overlap(void **state)
{
	(void)state;
	/* [0, 40000), [20000, 60000), [40000, 80000), [60000, 100000) */
	merge_check(12, 20000, 40000);
	merge_check(14, 20000, 40000);
}

static void
test_merge_copy_bad_p(void **state)
{
	struct ws_hll *a = create(12), *b = create(14), *snap = create(12);

	(void)state;
	add_range(a, 4, 1, 0, 1000);
	add_range(b, 4, 1, 1000, 50000);
	assert_int_equal(ws_hll_copy(snap, a), 0);
	assert_int_equal(ws_hll_merge(a, b), -EINVAL);
	assert_int_equal(ws_hll_merge(b, a), -EINVAL);
	assert_int_equal(ws_hll_copy(a, b), -EINVAL);
	assert_int_equal(ws_hll_copy(b, a), -EINVAL);
	assert_regs_equal(a, snap);
	check_estimate(a, 1000, "after refused merge");
	check_estimate(b, 49000, "after refused merge");
	ws_hll_destroy(a);
	ws_hll_destroy(b);
	ws_hll_destroy(snap);
}

static void
test_copy_reset(void **state)
{
	struct ws_hll *src = create(14), *dst = create(14), *ref = create(14);
	uint64_t est;

	(void)state;
	add_range(dst, 16, 2, 500000, 600000); /* overwritten by the copy */
	add_range(src, 16, 2, 0, 20000);
	add_range(ref, 16, 2, 0, 20000);
	assert_int_equal(ws_hll_copy(dst, src), 0);
	assert_regs_equal(dst, src);
	est = ws_hll_estimate(dst);
	assert_int_equal(est, ws_hll_estimate(src));
	check_estimate(dst, 20000, "copy");
	assert_int_equal(ws_hll_copy(dst, dst), 0);
	assert_regs_equal(dst, ref);

	/* The copy is a snapshot: later adds to src do not reach it. */
	add_range(src, 16, 2, 20000, 200000);
	assert_int_equal(ws_hll_estimate(dst), est);
	check_estimate(src, 200000, "source");

	ws_hll_reset(src);
	assert_int_equal(src->p, 14);
	for (size_t j = 0; j < regs_size(src); j++)
		assert_int_equal(src->regs[j], 0);
	assert_int_equal(ws_hll_estimate(src), 0);
	add_range(src, 16, 2, 0, 20000);
	assert_regs_equal(src, ref);
	ws_hll_destroy(src);
	ws_hll_destroy(dst);
	ws_hll_destroy(ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bad_p),  cmocka_unit_test(test_add_hash_encoding),
		cmocka_unit_test(test_saturated),     cmocka_unit_test(test_std_error),
		cmocka_unit_test(test_hash_basics),   cmocka_unit_test(test_hash_avalanche),
		cmocka_unit_test(test_hash_uniform),  cmocka_unit_test(test_accuracy),
		cmocka_unit_test(test_tiny),	      cmocka_unit_test(test_error_distribution),
		cmocka_unit_test(test_duplicates),    cmocka_unit_test(test_merge_disjoint),
		cmocka_unit_test(test_merge_overlap), cmocka_unit_test(test_merge_copy_bad_p),
		cmocka_unit_test(test_copy_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
