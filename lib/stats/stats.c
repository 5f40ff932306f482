/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core packet accounting: counters and heavy-hitter summaries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ws_stats.h"
#include "stats_keys.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

_Static_assert(sizeof(struct ws_stats_counters) % sizeof(uint64_t) == 0,
	       "counters are summed as an array of uint64_t");

struct ws_stats *
ws_stats_create(const struct ws_stats_sizes *sizes)
{
	static const uint32_t key_size[WS_TOP_MAX] = {
		[WS_TOP_DST] = WS_KEY_IP_LEN,		[WS_TOP_SRC] = WS_KEY_IP_LEN,
		[WS_TOP_DPORT] = WS_KEY_PORT_LEN,	[WS_TOP_PAIR] = WS_KEY_PAIR_LEN,
		[WS_TOP_HOST] = WS_KEY_HOST_LEN,	[WS_TOP_SITE] = WS_FLOW_HOST_MAX,
		[WS_TOP_SITE_FLOWS] = WS_FLOW_HOST_MAX,
	};
	struct ws_stats *s = calloc(1, sizeof(*s));
	int i, err;

	if (!s)
		return NULL;
	s->series.n = sizes->rate_seconds ? sizes->rate_seconds : 900;
	s->series.slot = calloc(s->series.n, sizeof(s->series.slot[0]));
	if (!s->series.slot) {
		free(s);
		return NULL;
	}
	s->series.cur = &s->series.slot[0];
	for (i = 0; i < WS_UNIQ_MAX; i++) {
		s->uniq[i] = ws_hll_create(WS_STATS_HLL_P);
		if (!s->uniq[i]) {
			err = errno;
			ws_stats_destroy(s);
			errno = err;
			return NULL;
		}
	}
	for (i = 0; i < WS_TOP_MAX; i++) {
		s->top[i] = ws_topk_create(
			i >= WS_TOP_HOST ? sizes->host_capacity : sizes->top_capacity, key_size[i]);
		if (!s->top[i]) {
			err = errno;
			ws_stats_destroy(s);
			errno = err;
			return NULL;
		}
	}
	return s;
}

void
ws_stats_destroy(struct ws_stats *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < WS_TOP_MAX; i++)
		ws_topk_destroy(s->top[i]);
	for (i = 0; i < WS_UNIQ_MAX; i++)
		ws_hll_destroy(s->uniq[i]);
	free(s->series.slot);
	free(s);
}

void
ws_stats_reset(struct ws_stats *s)
{
	int i;

	memset(&s->c, 0, sizeof(s->c));
	for (i = 0; i < WS_TOP_MAX; i++)
		ws_topk_reset(s->top[i]);
	for (i = 0; i < WS_UNIQ_MAX; i++)
		ws_hll_reset(s->uniq[i]);
	memset(s->series.slot, 0, s->series.n * sizeof(s->series.slot[0]));
	s->series.cur = &s->series.slot[0];
	s->series.cur_start_ns = s->series.cur_end_ns = 0;
}

static inline unsigned int
size_bucket(uint32_t len)
{
	uint32_t octets = len + 4; /* RFC 2819 counts the FCS, which NICs strip */

	if (octets < 64)
		return WS_SIZE_UNDER_64;
	if (octets == 64)
		return WS_SIZE_64;
	if (octets > 1518)
		return WS_SIZE_OVER_1518;
	/* 65-127 -> 2, 128-255 -> 3, ... 1024-1518 -> 6 */
	return 31 - __builtin_clz(octets) - 4;
}

static inline void
count_top(struct ws_stats *s, int which, const uint8_t *key, uint16_t len, uint32_t bytes)
{
	if (ws_topk_update(s->top[which], key, len, 1, bytes) < 0)
		s->c.topk_rejected++;
}

/* The L4 right after the outer IP header, as tshark's frame.protocols has it. */
static inline void
count_l4(struct ws_stats_counters *c, const struct ws_ip *o)
{
	if (o->version == 0 || (o->frag & WS_FRAG_LATER)) {
		c->other_l4++;
		return;
	}
	switch (o->proto) {
	case 6:
		c->tcp++;
		break;
	case 17:
		c->udp++;
		break;
	case 1:
		c->icmp++;
		break;
	case 58:
		c->icmpv6++;
		break;
	default:
		c->other_l4++;
		break;
	}
}

