/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hot path: hash, look up and update the flows of one RX burst.
 *
 * A key hashes to 64 bits: the upper 32 are its signature (never 0, which
 * marks an empty slot), the lower ones pick its primary bucket, and the
 * signature picks the offset of its secondary bucket. A flow lives in one of
 * the two, mostly the primary (see bucket_choose()). Lookups match the 8
 * signatures of a bucket at once (SSE2 where the target has it, which every
 * x86-64 does) and compare full keys only on a signature match.
 */
#include <stdbool.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "flow_internal.h"

#define K0 0x9e3779b97f4a7c15ull
#define K1 0xbf58476d1ce4e5b9ull
#define K2 0x94d049bb133111ebull

#define PRIMARY_FILL 6 /* see bucket_choose() */

/* Where one packet's key may live. */
struct key_ref {
	uint32_t sig;
	uint32_t b[2];
	uint32_t first; /* primary bucket slots whose signature matched, when prefetched */
};

/* ---- hashing ---- */

static inline uint64_t
mix(uint64_t h, uint64_t w, uint64_t k)
{
	h = (h ^ w) * k;
	return h ^ (h >> 29);
}

/*
 * 64-bit hash of the 40-byte key: its 8-byte words in two lanes of
 * multiply-xorshift rounds (so that the multiplies overlap), then a
 * MurmurHash3-style finaliser. Seeded per table. An IPv4 key's words 2 and
 * 4 (the addresses' last 12 bytes) are always 0, and are skipped.
 */
static inline uint64_t
key_hash(const struct ws_flow_key *k, uint64_t seed)
{
	uint64_t w[5], a, b;

	memcpy(w, k, sizeof(w));
	a = mix(seed, w[0], K0);
	b = mix(seed ^ K2, w[1], K1);
	if (k->version != 4)
		a = mix(a, w[2], K1);
	b = mix(b, w[3], K0);
	if (k->version != 4)
		a = mix(a, w[4], K2);
	a ^= (b << 32 | b >> 32);
	a = (a ^ (a >> 32)) * K1;
	return a ^ (a >> 29);
}

static inline void
key_ref_get(const struct ws_flow_table *t, const struct ws_flow_key *k, struct key_ref *r)
{
	uint64_t h = key_hash(k, t->seed);
	uint32_t sig = (uint32_t)(h >> 32);
	uint32_t off = ((sig ^ (sig >> 15)) * 0x2c1b3c6du) & t->bucket_mask;

	r->sig = sig != SLOT_EMPTY ? sig : 1;
	r->b[0] = (uint32_t)h & t->bucket_mask;
	r->b[1] = r->b[0] ^ (off != 0 ? off : 1);
}

void
flow_key_buckets(const struct ws_flow_table *t, const struct ws_flow_key *k, uint32_t b[2])
{
	struct key_ref r;

	key_ref_get(t, k, &r);
	b[0] = r.b[0];
	b[1] = r.b[1];
}

/* 8-byte word i of a key. */
static inline uint64_t
key_word(const struct ws_flow_key *k, unsigned int i)
{
	uint64_t w;

	memcpy(&w, (const uint8_t *)k + 8 * i, sizeof(w));
	return w;
}

/*
 * Word 0 holds the version: equal there, two IPv4 keys differ only in words
 * 1 and 3, so only those are loaded.
 */
static inline int
key_eq(const struct ws_flow_key *x, const struct ws_flow_key *y)
{
	uint64_t d = (key_word(x, 0) ^ key_word(y, 0)) | (key_word(x, 1) ^ key_word(y, 1)) |
		     (key_word(x, 3) ^ key_word(y, 3));

	if (d == 0 && x->version != 4)
		d = (key_word(x, 2) ^ key_word(y, 2)) | (key_word(x, 4) ^ key_word(y, 4));
	return d == 0;
}

/* ---- buckets ---- */

