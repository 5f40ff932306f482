/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A paced replay source: what dpdk-testpmd cannot do on net_memif. Reads a
 * looping net_pcap port and sends its packets out of the other port at a set
 * rate, so that a receiver's highest lossless rate can be searched for.
 *
 *   pace EAL-ARGS -- [--mpps R] [--seconds T] [--warmup W] [--mbufs N] [--fresh P]
 *
 * EAL-ARGS name two ports: a net_pcap one (rx_pcap=FILE,infinite_rx=1), the
 * input, and the output (a net_memif client of the receiver, a NIC, or a
 * second net_pcap port with tx_pcap=FILE). Once the output's link is up, it
 * sends at R million packets per second (0, the
 * default: flat out) for W seconds uncounted (default 1: a memif connection
 * stalls for some 15 ms at first) and then T seconds (default 5), and prints
 * one line. N mbufs (default 65535) must hold the whole capture and a few
 * bursts.
 *
 *   pace: seconds=S offered=N sent=N refused=N late=N warmup_offered=N warmup_sent=N
 *
 * The first four count the T seconds after the warm-up: offered is what was
 * read from the capture; refused is what the output's TX
 * queue did not take (on memif: the receiver's ring was full, which on a wire
 * would have been loss). Pacing is by the TSC: at each turn, as many packets
 * as the rate allows since the start, at most a burst; when the process was
 * held up (another task on its CPU), the packets it fell behind are counted
 * as late and not sent, rather than sent in a burst the pace would not have.
 *
 * --fresh P makes every flow new on each loop of a P-packet capture: the loop
 * number goes into the middle bytes of both addresses of IPv4 and IPv6
 * packets (plain or behind one VLAN tag), so both directions of a flow still
 * meet, and IPv4's header checksum is made again. A soak needs this: a looping
 * capture would otherwise bring back the same flows.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define BURST 32
#define RING 1024

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* The input receives only, the output sends only (a memif peer may have no TX queue). */
static int
port_init(uint16_t port, struct rte_mempool *mp, bool input)
{
	struct rte_eth_conf conf;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port, input, !input, &conf);
	if (rc == 0 && input)
		rc = rte_eth_rx_queue_setup(port, 0, RING, rte_eth_dev_socket_id(port), NULL, mp);
	if (rc == 0 && !input)
		rc = rte_eth_tx_queue_setup(port, 0, RING, rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

/*
 * The input is the first net_pcap port; the output the other port, which may
 * be a net_pcap one too (tx_pcap=FILE: what would have been sent, to check).
 */
static int
find_ports(uint16_t *in, uint16_t *out)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	unsigned int n = 0;
	bool have_in = false;
	uint16_t p;

	RTE_ETH_FOREACH_DEV (p) {
		n++;
		if (rte_eth_dev_get_name_by_port(p, name) == 0 && !have_in &&
		    strncmp(name, "net_pcap", 8) == 0) {
			*in = p;
			have_in = true;
		} else {
			*out = p;
		}
	}
	return have_in && n == 2 ? 0 : -1;
}

static int
wait_link(uint16_t port)
{
	struct rte_eth_link link;

	for (int i = 0; i < 600 && !quit; i++) {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return 0;
		rte_delay_us_sleep(100 * 1000); /* let the interrupt thread connect */
	}
	return -1;
}

/* Loop e of the capture: e into both addresses (--fresh). */
static void
freshen(struct rte_mbuf *m, uint16_t e)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), off = 14, ihl;
	struct rte_ipv4_hdr *ip;
	uint16_t type;

	if (len < 14)
		return;
	type = (uint16_t)(d[12] << 8 | d[13]);
	if (type == RTE_ETHER_TYPE_VLAN && len >= 18) {
		type = (uint16_t)(d[16] << 8 | d[17]);
		off = 18;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && len >= off + 20) {
		ip = (struct rte_ipv4_hdr *)(d + off);
		ihl = (ip->version_ihl & 0xf) * 4u;
		if (ihl < 20 || len < off + ihl)
			return;
		for (unsigned int a = 12; a <= 16; a += 4) { /* source, destination */
			d[off + a + 1] ^= e >> 8;
			d[off + a + 2] ^= e & 0xff;
		}
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= off + 40) {
		for (unsigned int a = 8; a <= 24; a += 16) {
			d[off + a + 4] ^= e >> 8;
			d[off + a + 5] ^= e & 0xff;
		}
	}
}

/* A whole number or decimal in [lo, hi]; "", trailing junk and NaN are refused. */
static int
num_arg(const char *arg, double lo, double hi, double *v)
{
	char *end;
	double x = strtod(arg, &end);

	if (end == arg || *end != '\0' || !(x >= lo && x <= hi))
		return -1;
	*v = x;
	return 0;
}