/* A conversation: protocol and both (address, port) ends, the lower end first. */
static void
count_conversation(struct ws_stats *s, const uint8_t *data, const struct ws_ip *o)
{
	uint16_t alen = o->version == 4 ? 4 : 16, sp = o->sport, dp = o->dport;
	const uint8_t *src = data + o->l3_off + (o->version == 4 ? 12 : 8), *dst = src + alen;
	int c = memcmp(src, dst, alen);
	int lo_first = c < 0 || (c == 0 && sp <= dp);
	uint8_t key[1 + 2 * (16 + 2)];

	key[0] = o->proto;
	memcpy(key + 1, lo_first ? src : dst, alen);
	memcpy(key + 1 + alen, lo_first ? &sp : &dp, 2);
	memcpy(key + 3 + alen, lo_first ? dst : src, alen);
	memcpy(key + 3 + 2 * alen, lo_first ? &dp : &sp, 2);
	ws_hll_add_hash(s->uniq[WS_UNIQ_FLOWS], ws_hll_hash(key, 5 + 2 * alen));
}

/* Out of line: with tops_from_flows (the RX lcores) no packet comes here. */
static __attribute__((noinline)) void
count_addresses(struct ws_stats *s, const uint8_t *data, uint32_t len, const struct ws_ip *o)
{
	uint8_t key[WS_KEY_PAIR_LEN];
	uint16_t klen;

	klen = ws_key_ip(key, data, o, 0);
	count_top(s, WS_TOP_SRC, key, klen, len);
	ws_hll_add_hash(s->uniq[WS_UNIQ_SRC], ws_hll_hash(key, klen));
	ws_key_ip(key, data, o, 1);
	count_top(s, WS_TOP_DST, key, klen, len);
	ws_hll_add_hash(s->uniq[WS_UNIQ_DST], ws_hll_hash(key, klen));
	count_top(s, WS_TOP_PAIR, key, ws_key_pair(key, data, o), len);
	if (o->has_l4 && (o->proto == 6 || o->proto == 17) && !(o->frag & WS_FRAG_LATER))
		count_conversation(s, data, o);
	if (o->has_l4 && (o->proto == 6 || o->proto == 17)) {
		klen = ws_key_port(key, o->proto, o->dport);
		count_top(s, WS_TOP_DPORT, key, klen, len);
	}
}

static void
count_host(struct ws_stats *s, const uint8_t *data, uint32_t len, uint32_t frame_len,
	   const struct ws_pkt *p)
{
	uint8_t key[WS_KEY_HOST_LEN];
	struct ws_host *h = &s->host;

	int rc = s->names ? ws_names_host(s->names, data, len, p, s->now_ns, h, &s->c.names)
			  : ws_parse_host(data, len, p, h);

	switch (rc) {
	case 0:
		s->c.hosts[h->source]++;
		count_top(s, WS_TOP_HOST, key, ws_key_host(key, h), frame_len);
		break;
	case -ENODATA:
		s->c.host_partial++;
		break;
	case -EBADMSG:
		s->c.host_malformed++;
		break;
	default:
		break;
	}
}

