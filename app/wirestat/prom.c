/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's metrics for Prometheus (docs/prometheus.md), rendered on the
 * management lcore from what it already holds: the merged statistics of the
 * last snapshot, the RX lcores' counters, and the ports' counters read now.
 * So a scrape shows the same numbers as the control socket's replies.
 */
#include <stdio.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_version.h>

#include "wirestat.h"

#define COUNTER WS_PROM_COUNTER
#define GAUGE WS_PROM_GAUGE

/* A family with one unlabelled sample. */
static void
one(struct ws_prom_writer *w, const char *name, enum ws_prom_type type, const char *help,
    uint64_t v)
{
	ws_prom_family(w, name, type, help);
	ws_prom_sample(w, NULL, 0, v);
}

/* A family with one label whose values and samples come from two arrays. */
static void
by(struct ws_prom_writer *w, const char *name, const char *help, const char *label,
   const char *const *values, const uint64_t *v, unsigned int n)
{
	unsigned int i;

	ws_prom_family(w, name, COUNTER, help);
	for (i = 0; i < n; i++)
		ws_prom_sample(w, &(struct ws_prom_label){label, values[i]}, 1, v[i]);
}

static void
render_process(struct ws_app *app, struct ws_prom_writer *w)
{
	const struct ws_prom_label info[] = {{"version", WS_VERSION}, {"dpdk", rte_version()}};
	uint64_t now = ws_now_ns();

	ws_prom_family(w, "wirestat_build_info", GAUGE, "Always 1; the labels say what runs.");
	ws_prom_sample(w, info, 2, 1);
	ws_prom_family(w, "wirestat_uptime_seconds", GAUGE, "Seconds since the daemon started.");
	ws_prom_sample_f(w, NULL, 0, (now - app->start_ns) / 1e9);
	ws_prom_family(w, "wirestat_snapshot_age_seconds", GAUGE,
		       "Seconds since the RX lcores' statistics were last merged.");
	ws_prom_sample_f(w, NULL, 0, (now - app->refreshed_ns) / 1e9);
	one(w, "wirestat_snapshots_total", COUNTER, "Merges of the RX lcores' statistics.",
	    app->snapshots);
}

static void
render_traffic(const struct ws_stats *s, struct ws_prom_writer *w)
{
	static const char *const l3[] = {"ipv4", "ipv6", "arp", "non_ip"};
	static const char *const l4[] = {"tcp", "udp", "icmp", "icmpv6", "other"};
	static const char *const flags[] = {"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"};
	static const char *const encap[] = {"mpls", "pppoe", "tunneled"};
	static const char *const src[] = {"dns", "tls", "http"};
	static const char *const uniq[] = {"src_ips", "dst_ips", "flows"};
	const struct ws_stats_counters *c = &s->c;
	const char *names[(int)WS_PARSE_RC_MAX + (int)WS_SIZE_BUCKETS];
	char depth[WS_MAX_VLANS + 1][4];
	unsigned int i;

	one(w, "wirestat_packets_total", COUNTER, "Packets analysed.", c->packets);
	one(w, "wirestat_bytes_total", COUNTER, "Bytes of the packets analysed, without FCS.",
	    c->bytes);
	by(w, "wirestat_l3_packets_total", "Packets by outermost network protocol.", "proto", l3,
	   (uint64_t[]){c->ipv4, c->ipv6, c->arp, c->non_ip}, 4);
	by(w, "wirestat_l4_packets_total", "Packets by transport protocol after the outer IP.",
	   "proto", l4, (uint64_t[]){c->tcp, c->udp, c->icmp, c->icmpv6, c->other_l4}, 5);
	for (i = 1; i < WS_PARSE_RC_MAX; i++)
		names[i] = ws_parse_rc_str(i);
	by(w, "wirestat_malformed_packets_total", "Packets not decoded fully, by reason.", "reason",
	   names + 1, c->reasons + 1, WS_PARSE_RC_MAX - 1);
	for (i = 0; i < WS_SIZE_BUCKETS; i++)
		names[i] = ws_size_bucket_str(i);
	by(w, "wirestat_frame_size_packets_total", "Packets by frame size (RFC 2819 buckets).",
	   "size", names, c->sizes, WS_SIZE_BUCKETS);
	by(w, "wirestat_tcp_flag_packets_total", "TCP packets with each flag set.", "flag", flags,
	   c->tcp_flags, 8);
	for (i = 0; i <= WS_MAX_VLANS; i++) {
		snprintf(depth[i], sizeof(depth[i]), "%u", i);
		names[i] = depth[i];
	}
	by(w, "wirestat_vlan_packets_total", "Packets by number of VLAN tags (0: untagged).",
	   "tags", names, c->vlan_depth, WS_MAX_VLANS + 1);
	by(w, "wirestat_encapsulated_packets_total", "Packets under MPLS, PPPoE or a tunnel.",
	   "encap", encap, (uint64_t[]){c->mpls, c->pppoe, c->tunneled}, 3);
	one(w, "wirestat_ip_fragments_total", COUNTER, "IP fragments, first ones included.",
	    c->fragments);
	one(w, "wirestat_ip_later_fragments_total", COUNTER, "IP fragments other than the first.",
	    c->later_fragments);
	by(w, "wirestat_hostnames_total", "Hostnames found, by where.", "source", src,
	   c->hosts + WS_HOST_DNS, 3);
	one(w, "wirestat_hostname_partial_total", COUNTER,
	    "Hostnames that go on in another segment.", c->host_partial);
	one(w, "wirestat_hostname_malformed_total", COUNTER,
	    "DNS, TLS or HTTP messages too broken to read a name from.", c->host_malformed);
	ws_prom_family(w, "wirestat_unique_estimate", GAUGE,
		       "Distinct addresses and conversations seen (HyperLogLog estimate).");
	for (i = 0; i < WS_UNIQ_MAX; i++)
		ws_prom_sample(w, &(struct ws_prom_label){"what", uniq[i]}, 1,
			       ws_hll_estimate(s->uniq[i]));
}

