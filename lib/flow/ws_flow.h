/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-RX-lcore bidirectional flow table (flow metering, as nProbe Cento or YAF do).
 *
 * Plain C, no DPDK. One table belongs to one RX lcore: one writer, no locks.
 * All memory is allocated by ws_flow_table_create() and its size never
 * changes; no other call allocates, logs, blocks or makes a system call.
 *
 * A flow is the 5-tuple plus IP version and outer VLAN, with both directions
 * folded into one normalized key (struct ws_flow_key). The RX lcore fills one
 * struct ws_flow_pkt per packet with ws_flow_pkt_init() and hands a burst to
 * ws_flow_update_burst(). Ended flows come back as records (struct ws_flow
 * with end_reason set) from ws_flow_update_burst() (evictions, TCP port
 * reuse), ws_flow_expire() (timeouts, called periodically) and
 * ws_flow_flush() (shutdown).
 *
 * The table is a set-associative hash with two candidate buckets per key and
 * 8 slots per bucket, each bucket one cache line; it has at least 2 slots per
 * flow of capacity, so it is at most half full. When a new flow finds both
 * its buckets full, or all `capacity` flows in use, the flow with the oldest
 * last_ns among those in its two buckets is evicted (WS_FLOW_END_EVICTED). See
 * docs/flow.md.
 */
#ifndef WS_FLOW_H
#define WS_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Most packets ws_flow_update_burst() handles in one batch (a larger n is split). */
#define WS_FLOW_BURST_MAX 32
/** Most flows in one table (about 13 GiB). */
#define WS_FLOW_CAPACITY_MAX (1u << 26)
/** Room for a hostname and its NUL in struct ws_flow. */
#define WS_FLOW_HOST_MAX 64

/** @name Defaults, used for the fields of struct ws_flow_conf left at 0. */
/** @{ */
#define WS_FLOW_DEFAULT_CAPACITY (1u << 20)
#define WS_FLOW_DEFAULT_IDLE_NS (30ull * 1000000000)
#define WS_FLOW_DEFAULT_ACTIVE_NS (300ull * 1000000000)
#define WS_FLOW_DEFAULT_LINGER_NS (2ull * 1000000000)
/** @} */

/** A timeout that never fires. */
#define WS_FLOW_NEVER UINT64_MAX

/**
 * Normalized flow key: 40 bytes, no padding, compared and hashed as bytes.
 *
 * Side 0 is the endpoint (addr, port) that compares lower: memcmp() of the
 * 16-byte addresses, then the ports. Both directions of a flow give the same
 * key; struct ws_flow_pkt's dir says which side sent the packet.
 */
struct ws_flow_key {
	uint8_t version;     /**< 4 or 6 */
	uint8_t proto;	     /**< IP protocol */
	uint16_t vlan;	     /**< outer VLAN id, 0 untagged */
	uint16_t port[2];    /**< host order; 0 for protocols without ports */
	uint8_t addr[2][16]; /**< side 0, side 1; IPv4 in the first 4 bytes, the rest 0 */
};

/** Why a flow ended: the values of IPFIX flowEndReason (RFC 5102, 5.11.3). */
enum ws_flow_end {
	WS_FLOW_END_IDLE = 1,	  /**< idleTimeout: no packet for idle_ns */
	WS_FLOW_END_ACTIVE = 2,	  /**< activeTimeout: open for active_ns; the flow goes on */
	WS_FLOW_END_CLOSED = 3,	  /**< endOfFlowDetected: TCP FIN both ways or RST, then linger */
	WS_FLOW_END_SHUTDOWN = 4, /**< forcedEnd: ws_flow_flush() */
	WS_FLOW_END_EVICTED = 5,  /**< lackOfResources: evicted for a new flow */
};

