/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table benchmark: cycles and nanoseconds per packet of
 * ws_flow_update_burst() over N live flows, fed in bursts of 32 packets drawn
 * uniformly from both directions of every flow, beside do-nothing loops over
 * the same packets in the same run. Each figure is the best of several
 * trials, because these machines are shared and noisy. The first pass (not
 * timed) creates the flows; the timed passes update them.
 *
 *   bench_flow [FLOWS[:CAPACITY]]...      (default: 10000 1000000, capacity 2^20)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "bench_tsc.h"

#include <ws_flow.h>

#include "test_rng.h"

#define TRIALS 7
#define BURST WS_FLOW_BURST_MAX

/* What the dissector hands over for one packet, before key normalization. */
struct wire {
	uint8_t version;
	uint8_t proto;
	uint8_t tcp_flags;
	uint16_t sport;
	uint16_t dport;
	uint32_t len;
	uint64_t ts_ns;
	uint8_t src[16];
	uint8_t dst[16];
};

struct input {
	struct wire *w;	       /* n packets as from the dissector */
	struct ws_flow_pkt *p; /* the same, normalized */
	uint32_t n;	       /* a multiple of BURST */
	struct ws_flow_table *t;
};

struct flow_def {
	uint8_t version;
	uint8_t proto;
	uint16_t cport;
	uint16_t sport;
	uint32_t caddr;
	uint32_t saddr;
};

static volatile uint64_t sink;

static void
addr_put(uint8_t version, uint32_t a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (version == 6) {
		out[0] = 0x20;
		out[1] = 0x01;
		out[2] = 0x0d;
		out[3] = 0xb8;
		memcpy(out + 12, &a, 4);
	} else {
		memcpy(out, &a, 4);
	}
}

/* The flow of each packet: every flow n_pkts / n_flows times, in random order. */
static uint32_t *
flow_order(uint32_t n_flows, uint32_t n_pkts, uint64_t *seed)
{
	uint32_t *o = malloc((size_t)n_pkts * sizeof(*o)), j, x;

	if (o == NULL)
		return NULL;
	for (uint32_t k = 0; k < n_pkts; k++)
		o[k] = k % n_flows;
	for (uint32_t k = n_pkts - 1; k > 0; k--) {
		j = (uint32_t)(rng_next(seed) % (k + 1));
		x = o[k];
		o[k] = o[j];
		o[j] = x;
	}
	return o;
}

static void
flows_make(struct flow_def *f, uint32_t n_flows, uint64_t *seed)
{
	for (uint32_t i = 0; i < n_flows; i++) {
		f[i].version = i % 4 == 0 ? 6 : 4;
		f[i].proto = i % 3 == 0 ? 17 : 6;
		f[i].caddr = 0x0a000000u | i;		    /* distinct clients */
		f[i].saddr = (uint32_t)rng_next(seed) | 1u; /* random servers */
		f[i].cport = 1024 + (uint16_t)(rng_next(seed) % 60000);
		f[i].sport = f[i].proto == 17 ? 53 : 443;
	}
}

/* Packets of n_flows flows (3/4 IPv4, 2/3 TCP), both directions at random. */
static int
input_make(struct input *in, uint32_t n_flows, uint32_t n_pkts)
{
	struct flow_def *f = malloc((size_t)n_flows * sizeof(*f));
	uint64_t seed = 1;
	uint32_t *order;

	in->n = n_pkts;
	in->w = aligned_alloc(64, (size_t)n_pkts * sizeof(*in->w));
	in->p = aligned_alloc(64, (size_t)n_pkts * sizeof(*in->p));
	order = flow_order(n_flows, n_pkts, &seed);
	if (f == NULL || in->w == NULL || in->p == NULL || order == NULL)
		return -1;
	flows_make(f, n_flows, &seed);
	for (uint32_t k = 0; k < n_pkts; k++) {
		uint64_t x = rng_next(&seed);
		const struct flow_def *d = &f[order[k]];
		struct wire *w = &in->w[k];
		int rev = x & 1;

		w->version = d->version;
		w->proto = d->proto;
		w->tcp_flags = d->proto == 6 ? 0x10 : 0;
		w->sport = rev ? d->sport : d->cport;
		w->dport = rev ? d->cport : d->sport;
		w->len = 64 + (uint32_t)((x >> 32) % 1400);
		w->ts_ns = 1000000000ull + k * 100ull;
		addr_put(d->version, rev ? d->saddr : d->caddr, w->src);
		addr_put(d->version, rev ? d->caddr : d->saddr, w->dst);
	}
	free(order);
	free(f);
	return 0;
}

static inline void
pkt_from_wire(struct ws_flow_pkt *p, const struct wire *w)
{
	ws_flow_pkt_init(p, w->version, w->proto, 0, w->src, w->dst, w->sport, w->dport);
	p->tcp_flags = w->tcp_flags;
	p->len = w->len;
	p->ts_ns = w->ts_ns;
}

/* ---- stages: one pass over the input ---- */

static uint64_t
stage_base_wire(struct input *in)
{
	uint64_t acc = 0;

	for (uint32_t k = 0; k < in->n; k++)
		acc += in->w[k].len + in->w[k].src[0] + in->w[k].dst[0];
	return acc;
}

static uint64_t
stage_init(struct input *in)
{
	struct ws_flow_pkt buf[BURST];
	uint64_t acc = 0;

	for (uint32_t k = 0; k < in->n; k += BURST) {
		for (unsigned int j = 0; j < BURST; j++)
			pkt_from_wire(&buf[j], &in->w[k + j]);
		for (unsigned int j = 0; j < BURST; j++)
			acc += buf[j].dir + buf[j].key.port[0];
	}
	return acc;
}

