/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table tests: key normalization, per-direction counts against a
 * brute-force reference, bursts, timeouts, the TCP state machine and RTT,
 * eviction (policy and accounting), fixed memory with no allocation after
 * create (malloc and friends are wrapped by the linker), and flush.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ws_flow.h>

#include "flow_internal.h"
#include "test_rng.h"

#define SEC 1000000000ull
#define MS 1000000ull
#define P_TCP 6
#define P_UDP 17
#define MAX_FLOWS 5000
#define RTE_DIM_(a) (sizeof(a) / sizeof((a)[0]))

/* ---- allocation counting: linked with -Wl,--wrap=malloc,... ---- */

static unsigned long n_alloc;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t sz);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t sz);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);

void *
__wrap_malloc(size_t n)
{
	n_alloc++;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t sz)
{
	n_alloc++;
	return __real_calloc(n, sz);
}

void *
__wrap_realloc(void *p, size_t n)
{
	n_alloc++;
	return __real_realloc(p, n);
}

void *
__wrap_aligned_alloc(size_t align, size_t n)
{
	n_alloc++;
	return __real_aligned_alloc(align, n);
}

int
__wrap_posix_memalign(void **p, size_t align, size_t n)
{
	n_alloc++;
	return __real_posix_memalign(p, align, n);
}

/* ---- helpers ---- */

/* 10.x.y.z, or 2001:db8::x.y.z */
static void
addr_of(uint8_t version, uint32_t id, uint8_t out[16])
{
	unsigned int o = version == 4 ? 0 : 12;

	memset(out, 0, 16);
	if (version == 6) {
		out[0] = 0x20;
		out[1] = 0x01;
		out[2] = 0x0d;
		out[3] = 0xb8;
	}
	out[o] = version == 4 ? 10 : id >> 24;
	out[o + 1] = id >> 16;
	out[o + 2] = id >> 8;
	out[o + 3] = id;
}

static void
mk(struct ws_flow_pkt *p, uint8_t version, uint8_t proto, uint16_t vlan, uint32_t src, uint32_t dst,
   uint16_t sport, uint16_t dport)
{
	uint8_t s[16], d[16];

	addr_of(version, src, s);
	addr_of(version, dst, d);
	ws_flow_pkt_init(p, version, proto, vlan, s, d, sport, dport);
}

/* A TCP packet from (src, sport) to (dst, dport), IPv4. */
static struct ws_flow_pkt
tcp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags, uint32_t len,
    uint64_t ts)
{
	struct ws_flow_pkt p;

	mk(&p, 4, P_TCP, 0, src, dst, sport, dport);
	p.tcp_flags = flags;
	p.len = len;
	p.ts_ns = ts;
	return p;
}

/* Feed one packet; returns the records it produced (0 or 1), copied to *rec. */
static unsigned int
feed1(struct ws_flow_table *t, const struct ws_flow_pkt *p, struct ws_flow *rec)
{
	struct ws_flow r[1];
	unsigned int n;

	ws_flow_update_burst(t, p, 1, r, &n);
	if (n != 0 && rec != NULL)
		*rec = r[0];
	return n;
}

struct find_arg {
	const struct ws_flow_key *key;
	struct ws_flow out;
	unsigned int found;
};

static void
find_cb(const struct ws_flow *f, void *arg)
{
	struct find_arg *a = arg;

	if (memcmp(&f->key, a->key, sizeof(*a->key)) == 0) {
		a->out = *f;
		a->found++;
	}
}

/* The live flow with key k (asserts exactly one). */
static struct ws_flow
live(const struct ws_flow_table *t, const struct ws_flow_key *k)
{
	struct find_arg a = {.key = k};

	ws_flow_foreach(t, find_cb, &a);
	assert_int_equal(a.found, 1);
	return a.out;
}

static unsigned int
n_live(const struct ws_flow_table *t, const struct ws_flow_key *k)
{
	struct find_arg a = {.key = k};

	ws_flow_foreach(t, find_cb, &a);
	return a.found;
}

static uint64_t
active(const struct ws_flow_table *t)
{
	struct ws_flow_counters c;

	ws_flow_counters_get(t, &c);
	return c.active;
}

static struct ws_flow_table *
table(uint32_t capacity, uint64_t seed)
{
	struct ws_flow_conf c = {.capacity = capacity, .seed = seed};
	struct ws_flow_table *t = ws_flow_table_create(&c);

	assert_non_null(t);
	return t;
}

/* ---- keys ---- */

static void
test_create(void **state)
{
	struct ws_flow_conf c = {.capacity = WS_FLOW_CAPACITY_MAX + 1};
	struct ws_flow_table *t;

	(void)state;
	errno = 0;
	assert_null(ws_flow_table_create(&c));
	assert_int_equal(errno, EINVAL);
	t = ws_flow_table_create(NULL);
	assert_non_null(t);
	assert_int_equal(ws_flow_table_slots(t), 2 * WS_FLOW_DEFAULT_CAPACITY);
	assert_true(ws_flow_table_memory(t) >=
		    (size_t)WS_FLOW_DEFAULT_CAPACITY * 196 + 2 * WS_FLOW_DEFAULT_CAPACITY * 8);
	ws_flow_table_destroy(t);
	ws_flow_table_destroy(NULL);
	assert_int_equal(sizeof(struct ws_flow) % 64, 0);
	assert_int_equal(sizeof(struct ws_flow_key), 40);
}

static void
test_key_normalization(void **state)
{
	struct ws_flow_pkt a, b, c;
	uint8_t lo[16], hi[16];

	(void)state;
	for (uint8_t v = 4; v <= 6; v += 2) {
		mk(&a, v, P_TCP, 0, 0x010203, 0x010204, 40000, 443);
		mk(&b, v, P_TCP, 0, 0x010204, 0x010203, 443, 40000);
		assert_memory_equal(&a.key, &b.key, sizeof(a.key));
		assert_int_equal(a.dir, 0);
		assert_int_equal(b.dir, 1);
		addr_of(v, 0x010203, lo);
		addr_of(v, 0x010204, hi);
		assert_memory_equal(a.key.addr[0], lo, 16);
		assert_memory_equal(a.key.addr[1], hi, 16);
		assert_int_equal(a.key.port[0], 40000);
		assert_int_equal(a.key.port[1], 443);
		assert_int_equal(a.key.version, v);
		assert_int_equal(a.key.proto, P_TCP);
		/* the first differing byte decides, not the host-order value */
		mk(&c, v, P_UDP, 0, 0x020001, 0x0100ff, 53, 53);
		assert_int_equal(c.dir, 1);
		/* same address: the ports decide */
		mk(&a, v, P_UDP, 0, 7, 7, 5000, 53);
		mk(&b, v, P_UDP, 0, 7, 7, 53, 5000);
		assert_memory_equal(&a.key, &b.key, sizeof(a.key));
		assert_int_equal(a.dir, 1);
		assert_int_equal(b.dir, 0);
		assert_int_equal(a.key.port[0], 53);
	}
	/* IPv4 leaves the rest of the address zero; VLAN and version distinguish */
	mk(&a, 4, P_TCP, 0, 1, 2, 1, 2);
	for (int i = 4; i < 16; i++)
		assert_int_equal(a.key.addr[0][i] | a.key.addr[1][i], 0);
	mk(&b, 4, P_TCP, 100, 2, 1, 2, 1);
	assert_int_equal(b.key.vlan, 100);
	assert_memory_not_equal(&a.key, &b.key, sizeof(a.key));
	mk(&c, 6, P_TCP, 0, 1, 2, 1, 2);
	assert_memory_not_equal(&a.key, &c.key, sizeof(a.key));
}

