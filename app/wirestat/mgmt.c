/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management lcore: merges the RX lcores' snapshots, answers the control
 * socket, and in offline mode decides when the whole capture went through.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "wirestat.h"

/* Set by SIGINT/SIGTERM. */
uint32_t ws_mgmt_quit;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static uint64_t
flow_bytes(const struct ws_flow *f)
{
	return f->bytes[0] + f->bytes[1];
}

static void
heap_down(struct ws_flow *h, unsigned int n, unsigned int i)
{
	struct ws_flow tmp;
	unsigned int c;

	for (; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && flow_bytes(&h[c + 1]) < flow_bytes(&h[c]))
			c++;
		if (flow_bytes(&h[i]) <= flow_bytes(&h[c]))
			return;
		tmp = h[i];
		h[i] = h[c];
		h[c] = tmp;
	}
}

/* Keep the WS_TOP_FLOWS largest records: a min-heap, its root the smallest kept. */
static void
top_flows_offer(struct ws_app *app, const struct ws_flow *f)
{
	struct ws_flow *h = app->top_flows;
	unsigned int i;

	if (app->n_top_flows < WS_TOP_FLOWS) {
		h[app->n_top_flows++] = *f;
		if (app->n_top_flows == WS_TOP_FLOWS)
			for (i = WS_TOP_FLOWS / 2; i-- > 0;)
				heap_down(h, WS_TOP_FLOWS, i);
		return;
	}
	if (flow_bytes(f) <= flow_bytes(&h[0]))
		return;
	h[0] = *f;
	heap_down(h, WS_TOP_FLOWS, 0);
}

static json_t *
flow_json(const struct ws_flow *f)
{
	int af = f->key.version == 4 ? AF_INET : AF_INET6;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(af, f->key.addr[0], a, sizeof(a));
	inet_ntop(af, f->key.addr[1], b, sizeof(b));
	return json_pack("{s:i, s:i, s:i, s:s, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:i,"
			 " s:i, s:i, s:i, s:i, s:s}",
			 "version", f->key.version, "proto", f->key.proto, "vlan", f->key.vlan, "a",
			 a, "a_port", f->key.port[0], "b", b, "b_port", f->key.port[1],
			 "packets_ab", (json_int_t)f->packets[0], "bytes_ab",
			 (json_int_t)f->bytes[0], "packets_ba", (json_int_t)f->packets[1],
			 "bytes_ba", (json_int_t)f->bytes[1], "first_ns", (json_int_t)f->first_ns,
			 "last_ns", (json_int_t)f->last_ns, "rtt_us", (int)f->rtt_us, "tcp_flags_a",
			 f->tcp_flags[0], "tcp_flags_b", f->tcp_flags[1], "initiator", f->initiator,
			 "end_reason", f->end_reason, "host", f->host);
}

/* Take the ended flows every RX lcore handed over. */
void
ws_mgmt_records(struct ws_app *app)
{
	struct ws_flow rec[64];
	unsigned int i, j, n;

	for (i = 0; i < app->n_rx; i++) {
		while ((n = rte_ring_dequeue_burst_elem(app->rx[i]->records, rec, sizeof(rec[0]),
							RTE_DIM(rec), NULL)) != 0) {
			app->records += n;
			for (j = 0; j < n; j++) {
				top_flows_offer(app, &rec[j]);
				if (app->flows_out) {
					json_t *o = flow_json(&rec[j]);

					json_dumpf(o, app->flows_out, JSON_COMPACT);
					fputc('\n', app->flows_out);
					json_decref(o);
				}
			}
		}
	}
}

/* Sort keys of `flows`: bytes, packets, duration, rtt; largest first. */
static int flow_sort;

static uint64_t
flow_sort_key(const struct ws_flow *f)
{
	switch (flow_sort) {
	case 1:
		return f->packets[0] + f->packets[1];
	case 2:
		return f->last_ns - f->first_ns;
	case 3:
		return f->rtt_us;
	default:
		return flow_bytes(f);
	}
}