/** ws_flow.host_state: kept beside the counters, so a report need not read host[]. */
enum ws_flow_host_state {
	WS_FLOW_HOST_NONE = 0,	   /**< host is "" */
	WS_FLOW_HOST_NEW = 1,	   /**< host is set; no report has carried it yet */
	WS_FLOW_HOST_REPORTED = 2, /**< a report has carried host */
	WS_FLOW_HOST_GUESS = 3,	   /**< host is the name callback's guess, not settled yet */
};

/**
 * A name guessed when a flow starts gives way to a name one of its first
 * WS_FLOW_GUESS_PACKETS packets carries; after them, or when the flow ends
 * first, it stands (WS_FLOW_HOST_NEW). Until then reports leave it out, so a
 * name is counted once and where it settles does not depend on when reports
 * run.
 */
#define WS_FLOW_GUESS_PACKETS 16

/**
 * When a live flow reports (see ws_flow_report_fn):
 * - from ws_flow_update_burst(), while its lines are in cache, when it has at
 *   least WS_FLOW_REPORT_PACKETS packets unreported and has not reported in
 *   the current 2^30 ns (about a second) of the packets' clock;
 * - when ws_flow_expire()'s hand passes it with packets unreported, unless it
 *   has reported from ws_flow_update_burst() since the hand last passed it.
 * So a heavy flow, the kind that ranks in top lists, reports about every
 * second or every WS_FLOW_REPORT_PACKETS packets, whichever is later, and
 * costs the hand nothing; the long tail reports about once a turn of the
 * hand, within two. Each report costs a few thousand cycles and each flow the
 * hand visits a cache miss or two, so the hand can turn slowly
 * (WS_FLOW_HAND_TURN_SECONDS).
 */
#define WS_FLOW_REPORT_PACKETS 64

/** TCP connection state as seen by a passive observer. Other protocols: NEW, ESTABLISHED. */
enum ws_flow_state {
	WS_FLOW_ST_NEW = 0,	    /**< no handshake seen yet */
	WS_FLOW_ST_SYN_SENT = 1,    /**< SYN seen */
	WS_FLOW_ST_SYN_RCVD = 2,    /**< SYN/ACK seen */
	WS_FLOW_ST_ESTABLISHED = 3, /**< handshake done, picked up mid-stream, or (not TCP) both
				       sides have sent */
	WS_FLOW_ST_CLOSING = 4,	    /**< a FIN seen */
	WS_FLOW_ST_CLOSED = 5,	    /**< FIN both ways, or RST */
};

/**
 * A live flow, and the record of an ended one.
 *
 * Counters are indexed by side: [d] counts what side d of the key sent.
 * 192 bytes; the fields one packet updates lie in the first two cache lines.
 */
struct ws_flow {
	struct ws_flow_key key;
	uint64_t packets[2];  /**< packets sent by each side */
	uint64_t bytes[2];    /**< bytes sent by each side (ws_flow_pkt len) */
	uint64_t first_ns;    /**< timestamp of the first packet of this record */
	uint64_t last_ns;     /**< latest packet timestamp */
	uint32_t rtt_us;      /**< TCP: SYN to the initiator's ACK of the SYN/ACK; 0 unknown */
	uint8_t tcp_flags[2]; /**< OR of the TCP flags sent by each side */
	uint8_t state;	      /**< enum ws_flow_state */
	uint8_t initiator;    /**< side that sent the SYN, else that sent the first packet */
	uint8_t end_reason;   /**< enum ws_flow_end in records, 0 in live flows */
	/* private to the table: leave alone */
	uint8_t priv_tcp;
	uint8_t priv_gen;	      /* report generation of the priv_new_ counts */
	uint8_t host_source;	      /**< as given with host (ws_flow_pkt or the name callback) */
	uint32_t priv_new_packets[2]; /* counted since the last report */
	uint32_t priv_new_bytes[2];
	uint8_t host_state;	/**< WS_FLOW_HOST_*: whether host is set and reported (2nd line) */
	uint8_t priv_path;	/* reported from the packet path since the hand's last pass */
	uint16_t priv_report_s; /* 1 + the 2^30 ns unit of its last packet-path report */
	uint64_t priv_ns;	/* SYN time in the handshake, close time once CLOSED */
	/* end of private */
	char host[WS_FLOW_HOST_MAX]; /**< first hostname seen (DNS, SNI, Host), truncated to 63
					bytes, NUL-terminated; "" none */
};