static void
test_vlan_separates_flows(void **state)
{
	struct ws_flow_table *t = table(64, 1);
	struct ws_flow_pkt p[3];
	unsigned int n;

	(void)state;
	mk(&p[0], 4, P_UDP, 0, 1, 2, 1000, 53);
	mk(&p[1], 4, P_UDP, 10, 1, 2, 1000, 53);
	mk(&p[2], 4, P_UDP, 10, 2, 1, 53, 1000);
	ws_flow_update_burst(t, p, 3, NULL, &n);
	assert_int_equal(n, 0);
	assert_int_equal(active(t), 2);
	assert_int_equal(live(t, &p[1].key).packets[0], 1);
	assert_int_equal(live(t, &p[1].key).packets[1], 1);
	assert_int_equal(live(t, &p[1].key).state, WS_FLOW_ST_ESTABLISHED);
	assert_int_equal(live(t, &p[0].key).state, WS_FLOW_ST_NEW);
	ws_flow_table_destroy(t);
}

/* ---- counts against a reference ---- */

struct ref_flow {
	uint8_t version, proto;
	uint32_t caddr, saddr;
	uint16_t cport, sport;
	uint64_t packets[2], bytes[2]; /* [0] sent by the client, [1] by the server */
	unsigned int seen;
};

struct ref_set {
	struct ref_flow *f;
	uint32_t n;
	uint64_t packets;
	int bad;
};

static void
ref_init(struct ref_set *rs, uint32_t n, uint64_t *seed)
{
	rs->f = calloc(n, sizeof(*rs->f));
	assert_non_null(rs->f);
	rs->n = n;
	rs->packets = 0;
	rs->bad = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct ref_flow *r = &rs->f[i];

		r->version = i % 3 == 0 ? 6 : 4;
		r->proto = i % 2 ? P_TCP : P_UDP;
		r->caddr = (uint32_t)rng_next(seed) & 0xffffff;
		r->saddr = ((uint32_t)rng_next(seed) & 0xffffff) | 1;
		r->cport = 10000 + i; /* the port >= 10000 names the flow */
		r->sport = r->proto == P_TCP ? 443 : 53;
	}
}

/* A random packet of a random flow, counted in the reference. */
static void
ref_packet(struct ref_set *rs, uint64_t *seed, uint64_t ts, struct ws_flow_pkt *p)
{
	uint64_t x = rng_next(seed);
	struct ref_flow *r = &rs->f[x % rs->n];
	unsigned int srv = (x >> 32) & 1;
	uint32_t len = 40 + (uint32_t)((x >> 40) % 1461);

	if (srv)
		mk(p, r->version, r->proto, 0, r->saddr, r->caddr, r->sport, r->cport);
	else
		mk(p, r->version, r->proto, 0, r->caddr, r->saddr, r->cport, r->sport);
	p->len = len;
	p->ts_ns = ts;
	p->tcp_flags = r->proto == P_TCP ? 0x10 : 0;
	r->packets[srv]++;
	r->bytes[srv] += len;
	rs->packets++;
}

static struct ref_flow *
ref_of(struct ref_set *rs, const struct ws_flow *f, unsigned int *cside)
{
	unsigned int c = f->key.port[0] >= 10000 ? 0 : 1;
	uint32_t id = f->key.port[c] - 10000;

	if (id >= rs->n)
		return NULL;
	*cside = c;
	return &rs->f[id];
}

/* Subtract a flow or record from the reference; what remains must end at zero. */
static void
ref_take(struct ref_set *rs, const struct ws_flow *f)
{
	unsigned int c;
	struct ref_flow *r = ref_of(rs, f, &c);

	if (r == NULL || r->packets[0] < f->packets[c] || r->packets[1] < f->packets[c ^ 1] ||
	    r->bytes[0] < f->bytes[c] || r->bytes[1] < f->bytes[c ^ 1]) {
		rs->bad++;
		return;
	}
	r->packets[0] -= f->packets[c];
	r->packets[1] -= f->packets[c ^ 1];
	r->bytes[0] -= f->bytes[c];
	r->bytes[1] -= f->bytes[c ^ 1];
	rs->packets -= f->packets[0] + f->packets[1];
	r->seen++;
}

static void
ref_take_cb(const struct ws_flow *f, void *arg)
{
	ref_take(arg, f);
}

static void
ref_assert_zero(const struct ref_set *rs)
{
	assert_int_equal(rs->bad, 0);
	assert_int_equal(rs->packets, 0);
	for (uint32_t i = 0; i < rs->n; i++) {
		assert_int_equal(rs->f[i].packets[0] | rs->f[i].packets[1], 0);
		assert_int_equal(rs->f[i].bytes[0] | rs->f[i].bytes[1], 0);
	}
}

static void
test_counts_reference(void **state)
{
	struct ws_flow_table *t = table(1024, 7);
	struct ws_flow_pkt p[WS_FLOW_BURST_MAX];
	struct ws_flow_counters c;
	struct ref_set rs;
	uint64_t seed = 42, ts = SEC;
	unsigned int n, k = 0;

	(void)state;
	ref_init(&rs, 500, &seed);
	for (unsigned int i = 0; i < 10000; i += k) {
		k = 1 + rng_next(&seed) % WS_FLOW_BURST_MAX;
		if (k > 10000 - i)
			k = 10000 - i;
		for (unsigned int j = 0; j < k; j++)
			ref_packet(&rs, &seed, ts += 1000, &p[j]);
		ws_flow_update_burst(t, p, k, NULL, &n);
		assert_int_equal(n, 0);
	}
	ws_flow_counters_get(t, &c);
	assert_int_equal(c.active, 500);
	assert_int_equal(c.created, 500);
	assert_int_equal(c.evicted, 0);
	ws_flow_foreach(t, ref_take_cb, &rs);
	ref_assert_zero(&rs);
	for (uint32_t i = 0; i < rs.n; i++)
		assert_int_equal(rs.f[i].seen, 1);
	free(rs.f);
	ws_flow_table_destroy(t);
}

static void
test_burst_duplicates(void **state)
{
	struct ws_flow_table *t = table(256, 3);
	struct ws_flow_pkt p[WS_FLOW_BURST_MAX];
	struct ws_flow f;
	unsigned int n;

	(void)state;
	for (unsigned int i = 0; i < WS_FLOW_BURST_MAX; i++) {
		if (i % 4 == 0)
			mk(&p[i], 4, P_UDP, 0, 1, 2, 5000, 53);
		else if (i % 4 == 1)
			mk(&p[i], 4, P_UDP, 0, 2, 1, 53, 5000);
		else
			mk(&p[i], 6, P_TCP, 0, 100 + i, 3, 20000 + i, 80);
		p[i].len = 100 + i;
		p[i].ts_ns = SEC + i;
	}
	ws_flow_update_burst(t, p, WS_FLOW_BURST_MAX, NULL, &n);
	assert_int_equal(n, 0);
	assert_int_equal(active(t), 1 + WS_FLOW_BURST_MAX / 2);
	f = live(t, &p[0].key);
	assert_int_equal(f.packets[p[0].dir], 8);
	assert_int_equal(f.packets[p[1].dir], 8);
	assert_int_equal(f.first_ns, SEC);
	assert_int_equal(f.last_ns, SEC + 29);
	/* the same burst again: no new flow */
	ws_flow_update_burst(t, p, WS_FLOW_BURST_MAX, NULL, &n);
	assert_int_equal(active(t), 1 + WS_FLOW_BURST_MAX / 2);
	assert_int_equal(live(t, &p[0].key).packets[p[0].dir], 16);
	ws_flow_table_destroy(t);
}

