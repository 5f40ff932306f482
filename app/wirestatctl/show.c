/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's replies as tables for people (docs/control.md shows each
 * shape). Nothing here trusts the reply: every field is checked for its
 * type, missing ones print as "-", and strings are escaped before they
 * reach a terminal (a hostname is whatever a packet said it was).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <ws_stats.h>

#include "wirestatctl.h"

#define KEY_COLS_MAX 48 /* widest key column in a top table */

static int
bad_shape(const char *cmd, const char *want)
{
	fprintf(stderr, "wirestatctl: %s: malformed reply: the result is not %s\n", cmd, want);
	return WSCTL_EREPLY;
}

/* Bytes that move a terminal: C0 controls, DEL, and C1 controls (U+0080..U+009F). */
static size_t
control_len(const unsigned char *p)
{
	if (*p < 0x20 || *p == 0x7f)
		return 1;
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	return 0;
}

/*
 * s escaped (controls as \xNN), cut to cols display columns with "…" where
 * it was cut, and padded with spaces to cols; cols 0: as long as it is.
 */
const char *
wsctl_cell(char *buf, size_t size, const char *s, unsigned int cols)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "-");
	size_t len = 0, cut = SIZE_MAX, n;
	unsigned int w = 0, w_cut = 0, cw;

	while (*p && len + 12 < size) {
		n = control_len(p);
		cw = n ? 4 * n : (*p & 0xc0) != 0x80;
		if (cols && cw && w + cw > cols - 1 && cut == SIZE_MAX) {
			cut = len;
			w_cut = w;
		}
		if (n == 0)
			buf[len++] = (char)*p++;
		for (; n > 0; n--)
			len += snprintf(buf + len, size - len, "\\x%02x", *p++);
		w += cw;
	}
	if (cols && w > cols) {
		memcpy(buf + cut, "\u2026", 3);
		len = cut + 3;
		w = w_cut + 1;
	}
	while (w < cols && len + 1 < size) {
		buf[len++] = ' ';
		w++;
	}
	buf[len] = '\0';
	return buf;
}

struct wsctl_num
wsctl_int(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	struct wsctl_num n = {"-"};

	if (json_is_integer(v))
		snprintf(n.s, sizeof(n.s), "%lld", (long long)json_integer_value(v));
	return n;
}

/* 12345 pps -> "12.3 kpps"; negative, infinite or NaN -> "-". */
struct wsctl_num
wsctl_si(double v, const char *unit)
{
	static const char prefix[] = "kMGTPE";
	struct wsctl_num n = {"-"};
	int i = -1;

	if (!(v >= 0) || isinf(v))
		return n;
	while (v >= 999.95 && i < 5) {
		v /= 1000;
		i++;
	}
	if (i >= 0)
		snprintf(n.s, sizeof(n.s), "%.1f%s%c%s", v, unit[0] ? " " : "", prefix[i], unit);
	else
		snprintf(n.s, sizeof(n.s), v < 10 && v != floor(v) ? "%.1f%s%s" : "%.0f%s%s", v,
			 unit[0] ? " " : "", unit);
	return n;
}

/* 3723.4 -> "1h02m03s". */
struct wsctl_num
wsctl_duration(const json_t *seconds)
{
	struct wsctl_num n = {"-"};
	double s = json_number_value(seconds);
	unsigned long t = (unsigned long)s;

	if (!json_is_number(seconds) || !(s >= 0) || s > 1e12)
		return n;
	if (s < 60)
		snprintf(n.s, sizeof(n.s), "%.1fs", s);
	else if (t < 3600)
		snprintf(n.s, sizeof(n.s), "%lum%02lus", t / 60, t % 60);
	else if (t < 86400)
		snprintf(n.s, sizeof(n.s), "%luh%02lum%02lus", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(n.s, sizeof(n.s), "%lud%02luh%02lum", t / 86400, t / 3600 % 24,
			 t / 60 % 60);
	return n;
}

static json_int_t
get_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *
get_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/* Where losses are counted, as status names them, and what to do when it is the largest. */
static const struct {
	const char *key, *name, *advice;
} loss_causes[] = {
	{"mbuf_exhausted", "no mbuf", "raise mempool.mbufs"},
	{"spread_ring_full", "spread ring full", "add RX lcores or raise spread.ring_size"},
	{"nic_missed", "NIC missed", "add RX queues and lcores, or raise rx_descriptors"},
	{"nic_errors", "NIC errors", "check the link and cabling"},
	{"flow_records_lost", "flow records lost", "give the management lcore a CPU of its own"},
};

/* "NIC missed 37, no mbuf 2": the causes that are not zero; returns the advice for the
 * largest (the first in loss_causes on a tie), NULL when there is none. */
static const char *
drop_causes(char *buf, size_t size, const json_t *drops)
{
	const char *advice = NULL;
	json_int_t v, max = 0;
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(loss_causes) / sizeof(loss_causes[0]) && len < size; i++) {
		v = get_int(drops, loss_causes[i].key);
		if (v <= 0)
			continue;
		len += snprintf(buf + len, size - len, "%s%s %lld", len ? ", " : "",
				loss_causes[i].name, (long long)v);
		if (v > max) {
			max = v;
			advice = loss_causes[i].advice;
		}
	}
	return advice;
}

