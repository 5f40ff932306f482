/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPFIX encoder and exporter tests. Messages are read back by a small walker
 * written from RFC 7011 (header, sets, template records, then data records
 * decoded with the template just read), so the template must describe the
 * records that follow it. nfdump is the independent reader: see
 * tests/integration/test_ipfix.py.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <ws_ipfix.h>

static uint32_t
get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

/* One template as read from the wire. */
struct tmpl {
	uint16_t id;
	unsigned int n;
	uint32_t pen[32];
	uint16_t ie[32];
	uint16_t len[32];
};

/* One data record decoded with its template: where each element's value lies. */
struct rec {
	uint16_t set_id;
	unsigned int n;
	uint32_t pen[32];
	uint16_t ie[32];
	const uint8_t *val[32];
	uint16_t len[32];
};

struct walk {
	uint32_t seq, domain, export_s;
	unsigned int n_tmpl, n_rec, n_sets;
	uint16_t set_ids[64];
	struct tmpl tmpl[4];
	struct rec rec[64];
};

static unsigned int
read_template(struct walk *w, const uint8_t *p, const uint8_t *end)
{
	struct tmpl *t = &w->tmpl[w->n_tmpl++];
	const uint8_t *q = p + 4;
	unsigned int i;

	t->id = (uint16_t)get16(p);
	t->n = get16(p + 2);
	assert_true(t->n <= 32);
	for (i = 0; i < t->n; i++) {
		assert_true(q + 4 <= end);
		t->ie[i] = get16(q) & 0x7fff;
		t->len[i] = (uint16_t)get16(q + 2);
		t->pen[i] = get16(q) & 0x8000 ? get32(q + 4) : 0;
		q += get16(q) & 0x8000 ? 8 : 4;
	}
	return (unsigned int)(q - p);
}

static const struct tmpl *
find_template(const struct walk *w, uint16_t id)
{
	unsigned int i;

	for (i = 0; i < w->n_tmpl; i++)
		if (w->tmpl[i].id == id)
			return &w->tmpl[i];
	return NULL;
}

static unsigned int
read_record(struct walk *w, const struct tmpl *t, const uint8_t *p, const uint8_t *end)
{
	struct rec *r = &w->rec[w->n_rec++];
	const uint8_t *q = p;
	unsigned int i;

	r->set_id = t->id;
	r->n = t->n;
	for (i = 0; i < t->n; i++) {
		r->pen[i] = t->pen[i];
		r->ie[i] = t->ie[i];
		r->len[i] = t->len[i];
		if (t->len[i] == WS_IPFIX_VARLEN) {
			assert_true(q < end && *q < 255);
			r->len[i] = *q++;
		}
		assert_true(q + r->len[i] <= end);
		r->val[i] = q;
		q += r->len[i];
	}
	return (unsigned int)(q - p);
}

/* Walk a whole message; templates from an earlier walk (TCP) may be passed in w. */
static void
walk_msg(struct walk *w, const uint8_t *m, size_t len)
{
	const uint8_t *p = m + WS_IPFIX_HDR_LEN, *end = m + len, *set_end;
	const struct tmpl *t;

	assert_true(len >= WS_IPFIX_HDR_LEN);
	assert_int_equal(get16(m), 10);
	assert_int_equal(get16(m + 2), len);
	w->export_s = get32(m + 4);
	w->seq = get32(m + 8);
	w->domain = get32(m + 12);
	while (p < end) {
		assert_true(p + 4 <= end);
		set_end = p + get16(p + 2);
		assert_true(set_end <= end && set_end >= p + 4);
		w->set_ids[w->n_sets++] = (uint16_t)get16(p);
		t = find_template(w, (uint16_t)get16(p));
		for (p += 4; p < set_end;) {
			if (w->set_ids[w->n_sets - 1] == WS_IPFIX_SET_TEMPLATE)
				p += read_template(w, p, set_end);
			else if (t)
				p += read_record(w, t, p, set_end);
			else
				fail_msg("set %u without a template", w->set_ids[w->n_sets - 1]);
		}
	}
}