static void
test_host(void **state)
{
	static const char longname[] = "a-very-long-host-name-that-goes-on-and-on.example.com"
				       ".and-on-and-on.example.net";
	struct ws_flow_table *t = table(64, 3);
	struct ws_flow_pkt p;

	(void)state;
	mk(&p, 4, P_UDP, 0, 1, 2, 5000, 53);
	feed1(t, &p, NULL);
	assert_string_equal(live(t, &p.key).host, "");
	p.host = "www.example.com.trailing";
	p.host_len = 15;
	feed1(t, &p, NULL);
	assert_string_equal(live(t, &p.key).host, "www.example.com");
	p.host = "other.example.org";
	p.host_len = 17;
	feed1(t, &p, NULL);
	assert_string_equal(live(t, &p.key).host, "www.example.com");
	mk(&p, 4, P_TCP, 0, 1, 2, 5001, 443);
	p.host = longname;
	p.host_len = sizeof(longname) - 1;
	feed1(t, &p, NULL);
	assert_int_equal(strlen(live(t, &p.key).host), WS_FLOW_HOST_MAX - 1);
	assert_memory_equal(live(t, &p.key).host, longname, WS_FLOW_HOST_MAX - 1);
	ws_flow_table_destroy(t);
}

/* ---- timeouts ---- */

static void
test_idle_timeout(void **state)
{
	struct ws_flow_conf conf = {.capacity = 128, .idle_ns = 30 * SEC, .seed = 5};
	struct ws_flow_table *t = ws_flow_table_create(&conf);
	struct ws_flow rec[16];
	struct ws_flow_pkt p;
	unsigned int n = 0, slots = ws_flow_table_slots(t);
	uint64_t last = 0;

	(void)state;
	for (uint32_t i = 0; i < 10; i++)
		for (uint32_t j = 0; j <= i; j++) {
			mk(&p, 4, P_UDP, 0, 1, 100 + i, 7000, 53);
			p.len = 100;
			p.ts_ns = last = SEC + i * 100 * MS + j;
			feed1(t, &p, NULL);
		}
	assert_int_equal(ws_flow_expire(t, last + 30 * SEC - 1000 * MS, slots, rec, 16), 0);
	assert_int_equal(active(t), 10);
	/* small budgets: the hand gets round all the same */
	for (unsigned int k = 0; k < slots / 8 + 1; k++)
		n += ws_flow_expire(t, last + 31 * SEC, 8, rec + n, 16 - n);
	assert_int_equal(n, 10);
	assert_int_equal(active(t), 0);
	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = rec[k].key.addr[1][3] - 100;

		assert_int_equal(rec[k].end_reason, WS_FLOW_END_IDLE);
		assert_int_equal(rec[k].packets[0], i + 1);
		assert_int_equal(rec[k].bytes[0], 100 * (i + 1));
		assert_int_equal(rec[k].packets[1], 0);
		assert_int_equal(rec[k].first_ns, SEC + i * 100 * MS);
		assert_int_equal(rec[k].last_ns, SEC + i * 100 * MS + i);
	}
	ws_flow_table_destroy(t);
}

/* A packet after the idle timeout starts a new flow even before the hand ends the old one. */
static void
test_idle_on_arrival(void **state)
{
	struct ws_flow_conf conf = {.capacity = 64, .idle_ns = 30 * SEC, .seed = 6};
	struct ws_flow_table *t = ws_flow_table_create(&conf);
	struct ws_flow_counters c;
	struct ws_flow_pkt p;
	struct ws_flow rec = {0};

	(void)state;
	mk(&p, 4, P_UDP, 0, 1, 2, 7000, 9000);
	p.len = 100;
	p.ts_ns = SEC;
	assert_int_equal(feed1(t, &p, NULL), 0);
	p.ts_ns = 31 * SEC; /* exactly the timeout: still the same flow */
	assert_int_equal(feed1(t, &p, NULL), 0);
	p.ts_ns = 61 * SEC + 1;
	assert_int_equal(feed1(t, &p, &rec), 1);
	assert_int_equal(rec.end_reason, WS_FLOW_END_IDLE);
	assert_int_equal(rec.packets[0] + rec.packets[1], 2);
	assert_int_equal(live(t, &p.key).packets[0] + live(t, &p.key).packets[1], 1);
	assert_int_equal(live(t, &p.key).first_ns, 61 * SEC + 1);
	ws_flow_counters_get(t, &c);
	assert_int_equal(c.created, 2);
	assert_int_equal(c.ended_idle, 1);
	ws_flow_table_destroy(t);
}

/*
 * Turn the hand twice: every live flow reports what it has unreported (a flow
 * that reported from the packet path is left on the first pass).
 */
static void
report_all(struct ws_flow_table *t, uint64_t now)
{
	struct ws_flow rec[8];

	for (int i = 0; i < 2; i++)
		assert_int_equal(ws_flow_expire(t, now, ws_flow_table_slots(t), rec, 8), 0);
}

/*
 * The name callback guesses a name for a flow that starts without one; a name
 * among its first WS_FLOW_GUESS_PACKETS packets wins, and reports leave the
 * guess out until it settles, whenever they run.
 */
static void
name_cb(void *arg, struct ws_flow *f)
{
	(*(unsigned int *)arg)++;
	if (f->key.port[1] == 443) {
		strcpy(f->host, "guess.example.org");
		f->host_source = 9;
	}
}

struct name_reports {
	unsigned int state[4];	/* reports seen per host_state */
	unsigned int empty_new; /* settling reports that carried no packet */
};

static void
name_report_cb(void *arg, const struct ws_flow *f, const uint32_t packets[2],
	       const uint32_t bytes[2])
{
	struct name_reports *r = arg;

	(void)bytes;
	r->state[f->host_state]++;
	if ((packets[0] | packets[1]) == 0) {
		assert_int_equal(f->host_state, WS_FLOW_HOST_NEW);
		r->empty_new++;
	}
}

static struct ws_flow_table *
name_table(unsigned int *calls, struct name_reports *r)
{
	struct ws_flow_conf conf = {.capacity = 64,
				    .seed = 7,
				    .name = name_cb,
				    .name_arg = calls,
				    .report = name_report_cb,
				    .report_arg = r};

	return ws_flow_table_create(&conf);
}