static int
flow_cmp(const void *x, const void *y)
{
	uint64_t a = flow_sort_key(x), b = flow_sort_key(y);

	return (a < b) - (a > b);
}

static json_t *
flows_json(struct ws_app *app, unsigned int n)
{
	struct ws_flow_counters sum = {0};
	struct ws_flow sorted[WS_TOP_FLOWS];
	uint64_t lost = 0;
	json_t *top = json_array();
	unsigned int i;

	for (i = 0; i < app->n_rx; i++) {
		const struct ws_flow_counters *c = &app->rx_cnt[i].flows;

		sum.active += c->active;
		sum.created += c->created;
		sum.ended_idle += c->ended_idle;
		sum.ended_active += c->ended_active;
		sum.ended_closed += c->ended_closed;
		sum.evicted += c->evicted;
		sum.flushed += c->flushed;
		lost += app->rx_cnt[i].flow_records_lost;
	}
	memcpy(sorted, app->top_flows, app->n_top_flows * sizeof(sorted[0]));
	qsort(sorted, app->n_top_flows, sizeof(sorted[0]), flow_cmp);
	for (i = 0; i < app->n_top_flows && i < n; i++)
		json_array_append_new(top, flow_json(&sorted[i]));
	return json_pack("{s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:o}", "active",
			 (json_int_t)sum.active, "total", (json_int_t)sum.created, "evicted",
			 (json_int_t)sum.evicted, "ended", "idle", (json_int_t)sum.ended_idle,
			 "active", (json_int_t)sum.ended_active, "closed",
			 (json_int_t)sum.ended_closed, "shutdown", (json_int_t)sum.flushed,
			 "evicted", (json_int_t)sum.evicted, "records", (json_int_t)app->records,
			 "records_lost", (json_int_t)lost, "top", top);
}

/* Merge the latest snapshot of every RX lcore into app->merged. */
int
ws_mgmt_refresh(struct ws_app *app)
{
	unsigned int i;
	int rc;

	if (app->start_ns == 0)
		app->start_ns = now_ns();
	ws_stats_reset(app->merged);
	for (i = 0; i < app->n_rx; i++) {
		rc = ws_rx_read(app->rx[i], app->scratch, &app->rx_cnt[i]);
		if (rc == 0)
			rc = ws_stats_merge(app->merged, app->scratch);
		if (rc < 0)
			return rc;
	}
	app->snapshots++;
	return 0;
}

/* Packets lost before they were counted, by where. */
static json_t *
drops_json(struct ws_app *app)
{
	uint64_t imissed = 0, ierrors = 0, nombuf = 0, ring = 0;
	struct ws_port_counters c;
	unsigned int i;

	for (i = 0; i < app->n_ports; i++) {
		if (ws_port_counters(&app->ports[i], &c) < 0)
			continue;
		imissed += c.imissed;
		ierrors += c.ierrors;
		nombuf += c.rx_nombuf;
	}
	for (i = 0; i < app->n_rx; i++)
		ring += app->rx_cnt[i].ring_full;
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "nic_missed", (json_int_t)imissed,
			 "nic_errors", (json_int_t)ierrors, "mbuf_exhausted", (json_int_t)nombuf,
			 "spread_ring_full", (json_int_t)ring, "total",
			 (json_int_t)(imissed + ierrors + nombuf + ring));
}

static json_t *
cores_json(struct ws_app *app)
{
	json_t *list = json_array();
	unsigned int i;

	for (i = 0; i < app->n_rx; i++) {
		const struct ws_rx_counters *c = &app->rx_cnt[i];

		json_array_append_new(
			list, json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "lcore",
					app->rx[i]->lcore_id, "index", i, "rx", (json_int_t)c->rx,
					"spread_in", (json_int_t)c->spread_in, "spread_out",
					(json_int_t)c->spread_out, "ring_full",
					(json_int_t)c->ring_full, "passed", (json_int_t)c->passed,
					"rejected", (json_int_t)c->rejected, "busy",
					c->total_tsc ? (double)c->busy_tsc / c->total_tsc : 0.0));
	}
	return list;
}

