/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management lcore: merges the RX lcores' snapshots, answers the control
 * socket, and in offline mode decides when the whole capture went through.
 */
#include <errno.h>
#include <stdio.h>
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
					(json_int_t)c->spread_out, "ring_full", (json_int_t)c->ring_full,
					"passed", (json_int_t)c->passed, "rejected",
					(json_int_t)c->rejected, "busy",
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
		f = ws_filter_compile(expr, app->run.offline ? app->run.linktype
							    : WS_LINKTYPE_ETHERNET,
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
					      "packets_in_file", (json_int_t)app->run.capture_packets,
					      "linktype", app->run.linktype));
	json_object_set_new(r, "rates", ws_stats_rates_json(app->merged, app->run.rates_last));
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
		fprintf(f, "\ndropped before analysis: %lld (NIC missed %lld, NIC errors %lld, "
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

static int
cmd_unique(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	json_t *r = ws_stats_json(((struct ws_app *)ctx)->merged, 1);

	(void)req;
	(void)err;
	(void)err_size;
	*result = r ? json_incref(json_object_get(r, "unique")) : NULL;
	json_decref(r);
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
	static const char *const what[] = { "dst", "src", "ports", "hosts", "pairs" };
	static const char *const key[] = { "top_dst_ips", "top_src_ips", "top_dst_ports", "hosts",
					   "top_pairs" };
	struct ws_app *app = ctx;
	const char *w = json_string_value(json_object_get(req, "what"));
	unsigned int i, n;
	json_t *r;
	int rc;

	for (i = 0; w && i < 5; i++)
		if (!strcmp(w, what[i]))
			break;
	if (!w || i == 5) {
		snprintf(err, err_size, "\"what\" must be one of dst, src, ports, hosts, pairs");
		return EINVAL;
	}
	rc = get_n(req, app->run.top_n, &n, err, err_size);
	if (rc)
		return rc;
	r = ws_stats_json(app->merged, n);
	if (!r)
		return ENOMEM;
	*result = json_pack("{s:s, s:O, s:O}", "what", w, "entries", json_object_get(r, key[i]),
			    "error_bound",
			    json_object_get(json_object_get(r, "top_error_bound"), key[i]));
	json_decref(r);
	return 0;
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
	*result = json_pack("{s:s, s:b, s:I, s:I, s:o, s:o, s:o, s:i}", "state", "running",
			    "ports_up", all_up, "packets",
			    (json_int_t)app->merged->c.packets, "bytes",
			    (json_int_t)app->merged->c.bytes, "ports", ports, "drops", drops,
			    "time", time_json(app), "rx_lcores", app->n_rx);
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
	{ "filter", "read; \"set\": EXPR changes, \"clear\": true removes the capture filter",
	  cmd_filter },
	{ "status", "ports up, drops, uptime", cmd_status },
	{ "stats", "the whole report; \"n\": entries per top list", cmd_stats },
	{ "top", "one top list: \"what\": dst|src|ports|hosts, \"n\"", cmd_top },
	{ "cores", "per RX lcore: packets, spread, drops, busy ratio", cmd_cores },
	{ "ports", "per port: NIC counters and xstats", cmd_ports },
	{ "reset", "zero the statistics of every RX lcore", cmd_reset },
	{ "rates", "packets, bytes and new flows per second; \"last\": seconds", cmd_rates },
	{ "unique", "distinct sources, destinations and conversations (HyperLogLog)", cmd_unique },
	{ NULL, NULL, NULL },
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
			fprintf(stderr, "wirestat: warning: the capture reader stopped after %lu of "
					"%lu packets\n", (unsigned long)seen, (unsigned long)want);
			break;
		}
	}
	return 0;
}