/* Bit s set for each slot s of b holding sig. */
static inline unsigned int
bucket_match(const struct bucket *b, uint32_t sig)
{
#if defined(__SSE2__)
	__m128i s = _mm_set1_epi32((int)sig);
	__m128i lo = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)b->sig), s);
	__m128i hi = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)(b->sig + 4)), s);

	return (unsigned int)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
	       (unsigned int)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4;
#else
	unsigned int m = 0;

	for (unsigned int s = 0; s < BUCKET_SLOTS; s++)
		m |= (unsigned int)(b->sig[s] == sig) << s;
	return m;
#endif
}

static inline struct ws_flow *
bucket_find(struct ws_flow_table *t, const struct bucket *b, uint32_t sig,
	    const struct ws_flow_key *k)
{
	unsigned int m = bucket_match(b, sig);
	struct ws_flow *f;

	for (; m != 0; m &= m - 1) {
		f = &t->flows[b->idx[__builtin_ctz(m)]];
		if (key_eq(&f->key, k))
			return f;
	}
	return NULL;
}

/* Prefetch the flows whose signature matches; returns their slots' bits. */
static inline unsigned int
bucket_prefetch_flows(const struct ws_flow_table *t, const struct bucket *b, uint32_t sig)
{
	unsigned int m = bucket_match(b, sig), all = m;
	const struct ws_flow *f;

	for (; m != 0; m &= m - 1) {
		f = &t->flows[b->idx[__builtin_ctz(m)]];
		__builtin_prefetch(f, 1);
		__builtin_prefetch((const char *)f + CACHE_LINE, 1);
	}
	return all;
}

/* ---- eviction and insertion ---- */

/* Slot (bucket * 8 + slot) of the flow in b0 or b1 with the oldest last_ns; UINT32_MAX if none. */
static uint32_t
oldest_slot(const struct ws_flow_table *t, const struct key_ref *r)
{
	uint32_t best = UINT32_MAX;
	uint64_t best_ns = UINT64_MAX;

	for (unsigned int i = 0; i < 2; i++) {
		const struct bucket *b = &t->buckets[r->b[i]];
		unsigned int m = ~bucket_match(b, SLOT_EMPTY) & 0xff;

		for (; m != 0; m &= m - 1) {
			unsigned int s = __builtin_ctz(m);
			uint64_t ns = t->flows[b->idx[s]].last_ns;

			if (best == UINT32_MAX || ns < best_ns) {
				best = r->b[i] * BUCKET_SLOTS + s;
				best_ns = ns;
			}
		}
	}
	return best;
}

/* The next occupied slot under the eviction hand; the table holds at least one flow. */
static uint32_t
hand_slot(struct ws_flow_table *t)
{
	uint32_t mask = table_slots(t) - 1, pos;

	do {
		pos = t->evict_hand;
		t->evict_hand = (pos + 1) & mask;
	} while (t->buckets[pos / BUCKET_SLOTS].sig[pos % BUCKET_SLOTS] == SLOT_EMPTY);
	return pos;
}

/* Make room for the key of r: end one flow (a record if it has packets). */
static void
evict_one(struct ws_flow_table *t, const struct key_ref *r, struct ws_flow *rec,
	  unsigned int *n_rec)
{
	uint32_t pos = oldest_slot(t, r);
	struct ws_flow *f;

	if (pos == UINT32_MAX)
		pos = hand_slot(t);
	f = &t->flows[t->buckets[pos / BUCKET_SLOTS].idx[pos % BUCKET_SLOTS]];
	if (flow_packets(f) != 0)
		flow_record(t, f, WS_FLOW_END_EVICTED, &rec[(*n_rec)++]);
	slot_release(t, pos);
}

/*
 * The bucket a new flow goes to: the primary while it holds fewer than
 * PRIMARY_FILL flows, so that most lookups end there and the secondary bucket
 * is fetched for few packets; beyond that the less loaded of the two (the
 * primary on a tie), so that a full pair stays rare. e0, e1: empty slots.
 */