/* Names of the ports whose link is not up; returns how many. */
static unsigned int
ports_down(const json_t *ports, char *buf, size_t size, unsigned int *up)
{
	unsigned int down = 0;
	const json_t *p;
	size_t i, len = 0;
	char name[64];

	buf[0] = '\0';
	*up = 0;
	for (i = 0; i < json_array_size(ports); i++) {
		p = json_array_get(ports, i);
		if (!json_is_object(p))
			continue;
		if (!strcmp(get_str(p, "link"), "up")) {
			(*up)++;
			continue;
		}
		if (len < size)
			len += snprintf(buf + len, size - len, "%s%s", down ? ", " : "",
					wsctl_cell(name, sizeof(name), get_str(p, "name"), 0));
		down++;
	}
	return down;
}

/*
 * DROPPING when something was lost lately: over the daemon's "recent" window
 * (the last 10 s), or since the start from a daemon that has no such window.
 */
static bool
status_dropping(FILE *f, const json_t *r)
{
	const json_t *recent = json_object_get(r, "recent");
	const json_t *d = json_is_object(recent) ? recent : json_object_get(r, "drops");
	json_int_t lost = get_int(d, "total"), records = get_int(d, "flow_records_lost");
	char causes[200], when[64] = "";
	const char *advice;

	if (lost <= 0 && records <= 0)
		return false;
	advice = drop_causes(causes, sizeof(causes), d);
	if (d == recent)
		snprintf(when, sizeof(when), " in the last %s",
			 wsctl_duration(json_object_get(recent, "window_s")).s);
	if (lost > 0)
		fprintf(f, "DROPPING: %lld packets lost%s (%s) \u2014 %s\n", (long long)lost, when,
			causes[0] ? causes : "cause unknown", advice ? advice : "see the details");
	else
		fprintf(f, "DROPPING: %lld flow records lost%s \u2014 %s\n", (long long)records,
			when, advice);
	return true;
}

/* The first line: OK, DROPPING or DOWN, and why. */
static void
status_verdict(FILE *f, const json_t *r)
{
	const json_t *ports = json_object_get(r, "ports"), *drops = json_object_get(r, "drops");
	const json_t *recent = json_object_get(r, "recent");
	char names[256];
	unsigned int up, down = ports_down(ports, names, sizeof(names), &up);
	json_int_t lcores = get_int(r, "rx_lcores");

	if (down) {
		fprintf(f, "DOWN: port%s %s link down\n", down > 1 ? "s" : "", names);
		return;
	}
	if (json_is_false(json_object_get(r, "ports_up"))) {
		fprintf(f, "DOWN: a port's link is down\n");
		return;
	}
	if (status_dropping(f, r))
		return;
	fprintf(f, "OK: ");
	if (json_is_array(ports))
		fprintf(f, "%u port%s up", up, up == 1 ? "" : "s");
	else
		fprintf(f, "- ports up");
	if (json_is_object(recent))
		fprintf(f, ", nothing dropped in the last %s (%s since start)",
			wsctl_duration(json_object_get(recent, "window_s")).s,
			wsctl_int(drops, "total").s);
	else
		fprintf(f, ", %s dropped", wsctl_int(drops, "total").s);
	fprintf(f, ", %s packets, %s RX lcore%s\n", wsctl_int(r, "packets").s,
		wsctl_int(r, "rx_lcores").s, lcores == 1 ? "" : "s");
}

