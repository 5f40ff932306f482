/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's own state, shared by its files. */
#ifndef WIRESTAT_H
#define WIRESTAT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_mempool.h>

#include <ws_config.h>
#include <ws_ctl.h>
#include <ws_filter.h>
#include <ws_ipfix.h>
#include <ws_port.h>
#include <ws_prom.h>
#include <ws_rss.h>
#include <ws_rx.h>
#include <ws_stats.h>

#define WS_MAX_PORTS WS_CONFIG_MAX_PORTS
/** Largest ended flows the management lcore keeps for the report. */
#define WS_TOP_FLOWS 100
/** Ended flows an RX lcore may hand over before the management lcore takes them. */
#define WS_RECORD_RING 65536

/** Buckets of the flow record histograms (duration, bytes). */
#define WS_FLOW_HIST 8

/** Loss counters are sampled each second; status judges losses over this window. */
#define WS_LOSS_WINDOW_S 10

/** Where packets (or flow records) are lost, as the drops in status count them. */
enum ws_loss {
	WS_LOSS_NIC_MISSED,
	WS_LOSS_NIC_ERRORS,
	WS_LOSS_NO_MBUF,
	WS_LOSS_RING_FULL,
	WS_LOSS_FLOW_RECORDS, /* not packets: not in drops' total */
	WS_LOSS_MAX,
};

struct ws_loss_sample {
	uint64_t ns;
	uint64_t n[WS_LOSS_MAX];
};

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
	int admin_gid;			 /**< may change state over the socket, -1: none */
	const char *admin_group;	 /**< its name, for messages */
	char file_prefix[64];		 /**< runtime directory to remove at exit, "" for none */
	char filter[WS_FILTER_EXPR_MAX]; /**< capture filter at start, "" for none */
	bool filter_jit;		 /**< native code for filters where DPDK can */
	char prom_listen[64];		 /**< Prometheus endpoint address, "" for none */
	unsigned int n_ipfix;		 /**< IPFIX collectors (export.ipfix, --ipfix) */
	struct ws_ipfix_conf ipfix[WS_CONFIG_MAX_COLLECTORS];
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
	unsigned int n_live[WS_RX_MAX_LCORES];
	struct ws_flow live[WS_RX_MAX_LCORES][WS_RX_LIVE_TOP]; /* largest live flows, per lcore */
	uint64_t rx_packets[WS_RX_MAX_LCORES];	 /* counted into each lcore's statistics */
	uint64_t rx_malformed[WS_RX_MAX_LCORES]; /* of those, not decoded fully */
	struct ws_ctl_server *ctl;
	struct ws_prom_server *prom; /* NULL: no Prometheus endpoint */
	/* Ended flows: counted, the largest kept (a min-heap on bytes), optionally written. */
	uint64_t records;
	unsigned int n_top_flows;
	struct ws_flow top_flows[WS_TOP_FLOWS];
	uint64_t flow_duration_hist[WS_FLOW_HIST], flow_bytes_hist[WS_FLOW_HIST];
	FILE *flows_out;
	unsigned int n_ipfix;
	struct ws_ipfix_exporter *ipfix[WS_CONFIG_MAX_COLLECTORS];
	uint64_t start_ns;
	uint64_t snapshots;
	uint64_t refreshed_ns; /* when the last snapshots were merged */
	/* The latest samples of the loss counters, a ring: more than WS_LOSS_WINDOW_S s. */
	struct ws_loss_sample loss[WS_LOSS_WINDOW_S + 6];
	unsigned int loss_next, loss_count;
};

/** Monotonic clock, nanoseconds. */
static inline uint64_t
ws_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

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

/* prom.c: the endpoint's ws_prom_render_t */
int ws_prom_metrics(void *ctx, struct ws_prom_writer *w);

/* telemetry.c: /wirestat/... commands for DPDK telemetry, answered by ws_mgmt_loop */
int ws_telemetry_init(void);
int ws_telemetry_fd(void);
void ws_telemetry_serve(struct ws_app *app);
void ws_telemetry_stop(void);
void ws_telemetry_counters(uint64_t *requests, uint64_t *timeouts);
/* export.c */
/** The management loop wakes at least this often while it exports. */
#define WS_EXPORT_POLL_MS 100
int ws_export_setup(struct ws_app *app, char *err, size_t err_size);
void ws_export_records(struct ws_app *app, const struct ws_flow *rec, unsigned int n);
void ws_export_poll(struct ws_app *app);
void ws_export_drain(struct ws_app *app);
void ws_export_destroy(struct ws_app *app);
json_t *ws_export_json(struct ws_app *app);
/* html.c: the report as one self-contained page. @return 0 or -errno. */
int ws_html_write(FILE *f, const json_t *report);
/* privs.c: after start-up, keep only what DPDK may still need; kept names them. */
int ws_privs_drop(char *kept, size_t kept_size);

/* capture.c */
int ws_capture_check(struct ws_run *run, uint32_t *max_caplen, char *err, size_t err_size);

#endif /* WIRESTAT_H */
