/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management lcore: merges the RX lcores' snapshots, answers the control
 * socket, and in offline mode decides when the whole capture went through.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "wirestat.h"

/* Set by SIGINT/SIGTERM. */
uint32_t ws_mgmt_quit;

/* Exclusive upper bounds of the histogram buckets; the last bucket is open. */
static const uint64_t duration_bounds_ns[WS_FLOW_HIST - 1] = {
	1000000, 10000000, 100000000, 1000000000, 10000000000, 60000000000, 600000000000};
static const uint64_t bytes_bounds[WS_FLOW_HIST - 1] = {100,	 1000,	   10000,    100000,
							1000000, 10000000, 100000000};

static unsigned int
hist_bucket(const uint64_t *bounds, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < WS_FLOW_HIST - 1 && v >= bounds[i]; i++)
		;
	return i;
}

static json_t *
hist_json(const uint64_t *bounds, double unit, const uint64_t *counts)
{
	json_t *upper = json_array(), *flows = json_array();
	unsigned int i;

	for (i = 0; i < WS_FLOW_HIST; i++) {
		if (i < WS_FLOW_HIST - 1)
			json_array_append_new(upper, json_real(bounds[i] / unit));
		json_array_append_new(flows, json_integer((json_int_t)counts[i]));
	}
	return json_pack("{s:o, s:o}", "upper", upper, "flows", flows);
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
				ws_flow_top_offer(app->top_flows, &app->n_top_flows, WS_TOP_FLOWS,
						  &rec[j]);
				app->flow_duration_hist[hist_bucket(
					duration_bounds_ns, rec[j].last_ns - rec[j].first_ns)]++;
				app->flow_bytes_hist[hist_bucket(bytes_bounds,
								 ws_flow_bytes(&rec[j]))]++;
				if (app->flows_out) {
					json_t *o = flow_json(&rec[j]);

					json_dumpf(o, app->flows_out, JSON_COMPACT);
					fputc('\n', app->flows_out);
					json_decref(o);
				}
			}
			ws_export_records(app, rec, n);
		}
	}
	ws_export_poll(app);
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
		return ws_flow_bytes(f);
	}
}

static int
flow_cmp(const void *x, const void *y)
{
	uint64_t a = flow_sort_key(x), b = flow_sort_key(y);

	return (a < b) - (a > b);
}

/*
 * Flow counts, and the largest flows: those ended (the records kept) and
 * those still live (each RX lcore's largest in the last turn of its expiry
 * hand, end_reason 0), sorted together.
 */
static json_t *
flows_json(struct ws_app *app, unsigned int n)
{
	static struct ws_flow sorted[WS_TOP_FLOWS + WS_RX_MAX_LCORES * WS_RX_LIVE_TOP];
	struct ws_flow_counters sum = {0};
	unsigned int i, n_sorted, n_live = 0;
	uint64_t lost = 0;
	json_t *top = json_array();

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
	n_sorted = app->n_top_flows;
	for (i = 0; i < app->n_rx; i++) {
		memcpy(sorted + n_sorted, app->live[i], app->n_live[i] * sizeof(sorted[0]));
		n_sorted += app->n_live[i];
		n_live += app->n_live[i];
	}
	qsort(sorted, n_sorted, sizeof(sorted[0]), flow_cmp);
	for (i = 0; i < n_sorted && i < n; i++)
		json_array_append_new(top, flow_json(&sorted[i]));
	return json_pack(
		"{s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:o, s:o, s:o}",
		"live_listed", (json_int_t)n_live, "active", (json_int_t)sum.active, "total",
		(json_int_t)sum.created, "evicted", (json_int_t)sum.evicted, "ended", "idle",
		(json_int_t)sum.ended_idle, "active", (json_int_t)sum.ended_active, "closed",
		(json_int_t)sum.ended_closed, "shutdown", (json_int_t)sum.flushed, "evicted",
		(json_int_t)sum.evicted, "records", (json_int_t)app->records, "records_lost",
		(json_int_t)lost, "top", top, "duration_hist",
		hist_json(duration_bounds_ns, 1e9, app->flow_duration_hist), "bytes_hist",
		hist_json(bytes_bounds, 1, app->flow_bytes_hist));
}

