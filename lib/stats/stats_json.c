/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON report of a struct ws_stats (docs/report.md). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_stats.h"
#include "stats_keys.h"

/* One top-list row with its key in text, for the tshark-compatible order. */
struct row {
	struct ws_topk_entry e;
	char text[WS_KEY_HOST_LEN * 4];
};

static const char *const size_names[WS_SIZE_BUCKETS] = {
	[WS_SIZE_UNDER_64] = "under_64",   [WS_SIZE_64] = "64",
	[WS_SIZE_65_127] = "65_127",	   [WS_SIZE_128_255] = "128_255",
	[WS_SIZE_256_511] = "256_511",	   [WS_SIZE_512_1023] = "512_1023",
	[WS_SIZE_1024_1518] = "1024_1518", [WS_SIZE_OVER_1518] = "over_1518",
};

static const char *const flag_names[8] = {"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"};
static const char *const source_names[WS_HOST_SOURCE_MAX] = {
	[WS_HOST_NONE] = "none", [WS_HOST_DNS] = "dns",	  [WS_HOST_TLS] = "tls",
	[WS_HOST_HTTP] = "http", [WS_HOST_QUIC] = "quic", [WS_HOST_DNS_ANSWER] = "dns-answer",
};

const char *
ws_size_bucket_str(int bucket)
{
	return bucket >= 0 && bucket < WS_SIZE_BUCKETS ? size_names[bucket] : "unknown";
}

/* "a|b", a < b as strings, as the truth files write pairs. */
static void
pair_text(const struct ws_topk_entry *e, char *buf, size_t size)
{
	int af = e->key[0] == 4 ? AF_INET : AF_INET6, alen = e->key[0] == 4 ? 4 : 16;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(af, e->key + 1, a, sizeof(a));
	inet_ntop(af, e->key + 1 + alen, b, sizeof(b));
	if (strcmp(a, b) <= 0)
		snprintf(buf, size, "%s|%s", a, b);
	else
		snprintf(buf, size, "%s|%s", b, a);
}

static void
key_text(int which, const struct ws_topk_entry *e, char *buf, size_t size)
{
	switch (which) {
	case WS_TOP_DST:
	case WS_TOP_SRC:
		inet_ntop(e->key[0] == 4 ? AF_INET : AF_INET6, e->key + 1, buf, size);
		break;
	case WS_TOP_DPORT:
		snprintf(buf, size, "%u", (unsigned int)e->key[1] << 8 | e->key[2]);
		break;
	case WS_TOP_PAIR:
		pair_text(e, buf, size);
		break;
	case WS_TOP_SITE:
	case WS_TOP_SITE_FLOWS:
		snprintf(buf, size, "%.*s", e->key_len, (const char *)e->key);
		break;
	default:
		snprintf(buf, size, "%.*s", e->key_len - 1, (const char *)e->key + 1);
		break;
	}
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->e.packets != y->e.packets)
		return x->e.packets > y->e.packets ? -1 : 1;
	if (x->e.bytes != y->e.bytes)
		return x->e.bytes > y->e.bytes ? -1 : 1;
	return strcmp(x->text, y->text);
}

static json_t *
row_json(int which, const struct row *r)
{
	const struct ws_topk_entry *e = &r->e;

	switch (which) {
	case WS_TOP_DST:
	case WS_TOP_SRC:
		return json_pack("{s:s, s:I, s:I}", "ip", r->text, "packets",
				 (json_int_t)e->packets, "bytes", (json_int_t)e->bytes);
	case WS_TOP_PAIR: {
		char *bar = strchr(r->text, '|');

		return json_pack("{s:s%, s:s, s:I, s:I}", "a", r->text, (size_t)(bar - r->text),
				 "b", bar + 1, "packets", (json_int_t)e->packets, "bytes",
				 (json_int_t)e->bytes);
	}
	case WS_TOP_DPORT:
		return json_pack("{s:s, s:i, s:I, s:I}", "proto", e->key[0] == 6 ? "tcp" : "udp",
				 "port", e->key[1] << 8 | e->key[2], "packets",
				 (json_int_t)e->packets, "bytes", (json_int_t)e->bytes);
	case WS_TOP_SITE:
	case WS_TOP_SITE_FLOWS:
		return json_pack("{s:s, s:I, s:I}", "name", r->text, "packets",
				 (json_int_t)e->packets, "bytes", (json_int_t)e->bytes);
	default:
		return json_pack("{s:s%, s:s, s:I, s:I}", "name", (const char *)e->key + 1,
				 (size_t)e->key_len - 1, "source",
				 source_names[e->key[0] < WS_HOST_SOURCE_MAX ? e->key[0] : 0],
				 "count", (json_int_t)e->packets, "bytes", (json_int_t)e->bytes);
	}
}