void
ws_stats_account(struct ws_stats *s, const uint8_t *data, uint32_t len, uint32_t frame_len,
		 const struct ws_pkt *p)
{
	struct ws_stats_counters *c = &s->c;
	const struct ws_ip *o = &p->outer;
	unsigned int i;

	s->host.len = 0;
	c->packets++;
	c->bytes += frame_len;
	c->sizes[size_bucket(frame_len)]++;
	c->vlan_depth[p->n_vlans]++;
	c->mpls += p->n_mpls > 0;
	c->pppoe += p->pppoe;
	c->tunneled += p->n_tunnels > 0;
	if (unlikely(p->rc != WS_PARSE_OK)) {
		c->malformed++;
		c->reasons[p->rc]++;
	}
	switch (p->l3) {
	case WS_L3_IPV4:
	case WS_L3_IPV6:
		if (p->l3 == WS_L3_IPV4)
			c->ipv4++;
		else
			c->ipv6++;
		count_l4(c, o);
		break;
	case WS_L3_ARP:
		c->arp++;
		return;
	default:
		c->non_ip++;
		return;
	}
	if (o->version == 0)
		return;
	c->fragments += (o->frag & WS_FRAG_ANY) != 0;
	c->later_fragments += (o->frag & WS_FRAG_LATER) != 0;
	if (o->proto == 6 && o->has_l4)
		for (i = o->tcp_flags; i != 0; i &= i - 1) /* the flags set, only */
			c->tcp_flags[__builtin_ctz(i)]++;
	if (!s->tops_from_flows)
		count_addresses(s, data, frame_len, o);
	if (p->inner.has_l4 && p->inner.payload_off < p->inner.end)
		count_host(s, data, len, frame_len, p);
}

/* A named flow: all it carried so far at its first report with the name, then what is new. */
static void
count_site(struct ws_stats *s, const struct ws_flow *f, const uint32_t packets[2],
	   const uint32_t bytes[2])
{
	uint16_t len = strnlen(f->host, WS_FLOW_HOST_MAX - 1);
	uint64_t pk = packets[0] + packets[1], by = (uint64_t)bytes[0] + bytes[1];

	if (f->host_state == WS_FLOW_HOST_NEW) {
		pk = f->packets[0] + f->packets[1];
		by = f->bytes[0] + f->bytes[1];
		count_top(s, WS_TOP_SITE_FLOWS, (const uint8_t *)f->host, len, 0);
	}
	/* a summary counts 32 bits per update: a name first seen past 4 GiB is cut there */
	if (ws_topk_update(s->top[WS_TOP_SITE], f->host, len, pk > UINT32_MAX ? UINT32_MAX : pk,
			   by > UINT32_MAX ? UINT32_MAX : by) < 0)
		s->c.topk_rejected++;
}

/* The addresses, ports, pair and conversation of a flow that sent something. */
static void
count_flow_traffic(struct ws_stats *s, const struct ws_flow *f, const uint32_t packets[2],
		   const uint32_t bytes[2])
{
	const struct ws_flow_key *k = &f->key;
	uint16_t alen = k->version == 4 ? 4 : 16, klen = 1 + alen;
	bool ports = (k->proto == 6 || k->proto == 17) && (k->port[0] | k->port[1]) != 0;
	uint8_t key[WS_KEY_PAIR_LEN], conv[1 + 2 * (16 + 2)];
	uint64_t ah[2]; /* each side's address key hashed once: a source one way, a destination
			   the other */
	unsigned int d;
	int lo;

	key[0] = k->version;
	for (d = 0; d < 2; d++) {
		memcpy(key + 1, k->addr[d], alen);
		ah[d] = ws_hll_hash(key, klen);
	}
	for (d = 0; d < 2; d++) {
		if (packets[d] == 0)
			continue;
		/* side d sent: its address is a source, the other side's a destination */
		key[0] = k->version; /* the port key below overwrites it */
		memcpy(key + 1, k->addr[d], alen);
		if (ws_topk_update(s->top[WS_TOP_SRC], key, klen, packets[d], bytes[d]) < 0)
			s->c.topk_rejected++;
		ws_hll_add_hash(s->uniq[WS_UNIQ_SRC], ah[d]);
		memcpy(key + 1, k->addr[d ^ 1], alen);
		if (ws_topk_update(s->top[WS_TOP_DST], key, klen, packets[d], bytes[d]) < 0)
			s->c.topk_rejected++;
		ws_hll_add_hash(s->uniq[WS_UNIQ_DST], ah[d ^ 1]);
		if (ports && ws_topk_update(s->top[WS_TOP_DPORT], key,
					    ws_key_port(key, k->proto, k->port[d ^ 1]), packets[d],
					    bytes[d]) < 0)
			s->c.topk_rejected++;
	}
	lo = memcmp(k->addr[0], k->addr[1], alen) <= 0 ? 0 : 1;
	key[0] = k->version;
	memcpy(key + 1, k->addr[lo], alen);
	memcpy(key + 1 + alen, k->addr[lo ^ 1], alen);
	if (ws_topk_update(s->top[WS_TOP_PAIR], key, 1 + 2 * alen, packets[0] + packets[1],
			   bytes[0] + bytes[1]) < 0)
		s->c.topk_rejected++;
	if (ports) {
		/* as count_conversation(): side 0 is the lower (address, port) end */
		conv[0] = k->proto;
		memcpy(conv + 1, k->addr[0], alen);
		memcpy(conv + 1 + alen, &k->port[0], 2);
		memcpy(conv + 3 + alen, k->addr[1], alen);
		memcpy(conv + 3 + 2 * alen, &k->port[1], 2);
		ws_hll_add_hash(s->uniq[WS_UNIQ_FLOWS], ws_hll_hash(conv, 5 + 2 * alen));
	}
}