/* Flow-table fill, summed over RX lcores. */
static json_t *
flow_table_json(struct ws_app *app)
{
	uint64_t active = 0, capacity = 0;
	unsigned int i;

	for (i = 0; i < app->n_rx; i++) {
		active += app->rx_cnt[i].flows.active;
		capacity += app->run.flows.capacity;
	}
	return json_pack("{s:I, s:I}", "active", (json_int_t)active, "capacity",
			 (json_int_t)capacity);
}

/* Merge the latest snapshot of every RX lcore into app->merged. */
int
ws_mgmt_refresh(struct ws_app *app)
{
	unsigned int i;
	int rc;

	if (app->start_ns == 0)
		app->start_ns = ws_now_ns();
	ws_stats_reset(app->merged);
	for (i = 0; i < app->n_rx; i++) {
		rc = ws_rx_read(app->rx[i], app->scratch, &app->rx_cnt[i], app->live[i],
				&app->n_live[i]);
		if (rc == 0)
			rc = ws_stats_merge(app->merged, app->scratch);
		if (rc < 0)
			return rc;
		/* From the same snapshot as the lcore's counters: they add up exactly. */
		app->rx_packets[i] = app->scratch->c.packets;
		app->rx_malformed[i] = app->scratch->c.malformed;
	}
	app->snapshots++;
	app->refreshed_ns = ws_now_ns();
	return 0;
}

static const char *const loss_names[WS_LOSS_MAX] = {
	[WS_LOSS_NIC_MISSED] = "nic_missed",	      [WS_LOSS_NIC_ERRORS] = "nic_errors",
	[WS_LOSS_NO_MBUF] = "mbuf_exhausted",	      [WS_LOSS_RING_FULL] = "spread_ring_full",
	[WS_LOSS_FLOW_RECORDS] = "flow_records_lost",
};

/* Every loss counter now: the ports' (never reset) and the RX lcores' (reset by reset). */
static void
loss_read(struct ws_app *app, uint64_t n[WS_LOSS_MAX])
{
	struct ws_port_counters c;
	unsigned int i;

	memset(n, 0, WS_LOSS_MAX * sizeof(n[0]));
	for (i = 0; i < app->n_ports; i++) {
		if (ws_port_counters(&app->ports[i], &c) < 0)
			continue;
		n[WS_LOSS_NIC_MISSED] += c.imissed;
		n[WS_LOSS_NIC_ERRORS] += c.ierrors;
		n[WS_LOSS_NO_MBUF] += c.rx_nombuf;
	}
	for (i = 0; i < app->n_rx; i++) {
		n[WS_LOSS_RING_FULL] += app->rx_cnt[i].ring_full;
		n[WS_LOSS_FLOW_RECORDS] += app->rx_cnt[i].flow_records_lost;
	}
}

/* Once a second: keep the loss counters, so that status can tell losses now from old ones. */
static void
loss_sample(struct ws_app *app)
{
	const unsigned int size = RTE_DIM(app->loss);
	struct ws_loss_sample *s = &app->loss[app->loss_next];
	uint64_t now = ws_now_ns();

	if (app->loss_count &&
	    now - app->loss[(app->loss_next + size - 1) % size].ns < 1000000000ull)
		return;
	s->ns = now;
	loss_read(app, s->n);
	app->loss_next = (app->loss_next + 1) % size;
	if (app->loss_count < size)
		app->loss_count++;
}

/*
 * The newest sample at least WS_LOSS_WINDOW_S old; NULL while there is none (the
 * daemon is younger than that): then the counts since the start, all 0 then, are
 * the baseline.
 */
static const struct ws_loss_sample *
loss_baseline(const struct ws_app *app, uint64_t now)
{
	const unsigned int size = RTE_DIM(app->loss);
	const struct ws_loss_sample *s;
	unsigned int i;

	for (i = 1; i <= app->loss_count; i++) {
		s = &app->loss[(app->loss_next + size - i) % size];
		if (now - s->ns >= WS_LOSS_WINDOW_S * 1000000000ull)
			return s;
	}
	return NULL;
}

