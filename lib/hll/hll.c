/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HyperLogLog sketch lifecycle and merging: a one-byte precision followed by
 * 2^p one-byte registers, allocated once and cache-line aligned.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hll_internal.h"

#define CACHE_LINE 64

struct ws_hll *
ws_hll_create(unsigned int p)
{
	struct ws_hll *h;
	size_t size;

	if (p < WS_HLL_P_MIN || p > WS_HLL_P_MAX) {
		errno = EINVAL;
		return NULL;
	}
	size = sizeof(*h) + hll_m(p);
	size = (size + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
	h = aligned_alloc(CACHE_LINE, size);
	if (h == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(h, 0, size);
	h->p = (uint8_t)p;
	return h;
}

void
ws_hll_destroy(struct ws_hll *h)
{
	free(h);
}

void
ws_hll_reset(struct ws_hll *h)
{
	memset(h->regs, 0, hll_m(h->p));
}

void
ws_hll_add(struct ws_hll *h, const void *key, size_t len)
{
	ws_hll_add_hash(h, ws_hll_hash(key, len));
}

int
ws_hll_merge(struct ws_hll *dst, const struct ws_hll *src)
{
	size_t m = hll_m(dst->p);
	size_t j;

	if (dst->p != src->p)
		return -EINVAL;
	/* Not a hot path: a few microseconds at p = 14, once per snapshot and lcore. */
	for (j = 0; j < m; j++)
		dst->regs[j] = dst->regs[j] > src->regs[j] ? dst->regs[j] : src->regs[j];
	return 0;
}

int
ws_hll_copy(struct ws_hll *dst, const struct ws_hll *src)
{
	if (dst->p != src->p)
		return -EINVAL;
	if (dst != src)
		memcpy(dst->regs, src->regs, hll_m(src->p));
	return 0;
}