/**
 * Called with the traffic of a flow counted since its last report: for a
 * live flow from ws_flow_update_burst() (see WS_FLOW_REPORT_PACKETS) or
 * under ws_flow_expire()'s hand, for every flow that ends (before its record
 * is written), and when a count would overflow. Each
 * packet given to ws_flow_update_burst() is reported exactly once (unless
 * ws_flow_report_discard() drops it), on the table's own thread, so that
 * aggregates over flows (top talkers, distinct counts) cost per flow rather
 * than per packet. It must not modify the table.
 *
 * @param packets, bytes
 *   What each side of f->key sent since the last report; not both 0, except
 *   at the report where a guessed name settles (host_state WS_FLOW_HOST_NEW).
 */
typedef void (*ws_flow_report_fn)(void *arg, const struct ws_flow *f, const uint32_t packets[2],
				  const uint32_t bytes[2]);

/**
 * Called once when a flow starts and its first packet carries no hostname:
 * it may write a name into f->host (NUL-terminated) and f->host_source. Such
 * a name is provisional (WS_FLOW_HOST_GUESS): the first name one of the flow's
 * first WS_FLOW_GUESS_PACKETS packets carries replaces it. Used to name flows by the DNS
 * answers seen before them.
 */
typedef void (*ws_flow_name_fn)(void *arg, struct ws_flow *f);

/** Table parameters. A field left at 0 takes its WS_FLOW_DEFAULT_ value. */
struct ws_flow_conf {
	uint32_t capacity;	  /**< most live flows, 1 to WS_FLOW_CAPACITY_MAX; default 2^20 */
	uint64_t idle_ns;	  /**< end a flow without packets for this long; default 30 s */
	uint64_t active_ns;	  /**< cut a record of a flow open this long; default 300 s */
	uint64_t linger_ns;	  /**< keep a CLOSED flow this long for late packets; default 2 s */
	uint64_t seed;		  /**< hash seed; 0 picks one per table */
	ws_flow_report_fn report; /**< NULL: no reports */
	void *report_arg;	  /**< first argument of report */
	/**
	 * Called with report_arg for every live flow ws_flow_expire()'s hand
	 * passes that lives on (after its report), e.g. to keep the largest live
	 * flows; NULL: none.
	 * A full turn is counted in ws_flow_counters.turns.
	 */
	void (*visit)(void *arg, const struct ws_flow *f);
	ws_flow_name_fn name; /**< NULL: flows are named by their packets only */
	void *name_arg;	      /**< first argument of name */
};

/** What the RX lcore knows of one packet. */
struct ws_flow_pkt {
	struct ws_flow_key key; /**< normalized, by ws_flow_pkt_init() */
	uint8_t dir;		/**< side of the key that sent the packet, 0 or 1 */
	uint8_t tcp_flags;	/**< TCP flags as on the wire (FIN 0x01 ... CWR 0x80), else 0 */
	uint8_t host_len;	/**< length of host (at most WS_FLOW_HOST_MAX - 1 is kept) */
	uint8_t host_source;	/**< copied to ws_flow.host_source with host */
	uint32_t len;		/**< bytes to count, e.g. the IP length */
	uint64_t ts_ns;		/**< timestamp, in the clock given to ws_flow_expire() */
	const char *host;	/**< hostname found in this packet (not NUL-terminated), or NULL */
};

