/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dissector benchmark: cycles and nanoseconds per packet over a capture held
 * in memory, beside a do-nothing loop over the same packets in the same run.
 * Each figure is the best of several trials, because these machines are
 * shared and noisy.
 *
 *   bench_parse CAPTURE [REPEAT]
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "bench_mem.h"
#include "bench_tsc.h"

#include <ws_parse.h>

#define SLOT 2048	 /* like an mbuf data room: each frame in its own slot */
#define PREFETCH_AHEAD 4 /* as the RX loop does over a burst */

/* The first two cache lines of a frame ahead: headers up to IPv6 + TCP. */
static inline void
prefetch_frame(const uint8_t *d)
{
	__builtin_prefetch(d);
	__builtin_prefetch(d + 64);
}
#define TRIALS 7

struct corpus {
	uint8_t *data;
	uint32_t *len;
	uint32_t n;
};

static volatile uint64_t sink;

static int
load(const char *file, struct corpus *c)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *d;
	uint32_t cap = 1 << 16;
	pcap_t *pc;

	pc = pcap_open_offline(file, err);
	if (!pc) {
		fprintf(stderr, "bench_parse: %s\n", err);
		return -1;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "bench_parse: %s: not an Ethernet capture\n", file);
		pcap_close(pc);
		return -1;
	}
	/* PREFETCH_AHEAD spare slots: prefetching past the end stays inside. */
	c->data = bench_huge_alloc((size_t)(cap + PREFETCH_AHEAD) * SLOT);
	c->len = calloc(cap, sizeof(*c->len));
	if (!c->data || !c->len)
		return -1;
	while (c->n < cap && pcap_next_ex(pc, &ph, &d) == 1) {
		c->len[c->n] = ph->caplen < SLOT ? ph->caplen : SLOT;
		memcpy(c->data + (size_t)c->n * SLOT, d, c->len[c->n]);
		c->n++;
	}
	pcap_close(pc);
	return c->n ? 0 : -1;
}

static uint64_t
stage_baseline(const struct corpus *c)
{
	uint64_t acc = 0;

	for (uint32_t i = 0; i < c->n; i++) {
		prefetch_frame(c->data + (size_t)(i + PREFETCH_AHEAD) * SLOT);
		acc += c->data[(size_t)i * SLOT + 12] + c->len[i];
	}
	return acc;
}

static uint64_t
stage_l2l4(const struct corpus *c)
{
	struct ws_pkt p;
	uint64_t acc = 0;

	for (uint32_t i = 0; i < c->n; i++) {
		prefetch_frame(c->data + (size_t)(i + PREFETCH_AHEAD) * SLOT);
		ws_parse_pkt(c->data + (size_t)i * SLOT, c->len[i], &p);
		acc += p.inner.sport + p.inner.dport + p.rc + p.outer.l3_off;
	}
	return acc;
}

static uint64_t
stage_full(const struct corpus *c)
{
	struct ws_host h;
	struct ws_pkt p;
	uint64_t acc = 0;

	for (uint32_t i = 0; i < c->n; i++) {
		const uint8_t *d = c->data + (size_t)i * SLOT;

		prefetch_frame(c->data + (size_t)(i + PREFETCH_AHEAD) * SLOT);
		ws_parse_pkt(d, c->len[i], &p);
		acc += p.inner.sport + p.inner.dport + p.rc + p.outer.l3_off;
		if (p.inner.payload_off < p.inner.end && ws_parse_host(d, c->len[i], &p, &h) == 0)
			acc += h.len;
	}
	return acc;
}

/* Best cycles per packet of TRIALS runs of REPEAT passes. */
static double
measure(uint64_t (*fn)(const struct corpus *), const struct corpus *c, unsigned int repeat)
{
	double best = 1e30;

	for (int t = 0; t < TRIALS; t++) {
		uint64_t t0 = __rdtsc(), acc = 0;

		for (unsigned int r = 0; r < repeat; r++)
			acc += fn(c);
		uint64_t cyc = __rdtsc() - t0;
		sink += acc;
		if ((double)cyc / ((double)c->n * repeat) < best)
			best = (double)cyc / ((double)c->n * repeat);
	}
	return best;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint64_t (*fn)(const struct corpus *);
	} stages[] = {
		{"baseline (touch only)", stage_baseline},
		{"dissect L2-L4", stage_l2l4},
		{"dissect + hostnames", stage_full},
	};
	struct corpus c = {0};
	unsigned int repeat;
	double hz, base = 0;

	if (argc < 2 || load(argv[1], &c) < 0) {
		fprintf(stderr, "usage: bench_parse CAPTURE [REPEAT]\n");
		return 2;
	}
	repeat = argc > 2 ? (unsigned int)atoi(argv[2]) : 20;
	hz = bench_tsc_hz();
	printf("capture %s: %u packets x %u passes, best of %d trials, TSC %.2f GHz\n", argv[1],
	       c.n, repeat, TRIALS, hz / 1e9);
	printf("%-24s %10s %10s %12s %10s\n", "stage", "cyc/pkt", "ns/pkt", "over base", "x base");
	for (unsigned int i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		double cyc = measure(stages[i].fn, &c, repeat);

		if (i == 0)
			base = cyc;
		printf("%-24s %10.1f %10.2f %12.1f %10.2f\n", stages[i].name, cyc, cyc * 1e9 / hz,
		       cyc - base, cyc / base);
	}
	free(c.data);
	free(c.len);
	return 0;
}