/* The value of element (pen, ie) in r; fails if absent. */
static const uint8_t *
val(const struct rec *r, uint32_t pen, uint16_t ie, uint16_t *len)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (r->pen[i] == pen && r->ie[i] == ie) {
			*len = r->len[i];
			return r->val[i];
		}
	fail_msg("element %u/%u missing", pen, ie);
	return NULL;
}

static uint64_t
num(const struct rec *r, uint32_t pen, uint16_t ie)
{
	uint16_t len;
	const uint8_t *v = val(r, pen, ie, &len);
	uint64_t x = 0;

	while (len--)
		x = x << 8 | *v++;
	return x;
}

static struct ws_flow
flow_v4(uint8_t last_octet, uint8_t initiator)
{
	struct ws_flow f;

	memset(&f, 0, sizeof(f));
	f.key.version = 4;
	f.key.proto = 6;
	f.key.vlan = 42;
	f.key.port[0] = 1234;
	f.key.port[1] = 443;
	memcpy(f.key.addr[0], (uint8_t[]){10, 0, 0, last_octet}, 4);
	memcpy(f.key.addr[1], (uint8_t[]){192, 0, 2, 7}, 4);
	f.packets[0] = 11;
	f.packets[1] = 22;
	f.bytes[0] = 1100;
	f.bytes[1] = 0x123456789ull;
	f.first_ns = 1700000000123456789ull;
	f.last_ns = 1700000001987654321ull;
	f.tcp_flags[0] = 0x02 | 0x10 | 0x01;
	f.tcp_flags[1] = 0x12 | 0x04;
	f.initiator = initiator;
	f.end_reason = WS_FLOW_END_CLOSED;
	snprintf(f.host, sizeof(f.host), "example.org");
	return f;
}

static struct ws_flow
flow_v6(void)
{
	struct ws_flow f = flow_v4(1, 0);

	f.key.version = 6;
	f.key.proto = 17;
	memset(f.key.addr[0], 0x20, 16);
	memset(f.key.addr[1], 0xfe, 16);
	f.host[0] = '\0';
	return f;
}

/* Templates: two, ids 256/257, with the reverse elements under PEN 29305. */
static void
test_templates(void **state)
{
	uint8_t buf[1024];
	struct ws_ipfix_msg m;
	struct walk w = {0};
	unsigned int t, i, rev;
	uint32_t len;

	(void)state;
	ws_ipfix_msg_init(&m, buf, sizeof(buf), true);
	assert_int_equal(ws_ipfix_msg_add_templates(&m), 0);
	len = ws_ipfix_msg_finish(&m, 1000, 7, 99);
	walk_msg(&w, buf, len);
	assert_int_equal(w.n_sets, 1);
	assert_int_equal(w.set_ids[0], WS_IPFIX_SET_TEMPLATE);
	assert_int_equal(w.n_tmpl, 2);
	assert_int_equal(w.tmpl[0].id, WS_IPFIX_TEMPLATE_V4);
	assert_int_equal(w.tmpl[1].id, WS_IPFIX_TEMPLATE_V6);
	assert_int_equal(w.seq, 7);
	assert_int_equal(w.domain, 99);
	assert_int_equal(w.export_s, 1000);
	for (t = 0; t < 2; t++) {
		for (i = 0, rev = 0; i < w.tmpl[t].n; i++)
			rev += w.tmpl[t].pen[i] == WS_IPFIX_PEN_REVERSE;
		assert_int_equal(rev, 3); /* octets, packets, TCP flags */
		assert_int_equal(w.tmpl[t].pen[w.tmpl[t].n - 1], WS_IPFIX_PEN_WIRESTAT);
		assert_int_equal(w.tmpl[t].len[w.tmpl[t].n - 1], WS_IPFIX_VARLEN);
	}
	assert_int_equal(w.tmpl[0].ie[0], 8);  /* sourceIPv4Address */
	assert_int_equal(w.tmpl[1].ie[0], 27); /* sourceIPv6Address */
	assert_int_equal(w.tmpl[1].len[0], 16);

	/* Without the hostname, one element less. */
	memset(&w, 0, sizeof(w));
	ws_ipfix_msg_init(&m, buf, sizeof(buf), false);
	assert_int_equal(ws_ipfix_msg_add_templates(&m), 0);
	walk_msg(&w, buf, ws_ipfix_msg_finish(&m, 0, 0, 0));
	for (i = 0; i < w.tmpl[0].n; i++)
		assert_int_not_equal(w.tmpl[0].pen[i], WS_IPFIX_PEN_WIRESTAT);
}