/* "2026-01-01 00:00:00 UTC" from microseconds since the epoch. */
static struct wsctl_num
utc_time(const json_t *us)
{
	struct wsctl_num n = {"-"};
	time_t t = (time_t)(json_integer_value(us) / 1000000);
	struct tm tm;

	if (json_integer_value(us) > 0 && gmtime_r(&t, &tm))
		strftime(n.s, sizeof(n.s), "%Y-%m-%d %H:%M:%S UTC", &tm);
	return n;
}

static void
status_details(FILE *f, const json_t *r)
{
	const json_t *drops = json_object_get(r, "drops"), *t = json_object_get(r, "time");
	const json_t *ports = json_object_get(r, "ports"), *p;
	char name[64], link[16], drv[64];
	size_t i;

	fprintf(f, "  %-10s %s\n", "state", wsctl_cell(name, sizeof(name), get_str(r, "state"), 0));
	fprintf(f, "  %-10s %s\n", "uptime", wsctl_duration(json_object_get(t, "uptime_s")).s);
	for (i = 0; i < json_array_size(ports); i++) {
		p = json_array_get(ports, i);
		fprintf(f, "  %-10s %s %s (%s)\n", i ? "" : "ports",
			wsctl_cell(name, sizeof(name), get_str(p, "name"), 0),
			wsctl_cell(link, sizeof(link), get_str(p, "link"), 0),
			wsctl_cell(drv, sizeof(drv), get_str(p, "driver"), 0));
	}
	fprintf(f, "  %-10s %s\n", "rx lcores", wsctl_int(r, "rx_lcores").s);
	fprintf(f, "  %-10s %s\n", "packets", wsctl_int(r, "packets").s);
	fprintf(f, "  %-10s %s\n", "bytes", wsctl_int(r, "bytes").s);
	fprintf(f, "  %-10s %s from %s\n", "traffic",
		wsctl_duration(json_object_get(t, "duration_s")).s,
		utc_time(json_object_get(t, "first_us")).s);
	fprintf(f, "  %-10s %s (NIC missed %s, NIC errors %s, no mbuf %s, spread ring full %s)\n",
		"dropped", wsctl_int(drops, "total").s, wsctl_int(drops, "nic_missed").s,
		wsctl_int(drops, "nic_errors").s, wsctl_int(drops, "mbuf_exhausted").s,
		wsctl_int(drops, "spread_ring_full").s);
	fprintf(f, "  %-10s %s flow records\n", "lost", wsctl_int(drops, "flow_records_lost").s);
}

int
wsctl_show_status(FILE *f, const json_t *r)
{
	if (!json_is_object(r))
		return bad_shape("status", "an object");
	status_verdict(f, r);
	status_details(f, r);
	return WSCTL_OK;
}

/* One line for all IPFIX collectors; details in `wirestatctl export`. */
static void
show_export_totals(FILE *f, const json_t *list)
{
	json_int_t sent = 0, dropped = 0, up = 0;
	size_t i;

	if (!json_is_array(list) || json_array_size(list) == 0)
		return;
	for (i = 0; i < json_array_size(list); i++) {
		sent += get_int(json_array_get(list, i), "records");
		dropped += get_int(json_array_get(list, i), "records_dropped");
		up += json_is_true(json_object_get(json_array_get(list, i), "connected"));
	}
	fprintf(f, "IPFIX export: %lld records sent, %lld dropped, %lld of %zu collectors up\n",
		(long long)sent, (long long)dropped, (long long)up, json_array_size(list));
}

int
wsctl_show_stats(FILE *f, const json_t *r)
{
	const json_t *drops = json_object_get(r, "drops"), *t = json_object_get(r, "time");

	if (!json_is_object(r))
		return bad_shape("stats", "an object");
	ws_stats_print(f, r);
	fprintf(f, "\ntraffic %s from %s, daemon up %s\n",
		wsctl_duration(json_object_get(t, "duration_s")).s,
		utc_time(json_object_get(t, "first_us")).s,
		wsctl_duration(json_object_get(t, "uptime_s")).s);
	fprintf(f,
		"dropped before analysis: %s (NIC missed %s, NIC errors %s, no mbuf %s, "
		"spread ring full %s)\n",
		wsctl_int(drops, "total").s, wsctl_int(drops, "nic_missed").s,
		wsctl_int(drops, "nic_errors").s, wsctl_int(drops, "mbuf_exhausted").s,
		wsctl_int(drops, "spread_ring_full").s);
	show_export_totals(f, json_object_get(json_object_get(r, "export"), "ipfix"));
	return WSCTL_OK;
}

