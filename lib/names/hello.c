/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS ClientHellos longer than their first TCP segment (post-quantum key
 * shares make them about 1.8 KB): the client's first bytes are kept in a slot
 * of a preallocated pool, and the following segments of the same direction
 * are appended while they come in order, until the SNI is read, the hello
 * turns out to have none, or the slot gives up (a gap, FIN or RST, no segment
 * for the timeout, or the slot full). A small open-addressing index on the
 * directed 4-tuple finds a packet's slot; while no slot is in use, a segment
 * costs one compare.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ws_names.h"
#include "names_internal.h"

#define TCP_FIN 0x01
#define TCP_RST 0x04
#define EMPTY UINT32_MAX

/* The client's side of a connection: inner addresses and ports, as sent. */
struct hello_key {
	uint8_t version;
	uint8_t pad;
	uint16_t vlan;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
};

struct slot {
	struct hello_key key;
	uint32_t next_seq; /* the sequence number the next in-order segment has */
	uint32_t len;	   /* bytes in buf */
	uint64_t last_ns;  /* last segment added */
	bool used;
};

struct hello_pool {
	uint32_t n_slots, bytes, used;
	uint32_t mask; /* index size - 1 */
	uint64_t timeout_ns;
	uint64_t next_sweep_ns;
	struct slot *slots;
	uint32_t *index; /* slot numbers, EMPTY where none */
	uint32_t *free;	 /* stack of free slot numbers */
	uint32_t n_free;
	uint8_t *buf; /* n_slots * bytes */
	size_t memory;
};

struct hello_pool *
hello_pool_create(uint32_t slots, uint32_t bytes, uint64_t timeout_ns)
{
	struct hello_pool *hp = calloc(1, sizeof(*hp));
	uint32_t size = 2, i;

	if (!hp)
		return NULL;
	while (size < 2 * slots) /* at most half full: probes stay short */
		size <<= 1;
	hp->n_slots = slots;
	hp->bytes = bytes;
	hp->mask = size - 1;
	hp->timeout_ns = timeout_ns;
	hp->slots = calloc(slots, sizeof(*hp->slots));
	hp->index = malloc(size * sizeof(*hp->index));
	hp->free = malloc(slots * sizeof(*hp->free));
	hp->buf = calloc(slots, bytes);
	if (!hp->slots || !hp->index || !hp->free || !hp->buf) {
		hello_pool_destroy(hp);
		return NULL;
	}
	memset(hp->index, 0xff, size * sizeof(*hp->index));
	for (i = 0; i < slots; i++)
		hp->free[i] = slots - 1 - i;
	hp->n_free = slots;
	hp->memory = sizeof(*hp) + slots * (sizeof(*hp->slots) + sizeof(*hp->free) + bytes) +
		     size * sizeof(*hp->index);
	return hp;
}

void
hello_pool_destroy(struct hello_pool *hp)
{
	if (!hp)
		return;
	free(hp->slots);
	free(hp->index);
	free(hp->free);
	free(hp->buf);
	free(hp);
}

size_t
hello_pool_memory(const struct hello_pool *hp)
{
	return hp->memory;
}

