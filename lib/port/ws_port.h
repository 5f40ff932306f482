/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Receive ports: any DPDK ethdev, set up for capture.
 *
 * Several RX queues are spread by RSS with the symmetric key of ws_rss.h, so
 * both directions of a flow reach the same queue; key length and hash types
 * come from what the device reports. The queues of a port that cannot do RSS
 * (virtual devices) are each spread by the RX lcores in software with the
 * same hash.
 */
#ifndef WS_PORT_H
#define WS_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_mempool.h>

/** How to set a port up. */
struct ws_port_conf {
	const char *name;	 /**< for messages and reports */
	const char *device;	 /**< PCI address or vdev name as given to EAL */
	uint16_t rx_queues;	 /**< wanted; fewer if the device has fewer */
	uint16_t rx_descriptors; /**< per queue */
	uint16_t mtu;
	bool promiscuous;
	bool timestamps; /**< ask for RX timestamps (net_pcap: capture time) */
};

/** A started port. */
struct ws_port {
	char name[32];
	uint16_t port_id;
	uint16_t rx_queues; /**< queues set up */
	bool rss;	    /**< spread by hardware RSS */
	bool scatter;	    /**< frames may span several mbufs */
	uint32_t max_frame; /**< longest frame the MTU allows, FCS and two tags included */
	uint32_t mbuf_room; /**< bytes of frame one mbuf holds */
	uint64_t rss_hf;    /**< hash types in use */
	char driver[32];
};

/** Drop and error counters of a port, as the NIC reports them. */
struct ws_port_counters {
	uint64_t ipackets, ibytes;
	uint64_t imissed;   /**< dropped by the NIC: no free descriptor */
	uint64_t ierrors;   /**< bad frames, and frames too big for the mbufs */
	uint64_t rx_nombuf; /**< dropped for want of mbufs */
};

/**
 * Find the device, configure its RX queues (RSS when it can, scatter when
 * the MTU needs it), and start it.
 *
 * @return 0, or -errno with err filled with a message naming the port
 */
int ws_port_start(const struct ws_port_conf *conf, struct rte_mempool *pool, struct ws_port *p,
		  char *err, size_t err_size);

/** Stop and close the port. */
void ws_port_stop(struct ws_port *p);

/** Read the port's counters. @return 0 or -errno. */
int ws_port_counters(const struct ws_port *p, struct ws_port_counters *c);

/** The port as JSON: name, driver, queues, RSS, link, counters and every non-zero xstat. */
json_t *ws_port_json(const struct ws_port *p);

/** Offset of the RX timestamp dynamic field, or -1 when there is none. */
int ws_port_timestamp_offset(void);

#endif /* WS_PORT_H */