/* A top-list entry's key as text: "10.0.0.1", "tcp/443", "example.org". */
static const char *
entry_key(const json_t *e, char *buf, size_t size)
{
	char tmp[300];

	if (json_object_get(e, "port")) {
		snprintf(tmp, sizeof(tmp), "%s/%s", get_str(e, "proto"), wsctl_int(e, "port").s);
		return wsctl_cell(buf, size, tmp, 0);
	}
	if (json_object_get(e, "a")) {
		snprintf(tmp, sizeof(tmp), "%s <-> %s", get_str(e, "a"), get_str(e, "b"));
		return wsctl_cell(buf, size, tmp, 0);
	}
	return wsctl_cell(buf, size, get_str(e, json_object_get(e, "name") ? "name" : "ip"), 0);
}

/* Display columns of the widest key, at least min, at most KEY_COLS_MAX. */
static unsigned int
key_cols(const json_t *entries, unsigned int min)
{
	unsigned int w, cols = min;
	const json_t *e;
	const char *p;
	char buf[1024];
	size_t i;

	for (i = 0; i < json_array_size(entries); i++) {
		e = json_array_get(entries, i);
		w = 0;
		for (p = entry_key(e, buf, sizeof(buf)); *p; p++)
			w += (*p & 0xc0) != 0x80;
		if (w > cols)
			cols = w;
	}
	return cols < KEY_COLS_MAX ? cols : KEY_COLS_MAX;
}

static const char *
top_title(const char *what, const char **key_name)
{
	static const char *const what_s[] = {"dst", "src", "ports", "hosts", "pairs", "sites"};
	static const char *const title[] = {"destination addresses",
					    "source addresses",
					    "destination ports",
					    "hostnames (DNS, TLS SNI, HTTP Host, QUIC), per packet",
					    "address pairs (both directions)",
					    "sites: named flows and all their traffic"};
	static const char *const key[] = {"address", "address", "port", "hostname", "pair", "site"};
	int i, n = sizeof(what_s) / sizeof(what_s[0]);

	for (i = 0; i < n; i++)
		if (!strcmp(what, what_s[i]))
			break;
	*key_name = i < n ? key[i] : "key";
	return i < n ? title[i] : "top list";
}

int
wsctl_show_top(FILE *f, const json_t *r)
{
	const json_t *entries = json_object_get(r, "entries"), *bound, *e;
	const char *key_name, *title = top_title(get_str(r, "what"), &key_name);
	bool hosts = !strcmp(get_str(r, "what"), "hosts");
	bool sites = !strcmp(get_str(r, "what"), "sites");
	char key[1024], cell[1100], src[16];
	unsigned int cols;
	size_t i;

	if (!json_is_object(r) || !json_is_array(entries))
		return bad_shape("top", "an object with an \"entries\" list");
	bound = json_object_get(r, "error_bound");
	fprintf(f, "top %s", title);
	if (json_is_integer(bound) && json_integer_value(bound) > 0)
		fprintf(f, " (counts may be high by up to %lld)\n",
			(long long)json_integer_value(bound));
	else
		fprintf(f, json_is_integer(bound) ? " (exact)\n" : "\n");
	cols = key_cols(entries, (unsigned int)strlen(key_name));
	fprintf(f, "%5s  %-*s %s%s%14s %16s\n", "#", cols, key_name, hosts ? "via   " : "",
		sites ? "      flows " : "", "packets", "bytes");
	for (i = 0; i < json_array_size(entries); i++) {
		e = json_array_get(entries, i);
		fprintf(f, "%5zu  %s ", i + 1,
			wsctl_cell(cell, sizeof(cell), entry_key(e, key, sizeof(key)), cols));
		if (hosts)
			fprintf(f, "%s ", wsctl_cell(src, sizeof(src), get_str(e, "source"), 5));
		if (sites)
			fprintf(f, "%11s ", wsctl_int(e, "flows").s);
		fprintf(f, "%14s %16s\n", wsctl_int(e, hosts ? "count" : "packets").s,
			wsctl_int(e, "bytes").s);
	}
	if (json_array_size(entries) == 0)
		fprintf(f, "       (none)\n");
	return WSCTL_OK;
}