static json_t *
ports_json(struct ws_app *app)
{
	json_t *list = json_array();
	unsigned int i;

	for (i = 0; i < app->n_ports; i++)
		json_array_append_new(list, ws_port_json(&app->ports[i]));
	return list;
}

/* Capture time covered (offline: the file's timestamps drive time). */
static json_t *
time_json(struct ws_app *app)
{
	uint64_t first = 0, last = 0;
	unsigned int i;

	for (i = 0; i < app->n_rx; i++) {
		const struct ws_rx_counters *c = &app->rx_cnt[i];

		if (c->ts_first && (!first || c->ts_first < first))
			first = c->ts_first;
		if (c->ts_last > last)
			last = c->ts_last;
	}
	return json_pack("{s:I, s:I, s:f, s:f}", "first_us", (json_int_t)first, "last_us",
			 (json_int_t)last, "duration_s", first ? (last - first) / 1e6 : 0.0,
			 "uptime_s", (now_ns() - app->start_ns) / 1e9);
}

/* Compile and put in force; "" clears. @return the generation, or -errno. */
int
ws_mgmt_filter(struct ws_app *app, const char *expr, char *err, size_t err_size)
{
	struct ws_filter *f = NULL;
	char msg[512];

	if (expr[0]) {
		f = ws_filter_compile(expr,
				      app->run.offline ? app->run.linktype : WS_LINKTYPE_ETHERNET,
				      app->run.filter_jit, msg, sizeof(msg));
		if (!f) {
			snprintf(err, err_size, "filter '%.200s': %s", expr, msg);
			return -EINVAL;
		}
	}
	return (int)ws_filter_set(f, app->qsbr);
}

static json_t *
filter_json(struct ws_app *app)
{
	const struct ws_filter *f = ws_filter_current();
	uint64_t passed = 0, rejected = 0, rejected_bytes = 0;
	unsigned int i;

	for (i = 0; i < app->n_rx; i++) {
		passed += app->rx_cnt[i].passed;
		rejected += app->rx_cnt[i].rejected;
		rejected_bytes += app->rx_cnt[i].rejected_bytes;
	}
	return json_pack("{s:s, s:i, s:b, s:I, s:I, s:I}", "expression", f ? f->expr : "",
			 "generation", f ? (int)f->generation : 0, "jit", f && f->jit, "passed",
			 (json_int_t)passed, "rejected", (json_int_t)rejected, "rejected_bytes",
			 (json_int_t)rejected_bytes);
}

/* The whole report: statistics (docs/report.md) plus where it came from. */
json_t *
ws_mgmt_report(struct ws_app *app)
{
	json_t *r = ws_stats_json(app->merged, app->run.top_n);

	if (!r)
		return NULL;
	if (app->run.offline)
		json_object_set_new(r, "capture",
				    json_pack("{s:s, s:I, s:i}", "file", app->run.capture,
					      "packets_in_file",
					      (json_int_t)app->run.capture_packets, "linktype",
					      app->run.linktype));
	json_object_set_new(r, "rates", ws_stats_rates_json(app->merged, app->run.rates_last));
	json_object_set_new(r, "flows", flows_json(app, app->run.top_n));
	json_object_set_new(r, "filter", filter_json(app));
	json_object_set_new(r, "time", time_json(app));
	json_object_set_new(r, "drops", drops_json(app));
	json_object_set_new(r, "cores", cores_json(app));
	json_object_set_new(r, "ports", ports_json(app));
	return r;
}