static inline unsigned int
bucket_choose(unsigned int e0, unsigned int e1)
{
	unsigned int free0 = __builtin_popcount(e0);

	if (free0 == 0)
		return 1;
	return BUCKET_SLOTS - free0 >= PRIMARY_FILL && __builtin_popcount(e1) > free0;
}

/* Take a slot and a free flow for the key of r, evicting a flow if needed. */
static struct ws_flow *
flow_insert(struct ws_flow_table *t, const struct key_ref *r, struct ws_flow *rec,
	    unsigned int *n_rec)
{
	unsigned int e[2], i, s;
	struct bucket *b;
	uint32_t idx;

	e[0] = bucket_match(&t->buckets[r->b[0]], SLOT_EMPTY);
	e[1] = bucket_match(&t->buckets[r->b[1]], SLOT_EMPTY);
	if (t->n_free == 0 || (e[0] | e[1]) == 0) {
		evict_one(t, r, rec, n_rec);
		e[0] = bucket_match(&t->buckets[r->b[0]], SLOT_EMPTY);
		e[1] = bucket_match(&t->buckets[r->b[1]], SLOT_EMPTY);
	}
	i = bucket_choose(e[0], e[1]);
	b = &t->buckets[r->b[i]];
	s = __builtin_ctz(e[i]);
	idx = t->free_idx[--t->n_free];
	b->sig[s] = r->sig;
	b->idx[s] = idx;
	t->cnt.active++;
	t->cnt.created++;
	return &t->flows[idx];
}

/* ---- flow update ---- */

static inline void
flow_start(struct ws_flow *f, const struct ws_flow_pkt *p)
{
	memset(f, 0, offsetof(struct ws_flow, host) + 1);
	f->key = p->key;
	f->initiator = p->dir;
}

/* The first name a packet carries; it replaces one the name callback guessed. */
static void
host_copy(struct ws_flow *f, const struct ws_flow_pkt *p)
{
	uint8_t len = p->host_len;

	if (len > WS_FLOW_HOST_MAX - 1)
		len = WS_FLOW_HOST_MAX - 1;
	memcpy(f->host, p->host, len);
	f->host[len] = '\0';
	f->host_source = p->host_source;
	f->host_state = WS_FLOW_HOST_NEW;
}

static void
tcp_close(struct ws_flow *f, uint64_t ts)
{
	if (f->state != WS_FLOW_ST_CLOSED) {
		f->state = WS_FLOW_ST_CLOSED;
		f->priv_ns = ts;
	}
}

static void
tcp_handshake_done(struct ws_flow *f, uint64_t ts)
{
	uint64_t us;

	f->state = WS_FLOW_ST_ESTABLISHED;
	if ((f->priv_tcp & PRIV_SYN) && ts >= f->priv_ns) {
		us = (ts - f->priv_ns + 999) / 1000;
		f->rtt_us = us == 0 ? 1 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	}
}

