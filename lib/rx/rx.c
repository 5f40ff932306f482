/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "ws_rx.h"

#define PREFETCH_AHEAD 3

uint32_t ws_rx_quit;
uint32_t ws_rx_reset_gen;

int
ws_rx_lcore_init(struct ws_rx_lcore *lc, const struct ws_stats_sizes *sizes)
{
	int i;

	lc->stats = ws_stats_create(sizes);
	lc->bounce = malloc(WS_RX_FRAME_MAX);
	for (i = 0; i < 2; i++)
		lc->snap[i].stats = ws_stats_create(sizes);
	if (!lc->stats || !lc->bounce || !lc->snap[0].stats || !lc->snap[1].stats) {
		ws_rx_lcore_free(lc);
		return -ENOMEM;
	}
	return 0;
}

void
ws_rx_lcore_free(struct ws_rx_lcore *lc)
{
	ws_stats_destroy(lc->stats);
	free(lc->bounce);
	lc->bounce = NULL;
	ws_stats_destroy(lc->snap[0].stats);
	ws_stats_destroy(lc->snap[1].stats);
	lc->stats = lc->snap[0].stats = lc->snap[1].stats = NULL;
}

/*
 * The frame as one buffer: the mbuf's data, or for a chain (jumbo frames
 * over small mbufs) a copy, so that lengths are checked against the frame.
 */
static inline const uint8_t *
frame_data(struct ws_rx_lcore *lc, struct rte_mbuf *m, uint32_t *len)
{
	if (likely(m->nb_segs == 1)) {
		*len = rte_pktmbuf_data_len(m);
		return rte_pktmbuf_mtod(m, const uint8_t *);
	}
	*len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)WS_RX_FRAME_MAX);
	return rte_pktmbuf_read(m, 0, *len, lc->bounce);
}

static inline void
parse_frame(const struct ws_rx_lcore *lc, const uint8_t *d, uint32_t len, struct ws_pkt *p)
{
	if (likely(lc->linktype == WS_LINKTYPE_ETHERNET))
		ws_parse_pkt(d, len, p);
	else
		ws_parse_link(lc->linktype, d, len, p);
}

/* The capture filter: rejected frames are counted and not analysed. */
static inline bool
filter_pass(struct ws_rx_lcore *lc, struct rte_mbuf *m)
{
	if (lc->filter && !ws_filter_match(lc->filter, m)) {
		lc->cnt.rejected++;
		lc->cnt.rejected_bytes += rte_pktmbuf_pkt_len(m);
		return false;
	}
	lc->cnt.passed++;
	return true;
}

static inline void
account(struct ws_rx_lcore *lc, struct rte_mbuf *m, const uint8_t *d, uint32_t len,
	const struct ws_pkt *p)
{
	uint64_t ts_ns = lc->now_ns;

	ws_stats_account(lc->stats, d, len, rte_pktmbuf_pkt_len(m), p);
	if (lc->ts_offset >= 0) {
		/* Offline: the capture's time (DPDK 22.11's net_pcap gives microseconds). */
		uint64_t ts = *RTE_MBUF_DYNFIELD(m, lc->ts_offset, uint64_t *);

		if (lc->cnt.ts_first == 0 || ts < lc->cnt.ts_first)
			lc->cnt.ts_first = ts;
		if (ts > lc->cnt.ts_last)
			lc->cnt.ts_last = ts;
		ts_ns = ts * 1000;
	}
	ws_series_add(&lc->stats->series, ts_ns, rte_pktmbuf_pkt_len(m));
}

static inline void
prefetch(struct rte_mbuf **pkts, unsigned int i, unsigned int n)
{
	if (i + PREFETCH_AHEAD < n)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
}