/* 0.1234 -> "12.3%". */
static struct wsctl_num
ratio(const json_t *v)
{
	struct wsctl_num n = {"-"};

	if (json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1e6)
		snprintf(n.s, sizeof(n.s), "%.1f%%", 100 * json_number_value(v));
	return n;
}

int
wsctl_show_cores(FILE *f, const json_t *r)
{
	const json_t *c;
	size_t i;

	if (!json_is_array(r))
		return bad_shape("cores", "a list");
	fprintf(f, "%5s %5s %14s %12s %12s %10s %6s\n", "lcore", "index", "packets", "spread in",
		"spread out", "ring full", "busy");
	for (i = 0; i < json_array_size(r); i++) {
		c = json_array_get(r, i);
		fprintf(f, "%5s %5s %14s %12s %12s %10s %6s\n", wsctl_int(c, "lcore").s,
			wsctl_int(c, "index").s, wsctl_int(c, "rx").s, wsctl_int(c, "spread_in").s,
			wsctl_int(c, "spread_out").s, wsctl_int(c, "ring_full").s,
			ratio(json_object_get(c, "busy")).s);
	}
	if (json_array_size(r) == 0)
		fprintf(f, "  (no RX lcores)\n");
	return WSCTL_OK;
}

static const char *
yes_no(const json_t *v)
{
	return json_is_boolean(v) ? (json_is_true(v) ? "yes" : "no") : "-";
}

/* Extended statistics that are not zero: a NIC has hundreds. */
static void
port_xstats(FILE *f, const json_t *p)
{
	const json_t *xs = json_object_get(p, "xstats"), *v;
	char name[64], key[64];
	const char *k;
	int shown = 0;
	void *it;

	for (it = json_object_iter((json_t *)xs); it;
	     it = json_object_iter_next((json_t *)xs, it)) {
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (json_is_integer(v) && json_integer_value(v) == 0)
			continue;
		if (!shown++)
			fprintf(f, "\nxstats of %s (not zero)\n",
				wsctl_cell(name, sizeof(name), get_str(p, "name"), 0));
		fprintf(f, "  %s %16s\n", wsctl_cell(key, sizeof(key), k, 40),
			json_is_integer(v) ? wsctl_int(xs, k).s : "-");
	}
}

static void
port_link_row(FILE *f, const json_t *p)
{
	json_int_t mbps = get_int(p, "speed_mbps");
	char name[64], drv[64], link[16];

	fprintf(f, "%s %4s %s %s %12s %6s %-4s %s\n",
		wsctl_cell(name, sizeof(name), get_str(p, "name"), 16), wsctl_int(p, "port_id").s,
		wsctl_cell(drv, sizeof(drv), get_str(p, "driver"), 12),
		wsctl_cell(link, sizeof(link), get_str(p, "link"), 5),
		mbps > 0 ? wsctl_si(mbps * 1e6, "bit/s").s : "-", wsctl_int(p, "rx_queues").s,
		yes_no(json_object_get(p, "rss")), yes_no(json_object_get(p, "scatter")));
}

static void
port_counters_row(FILE *f, const json_t *p)
{
	char name[64];

	fprintf(f, "%s %14s %16s %10s %10s %10s\n",
		wsctl_cell(name, sizeof(name), get_str(p, "name"), 16), wsctl_int(p, "ipackets").s,
		wsctl_int(p, "ibytes").s, wsctl_int(p, "imissed").s, wsctl_int(p, "ierrors").s,
		wsctl_int(p, "rx_nombuf").s);
}

int
wsctl_show_ports(FILE *f, const json_t *r)
{
	size_t i;

	if (!json_is_array(r))
		return bad_shape("ports", "a list");
	fprintf(f, "%-16s %4s %-12s %-5s %12s %6s %-4s %s\n", "port", "id", "driver", "link",
		"speed", "queues", "rss", "scatter");
	for (i = 0; i < json_array_size(r); i++)
		port_link_row(f, json_array_get(r, i));
	fprintf(f, "\n%-16s %14s %16s %10s %10s %10s\n", "port", "packets", "bytes", "missed",
		"errors", "no mbuf");
	for (i = 0; i < json_array_size(r); i++)
		port_counters_row(f, json_array_get(r, i));
	for (i = 0; i < json_array_size(r); i++)
		port_xstats(f, json_array_get(r, i));
	return WSCTL_OK;
}