void
ws_mgmt_print(struct ws_app *app, FILE *f)
{
	json_t *r = ws_mgmt_report(app), *d;

	if (!r) {
		fprintf(stderr, "wirestat: out of memory for the report\n");
		return;
	}
	if (app->run.json) {
		json_dumpf(r, f, JSON_INDENT(2));
		fputc('\n', f);
	} else {
		ws_stats_print(f, r);
		d = json_object_get(r, "drops");
		fprintf(f,
			"\ndropped before analysis: %lld (NIC missed %lld, NIC errors %lld, "
			"no mbuf %lld, spread ring full %lld)\n",
			(long long)json_integer_value(json_object_get(d, "total")),
			(long long)json_integer_value(json_object_get(d, "nic_missed")),
			(long long)json_integer_value(json_object_get(d, "nic_errors")),
			(long long)json_integer_value(json_object_get(d, "mbuf_exhausted")),
			(long long)json_integer_value(json_object_get(d, "spread_ring_full")));
	}
	json_decref(r);
}

/* ---- control commands (docs/control.md) ---- */

static int
get_n(const json_t *req, unsigned int dflt, unsigned int *n, char *err, size_t err_size)
{
	const json_t *v = json_object_get(req, "n");

	*n = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000) {
		snprintf(err, err_size, "\"n\" must be an integer from 1 to 100000");
		return EINVAL;
	}
	*n = (unsigned int)json_integer_value(v);
	return 0;
}

static int
get_seconds(const json_t *req, const char *key, unsigned int dflt, unsigned int *v, char *err,
	    size_t err_size)
{
	const json_t *j = json_object_get(req, key);

	*v = dflt;
	if (!j)
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 1 || json_integer_value(j) > 86400) {
		snprintf(err, err_size, "\"%s\" must be a number of seconds from 1 to 86400", key);
		return EINVAL;
	}
	*v = (unsigned int)json_integer_value(j);
	return 0;
}

/* The whole report; "n" entries per top list, "rates" seconds of traffic (default 60). */
static int
cmd_stats(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	struct ws_app *app = ctx;
	unsigned int n, last, saved_n = app->run.top_n, saved_last = app->run.rates_last;
	int rc = get_n(req, saved_n, &n, err, err_size);

	if (rc == 0)
		rc = get_seconds(req, "rates", 60, &last, err, err_size);
	if (rc)
		return rc;
	app->run.top_n = n;
	app->run.rates_last = last;
	*result = ws_mgmt_report(app);
	app->run.top_n = saved_n;
	app->run.rates_last = saved_last;
	return *result ? 0 : ENOMEM;
}

/* The largest ended flows kept (by bytes), sorted by "sort". */
static int
cmd_flows(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	static const char *const sorts[] = {"bytes", "packets", "duration", "rtt"};
	const char *s = json_string_value(json_object_get(req, "sort"));
	struct ws_app *app = ctx;
	unsigned int n;
	int rc, i;

	for (i = 0; s && i < 4; i++)
		if (!strcmp(s, sorts[i]))
			break;
	if (s && i == 4) {
		snprintf(err, err_size, "\"sort\" must be one of bytes, packets, duration, rtt");
		return EINVAL;
	}
	rc = get_n(req, app->run.top_n, &n, err, err_size);
	if (rc)
		return rc;
	flow_sort = s ? i : 0;
	*result = flows_json(app, n);
	flow_sort = 0;
	return *result ? 0 : ENOMEM;
}

static int
cmd_unique(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	(void)req;
	(void)err;
	(void)err_size;
	*result = ws_stats_unique_json(((struct ws_app *)ctx)->merged);
	return *result ? 0 : ENOMEM;
}

static int
cmd_rates(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	struct ws_app *app = ctx;
	unsigned int last;
	int rc = get_seconds(req, "last", 60, &last, err, err_size);

	if (rc)
		return rc;
	*result = ws_stats_rates_json(app->merged, last);
	return *result ? 0 : ENOMEM;
}