/* Packets that stay here: dissect and count, then free the burst at once. */
static void
rx_process(struct ws_rx_lcore *lc, struct rte_mbuf **pkts, unsigned int n)
{
	const uint8_t *d;
	struct ws_pkt p;
	unsigned int i;
	uint32_t len;

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		prefetch(pkts, i, n);
		if (!filter_pass(lc, pkts[i]))
			continue;
		d = frame_data(lc, pkts[i], &len);
		parse_frame(lc, d, len, &p);
		account(lc, pkts[i], d, len, &p);
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

static unsigned int drain_rings(struct ws_rx_lcore *lc, struct rte_mbuf **pkts);

/*
 * Hand a batch to another lcore; full rings drop (live) or wait (offline).
 * While waiting, this lcore empties its own input rings, so that two lcores
 * spreading to each other cannot wait on each other for ever.
 */
static void
spread_flush(struct ws_rx_lcore *lc, unsigned int t)
{
	struct rte_mbuf **b = lc->spread_buf[t], *in[WS_BURST];
	unsigned int n = lc->spread_n[t], sent;

	sent = rte_ring_enqueue_burst(lc->to[t], (void **)b, n, NULL);
	while (lc->lossless && sent < n && !__atomic_load_n(&ws_rx_quit, __ATOMIC_RELAXED)) {
		if (drain_rings(lc, in) == 0)
			rte_pause();
		sent += rte_ring_enqueue_burst(lc->to[t], (void **)b + sent, n - sent, NULL);
	}
	lc->cnt.spread_out += sent;
	if (sent < n) {
		lc->cnt.ring_full += n - sent;
		rte_pktmbuf_free_bulk(b + sent, n - sent);
	}
	lc->spread_n[t] = 0;
}

/* Packets of a queue that spreads: this lcore's share is counted, the rest sent on. */
static void
rx_spread(struct ws_rx_lcore *lc, struct rte_mbuf **pkts, unsigned int n)
{
	struct rte_mbuf *mine[WS_BURST];
	unsigned int i, t, n_mine = 0;
	const uint8_t *d;
	struct ws_pkt p;
	uint32_t len;

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		prefetch(pkts, i, n);
		d = frame_data(lc, pkts[i], &len);
		parse_frame(lc, d, len, &p);
		t = ws_rss_target(ws_rss_hash_pkt(lc->rss, d, &p), lc->n_lcores);
		if (t == lc->index) {
			if (filter_pass(lc, pkts[i]))
				account(lc, pkts[i], d, len, &p);
			mine[n_mine++] = pkts[i];
		} else {
			lc->spread_buf[t][lc->spread_n[t]++] = pkts[i];
		}
	}
	rte_pktmbuf_free_bulk(mine, n_mine);
	for (t = 0; t < lc->n_lcores; t++)
		if (lc->spread_n[t])
			spread_flush(lc, t);
}

/* Copy the live statistics into the snapshot not being read, then point to it. */
static void
rx_publish(struct ws_rx_lcore *lc, uint64_t now)
{
	uint32_t k = lc->latest ^ 1;
	struct ws_rx_snapshot *s = &lc->snap[k];

	lc->cnt.total_tsc = now - lc->start_tsc;
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ws_stats_copy(s->stats, lc->stats);
	s->cnt = lc->cnt;
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&lc->latest, k, __ATOMIC_RELEASE);
}

static inline void
rx_maybe_publish(struct ws_rx_lcore *lc)
{
	uint64_t now = rte_rdtsc();
	uint32_t gen;

	if (likely(now < lc->next_publish))
		return;
	gen = __atomic_load_n(&ws_rx_reset_gen, __ATOMIC_ACQUIRE);
	if (gen != lc->reset_seen) {
		ws_stats_reset(lc->stats);
		memset(&lc->cnt, 0, sizeof(lc->cnt));
		lc->start_tsc = now;
		lc->reset_seen = gen;
	}
	rx_publish(lc, now);
	lc->next_publish = now + lc->publish_tsc;
}