static uint64_t
stage_init_update(struct input *in)
{
	struct ws_flow_pkt buf[BURST];
	struct ws_flow rec[BURST];
	unsigned int n_rec;
	uint64_t acc = 0;

	for (uint32_t k = 0; k < in->n; k += BURST) {
		for (unsigned int j = 0; j < BURST; j++)
			pkt_from_wire(&buf[j], &in->w[k + j]);
		ws_flow_update_burst(in->t, buf, BURST, rec, &n_rec);
		acc += n_rec;
	}
	return acc;
}

static uint64_t
stage_base_pkt(struct input *in)
{
	uint64_t acc = 0;

	for (uint32_t k = 0; k < in->n; k++)
		acc += in->p[k].len + in->p[k].dir + in->p[k].key.port[0];
	return acc;
}

static uint64_t
stage_update(struct input *in)
{
	struct ws_flow rec[BURST];
	unsigned int n_rec;
	uint64_t acc = 0;

	for (uint32_t k = 0; k < in->n; k += BURST) {
		ws_flow_update_burst(in->t, &in->p[k], BURST, rec, &n_rec);
		acc += n_rec;
	}
	return acc;
}

/* Best cycles per packet of TRIALS passes. */
static double
measure(uint64_t (*fn)(struct input *), struct input *in)
{
	double best = 1e30;

	for (int t = 0; t < TRIALS; t++) {
		uint64_t t0 = __rdtsc(), acc = fn(in), cyc = __rdtsc() - t0;

		sink += acc;
		if ((double)cyc / in->n < best)
			best = (double)cyc / in->n;
	}
	return best;
}

/* Best cycles per slot of a full turn of the expiry hand with nothing due. */
static double
measure_expire(struct input *in)
{
	uint32_t slots = ws_flow_table_slots(in->t);
	struct ws_flow rec[BURST];
	double best = 1e30;

	for (int t = 0; t < TRIALS; t++) {
		uint64_t t0 = __rdtsc(), cyc;

		sink += ws_flow_expire(in->t, in->w[in->n - 1].ts_ns, slots, rec, BURST);
		cyc = __rdtsc() - t0;
		if ((double)cyc / slots < best)
			best = (double)cyc / slots;
	}
	return best;
}

static int
run(uint32_t n_flows, uint32_t capacity, double hz)
{
	static const struct {
		const char *name;
		uint64_t (*fn)(struct input *);
		int base; /* the baseline it is compared to */
	} stages[] = {
		{"baseline (touch wire)", stage_base_wire, 0},
		{"key init", stage_init, 0},
		{"key init + update", stage_init_update, 0},
		{"baseline (touch pkts)", stage_base_pkt, 3},
		{"update alone", stage_update, 3},
	};
	struct ws_flow_conf conf = {.capacity = capacity, .seed = 7};
	uint32_t n_pkts = n_flows * 4 < (1u << 20) ? (1u << 20) : n_flows * 4;
	struct ws_flow_counters c;
	struct input in = {0};
	double cyc[5];

	n_pkts -= n_pkts % BURST;
	in.t = ws_flow_table_create(&conf);
	if (in.t == NULL || input_make(&in, n_flows, n_pkts) < 0) {
		fprintf(stderr, "bench_flow: out of memory\n");
		return -1;
	}
	for (uint32_t k = 0; k < n_pkts; k++)
		pkt_from_wire(&in.p[k], &in.w[k]);
	sink += stage_update(&in); /* creates the flows */
	ws_flow_counters_get(in.t, &c);
	printf("\n%u flows (%lu live, %lu evicted), capacity %u, %u slots, table %.1f MiB; "
	       "%u packets per pass\n",
	       n_flows, (unsigned long)c.active, (unsigned long)c.evicted, capacity,
	       ws_flow_table_slots(in.t), ws_flow_table_memory(in.t) / 1048576.0, n_pkts);
	printf("%-24s %10s %10s %12s\n", "stage", "cyc/pkt", "ns/pkt", "over base");
	for (unsigned int i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		cyc[i] = measure(stages[i].fn, &in);
		printf("%-24s %10.1f %10.2f %12.1f\n", stages[i].name, cyc[i], cyc[i] * 1e9 / hz,
		       cyc[i] - cyc[stages[i].base]);
	}
	cyc[0] = measure_expire(&in);
	printf("expire, nothing due: %.1f cycles/slot, %.2f ms per full turn\n", cyc[0],
	       cyc[0] * ws_flow_table_slots(in.t) * 1e3 / hz);
	ws_flow_table_destroy(in.t);
	free(in.w);
	free(in.p);
	return 0;
}

int
main(int argc, char **argv)
{
	static char *defaults[] = {"10000", "1000000"};
	double hz = bench_tsc_hz();
	char **arg = argv + 1;
	int n_arg = argc - 1;

	if (n_arg == 0) {
		arg = defaults;
		n_arg = 2;
	}
	printf("bursts of %d, best of %d trials, TSC %.2f GHz\n", BURST, TRIALS, hz / 1e9);
	for (int i = 0; i < n_arg; i++) {
		char *end;
		unsigned long flows = strtoul(arg[i], &end, 10);
		unsigned long cap =
			*end == ':' ? strtoul(end + 1, NULL, 10) : WS_FLOW_DEFAULT_CAPACITY;

		if (flows == 0 || cap == 0 || cap > WS_FLOW_CAPACITY_MAX) {
			fprintf(stderr, "usage: bench_flow [FLOWS[:CAPACITY]]...\n");
			return 2;
		}
		if (run((uint32_t)flows, (uint32_t)cap, hz) < 0)
			return 1;
	}
	return 0;
}
