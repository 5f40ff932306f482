/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cardinality estimate: Ertl's improved estimator (O. Ertl, "New cardinality
 * estimation algorithms for HyperLogLog sketches", arXiv:1702.01284, 2017,
 * algorithm 6), computed from the histogram C[k] of register values:
 *
 *                        alpha_inf m^2
 *   E = -------------------------------------------------------------
 *       m sigma(C[0]/m) + sum_{k=1..q} C[k] 2^-k + m tau(1 - C[q+1]/m) 2^-q
 *
 * with m = 2^p, q = 64 - p, alpha_inf = 1 / (2 ln 2). sigma() accounts for
 * empty registers, which makes E linear counting, m ln(m / C[0]), while few
 * registers are set; tau() does the same for saturated ones. The sum is
 * evaluated by Horner's rule from k = q down, which needs no table of 2^-k.
 */
#include <math.h>

#include "hll_internal.h"

/* 1 / (2 ln 2) */
#define ALPHA_INF 0.72134752044448170368

/* sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for 0 <= x < 1. */
static double
sigma(double x)
{
	double y = 1, z = x, prev;

	do {
		x *= x;
		prev = z;
		z += x * y;
		y += y;
	} while (z != prev);
	return z;
}

/* tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for 0 <= x <= 1. */
static double
tau(double x)
{
	double y = 1, z, prev;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		prev = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != prev);
	return z / 3;
}

uint64_t
ws_hll_estimate(const struct ws_hll *h)
{
	unsigned int q = 64 - h->p, k;
	uint32_t hist[64 + 2] = {0};
	size_t m = hll_m(h->p), j;
	double z, e;

	for (j = 0; j < m; j++)
		hist[h->regs[j]]++;
	if (hist[0] == m)
		return 0;
	if (hist[q + 1] == m)
		return UINT64_MAX;
	z = m * tau(1 - (double)hist[q + 1] / m);
	for (k = q; k >= 1; k--)
		z = 0.5 * (z + hist[k]);
	z += m * sigma((double)hist[0] / m);
	e = ALPHA_INF * m * m / z + 0.5;
	/* 2^64: the first double that no longer converts to uint64_t. */
	if (e >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)e;
}

double
ws_hll_std_error(unsigned int p)
{
	return 1.04 / sqrt(ldexp(1.0, (int)p));
}