/* The TCP state machine of a passive observer: see enum ws_flow_state. */
static void
tcp_track(struct ws_flow *f, const struct ws_flow_pkt *p)
{
	uint8_t fl = p->tcp_flags, st = f->state;

	if (fl & TCP_RST) {
		tcp_close(f, p->ts_ns);
		return;
	}
	if (st == WS_FLOW_ST_CLOSED)
		return;
	if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		if (st == WS_FLOW_ST_NEW) {
			f->state = WS_FLOW_ST_SYN_SENT;
			f->initiator = p->dir;
			f->priv_ns = p->ts_ns;
			f->priv_tcp |= PRIV_SYN;
		}
	} else if (fl & TCP_SYN) { /* SYN/ACK */
		if (st == WS_FLOW_ST_NEW) {
			f->initiator = p->dir ^ 1; /* the peer sent the SYN we missed */
			f->state = WS_FLOW_ST_SYN_RCVD;
		} else if (st == WS_FLOW_ST_SYN_SENT && p->dir != f->initiator) {
			f->state = WS_FLOW_ST_SYN_RCVD;
		}
	} else if (st == WS_FLOW_ST_SYN_RCVD) {
		if (p->dir == f->initiator && (fl & TCP_ACK))
			tcp_handshake_done(f, p->ts_ns);
	} else if (st < WS_FLOW_ST_ESTABLISHED) {
		f->state = WS_FLOW_ST_ESTABLISHED; /* picked up mid-stream, or a SYN/ACK missed */
	}
	if (fl & TCP_FIN) {
		f->priv_tcp |= p->dir ? PRIV_FIN1 : PRIV_FIN0;
		if ((f->priv_tcp & (PRIV_FIN0 | PRIV_FIN1)) == (PRIV_FIN0 | PRIV_FIN1))
			tcp_close(f, p->ts_ns);
		else
			f->state = WS_FLOW_ST_CLOSING;
	}
}

static inline void
flow_count(const struct ws_flow_table *t, struct ws_flow *f, const struct ws_flow_pkt *p)
{
	unsigned int d = p->dir;

	if (__builtin_expect(f->priv_gen != t->report_gen, 0)) {
		memset(f->priv_new_packets, 0, sizeof(f->priv_new_packets));
		memset(f->priv_new_bytes, 0, sizeof(f->priv_new_bytes));
		f->priv_gen = t->report_gen;
	}
	if (__builtin_expect((uint64_t)f->priv_new_bytes[d] + p->len > UINT32_MAX ||
				     f->priv_new_packets[d] == UINT32_MAX,
			     0))
		flow_report(t, f, false);
	f->priv_new_packets[d]++;
	f->priv_new_bytes[d] += p->len;

	if (flow_packets(f) == 0)
		f->first_ns = p->ts_ns;
	if (p->ts_ns > f->last_ns)
		f->last_ns = p->ts_ns;
	f->packets[d]++;
	f->bytes[d] += p->len;
	f->tcp_flags[d] |= p->tcp_flags;
	if (p->host != NULL && p->host_len != 0 &&
	    (f->host_state == WS_FLOW_HOST_NONE ||
	     (f->host_state == WS_FLOW_HOST_GUESS && flow_packets(f) <= WS_FLOW_GUESS_PACKETS)))
		host_copy(f, p);
	if (p->key.proto == IPPROTO_TCP_)
		tcp_track(f, p);
	else if (f->state == WS_FLOW_ST_NEW && f->packets[d ^ 1] != 0)
		f->state = WS_FLOW_ST_ESTABLISHED;
}

