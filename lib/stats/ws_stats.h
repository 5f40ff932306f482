/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What wirestat counts about packets, per RX lcore, and how it is merged and
 * reported. Plain C, no DPDK: the daemon, wsdissect and the tests share it.
 *
 * One struct ws_stats has one writer (its RX lcore). Readers get snapshots
 * with ws_stats_copy() and merge them with ws_stats_merge().
 */
#ifndef WS_STATS_H
#define WS_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include <ws_flow.h>
#include <ws_hll.h>
#include <ws_names.h>
#include <ws_parse.h>
#include <ws_topk.h>

/** RFC 2819 etherStats size buckets, frame length with its 4-byte FCS. */
enum ws_size_bucket {
	WS_SIZE_UNDER_64, /**< runts: < 64 octets */
	WS_SIZE_64,
	WS_SIZE_65_127,
	WS_SIZE_128_255,
	WS_SIZE_256_511,
	WS_SIZE_512_1023,
	WS_SIZE_1024_1518,
	WS_SIZE_OVER_1518, /**< jumbo and oversize */
	WS_SIZE_BUCKETS
};

/** Plain counters: summed by merging, copied by assignment. */
struct ws_stats_counters {
	uint64_t packets;
	uint64_t bytes; /**< captured bytes, no FCS */
	/* Outermost L3 and the L4 right after it, as tshark's frame.protocols. */
	uint64_t ipv4, ipv6, arp, non_ip;
	uint64_t tcp, udp, icmp, icmpv6, other_l4;
	uint64_t malformed; /**< packets not decoded fully (reason != ok) */
	uint64_t reasons[WS_PARSE_RC_MAX];
	uint64_t sizes[WS_SIZE_BUCKETS];
	uint64_t tcp_flags[8];		       /**< packets with each flag, FIN first */
	uint64_t vlan_depth[WS_MAX_VLANS + 1]; /**< [0]: untagged */
	uint64_t mpls, pppoe, tunneled;
	uint64_t fragments, later_fragments;
	uint64_t hosts[WS_HOST_SOURCE_MAX]; /**< names found, by enum ws_host_source */
	uint64_t host_partial;		    /**< name goes on in another segment */
	uint64_t host_malformed;	    /**< DNS/TLS/HTTP too broken to read */
	uint64_t topk_rejected;		    /**< keys a summary refused (never expected) */
	/* With tops_from_flows: packets given to the flow table, and reported back. */
	uint64_t flow_packets;
	uint64_t flow_reported;
	struct ws_names_counters names; /**< QUIC, reassembly and DNS answers (with names) */
};

/** Sizes of the summaries, from the configuration. */
struct ws_stats_sizes {
	uint32_t top_capacity;	/**< counters per address/port summary */
	uint32_t host_capacity; /**< counters in the hostname summary */
	uint32_t rate_seconds;	/**< seconds of traffic kept per second (0: 900) */
};

/** Traffic in one second of time (capture time offline, wall clock live). */
struct ws_series_slot {
	uint64_t sec; /**< seconds since the epoch; 0: unused */
	uint64_t packets;
	uint64_t bytes;
	uint64_t flows; /**< flows that began in this second */
};

/**
 * The last n seconds of traffic, one slot per second, indexed by second
 * modulo n. Filled per packet at the cost of a compare while the second
 * lasts; a new second costs one division.
 */
struct ws_series {
	uint32_t n;
	struct ws_series_slot *cur; /**< slot of the second being filled */
	uint64_t cur_start_ns, cur_end_ns;
	struct ws_series_slot *slot;
};

void ws_series_advance(struct ws_series *s, uint64_t ts_ns);

/** Count a packet at ts_ns (nanoseconds since the epoch). Hot path. */
static inline void
ws_series_add(struct ws_series *s, uint64_t ts_ns, uint32_t bytes)
{
	if (__builtin_expect(ts_ns >= s->cur_end_ns || ts_ns < s->cur_start_ns, 0))
		ws_series_advance(s, ts_ns);
	s->cur->packets++;
	s->cur->bytes += bytes;
}

/** Count flows that began at ts_ns. */
static inline void
ws_series_add_flows(struct ws_series *s, uint64_t ts_ns, uint32_t flows)
{
	if (__builtin_expect(ts_ns >= s->cur_end_ns || ts_ns < s->cur_start_ns, 0))
		ws_series_advance(s, ts_ns);
	s->cur->flows += flows;
}

/** Heavy-hitter summaries kept per core. */
enum ws_stats_top {
	WS_TOP_DST,	   /**< outer destination IP */
	WS_TOP_SRC,	   /**< outer source IP */
	WS_TOP_DPORT,	   /**< outer TCP/UDP destination port */
	WS_TOP_PAIR,	   /**< outer address pair, both directions together */
	WS_TOP_HOST,	   /**< hostnames (DNS query, TLS SNI, HTTP Host, QUIC SNI), per packet */
	WS_TOP_SITE,	   /**< named flows' packets and bytes, by name (from flow reports) */
	WS_TOP_SITE_FLOWS, /**< named flows, by name: "packets" counts flows */
	WS_TOP_MAX
};