static void
test_name_callback(void **state)
{
	struct name_reports r = {0};
	unsigned int calls = 0;
	struct ws_flow_table *t = name_table(&calls, &r);
	struct ws_flow rec[8];
	struct ws_flow_pkt p;

	(void)state;
	mk(&p, 4, P_TCP, 0, 1, 2, 5000, 443);
	p.ts_ns = SEC;
	feed1(t, &p, NULL);
	assert_int_equal(calls, 1);
	assert_string_equal(live(t, &p.key).host, "guess.example.org");
	assert_int_equal(live(t, &p.key).host_source, 9);
	assert_int_equal(live(t, &p.key).host_state, WS_FLOW_HOST_GUESS);
	report_all(t, SEC); /* a report: the guess is held */
	assert_int_equal(r.state[WS_FLOW_HOST_GUESS], 1);
	assert_int_equal(live(t, &p.key).host_state, WS_FLOW_HOST_GUESS);
	p.host = "own.example.com";
	p.host_len = 15;
	p.host_source = 2;
	feed1(t, &p, NULL);
	assert_int_equal(calls, 1); /* only when a flow starts */
	assert_string_equal(live(t, &p.key).host, "own.example.com");
	assert_int_equal(live(t, &p.key).host_source, 2);
	assert_int_equal(live(t, &p.key).host_state, WS_FLOW_HOST_NEW);
	p.host = "later.example.com";
	feed1(t, &p, NULL);
	assert_string_equal(live(t, &p.key).host, "own.example.com");
	report_all(t, SEC);
	assert_int_equal(r.state[WS_FLOW_HOST_NEW], 1);
	feed1(t, &p, NULL);
	assert_int_equal(ws_flow_flush(t, rec, 8), 1);
	assert_int_equal(r.state[WS_FLOW_HOST_REPORTED], 1);
	/* a flow whose first packet has a name is not guessed */
	mk(&p, 4, P_TCP, 0, 1, 3, 5001, 443);
	p.host = "first.example.com";
	p.host_len = 17;
	feed1(t, &p, NULL);
	assert_int_equal(calls, 1);
	ws_flow_table_destroy(t);
}

/* After WS_FLOW_GUESS_PACKETS packets, or at its end, a guess stands: counted once. */
static void
test_name_guess_settles(void **state)
{
	struct name_reports r = {0};
	unsigned int calls = 0, i;
	struct ws_flow_table *t = name_table(&calls, &r);
	struct ws_flow rec[8];
	struct ws_flow_pkt p;

	(void)state;
	mk(&p, 4, P_TCP, 0, 1, 2, 5000, 443);
	for (i = 0; i < WS_FLOW_GUESS_PACKETS; i++)
		feed1(t, &p, NULL);
	p.host = "late.example.com";
	p.host_len = 16;
	feed1(t, &p, NULL); /* packet 17: too late to replace the guess */
	assert_string_equal(live(t, &p.key).host, "guess.example.org");
	report_all(t, SEC);
	assert_int_equal(r.state[WS_FLOW_HOST_NEW], 1); /* settled at this report */
	assert_int_equal(r.state[WS_FLOW_HOST_GUESS], 0);
	assert_int_equal(live(t, &p.key).host_state, WS_FLOW_HOST_REPORTED);

	/* a guess reported while held, then ended with nothing new, settles at the end */
	memset(&r, 0, sizeof(r));
	mk(&p, 4, P_TCP, 0, 1, 4, 5002, 443);
	feed1(t, &p, NULL);
	report_all(t, SEC);
	assert_int_equal(r.state[WS_FLOW_HOST_GUESS], 1);
	assert_int_equal(ws_flow_flush(t, rec, 8), 2);
	assert_int_equal(r.state[WS_FLOW_HOST_NEW], 1);
	assert_int_equal(r.empty_new, 1);
	ws_flow_table_destroy(t);
}

static void
test_expire_max_rec(void **state)
{
	struct ws_flow_table *t = table(128, 5);
	struct ws_flow rec[4];
	struct ws_flow_pkt p;
	struct ws_flow_counters c;
	unsigned int n, total = 0;

	(void)state;
	for (uint32_t i = 0; i < 20; i++) {
		mk(&p, 6, P_UDP, 0, 1, 100 + i, 7000, 53);
		feed1(t, &p, NULL);
	}
	while ((n = ws_flow_expire(t, 100 * SEC, ws_flow_table_slots(t), rec, 4)) != 0) {
		assert_true(n <= 4);
		total += n;
	}
	assert_int_equal(total, 20);
	ws_flow_counters_get(t, &c);
	assert_int_equal(c.ended_idle, 20);
	assert_int_equal(c.active, 0);
	ws_flow_table_destroy(t);
}

static void
test_active_timeout(void **state)
{
	struct ws_flow_conf conf = {.capacity = 64, .idle_ns = 30 * SEC, .active_ns = 300 * SEC};
	struct ws_flow_table *t = ws_flow_table_create(&conf);
	uint64_t pk[2] = {0}, by[2] = {0}, sum_pk[2] = {0}, sum_by[2] = {0};
	struct ws_flow rec[4];
	struct ws_flow_pkt p;
	unsigned int n_active = 0, n, slots = ws_flow_table_slots(t);

	(void)state;
	for (uint64_t s = 1; s <= 1000; s++) {
		unsigned int from_srv = s % 3 == 0;

		p = from_srv ? tcp(9, 443, 8, 50000, 0x18, 1000 + s, s * SEC)
			     : tcp(8, 50000, 9, 443, 0x10, 60, s * SEC);
		feed1(t, &p, NULL);
		pk[p.dir]++;
		by[p.dir] += p.len;
		n = ws_flow_expire(t, s * SEC + 500 * MS, slots, rec, 4);
		for (unsigned int k = 0; k < n; k++) {
			assert_int_equal(rec[k].end_reason, WS_FLOW_END_ACTIVE);
			assert_true(rec[k].last_ns - rec[k].first_ns <= 300 * SEC);
			assert_true(rec[k].last_ns - rec[k].first_ns >= 299 * SEC);
			for (int d = 0; d < 2; d++) {
				sum_pk[d] += rec[k].packets[d];
				sum_by[d] += rec[k].bytes[d];
			}
			n_active++;
		}
	}
	assert_int_equal(n_active, 3);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_ESTABLISHED);
	n = ws_flow_flush(t, rec, 4);
	assert_int_equal(n, 1);
	assert_int_equal(rec[0].end_reason, WS_FLOW_END_SHUTDOWN);
	for (int d = 0; d < 2; d++) {
		sum_pk[d] += rec[0].packets[d];
		sum_by[d] += rec[0].bytes[d];
		assert_int_equal(sum_pk[d], pk[d]);
		assert_int_equal(sum_by[d], by[d]);
	}
	assert_int_equal(ws_flow_flush(t, rec, 4), 0);
	ws_flow_table_destroy(t);
}

/* A flow cut by the active timeout and then silent ends without an empty record. */
static void
test_active_then_idle(void **state)
{
	struct ws_flow_conf conf = {.capacity = 64, .idle_ns = 30 * SEC, .active_ns = 60 * SEC};
	struct ws_flow_table *t = ws_flow_table_create(&conf);
	unsigned int slots = ws_flow_table_slots(t);
	struct ws_flow rec[4];
	struct ws_flow_pkt p;

	(void)state;
	for (uint64_t s = 1; s <= 62; s++) {
		mk(&p, 4, P_UDP, 0, 1, 2, 1000, 53);
		p.ts_ns = s * SEC;
		feed1(t, &p, NULL);
	}
	assert_int_equal(ws_flow_expire(t, 62 * SEC, slots, rec, 4), 1);
	assert_int_equal(rec[0].end_reason, WS_FLOW_END_ACTIVE);
	assert_int_equal(rec[0].packets[p.dir], 62);
	assert_int_equal(active(t), 1);
	assert_int_equal(live(t, &p.key).packets[p.dir], 0);
	assert_int_equal(ws_flow_expire(t, 100 * SEC, slots, rec, 4), 0);
	assert_int_equal(active(t), 0);
	ws_flow_table_destroy(t);
}

