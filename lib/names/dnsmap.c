/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses from DNS answers, with the name that was asked for. The A and
 * AAAA records of a response (RFC 1035 4.1.3, RFC 3596) map to the first
 * question's name, so that the addresses at the end of a CNAME chain map to
 * the name the client resolved. Entries are preallocated; when all are used
 * the oldest one learned is replaced (FIFO), and an address learned again
 * takes the newer name in place. An open-addressing index finds them.
 *
 * Only the owning thread writes; other threads may look up (RX lcores name
 * their flows from every lcore's answers). A sequence count per entry makes a
 * reader see a whole entry or none, and index slots are single 32-bit words:
 * a lookup racing a write may miss, never return a torn or wrong name.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ws_flow.h>

#include "ws_names.h"
#include "names_internal.h"

#define EMPTY UINT32_MAX
#define TYPE_A 1
#define TYPE_AAAA 28
#define CLASS_IN 1
/* Answers read from one response at most: bounded work per packet. */
#define MAX_ANSWERS 64

/* Other RX lcores read entries while the owner writes: seq is odd during a write. */
struct entry {
	uint32_t seq;
	uint8_t addr[16]; /* IPv4 in the first 4 bytes, the rest 0 */
	uint8_t version;  /* 0: unused */
	char name[WS_FLOW_HOST_MAX];
};

struct dnsmap {
	uint32_t n, mask, next; /* next: the entry replaced next */
	uint32_t used;
	struct entry *e;
	uint32_t *index;
	size_t memory;
};

struct dnsmap *
dnsmap_create(uint32_t entries)
{
	struct dnsmap *m = calloc(1, sizeof(*m));
	uint32_t size = 2;

	if (!m)
		return NULL;
	while (size < 2 * entries)
		size <<= 1;
	m->n = entries;
	m->mask = size - 1;
	m->e = calloc(entries, sizeof(*m->e));
	m->index = malloc(size * sizeof(*m->index));
	if (!m->e || !m->index) {
		dnsmap_destroy(m);
		return NULL;
	}
	memset(m->index, 0xff, size * sizeof(*m->index));
	m->memory = sizeof(*m) + entries * sizeof(*m->e) + size * sizeof(*m->index);
	return m;
}

void
dnsmap_destroy(struct dnsmap *m)
{
	if (!m)
		return;
	free(m->e);
	free(m->index);
	free(m);
}

size_t
dnsmap_memory(const struct dnsmap *m)
{
	return m->memory;
}

static uint32_t
addr_hash(uint8_t version, const uint8_t *a)
{
	uint64_t w[2], h = version * 0x9e3779b97f4a7c15ull;

	memcpy(w, a, 16);
	h ^= w[0];
	h *= 0xff51afd7ed558ccdull;
	h ^= w[1] ^ (h >> 29);
	h *= 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t
index_find(const struct dnsmap *m, uint8_t version, const uint8_t *a)
{
	uint32_t pos = addr_hash(version, a) & m->mask, i;

	while ((i = m->index[pos]) != EMPTY &&
	       (m->e[i].version != version || memcmp(m->e[i].addr, a, 16) != 0))
		pos = (pos + 1) & m->mask;
	return pos;
}

/* Remove entry i from the index (backward-shift deletion, as in hello.c). */
static void
index_remove(struct dnsmap *m, uint32_t i)
{
	uint32_t pos = index_find(m, m->e[i].version, m->e[i].addr), next, home;

	for (;;) {
		__atomic_store_n(&m->index[pos], EMPTY, __ATOMIC_RELAXED);
		next = pos;
		for (;;) {
			next = (next + 1) & m->mask;
			if (m->index[next] == EMPTY)
				return;
			home = addr_hash(m->e[m->index[next]].version, m->e[m->index[next]].addr) &
			       m->mask;
			if (pos <= next ? (home <= pos || home > next)
					: (home <= pos && home > next))
				break;
		}
		__atomic_store_n(&m->index[pos], m->index[next], __ATOMIC_RELAXED);
		pos = next;
	}
}

static void
entry_write_begin(struct entry *e)
{
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void
learn(struct dnsmap *m, uint8_t version, const uint8_t *rdata, const struct ws_host *h,
      struct ws_names_counters *cnt)
{
	uint8_t a[16] = {0};
	uint32_t pos, i;
	struct entry *e;

	memcpy(a, rdata, version == 4 ? 4 : 16);
	pos = index_find(m, version, a);
	if (m->index[pos] != EMPTY) {
		e = &m->e[m->index[pos]]; /* learned again: the newer name */
		entry_write_begin(e);
	} else {
		i = m->next;
		m->next = (m->next + 1) % m->n;
		e = &m->e[i];
		entry_write_begin(e);
		if (e->version) {
			index_remove(m, i);
			cnt->dns_replaced++;
			__atomic_fetch_sub(&m->used, 1, __ATOMIC_RELAXED);
		}
		e->version = version;
		memcpy(e->addr, a, 16);
		__atomic_store_n(&m->index[index_find(m, version, a)], i, __ATOMIC_RELEASE);
		__atomic_fetch_add(&m->used, 1, __ATOMIC_RELAXED);
	}
	memcpy(e->name, h->name, h->len < WS_FLOW_HOST_MAX - 1 ? h->len : WS_FLOW_HOST_MAX - 1);
	e->name[h->len < WS_FLOW_HOST_MAX - 1 ? h->len : WS_FLOW_HOST_MAX - 1] = '\0';
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
	cnt->dns_answers++;
}

/* Past the name at off: its labels up to a zero byte or a pointer. @return 0 if cut short. */
static uint32_t
name_skip(const uint8_t *msg, uint32_t n, uint32_t off)
{
	while (off < n) {
		if ((msg[off] & 0xc0) == 0xc0)
			return off + 2 <= n ? off + 2 : 0;
		if (msg[off] & 0xc0)
			return 0;
		if (msg[off] == 0)
			return off + 1;
		off += 1 + msg[off];
	}
	return 0;
}

void
dnsmap_learn(struct dnsmap *m, const uint8_t *msg, uint32_t n, struct ws_names_counters *cnt)
{
	uint16_t an, type, class, rdlen, i;
	struct ws_host h;
	uint32_t off;

	/* a response, no error, with one question and answers */
	if (n < 12 || !(msg[2] & 0x80) || (msg[3] & 0x0f) != 0 || be16(msg + 4) != 1)
		return;
	an = be16(msg + 6);
	if (an == 0 || ws_parse_dns_name(msg, n, 12, &h) < 0)
		return;
	off = name_skip(msg, n, 12);
	if (off == 0 || off + 4 > n)
		return;
	off += 4; /* question type and class */
	for (i = 0; i < an && i < MAX_ANSWERS; i++) {
		off = name_skip(msg, n, off);
		if (off == 0 || off + 10 > n)
			return;
		type = be16(msg + off);
		class = be16(msg + off + 2);
		rdlen = be16(msg + off + 8);
		off += 10;
		if (rdlen > n - off)
			return;
		if (class == CLASS_IN && type == TYPE_A && rdlen == 4)
			learn(m, 4, msg + off, &h, cnt);
		else if (class == CLASS_IN && type == TYPE_AAAA && rdlen == 16)
			learn(m, 6, msg + off, &h, cnt);
		off += rdlen;
	}
}

unsigned int
dnsmap_find(const struct dnsmap *m, uint8_t version, const uint8_t *addr, char *out,
	    unsigned int size)
{
	uint32_t pos, i, s1, len, probes;
	const struct entry *e;
	struct entry copy;
	uint8_t a[16] = {0};

	if (__atomic_load_n(&m->used, __ATOMIC_RELAXED) == 0 || size == 0)
		return 0;
	memcpy(a, addr, version == 4 ? 4 : 16);
	pos = addr_hash(version, a) & m->mask;
	/* bounded even if a racing writer keeps the index changing */
	for (probes = 0; probes <= m->mask; probes++, pos = (pos + 1) & m->mask) {
		i = __atomic_load_n(&m->index[pos], __ATOMIC_ACQUIRE);
		if (i == EMPTY || i >= m->n)
			return 0;
		e = &m->e[i];
		s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		memcpy(&copy, e, sizeof(copy));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((s1 & 1) || __atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s1)
			return 0; /* being written: a miss */
		if (copy.version != version || memcmp(copy.addr, a, 16) != 0)
			continue;
		copy.name[WS_FLOW_HOST_MAX - 1] = '\0';
		len = strlen(copy.name);
		if (len > size - 1)
			len = size - 1;
		memcpy(out, copy.name, len);
		out[len] = '\0';
		return len;
	}
	return 0;
}
