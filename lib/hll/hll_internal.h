/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the lib/hll sources; not part of the interface. */
#ifndef HLL_INTERNAL_H
#define HLL_INTERNAL_H

#include "ws_hll.h"

/* Registers in a sketch of precision p. */
static inline size_t
hll_m(unsigned int p)
{
	return (size_t)1 << p;
}

/* Largest rank a register can hold: 64 - p zero bits, then the stop bit. */
static inline unsigned int
hll_rank_max(unsigned int p)
{
	return 65 - p;
}

#endif /* HLL_INTERNAL_H */