/** Distinct counts (HyperLogLog, precision WS_STATS_HLL_P). */
enum ws_stats_unique {
	WS_UNIQ_SRC,   /**< outer source addresses */
	WS_UNIQ_DST,   /**< outer destination addresses */
	WS_UNIQ_FLOWS, /**< TCP and UDP conversations: outer 5-tuples, both directions as one */
	WS_UNIQ_MAX
};

/** 2^14 registers: 16 KiB each, standard error 0.81 %. */
#define WS_STATS_HLL_P 14

struct ws_stats {
	struct ws_stats_counters c;
	struct ws_topk *top[WS_TOP_MAX];
	struct ws_hll *uniq[WS_UNIQ_MAX];
	struct ws_series series;
	struct ws_host host; /**< the name the last packet counted carried; len 0: none */
	/**
	 * NULL: names are what ws_parse_host() finds in each packet alone. Else
	 * ws_names_host() adds QUIC Initials, split ClientHellos and DNS answers
	 * (the owner creates and frees it; copies and snapshots leave it NULL).
	 */
	struct ws_names *names;
	uint64_t now_ns; /**< the packet's time, set before ws_stats_account() (names' timeouts) */
	/**
	 * false: ws_stats_account() counts addresses, ports, pairs and distinct
	 * counts per packet. true: it leaves them to ws_stats_flow_report(),
	 * fed by a flow table (the RX lcores' way: per flow and second, not per
	 * packet), and counts only what else the packet says.
	 */
	bool tops_from_flows;
};

/** @return new zeroed statistics, or NULL with errno set. */
struct ws_stats *ws_stats_create(const struct ws_stats_sizes *sizes);

void ws_stats_destroy(struct ws_stats *s);

void ws_stats_reset(struct ws_stats *s);

/**
 * Count one packet that ws_parse_pkt()/ws_parse_link() decoded into p;
 * extracts its hostname on the way. Hot path: no allocation.
 *
 * @param len        bytes readable at data (those given to the dissector)
 * @param frame_len  bytes of the whole frame, counted in bytes and sizes
 *                   (more than len when it spans several buffers)
 */
void ws_stats_account(struct ws_stats *s, const uint8_t *data, uint32_t len, uint32_t frame_len,
		      const struct ws_pkt *p);

/**
 * Count a flow's traffic in the address, port and pair summaries and in the
 * distinct counts, as ws_stats_account() would have for its packets: a
 * ws_flow_report_fn, with the statistics as its argument. Side d of the key
 * sent packets[d] packets of bytes[d] bytes.
 *
 * A flow with a name also counts in the sites: at its first report with the
 * name (f->host_state WS_FLOW_HOST_NEW), one flow and all its packets and bytes so far
 * (f->packets, f->bytes); at later ones, the packets and bytes reported.
 */
void ws_stats_flow_report(void *stats, const struct ws_flow *f, const uint32_t packets[2],
			  const uint32_t bytes[2]);

/**
 * Packets whose addresses and ports are still held in a flow table, not yet
 * in the summaries (with tops_from_flows).
 */
static inline uint64_t
ws_stats_flow_pending(const struct ws_stats *s)
{
	return s->c.flow_packets > s->c.flow_reported ? s->c.flow_packets - s->c.flow_reported : 0;
}

/** Add src into dst (summaries merged as ws_topk_merge() says). @return 0 or -errno. */
int ws_stats_merge(struct ws_stats *dst, const struct ws_stats *src);

/** Make dst an exact copy of src (same sizes). @return 0 or -errno. */
int ws_stats_copy(struct ws_stats *dst, const struct ws_stats *src);

/**
 * The report (docs/report.md): packets, bytes, protocols, malformed reasons,
 * sizes, TCP flags, VLANs, top_dst_ips, top_src_ips, top_dst_ports and hosts,
 * each list the top_n largest with ties ordered as tshark-based truth files
 * do (packets, then bytes descending, then the text ascending).
 *
 * @return a new JSON object, or NULL on allocation failure
 */
json_t *ws_stats_json(const struct ws_stats *s, unsigned int top_n);

/**
 * The sites: [{name, flows, packets, bytes}], the n names with the most
 * packets in named flows (docs/report.md).
 */
json_t *ws_stats_sites_json(const struct ws_stats *s, unsigned int n);

/** One top list of the report: its n largest entries, ordered as there. */
json_t *ws_stats_top_json(const struct ws_stats *s, enum ws_stats_top which, unsigned int n);

/** The report's "unique": distinct sources, destinations and flows, and the relative error. */
json_t *ws_stats_unique_json(const struct ws_stats *s);

/**
 * Traffic over time: {"interval_s": 1, "seconds": n, "series": [[second, packets, bytes,
 * new flows], ...]} for the last `last` seconds that saw traffic (at most n), oldest first.
 */
json_t *ws_stats_rates_json(const struct ws_stats *s, unsigned int last);

/** Print a report made by ws_stats_json() as tables for people. */
void ws_stats_print(FILE *f, const json_t *report);

/** @return the name of a size bucket ("65_127"). */
const char *ws_size_bucket_str(int bucket);

#endif /* WS_STATS_H */