static int
cmd_top(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	static const char *const what[WS_TOP_MAX] = {
		[WS_TOP_DST] = "dst",	 [WS_TOP_SRC] = "src",	  [WS_TOP_DPORT] = "ports",
		[WS_TOP_HOST] = "hosts", [WS_TOP_PAIR] = "pairs", [WS_TOP_SITE] = "sites",
	};
	struct ws_app *app = ctx;
	const char *w = json_string_value(json_object_get(req, "what"));
	unsigned int i, n;
	int rc;

	for (i = 0; w && i < WS_TOP_MAX; i++)
		if (what[i] && !strcmp(w, what[i]))
			break;
	if (!w || i == WS_TOP_MAX) {
		snprintf(err, err_size,
			 "\"what\" must be one of dst, src, ports, hosts, pairs, sites");
		return EINVAL;
	}
	rc = get_n(req, app->run.top_n, &n, err, err_size);
	if (rc)
		return rc;
	*result = json_pack("{s:s, s:o, s:I}", "what", w, "entries",
			    i == WS_TOP_SITE ? ws_stats_sites_json(app->merged, n)
					     : ws_stats_top_json(app->merged, i, n),
			    "error_bound", (json_int_t)ws_topk_error_bound(app->merged->top[i]));
	return *result ? 0 : ENOMEM;
}

static int
cmd_cores(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	(void)req;
	(void)err;
	(void)err_size;
	*result = cores_json(ctx);
	return 0;
}

static int
cmd_ports(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	(void)req;
	(void)err;
	(void)err_size;
	*result = ports_json(ctx);
	return 0;
}

static int
cmd_reset(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	struct ws_app *app = ctx;
	uint32_t gen;

	(void)req;
	(void)err;
	(void)err_size;
	gen = __atomic_add_fetch(&ws_rx_reset_gen, 1, __ATOMIC_RELEASE);
	*result = json_pack("{s:i, s:i}", "generation", gen, "within_ms", app->run.snapshot_ms);
	return 0;
}

/* What an operator reads first: is everything up, is anything dropped. */
static int
cmd_status(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	struct ws_app *app = ctx;
	json_t *drops = drops_json(app), *ports = json_array();
	int all_up = 1;
	unsigned int i;

	(void)req;
	(void)err;
	(void)err_size;
	for (i = 0; i < app->n_ports; i++) {
		json_t *p = ws_port_json(&app->ports[i]);

		all_up &= !strcmp(json_string_value(json_object_get(p, "link")), "up");
		json_array_append_new(ports, json_pack("{s:O, s:O, s:O}", "name",
						       json_object_get(p, "name"), "link",
						       json_object_get(p, "link"), "driver",
						       json_object_get(p, "driver")));
		json_decref(p);
	}
	*result = json_pack("{s:s, s:b, s:I, s:I, s:I, s:o, s:o, s:o, s:i}", "state", "running",
			    "ports_up", all_up, "packets", (json_int_t)app->merged->c.packets,
			    "bytes", (json_int_t)app->merged->c.bytes, "top_pending",
			    (json_int_t)ws_stats_flow_pending(app->merged), "ports", ports, "drops",
			    drops, "time", time_json(app), "rx_lcores", app->n_rx);
	return 0;
}

/*
 * {"cmd": "filter"} reads it, {"set": EXPR} changes it, {"clear": true}
 * removes it. A change holds for every packet an RX lcore reads after the
 * reply's in_force_since_s: the reply waits until each has finished the loop
 * turn that might still use the old program.
 */
static int
cmd_filter(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	struct ws_app *app = ctx;
	const json_t *set = json_object_get(req, "set");
	int gen;

	if (!set && !json_is_true(json_object_get(req, "clear"))) {
		ws_mgmt_refresh(app);
		*result = filter_json(app);
		return 0;
	}
	if (set && !json_is_string(set)) {
		snprintf(err, err_size, "\"set\" must be a filter expression string");
		return EINVAL;
	}
	gen = ws_mgmt_filter(app, set ? json_string_value(set) : "", err, err_size);
	if (gen < 0) {
		strncat(err, "; the previous filter stays in force", err_size - strlen(err) - 1);
		return -gen;
	}
	*result = json_pack("{s:i, s:s, s:b, s:f}", "generation", gen, "expression",
			    set ? json_string_value(set) : "", "jit",
			    ws_filter_current() && ws_filter_current()->jit, "in_force_since_s",
			    (now_ns() - app->start_ns) / 1e9);
	return 0;
}