static void
render_ports(struct ws_app *app, struct ws_prom_writer *w)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} m[] = {
#define M(n, h, f) {"wirestat_port_" n, h, offsetof(struct ws_port_counters, f)}
		M("rx_packets_total", "Packets the port received (NIC counter).", ipackets),
		M("rx_bytes_total", "Bytes the port received (NIC counter).", ibytes),
		M("rx_missed_total", "Packets the NIC dropped: no free RX descriptor.", imissed),
		M("rx_errors_total", "Bad frames, and frames too big for the mbufs.", ierrors),
		M("rx_nombuf_total", "Packets dropped for want of mbufs.", rx_nombuf),
#undef M
	};
	struct ws_port_counters c[WS_MAX_PORTS] = {0};
	struct rte_eth_link link;
	unsigned int i, j;

	for (i = 0; i < app->n_ports; i++)
		ws_port_counters(&app->ports[i], &c[i]);
	for (j = 0; j < RTE_DIM(m); j++) {
		ws_prom_family(w, m[j].name, COUNTER, m[j].help);
		for (i = 0; i < app->n_ports; i++)
			ws_prom_sample(w, &(struct ws_prom_label){"port", app->ports[i].name}, 1,
				       *(const uint64_t *)((const char *)&c[i] + m[j].off));
	}
	ws_prom_family(w, "wirestat_port_link_up", GAUGE, "1 if the port's link is up.");
	for (i = 0; i < app->n_ports; i++) {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(app->ports[i].port_id, &link);
		ws_prom_sample(w, &(struct ws_prom_label){"port", app->ports[i].name}, 1,
			       link.link_status);
	}
}

/* One family of per-lcore counters: the field at off in struct ws_rx_counters. */
static void
per_lcore(struct ws_app *app, struct ws_prom_writer *w, const char *name, const char *help,
	  size_t off)
{
	char id[12];
	unsigned int i;

	ws_prom_family(w, name, strstr(name, "_total") ? COUNTER : GAUGE, help);
	for (i = 0; i < app->n_rx; i++) {
		snprintf(id, sizeof(id), "%u", app->rx[i]->lcore_id);
		ws_prom_sample(w, &(struct ws_prom_label){"lcore", id}, 1,
			       *(const uint64_t *)((const char *)&app->rx_cnt[i] + off));
	}
}