/* ---- TCP ---- */

/* Client 10.0.0.9:50000 (side 1), server 10.0.0.5:443 (side 0). */
#define CLI 0x000009
#define SRV 0x000005
#define C2S(fl, len, ts) tcp(CLI, 50000, SRV, 443, fl, len, ts)
#define S2C(fl, len, ts) tcp(SRV, 443, CLI, 50000, fl, len, ts)

static void
handshake(struct ws_flow_table *t, uint64_t t0)
{
	struct ws_flow_pkt p = C2S(0x02, 60, t0);

	feed1(t, &p, NULL);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_SYN_SENT);
	p = C2S(0x02, 60, t0 + 1 * MS); /* retransmission: the first SYN times the RTT */
	feed1(t, &p, NULL);
	p = S2C(0x12, 60, t0 + 10 * MS);
	feed1(t, &p, NULL);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_SYN_RCVD);
	p = S2C(0x10, 52, t0 + 20 * MS); /* the server's ACK does not finish the handshake */
	feed1(t, &p, NULL);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_SYN_RCVD);
	p = C2S(0x10, 52, t0 + 25 * MS + 400);
	feed1(t, &p, NULL);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_ESTABLISHED);
}

static void
test_rtt(void **state)
{
	struct ws_flow_table *t = table(64, 11);
	struct ws_flow_pkt p = C2S(0x18, 500, 2 * SEC);
	struct ws_flow f;

	(void)state;
	handshake(t, SEC);
	feed1(t, &p, NULL);
	f = live(t, &p.key);
	assert_int_equal(p.dir, 1);
	assert_int_equal(f.initiator, 1);
	assert_int_equal(f.rtt_us, 25001);
	assert_int_equal(f.state, WS_FLOW_ST_ESTABLISHED);
	assert_int_equal(f.tcp_flags[1], 0x1a);
	assert_int_equal(f.tcp_flags[0], 0x12);
	assert_int_equal(f.packets[1], 4);
	assert_int_equal(f.packets[0], 2);
	assert_int_equal(f.bytes[1], 60 + 60 + 52 + 500);
	/* SYN missed: the SYN/ACK names the initiator, no RTT */
	p = tcp(7, 443, 3, 40000, 0x12, 60, SEC);
	feed1(t, &p, NULL);
	p = tcp(3, 40000, 7, 443, 0x10, 52, SEC + 5 * MS);
	feed1(t, &p, NULL);
	f = live(t, &p.key);
	assert_int_equal(f.initiator, p.dir);
	assert_int_equal(f.rtt_us, 0);
	assert_int_equal(f.state, WS_FLOW_ST_ESTABLISHED);
	/* picked up mid-stream: the first packet names the initiator */
	p = tcp(30, 443, 20, 40000, 0x10, 1500, SEC);
	feed1(t, &p, NULL);
	f = live(t, &p.key);
	assert_int_equal(f.initiator, p.dir);
	assert_int_equal(f.state, WS_FLOW_ST_ESTABLISHED);
	ws_flow_table_destroy(t);
}

static void
test_fin_close_linger(void **state)
{
	struct ws_flow_conf conf = {.capacity = 64, .linger_ns = 2 * SEC, .seed = 9};
	struct ws_flow_table *t = ws_flow_table_create(&conf);
	unsigned int slots = ws_flow_table_slots(t);
	struct ws_flow_pkt p;
	struct ws_flow rec[2];

	(void)state;
	handshake(t, SEC);
	p = S2C(0x11, 52, 5 * SEC);
	feed1(t, &p, NULL);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_CLOSING);
	assert_int_equal(ws_flow_expire(t, 9 * SEC, slots, rec, 2), 0);
	p = C2S(0x11, 52, 6 * SEC);
	feed1(t, &p, NULL);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_CLOSED);
	p = S2C(0x10, 52, 6 * SEC + 100 * MS); /* the last ACK, during linger */
	feed1(t, &p, NULL);
	assert_int_equal(ws_flow_expire(t, 8 * SEC - 1, slots, rec, 2), 0);
	assert_int_equal(active(t), 1);
	assert_int_equal(ws_flow_expire(t, 8 * SEC + 1, slots, rec, 2), 1);
	assert_int_equal(rec[0].end_reason, WS_FLOW_END_CLOSED);
	assert_int_equal(rec[0].state, WS_FLOW_ST_CLOSED);
	assert_int_equal(rec[0].packets[0] + rec[0].packets[1], 8);
	assert_int_equal(rec[0].last_ns, 6 * SEC + 100 * MS);
	assert_int_equal(rec[0].rtt_us, 25001);
	assert_int_equal(active(t), 0);
	ws_flow_table_destroy(t);
}

/* A packet past the linger ends the closed flow itself, whether or not the hand came by. */
static void
test_linger_ends_at_packet(void **state)
{
	struct ws_flow_conf conf = {.capacity = 64, .linger_ns = 2 * SEC, .seed = 9};
	struct ws_flow_table *t = ws_flow_table_create(&conf);
	struct ws_flow_counters c;
	struct ws_flow_pkt p;
	struct ws_flow rec = {0};

	(void)state;
	handshake(t, SEC);
	p = S2C(0x04, 40, 3 * SEC);
	feed1(t, &p, NULL);
	p = C2S(0x10, 40, 5 * SEC); /* exactly the linger: still the closed flow */
	assert_int_equal(feed1(t, &p, NULL), 0);
	p = C2S(0x10, 40, 5 * SEC + 1);
	assert_int_equal(feed1(t, &p, &rec), 1);
	assert_int_equal(rec.end_reason, WS_FLOW_END_CLOSED);
	assert_int_equal(rec.packets[0] + rec.packets[1], 7);
	assert_int_equal(live(t, &p.key).packets[0] + live(t, &p.key).packets[1], 1);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_ESTABLISHED);
	ws_flow_counters_get(t, &c);
	assert_int_equal(c.created, 2);
	assert_int_equal(c.ended_closed, 1);
	ws_flow_table_destroy(t);
}

static void
test_rst_close(void **state)
{
	struct ws_flow_conf conf = {.capacity = 64, .linger_ns = 2 * SEC};
	struct ws_flow_table *t = ws_flow_table_create(&conf);
	unsigned int slots = ws_flow_table_slots(t);
	struct ws_flow_counters c;
	struct ws_flow_pkt p;
	struct ws_flow rec[2];

	(void)state;
	handshake(t, SEC);
	p = S2C(0x04, 40, 3 * SEC);
	feed1(t, &p, NULL);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_CLOSED);
	p = C2S(0x10, 40, 3 * SEC + 10); /* a late ACK neither reopens nor delays */
	feed1(t, &p, NULL);
	assert_int_equal(live(t, &p.key).state, WS_FLOW_ST_CLOSED);
	assert_int_equal(ws_flow_expire(t, 5 * SEC, slots, rec, 2), 0);
	assert_int_equal(ws_flow_expire(t, 5 * SEC + 1, slots, rec, 2), 1);
	assert_int_equal(rec[0].end_reason, WS_FLOW_END_CLOSED);
	assert_int_equal(rec[0].tcp_flags[0] & 0x04, 0x04);
	ws_flow_counters_get(t, &c);
	assert_int_equal(c.ended_closed, 1);
	assert_int_equal(c.active, 0);
	ws_flow_table_destroy(t);
}