const struct ws_ctl_cmd ws_mgmt_cmds[] = {
	{"filter", "read; \"set\": EXPR changes, \"clear\": true removes the capture filter",
	 cmd_filter},
	{"status", "ports up, drops, uptime", cmd_status},
	{"stats", "the whole report; \"n\": entries per top list", cmd_stats},
	{"top", "one top list: \"what\": dst|src|ports|hosts|pairs|sites, \"n\"", cmd_top},
	{"cores", "per RX lcore: packets, spread, drops, busy ratio", cmd_cores},
	{"ports", "per port: NIC counters and xstats", cmd_ports},
	{"reset", "zero the statistics of every RX lcore", cmd_reset},
	{"rates", "packets, bytes and new flows per second; \"last\": seconds", cmd_rates},
	{"unique", "distinct sources, destinations and conversations (HyperLogLog)", cmd_unique},
	{"flows",
	 "flow counts and the largest ended flows; \"n\", \"sort\": bytes|packets|"
	 "duration|rtt",
	 cmd_flows},
	{NULL, NULL, NULL},
};

/* Daemon: snapshot on a period, answer the socket in between, until a signal. */
int
ws_mgmt_loop(struct ws_app *app)
{
	uint64_t hz = rte_get_tsc_hz(), period = hz / 1000 * app->run.snapshot_ms, next = 0, now;
	int wait_ms;

	while (!__atomic_load_n(&ws_mgmt_quit, __ATOMIC_RELAXED)) {
		now = rte_rdtsc();
		if (now >= next) {
			ws_mgmt_refresh(app);
			next = now + period;
		}
		ws_mgmt_records(app);
		/* Sleep in poll(): a request wakes it at once, a signal too (EINTR). */
		wait_ms = (int)((next - rte_rdtsc()) * 1000 / hz);
		ws_ctl_server_poll(app->ctl, wait_ms < 1 ? 1 : wait_ms);
	}
	return 0;
}

/* Packets the port took, and packets it dropped. */
static void
port_totals(struct ws_app *app, uint64_t *in, uint64_t *lost)
{
	struct ws_port_counters c;
	unsigned int i;

	*in = *lost = 0;
	for (i = 0; i < app->n_ports; i++) {
		if (ws_port_counters(&app->ports[i], &c) < 0)
			continue;
		*in += c.ipackets;
		*lost += c.imissed + c.ierrors + c.rx_nombuf;
	}
}

/*
 * Offline: the file is done when every packet in it was either counted by
 * an RX lcore or dropped by the port. A reader that stops short of that
 * (a damaged file) is noticed by a lack of progress.
 */
int
ws_mgmt_offline(struct ws_app *app)
{
	uint64_t want = app->run.capture_packets, in, lost, seen, last_seen = UINT64_MAX;
	uint64_t stall_since = now_ns();
	unsigned int i;

	for (;;) {
		rte_delay_us_sleep(2000);
		ws_mgmt_refresh(app);
		ws_mgmt_records(app);
		port_totals(app, &in, &lost);
		seen = app->merged->c.packets + lost;
		for (i = 0; i < app->n_rx; i++)
			seen += app->rx_cnt[i].ring_full + app->rx_cnt[i].rejected;
		if (seen >= want)
			break;
		if (__atomic_load_n(&ws_mgmt_quit, __ATOMIC_RELAXED))
			return -EINTR;
		if (seen != last_seen) {
			last_seen = seen;
			stall_since = now_ns();
		} else if (now_ns() - stall_since > 5000000000ull) {
			fprintf(stderr,
				"wirestat: warning: the capture reader stopped after %lu of "
				"%lu packets\n",
				(unsigned long)seen, (unsigned long)want);
			break;
		}
	}
	return 0;
}