void
ws_stats_flow_report(void *stats, const struct ws_flow *f, const uint32_t packets[2],
		     const uint32_t bytes[2])
{
	struct ws_stats *s = stats;

	if ((packets[0] | packets[1]) != 0) /* 0: a guessed name settling, nothing new */
		count_flow_traffic(s, f, packets, bytes);
	/* host[] is in the flow's third line; a guess counts once settled */
	if (f->host_state == WS_FLOW_HOST_NEW || f->host_state == WS_FLOW_HOST_REPORTED)
		count_site(s, f, packets, bytes);
	s->c.flow_reported += packets[0] + packets[1];
}

void
ws_series_advance(struct ws_series *s, uint64_t ts_ns)
{
	uint64_t sec = ts_ns / 1000000000u;
	struct ws_series_slot *slot = &s->slot[sec % s->n];

	if (slot->sec != sec) {
		/* A packet older than the window counts in the newer second that has its slot. */
		if (slot->sec > sec)
			sec = slot->sec;
		else
			*slot = (struct ws_series_slot){.sec = sec};
	}
	s->cur = slot;
	s->cur_start_ns = sec * 1000000000u;
	s->cur_end_ns = s->cur_start_ns + 1000000000u;
}

/* Same second: add; a newer one replaces an older; an older one is out of the window. */
static void
series_merge(struct ws_series *dst, const struct ws_series *src)
{
	uint32_t i;

	for (i = 0; i < src->n; i++) {
		const struct ws_series_slot *v = &src->slot[i];
		struct ws_series_slot *d;

		if (v->sec == 0)
			continue;
		d = &dst->slot[v->sec % dst->n];
		if (d->sec == v->sec) {
			d->packets += v->packets;
			d->bytes += v->bytes;
			d->flows += v->flows;
		} else if (d->sec < v->sec) {
			*d = *v;
		}
	}
}

int
ws_stats_merge(struct ws_stats *dst, const struct ws_stats *src)
{
	uint64_t *d = (uint64_t *)&dst->c;
	const uint64_t *v = (const uint64_t *)&src->c;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(dst->c) / sizeof(uint64_t); i++)
		d[i] += v[i];
	series_merge(&dst->series, &src->series);
	for (i = 0; i < WS_UNIQ_MAX; i++) {
		rc = ws_hll_merge(dst->uniq[i], src->uniq[i]);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < WS_TOP_MAX; i++) {
		rc = ws_topk_merge(dst->top[i], src->top[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
ws_stats_copy(struct ws_stats *dst, const struct ws_stats *src)
{
	int i, rc;

	dst->c = src->c;
	if (dst->series.n != src->series.n)
		return -EINVAL;
	memcpy(dst->series.slot, src->series.slot, src->series.n * sizeof(src->series.slot[0]));
	dst->series.cur = dst->series.slot + (src->series.cur - src->series.slot);
	dst->series.cur_start_ns = src->series.cur_start_ns;
	dst->series.cur_end_ns = src->series.cur_end_ns;
	for (i = 0; i < WS_UNIQ_MAX; i++) {
		rc = ws_hll_copy(dst->uniq[i], src->uniq[i]);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < WS_TOP_MAX; i++) {
		rc = ws_topk_copy(dst->top[i], src->top[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}
