/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ending flows off the packet path: timeouts under a clock hand that walks the
 * hash slots, and the shutdown flush.
 */
#include <string.h>

#include "flow_internal.h"

#define EXPIRE_AHEAD 4 /* buckets */

/* 1 if more than span has passed from then to now (never when now is earlier). */
static inline int
elapsed(uint64_t now, uint64_t then, uint64_t span)
{
	return now > then && now - then > span;
}

/* The reason f must end, or 0 if it lives on. */
static enum ws_flow_end
due_reason(const struct ws_flow_table *t, const struct ws_flow *f, uint64_t now)
{
	if (f->state == WS_FLOW_ST_CLOSED && elapsed(now, f->priv_ns, t->linger_ns))
		return WS_FLOW_END_CLOSED;
	if (elapsed(now, f->last_ns, t->idle_ns))
		return WS_FLOW_END_IDLE;
	if (elapsed(now, f->first_ns, t->active_ns) && flow_packets(f) != 0)
		return WS_FLOW_END_ACTIVE;
	return 0;
}

/* Prefetch the second cache line (times, state) of the flows of a bucket ahead of the hand. */
static inline void
prefetch_ahead(const struct ws_flow_table *t, uint32_t pos)
{
	const struct bucket *b = &t->buckets[(pos / BUCKET_SLOTS + EXPIRE_AHEAD) & t->bucket_mask];

	for (unsigned int s = 0; s < BUCKET_SLOTS; s++)
		if (b->sig[s] != SLOT_EMPTY)
			__builtin_prefetch((const char *)&t->flows[b->idx[s]] + CACHE_LINE);
}

/* Active timeout: the counts go to a record and the flow goes on from zero. */
static void
flow_cut(struct ws_flow_table *t, struct ws_flow *f, struct ws_flow *rec)
{
	flow_record(t, f, WS_FLOW_END_ACTIVE, rec);
	memset(f->packets, 0, sizeof(f->packets));
	memset(f->bytes, 0, sizeof(f->bytes));
	memset(f->tcp_flags, 0, sizeof(f->tcp_flags));
	f->first_ns = 0;
}

unsigned int
ws_flow_expire(struct ws_flow_table *t, uint64_t now_ns, unsigned int budget, struct ws_flow *rec,
	       unsigned int max_rec)
{
	uint32_t mask = table_slots(t) - 1, pos;
	enum ws_flow_end why;
	unsigned int n = 0;
	struct bucket *b;
	struct ws_flow *f;

	for (; budget > 0 && n < max_rec; budget--) {
		pos = t->hand;
		t->hand = (pos + 1) & mask;
		t->cnt.turns += t->hand == 0;
		if (pos % BUCKET_SLOTS == 0)
			prefetch_ahead(t, pos);
		b = &t->buckets[pos / BUCKET_SLOTS];
		if (b->sig[pos % BUCKET_SLOTS] == SLOT_EMPTY)
			continue;
		f = &t->flows[b->idx[pos % BUCKET_SLOTS]];
		why = due_reason(t, f, now_ns);
		if (why == 0) {
			/* a flow that reports from the packet path needs no report here */
			if (f->priv_path)
				f->priv_path = 0;
			else
				flow_report(t, f, false);
			if (t->visit != NULL)
				t->visit(t->report_arg, f);
			continue;
		}
		if (why == WS_FLOW_END_ACTIVE) {
			flow_cut(t, f, &rec[n++]);
			continue;
		}
		if (flow_packets(f) != 0)
			flow_record(t, f, why, &rec[n++]);
		slot_release(t, pos);
	}
	return n;
}

unsigned int
ws_flow_flush(struct ws_flow_table *t, struct ws_flow *rec, unsigned int max_rec)
{
	uint32_t mask = table_slots(t) - 1, pos;
	unsigned int n = 0;
	struct bucket *b;
	struct ws_flow *f;

	while (t->cnt.active > 0 && n < max_rec) {
		pos = t->hand;
		t->hand = (pos + 1) & mask;
		b = &t->buckets[pos / BUCKET_SLOTS];
		if (b->sig[pos % BUCKET_SLOTS] == SLOT_EMPTY)
			continue;
		f = &t->flows[b->idx[pos % BUCKET_SLOTS]];
		if (flow_packets(f) != 0)
			flow_record(t, f, WS_FLOW_END_SHUTDOWN, &rec[n++]);
		slot_release(t, pos);
	}
	return n;
}
