/* SPDX-License-Identifier: BSD-3-Clause */
/* Memory for the frames the benchmarks read, laid out as DPDK's mbufs are. */
#ifndef WS_BENCH_MEM_H
#define WS_BENCH_MEM_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BENCH_HUGE_PAGE ((size_t)2 << 20)

/*
 * n zeroed bytes in 2 MiB pages where the kernel gives them (transparent huge
 * pages, advised), as DPDK's mempools sit in huge pages. On 4 KiB pages, frames
 * read in turn miss the TLB every few frames, a page walk (in a VM a nested one)
 * that no RX lcore pays: on the development VM that cost 15-130 cycles per
 * packet with 1M flows. Free with free().
 */
static inline void *
bench_huge_alloc(size_t n)
{
	void *p;

	n = (n + BENCH_HUGE_PAGE - 1) & ~(BENCH_HUGE_PAGE - 1);
	p = aligned_alloc(BENCH_HUGE_PAGE, n);
	if (p == NULL)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
	memset(p, 0, n); /* fault the pages in before timing */
	return p;
}

#endif /* WS_BENCH_MEM_H */
