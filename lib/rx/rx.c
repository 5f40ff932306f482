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

static void
flow_report(void *arg, const struct ws_flow *f, const uint32_t packets[2], const uint32_t bytes[2])
{
	struct ws_rx_lcore *lc = arg;

	ws_stats_flow_report(lc->stats, f, packets, bytes);
}

/* A live flow under the expiry hand: keep the largest of this turn. */
static void
flow_visit(void *arg, const struct ws_flow *f)
{
	struct ws_rx_lcore *lc = arg;

	ws_flow_top_offer(lc->live_heap, &lc->n_live_heap, WS_RX_LIVE_TOP, f);
}

/*
 * A flow starts without a name of its own: the name a DNS answer gave its
 * responder's address (or else its initiator's, for a flow picked up late).
 * The answer may have crossed any RX lcore, so each one's table is asked.
 */
static void
flow_name(void *arg, struct ws_flow *f)
{
	struct ws_rx_lcore *lc = arg;
	unsigned int side, i;

	if ((f->key.port[0] | f->key.port[1]) == 0)
		return; /* TCP, UDP and SCTP flows only: a site is visited on a port */
	for (side = f->initiator ^ 1;; side ^= 1) {
		for (i = 0; i < lc->n_peer_names; i++) {
			if (ws_names_addr(lc->peer_names[i], f->key.version, f->key.addr[side],
					  f->host, WS_FLOW_HOST_MAX)) {
				f->host_source = WS_HOST_DNS_ANSWER;
				lc->stats->c.names.dns_named_flows++;
				return;
			}
		}
		if (side == f->initiator)
			return;
	}
}

