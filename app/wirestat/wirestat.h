/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's own state, shared by its files. */
#ifndef WIRESTAT_H
#define WIRESTAT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include <ws_config.h>
#include <ws_ctl.h>
#include <ws_filter.h>
#include <ws_port.h>
#include <ws_rss.h>
#include <ws_rx.h>
#include <ws_stats.h>

#define WS_MAX_PORTS WS_CONFIG_MAX_PORTS
/** Largest ended flows the management lcore keeps for the report. */
#define WS_TOP_FLOWS 100
/** Ended flows an RX lcore may hand over before the management lcore takes them. */
#define WS_RECORD_RING 65536

/** Settings of a run, from the configuration file or from -r. */
struct ws_run {
	bool offline;		  /**< -r: analyse a capture file and exit */
	const char *capture;	  /**< -r FILE */
	int linktype;		  /**< of the capture */
	uint64_t capture_packets; /**< packets in the capture, counted before start */
	bool json;		  /**< report as JSON */
	unsigned int top_n;
	unsigned int rates_last; /**< seconds of traffic in the report, 0: the whole window */
	unsigned int snapshot_ms;
	unsigned int ring_size;
	unsigned int mbufs, mbuf_cache, data_room;
	struct ws_stats_sizes sizes;
	struct ws_flow_conf flows;
	struct ws_names_conf names;
	const char *flows_file; /**< -r --flows FILE: every flow record, one JSON line each */
	unsigned int n_ports;
	struct ws_port_conf port_conf[WS_MAX_PORTS];
	unsigned int n_rx;
	unsigned int rx_lcore_ids[WS_RX_MAX_LCORES];
	const char *socket_path; /**< NULL: no control socket */
	unsigned int socket_mode;
	int socket_gid;			 /**< -1: keep the daemon's */
	char file_prefix[64];		 /**< runtime directory to remove at exit, "" for none */
	char filter[WS_FILTER_EXPR_MAX]; /**< capture filter at start, "" for none */
	bool filter_jit;		 /**< native code for filters where DPDK can */
};

/** Everything that runs. */
struct ws_app {
	struct ws_run run;
	struct rte_mempool *pool;
	unsigned int n_ports;
	struct ws_port ports[WS_MAX_PORTS];
	struct ws_rss_table *rss;
	struct rte_rcu_qsbr *qsbr;
	unsigned int n_rx;
	struct ws_rx_lcore *rx[WS_RX_MAX_LCORES];
	struct rte_ring *rings[WS_RX_MAX_LCORES]; /* from the spreading lcore, by index */
	/* Management lcore's view. */
	struct ws_stats *merged;
	struct ws_stats *scratch;
	struct ws_rx_counters rx_cnt[WS_RX_MAX_LCORES];
	struct ws_ctl_server *ctl;
	/* Ended flows: counted, the largest kept (a min-heap on bytes), optionally written. */
	uint64_t records;
	unsigned int n_top_flows;
	struct ws_flow top_flows[WS_TOP_FLOWS];
	FILE *flows_out;
	uint64_t start_ns;
	uint64_t snapshots;
};

/* setup.c */
int ws_app_setup(struct ws_app *app, char *err, size_t err_size);
void ws_app_stop(struct ws_app *app);
void ws_app_teardown(struct ws_app *app);

/* mgmt.c */
int ws_mgmt_filter(struct ws_app *app, const char *expr, char *err, size_t err_size);
int ws_mgmt_refresh(struct ws_app *app);
void ws_mgmt_records(struct ws_app *app);
json_t *ws_mgmt_report(struct ws_app *app);
void ws_mgmt_print(struct ws_app *app, FILE *f);
int ws_mgmt_loop(struct ws_app *app);
int ws_mgmt_offline(struct ws_app *app);
extern const struct ws_ctl_cmd ws_mgmt_cmds[];

/* capture.c */
int ws_capture_check(struct ws_run *run, uint32_t *max_caplen, char *err, size_t err_size);

#endif /* WIRESTAT_H */
