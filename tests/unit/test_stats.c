/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet accounting: counters, top lists, merge, copy and the JSON report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ws_stats.h>

static const struct ws_stats_sizes sizes = {.top_capacity = 64, .host_capacity = 16};

/* Ethernet + IPv4 (10.0.0.src -> 10.0.0.dst) + UDP or TCP, padded to len. */
static uint32_t
frame(uint8_t *b, uint8_t src, uint8_t dst, uint8_t proto, uint16_t dport, uint32_t len)
{
	static const uint8_t eth[14] = {[12] = 0x08, [13] = 0x00};
	uint32_t ip_len = len - 14;

	memset(b, 0, len);
	memcpy(b, eth, sizeof(eth));
	b[14] = 0x45;
	b[16] = ip_len >> 8;
	b[17] = ip_len & 0xff;
	b[22] = 64;
	b[23] = proto;
	memcpy(b + 26, (uint8_t[]){10, 0, 0, src, 10, 0, 0, dst}, 8);
	b[34] = 0x9c;
	b[36] = dport >> 8;
	b[37] = dport & 0xff;
	if (proto == 17) {
		b[38] = (ip_len - 20) >> 8;
		b[39] = (ip_len - 20) & 0xff;
	} else {
		b[46] = 5 << 4;
		b[47] = 0x12; /* SYN ACK */
	}
	return len;
}

static void
account(struct ws_stats *s, const uint8_t *b, uint32_t len)
{
	struct ws_pkt p;

	ws_parse_pkt(b, len, &p);
	ws_stats_account(s, b, len, len, &p);
}

static json_t *
top_list(const struct ws_stats *s, const char *name)
{
	json_t *r = ws_stats_json(s, 10);
	json_t *l = json_incref(json_object_get(r, name));

	json_decref(r);
	return l;
}

static void
test_counters(void **state)
{
	struct ws_stats *s = ws_stats_create(&sizes);
	uint8_t b[1600];

	(void)state;
	assert_non_null(s);
	account(s, b, frame(b, 1, 2, 17, 53, 60));
	account(s, b, frame(b, 1, 2, 6, 443, 1514));
	account(s, b, frame(b, 3, 2, 6, 443, 100));
	account(s, b, 10); /* runt */
	assert_int_equal(s->c.packets, 4);
	assert_int_equal(s->c.bytes, 60 + 1514 + 100 + 10);
	assert_int_equal(s->c.ipv4, 3);
	assert_int_equal(s->c.non_ip, 1);
	assert_int_equal(s->c.udp, 1);
	assert_int_equal(s->c.tcp, 2);
	assert_int_equal(s->c.malformed, 1);
	assert_int_equal(s->c.reasons[WS_PARSE_TRUNC_L2], 1);
	assert_int_equal(s->c.sizes[WS_SIZE_64], 1); /* 60 + FCS */
	assert_int_equal(s->c.sizes[WS_SIZE_1024_1518], 1);
	assert_int_equal(s->c.sizes[WS_SIZE_65_127], 1);
	assert_int_equal(s->c.sizes[WS_SIZE_UNDER_64], 1);
	assert_int_equal(s->c.tcp_flags[1], 2); /* SYN */
	assert_int_equal(s->c.tcp_flags[4], 2); /* ACK */
	assert_int_equal(s->c.tcp_flags[0], 0);
	ws_stats_reset(s);
	assert_int_equal(s->c.packets, 0);
	assert_int_equal(ws_topk_size(s->top[WS_TOP_DST]), 0);
	ws_stats_destroy(s);
}

static void
test_top_lists(void **state)
{
	struct ws_stats *s = ws_stats_create(&sizes);
	json_t *l;
	uint8_t b[200];
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		account(s, b, frame(b, 1, 9, 6, 443, 100));
	account(s, b, frame(b, 1, 10, 17, 53, 80));
	account(s, b, frame(b, 1, 8, 17, 53, 80));

	l = top_list(s, "top_dst_ips");
	assert_int_equal(json_array_size(l), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "ip")),
			    "10.0.0.9");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0), "bytes")), 300);
	/* A tie in packets and bytes: the text decides, "10.0.0.10" < "10.0.0.8". */
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 1), "ip")),
			    "10.0.0.10");
	json_decref(l);

	l = top_list(s, "top_dst_ports");
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "proto")),
			    "tcp");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0), "port")), 443);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 1), "packets")), 2);
	json_decref(l);
	ws_stats_destroy(s);
}