int
ws_rx_lcore_init(struct ws_rx_lcore *lc, const struct ws_stats_sizes *sizes,
		 const struct ws_flow_conf *flows, const struct ws_names_conf *names)
{
	struct ws_flow_conf fc = *flows;
	int i;

	lc->stats = ws_stats_create(sizes);
	if (!lc->stats)
		return -ENOMEM;
	lc->names = ws_names_create(names);
	if (!lc->names) {
		i = -errno;
		ws_rx_lcore_free(lc);
		return i;
	}
	lc->stats->names = lc->names;
	lc->peer_names[0] = lc->names;
	lc->n_peer_names = 1; /* the others are added once every lcore has its own */
	/* Addresses, ports and distinct counts come per flow, from the flow table. */
	lc->stats->tops_from_flows = true;
	fc.report = flow_report;
	fc.visit = flow_visit;
	fc.report_arg = lc;
	fc.name = flow_name;
	fc.name_arg = lc;
	lc->flows = ws_flow_table_create(&fc);
	if (!lc->flows) {
		i = -errno;
		ws_rx_lcore_free(lc);
		return i;
	}
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
	ws_names_destroy(lc->names);
	lc->names = NULL;
	ws_flow_table_destroy(lc->flows);
	lc->flows = NULL;
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

/* Queue the packet for the burst's flow update: outer IP 5-tuple and VLAN. */
static inline void
flow_add(struct ws_rx_lcore *lc, const uint8_t *d, const struct ws_pkt *p, uint32_t len,
	 uint64_t ts_ns)
{
	const struct ws_ip *o = &p->outer;
	struct ws_flow_pkt *fp = &lc->fpkt[lc->n_fpkt];
	const struct ws_host *h = &lc->stats->host;
	unsigned int alen = o->version == 4 ? 4 : 16;
	const uint8_t *src;
	bool ports;

	if (o->version == 0)
		return;
	src = d + o->l3_off + (o->version == 4 ? 12 : 8);
	ports = o->has_l4 && !(o->frag & WS_FRAG_LATER) &&
		(o->proto == 6 || o->proto == 17 || o->proto == 132);
	ws_flow_pkt_init(fp, o->version, o->proto, p->n_vlans ? p->vlan[0] : 0, src, src + alen,
			 ports ? o->sport : 0, ports ? o->dport : 0);
	fp->tcp_flags = o->proto == 6 && o->has_l4 ? o->tcp_flags : 0;
	fp->len = len;
	fp->ts_ns = ts_ns;
	if (h->len) {
		fp->host_len = h->len < WS_FLOW_HOST_MAX - 1 ? h->len : WS_FLOW_HOST_MAX - 1;
		fp->host_source = h->source;
		memcpy(lc->fhost[lc->n_fpkt], h->name, fp->host_len);
		fp->host = lc->fhost[lc->n_fpkt];
	}
	if (ts_ns > lc->flow_ns)
		lc->flow_ns = ts_ns;
	lc->n_fpkt++;
	lc->stats->c.flow_packets++;
}

/* Ended flows to the management lcore; a full ring loses them, counted. */
static void
records_push(struct ws_rx_lcore *lc, const struct ws_flow *rec, unsigned int n)
{
	unsigned int sent = 0;

	if (n && lc->records)
		sent = rte_ring_enqueue_burst_elem(lc->records, rec, sizeof(*rec), n, NULL);
	lc->cnt.flow_records_lost += n - sent;
}

/* Packets of one second: the flows they start are counted in that second. */
static void
flows_update_run(struct ws_rx_lcore *lc, const struct ws_flow_pkt *fp, unsigned int n)
{
	struct ws_flow_counters c;
	unsigned int n_rec = 0;

	ws_flow_update_burst(lc->flows, fp, n, lc->rec, &n_rec);
	records_push(lc, lc->rec, n_rec);
	ws_flow_counters_get(lc->flows, &c);
	if (c.created != lc->flows_created) {
		ws_series_add_flows(&lc->stats->series, fp->ts_ns,
				    (uint32_t)(c.created - lc->flows_created));
		lc->flows_created = c.created;
	}
}

/* The burst's packets into the flow table, split where the second changes. */
static void
flows_update(struct ws_rx_lcore *lc)
{
	unsigned int i, start = 0;
	uint64_t sec_end = 0;

	for (i = 0; i < lc->n_fpkt; i++) {
		uint64_t ts = lc->fpkt[i].ts_ns;

		if (i == start) {
			sec_end = (ts / 1000000000u + 1) * 1000000000u;
		} else if (ts >= sec_end || ts < sec_end - 1000000000u) {
			flows_update_run(lc, lc->fpkt + start, i - start);
			start = i;
			sec_end = (ts / 1000000000u + 1) * 1000000000u;
		}
	}
	if (lc->n_fpkt > start)
		flows_update_run(lc, lc->fpkt + start, lc->n_fpkt - start);
	lc->n_fpkt = 0;
}

static inline void
account(struct ws_rx_lcore *lc, struct rte_mbuf *m, const uint8_t *d, uint32_t len,
	const struct ws_pkt *p)
{
	uint64_t ts_ns = lc->now_ns;

	if (lc->ts_offset >= 0) {
		/* Offline: the capture's time (DPDK 22.11's net_pcap gives microseconds). */
		uint64_t ts = *RTE_MBUF_DYNFIELD(m, lc->ts_offset, uint64_t *);

		if (lc->cnt.ts_first == 0 || ts < lc->cnt.ts_first)
			lc->cnt.ts_first = ts;
		if (ts > lc->cnt.ts_last)
			lc->cnt.ts_last = ts;
		ts_ns = ts * 1000;
	}
	lc->stats->now_ns = ts_ns;
	ws_stats_account(lc->stats, d, len, rte_pktmbuf_pkt_len(m), p);
	ws_series_add(&lc->stats->series, ts_ns, rte_pktmbuf_pkt_len(m));
	flow_add(lc, d, p, rte_pktmbuf_pkt_len(m), ts_ns);
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
	flows_update(lc);
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
	flows_update(lc);
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
	ws_flow_counters_get(lc->flows, &lc->cnt.flows);
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ws_stats_copy(s->stats, lc->stats);
	s->cnt = lc->cnt;
	memcpy(s->live, lc->live, lc->n_live * sizeof(s->live[0]));
	s->n_live = lc->n_live;
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
		ws_flow_report_discard(lc->flows);
		memset(&lc->cnt, 0, sizeof(lc->cnt));
		lc->start_tsc = now;
		lc->reset_seen = gen;
	}
	rx_publish(lc, now);
	lc->next_publish = now + lc->publish_tsc;
}

