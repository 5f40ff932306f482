/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "ws_filter.h"

struct ws_filter *ws_filter_active;
static uint32_t generation;

/* Classic BPF from libpcap, for frames of this link type. */
static int
compile_cbpf(const char *expr, int linktype, struct bpf_program *prog, char *err, size_t err_size)
{
	pcap_t *pc = pcap_open_dead(linktype, 65535);
	int rc;

	if (!pc) {
		snprintf(err, err_size, "cannot compile for link type %d", linktype);
		return -ENOMEM;
	}
	rc = pcap_compile(pc, prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc < 0)
		snprintf(err, err_size, "%s", pcap_geterr(pc));
	pcap_close(pc);
	return rc < 0 ? -EINVAL : 0;
}

/*
 * DPDK's converter (22.11, and upstream since) picks the index register of
 * an indirect load from BPF_SRC(code); that bit is BPF_X only for halfword
 * loads, so byte and word loads [x + k] index by A. tcp[13] would read
 * the wrong byte. Point them at X, which the converter keeps in r7.
 */
static void
fix_indirect_loads(struct rte_bpf_prm *prm)
{
	struct ebpf_insn *ins = (struct ebpf_insn *)(uintptr_t)prm->ins;
	uint32_t i;

	for (i = 0; i < prm->nb_ins; i++)
		if ((ins[i].code == (BPF_LD | BPF_IND | BPF_B) ||
		     ins[i].code == (BPF_LD | BPF_IND | BPF_W)) &&
		    ins[i].src_reg == EBPF_REG_0)
			ins[i].src_reg = EBPF_REG_7;
}

static bool
is_jump(const struct ebpf_insn *in)
{
	return BPF_CLASS(in->code) == BPF_JMP && BPF_OP(in->code) != EBPF_CALL &&
	       BPF_OP(in->code) != EBPF_EXIT;
}

static bool
is_small_jset(const struct ebpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_JSET | BPF_K) && in->imm >= -128 && in->imm < 128;
}

/*
 * DPDK's x86 JIT encodes "jset reg, #k" wrongly when k fits in a byte (it
 * crashes on ether[0] & 1 != 0). Load such a k into r9, which converted
 * programs never use, and test against the register; jump offsets are
 * recomputed around the inserted moves. @return the new program or NULL.
 */
static struct ebpf_insn *
rewrite_small_jset(const struct rte_bpf_prm *prm, uint32_t *n_out)
{
	uint32_t n = prm->nb_ins, i, j, *map;
	struct ebpf_insn *out;

	map = calloc(n + 1, sizeof(*map));
	for (i = 0, j = 0; map && i < n; i++) {
		map[i] = j;
		j += is_small_jset(&prm->ins[i]) ? 2 : 1;
	}
	out = map ? calloc(j, sizeof(*out)) : NULL;
	if (!out) {
		free(map);
		return NULL;
	}
	map[n] = j;
	*n_out = j;
	for (i = 0, j = 0; i < n; i++) {
		struct ebpf_insn in = prm->ins[i];

		if (is_small_jset(&in)) {
			out[j++] = (struct ebpf_insn){.code = BPF_ALU | EBPF_MOV | BPF_K,
						      .dst_reg = EBPF_REG_9,
						      .imm = in.imm};
			in.code = BPF_JMP | BPF_JSET | BPF_X;
			in.src_reg = EBPF_REG_9;
			in.imm = 0;
		}
		if (is_jump(&in))
			in.off = (int16_t)(map[i + 1 + prm->ins[i].off] - j - 1);
		out[j++] = in;
	}
	free(map);
	return out;
}

struct ws_filter *
ws_filter_compile(const char *expr, int linktype, bool use_jit, char *err, size_t err_size)
{
	struct bpf_program prog;
	struct rte_bpf_prm *prm;
	struct rte_bpf_jit jit = {0};
	struct ebpf_insn *ins;
	struct ws_filter *f;
	uint32_t n_ins;

	if (strlen(expr) >= WS_FILTER_EXPR_MAX) {
		snprintf(err, err_size, "expression longer than %d bytes", WS_FILTER_EXPR_MAX - 1);
		return NULL;
	}
	if (compile_cbpf(expr, linktype, &prog, err, err_size) < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	prm = f ? rte_bpf_convert(&prog) : NULL;
	pcap_freecode(&prog);
	if (!prm) {
		snprintf(err, err_size, "%s",
			 f ? "DPDK cannot convert the program to eBPF" : "out of memory");
		free(f);
		return NULL;
	}
	fix_indirect_loads(prm);
	ins = rewrite_small_jset(prm, &n_ins);
	if (ins) {
		prm->ins = ins;
		prm->nb_ins = n_ins;
		f->bpf = rte_bpf_load(prm);
	}
	free(ins);
	rte_free(prm);
	if (!f->bpf) {
		snprintf(err, err_size, "DPDK cannot load the program: %s",
			 rte_strerror(rte_errno));
		free(f);
		return NULL;
	}
	if (use_jit && rte_bpf_get_jit(f->bpf, &jit) == 0)
		f->jit = jit.func;
	snprintf(f->expr, sizeof(f->expr), "%s", expr);
	return f;
}

void
ws_filter_free(struct ws_filter *f)
{
	if (!f)
		return;
	rte_bpf_destroy(f->bpf);
	free(f);
}

uint32_t
ws_filter_set(struct ws_filter *f, struct rte_rcu_qsbr *qsbr)
{
	struct ws_filter *old;

	if (f)
		f->generation = ++generation;
	else
		++generation;
	old = __atomic_exchange_n(&ws_filter_active, f, __ATOMIC_ACQ_REL);
	/* After this no RX lcore holds old: each has reported a later loop turn. */
	rte_rcu_qsbr_synchronize(qsbr, RTE_QSBR_THRID_INVALID);
	ws_filter_free(old);
	return generation;
}
