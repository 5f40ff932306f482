/* SPDX-License-Identifier: BSD-3-Clause */
/* The TSC's rate, for the benchmarks that run without DPDK (and so without rte_get_tsc_hz). */
#ifndef WS_BENCH_TSC_H
#define WS_BENCH_TSC_H

#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

/* Ticks per second, against CLOCK_MONOTONIC over 0.2 s. */
static inline double
bench_tsc_hz(void)
{
	struct timespec a, b;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec) < 2e8);
	t1 = __rdtsc();
	return (t1 - t0) / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
}

#endif /* WS_BENCH_TSC_H */
