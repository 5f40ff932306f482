/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf_dyn.h>

#include <ws_rss.h>

#include "ws_port.h"

/* Hash types wanted: addresses, and ports where the NIC can (fragments: addresses only). */
#define WS_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_SCTP)

/* EAL names a PCI device in full (0000:3b:00.0); a vdev by what precedes its arguments. */
static int
find_port(const char *device, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(device, ",");

	if (n >= sizeof(name) - 5)
		return -ENAMETOOLONG;
	memcpy(name, device, n);
	name[n] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	snprintf(name, sizeof(name), "0000:%.*s", (int)n, device);
	return rte_eth_dev_get_port_by_name(name, port_id) == 0 ? 0 : -ENODEV;
}

static int
build_conf(const struct ws_port_conf *conf, const struct rte_eth_dev_info *info,
	   struct rte_mempool *pool, struct ws_port *p, struct rte_eth_conf *ec, uint8_t *key)
{
	uint32_t frame = conf->mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN;
	uint32_t room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;

	memset(ec, 0, sizeof(*ec));
	if (conf->mtu > info->max_mtu)
		return -ERANGE;
	ec->rxmode.mtu = conf->mtu;
	p->rx_queues = RTE_MIN(conf->rx_queues, info->max_rx_queues);
	if (p->rx_queues > 1 && (info->flow_type_rss_offloads & WS_RSS_HF)) {
		uint8_t key_len = info->hash_key_size ? info->hash_key_size : 40;

		if (key_len > WS_RSS_KEY_LEN)
			return -ENOTSUP;
		memcpy(key, ws_rss_key, key_len);
		ec->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec->rx_adv_conf.rss_conf.rss_key = key;
		ec->rx_adv_conf.rss_conf.rss_key_len = key_len;
		ec->rx_adv_conf.rss_conf.rss_hf = info->flow_type_rss_offloads & WS_RSS_HF;
		p->rss = true;
		p->rss_hf = ec->rx_adv_conf.rss_conf.rss_hf;
	}
	/* Without RSS, each queue is read by one RX lcore that spreads it in software. */
	if (frame > room && (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)) {
		ec->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		p->scatter = true;
	}
	/* Otherwise frames above one mbuf are the device's to drop, and it counts them. */
	p->max_frame = frame;
	p->mbuf_room = room;
	if (conf->timestamps && (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		ec->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	return 0;
}

static const char *
conf_error(int rc)
{
	switch (rc) {
	case -ERANGE:
		return "mtu is above what the device takes";
	case -ENOTSUP:
		return "the device's RSS key is longer than 52 bytes";
	default:
		return strerror(-rc);
	}
}

static int
setup_queues(const struct ws_port_conf *conf, struct rte_mempool *pool, struct ws_port *p,
	     const struct rte_eth_conf *ec)
{
	uint16_t nb_rxd = conf->rx_descriptors, nb_txd = 0, q;
	int rc;

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc < 0)
		return rc;
	for (q = 0; q < p->rx_queues; q++) {
		struct rte_eth_rxconf rxc;
		struct rte_eth_dev_info info;

		rc = rte_eth_dev_info_get(p->port_id, &info);
		if (rc < 0)
			return rc;
		rxc = info.default_rxconf;
		rxc.offloads = ec->rxmode.offloads;
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd,
					    rte_eth_dev_socket_id(p->port_id), &rxc, pool);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
ws_port_start(const struct ws_port_conf *conf, struct rte_mempool *pool, struct ws_port *p,
	      char *err, size_t err_size)
{
	struct rte_eth_dev_info info;
	uint8_t key[WS_RSS_KEY_LEN];
	struct rte_eth_conf ec;
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", conf->name);
	rc = find_port(conf->device, &p->port_id);
	if (rc < 0) {
		snprintf(err, err_size, "port %s: no DPDK device '%s' (is it bound to vfio-pci?)",
			 conf->name, conf->device);
		return rc;
	}
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc == 0) {
		snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
		rc = build_conf(conf, &info, pool, p, &ec, key);
		if (rc < 0) {
			snprintf(err, err_size, "port %s: %s", conf->name, conf_error(rc));
			return rc;
		}
		rc = rte_eth_dev_configure(p->port_id, p->rx_queues, 0, &ec);
	}
	if (rc == 0)
		rc = setup_queues(conf, pool, p, &ec);
	if (rc == 0 && conf->promiscuous) {
		rc = rte_eth_promiscuous_enable(p->port_id);
		rc = rc == -ENOTSUP ? 0 : rc;
	}
	if (rc == 0)
		rc = rte_eth_dev_start(p->port_id);
	if (rc < 0) {
		snprintf(err, err_size, "port %s (%s): set-up failed: %s", conf->name, conf->device,
			 rte_strerror(-rc));
		return rc;
	}
	return 0;
}

void
ws_port_stop(struct ws_port *p)
{
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}

int
ws_port_counters(const struct ws_port *p, struct ws_port_counters *c)
{
	struct rte_eth_stats st;
	int rc = rte_eth_stats_get(p->port_id, &st);

	if (rc < 0)
		return rc;
	c->ipackets = st.ipackets;
	c->ibytes = st.ibytes;
	c->imissed = st.imissed;
	c->ierrors = st.ierrors;
	c->rx_nombuf = st.rx_nombuf;
	return 0;
}

static json_t *
xstats_json(uint16_t port_id)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	json_t *o = json_object();
	int n, i;

	n = rte_eth_xstats_get_names(port_id, NULL, 0);
	if (n <= 0)
		return o;
	names = calloc(n, sizeof(*names));
	vals = calloc(n, sizeof(*vals));
	if (names && vals && rte_eth_xstats_get_names(port_id, names, n) == n &&
	    rte_eth_xstats_get(port_id, vals, n) == n) {
		for (i = 0; i < n; i++)
			if (vals[i].value)
				json_object_set_new(o, names[vals[i].id].name,
						    json_integer((json_int_t)vals[i].value));
	}
	free(names);
	free(vals);
	return o;
}

json_t *
ws_port_json(const struct ws_port *p)
{
	struct ws_port_counters c = {0};
	struct rte_eth_link link = {0};

	ws_port_counters(p, &c);
	rte_eth_link_get_nowait(p->port_id, &link);
	return json_pack("{s:s, s:i, s:s, s:i, s:b, s:b, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:o}",
			 "name", p->name, "port_id", p->port_id, "driver", p->driver, "rx_queues",
			 p->rx_queues, "rss", p->rss, "scatter", p->scatter, "link",
			 link.link_status ? "up" : "down", "speed_mbps", (int)link.link_speed,
			 "ipackets", (json_int_t)c.ipackets, "ibytes", (json_int_t)c.ibytes,
			 "imissed", (json_int_t)c.imissed, "ierrors", (json_int_t)c.ierrors,
			 "rx_nombuf", (json_int_t)c.rx_nombuf, "xstats", xstats_json(p->port_id));
}

int
ws_port_timestamp_offset(void)
{
	return rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
}