/* n bytes (4 or 8) at p as a big-endian number: comparing two is memcmp() of them. */
static inline uint64_t
ws_flow_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	uint32_t w;

	if (n == 4) {
		memcpy(&w, p, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = __builtin_bswap32(w);
#endif
		return w;
	}
	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/**
 * Fill a packet's key, normalized, and its dir; zero the other fields.
 * Inline: it runs once per packet, and the version is mostly known.
 *
 * @param version
 *   4 (src and dst hold 4 bytes) or 6 (16 bytes).
 * @param sport, dport
 *   Host order; 0 for protocols without ports.
 */
static inline void
ws_flow_pkt_init(struct ws_flow_pkt *p, uint8_t version, uint8_t proto, uint16_t vlan,
		 const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	uint64_t a, b;
	unsigned int s; /* the side of src: 1 if it compares higher */

	*p = (struct ws_flow_pkt){.key = {.version = version, .proto = proto, .vlan = vlan}};
	if (version == 4) {
		a = ws_flow_be(src, 4);
		b = ws_flow_be(dst, 4);
	} else {
		a = ws_flow_be(src, 8);
		b = ws_flow_be(dst, 8);
		if (a == b) {
			a = ws_flow_be(src + 8, 8);
			b = ws_flow_be(dst + 8, 8);
		}
	}
	s = a != b ? a > b : sport > dport;
	if (version == 4) {
		memcpy(p->key.addr[s], src, 4);
		memcpy(p->key.addr[s ^ 1], dst, 4);
	} else {
		memcpy(p->key.addr[s], src, 16);
		memcpy(p->key.addr[s ^ 1], dst, 16);
	}
	p->key.port[s] = sport;
	p->key.port[s ^ 1] = dport;
	p->dir = (uint8_t)s;
}

/** Opaque table. */
struct ws_flow_table;

/**
 * Create a table and allocate (and fault in) all its memory.
 *
 * @param c
 *   Parameters, or NULL for the defaults.
 * @return
 *   The table, or NULL with errno EINVAL (capacity too large) or ENOMEM.
 */
struct ws_flow_table *ws_flow_table_create(const struct ws_flow_conf *c);

/** Free a table; its live flows are dropped without records. NULL is ignored. */
void ws_flow_table_destroy(struct ws_flow_table *t);

/** @return bytes allocated by the table; fixed from create to destroy. */
size_t ws_flow_table_memory(const struct ws_flow_table *t);

/** @return hash slots (8 per bucket): the length of a full turn of ws_flow_expire()'s hand. */
uint32_t ws_flow_table_slots(const struct ws_flow_table *t);

/**
 * Account a burst of packets. Hot path: no allocation, no system call.
 *
 * Batched: hashes every key and prefetches its primary bucket, then matches
 * signatures there and prefetches the flows found (or else the secondary
 * bucket, then its flows), then updates the flows in packet order, so
 * packets of one new flow in one burst make one flow.
 *
 * A new flow takes a free slot in its primary bucket while that holds fewer
 * than 6 flows, else in the less loaded of its two buckets. If both are
 * full, or all `capacity` flows are live, the flow with the oldest last_ns
 * among the flows in those two buckets is evicted (if they hold none, the
 * next flow under a clock hand). A TCP SYN without ACK on a CLOSED flow ends
 * it (WS_FLOW_END_CLOSED) and starts a new flow.
 *
 * @param rec
 *   Room for n records: each packet ends at most one flow.
 * @param n_rec
 *   Set to the number of records written.
 */
void ws_flow_update_burst(struct ws_flow_table *t, const struct ws_flow_pkt *pkts, unsigned int n,
			  struct ws_flow *rec, unsigned int *n_rec);

/**
 * Examine up to `budget` slots under the clock hand and end the flows due.
 *
 * In order of precedence: CLOSED for more than linger_ns (END_CLOSED), no
 * packet for more than idle_ns (END_IDLE), open for more than active_ns
 * (END_ACTIVE: the record carries what was counted since first_ns and the
 * flow goes on from zero counts, keeping its key, state, initiator, rtt and
 * host, as NetFlow/IPFIX active timeouts do). A flow that ends with no packet
 * since such a cut ends without a record. To examine every flow each
 * interval, call with budget = ws_flow_table_slots() / calls per interval.
 *
 * @return records written to rec, at most max_rec.
 */
unsigned int ws_flow_expire(struct ws_flow_table *t, uint64_t now_ns, unsigned int budget,
			    struct ws_flow *rec, unsigned int max_rec);

/** How often an RX lcore runs ws_flow_expire(), per second. */
#define WS_FLOW_HAND_RUNS_PER_SECOND 1000
/**
 * Seconds an RX lcore's hand takes to pass every flow, a little less for a
 * small table. Each flow it passes is a cache miss or two: with 1M flows, a
 * turn a second cost 30-70 cycles per packet at 10 GbE line rate on the
 * development VM. Timeouts fire up to a turn late, and light flows report
 * about once a turn (see WS_FLOW_REPORT_PACKETS).
 */
#define WS_FLOW_HAND_TURN_SECONDS 4

/**
 * The budget an RX lcore gives each ws_flow_expire() call, run
 * WS_FLOW_HAND_RUNS_PER_SECOND times a second: a turn about every
 * WS_FLOW_HAND_TURN_SECONDS, a little faster, so that even a small table is
 * passed often.
 */
static inline unsigned int
ws_flow_hand_budget(const struct ws_flow_table *t)
{
	return ws_flow_table_slots(t) / (WS_FLOW_HAND_RUNS_PER_SECOND * WS_FLOW_HAND_TURN_SECONDS) +
	       64;
}

/**
 * End every live flow (END_SHUTDOWN), at most max_rec per call.
 *
 * @return records written; 0 once the table is empty (or max_rec is 0).
 */
unsigned int ws_flow_flush(struct ws_flow_table *t, struct ws_flow *rec, unsigned int max_rec);

/**
 * Forget the traffic not yet reported, e.g. when the aggregates it feeds are
 * reset. O(1): flows drop their counts when next touched.
 */
void ws_flow_report_discard(struct ws_flow_table *t);

/** @return bytes both ways. */
static inline uint64_t
ws_flow_bytes(const struct ws_flow *f)
{
	return f->bytes[0] + f->bytes[1];
}

/**
 * Keep the `cap` largest flows by bytes seen so far in h[0 .. *n - 1]: a
 * min-heap once full, so an offer costs O(1) unless f beats the smallest.
 * Unordered; sort a copy to list them.
 */
void ws_flow_top_offer(struct ws_flow *h, unsigned int *n, unsigned int cap,
		       const struct ws_flow *f);

/** Flow counts since create; records are counted by end reason. */
struct ws_flow_counters {
	uint64_t active;       /**< live flows now */
	uint64_t created;      /**< flows started */
	uint64_t ended_idle;   /**< records with WS_FLOW_END_IDLE */
	uint64_t ended_active; /**< records with WS_FLOW_END_ACTIVE */
	uint64_t ended_closed; /**< records with WS_FLOW_END_CLOSED */
	uint64_t evicted;      /**< records with WS_FLOW_END_EVICTED */
	uint64_t flushed;      /**< records with WS_FLOW_END_SHUTDOWN */
	uint64_t turns;	       /**< full turns of ws_flow_expire()'s hand over the table */
};

/** Read the counters. */
void ws_flow_counters_get(const struct ws_flow_table *t, struct ws_flow_counters *c);

/**
 * Call fn for every live flow, in table order. For readers on the table's
 * own thread (top-N, snapshots); fn must not modify the table.
 */
void ws_flow_foreach(const struct ws_flow_table *t, void (*fn)(const struct ws_flow *f, void *arg),
		     void *arg);

#endif /* WS_FLOW_H */