/* Losses since the baseline sample, about WS_LOSS_WINDOW_S ago. A reset in between
 * restarts the RX lcores' counters: then they count from 0. */
static json_t *
loss_recent_json(struct ws_app *app)
{
	uint64_t now = ws_now_ns(), n[WS_LOSS_MAX], d, total = 0;
	const struct ws_loss_sample *old = loss_baseline(app, now);
	json_t *o = json_object();
	unsigned int i;

	loss_read(app, n);
	for (i = 0; i < WS_LOSS_MAX; i++) {
		d = !old ? n[i] : n[i] >= old->n[i] ? n[i] - old->n[i] : n[i];
		json_object_set_new(o, loss_names[i], json_integer((json_int_t)d));
		if (i != WS_LOSS_FLOW_RECORDS)
			total += d;
	}
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	json_object_set_new(o, "window_s",
			    json_real((now - (old ? old->ns : app->start_ns)) / 1e9));
	return o;
}

/* Packets lost before they were counted, by where; and flow records lost (not in total). */
static json_t *
drops_json(struct ws_app *app)
{
	uint64_t n[WS_LOSS_MAX], total = 0;
	json_t *o = json_object();
	unsigned int i;

	loss_read(app, n);
	for (i = 0; i < WS_LOSS_MAX; i++) {
		json_object_set_new(o, loss_names[i], json_integer((json_int_t)n[i]));
		if (i != WS_LOSS_FLOW_RECORDS)
			total += n[i];
	}
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	return o;
}

static json_t *
cores_json(struct ws_app *app)
{
	json_t *list = json_array();
	unsigned int i;

	for (i = 0; i < app->n_rx; i++) {
		const struct ws_rx_counters *c = &app->rx_cnt[i];

		json_array_append_new(
			list, json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
					"lcore", app->rx[i]->lcore_id, "index", i, "rx",
					(json_int_t)c->rx, "spread_in", (json_int_t)c->spread_in,
					"spread_out", (json_int_t)c->spread_out, "ring_full",
					(json_int_t)c->ring_full, "passed", (json_int_t)c->passed,
					"rejected", (json_int_t)c->rejected, "packets",
					(json_int_t)app->rx_packets[i], "malformed",
					(json_int_t)app->rx_malformed[i], "busy",
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
			 "uptime_s", (ws_now_ns() - app->start_ns) / 1e9);
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
	json_object_set_new(r, "export", ws_export_json(app));
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

/* The largest flows, live and ended (by bytes), sorted by "sort". */
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

/* The control socket's own counters (docs/control.md). */
static json_t *
control_json(struct ws_app *app)
{
	struct ws_ctl_counters c;

	ws_ctl_server_counters(app->ctl, &c);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "accepted",
			 (json_int_t)c.accepted, "rejected", (json_int_t)c.rejected, "evicted",
			 (json_int_t)c.evicted, "requests", (json_int_t)c.requests, "bad_requests",
			 (json_int_t)c.bad_requests, "too_long", (json_int_t)c.too_long, "denied",
			 (json_int_t)c.denied, "rate_limited", (json_int_t)c.rate_limited,
			 "stalled_clients", (json_int_t)c.stalled_clients, "dropped_clients",
			 (json_int_t)c.dropped_clients);
}

/* Mbufs out of the pool: on the NIC rings, in lcore caches, in spread rings, being read. */
static json_t *
mempool_json(struct ws_app *app)
{
	return json_pack("{s:I, s:I, s:I}", "size", (json_int_t)app->pool->size, "in_use",
			 (json_int_t)rte_mempool_in_use_count(app->pool), "available",
			 (json_int_t)rte_mempool_avail_count(app->pool));
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
	*result = json_pack(
		"{s:s, s:b, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:i, s:s, s:o, s:o, s:o}", "state",
		"running", "ports_up", all_up, "packets", (json_int_t)app->merged->c.packets,
		"bytes", (json_int_t)app->merged->c.bytes, "top_pending",
		(json_int_t)ws_stats_flow_pending(app->merged), "ports", ports, "drops", drops,
		"recent", loss_recent_json(app), "time", time_json(app), "rx_lcores", app->n_rx,
		"metrics", app->prom ? ws_prom_server_addr(app->prom) : "", "control",
		control_json(app), "mempool", mempool_json(app), "flow_table",
		flow_table_json(app));
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
			    (ws_now_ns() - app->start_ns) / 1e9);
	return 0;
}