static void
test_syn_after_close(void **state)
{
	struct ws_flow_table *t = table(64, 13);
	struct ws_flow_counters c;
	struct ws_flow_pkt p;
	struct ws_flow rec = {0}, f;

	(void)state;
	handshake(t, SEC);
	p = C2S(0x11, 52, 2 * SEC);
	feed1(t, &p, NULL);
	p = S2C(0x11, 52, 2 * SEC + MS);
	feed1(t, &p, NULL);
	/* an ACK is no new connection */
	p = C2S(0x10, 52, 2 * SEC + 2 * MS);
	assert_int_equal(feed1(t, &p, NULL), 0);
	/* a SYN is: the old flow's record comes back from the update */
	p = C2S(0x02, 60, 2 * SEC + 500 * MS);
	assert_int_equal(feed1(t, &p, &rec), 1);
	assert_int_equal(rec.end_reason, WS_FLOW_END_CLOSED);
	assert_int_equal(rec.packets[0] + rec.packets[1], 8);
	assert_int_equal(rec.rtt_us, 25001);
	f = live(t, &p.key);
	assert_int_equal(f.packets[0] + f.packets[1], 1);
	assert_int_equal(f.state, WS_FLOW_ST_SYN_SENT);
	assert_int_equal(f.first_ns, 2 * SEC + 500 * MS);
	assert_int_equal(f.rtt_us, 0);
	ws_flow_counters_get(t, &c);
	assert_int_equal(c.created, 2);
	assert_int_equal(c.ended_closed, 1);
	assert_int_equal(c.active, 1);
	ws_flow_table_destroy(t);
}

/* ---- eviction ---- */

/* Feed a stream over many flows to a small table; every packet must be accounted once. */
static void
test_eviction_accounting(void **state)
{
	struct ws_flow_table *t = table(256, 17);
	struct ws_flow_pkt p[WS_FLOW_BURST_MAX];
	struct ws_flow rec[WS_FLOW_BURST_MAX];
	struct ws_flow_counters c;
	uint64_t seed = 99, ts = SEC, n_evicted = 0;
	struct ref_set rs;
	unsigned int n;

	(void)state;
	ref_init(&rs, MAX_FLOWS, &seed);
	/* every flow at least once, then 20000 random packets */
	for (uint32_t i = 0; i < MAX_FLOWS + 20000; i += WS_FLOW_BURST_MAX) {
		for (unsigned int j = 0; j < WS_FLOW_BURST_MAX; j++) {
			if (i + j < MAX_FLOWS) {
				struct ref_flow *r = &rs.f[i + j];

				mk(&p[j], r->version, r->proto, 0, r->caddr, r->saddr, r->cport,
				   r->sport);
				p[j].len = 77;
				p[j].ts_ns = ts += 1000;
				r->packets[0]++;
				r->bytes[0] += 77;
				rs.packets++;
			} else {
				ref_packet(&rs, &seed, ts += 1000, &p[j]);
			}
		}
		ws_flow_update_burst(t, p, WS_FLOW_BURST_MAX, rec, &n);
		assert_true(n <= WS_FLOW_BURST_MAX);
		for (unsigned int k = 0; k < n; k++) {
			assert_int_equal(rec[k].end_reason, WS_FLOW_END_EVICTED);
			ref_take(&rs, &rec[k]);
		}
		n_evicted += n;
		assert_true(active(t) <= 256);
	}
	ws_flow_counters_get(t, &c);
	assert_int_equal(c.active, 256);
	assert_int_equal(c.evicted, n_evicted);
	assert_int_equal(c.created, c.evicted + c.active);
	ws_flow_foreach(t, ref_take_cb, &rs);
	ref_assert_zero(&rs);
	free(rs.f);
	ws_flow_table_destroy(t);
}

/* ---- reports ---- */

struct report_arg {
	struct ref_set *rs;
	uint64_t packets, calls;
};

static void
report_cb(void *arg, const struct ws_flow *f, const uint32_t packets[2], const uint32_t bytes[2])
{
	struct report_arg *a = arg;
	struct ws_flow d = {.key = f->key};

	assert_true((packets[0] | packets[1]) != 0);
	for (int i = 0; i < 2; i++) {
		d.packets[i] = packets[i];
		d.bytes[i] = bytes[i];
	}
	a->packets += packets[0] + packets[1];
	a->calls++;
	if (a->rs)
		ref_take(a->rs, &d);
}

/*
 * Every packet is reported once, whatever ends its flow: evictions, active
 * cuts, idle timeouts, closes, the flush; and live flows under the hand.
 */
static void
test_reports_exact(void **state)
{
	struct report_arg a = {0};
	struct ws_flow_conf c = {.capacity = 256,
				 .seed = 5,
				 .active_ns = 2 * MS,
				 .idle_ns = 5 * MS,
				 .report = report_cb,
				 .report_arg = &a};
	struct ws_flow_table *t = ws_flow_table_create(&c);
	struct ws_flow_pkt p[WS_FLOW_BURST_MAX];
	struct ws_flow rec[WS_FLOW_BURST_MAX * 4];
	uint64_t seed = 3, ts = SEC, fed = 0, live_reports;
	struct ref_set rs;
	unsigned int n;

	(void)state;
	assert_non_null(t);
	ref_init(&rs, 1000, &seed);
	a.rs = &rs;
	for (int i = 0; i < 2000; i++) {
		for (unsigned int j = 0; j < WS_FLOW_BURST_MAX; j++)
			ref_packet(&rs, &seed, ts += 3000, &p[j]);
		ws_flow_update_burst(t, p, WS_FLOW_BURST_MAX, rec, &n);
		fed += WS_FLOW_BURST_MAX;
		ws_flow_expire(t, ts, 64, rec, RTE_DIM_(rec));
	}
	/* under the hand, live flows report without ending */
	live_reports = a.calls;
	ws_flow_expire(t, ts, ws_flow_table_slots(t), rec, RTE_DIM_(rec));
	assert_true(a.calls > live_reports);
	while (ws_flow_flush(t, rec, RTE_DIM_(rec)) != 0)
		;
	assert_int_equal(a.packets, fed);
	ref_assert_zero(&rs);
	free(rs.f);
	ws_flow_table_destroy(t);
}

/*
 * A live flow reports from the packet path with WS_FLOW_REPORT_PACKETS
 * unreported, at most once per 2^30 ns of packet time; the hand reports what
 * is left unless the flow has reported from the packet path since its last pass.
 */