/* A SYN without ACK on a CLOSED flow: the port pair is reused by a new connection. */
static inline int
tcp_reuse(const struct ws_flow *f, const struct ws_flow_pkt *p)
{
	return f->state == WS_FLOW_ST_CLOSED && p->key.proto == IPPROTO_TCP_ &&
	       (p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;
}

/*
 * A flow idle past its timeout, or closed for longer than the linger, ends
 * when its next packet comes, even if the expiry hand has not passed it yet:
 * where a flow ends does not depend on when the hand runs.
 */
static inline int
flow_stale(const struct ws_flow_table *t, const struct ws_flow *f, const struct ws_flow_pkt *p)
{
	return (p->ts_ns > f->last_ns && p->ts_ns - f->last_ns > t->idle_ns) ||
	       (f->state == WS_FLOW_ST_CLOSED && p->ts_ns > f->priv_ns &&
		p->ts_ns - f->priv_ns > t->linger_ns);
}

/* ws_flow.priv_report_s of a report at ts: 1 + its 2^30 ns unit, so that 0 is "never". */
static inline uint16_t
report_second(uint64_t ts)
{
	return (uint16_t)((ts >> 30) + 1);
}

static inline void
flow_account(struct ws_flow_table *t, const struct ws_flow_pkt *p, const struct key_ref *r,
	     struct ws_flow *rec, unsigned int *n_rec)
{
	struct ws_flow *f;
	bool started = true;

	f = NULL;
	if (r->first != 0) {
		/* matched at prefetch; an earlier packet of the burst may have changed it */
		const struct bucket *b = &t->buckets[r->b[0]];
		unsigned int s = __builtin_ctz(r->first);

		if (b->sig[s] == r->sig && key_eq(&t->flows[b->idx[s]].key, &p->key))
			f = &t->flows[b->idx[s]];
	}
	if (f == NULL)
		f = bucket_find(t, &t->buckets[r->b[0]], r->sig, &p->key);
	if (f == NULL)
		f = bucket_find(t, &t->buckets[r->b[1]], r->sig, &p->key);
	if (f == NULL) {
		f = flow_insert(t, r, rec, n_rec);
		flow_start(f, p);
	} else if (tcp_reuse(f, p) || flow_stale(t, f, p)) {
		if (flow_packets(f) != 0)
			flow_record(t, f,
				    f->state == WS_FLOW_ST_CLOSED ? WS_FLOW_END_CLOSED
								  : WS_FLOW_END_IDLE,
				    &rec[(*n_rec)++]);
		t->cnt.created++;
		flow_start(f, p);
	} else {
		started = false;
	}
	flow_count(t, f, p);
	if (started && t->name != NULL && f->host_state == WS_FLOW_HOST_NONE) {
		t->name(t->name_arg, f);
		if (f->host[0] != '\0')
			f->host_state = WS_FLOW_HOST_GUESS;
	}
	/* a heavy flow reports now, its lines in cache, at most once a second */
	if (__builtin_expect((uint64_t)f->priv_new_packets[0] + f->priv_new_packets[1] >=
				     WS_FLOW_REPORT_PACKETS,
			     0) &&
	    f->priv_report_s != report_second(p->ts_ns)) {
		f->priv_report_s = report_second(p->ts_ns);
		f->priv_path = 1;
		flow_report(t, f, false);
	}
}

/*
 * Hash all, prefetch primary buckets; match signatures there and prefetch the
 * flows found, or else the secondary bucket; match those and prefetch; then
 * update in packet order.
 */
static void
burst_run(struct ws_flow_table *t, const struct ws_flow_pkt *pkts, unsigned int n,
	  struct ws_flow *rec, unsigned int *n_rec)
{
	struct key_ref r[WS_FLOW_BURST_MAX];
	uint32_t need2 = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		key_ref_get(t, &pkts[i].key, &r[i]);
		__builtin_prefetch(&t->buckets[r[i].b[0]]);
	}
	for (i = 0; i < n; i++) {
		r[i].first = bucket_prefetch_flows(t, &t->buckets[r[i].b[0]], r[i].sig);
		if (r[i].first == 0) {
			__builtin_prefetch(&t->buckets[r[i].b[1]]);
			need2 |= 1u << i;
		}
	}
	for (; need2 != 0; need2 &= need2 - 1) {
		i = __builtin_ctz(need2);
		bucket_prefetch_flows(t, &t->buckets[r[i].b[1]], r[i].sig);
	}
	for (i = 0; i < n; i++)
		flow_account(t, &pkts[i], &r[i], rec, n_rec);
}

void
ws_flow_update_burst(struct ws_flow_table *t, const struct ws_flow_pkt *pkts, unsigned int n,
		     struct ws_flow *rec, unsigned int *n_rec)
{
	unsigned int m;

	*n_rec = 0;
	for (; n > 0; n -= m, pkts += m) {
		m = n < WS_FLOW_BURST_MAX ? n : WS_FLOW_BURST_MAX;
		burst_run(t, pkts, m, rec, n_rec);
	}
}
