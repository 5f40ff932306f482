/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * RX lcores: pull bursts from NIC queues, dissect inline, count into
 * per-lcore statistics, and publish snapshots for the management lcore.
 *
 * A queue of a port that spreads by hardware RSS is processed where it is
 * read. A port with one queue is read by one RX lcore, which spreads its
 * packets to all RX lcores by the symmetric hash of ws_rss.h over SPSC rings,
 * so that several cores work everywhere and both directions of a flow land
 * on the same lcore.
 *
 * Only the owning lcore writes its struct ws_rx_lcore after launch; the
 * management lcore reads the published snapshots, which a sequence counter
 * makes consistent. Nothing on the packet path allocates, locks, logs or
 * makes a system call.
 */
#ifndef WS_RX_H
#define WS_RX_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <ws_filter.h>
#include <ws_flow.h>

#include <ws_rss.h>
#include <ws_stats.h>

#define WS_BURST 32
/** NIC queues one lcore polls. */
#define WS_RX_MAX_QUEUES 16
/** RX lcores. */
#define WS_RX_MAX_LCORES 128
/** Longest frame an RX lcore decodes whole (mbuf chains are copied into one buffer). */
#define WS_RX_FRAME_MAX 65535

/** Counters of one RX lcore, besides its packet statistics. */
struct ws_rx_counters {
	uint64_t rx;	     /**< packets read from NIC queues */
	uint64_t spread_out; /**< handed to other lcores */
	uint64_t spread_in;  /**< received from other lcores */
	uint64_t ring_full;  /**< dropped: the ring to another lcore was full */
	uint64_t busy_tsc;   /**< TSC cycles spent on packets */
	uint64_t total_tsc;  /**< TSC cycles since launch (or reset) */
	uint64_t ts_first;   /**< earliest RX timestamp seen (capture time, us), 0: none */
	uint64_t ts_last;    /**< latest RX timestamp seen */
	uint64_t passed;     /**< packets the capture filter let through (all without one) */
	uint64_t rejected;   /**< packets the filter rejected: not analysed */
	uint64_t rejected_bytes;
	uint32_t filter_generation;    /**< filter in force at the last turn, 0: none */
	uint64_t flow_records_lost;    /**< ended flows the record ring had no room for */
	struct ws_flow_counters flows; /**< the flow table's */
};

/** A NIC queue polled by an RX lcore. */
struct ws_rx_queue {
	uint16_t port_id;
	uint16_t queue_id;
	bool spread; /**< spread its packets to every RX lcore */
};

/** One published snapshot. */
/** Largest live flows an RX lcore hands over, found in one turn of its expiry hand. */
#define WS_RX_LIVE_TOP 32

struct ws_rx_snapshot {
	uint32_t seq; /**< odd while being written */
	struct ws_rx_counters cnt;
	struct ws_stats *stats;
	unsigned int n_live;
	struct ws_flow live[WS_RX_LIVE_TOP]; /**< by bytes, unordered */
} __rte_cache_aligned;

struct ws_rx_lcore {
	/* Set up before launch, read-only afterwards. */
	unsigned int lcore_id;
	unsigned int index; /**< among RX lcores, 0..n_lcores-1 */
	unsigned int n_lcores;
	int linktype;	      /**< pcap LINKTYPE_ of the frames (1: Ethernet) */
	bool lossless;	      /**< offline: wait for room in a ring, never drop */
	int ts_offset;	      /**< RX timestamp dynfield, or -1 */
	uint64_t publish_tsc; /**< TSC period between snapshots */
	const struct ws_rss_table *rss;
	struct rte_rcu_qsbr *qsbr; /**< reports quiescent states for filter changes */
	unsigned int n_queues;
	struct ws_rx_queue queues[WS_RX_MAX_QUEUES];
	struct rte_ring *to[WS_RX_MAX_LCORES]; /**< rings to other lcores, by index */
	unsigned int n_from;
	struct rte_ring *from[WS_RX_MAX_LCORES];     /**< rings from spreading lcores */
	const uint32_t *from_done[WS_RX_MAX_LCORES]; /**< their spread_done flags */

	/* Written by this lcore only. */
	struct ws_stats *stats __rte_cache_aligned;
	uint8_t *bounce;		/**< a frame spanning several mbufs, copied whole */
	const struct ws_filter *filter; /**< in force for this loop turn */
	struct ws_flow_table *flows;
	struct ws_names *names; /**< QUIC, split ClientHellos, DNS answers */
	/** every RX lcore's names, this one's first: DNS answers seen anywhere name flows */
	const struct ws_names *peer_names[WS_RX_MAX_LCORES];
	unsigned int n_peer_names;
	struct rte_ring *records; /**< ended flows, to the management lcore */
	uint64_t flow_ns;	  /**< latest packet time: drives flow timeouts */
	uint64_t next_expire_tsc;
	uint64_t flows_created; /**< created count already put in the series */
	unsigned int n_fpkt;
	struct ws_flow_pkt fpkt[WS_BURST];
	char fhost[WS_BURST][WS_FLOW_HOST_MAX];
	struct ws_flow rec[WS_BURST * 2];
	/* Largest live flows: a min-heap on bytes filled during a turn of the hand. */
	unsigned int n_live_heap, n_live;
	uint64_t live_turns; /**< turns of the hand already taken */
	struct ws_flow live_heap[WS_RX_LIVE_TOP];
	struct ws_flow live[WS_RX_LIVE_TOP]; /**< the last full turn's */
	struct ws_rx_counters cnt;
	uint64_t start_tsc;
	uint64_t start_ns; /**< wall clock at start_tsc: live traffic is timed by the TSC */
	double ns_per_tsc;
	uint64_t now_ns; /**< time of the current burst */
	uint64_t next_publish;
	uint32_t reset_seen;
	uint16_t spread_n[WS_RX_MAX_LCORES];
	struct rte_mbuf *spread_buf[WS_RX_MAX_LCORES][WS_BURST];

	/* Read by other lcores at shutdown. */
	uint32_t spread_done; /**< this lcore will put nothing more in any ring */

	/* Handed to the management lcore. */
	uint32_t latest;  /**< snapshot last completed */
	uint32_t stopped; /**< the loop has ended and published for the last time */
	struct ws_rx_snapshot snap[2];
} __rte_cache_aligned;

/** Set to stop every RX lcore (they publish once more, then return). */
extern uint32_t ws_rx_quit;
/** Bumped to make every RX lcore zero its statistics. */
extern uint32_t ws_rx_reset_gen;

/**
 * Allocate the statistics of an RX lcore (live and two snapshots), its flow
 * table and its names state (names NULL: the defaults).
 * @return 0 or -errno
 */
int ws_rx_lcore_init(struct ws_rx_lcore *lc, const struct ws_stats_sizes *sizes,
		     const struct ws_flow_conf *flows, const struct ws_names_conf *names);

/** Free what ws_rx_lcore_init() allocated. */
void ws_rx_lcore_free(struct ws_rx_lcore *lc);

/** The RX loop, for rte_eal_remote_launch(); arg is a struct ws_rx_lcore. */
int ws_rx_lcore_main(void *arg);

/**
 * Read an RX lcore's latest snapshot into dst and cnt, consistently, and its
 * largest live flows into live (room for WS_RX_LIVE_TOP) unless NULL.
 * @return 0, or -EAGAIN if it kept changing while read
 */
int ws_rx_read(const struct ws_rx_lcore *lc, struct ws_stats *dst, struct ws_rx_counters *cnt,
	       struct ws_flow *live, unsigned int *n_live);

#endif /* WS_RX_H */