static void
test_hosts(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: Www.Example.com:8080\r\n\r\n";
	struct ws_stats *s = ws_stats_create(&sizes);
	uint8_t b[200];
	uint32_t len;
	json_t *l;

	(void)state;
	len = frame(b, 1, 2, 6, 80, 54 + sizeof(req) - 1);
	memcpy(b + 54, req, sizeof(req) - 1);
	account(s, b, len);
	account(s, b, len);
	memcpy(b + 54, "GET / HTTP/1.1\r\nHo", 18); /* headers go on in the next segment */
	account(s, b, 54 + 18);
	assert_int_equal(s->c.hosts[WS_HOST_HTTP], 2);
	l = top_list(s, "hosts");
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "name")),
			    "www.example.com");
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "source")),
			    "http");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0), "count")), 2);
	json_decref(l);
	ws_stats_destroy(s);
}

/* Per-core statistics merged equal one core that saw everything. */
static void
test_merge_copy(void **state)
{
	struct ws_stats *a = ws_stats_create(&sizes), *b = ws_stats_create(&sizes);
	struct ws_stats *all = ws_stats_create(&sizes), *snap = ws_stats_create(&sizes);
	json_t *ja, *jall;
	uint8_t f[200];
	int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		uint32_t len = frame(f, i % 7, i % 5, i % 2 ? 6 : 17, 1000 + i % 3, 64 + i);

		account(i % 3 ? a : b, f, len);
		account(all, f, len);
	}
	assert_int_equal(ws_stats_copy(snap, a), 0);
	assert_int_equal(ws_stats_merge(snap, b), 0);
	ja = ws_stats_json(snap, 100);
	jall = ws_stats_json(all, 100);
	assert_true(json_equal(ja, jall));
	json_decref(ja);
	json_decref(jall);
	ws_stats_destroy(a);
	ws_stats_destroy(b);
	ws_stats_destroy(all);
	ws_stats_destroy(snap);
}

static void
test_report_names(void **state)
{
	static const char *const keys[] = {
		"packets",   "bytes",	  "protocols",	     "malformed_reasons", "frame_sizes",
		"tcp_flags", "vlan",	  "top_dst_ips",     "top_src_ips",	  "top_dst_ports",
		"hosts",     "hostnames", "top_error_bound",
	};
	static const char *const protos[] = {"ipv4", "ipv6", "arp",    "non_ip",   "tcp",
					     "udp",  "icmp", "icmpv6", "other_l4", "malformed"};
	struct ws_stats *s = ws_stats_create(&sizes);
	json_t *r = ws_stats_json(s, 10);
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(json_object_get(r, keys[i]));
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		assert_non_null(json_object_get(json_object_get(r, "protocols"), protos[i]));
	json_decref(r);
	ws_stats_destroy(s);
}

/*
 * The RX lcores' way, addresses and ports counted per flow report, gives the
 * per-packet way's top lists and distinct counts.
 */
static void
test_tops_from_flows(void **state)
{
	static const enum ws_stats_top tops[] = {WS_TOP_SRC, WS_TOP_DST, WS_TOP_DPORT, WS_TOP_PAIR};
	struct ws_stats *pp = ws_stats_create(&sizes), *fl = ws_stats_create(&sizes);
	struct ws_flow_conf fc = {.capacity = 16, .report = ws_stats_flow_report, .report_arg = fl};
	struct ws_flow_table *t = ws_flow_table_create(&fc);
	struct ws_flow rec[WS_FLOW_BURST_MAX];
	struct ws_flow_pkt fp;
	uint64_t x = 12345;
	uint8_t b[60 + 1024]; /* frame() makes up to 60 + 1023 bytes */
	struct ws_pkt p;
	unsigned int n, i;

	(void)state;
	assert_non_null(pp);
	assert_non_null(fl);
	assert_non_null(t);
	fl->tops_from_flows = true;
	for (i = 0; i < 3000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t len = frame(b, 1 + (x >> 61), 1 + ((x >> 56) & 7), (x >> 40) & 1 ? 6 : 17,
				     (x >> 33) & 1 ? 443 : 53, 60 + ((x >> 20) & 0x3ff));
		ws_parse_pkt(b, len, &p);
		ws_stats_account(pp, b, len, len, &p);
		ws_stats_account(fl, b, len, len, &p);
		ws_flow_pkt_init(&fp, 4, p.outer.proto, 0, b + 26, b + 30, p.outer.sport,
				 p.outer.dport);
		fp.len = len;
		fp.ts_ns = i;
		fl->c.flow_packets++;
		ws_flow_update_burst(t, &fp, 1, rec, &n); /* 16 flows at most: evictions */
	}
	assert_true(ws_stats_flow_pending(fl) > 0);
	while (ws_flow_flush(t, rec, WS_FLOW_BURST_MAX) != 0)
		;
	assert_int_equal(ws_stats_flow_pending(fl), 0);
	for (i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		json_t *a = ws_stats_top_json(pp, tops[i], 100),
		       *c = ws_stats_top_json(fl, tops[i], 100);

		assert_true(json_array_size(a) > 1);
		assert_true(json_equal(a, c));
		json_decref(a);
		json_decref(c);
	}
	for (i = 0; i < WS_UNIQ_MAX; i++)
		assert_int_equal(ws_hll_estimate(pp->uniq[i]), ws_hll_estimate(fl->uniq[i]));
	assert_true(ws_hll_estimate(fl->uniq[WS_UNIQ_FLOWS]) > 10);
	ws_flow_table_destroy(t);
	ws_stats_destroy(pp);
	ws_stats_destroy(fl);
}