static int
cmd_export(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	(void)req;
	(void)err;
	(void)err_size;
	*result = ws_export_json(ctx);
	return *result ? 0 : ENOMEM;
}

/* Reading the filter is open to all; setting or clearing it is administration. */
static bool
filter_changes(const json_t *req)
{
	return json_object_get(req, "set") || json_is_true(json_object_get(req, "clear"));
}

const struct ws_ctl_cmd ws_mgmt_cmds[] = {
	{"filter", "read; \"set\": EXPR changes, \"clear\": true removes the capture filter",
	 cmd_filter, filter_changes},
	{"status", "ports up, drops, uptime", cmd_status},
	{"stats", "the whole report; \"n\": entries per top list", cmd_stats},
	{"top", "one top list: \"what\": dst|src|ports|hosts|pairs|sites, \"n\"", cmd_top},
	{"cores", "per RX lcore: packets, spread, drops, busy ratio", cmd_cores},
	{"ports", "per port: NIC counters and xstats", cmd_ports},
	{"reset", "zero the statistics of every RX lcore", cmd_reset, ws_ctl_changes_always},
	{"rates", "packets, bytes and new flows per second; \"last\": seconds", cmd_rates},
	{"unique", "distinct sources, destinations and conversations (HyperLogLog)", cmd_unique},
	{"flows",
	 "flow counts and the largest flows, live and ended; \"n\", \"sort\": bytes|packets|"
	 "duration|rtt",
	 cmd_flows},
	{"export", "IPFIX collectors: records sent and dropped, errors, connections", cmd_export,
	 NULL},
	{NULL, NULL, NULL, NULL},
};

/*
 * Sleep in one poll() on the control socket, the Prometheus endpoint and the
 * telemetry mailbox: a request wakes it at once, a signal too (EINTR).
 */
static void
mgmt_poll(struct ws_app *app, int wait_ms)
{
	struct pollfd pfd[WS_CTL_POLLFDS + WS_PROM_POLLFDS + 1];
	unsigned int n_ctl, n_prom = 0, n;

	n_ctl = ws_ctl_server_pollfds(app->ctl, pfd);
	if (app->prom)
		n_prom = ws_prom_server_pollfds(app->prom, pfd + n_ctl);
	n = n_ctl + n_prom;
	pfd[n++] = (struct pollfd){.fd = ws_telemetry_fd(), .events = POLLIN};
	poll(pfd, n, wait_ms);
	ws_ctl_server_handle(app->ctl, pfd, n_ctl);
	if (app->prom)
		ws_prom_server_handle(app->prom, pfd + n_ctl, n_prom);
	if (pfd[n - 1].revents & POLLIN)
		ws_telemetry_serve(app);
}

/* Daemon: snapshot on a period, answer requests in between, until a signal. */
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
		loss_sample(app);
		/*
		 * Sleep in poll(): a request wakes it at once, a signal too (EINTR).
		 * Work past `next` must not wrap the wait into days.
		 */
		now = rte_rdtsc();
		wait_ms = now < next ? (int)((next - now) * 1000 / hz) : 0;
		if (app->n_ipfix && wait_ms > WS_EXPORT_POLL_MS)
			wait_ms = WS_EXPORT_POLL_MS; /* export timers: flush, reconnect, drain */
		mgmt_poll(app, wait_ms < 1 ? 1 : wait_ms);
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
	uint64_t stall_since = ws_now_ns();
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
			stall_since = ws_now_ns();
		} else if (ws_now_ns() - stall_since > 5000000000ull) {
			fprintf(stderr,
				"wirestat: warning: the capture reader stopped after %lu of "
				"%lu packets\n",
				(unsigned long)seen, (unsigned long)want);
			break;
		}
	}
	return 0;
}