static void
test_report_cadence(void **state)
{
	struct report_arg a = {0};
	struct ws_flow_conf c = {.capacity = 64, .seed = 4, .report = report_cb, .report_arg = &a};
	struct ws_flow_table *t = ws_flow_table_create(&c);
	uint32_t i, all = ws_flow_table_slots(t);
	struct ws_flow rec[8];
	struct ws_flow_pkt p;

	(void)state;
	assert_non_null(t);
	p = tcp(1, 1000, 2, 80, 0x10, 100, SEC);
	feed1(t, &p, NULL);
	assert_int_equal(a.calls, 0);
	assert_int_equal(ws_flow_expire(t, SEC, all, rec, 8), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.packets, 1);
	/* nothing new: the next turn does not report */
	assert_int_equal(ws_flow_expire(t, SEC, all, rec, 8), 0);
	assert_int_equal(a.calls, 1);
	/* one short of the threshold waits for the hand; the threshold reports at once */
	for (i = 0; i < WS_FLOW_REPORT_PACKETS - 1; i++)
		feed1(t, &p, NULL);
	assert_int_equal(a.calls, 1);
	feed1(t, &p, NULL);
	assert_int_equal(a.calls, 2);
	assert_int_equal(a.packets, 1 + WS_FLOW_REPORT_PACKETS);
	/* the hand leaves a flow that reported on its own since its last pass */
	feed1(t, &p, NULL);
	ws_flow_expire(t, SEC, all, rec, 8);
	assert_int_equal(a.calls, 2);
	ws_flow_expire(t, SEC, all, rec, 8);
	assert_int_equal(a.calls, 3);
	assert_int_equal(a.packets, 2 + WS_FLOW_REPORT_PACKETS);
	/* once per 2^30 ns from the packet path: then the hand, or a later second */
	for (i = 0; i < 2 * WS_FLOW_REPORT_PACKETS; i++)
		feed1(t, &p, NULL);
	assert_int_equal(a.calls, 3);
	p.ts_ns = SEC + (1ull << 30);
	feed1(t, &p, NULL);
	assert_int_equal(a.calls, 4);
	assert_int_equal(a.packets, 3 + 3 * WS_FLOW_REPORT_PACKETS);
	feed1(t, &p, NULL);
	ws_flow_expire(t, p.ts_ns, all, rec, 8);
	ws_flow_expire(t, p.ts_ns, all, rec, 8);
	assert_int_equal(a.calls, 5);
	assert_int_equal(a.packets, 4 + 3 * WS_FLOW_REPORT_PACKETS);
	ws_flow_table_destroy(t);
}

/* Discarded counts are never reported; what follows is. */
static void
test_reports_discard(void **state)
{
	struct report_arg a = {0};
	struct ws_flow_conf c = {.capacity = 64, .seed = 9, .report = report_cb, .report_arg = &a};
	struct ws_flow_table *t = ws_flow_table_create(&c);
	struct ws_flow rec[WS_FLOW_BURST_MAX];
	struct ws_flow_pkt p;

	(void)state;
	assert_non_null(t);
	for (uint32_t i = 0; i < 40; i++) {
		p = tcp(1 + i % 8, 1000, 99, 80, 0x10, 100, SEC + i);
		feed1(t, &p, NULL);
	}
	ws_flow_report_discard(t);
	for (uint32_t i = 0; i < 12; i++) {
		p = tcp(99, 80, 1 + i % 4, 1000, 0x10, 100, 2 * SEC + i);
		feed1(t, &p, NULL);
	}
	while (ws_flow_flush(t, rec, RTE_DIM_(rec)) != 0)
		;
	assert_int_equal(a.packets, 12);
	ws_flow_table_destroy(t);
}

struct oldest {
	uint64_t ns;
	struct ws_flow_key key;
	unsigned int n;
};

/* The flow a new key must evict: the oldest last_ns in its two buckets. */
static struct oldest
expected_victim(const struct ws_flow_table *t, const struct ws_flow_key *k)
{
	struct oldest o = {.ns = UINT64_MAX};
	uint32_t b[2];

	flow_key_buckets(t, k, b);
	assert_int_not_equal(b[0], b[1]);
	for (int i = 0; i < 2; i++)
		for (int s = 0; s < BUCKET_SLOTS; s++) {
			const struct ws_flow *f = &t->flows[t->buckets[b[i]].idx[s]];

			if (t->buckets[b[i]].sig[s] == SLOT_EMPTY)
				continue;
			o.n++;
			if (f->last_ns < o.ns) {
				o.ns = f->last_ns;
				o.key = f->key;
			}
		}
	return o;
}

/* The pool runs out: each new flow evicts the oldest flow of its two buckets. */
static void
test_eviction_policy_pool(void **state)
{
	struct ws_flow_table *t = table(64, 23);
	struct ws_flow_pkt p;
	struct ws_flow rec;
	uint64_t seed = 5;
	unsigned int checked = 0;

	(void)state;
	for (uint32_t i = 0; i < 64; i++) {
		mk(&p, 4, P_UDP, 0, 1000 + i, 1, 2000, 53);
		p.ts_ns = SEC + rng_next(&seed) % SEC; /* distinct, shuffled ages */
		assert_int_equal(feed1(t, &p, NULL), 0);
	}
	assert_int_equal(active(t), 64);
	for (uint32_t i = 0; i < 300; i++) {
		struct oldest o;

		mk(&p, 4, P_UDP, 0, 5000 + i, 1, 2000, 53);
		p.ts_ns = 3 * SEC + i;
		o = expected_victim(t, &p.key);
		assert_int_equal(feed1(t, &p, &rec), 1);
		assert_int_equal(rec.end_reason, WS_FLOW_END_EVICTED);
		if (o.n != 0) {
			assert_memory_equal(&rec.key, &o.key, sizeof(o.key));
			checked++;
		}
		assert_int_equal(n_live(t, &rec.key), 0);
		assert_int_equal(active(t), 64);
	}
	assert_true(checked > 250);
	ws_flow_table_destroy(t);
}

/* Both buckets full while flows are free: find 17 keys sharing a bucket pair. */
static void
test_eviction_policy_buckets(void **state)
{
	struct ws_flow_table *t = table(32, 29); /* 64 slots in 8 buckets */
	struct ws_flow_pkt pk[17], p;
	uint32_t want[2] = {0, 0}, b[2];
	unsigned int n = 0;
	struct ws_flow rec;
	struct oldest o;

	(void)state;
	assert_int_equal(ws_flow_table_slots(t), 64);
	for (uint32_t i = 0; n < 17 && i < 100000; i++) {
		mk(&p, 6, P_TCP, 0, i, 1, 3000, 443);
		flow_key_buckets(t, &p.key, b);
		if (n == 0) {
			want[0] = b[0];
			want[1] = b[1];
		}
		if ((b[0] == want[0] && b[1] == want[1]) || (b[0] == want[1] && b[1] == want[0]))
			pk[n++] = p;
	}
	assert_int_equal(n, 17);
	for (unsigned int i = 0; i < 16; i++) {
		pk[i].ts_ns = SEC * (1 + (i * 7) % 16);
		assert_int_equal(feed1(t, &pk[i], NULL), 0);
	}
	/* the flow with i * 7 % 16 == 0, i = 0, is the oldest; refresh it */
	pk[0].ts_ns = 20 * SEC;
	feed1(t, &pk[0], NULL);
	o = expected_victim(t, &pk[16].key);
	assert_int_equal(o.n, 16);
	assert_int_equal(o.ns, 2 * SEC);
	pk[16].ts_ns = 21 * SEC;
	assert_int_equal(feed1(t, &pk[16], &rec), 1);
	assert_memory_equal(&rec.key, &pk[7].key, sizeof(rec.key)); /* 7 * 7 % 16 == 1 */
	assert_int_equal(rec.end_reason, WS_FLOW_END_EVICTED);
	assert_int_equal(active(t), 16);
	assert_int_equal(n_live(t, &pk[16].key), 1);
	ws_flow_table_destroy(t);
}