/*
 * Flow timeouts, about every millisecond: a slice of the table each time,
 * the whole of it about every WS_FLOW_HAND_TURN_SECONDS. Time is the latest
 * packet's offline, the TSC's live (idle links still time out).
 */
static void
flows_expire(struct ws_rx_lcore *lc)
{
	uint64_t now = rte_rdtsc(), t;
	unsigned int n, budget = ws_flow_hand_budget(lc->flows);
	struct ws_flow_counters c;

	if (likely(now < lc->next_expire_tsc))
		return;
	lc->next_expire_tsc = now + rte_get_tsc_hz() / WS_FLOW_HAND_RUNS_PER_SECOND;
	t = lc->ts_offset >= 0 ? lc->flow_ns
			       : lc->start_ns + (uint64_t)((now - lc->start_tsc) * lc->ns_per_tsc);
	n = ws_flow_expire(lc->flows, t, budget, lc->rec, RTE_DIM(lc->rec));
	records_push(lc, lc->rec, n);
	ws_flow_counters_get(lc->flows, &c);
	if (c.turns != lc->live_turns) {
		/* a turn is complete: its largest live flows replace the last turn's */
		lc->live_turns = c.turns;
		memcpy(lc->live, lc->live_heap, lc->n_live_heap * sizeof(lc->live[0]));
		lc->n_live = lc->n_live_heap;
		lc->n_live_heap = 0;
	}
}

/* Shutdown: every live flow becomes a record; the management lcore drains meanwhile. */
static void
flows_flush(struct ws_rx_lcore *lc)
{
	unsigned int n, sent;

	lc->n_live = 0; /* they all become records */
	while ((n = ws_flow_flush(lc->flows, lc->rec, RTE_DIM(lc->rec))) != 0) {
		for (sent = 0; lc->records && sent < n;) {
			sent += rte_ring_enqueue_burst_elem(lc->records, lc->rec + sent,
							    sizeof(lc->rec[0]), n - sent, NULL);
			if (sent < n)
				rte_pause();
		}
	}
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
		flows_expire(lc);
		rx_maybe_publish(lc);
	}
	lc->filter = ws_filter_current();
	/* Count what the spreading lcores sent up to their last packet: none is lost. */
	__atomic_store_n(&lc->spread_done, 1, __ATOMIC_RELEASE);
	while (!producers_done(lc) || drain_rings(lc, pkts) != 0)
		drain_rings(lc, pkts);
	flows_flush(lc);
	rx_publish(lc, rte_rdtsc());
	rte_rcu_qsbr_thread_offline(lc->qsbr, lc->index);
	rte_rcu_qsbr_thread_unregister(lc->qsbr, lc->index);
	__atomic_store_n(&lc->stopped, 1, __ATOMIC_RELEASE);
	return 0;
}

int
ws_rx_read(const struct ws_rx_lcore *lc, struct ws_stats *dst, struct ws_rx_counters *cnt,
	   struct ws_flow *live, unsigned int *n_live)
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
		if (live != NULL) {
			*n_live = RTE_MIN(lc->snap[k].n_live, (unsigned int)WS_RX_LIVE_TOP);
			memcpy(live, lc->snap[k].live, *n_live * sizeof(live[0]));
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&lc->snap[k].seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return 0;
	}
	return -EAGAIN;
}