/* A whole number in [lo, hi]. */
static int
count_arg(const char *arg, unsigned long lo, unsigned long hi, unsigned long *v)
{
	double x;

	if (num_arg(arg, lo, hi, &x) < 0 || x != (double)(unsigned long)x)
		return -1;
	*v = (unsigned long)x;
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t offered = 0, sent = 0, late = 0, warm_offered = 0, warm_sent = 0;
	uint64_t allowed, hz, t0, t_end, t_count, now, read = 0;
	struct rte_mbuf *b[BURST];
	double mpps = 0, seconds = 5, warmup = 1;
	unsigned long mbufs = 65535, fresh = 0;
	struct rte_mempool *mp;
	uint16_t in = 0, out = 0, n, k;
	int rc, opt;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "pace: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	static const struct option opts[] = {
		{"mpps", required_argument, NULL, 'r'},	 {"seconds", required_argument, NULL, 't'},
		{"mbufs", required_argument, NULL, 'm'}, {"warmup", required_argument, NULL, 'w'},
		{"fresh", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (num_arg(optarg, 0, 1000, &mpps) < 0) {
				fprintf(stderr, "pace: --mpps takes 0 (flat out) to 1000\n");
				return 2;
			}
			break;
		case 't':
			if (num_arg(optarg, 0, 86400, &seconds) < 0 || seconds == 0) {
				fprintf(stderr, "pace: --seconds takes a duration above 0\n");
				return 2;
			}
			break;
		case 'w':
			if (num_arg(optarg, 0, 3600, &warmup) < 0) {
				fprintf(stderr, "pace: --warmup takes 0 to 3600 seconds\n");
				return 2;
			}
			break;
		case 'm':
			if (count_arg(optarg, 1024, 1ul << 24, &mbufs) < 0) {
				fprintf(stderr, "pace: --mbufs takes 1024 to 16777216\n");
				return 2;
			}
			break;
		case 'f':
			if (count_arg(optarg, 1, 1ul << 32, &fresh) < 0) {
				fprintf(stderr,
					"pace: --fresh takes the capture's packets, 1 or more\n");
				return 2;
			}
			break;
		default:
			fprintf(stderr,
				"usage: pace EAL-ARGS -- [--mpps R] [--seconds T] [--warmup W] "
				"[--mbufs N] [--fresh P]\n");
			return 2;
		}
	}
	if (find_ports(&in, &out) < 0) {
		fprintf(stderr, "pace: need two ports: net_pcap (input) first, then the output\n");
		return 1;
	}
	/* net_pcap's infinite_rx holds the whole capture in mbufs of this pool */
	mp = rte_pktmbuf_pool_create("pace", mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "pace: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (port_init(in, mp, true) != 0 || port_init(out, mp, false) != 0) {
		fprintf(stderr, "pace: cannot start the ports\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (wait_link(out) < 0) {
		fprintf(stderr, "pace: the output port's link did not come up\n");
		return 1;
	}
	rte_delay_us_sleep(200 * 1000); /* the peer's queues come up just after the link */

	hz = rte_get_tsc_hz();
	t0 = rte_rdtsc();
	t_end = t0 + (uint64_t)((warmup + seconds) * hz);
	t_count = t0 + (uint64_t)(warmup * hz);
	for (now = t0; now < t_end && !quit; now = rte_rdtsc()) {
		if (now >= t_count && t_count != 0) {
			/* the warm-up is over: count from here, at the same pace */
			t0 += (uint64_t)(warmup * hz);
			warm_offered = offered;
			warm_sent = sent;
			offered = sent = late = 0;
			t_count = 0;
		}
		n = BURST;
		if (mpps > 0) {
			allowed = (uint64_t)((double)(now - t0) * mpps * 1e6 / hz) - late;
			if (allowed <= offered)
				continue;
			if (allowed - offered > BURST) {
				/* this process was held up: go on at the pace, no catch-up burst */
				late += allowed - offered - BURST;
				allowed = offered + BURST;
			}
			n = (uint16_t)(allowed - offered);
		}
		n = rte_eth_rx_burst(in, 0, b, n);
		if (n == 0)
			continue;
		for (k = 0; fresh != 0 && k < n; k++)
			freshen(b[k], (uint16_t)((read + k) / fresh));
		read += n;
		offered += n;
		k = rte_eth_tx_burst(out, 0, b, n);
		sent += k;
		if (k < n)
			rte_pktmbuf_free_bulk(b + k, n - k);
	}
	printf("pace: seconds=%.3f offered=%" PRIu64 " sent=%" PRIu64 " refused=%" PRIu64
	       " late=%" PRIu64 " warmup_offered=%" PRIu64 " warmup_sent=%" PRIu64 "\n",
	       (double)(now - t0) / hz, offered, sent, offered - sent, late, warm_offered,
	       warm_sent);
	fflush(stdout);
	/* memif: what the receiver has not read when the link goes down is lost */
	rte_delay_us_sleep(500 * 1000);
	rte_eth_dev_stop(in);
	rte_eth_dev_stop(out);
	rte_eal_cleanup();
	return 0;
}