static void
render_lcores(struct ws_app *app, struct ws_prom_writer *w)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} m[] = {
#define M(n, h, f) {"wirestat_" n, h, offsetof(struct ws_rx_counters, f)}
		M("lcore_rx_packets_total", "Packets the RX lcore read from NIC queues.", rx),
		M("lcore_spread_out_packets_total", "Packets handed to other RX lcores.",
		  spread_out),
		M("lcore_spread_in_packets_total", "Packets received from other RX lcores.",
		  spread_in),
		M("lcore_spread_ring_full_packets_total",
		  "Packets dropped: the ring to another RX lcore was full.", ring_full),
		M("lcore_filter_passed_packets_total", "Packets the capture filter let through.",
		  passed),
		M("lcore_filter_rejected_packets_total", "Packets the capture filter rejected.",
		  rejected),
		M("lcore_filter_rejected_bytes_total", "Bytes of the packets the filter rejected.",
		  rejected_bytes),
		M("flows_active", "Live flows in the RX lcore's table.", flows.active),
		M("flows_created_total", "Flows started.", flows.created),
		M("flow_records_lost_total", "Ended flows lost: the record ring was full.",
		  flow_records_lost),
#undef M
	};
	static const char *const reasons[] = {"idle", "active", "closed", "evicted", "shutdown"};
	const struct ws_prom_label *l;
	char id[12];
	unsigned int i, j;

	for (j = 0; j < RTE_DIM(m); j++)
		per_lcore(app, w, m[j].name, m[j].help, m[j].off);
	ws_prom_family(w, "wirestat_flows_ended_total", COUNTER,
		       "Flow records made, by why the flow ended (IPFIX flowEndReason).");
	for (i = 0; i < app->n_rx; i++) {
		const struct ws_flow_counters *f = &app->rx_cnt[i].flows;
		const uint64_t v[] = {f->ended_idle, f->ended_active, f->ended_closed, f->evicted,
				      f->flushed};

		snprintf(id, sizeof(id), "%u", app->rx[i]->lcore_id);
		for (j = 0; j < RTE_DIM(reasons); j++) {
			l = (const struct ws_prom_label[]){{"lcore", id}, {"reason", reasons[j]}};
			ws_prom_sample(w, l, 2, v[j]);
		}
	}
	ws_prom_family(w, "wirestat_lcore_busy_ratio", GAUGE,
		       "Share of the RX lcore's time spent on packets.");
	for (i = 0; i < app->n_rx; i++) {
		const struct ws_rx_counters *c = &app->rx_cnt[i];

		snprintf(id, sizeof(id), "%u", app->rx[i]->lcore_id);
		ws_prom_sample_f(w, &(struct ws_prom_label){"lcore", id}, 1,
				 c->total_tsc ? (double)c->busy_tsc / c->total_tsc : 0.0);
	}
	one(w, "wirestat_flow_records_total", COUNTER,
	    "Flow records the management lcore took from the RX lcores.", app->records);
}

static void
render_filter(struct ws_prom_writer *w)
{
	const struct ws_filter *f = ws_filter_current();
	const struct ws_prom_label l[] = {{"expression", f ? f->expr : ""},
					  {"jit", f && f->jit ? "1" : "0"}};

	ws_prom_family(w, "wirestat_filter_info", GAUGE,
		       "Always 1; the capture filter in force (\"\": none).");
	ws_prom_sample(w, l, 2, 1);
	one(w, "wirestat_filter_generation", GAUGE, "Changes of the capture filter so far.",
	    f ? f->generation : 0);
}

static void
render_servers(struct ws_app *app, struct ws_prom_writer *w)
{
	static const char *const ctl_refused[] = {"too_many_clients", "slow_reader", "stalled"};
	static const char *const http_err[] = {"bad_request",	      "not_found", "bad_method",
					       "too_large",	      "timeout",   "render_failed",
					       "too_many_connections"};
	struct ws_ctl_counters cc = {0};
	struct ws_prom_counters pc = {0};
	uint64_t treq, tlate;

	if (app->ctl)
		ws_ctl_server_counters(app->ctl, &cc);
	ws_prom_server_counters(app->prom, &pc);
	one(w, "wirestat_ctl_requests_total", COUNTER, "Control socket requests answered.",
	    cc.requests);
	one(w, "wirestat_ctl_bad_requests_total", COUNTER,
	    "Control socket requests refused as malformed or unknown.", cc.bad_requests);
	by(w, "wirestat_ctl_closed_clients_total", "Control socket clients turned away or dropped.",
	   "reason", ctl_refused, (uint64_t[]){cc.rejected, cc.dropped_clients, cc.stalled_clients},
	   3);
	one(w, "wirestat_http_scrapes_total", COUNTER, "Scrapes of /metrics answered.",
	    pc.scrapes + 1); /* this one */
	by(w, "wirestat_http_errors_total", "HTTP requests refused, by why.", "reason", http_err,
	   (uint64_t[]){pc.bad_request, pc.not_found, pc.bad_method, pc.too_large, pc.timed_out,
			pc.failed, pc.rejected},
	   7);
	ws_telemetry_counters(&treq, &tlate);
	one(w, "wirestat_telemetry_requests_total", COUNTER,
	    "DPDK telemetry requests for /wirestat.", treq);
	one(w, "wirestat_telemetry_timeouts_total", COUNTER,
	    "DPDK telemetry requests the management lcore did not answer in time.", tlate);
}

/* ws_prom_render_t for the daemon's endpoint. */
int
ws_prom_metrics(void *ctx, struct ws_prom_writer *w)
{
	struct ws_app *app = ctx;

	render_process(app, w);
	render_traffic(app->merged, w);
	render_ports(app, w);
	render_lcores(app, w);
	render_filter(w);
	render_servers(app, w);
	return ws_prom_writer_error(w);
}