static uint32_t
key_hash(const struct hello_key *k)
{
	uint64_t w[5], h = 0x9e3779b97f4a7c15ull;
	unsigned int i;

	memcpy(w, k, sizeof(w));
	for (i = 0; i < 5; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return (uint32_t)h;
}

/* @return the index position holding k, or of the empty entry where it would go. */
static uint32_t
index_find(const struct hello_pool *hp, const struct hello_key *k)
{
	uint32_t pos = key_hash(k) & hp->mask;

	while (hp->index[pos] != EMPTY && memcmp(&hp->slots[hp->index[pos]].key, k, sizeof(*k)))
		pos = (pos + 1) & hp->mask;
	return pos;
}

/* Free a slot; backward-shift deletion keeps linear probing without tombstones. */
static void
slot_free(struct hello_pool *hp, uint32_t s)
{
	uint32_t pos = index_find(hp, &hp->slots[s].key), next, home;

	for (;;) {
		hp->index[pos] = EMPTY;
		next = pos;
		for (;;) {
			next = (next + 1) & hp->mask;
			if (hp->index[next] == EMPTY)
				goto out;
			home = key_hash(&hp->slots[hp->index[next]].key) & hp->mask;
			/* move it back unless its home lies cyclically in (pos, next] */
			if (pos <= next ? (home <= pos || home > next)
					: (home <= pos && home > next))
				break;
		}
		hp->index[pos] = hp->index[next];
		pos = next;
	}
out:
	hp->slots[s].used = false;
	hp->free[hp->n_free++] = s;
	hp->used--;
}

/* Give up the slots with no segment for the timeout. */
static void
sweep(struct hello_pool *hp, uint64_t now, struct ws_names_counters *cnt)
{
	uint32_t s;

	for (s = 0; s < hp->n_slots && hp->used; s++)
		if (hp->slots[s].used && now - hp->slots[s].last_ns > hp->timeout_ns &&
		    now > hp->slots[s].last_ns) {
			slot_free(hp, s);
			cnt->hello_gave_up++;
		}
	hp->next_sweep_ns = now + hp->timeout_ns;
}

static void
key_make(struct hello_key *k, const uint8_t *d, const struct ws_pkt *p)
{
	const struct ws_ip *ip = &p->inner;
	unsigned int alen = ip->version == 4 ? 4 : 16;
	const uint8_t *src = d + ip->l3_off + (ip->version == 4 ? 12 : 8);

	memset(k, 0, sizeof(*k));
	k->version = ip->version;
	k->vlan = p->n_vlans ? p->vlan[0] : 0;
	k->sport = ip->sport;
	k->dport = ip->dport;
	memcpy(k->src, src, alen);
	memcpy(k->dst, src + alen, alen);
}

/* Keep the first segment of a long ClientHello. */
static int
hello_start(struct hello_pool *hp, const struct hello_key *k, uint32_t seq, const uint8_t *pl,
	    uint32_t n, uint64_t ts, struct ws_names_counters *cnt)
{
	uint32_t s;

	if (n >= hp->bytes)
		return -ENODATA; /* the slot would hold no more than the segment does */
	if (hp->n_free == 0)
		sweep(hp, ts, cnt);
	if (hp->n_free == 0) {
		cnt->hello_pool_full++;
		return -ENODATA;
	}
	s = hp->free[--hp->n_free];
	hp->slots[s] = (struct slot){
		.key = *k, .next_seq = seq + n, .len = n, .last_ns = ts, .used = true};
	memcpy(hp->buf + (size_t)s * hp->bytes, pl, n);
	hp->index[index_find(hp, k)] = s;
	hp->used++;
	cnt->hello_started++;
	return -ENODATA;
}

/* Append an in-order segment (or the new part of an overlapping one) and read again. */
static int
hello_add(struct hello_pool *hp, uint32_t s, uint32_t seq, const uint8_t *pl, uint32_t n,
	  uint8_t flags, uint64_t ts, struct ws_host *h, struct ws_names_counters *cnt)
{
	struct slot *sl = &hp->slots[s];
	uint8_t *buf = hp->buf + (size_t)s * hp->bytes;
	uint32_t skip = sl->next_seq - seq, room;
	int rc;

	if ((int32_t)(seq - sl->next_seq) > 0) {
		rc = -ENOENT; /* a gap: a segment is missing or out of order */
		goto give_up;
	}
	if (n <= skip) { /* all of it seen before: a retransmission */
		if (flags & (TCP_FIN | TCP_RST)) {
			rc = -ENOENT;
			goto give_up;
		}
		return -ENOENT;
	}
	pl += skip;
	n -= skip;
	room = hp->bytes - sl->len;
	memcpy(buf + sl->len, pl, n < room ? n : room);
	sl->len += n < room ? n : room;
	sl->next_seq += n;
	sl->last_ns = ts;
	rc = ws_parse_tls_record_hello(buf, sl->len, h);
	if (rc == 0) {
		cnt->hello_reassembled++;
		slot_free(hp, s);
		return 0;
	}
	if (rc == -ENODATA && sl->len < hp->bytes && !(flags & (TCP_FIN | TCP_RST)))
		return -ENODATA;
give_up:
	cnt->hello_gave_up++;
	slot_free(hp, s);
	return rc == -ENODATA ? -ENOENT : rc;
}

/* A segment while a hello is pending, or the first of a long one. */
static __attribute__((noinline)) int
segment_add(struct hello_pool *hp, const uint8_t *d, const struct ws_pkt *p, int rc, uint64_t ts_ns,
	    struct ws_host *h, struct ws_names_counters *cnt)
{
	const struct ws_ip *ip = &p->inner;
	const uint8_t *pl = d + ip->payload_off;
	uint32_t n = ip->end - ip->payload_off, seq, pos;
	struct hello_key k;
	int r;

	if (hp->used && ts_ns >= hp->next_sweep_ns)
		sweep(hp, ts_ns, cnt);
	seq = be32(d + ip->l4_off + 4);
	key_make(&k, d, p);
	pos = index_find(hp, &k);
	if (hp->index[pos] != EMPTY) {
		if (rc == 0)
			return rc; /* the segment names something itself */
		if (n == 0 && !(ip->tcp_flags & (TCP_FIN | TCP_RST)))
			return rc; /* a bare ACK */
		r = hello_add(hp, hp->index[pos], seq, pl, n, ip->tcp_flags, ts_ns, h, cnt);
		return r == -ENOENT ? rc : r;
	}
	/* a ClientHello record (RFC 8446 5.1) that goes on past this segment */
	if (rc == -ENODATA && n >= 6 && pl[0] == 0x16 && pl[1] == 0x03 && pl[5] == 1)
		return hello_start(hp, &k, seq, pl, n, ts_ns, cnt);
	return rc;
}

int
hello_segment(struct hello_pool *hp, const uint8_t *d, const struct ws_pkt *p, int rc,
	      uint64_t ts_ns, struct ws_host *h, struct ws_names_counters *cnt)
{
	/* the common case, kept apart so that it costs a compare and no stack frame */
	if (hp->used == 0 && rc != -ENODATA)
		return rc;
	return segment_add(hp, d, p, rc, ts_ns, h, cnt);
}
