/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole per-packet path of an RX lcore, stage by stage, in cycles per
 * packet: dissect, counters (with hostnames) and the per-second series, then
 * the flow table update with the flow reports that feed the top-N summaries
 * and distinct counts, over frames held in memory as a NIC would leave them,
 * beside a loop that only touches them. The flow table's clock hand turns as
 * the RX lcore turns it at 10 GbE line rate of 64-byte frames (the whole
 * table about every WS_FLOW_HAND_TURN_SECONDS), so live flows report as often
 * as they would there, and each live flow it passes is offered to the
 * largest-live-flows heap, as lib/rx does. Reports and hand visits per
 * packet are printed: unlike the cycles, they do not move with the machine's
 * load. Then the whole path behind the capture filter, run by DPDK's BPF JIT
 * on an mbuf header over each frame, as an RX lcore runs it (WS_BENCH_FILTER,
 * by default "ip or ip6", which every synthetic frame passes). For
 * comparison, the same summaries updated per packet (wsdissect's way).
 * Flows: 10k and 1M active (synthetic TCP frames, both directions, random
 * order), and the realistic mix capture.
 *
 *   bench_pipeline [MIX.pcap]
 *   bench_pipeline --scale 1,2,4,8 [FLOWS]
 *   bench_pipeline --profile FLOWS      (the whole path warmed, then steady(), for
 *                                        callgrind --toggle-collect=steady; prints
 *                                        cycles per packet, flow reports and hand
 *                                        visits per packet, and where the time
 *                                        goes: reports, the hand's walk, the rest)
 *
 * WS_BENCH_NO_HAND=1 stops the clock hand (no timeouts, and no reports but the
 * packet path's), to see what the hand costs.
 *
 * --scale runs the whole path on 1, 2, 4, 8 ... threads at once, one per CPU,
 * each with its own frames, statistics and flow table (FLOWS active flows,
 * default 10000), as RX lcores fed by RSS share nothing: it prints each
 * count's packets per second in all and cycles per packet per thread, to see
 * what sharing the memory system costs.
 */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "bench_mem.h"
#include "bench_tsc.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <ws_filter.h>
#include <ws_flow.h>
#include <ws_names.h>
#include <ws_parse.h>
#include <ws_stats.h>

#define SLOT 128 /* 64-byte frames: two cache lines each */
#define BURST 32
#define TRIALS 3
#define LINE_RATE_PPS 14880952.0 /* 10 GbE, 64-byte frames */

struct frames {
	uint8_t *data;
	uint32_t *len;
	uint32_t n, slot;
};

static volatile uint64_t sink;
static int no_hand; /* WS_BENCH_NO_HAND: no expiry, no report, to see what the reports cost */

static struct ws_filter *filter; /* WS_BENCH_FILTER, default "ip or ip6"; NULL: none */
static bool eal_up;

/* DPDK's BPF, for the capture filter: EAL without hugepages, PCI or files. */
static void
filter_init(void)
{
	char *eal[] = {"bench_pipeline",
		       "--no-huge",
		       "-m",
		       "64",
		       "--no-pci",
		       "--no-telemetry",
		       "--no-shconf",
		       "--file-prefix=bench_pipeline",
		       "--log-level=*:error",
		       NULL};
	const char *expr = getenv("WS_BENCH_FILTER") ? getenv("WS_BENCH_FILTER") : "ip or ip6";
	char err[256];

	if (rte_eal_init(9, eal) < 0) {
		printf("capture filter: no EAL (%s), left out\n", rte_strerror(rte_errno));
		return;
	}
	eal_up = true;
	filter = ws_filter_compile(expr, 1, true, err, sizeof(err));
	if (filter == NULL)
		printf("capture filter '%s': %s, left out\n", expr, err);
	else
		printf("capture filter '%s' (DLT_EN10MB), %s\n", expr,
		       filter->jit ? "JIT" : "interpreter: no JIT here");
}

/* Leave no runtime directory behind. */
static void
filter_fini(void)
{
	char dir[PATH_MAX];

	if (!eal_up)
		return;
	ws_filter_free(filter);
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* 64-byte Ethernet/IPv4/TCP frames of n_flows flows, both directions, shuffled. */
static void
make_flows(struct frames *f, uint32_t n_flows, uint32_t n_pkts)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint32_t i;

	f->slot = SLOT;
	f->n = n_pkts;
	f->data = bench_huge_alloc((size_t)n_pkts * SLOT);
	f->len = malloc(n_pkts * sizeof(*f->len));
	if (f->data == NULL || f->len == NULL) {
		fprintf(stderr, "bench_pipeline: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n_pkts; i++) {
		uint8_t *d = f->data + (size_t)i * SLOT;
		uint32_t flow = (uint32_t)(rnd(&seed) % n_flows), a = 0x0a000000 | flow,
			 b = 0xcb007100 | (flow & 0xff);
		int rev = rnd(&seed) & 1;

		memset(d, 0, 64);
		d[12] = 0x08;
		d[14] = 0x45;
		d[17] = 46;
		d[22] = 64;
		d[23] = 6;
		for (int k = 0; k < 4; k++) {
			d[26 + k] = (rev ? b : a) >> (24 - 8 * k);
			d[30 + k] = (rev ? a : b) >> (24 - 8 * k);
		}
		uint16_t cport = 1024 + flow % 60000;

		d[rev ? 36 : 34] = cport >> 8;
		d[rev ? 37 : 35] = cport & 0xff;
		d[rev ? 34 : 36] = 0x01; /* 443 */
		d[rev ? 35 : 37] = 0xbb;
		d[46] = 0x50;
		d[47] = 0x10;
		f->len[i] = 60;
	}
}

static int
load_pcap(struct frames *f, const char *file)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc = pcap_open_offline(file, err);
	uint32_t cap = 1 << 16;

	if (!pc)
		return -1;
	f->slot = 2048;
	f->data = bench_huge_alloc((size_t)cap * f->slot);
	f->len = malloc(cap * sizeof(*f->len));
	if (f->data == NULL || f->len == NULL) {
		free(f->data);
		free(f->len);
		pcap_close(pc);
		return -1;
	}
	f->n = 0;
	while (f->n < cap && pcap_next_ex(pc, &h, &d) == 1) {
		f->len[f->n] = h->caplen < f->slot ? h->caplen : f->slot;
		memcpy(f->data + (size_t)f->n * f->slot, d, f->len[f->n]);
		f->n++;
	}
	pcap_close(pc);
	return 0;
}

enum stage { ST_TOUCH, ST_PARSE, ST_STATS, ST_ALL, ST_FILTER, ST_PER_PACKET };

/*
 * The hand runs as on an RX lcore (lib/rx, ws_flow_hand_budget()): every
 * millisecond, here every millisecond's worth of packets at line rate, over a
 * slice of the table that makes a turn about every WS_FLOW_HAND_TURN_SECONDS.
 */
#define EXPIRE_EVERY ((uint32_t)(LINE_RATE_PPS / WS_FLOW_HAND_RUNS_PER_SECOND))

static __thread uint32_t since_expire; /* packets since the hand last ran (per thread) */
static __thread uint64_t hand_cycles;  /* spent in ws_flow_expire() (per thread) */
static __thread bool in_hand;	       /* the reports now come from the hand */
static __thread uint64_t sent;	       /* frames since the start, which sets their time */

/*
 * Packet time of the n-th frame: line rate (67.2 ns a frame) from pass to
 * pass, whatever the input's own timestamps, as a NIC at line rate would
 * bring them. So flows live on across passes, and the packet path's
 * once-a-second reports see seconds go by.
 */
static inline uint64_t
frame_time(uint64_t n)
{
	return 1767225600000000000ull + n * 67 + n / 5;
}

static unsigned int
hand_slots(const struct ws_flow_table *ft)
{
	return no_hand ? 0 : ws_flow_hand_budget(ft);
}

static double
round_up(double x)
{
	double n = (double)(uint64_t)x;

	return n < x ? n + 1 : n;
}

/*
 * Passes that hold one report of every live flow, in steady state: two turns
 * of the hand. A heavy flow reports from the packet path on its own; the hand
 * reports the others, within two turns (it leaves a flow that reported on its
 * own since its last pass). A shorter window would hold only some of them.
 */
static int
report_passes(const struct frames *f, const struct ws_flow_table *ft, int passes)
{
	double slots_per_pass = (double)hand_slots(ft) * f->n / EXPIRE_EVERY;
	int n;

	if (slots_per_pass <= 0)
		return passes;
	n = (int)round_up(2 * ws_flow_table_slots(ft) / slots_per_pass);
	return n > passes ? n : passes;
}

/* One pass over the frames in bursts, doing the stages up to `upto`. */
static uint64_t
pass(const struct frames *f, enum stage upto, struct ws_stats *st, struct ws_flow_table *ft)
{
	unsigned int hand = hand_slots(ft);
	struct rte_mbuf mb = {.nb_segs = 1}; /* what the filter reads of a NIC's mbuf */
	struct ws_flow_pkt fp[BURST];
	struct ws_flow rec[256];
	unsigned int n_rec, nf;
	uint64_t acc = 0, ts = 0;
	struct ws_pkt p;

	st->tops_from_flows = upto != ST_PER_PACKET;

	for (uint32_t i = 0; i < f->n; i += BURST) {
		nf = 0;
		for (uint32_t j = i; j < i + BURST && j < f->n; j++) {
			const uint8_t *d = f->data + (size_t)j * f->slot;

			__builtin_prefetch(d + 4 * f->slot);
			if (upto == ST_TOUCH) {
				acc += d[12] + f->len[j];
				continue;
			}
			ts = frame_time(sent++);
			if (upto == ST_FILTER) {
				/* as the RX lcore: a frame the filter rejects is not analysed */
				mb.buf_addr = (void *)(uintptr_t)d;
				mb.data_len = f->len[j];
				mb.pkt_len = f->len[j];
				if (!ws_filter_match(filter, &mb))
					continue;
			}
			ws_parse_pkt(d, f->len[j], &p);
			acc += p.rc + p.outer.dport;
			if (upto == ST_PARSE)
				continue;
			st->now_ns = ts;
			ws_stats_account(st, d, f->len[j], f->len[j], &p);
			ws_series_add(&st->series, ts, f->len[j]);
			if (upto == ST_STATS || upto == ST_PER_PACKET || p.outer.version == 0)
				continue;
			ws_flow_pkt_init(&fp[nf], p.outer.version, p.outer.proto, 0,
					 d + p.outer.l3_off + (p.outer.version == 4 ? 12 : 8),
					 d + p.outer.l3_off + (p.outer.version == 4 ? 16 : 24),
					 p.outer.sport, p.outer.dport);
			fp[nf].len = f->len[j];
			fp[nf].ts_ns = ts;
			fp[nf].tcp_flags = p.outer.tcp_flags;
			nf++;
		}
		if (nf == 0)
			continue;
		ws_flow_update_burst(ft, fp, nf, rec, &n_rec);
		acc += n_rec;
		since_expire += nf;
		if (hand != 0 && since_expire >= EXPIRE_EVERY) {
			uint64_t t0 = __rdtsc();

			since_expire = 0;
			in_hand = true;
			acc += ws_flow_expire(ft, fp[nf - 1].ts_ns, hand, rec, 256);
			in_hand = false;
			hand_cycles += __rdtsc() - t0;
		}
	}
	return acc;
}

static double
measure(const struct frames *f, enum stage upto, struct ws_stats *st, struct ws_flow_table *ft,
	int passes)
{
	double best = 1e30;

	for (int t = 0; t < TRIALS; t++) {
		uint64_t t0 = __rdtsc();

		for (int p = 0; p < passes; p++)
			sink += pass(f, upto, st, ft);
		double c = (double)(__rdtsc() - t0) / ((double)f->n * passes);

		best = c < best ? c : best;
	}
	return best;
}

/*
 * One RX lcore's state, as lib/rx keeps it: statistics fed by the flow
 * reports, hostnames (QUIC, reassembly), the flow table, and the largest live
 * flows its hand passes (lib/rx's flow_visit, WS_RX_LIVE_TOP of them).
 */
#define LIVE_TOP 32

struct lcore {
	struct ws_stats *st;
	struct ws_names *nm;
	struct ws_flow_table *ft;
	struct frames f;
	unsigned int n_live;
	struct ws_flow live[LIVE_TOP];
	uint64_t reports, visits; /* what the flow path's cost goes with */
	bool timed;		  /* time each report (--profile) */
	uint64_t report_cycles, hand_report_cycles;
};

static void
lcore_report(void *arg, const struct ws_flow *f, const uint32_t packets[2], const uint32_t bytes[2])
{
	struct lcore *l = arg;
	uint64_t t0, dt;

	l->reports++;
	if (!l->timed) {
		ws_stats_flow_report(l->st, f, packets, bytes);
		return;
	}
	t0 = __rdtsc();
	ws_stats_flow_report(l->st, f, packets, bytes);
	dt = __rdtsc() - t0;
	l->report_cycles += dt;
	if (in_hand)
		l->hand_report_cycles += dt;
}

static void
lcore_visit(void *arg, const struct ws_flow *f)
{
	struct lcore *l = arg;

	l->visits++;
	ws_flow_top_offer(l->live, &l->n_live, LIVE_TOP, f);
}

static struct lcore *
lcore_create(uint32_t capacity)
{
	struct ws_stats_sizes sizes = {.top_capacity = 4096, .host_capacity = 1024};
	struct lcore *l = calloc(1, sizeof(*l));
	struct ws_flow_conf fc = {.capacity = capacity,
				  .report = lcore_report,
				  .visit = lcore_visit,
				  .report_arg = l};

	if (l != NULL) {
		l->st = ws_stats_create(&sizes);
		l->nm = ws_names_create(NULL);
		l->ft = ws_flow_table_create(&fc);
	}
	if (!l || !l->st || !l->nm || !l->ft) {
		fprintf(stderr, "bench_pipeline: out of memory\n");
		exit(1);
	}
	l->st->names = l->nm;
	return l;
}

static void
frames_free(struct frames *f)
{
	free(f->data);
	free(f->len);
}

static void
lcore_free(struct lcore *l)
{
	ws_stats_destroy(l->st);
	ws_names_destroy(l->nm);
	ws_flow_table_destroy(l->ft);
	frames_free(&l->f);
	free(l);
}

/* Every stage over f (taken over), against the baseline. */
static void
run(const char *name, const struct frames *f, uint32_t capacity, int passes)
{
	static const char *const stages[] = {"baseline (touch only)",
					     "+ dissect",
					     "+ counters, hosts, series",
					     "+ flows, top-N, unique (whole path)",
					     "whole path behind the capture filter",
					     "dissect, counters, top-N per packet"};
	struct lcore *l = lcore_create(capacity);
	double base = 0;
	int all;

	l->f = *f;
	all = report_passes(f, l->ft, passes);
	printf("\n%s: %u frames x %d passes (whole path: %d, a report of every flow), best of %d, "
	       "flow capacity %u\n",
	       name, f->n, passes, all, TRIALS, capacity);
	printf("%-36s %10s %12s\n", "path", "cyc/pkt", "x baseline");
	for (int p = 0; p < all; p++) /* warm: flows created, reports in their steady state */
		sink += pass(f, ST_ALL, l->st, l->ft);
	for (int s = ST_TOUCH; s <= ST_PER_PACKET; s++) {
		double c;

		if (s == ST_FILTER && filter == NULL)
			continue;
		l->reports = l->visits = 0;
		c = measure(f, s, l->st, l->ft, s == ST_ALL || s == ST_FILTER ? all : passes);

		if (s == ST_TOUCH)
			base = c;
		printf("%-36s %10.1f %12.2f\n", stages[s], c, c / base);
		if (s == ST_ALL) /* counts, not times: they do not depend on the machine */
			printf("  flow reports per packet %.4f, live flows the hand passes per "
			       "packet %.4f\n",
			       (double)l->reports / ((double)f->n * all * TRIALS),
			       (double)l->visits / ((double)f->n * all * TRIALS));
	}
	lcore_free(l);
}

struct worker {
	pthread_t tid;
	int cpu;
	uint32_t n_flows;
	pthread_barrier_t *ready;
	uint64_t packets, cycles;
};

/* An RX lcore on n_flows synthetic flows, warmed (--scale, --profile). */
static struct lcore *
lcore_init(uint32_t n_flows)
{
	struct lcore *l = lcore_create(n_flows * 2 > 1 << 16 ? n_flows * 2 : 1 << 16);

	make_flows(&l->f, n_flows, n_flows > 100000 ? 1 << 22 : 1 << 18);
	for (int p = report_passes(&l->f, l->ft, 1); p > 0; p--)
		sink += pass(&l->f, ST_ALL, l->st, l->ft);
	l->reports = l->visits = 0;
	return l;
}

/* The whole path in its steady state (callgrind --toggle-collect=steady). */
static __attribute__((noinline)) int
steady(struct lcore *l, int min_passes)
{
	int passes = report_passes(&l->f, l->ft, min_passes);

	for (int p = 0; p < passes; p++)
		sink += pass(&l->f, ST_ALL, l->st, l->ft);
	return passes;
}

/*
 * Where the steady state's time goes (--profile): the reports, timed one by
 * one (their rdtsc pairs cost a few percent of each), the hand, timed around
 * each ws_flow_expire() call, whose walk is its time less its reports', and
 * the rest, the packet path.
 */
static void
profile_split(const struct lcore *l, double total, int n)
{
	double pkts = (double)l->f.n * n, rep = l->report_cycles / pkts,
	       hand_rep = l->hand_report_cycles / pkts, hand = hand_cycles / pkts;

	printf("flow reports: %.0f cycles each, %.1f per packet (%.1f of them under the hand); "
	       "the hand's walk: %.1f per packet (%.0f per live flow it passes); the packet "
	       "path but its reports: %.1f\n",
	       l->reports ? l->report_cycles / (double)l->reports : 0, rep, hand_rep,
	       hand - hand_rep, l->visits ? (hand - hand_rep) * pkts / l->visits : 0,
	       total - hand - (rep - hand_rep));
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct lcore *l;
	cpu_set_t set;
	uint64_t t0;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	l = lcore_init(w->n_flows);
	pthread_barrier_wait(w->ready);
	t0 = __rdtsc();
	w->packets = (uint64_t)l->f.n * steady(l, w->n_flows > 100000 ? 1 : 8);
	w->cycles = __rdtsc() - t0;
	lcore_free(l);
	return NULL;
}

/* Threads at once, each its own RX lcore. */
static void
scale(const char *counts, uint32_t n_flows, double hz)
{
	static struct worker w[256];
	pthread_barrier_t ready;
	char *list = strdup(counts), *tok, *save = NULL;

	printf("\n%u active flows per thread, whole path (dissect, counters, flows, top-N)\n",
	       n_flows);
	printf("%8s %14s %16s %18s\n", "threads", "Mpps in all", "Mpps per thread",
	       "cyc/pkt per thread");
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int n = atoi(tok), i;
		uint64_t packets = 0, cycles = 0;
		double pps = 0;

		if (n < 1 || n > 256)
			continue;
		pthread_barrier_init(&ready, NULL, n + 1);
		for (i = 0; i < n; i++) {
			w[i] = (struct worker){.cpu = i, .n_flows = n_flows, .ready = &ready};
			pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
		}
		pthread_barrier_wait(&ready);
		for (i = 0; i < n; i++) {
			pthread_join(w[i].tid, NULL);
			packets += w[i].packets;
			cycles += w[i].cycles;
			pps += w[i].packets * hz / w[i].cycles; /* each at its own rate */
		}
		pthread_barrier_destroy(&ready);
		printf("%8d %14.1f %16.1f %18.1f\n", n, pps / 1e6, pps / 1e6 / n,
		       (double)cycles / packets);
		fflush(stdout);
	}
	free(list);
}

/* FLOWS of --profile and --scale: 1 to half the largest table (the table holds twice as many). */
static uint32_t
flows_arg(const char *s)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (end == s || *end != '\0' || n < 1 || n > WS_FLOW_CAPACITY_MAX / 2) {
		fprintf(stderr, "bench_pipeline: FLOWS '%s': want a number of flows from 1 to %u\n",
			s, WS_FLOW_CAPACITY_MAX / 2);
		exit(2);
	}
	return (uint32_t)n;
}

int
main(int argc, char **argv)
{
	struct frames f10k, f1m, mix;

	no_hand = getenv("WS_BENCH_NO_HAND") != NULL;
	if (argc > 2 && !strcmp(argv[1], "--profile")) {
		/* warm, then the steady state, for callgrind --toggle-collect=steady */
		struct lcore *l = lcore_init(flows_arg(argv[2]));
		uint64_t t0 = __rdtsc();
		double total;
		int n;

		l->timed = true;
		hand_cycles = 0;
		n = steady(l, 1);
		total = (double)(__rdtsc() - t0) / ((double)l->f.n * n);
		printf("%u frames x %d passes: %.1f cycles per packet (TSC), "
		       "%.4f flow reports and %.4f hand visits per packet\n",
		       l->f.n, n, total, (double)l->reports / ((double)l->f.n * n),
		       (double)l->visits / ((double)l->f.n * n));
		profile_split(l, total, n);
		lcore_free(l);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--scale")) {
		double hz = bench_tsc_hz();

		printf("TSC %.2f GHz\n", hz / 1e9);
		scale(argv[2], argc > 3 ? flows_arg(argv[3]) : 10000, hz);
		return 0;
	}
	printf("TSC %.2f GHz\n", bench_tsc_hz() / 1e9);
	filter_init();
	make_flows(&f10k, 10000, 1 << 18);
	run("10k active flows", &f10k, 1 << 16, 8);
	make_flows(&f1m, 1000000, 1 << 22);
	run("1M active flows", &f1m, 1 << 21, 1);
	if (argc > 1 && load_pcap(&mix, argv[1]) == 0)
		run(argv[1], &mix, 1 << 16, 20);
	filter_fini();
	return 0;
}