/* Packets other lcores spread to this one. */
static unsigned int
drain_rings(struct ws_rx_lcore *lc, struct rte_mbuf **pkts)
{
	unsigned int q, n, total = 0;
	uint64_t t0;

	for (q = 0; q < lc->n_from; q++) {
		n = rte_ring_dequeue_burst(lc->from[q], (void **)pkts, WS_BURST, NULL);
		if (n == 0)
			continue;
		t0 = rte_rdtsc();
		lc->now_ns = lc->start_ns + (uint64_t)((t0 - lc->start_tsc) * lc->ns_per_tsc);
		lc->cnt.spread_in += n;
		rx_process(lc, pkts, n);
		lc->cnt.busy_tsc += rte_rdtsc() - t0;
		total += n;
	}
	return total;
}

static unsigned int
poll_queues(struct ws_rx_lcore *lc, struct rte_mbuf **pkts)
{
	unsigned int q, n, total = 0;
	uint64_t t0;

	for (q = 0; q < lc->n_queues; q++) {
		const struct ws_rx_queue *rq = &lc->queues[q];

		n = rte_eth_rx_burst(rq->port_id, rq->queue_id, pkts, WS_BURST);
		if (n == 0)
			continue;
		t0 = rte_rdtsc();
		lc->now_ns = lc->start_ns + (uint64_t)((t0 - lc->start_tsc) * lc->ns_per_tsc);
		lc->cnt.rx += n;
		if (rq->spread)
			rx_spread(lc, pkts, n);
		else
			rx_process(lc, pkts, n);
		lc->cnt.busy_tsc += rte_rdtsc() - t0;
		total += n;
	}
	return total + drain_rings(lc, pkts);
}

static bool
producers_done(const struct ws_rx_lcore *lc)
{
	unsigned int i;

	for (i = 0; i < lc->n_from; i++)
		if (!__atomic_load_n(lc->from_done[i], __ATOMIC_ACQUIRE))
			return false;
	return true;
}

int
ws_rx_lcore_main(void *arg)
{
	struct ws_rx_lcore *lc = arg;
	struct rte_mbuf *pkts[WS_BURST];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	lc->start_tsc = rte_rdtsc();
	lc->start_ns = (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
	lc->ns_per_tsc = 1e9 / rte_get_tsc_hz();
	lc->now_ns = lc->start_ns;
	lc->next_publish = lc->start_tsc;
	lc->reset_seen = __atomic_load_n(&ws_rx_reset_gen, __ATOMIC_ACQUIRE);
	rte_rcu_qsbr_thread_register(lc->qsbr, lc->index);
	rte_rcu_qsbr_thread_online(lc->qsbr, lc->index);
	while (!__atomic_load_n(&ws_rx_quit, __ATOMIC_RELAXED)) {
		/* One filter per turn; reporting the turn over lets an old one be freed. */
		lc->filter = ws_filter_current();
		lc->cnt.filter_generation = lc->filter ? lc->filter->generation : 0;
		poll_queues(lc, pkts);
		rte_rcu_qsbr_quiescent(lc->qsbr, lc->index);
		rx_maybe_publish(lc);
	}
	lc->filter = ws_filter_current();
	/* Count what the spreading lcores sent up to their last packet: none is lost. */
	__atomic_store_n(&lc->spread_done, 1, __ATOMIC_RELEASE);
	while (!producers_done(lc) || drain_rings(lc, pkts) != 0)
		drain_rings(lc, pkts);
	rx_publish(lc, rte_rdtsc());
	rte_rcu_qsbr_thread_offline(lc->qsbr, lc->index);
	rte_rcu_qsbr_thread_unregister(lc->qsbr, lc->index);
	__atomic_store_n(&lc->stopped, 1, __ATOMIC_RELEASE);
	return 0;
}

int
ws_rx_read(const struct ws_rx_lcore *lc, struct ws_stats *dst, struct ws_rx_counters *cnt)
{
	uint32_t k, s1, s2;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		k = __atomic_load_n(&lc->latest, __ATOMIC_ACQUIRE);
		s1 = __atomic_load_n(&lc->snap[k].seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		ws_stats_copy(dst, lc->snap[k].stats);
		*cnt = lc->snap[k].cnt;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&lc->snap[k].seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return 0;
	}
	return -EAGAIN;
}