int
wsctl_show_reset(FILE *f, const json_t *r)
{
	if (!json_is_object(r))
		return bad_shape("reset", "an object");
	fprintf(f,
		"statistics reset (generation %s): the counts restart within %s ms; "
		"NIC counters are kept\n",
		wsctl_int(r, "generation").s, wsctl_int(r, "within_ms").s);
	return WSCTL_OK;
}

int
wsctl_show_help(FILE *f, const json_t *r)
{
	char name[32], help[256];
	const json_t *c;
	size_t i;

	if (!json_is_array(r))
		return bad_shape("help", "a list");
	fprintf(f, "commands of the daemon:\n");
	for (i = 0; i < json_array_size(r); i++) {
		c = json_array_get(r, i);
		fprintf(f, "  %s %s\n", wsctl_cell(name, sizeof(name), get_str(c, "name"), 8),
			wsctl_cell(help, sizeof(help), get_str(c, "help"), 0));
	}
	fprintf(f, "\n'wirestatctl --help' shows how to call them, options and exit codes.\n");
	return WSCTL_OK;
}

int
wsctl_show_filter(FILE *f, const json_t *r)
{
	const char *expr;

	if (!json_is_object(r))
		return bad_shape("filter", "an object");
	expr = json_string_value(json_object_get(r, "expression"));
	if (json_object_get(r, "in_force_since_s")) {
		fprintf(f,
			"filter %s (generation %s, %s): holds for every packet read after "
			"%.3f s of uptime\n",
			expr && expr[0] ? expr : "cleared", wsctl_int(r, "generation").s,
			json_is_true(json_object_get(r, "jit")) ? "JIT" : "interpreted",
			json_number_value(json_object_get(r, "in_force_since_s")));
		return WSCTL_OK;
	}
	fprintf(f, "filter     %s\n", expr && expr[0] ? expr : "(none: every packet passes)");
	fprintf(f, "generation %s  %s\n", wsctl_int(r, "generation").s,
		json_is_true(json_object_get(r, "jit")) ? "JIT" : "interpreted");
	fprintf(f, "passed     %s packets\n", wsctl_int(r, "passed").s);
	fprintf(f, "rejected   %s packets, %s bytes\n", wsctl_int(r, "rejected").s,
		wsctl_int(r, "rejected_bytes").s);
	return WSCTL_OK;
}

int
wsctl_show_unique(FILE *f, const json_t *r)
{
	if (!json_is_object(r))
		return bad_shape("unique", "an object");
	fprintf(f, "distinct (HyperLogLog, standard error %.2f%%)\n",
		100 * json_number_value(json_object_get(r, "std_error")));
	fprintf(f, "  source addresses       %14s\n", wsctl_int(r, "src_ips").s);
	fprintf(f, "  destination addresses  %14s\n", wsctl_int(r, "dst_ips").s);
	fprintf(f, "  TCP/UDP conversations  %14s\n", wsctl_int(r, "flows").s);
	return WSCTL_OK;
}

/* Per-second traffic: a sparkline, then the last seconds as a table. */
int
wsctl_show_rates(FILE *f, const json_t *r)
{
	static const char *const bars[] = {"\u2581", "\u2582", "\u2583", "\u2584",
					   "\u2585", "\u2586", "\u2587", "\u2588"};
	const json_t *series = json_object_get(r, "series"), *e;
	long long peak = 0, p;
	size_t i, n = json_array_size(series);

	if (!json_is_object(r) || !json_is_array(series))
		return bad_shape("rates", "an object with a \"series\" list");
	json_array_foreach(series, i, e)
	{
		p = (long long)json_integer_value(json_array_get(e, 1));
		peak = p > peak ? p : peak;
	}
	fprintf(f, "packets per second, last %zu s (peak %lld):\n  ", n, peak);
	for (i = n > 72 ? n - 72 : 0; i < n; i++) {
		p = (long long)json_integer_value(json_array_get(json_array_get(series, i), 1));
		fputs(bars[peak ? p * 7 / peak : 0], f);
	}
	fprintf(f, "\n%12s %12s %14s %10s\n", "second", "packets", "bits/s", "new flows");
	for (i = n > 10 ? n - 10 : 0; i < n; i++) {
		e = json_array_get(series, i);
		fprintf(f, "%12lld %12lld %14lld %10lld\n",
			(long long)json_integer_value(json_array_get(e, 0)),
			(long long)json_integer_value(json_array_get(e, 1)),
			(long long)json_integer_value(json_array_get(e, 2)) * 8,
			(long long)json_integer_value(json_array_get(e, 3)));
	}
	return WSCTL_OK;
}

