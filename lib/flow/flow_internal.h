/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table internals: buckets of 8 (signature, flow index) pairs, one cache
 * line each; a preallocated array of flows with a stack of free indices.
 */
#ifndef FLOW_INTERNAL_H
#define FLOW_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ws_flow.h"

#define CACHE_LINE 64
#define BUCKET_SLOTS 8
#define SLOT_EMPTY 0 /* signature of an empty slot; real signatures are never 0 */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define IPPROTO_TCP_ 6

/* ws_flow.priv_tcp bits */
#define PRIV_FIN0 0x01 /* side 0 sent a FIN */
#define PRIV_FIN1 0x02 /* side 1 sent a FIN */
#define PRIV_SYN 0x04  /* priv_ns holds the SYN's timestamp */

_Static_assert(sizeof(struct ws_flow_key) == 40, "flow key is 40 bytes without padding");
_Static_assert(offsetof(struct ws_flow_key, addr) == 8,
	       "words 1-2 and 3-4 of a key are its addresses");
_Static_assert(sizeof(struct ws_flow) % CACHE_LINE == 0, "flows fill whole cache lines");
_Static_assert(offsetof(struct ws_flow, priv_ns) + 8 <= 2 * CACHE_LINE,
	       "the fields a packet updates lie in the first two cache lines");

struct bucket {
	uint32_t sig[BUCKET_SLOTS]; /* SLOT_EMPTY, or the upper hash bits of the key */
	uint32_t idx[BUCKET_SLOTS]; /* index in flows[] */
} __attribute__((aligned(CACHE_LINE)));

struct ws_flow_table {
	/* read-mostly */
	struct bucket *buckets;
	struct ws_flow *flows;
	uint32_t *free_idx; /* stack of free flow indices */
	uint32_t bucket_mask;
	uint32_t capacity;
	uint64_t seed;
	uint64_t idle_ns;
	uint64_t active_ns;
	uint64_t linger_ns;
	ws_flow_report_fn report;
	void *report_arg;
	void (*visit)(void *arg, const struct ws_flow *f);
	ws_flow_name_fn name;
	void *name_arg;
	size_t memory;
	/* written */
	uint32_t n_free;
	uint32_t hand;	     /* next slot ws_flow_expire() and ws_flow_flush() examine */
	uint32_t evict_hand; /* next slot examined when a new flow's buckets hold no flow */
	uint8_t report_gen;  /* flows whose priv_gen differs hold counts to drop */
	struct ws_flow_counters cnt;
} __attribute__((aligned(CACHE_LINE)));

static inline uint32_t
table_slots(const struct ws_flow_table *t)
{
	return (t->bucket_mask + 1) * BUCKET_SLOTS;
}

static inline uint64_t
flow_packets(const struct ws_flow *f)
{
	return f->packets[0] + f->packets[1];
}

/* Hand the flow's unreported traffic to the report callback; ending: its last report. */
static inline void
flow_report(const struct ws_flow_table *t, struct ws_flow *f, bool ending)
{
	bool settled = f->host_state == WS_FLOW_HOST_GUESS &&
		       (ending || flow_packets(f) >= WS_FLOW_GUESS_PACKETS);

	if (settled)
		f->host_state = WS_FLOW_HOST_NEW; /* the guess stands */
	else if ((f->priv_new_packets[0] | f->priv_new_packets[1]) == 0)
		return;
	if (t->report != NULL && f->priv_gen == t->report_gen) {
		t->report(t->report_arg, f, f->priv_new_packets, f->priv_new_bytes);
		if (f->host_state == WS_FLOW_HOST_NEW)
			f->host_state = WS_FLOW_HOST_REPORTED;
	}
	memset(f->priv_new_packets, 0, sizeof(f->priv_new_packets));
	memset(f->priv_new_bytes, 0, sizeof(f->priv_new_bytes));
}

/* Free the slot at pos and its flow. */
static inline void
slot_release(struct ws_flow_table *t, uint32_t pos)
{
	struct bucket *b = &t->buckets[pos / BUCKET_SLOTS];

	t->free_idx[t->n_free++] = b->idx[pos % BUCKET_SLOTS];
	b->sig[pos % BUCKET_SLOTS] = SLOT_EMPTY;
	t->cnt.active--;
}

/* Copy f into *rec as ended for reason, and count the record. */
void flow_record(struct ws_flow_table *t, struct ws_flow *f, enum ws_flow_end reason,
		 struct ws_flow *rec);

/* The two buckets a key may live in (for white-box tests). */
void flow_key_buckets(const struct ws_flow_table *t, const struct ws_flow_key *k, uint32_t b[2]);

#endif /* FLOW_INTERNAL_H */
