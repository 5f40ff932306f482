/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture filter cost: cycles per packet of a tcpdump expression run by
 * DPDK's BPF JIT and by its interpreter, beside a loop that only touches the
 * same mbufs, in one run (best of several trials).
 *
 *   bench_filter CAPTURE [EXPR]      (default: "tcp port 443")
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include <ws_filter.h>

#define MAX_PKTS 8192
#define TRIALS 7
#define PASSES 50

static struct rte_mbuf *pkts[MAX_PKTS];
static unsigned int n_pkts;
static volatile uint64_t sink;

static int
load(const char *file, struct rte_mempool *mp)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc = pcap_open_offline(file, err);

	if (!pc) {
		fprintf(stderr, "bench_filter: %s\n", err);
		return -1;
	}
	while (n_pkts < MAX_PKTS && pcap_next_ex(pc, &h, &d) == 1) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		char *p = m ? rte_pktmbuf_append(m, h->caplen) : NULL;

		if (!p)
			break;
		memcpy(p, d, h->caplen);
		pkts[n_pkts++] = m;
	}
	pcap_close(pc);
	return n_pkts ? 0 : -1;
}

/* 0: touch only; 1: JIT or interpreter per packet as the RX lcores run it. */
static double
measure(const struct ws_filter *f)
{
	double best = 1e30;
	uint64_t acc = 0;

	for (int t = 0; t < TRIALS; t++) {
		uint64_t t0 = rte_rdtsc();

		for (int p = 0; p < PASSES; p++)
			for (unsigned int i = 0; i < n_pkts; i++)
				acc += f ? ws_filter_match(f, pkts[i])
					 : *rte_pktmbuf_mtod(pkts[i], uint8_t *);
		double c = (double)(rte_rdtsc() - t0) / ((double)n_pkts * PASSES);

		if (c < best)
			best = c;
	}
	sink += acc;
	return best;
}

int
main(int argc, char **argv)
{
	char *eal[] = {"bench_filter",
		       "--no-huge",
		       "-m",
		       "256",
		       "--no-pci",
		       "--no-telemetry",
		       "--file-prefix=bench_filter",
		       "--log-level=*:error",
		       NULL};
	const char *expr = argc > 2 ? argv[2] : "tcp port 443";
	struct ws_filter *jit, *interp;
	struct rte_mempool *mp;
	double base, cj, ci;
	char err[256];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_filter CAPTURE [EXPR]\n");
		return 2;
	}
	if (rte_eal_init(8, eal) < 0)
		return 1;
	mp = rte_pktmbuf_pool_create("bench", MAX_PKTS * 2, 0, 0, 2176, 0);
	jit = ws_filter_compile(expr, 1, true, err, sizeof(err));
	interp = ws_filter_compile(expr, 1, false, err, sizeof(err));
	if (!mp || !jit || !interp || load(argv[1], mp) < 0) {
		fprintf(stderr, "bench_filter: %s\n", err);
		return 1;
	}
	base = measure(NULL);
	cj = measure(jit);
	ci = measure(interp);
	printf("filter '%s' over %u packets x %d passes, best of %d, TSC %.2f GHz\n", expr, n_pkts,
	       PASSES, TRIALS, rte_get_tsc_hz() / 1e9);
	printf("%-22s %10s %10s %10s\n", "path", "cyc/pkt", "ns/pkt", "x no filter");
	printf("%-22s %10.1f %10.2f %10.2f\n", "no filter (touch)", base,
	       base * 1e9 / rte_get_tsc_hz(), 1.0);
	printf("%-22s %10.1f %10.2f %10.2f%s\n", "JIT", cj, cj * 1e9 / rte_get_tsc_hz(), cj / base,
	       jit->jit ? "" : "  (no JIT on this CPU: interpreter)");
	printf("%-22s %10.1f %10.2f %10.2f\n", "interpreter", ci, ci * 1e9 / rte_get_tsc_hz(),
	       ci / base);
	ws_filter_free(jit);
	ws_filter_free(interp);
	rte_eal_cleanup();
	return 0;
}