/* One UDP packet of len bytes from 10.0.0.src:1000 to 10.0.0.dst:53 into the table. */
static void
flow_packet(struct ws_flow_table *t, uint8_t src, uint8_t dst, uint32_t len, uint64_t ts,
	    const char *host)
{
	uint8_t a[4] = {10, 0, 0, src}, b[4] = {10, 0, 0, dst};
	struct ws_flow rec[2];
	struct ws_flow_pkt fp;
	unsigned int n;

	ws_flow_pkt_init(&fp, 4, 17, 0, a, b, 1000, 53);
	fp.len = len;
	fp.ts_ns = ts;
	if (host) {
		fp.host = host;
		fp.host_len = strlen(host);
		fp.host_source = WS_HOST_DNS;
	}
	ws_flow_update_burst(t, &fp, 1, rec, &n);
}

/*
 * Sites: a flow counts once for its name, with all its packets, those reported
 * before the name was known included; packets of unnamed flows count nowhere.
 */
static void
test_sites(void **state)
{
	struct ws_stats *s = ws_stats_create(&sizes);
	struct ws_flow_conf fc = {.capacity = 16, .active_ns = 100, .report = ws_stats_flow_report};
	struct ws_flow_table *t;
	struct ws_flow rec[16];
	json_t *l, *e;

	(void)state;
	fc.report_arg = s;
	t = ws_flow_table_create(&fc);
	assert_non_null(s);
	assert_non_null(t);
	/* flow 1: three packets, reported, then named by its fourth, then two more */
	for (int i = 0; i < 3; i++)
		flow_packet(t, 1, 2, 100, 10 + i, NULL);
	ws_flow_expire(t, 20, ws_flow_table_slots(t), rec, 16);
	flow_packet(t, 1, 2, 200, 30, "a.example");
	flow_packet(t, 1, 2, 100, 31, "b.example"); /* a later name changes nothing */
	ws_flow_expire(t, 40, ws_flow_table_slots(t), rec, 16);
	/* an active timeout (100 ns): the flow goes on and is not counted again */
	assert_int_equal(ws_flow_expire(t, 200, ws_flow_table_slots(t), rec, 16), 1);
	flow_packet(t, 1, 2, 100, 201, NULL);
	/* flow 2: named at once; flow 3: never named */
	flow_packet(t, 3, 2, 50, 202, "a.example");
	flow_packet(t, 4, 2, 70, 203, NULL);
	while (ws_flow_flush(t, rec, 16) != 0)
		;
	l = ws_stats_sites_json(s, 10);
	assert_int_equal(json_array_size(l), 1);
	e = json_array_get(l, 0);
	assert_string_equal(json_string_value(json_object_get(e, "name")), "a.example");
	assert_int_equal(json_integer_value(json_object_get(e, "flows")), 2);
	assert_int_equal(json_integer_value(json_object_get(e, "packets")), 7);
	assert_int_equal(json_integer_value(json_object_get(e, "bytes")), 750);
	json_decref(l);
	ws_flow_table_destroy(t);
	ws_stats_destroy(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters),     cmocka_unit_test(test_tops_from_flows),
		cmocka_unit_test(test_sites),	     cmocka_unit_test(test_top_lists),
		cmocka_unit_test(test_hosts),	     cmocka_unit_test(test_merge_copy),
		cmocka_unit_test(test_report_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
