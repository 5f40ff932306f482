/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table life cycle and readers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "flow_internal.h"

#define HUGE_PAGE (2u << 20)

/* ---- life cycle ---- */

/*
 * Zeroed, cache-line aligned memory, counted in *total. Arrays of 2 MiB or
 * more are 2 MiB aligned and advised for transparent huge pages: the hot path
 * reads them at random, and with 4 KiB pages most of those reads would also
 * miss the TLB.
 */
static void *
lines_alloc(size_t n, size_t *total)
{
	size_t align = n >= HUGE_PAGE ? HUGE_PAGE : CACHE_LINE;
	void *p;

	n = (n + align - 1) & ~(align - 1);
	p = aligned_alloc(align, n);
	if (p == NULL)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (align == HUGE_PAGE)
		madvise(p, n, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
	memset(p, 0, n); /* fault the pages in now, not on the RX path */
	*total += n;
	return p;
}

static uint64_t
make_seed(const void *p)
{
	static uint64_t instances;
	struct timespec ts;
	uint64_t h;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	h = (uintptr_t)p ^ ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
	    __atomic_add_fetch(&instances, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED);
	h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdull;
	h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static void
conf_apply(struct ws_flow_table *t, const struct ws_flow_conf *c)
{
	t->capacity = c->capacity ? c->capacity : WS_FLOW_DEFAULT_CAPACITY;
	t->idle_ns = c->idle_ns ? c->idle_ns : WS_FLOW_DEFAULT_IDLE_NS;
	t->active_ns = c->active_ns ? c->active_ns : WS_FLOW_DEFAULT_ACTIVE_NS;
	t->linger_ns = c->linger_ns ? c->linger_ns : WS_FLOW_DEFAULT_LINGER_NS;
	t->seed = c->seed ? c->seed : make_seed(t);
	t->report = c->report;
	t->report_arg = c->report_arg;
	t->visit = c->visit;
	t->name = c->name;
	t->name_arg = c->name_arg;
}

struct ws_flow_table *
ws_flow_table_create(const struct ws_flow_conf *c)
{
	static const struct ws_flow_conf defaults;
	struct ws_flow_table *t;
	uint32_t n_buckets = 2;
	size_t total = 0;

	if (c == NULL)
		c = &defaults;
	if (c->capacity > WS_FLOW_CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	t = lines_alloc(sizeof(*t), &total);
	if (t == NULL)
		goto out_nomem;
	conf_apply(t, c);
	/* at least 2 slots per flow: buckets at most half full */
	while ((uint64_t)n_buckets * BUCKET_SLOTS < 2ull * t->capacity)
		n_buckets *= 2;
	t->bucket_mask = n_buckets - 1;
	t->buckets = lines_alloc((size_t)n_buckets * sizeof(*t->buckets), &total);
	t->flows = lines_alloc((size_t)t->capacity * sizeof(*t->flows), &total);
	t->free_idx = lines_alloc((size_t)t->capacity * sizeof(*t->free_idx), &total);
	if (t->buckets == NULL || t->flows == NULL || t->free_idx == NULL)
		goto out_destroy;
	/* popped in index order, so a young table fills flows[] from the start */
	for (uint32_t i = 0; i < t->capacity; i++)
		t->free_idx[i] = t->capacity - 1 - i;
	t->n_free = t->capacity;
	t->memory = total;
	return t;

out_destroy:
	ws_flow_table_destroy(t);
out_nomem:
	errno = ENOMEM;
	return NULL;
}

void
ws_flow_table_destroy(struct ws_flow_table *t)
{
	if (t == NULL)
		return;
	free(t->free_idx);
	free(t->flows);
	free(t->buckets);
	free(t);
}

size_t
ws_flow_table_memory(const struct ws_flow_table *t)
{
	return t->memory;
}

uint32_t
ws_flow_table_slots(const struct ws_flow_table *t)
{
	return table_slots(t);
}

/* ---- readers ---- */

static void
top_down(struct ws_flow *h, unsigned int n, unsigned int i)
{
	struct ws_flow x = h[i];
	unsigned int c;

	for (; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && ws_flow_bytes(&h[c + 1]) < ws_flow_bytes(&h[c]))
			c++;
		if (ws_flow_bytes(&h[c]) >= ws_flow_bytes(&x))
			break;
		h[i] = h[c];
	}
	h[i] = x;
}

void
ws_flow_top_offer(struct ws_flow *h, unsigned int *n, unsigned int cap, const struct ws_flow *f)
{
	unsigned int i;

	if (*n < cap) {
		h[(*n)++] = *f;
		if (*n == cap)
			for (i = cap / 2; i-- > 0;)
				top_down(h, cap, i);
		return;
	}
	if (cap == 0 || ws_flow_bytes(f) <= ws_flow_bytes(&h[0]))
		return;
	h[0] = *f;
	top_down(h, cap, 0);
}

void
ws_flow_report_discard(struct ws_flow_table *t)
{
	t->report_gen++;
}

void
ws_flow_counters_get(const struct ws_flow_table *t, struct ws_flow_counters *c)
{
	*c = t->cnt;
}

void
ws_flow_foreach(const struct ws_flow_table *t, void (*fn)(const struct ws_flow *f, void *arg),
		void *arg)
{
	for (uint32_t b = 0; b <= t->bucket_mask; b++) {
		const struct bucket *bk = &t->buckets[b];

		for (unsigned int s = 0; s < BUCKET_SLOTS; s++)
			if (bk->sig[s] != SLOT_EMPTY)
				fn(&t->flows[bk->idx[s]], arg);
	}
}

/* ---- records ---- */

void
flow_record(struct ws_flow_table *t, struct ws_flow *f, enum ws_flow_end reason,
	    struct ws_flow *rec)
{
	flow_report(t, f, true);
	*rec = *f;
	rec->end_reason = (uint8_t)reason;
	switch (reason) {
	case WS_FLOW_END_IDLE:
		t->cnt.ended_idle++;
		break;
	case WS_FLOW_END_ACTIVE:
		t->cnt.ended_active++;
		break;
	case WS_FLOW_END_CLOSED:
		t->cnt.ended_closed++;
		break;
	case WS_FLOW_END_SHUTDOWN:
		t->cnt.flushed++;
		break;
	case WS_FLOW_END_EVICTED:
		t->cnt.evicted++;
		break;
	}
}
