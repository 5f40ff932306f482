/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Capture filters in tcpdump's language, run on the RX lcores.
 *
 * libpcap compiles the expression to classic BPF, DPDK converts it to eBPF
 * (rte_bpf_convert) and loads it; where DPDK has a JIT for the CPU the
 * native code runs, else the interpreter. A filter is immutable once made:
 * changing the filter means publishing a new one and freeing the old only
 * when no RX lcore can still be running it (ws_filter_set()).
 */
#ifndef WS_FILTER_H
#define WS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_bpf.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

/** Longest expression accepted. */
#define WS_FILTER_EXPR_MAX 1024

struct ws_filter {
	uint64_t (*jit)(void *); /**< native code, or NULL: interpreter */
	struct rte_bpf *bpf;
	uint32_t generation; /**< 1 for the first filter set, then +1 each change */
	char expr[WS_FILTER_EXPR_MAX];
};

/**
 * Compile a tcpdump expression for frames of a pcap link type.
 *
 * @param use_jit  false forces the interpreter (benchmarks)
 * @return the filter, or NULL with err holding libpcap's or DPDK's message
 */
struct ws_filter *ws_filter_compile(const char *expr, int linktype, bool use_jit, char *err,
				    size_t err_size);

void ws_filter_free(struct ws_filter *f);

/** @return true if the frame passes. Hot path. */
static inline bool
ws_filter_match(const struct ws_filter *f, struct rte_mbuf *m)
{
	return (f->jit ? f->jit(m) : rte_bpf_exec(f->bpf, m)) != 0;
}

/** The filter in force for the RX lcores, NULL for none; read with ws_filter_current(). */
extern struct ws_filter *ws_filter_active;

static inline const struct ws_filter *
ws_filter_current(void)
{
	return __atomic_load_n(&ws_filter_active, __ATOMIC_ACQUIRE);
}

/**
 * Put f (NULL: no filter) in force and free the previous one once every
 * reader registered on qsbr has passed a quiescent state. Management lcore
 * only; waits for that grace period, which the RX lcores end within one
 * loop turn.
 *
 * @return the new generation
 */
uint32_t ws_filter_set(struct ws_filter *f, struct rte_rcu_qsbr *qsbr);

#endif /* WS_FILTER_H */