int
wsctl_show_flows(FILE *f, const json_t *r)
{
	const json_t *top = json_object_get(r, "top"), *e, *ended = json_object_get(r, "ended");
	char ab[96], ba[96];
	size_t i;

	if (!json_is_object(r) || !json_is_array(top))
		return bad_shape("flows", "an object with a \"top\" list");
	fprintf(f,
		"flows: %s active, %s in all, %s evicted; ended: %s idle, %s active timeout, "
		"%s closed\n",
		wsctl_int(r, "active").s, wsctl_int(r, "total").s, wsctl_int(r, "evicted").s,
		wsctl_int(ended, "idle").s, wsctl_int(ended, "active").s,
		wsctl_int(ended, "closed").s);
	fprintf(f, "%-5s %-42s %-42s %10s %12s %8s %-8s %s\n", "proto", "a", "b", "packets",
		"bytes", "rtt_ms", "end", "host");
	json_array_foreach(top, i, e)
	{
		static const char *const ends[] = {"live",   "idle",	 "active",
						   "closed", "shutdown", "evicted"};
		json_int_t end = json_integer_value(json_object_get(e, "end_reason"));

		snprintf(ab, sizeof(ab), "%s:%s", get_str(e, "a"), wsctl_int(e, "a_port").s);
		snprintf(ba, sizeof(ba), "%s:%s", get_str(e, "b"), wsctl_int(e, "b_port").s);
		fprintf(f, "%-5s %-42s %-42s %10lld %12lld %8.1f %-8s %s\n",
			json_integer_value(json_object_get(e, "proto")) == 6	? "tcp"
			: json_integer_value(json_object_get(e, "proto")) == 17 ? "udp"
										: "ip",
			ab, ba,
			(long long)(json_integer_value(json_object_get(e, "packets_ab")) +
				    json_integer_value(json_object_get(e, "packets_ba"))),
			(long long)(json_integer_value(json_object_get(e, "bytes_ab")) +
				    json_integer_value(json_object_get(e, "bytes_ba"))),
			json_integer_value(json_object_get(e, "rtt_us")) / 1000.0,
			end >= 0 && end <= 5 ? ends[end] : "?", get_str(e, "host"));
	}
	return WSCTL_OK;
}

/* One row per IPFIX collector: is it up, what went, what was lost and why. */
int
wsctl_show_export(FILE *f, const json_t *r)
{
	const json_t *list = json_object_get(r, "ipfix"), *c;
	char where[160], cell[512];
	size_t i;

	if (!json_is_array(list))
		return bad_shape("export", "an object with an \"ipfix\" list");
	fprintf(f, "%-32s %4s %12s %12s %10s %8s %8s %8s\n", "IPFIX collector", "up", "records",
		"dropped", "queued", "errors", "connects", "failed");
	for (i = 0; i < json_array_size(list); i++) {
		c = json_array_get(list, i);
		snprintf(where, sizeof(where), "%s/%s", get_str(c, "collector"),
			 get_str(c, "transport"));
		fprintf(f, "%s %4s %12s %12s %10s %8s %8s %8s\n",
			wsctl_cell(cell, sizeof(cell), where, 32),
			yes_no(json_object_get(c, "connected")), wsctl_int(c, "records").s,
			wsctl_int(c, "records_dropped").s, wsctl_int(c, "queued_bytes").s,
			wsctl_int(c, "send_errors").s, wsctl_int(c, "connects").s,
			wsctl_int(c, "connect_failures").s);
	}
	if (json_array_size(list) == 0)
		fprintf(f, "  (no collectors: see export.ipfix in the configuration)\n");
	return WSCTL_OK;
}