/*
 * The n first entries as the truth files order them (packets, bytes, then
 * the text). Summaries order by key bytes on ties, so only the entries up to
 * the end of the tie group at the cut-off need their text and a re-sort.
 */
json_t *
ws_stats_top_json(const struct ws_stats *s, enum ws_stats_top which, unsigned int n)
{
	uint32_t size = ws_topk_size(s->top[which]), end, i;
	struct ws_topk_entry *e = calloc(size ? size : 1, sizeof(*e));
	struct row *rows = NULL;
	json_t *list = json_array();

	if (!e || !list)
		goto out;
	size = ws_topk_top(s->top[which], e, size);
	end = n < size ? n : size;
	while (end > 0 && end < size && e[end].packets == e[end - 1].packets &&
	       e[end].bytes == e[end - 1].bytes)
		end++;
	rows = calloc(end ? end : 1, sizeof(*rows));
	if (!rows)
		goto out;
	for (i = 0; i < end; i++) {
		rows[i].e = e[i];
		key_text(which, &e[i], rows[i].text, sizeof(rows[i].text));
	}
	qsort(rows, end, sizeof(rows[0]), row_cmp);
	for (i = 0; i < end && i < n; i++)
		json_array_append_new(list, row_json(which, &rows[i]));
out:
	free(e);
	free(rows);
	return list;
}

static json_t *
counters_json(const struct ws_stats_counters *c)
{
	json_t *reasons = json_object(), *sizes = json_object(), *flags = json_object();
	json_t *depth = json_object();
	char key[8];
	int i;

	for (i = 1; i < WS_PARSE_RC_MAX; i++)
		json_object_set_new(reasons, ws_parse_rc_str(i), json_integer(c->reasons[i]));
	for (i = 0; i < WS_SIZE_BUCKETS; i++)
		json_object_set_new(sizes, size_names[i], json_integer(c->sizes[i]));
	for (i = 0; i < 8; i++)
		json_object_set_new(flags, flag_names[i], json_integer(c->tcp_flags[i]));
	for (i = 1; i <= WS_MAX_VLANS; i++) {
		snprintf(key, sizeof(key), "%d", i);
		json_object_set_new(depth, key, json_integer(c->vlan_depth[i]));
	}
	return json_pack(
		"{s:I, s:I, s:I,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:o, s:o, s:o, s:{s:I, s:o}, s:{s:I, s:I, s:I}, s:{s:I, s:I},"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
		"packets", c->packets, "bytes", c->bytes, "top_pending",
		c->flow_packets > c->flow_reported ? c->flow_packets - c->flow_reported : 0,
		"protocols", "ipv4", c->ipv4, "ipv6", c->ipv6, "arp", c->arp, "non_ip", c->non_ip,
		"tcp", c->tcp, "udp", c->udp, "icmp", c->icmp, "icmpv6", c->icmpv6, "other_l4",
		c->other_l4, "malformed", c->malformed, "malformed_reasons", reasons, "frame_sizes",
		sizes, "tcp_flags", flags, "vlan", "untagged", c->vlan_depth[0], "depth", depth,
		"encapsulation", "mpls", c->mpls, "pppoe", c->pppoe, "tunneled", c->tunneled,
		"fragments", "all", c->fragments, "later", c->later_fragments, "hostnames", "dns",
		c->hosts[WS_HOST_DNS], "tls", c->hosts[WS_HOST_TLS], "http", c->hosts[WS_HOST_HTTP],
		"quic", c->hosts[WS_HOST_QUIC], "partial", c->host_partial, "malformed",
		c->host_malformed);
}