/* capacity flows fit: with the less loaded bucket taken, a full pair of buckets is rare */
static void
test_fill_to_capacity(void **state)
{
	struct ws_flow_table *t = table(1u << 16, 37);
	struct ws_flow_pkt p[WS_FLOW_BURST_MAX];
	struct ws_flow rec[WS_FLOW_BURST_MAX];
	struct ws_flow_counters c;
	unsigned int n, n_rec = 0;

	(void)state;
	for (uint32_t i = 0; i < (1u << 16); i += WS_FLOW_BURST_MAX) {
		for (unsigned int j = 0; j < WS_FLOW_BURST_MAX; j++)
			mk(&p[j], 4, P_UDP, 0, i + j, 0xffffff, 4000, 53);
		ws_flow_update_burst(t, p, WS_FLOW_BURST_MAX, rec, &n);
		n_rec += n;
	}
	ws_flow_counters_get(t, &c);
	print_message("# %u flows in %u slots: %u evicted\n", 1u << 16, ws_flow_table_slots(t),
		      n_rec);
	assert_true(n_rec <= 4);
	assert_int_equal(c.active + c.evicted, 1u << 16);
	ws_flow_table_destroy(t);
}

/* ---- memory ---- */

static void
test_memory_fixed(void **state)
{
	struct ws_flow_conf conf = {.capacity = 4096, .idle_ns = SEC};
	struct ws_flow_pkt p[WS_FLOW_BURST_MAX];
	struct ws_flow rec[WS_FLOW_BURST_MAX];
	struct ws_flow_table *t;
	unsigned long before;
	size_t mem;
	unsigned int n;

	(void)state;
	before = n_alloc;
	t = ws_flow_table_create(&conf);
	assert_non_null(t);
	assert_true(n_alloc > before); /* the wrappers are linked in */
	mem = ws_flow_table_memory(t);
	assert_true(mem >= 4096 * (sizeof(struct ws_flow) + 4) + 8192 * 8);
	assert_true(mem <= 4096 * (sizeof(struct ws_flow) + 4) + 16384 * 8 + 4096);
	before = n_alloc;
	for (uint32_t i = 0; i < 100000; i += WS_FLOW_BURST_MAX) {
		for (unsigned int j = 0; j < WS_FLOW_BURST_MAX; j++) {
			mk(&p[j], (i + j) % 2 ? 4 : 6, P_TCP, 0, i + j, 1, 1024 + (i + j) % 5000,
			   80);
			p[j].tcp_flags = 0x02;
			p[j].len = 64;
			p[j].ts_ns = (uint64_t)(i + j) * 100000;
			p[j].host = "example.com";
			p[j].host_len = 11;
		}
		ws_flow_update_burst(t, p, WS_FLOW_BURST_MAX, rec, &n);
		ws_flow_expire(t, (uint64_t)i * 100000, 64, rec, WS_FLOW_BURST_MAX);
	}
	while (ws_flow_flush(t, rec, WS_FLOW_BURST_MAX) != 0)
		;
	assert_int_equal(n_alloc, before);
	assert_int_equal(ws_flow_table_memory(t), mem);
	assert_int_equal(active(t), 0);
	ws_flow_table_destroy(t);
}

/* ---- flush ---- */

static void
test_flush(void **state)
{
	struct ws_flow_table *t = table(512, 31);
	struct ws_flow_pkt p[WS_FLOW_BURST_MAX];
	struct ws_flow rec[7];
	struct ws_flow_counters c;
	unsigned int seen[300] = {0}, n, total = 0;

	(void)state;
	for (uint32_t i = 0; i < 300; i += 20) {
		for (unsigned int j = 0; j < 20; j++) {
			mk(&p[j], 4, P_UDP, 0, 7, 8, 10000 + i + j, 53);
			p[j].len = i + j;
		}
		ws_flow_update_burst(t, p, 20, NULL, &n);
	}
	assert_int_equal(active(t), 300);
	while ((n = ws_flow_flush(t, rec, 7)) != 0) {
		assert_true(n <= 7);
		for (unsigned int k = 0; k < n; k++) {
			uint32_t id = rec[k].key.port[0] - 10000;

			assert_int_equal(rec[k].end_reason, WS_FLOW_END_SHUTDOWN);
			assert_true(id < 300);
			assert_int_equal(rec[k].bytes[0] + rec[k].bytes[1], id);
			seen[id]++;
		}
		total += n;
	}
	assert_int_equal(total, 300);
	for (int i = 0; i < 300; i++)
		assert_int_equal(seen[i], 1);
	ws_flow_counters_get(t, &c);
	assert_int_equal(c.flushed, 300);
	assert_int_equal(c.active, 0);
	assert_int_equal(ws_flow_flush(t, rec, 7), 0);
	ws_flow_table_destroy(t);
}

static int
cmp_u64_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y) - (x > y);
}

/* ws_flow_top_offer keeps exactly the largest by bytes. */
static void
test_top_offer(void **state)
{
	struct ws_flow h[32], f = {0};
	uint64_t seed = 11, all[1000], kept[32];
	unsigned int n = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		f.bytes[i & 1] = all[i] = rng_next(&seed) % 100000;
		f.bytes[(i & 1) ^ 1] = 0;
		ws_flow_top_offer(h, &n, 32, &f);
		assert_true(n == (i + 1 < 32 ? i + 1 : 32));
	}
	for (i = 0; i < 32; i++)
		kept[i] = ws_flow_bytes(&h[i]);
	qsort(all, 1000, sizeof(all[0]), cmp_u64_desc);
	qsort(kept, 32, sizeof(kept[0]), cmp_u64_desc);
	assert_memory_equal(kept, all, sizeof(kept));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_key_normalization),
		cmocka_unit_test(test_vlan_separates_flows),
		cmocka_unit_test(test_counts_reference),
		cmocka_unit_test(test_burst_duplicates),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_idle_on_arrival),
		cmocka_unit_test(test_name_callback),
		cmocka_unit_test(test_name_guess_settles),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_expire_max_rec),
		cmocka_unit_test(test_active_timeout),
		cmocka_unit_test(test_active_then_idle),
		cmocka_unit_test(test_rtt),
		cmocka_unit_test(test_fin_close_linger),
		cmocka_unit_test(test_linger_ends_at_packet),
		cmocka_unit_test(test_rst_close),
		cmocka_unit_test(test_syn_after_close),
		cmocka_unit_test(test_eviction_accounting),
		cmocka_unit_test(test_eviction_policy_pool),
		cmocka_unit_test(test_eviction_policy_buckets),
		cmocka_unit_test(test_fill_to_capacity),
		cmocka_unit_test(test_memory_fixed),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_reports_exact),
		cmocka_unit_test(test_report_cadence),
		cmocka_unit_test(test_top_offer),
		cmocka_unit_test(test_reports_discard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