/* A record read with its template: the initiator (side 1 here) is the source. */
static void
test_biflow_record(void **state)
{
	struct ws_flow f = flow_v4(5, 1);
	uint8_t buf[1024];
	struct ws_ipfix_msg m;
	struct walk w = {0};
	const struct rec *r;
	const uint8_t *v;
	uint16_t len;

	(void)state;
	ws_ipfix_msg_init(&m, buf, sizeof(buf), true);
	assert_int_equal(ws_ipfix_msg_add_templates(&m), 0);
	assert_int_equal(ws_ipfix_msg_add_flow(&m, &f), 0);
	walk_msg(&w, buf, ws_ipfix_msg_finish(&m, 0, 0, 1));
	assert_int_equal(w.n_rec, 1);
	r = &w.rec[0];
	assert_int_equal(r->set_id, WS_IPFIX_TEMPLATE_V4);
	v = val(r, 0, 8, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(v, f.key.addr[1], 4);
	assert_memory_equal(val(r, 0, 12, &len), f.key.addr[0], 4);
	assert_int_equal(num(r, 0, 7), 443);
	assert_int_equal(num(r, 0, 11), 1234);
	assert_int_equal(num(r, 0, 4), 6);
	assert_int_equal(num(r, 0, 1), f.bytes[1]);
	assert_int_equal(num(r, 0, 2), f.packets[1]);
	assert_int_equal(num(r, WS_IPFIX_PEN_REVERSE, 1), f.bytes[0]);
	assert_int_equal(num(r, WS_IPFIX_PEN_REVERSE, 2), f.packets[0]);
	assert_int_equal(num(r, 0, 6), f.tcp_flags[1]);
	assert_int_equal(num(r, WS_IPFIX_PEN_REVERSE, 6), f.tcp_flags[0]);
	assert_int_equal(num(r, 0, 58), 42);
	assert_int_equal(num(r, 0, 152), f.first_ns / 1000000);
	assert_int_equal(num(r, 0, 153), f.last_ns / 1000000);
	assert_int_equal(num(r, 0, 136), WS_FLOW_END_CLOSED);
	assert_int_equal(num(r, 0, 239), 1);
	v = val(r, WS_IPFIX_PEN_WIRESTAT, WS_IPFIX_IE_HOST, &len);
	assert_int_equal(len, strlen("example.org"));
	assert_memory_equal(v, "example.org", len);
}

/* Sets change with the IP version; lengths add up; records counted. */
static void
test_sets(void **state)
{
	struct ws_flow a = flow_v4(1, 0), b = flow_v6();
	const struct ws_flow *order[] = {&a, &a, &b, &a};
	uint8_t buf[2048];
	struct ws_ipfix_msg m;
	struct walk w = {0};
	uint32_t len, want = WS_IPFIX_HDR_LEN;
	unsigned int i;

	(void)state;
	ws_ipfix_msg_init(&m, buf, sizeof(buf), false);
	assert_int_equal(ws_ipfix_msg_add_templates(&m), 0);
	want = m.len;
	for (i = 0; i < 4; i++) {
		assert_int_equal(ws_ipfix_msg_add_flow(&m, order[i]), 0);
		want += ws_ipfix_record_len(order[i], false) +
			(i == 0 || order[i] != order[i - 1] ? WS_IPFIX_SET_HDR_LEN : 0);
	}
	len = ws_ipfix_msg_finish(&m, 0, 0, 0);
	assert_int_equal(len, want);
	assert_int_equal(m.records, 4);
	walk_msg(&w, buf, len);
	assert_int_equal(w.n_sets, 4);
	assert_int_equal(w.set_ids[1], WS_IPFIX_TEMPLATE_V4);
	assert_int_equal(w.set_ids[2], WS_IPFIX_TEMPLATE_V6);
	assert_int_equal(w.set_ids[3], WS_IPFIX_TEMPLATE_V4);
	assert_int_equal(w.n_rec, 4);
	assert_memory_equal(val(&w.rec[2], 0, 27, &(uint16_t){0}), b.key.addr[0], 16);
	assert_int_equal(num(&w.rec[2], 0, 4), 17);
}

/* Records fill the buffer exactly; the one that does not fit changes nothing. */
static void
test_bounds(void **state)
{
	struct ws_flow f = flow_v4(1, 0);
	uint8_t buf[512];
	struct ws_ipfix_msg m;
	uint32_t cap = WS_IPFIX_HDR_LEN + WS_IPFIX_SET_HDR_LEN + 3 * ws_ipfix_record_len(&f, true);
	uint32_t len;
	struct walk w = {0};

	(void)state;
	/* Templates: one byte short does not fit, and leaves the message as it was. */
	ws_ipfix_msg_init(&m, buf, sizeof(buf), true);
	assert_int_equal(ws_ipfix_msg_add_templates(&m), 0);
	len = m.len;
	ws_ipfix_msg_init(&m, buf, len - 1, true);
	assert_int_equal(ws_ipfix_msg_add_templates(&m), -ENOSPC);
	assert_int_equal(m.len, WS_IPFIX_HDR_LEN);
	ws_ipfix_msg_init(&m, buf, len, true);
	assert_int_equal(ws_ipfix_msg_add_templates(&m), 0);
	assert_int_equal(m.len, len);
	/* Three records fill cap exactly. */
	memset(buf, 0xa5, sizeof(buf));
	ws_ipfix_msg_init(&m, buf, cap, true);
	assert_int_equal(ws_ipfix_msg_add_flow(&m, &f), 0);
	assert_int_equal(ws_ipfix_msg_add_flow(&m, &f), 0);
	assert_int_equal(ws_ipfix_msg_add_flow(&m, &f), 0);
	len = m.len;
	assert_int_equal(len, cap);
	assert_int_equal(ws_ipfix_msg_add_flow(&m, &f), -ENOSPC);
	assert_int_equal(m.len, len);
	assert_int_equal(m.records, 3);
	assert_int_equal(buf[cap], 0xa5); /* nothing past cap */
	/* A record needs its set header too: one byte short of both, no room. */
	ws_ipfix_msg_init(&m, buf,
			  WS_IPFIX_HDR_LEN + WS_IPFIX_SET_HDR_LEN + ws_ipfix_record_len(&f, false) -
				  1,
			  false);
	assert_int_equal(ws_ipfix_msg_add_flow(&m, &f), -ENOSPC);
	/* Not IP: refused. */
	f.key.version = 0;
	ws_ipfix_msg_init(&m, buf, sizeof(buf), false);
	assert_int_equal(ws_ipfix_msg_add_flow(&m, &f), -EINVAL);
	/* A full message reads back whole, with the templates sent before it. */
	f = flow_v4(1, 0);
	ws_ipfix_msg_init(&m, buf, sizeof(buf), true);
	ws_ipfix_msg_add_templates(&m);
	walk_msg(&w, buf, ws_ipfix_msg_finish(&m, 0, 0, 0));
	ws_ipfix_msg_init(&m, buf, cap, true);
	while (ws_ipfix_msg_add_flow(&m, &f) == 0)
		;
	walk_msg(&w, buf, ws_ipfix_msg_finish(&m, 0, 0, 0));
	assert_int_equal(w.n_rec, 3);
	/* Never more than the 16-bit length allows. */
	ws_ipfix_msg_init(&m, buf, 100000, false);
	assert_int_equal(m.cap, WS_IPFIX_MSG_MAX);
}

static void
test_parse_collector(void **state)
{
	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:", ":4739",  "127.0.0.1:0", "127.0.0.1:65536", "::1:4739",
		"[::1]4739", "[]:4739",	   "[::1]:", "host:47x",    "host:-1",	       "host:+1",
	};
	char host[64];
	uint16_t port;
	unsigned int i;

	(void)state;
	assert_int_equal(ws_ipfix_parse_collector("127.0.0.1:4739", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 4739);
	assert_int_equal(ws_ipfix_parse_collector("[::1]:65535", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 65535);
	assert_int_equal(ws_ipfix_parse_collector("collector.example:1", host, sizeof(host), &port),
			 0);
	assert_string_equal(host, "collector.example");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ws_ipfix_parse_collector(bad[i], host, sizeof(host), &port) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(ws_ipfix_parse_collector("averylonghostname:1", host, 8, &port), -EINVAL);
}

static int
bound_socket(int type, uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static ssize_t
recv_wait(int fd, uint8_t *buf, size_t size)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return recv(fd, buf, size, 0);
}

/*
 * UDP: templates ride in the first message and again after the refresh time;
 * each message's sequence number counts the data records before it.
 */
static void
test_udp_exporter(void **state)
{
	char collector[32];
	uint16_t port;
	int fd = bound_socket(SOCK_DGRAM, &port);
	struct ws_ipfix_conf c = {.collector = collector,
				  .transport = WS_IPFIX_UDP,
				  .domain = 5,
				  .template_refresh_s = 10};
	struct ws_ipfix_exporter *e;
	struct ws_ipfix_counters cnt;
	struct ws_flow f = flow_v4(1, 0);
	uint8_t buf[65536];
	uint64_t now = 1000000000ull;
	uint32_t seq = 0, per_msg = 0;
	unsigned int i, n;
	ssize_t len;
	char err[256];

	(void)state;
	snprintf(collector, sizeof(collector), "127.0.0.1:%u", port);
	e = ws_ipfix_exporter_create(&c, err, sizeof(err));
	assert_non_null(e);
	/* 50 records: full messages leave at once, the rest on the timer. */
	for (i = 0; i < 50; i++)
		ws_ipfix_exporter_add(e, &f, now);
	ws_ipfix_exporter_poll(e, now + WS_IPFIX_FLUSH_NS - 1);
	ws_ipfix_exporter_counters(e, &cnt);
	n = (unsigned int)cnt.messages;
	assert_true(n >= 2);
	ws_ipfix_exporter_poll(e, now + WS_IPFIX_FLUSH_NS);
	ws_ipfix_exporter_counters(e, &cnt);
	assert_int_equal(cnt.messages, n + 1);
	assert_int_equal(cnt.records, 50);
	assert_int_equal(cnt.templates, 1);
	per_msg = (WS_IPFIX_UDP_MSG - WS_IPFIX_HDR_LEN - WS_IPFIX_SET_HDR_LEN) /
		  ws_ipfix_record_len(&f, false);
	for (i = 0; i <= n; i++) {
		static struct walk first, w;

		len = recv_wait(fd, buf, sizeof(buf));
		assert_true(len > 0 && len <= WS_IPFIX_UDP_MSG);
		/* The templates came in the first message only. */
		memset(&w, 0, sizeof(w));
		w.n_tmpl = first.n_tmpl;
		memcpy(w.tmpl, first.tmpl, sizeof(w.tmpl));
		walk_msg(&w, buf, (size_t)len);
		if (i == 0)
			first = w;
		assert_int_equal(w.domain, 5);
		assert_int_equal(w.seq, seq);
		assert_int_equal(w.set_ids[0],
				 i == 0 ? WS_IPFIX_SET_TEMPLATE : WS_IPFIX_TEMPLATE_V4);
		assert_true(i == 0 || i == n || w.n_rec == per_msg);
		seq += w.n_rec;
	}
	assert_int_equal(seq, 50);
	/* After template_refresh_s, the next message carries them again. */
	ws_ipfix_exporter_add(e, &f, now + 11000000000ull);
	ws_ipfix_exporter_flush(e, now + 11000000000ull);
	len = recv_wait(fd, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(get16(buf + WS_IPFIX_HDR_LEN), WS_IPFIX_SET_TEMPLATE);
	assert_int_equal(get32(buf + 8), 50);
	ws_ipfix_exporter_destroy(e);
	close(fd);
}

static struct ws_ipfix_exporter *
tcp_exporter(uint16_t port, uint32_t buffer_size)
{
	static char collector[32];
	struct ws_ipfix_conf c = {.collector = collector,
				  .transport = WS_IPFIX_TCP,
				  .domain = 9,
				  .buffer_size = buffer_size};
	struct ws_ipfix_exporter *e;
	struct ws_ipfix_counters cnt;
	char err[256];
	int i;

	snprintf(collector, sizeof(collector), "127.0.0.1:%u", port);
	e = ws_ipfix_exporter_create(&c, err, sizeof(err));
	assert_non_null(e);
	for (i = 0; i < 200; i++) {
		ws_ipfix_exporter_poll(e, 1);
		ws_ipfix_exporter_counters(e, &cnt);
		if (cnt.connected)
			return e;
		usleep(10000);
	}
	fail_msg("no connection to %s", collector);
	return NULL;
}

/* Read one whole message from a stream. */
static size_t
read_msg(int fd, uint8_t *buf)
{
	size_t got = 0, want = 4;
	ssize_t n;

	while (got < want) {
		n = recv_wait(fd, buf + got, want - got);
		assert_true(n > 0);
		got += (size_t)n;
		if (got == 4)
			want = get16(buf + 2);
	}
	return got;
}

/* TCP: a new connection gets the templates first, with the next data record's number. */
static void
test_tcp_exporter(void **state)
{
	uint16_t port;
	int ls = bound_socket(SOCK_STREAM, &port), fd;
	struct ws_ipfix_exporter *e;
	struct ws_ipfix_counters cnt;
	struct ws_flow f = flow_v4(1, 0), g = flow_v6();
	static struct walk w;
	uint8_t buf[65536];
	unsigned int i;

	(void)state;
	assert_int_equal(listen(ls, 1), 0);
	e = tcp_exporter(port, 0);
	for (i = 0; i < 10; i++)
		ws_ipfix_exporter_add(e, i % 2 ? &g : &f, 1);
	ws_ipfix_exporter_flush(e, 1);
	assert_int_equal(ws_ipfix_exporter_drain(e, 2000), 0);
	ws_ipfix_exporter_counters(e, &cnt);
	assert_int_equal(cnt.messages, 1);
	assert_int_equal(cnt.records, 10);
	assert_int_equal(cnt.templates, 1);
	assert_int_equal(cnt.queued, 0);
	fd = accept(ls, NULL, NULL);
	assert_true(fd >= 0);
	walk_msg(&w, buf, read_msg(fd, buf));
	assert_int_equal(w.n_sets, 1);
	assert_int_equal(w.set_ids[0], WS_IPFIX_SET_TEMPLATE);
	assert_int_equal(w.seq, 0);
	assert_int_equal(w.n_tmpl, 2);
	walk_msg(&w, buf, read_msg(fd, buf));
	assert_int_equal(w.domain, 9);
	assert_int_equal(w.seq, 0);
	assert_int_equal(w.n_rec, 10);
	assert_int_equal(w.n_sets, 1 + 10);
	ws_ipfix_exporter_destroy(e);
	close(fd);
	close(ls);
}

/* A collector that never reads: the buffer fills, then whole messages are dropped. */
static void
test_tcp_stalled(void **state)
{
	uint16_t port;
	int ls = bound_socket(SOCK_STREAM, &port), rcvbuf = 4096;
	uint32_t size = 2 * WS_IPFIX_TCP_MSG;
	struct ws_ipfix_exporter *e;
	struct ws_ipfix_counters cnt;
	struct ws_flow f = flow_v4(1, 0);
	unsigned int i, n = 100000, round;
	int rc = 0;

	(void)state;
	setsockopt(ls, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	assert_int_equal(listen(ls, 1), 0);
	e = tcp_exporter(port, size);
	/* The kernel may still take a few KiB after a pause (it collapses the
	 * unread queue), so fill again until a drain finds nothing moving. */
	for (round = 1; round <= 10 && rc != -ETIMEDOUT; round++) {
		for (i = 0; i < n; i++) {
			ws_ipfix_exporter_add(e, &f, 1);
			ws_ipfix_exporter_poll(e, 1);
		}
		ws_ipfix_exporter_flush(e, 1);
		ws_ipfix_exporter_counters(e, &cnt);
		assert_true(cnt.connected);
		assert_true(cnt.queued <= size);
		assert_true(cnt.records + cnt.records_dropped <= (uint64_t)n * round);
		rc = ws_ipfix_exporter_drain(e, 50);
		ws_ipfix_exporter_counters(e, &cnt);
		if (rc == 0)
			assert_int_equal(cnt.queued, 0);
	}
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(cnt.queued > 0);
	assert_true(cnt.records_dropped > 0);
	assert_true(cnt.messages_dropped > 0);
	ws_ipfix_exporter_destroy(e);
	close(ls);
}

/* Nobody listens: connections fail and are retried later, nothing is sent. */
static void
test_tcp_refused(void **state)
{
	uint16_t port;
	int ls = bound_socket(SOCK_STREAM, &port); /* bound, not listening: refused */
	char collector[32], err[256];
	struct ws_ipfix_conf c = {.collector = collector, .transport = WS_IPFIX_TCP};
	struct ws_ipfix_exporter *e;
	struct ws_ipfix_counters cnt;
	uint64_t now = 1;
	int i;

	(void)state;
	snprintf(collector, sizeof(collector), "127.0.0.1:%u", port);
	e = ws_ipfix_exporter_create(&c, err, sizeof(err));
	assert_non_null(e);
	for (i = 0; i < 20; i++) {
		ws_ipfix_exporter_poll(e, now);
		usleep(5000);
	}
	ws_ipfix_exporter_counters(e, &cnt);
	assert_int_equal(cnt.connect_failures, 1);
	/* The retry waits for the backoff (1 s), then fails again. */
	ws_ipfix_exporter_poll(e, now + 999999999ull);
	ws_ipfix_exporter_poll(e, now + 1000000000ull);
	usleep(20000);
	ws_ipfix_exporter_poll(e, now + 1000000001ull);
	ws_ipfix_exporter_counters(e, &cnt);
	assert_int_equal(cnt.connect_failures, 2);
	assert_int_equal(cnt.connects, 0);
	assert_false(cnt.connected);
	assert_int_equal(ws_ipfix_exporter_drain(e, 10), 0); /* nothing to wait for */
	ws_ipfix_exporter_destroy(e);
	close(ls);
}

static void
test_create_errors(void **state)
{
	struct ws_ipfix_conf c = {.collector = "127.0.0.1", .transport = WS_IPFIX_UDP};
	char err[256];

	(void)state;
	assert_null(ws_ipfix_exporter_create(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "want HOST:PORT"));
	c.collector = "no-such-host.invalid:4739";
	assert_null(ws_ipfix_exporter_create(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "no-such-host.invalid"));
	c.collector = "127.0.0.1:4739";
	c.transport = WS_IPFIX_TCP;
	c.buffer_size = 100;
	assert_null(ws_ipfix_exporter_create(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "less than a message"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_biflow_record),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_parse_collector),
		cmocka_unit_test(test_udp_exporter),
		cmocka_unit_test(test_tcp_exporter),
		cmocka_unit_test(test_tcp_stalled),
		cmocka_unit_test(test_tcp_refused),
		cmocka_unit_test(test_create_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