static const char *const top_names[WS_TOP_MAX] = {
	[WS_TOP_DST] = "top_dst_ips",	  [WS_TOP_SRC] = "top_src_ips",
	[WS_TOP_DPORT] = "top_dst_ports", [WS_TOP_PAIR] = "top_pairs",
	[WS_TOP_HOST] = "hosts",	  [WS_TOP_SITE] = "sites",
};

static json_t *
names_json(const struct ws_names_counters *n)
{
	return json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I}}", "quic",
			 "initials", n->quic_initials, "opened", n->quic_opened, "partial",
			 n->quic_partial, "tls_reassembly", "started", n->hello_started,
			 "reassembled", n->hello_reassembled, "pool_full", n->hello_pool_full,
			 "gave_up", n->hello_gave_up, "dns_answers", "learned", n->dns_answers,
			 "replaced", n->dns_replaced, "named_flows", n->dns_named_flows);
}

json_t *
ws_stats_sites_json(const struct ws_stats *s, unsigned int n)
{
	json_t *list = ws_stats_top_json(s, WS_TOP_SITE, n), *row;
	struct ws_topk_entry e;
	const char *name;
	size_t i;

	json_array_foreach(list, i, row)
	{
		name = json_string_value(json_object_get(row, "name"));
		/* a name can be pushed out of the flow counts only when more names than fit */
		if (ws_topk_get(s->top[WS_TOP_SITE_FLOWS], name, strlen(name), &e) < 0)
			e.packets = 0;
		json_object_set_new(row, "flows", json_integer((json_int_t)e.packets));
	}
	return list;
}

json_t *
ws_stats_unique_json(const struct ws_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:f}", "src_ips",
			 (json_int_t)ws_hll_estimate(s->uniq[WS_UNIQ_SRC]), "dst_ips",
			 (json_int_t)ws_hll_estimate(s->uniq[WS_UNIQ_DST]), "flows",
			 (json_int_t)ws_hll_estimate(s->uniq[WS_UNIQ_FLOWS]), "std_error",
			 ws_hll_std_error(WS_STATS_HLL_P));
}

json_t *
ws_stats_json(const struct ws_stats *s, unsigned int top_n)
{
	json_t *o = counters_json(&s->c), *bounds;
	int i;

	if (!o)
		return NULL;
	bounds = json_object();
	for (i = 0; i < WS_TOP_SITE_FLOWS; i++) {
		json_object_set_new(o, top_names[i],
				    i == WS_TOP_SITE ? ws_stats_sites_json(s, top_n)
						     : ws_stats_top_json(s, i, top_n));
		/* 0: the list is exact; else no count is off by more (docs/topk.md). */
		json_object_set_new(bounds, top_names[i],
				    json_integer(ws_topk_error_bound(s->top[i])));
	}
	json_object_set_new(o, "top_error_bound", bounds);
	json_object_set_new(o, "names", names_json(&s->c.names));
	json_object_set_new(o, "unique", ws_stats_unique_json(s));
	return o;
}

static int
slot_cmp(const void *a, const void *b)
{
	const struct ws_series_slot *x = a, *y = b;

	return (x->sec > y->sec) - (x->sec < y->sec);
}

json_t *
ws_stats_rates_json(const struct ws_stats *s, unsigned int last)
{
	const struct ws_series *se = &s->series;
	struct ws_series_slot *v = calloc(se->n, sizeof(*v));
	json_t *list = json_array();
	uint32_t i, n = 0, from;

	if (!v || !list) {
		free(v);
		json_decref(list);
		return NULL;
	}
	for (i = 0; i < se->n; i++)
		if (se->slot[i].sec)
			v[n++] = se->slot[i];
	qsort(v, n, sizeof(*v), slot_cmp);
	/* Only the window that ends at the latest second. */
	from = 0;
	while (from < n && v[from].sec + se->n <= v[n - 1].sec)
		from++;
	if (last && n - from > last)
		from = n - last;
	for (i = from; i < n; i++)
		json_array_append_new(list,
				      json_pack("[I, I, I, I]", (json_int_t)v[i].sec,
						(json_int_t)v[i].packets, (json_int_t)v[i].bytes,
						(json_int_t)v[i].flows));
	free(v);
	return json_pack("{s:i, s:i, s:o}", "interval_s", 1, "seconds", se->n, "series", list);
}
