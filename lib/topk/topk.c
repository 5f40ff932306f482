/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Space-Saving summary: a fixed array of counters, a 4-ary min-heap of their
 * indices keyed on packets (the minimum is heap[0]), and an open-addressing
 * hash index from key to counter (linear probing, backward-shift deletion,
 * load factor <= 1/2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "topk_internal.h"

#define CACHE_LINE 64

/* ---- hash index ---- */

/* The counter holding key, or TOPK_NONE; *pos is its slot, or the empty slot ending the probe. */
uint32_t
topk_find(const struct ws_topk *t, uint32_t h, const void *key, uint16_t len, uint32_t *pos)
{
	uint32_t p = h & t->mask;
	const struct topk_slot *s;
	uint32_t i;

	for (;; p = (p + 1) & t->mask) {
		s = &t->slot[p];
		if (s->idx == 0)
			break;
		if (s->tag != h)
			continue;
		i = s->idx - 1;
		if (t->ctr[i].key_len == len &&
		    (len == 0 || memcmp(topk_key(t, i), key, len) == 0)) {
			*pos = p;
			return i;
		}
	}
	*pos = p;
	return TOPK_NONE;
}

/* The slot of counter i, whose key hashed to tag. */
static uint32_t
slot_of(const struct ws_topk *t, uint32_t tag, uint32_t i)
{
	uint32_t p = tag & t->mask;

	while (t->slot[p].idx != i + 1)
		p = (p + 1) & t->mask;
	return p;
}

static void
slot_insert(struct ws_topk *t, uint32_t h, uint32_t i)
{
	uint32_t p = h & t->mask;

	while (t->slot[p].idx != 0)
		p = (p + 1) & t->mask;
	t->slot[p].tag = h;
	t->slot[p].idx = i + 1;
}

/* Empty slot p and pull later entries of its run back so that no probe stops early. */
static void
slot_remove(struct ws_topk *t, uint32_t p)
{
	uint32_t j = p, home;

	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slot[j].idx == 0)
			break;
		home = t->slot[j].tag & t->mask;
		/* Movable unless its home lies cyclically in (p, j]. */
		if (((j - home) & t->mask) >= ((j - p) & t->mask)) {
			t->slot[p] = t->slot[j];
			p = j;
		}
	}
	t->slot[p].tag = 0;
	t->slot[p].idx = 0;
}

/* ---- min-heap on packets ---- */

static inline void
heap_set(struct ws_topk *t, uint32_t pos, const struct topk_node *n)
{
	t->heap[pos] = *n;
	t->ctr[n->idx].heap_pos = pos;
}

void
topk_sift_down(struct ws_topk *t, uint32_t pos)
{
	const struct topk_node n = t->heap[pos], *h = t->heap;
	uint32_t c, j, best, b2;

	for (;;) {
		c = TOPK_ARITY * pos + 1;
		if (c >= t->size)
			break;
		if (c + TOPK_ARITY <= t->size) {
			/* all four children: a tournament, without branches to mispredict */
			best = h[c + 1].packets < h[c].packets ? c + 1 : c;
			b2 = h[c + 3].packets < h[c + 2].packets ? c + 3 : c + 2;
			best = h[b2].packets < h[best].packets ? b2 : best;
		} else {
			for (best = c, j = c + 1; j < t->size; j++)
				if (h[j].packets < h[best].packets)
					best = j;
		}
		if (h[best].packets >= n.packets)
			break;
		heap_set(t, pos, &h[best]);
		pos = best;
	}
	heap_set(t, pos, &n);
}

static void
sift_up(struct ws_topk *t, uint32_t pos)
{
	const struct topk_node n = t->heap[pos];
	uint32_t parent;

	while (pos > 0) {
		parent = (pos - 1) / TOPK_ARITY;
		if (t->heap[parent].packets <= n.packets)
			break;
		heap_set(t, pos, &t->heap[parent]);
		pos = parent;
	}
	heap_set(t, pos, &n);
}

/* Rebuild the heap after counters changed in place (merges). */
void
topk_heapify(struct ws_topk *t)
{
	uint32_t pos;

	for (pos = 0; pos < t->size; pos++)
		t->heap[pos].packets = t->ctr[t->heap[pos].idx].packets;
	for (pos = t->size / TOPK_ARITY + 1; pos-- > 0;)
		if (pos < t->size)
			topk_sift_down(t, pos);
}

/* ---- counters ---- */

static void
counter_set(struct ws_topk *t, uint32_t i, const void *key, uint16_t len,
	    const struct topk_counts *v)
{
	struct topk_counter *c = &t->ctr[i];

	c->packets = v->packets;
	c->bytes = v->bytes;
	c->error = v->error;
	c->key_len = len;
	if (len > 0)
		memcpy(topk_key(t, i), key, len);
}

/* Hold a new key in a free counter; pos is the empty slot topk_find() stopped at. */
void
topk_add(struct ws_topk *t, uint32_t pos, uint32_t h, const void *key, uint16_t len,
	 const struct topk_counts *v)
{
	struct topk_node n = {.packets = v->packets, .idx = t->size++, .tag = h};

	counter_set(t, n.idx, key, len, v);
	t->slot[pos].tag = h;
	t->slot[pos].idx = n.idx + 1;
	heap_set(t, t->size - 1, &n);
	sift_up(t, t->size - 1);
}

/* Give the counter with the fewest packets to a new key. */
void
topk_replace_min(struct ws_topk *t, uint32_t h, const void *key, uint16_t len,
		 const struct topk_counts *v)
{
	struct topk_node n = {.packets = v->packets, .idx = t->heap[0].idx, .tag = h};
	uint64_t *cell = topk_cell(t, t->heap[0].tag);

	/* the evicted key occurred at most its count: its cell must cover that */
	if (*cell < t->heap[0].packets)
		*cell = t->heap[0].packets;
	slot_remove(t, slot_of(t, t->heap[0].tag, n.idx));
	counter_set(t, n.idx, key, len, v);
	slot_insert(t, h, n.idx);
	heap_set(t, 0, &n);
	topk_sift_down(t, 0);
	t->evictions++;
}

/* Bytes for `packets` packets at the evicted counter's bytes per packet. */
static inline uint64_t
inherit_bytes(const struct topk_counter *c, uint64_t packets)
{
	if (packets == 0 || c->packets == 0)
		return 0;
	if (packets >= c->packets)
		return c->bytes;
	return (uint64_t)((unsigned __int128)c->bytes * packets / c->packets);
}

int
ws_topk_update(struct ws_topk *t, const void *key, uint16_t key_len, uint32_t packets,
	       uint32_t bytes)
{
	struct topk_counts v;
	struct topk_counter *c;
	uint64_t *cell, min;
	uint32_t h, i, pos;

	if (key_len > t->key_size || (key == NULL && key_len > 0))
		return -EINVAL;
	t->total += packets;
	h = topk_hash(t->seed, key, key_len);
	i = topk_find(t, h, key, key_len, &pos);
	if (i != TOPK_NONE) {
		c = &t->ctr[i];
		c->packets += packets;
		c->bytes += bytes;
		t->heap[c->heap_pos].packets = c->packets;
		topk_sift_down(t, c->heap_pos);
		return 0;
	}
	if (t->size < t->capacity) {
		v = (struct topk_counts){t->floor + packets, bytes, t->floor};
		topk_add(t, pos, h, key, key_len, &v);
		return 0;
	}
	/* Full: the newcomer's cell, which bounds its past, must reach the minimum. */
	cell = topk_cell(t, h);
	min = t->heap[0].packets;
	if (*cell + packets < min) {
		*cell += packets;
		if (*cell > t->floor)
			t->floor = *cell;
		t->filtered++;
		return 0;
	}
	c = &t->ctr[t->heap[0].idx];
	t->floor = min;
	v = (struct topk_counts){*cell + packets, bytes + inherit_bytes(c, *cell), *cell};
	topk_replace_min(t, h, key, key_len, &v);
	return 0;
}

/* ---- lifecycle ---- */

static void *
lines_alloc(size_t n)
{
	void *p;

	n = (n + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
	p = aligned_alloc(CACHE_LINE, n);
	if (p != NULL)
		memset(p, 0, n); /* fault the pages in now, not on the RX path */
	return p;
}

static uint64_t
make_seed(const void *p)
{
	static uint64_t instances;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return topk_fmix((uintptr_t)p ^ ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
			 __atomic_add_fetch(&instances, TOPK_P1, __ATOMIC_RELAXED));
}

struct ws_topk *
ws_topk_create(uint32_t capacity, uint32_t key_size)
{
	struct ws_topk *t;
	uint32_t slots = 2, cells = 1;

	if (capacity == 0 || capacity > WS_TOPK_CAPACITY_MAX || key_size == 0 ||
	    key_size > WS_TOPK_KEY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	while (slots < 2 * capacity)
		slots *= 2;
	while (cells < TOPK_FILTER_PER_COUNTER * capacity)
		cells *= 2;
	t = lines_alloc(sizeof(*t));
	if (t == NULL)
		goto out_nomem;
	t->capacity = capacity;
	t->key_size = key_size;
	t->mask = slots - 1;
	t->seed = make_seed(t);
	t->ctr = lines_alloc((size_t)capacity * sizeof(*t->ctr));
	t->heap = lines_alloc(((size_t)capacity + TOPK_HEAP_PAD) * sizeof(*t->heap));
	if (t->heap != NULL)
		t->heap += TOPK_HEAP_PAD;
	t->slot = lines_alloc((size_t)slots * sizeof(*t->slot));
	t->keys = lines_alloc((size_t)capacity * key_size);
	t->filter_mask = cells - 1;
	t->filter = lines_alloc((size_t)cells * sizeof(*t->filter));
	if (t->ctr == NULL || t->heap == NULL || t->slot == NULL || t->keys == NULL ||
	    t->filter == NULL)
		goto out_destroy;
	return t;

out_destroy:
	ws_topk_destroy(t);
out_nomem:
	errno = ENOMEM;
	return NULL;
}

void
ws_topk_destroy(struct ws_topk *t)
{
	if (t == NULL)
		return;
	free(t->filter);
	free(t->keys);
	free(t->slot);
	free(t->heap != NULL ? t->heap - TOPK_HEAP_PAD : NULL);
	free(t->ctr);
	free(t);
}

void
ws_topk_reset(struct ws_topk *t)
{
	memset(t->slot, 0, ((size_t)t->mask + 1) * sizeof(*t->slot));
	memset(t->filter, 0, ((size_t)t->filter_mask + 1) * sizeof(*t->filter));
	t->size = 0;
	t->floor = 0;
	t->total = 0;
	t->evictions = 0;
	t->filtered = 0;
}

/* ---- readers ---- */

static void
entry_fill(const struct ws_topk *t, uint32_t i, struct ws_topk_entry *e)
{
	const struct topk_counter *c = &t->ctr[i];

	e->packets = c->packets;
	e->bytes = c->bytes;
	e->error = c->error;
	e->key = topk_key(t, i);
	e->key_len = c->key_len;
}

int
ws_topk_get(const struct ws_topk *t, const void *key, uint16_t key_len, struct ws_topk_entry *out)
{
	uint32_t i, pos;

	if (key_len > t->key_size || (key == NULL && key_len > 0))
		return -EINVAL;
	i = topk_find(t, topk_hash(t->seed, key, key_len), key, key_len, &pos);
	if (i == TOPK_NONE)
		return -ENOENT;
	entry_fill(t, i, out);
	return 0;
}

int
ws_topk_entry_cmp(const struct ws_topk_entry *a, const struct ws_topk_entry *b)
{
	uint16_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int r;

	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	r = n > 0 ? memcmp(a->key, b->key, n) : 0;
	if (r != 0)
		return r;
	return (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

/* out[0 .. n - 1] is a heap with the entry that ranks last at its root. */
static void
rank_sift_down(struct ws_topk_entry *out, uint32_t n, uint32_t pos)
{
	struct ws_topk_entry e = out[pos];
	uint32_t c;

	for (;;) {
		c = 2 * pos + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ws_topk_entry_cmp(&out[c + 1], &out[c]) > 0)
			c++;
		if (ws_topk_entry_cmp(&out[c], &e) <= 0)
			break;
		out[pos] = out[c];
		pos = c;
	}
	out[pos] = e;
}

static void
rank_sift_up(struct ws_topk_entry *out, uint32_t pos)
{
	struct ws_topk_entry e = out[pos];
	uint32_t parent;

	while (pos > 0) {
		parent = (pos - 1) / 2;
		if (ws_topk_entry_cmp(&out[parent], &e) >= 0)
			break;
		out[pos] = out[parent];
		pos = parent;
	}
	out[pos] = e;
}

uint32_t
ws_topk_top(const struct ws_topk *t, struct ws_topk_entry *out, uint32_t n)
{
	struct ws_topk_entry e;
	uint32_t i, m = 0;

	if (n > t->size)
		n = t->size;
	if (n == 0)
		return 0;
	for (i = 0; i < t->size; i++) {
		entry_fill(t, i, &e);
		if (m < n) {
			out[m] = e;
			rank_sift_up(out, m++);
		} else if (ws_topk_entry_cmp(&e, &out[0]) < 0) {
			out[0] = e;
			rank_sift_down(out, n, 0);
		}
	}
	/* Heapsort: the last-ranked entry goes to the end, best ends at out[0]. */
	for (i = n - 1; i > 0; i--) {
		e = out[0];
		out[0] = out[i];
		out[i] = e;
		rank_sift_down(out, i, 0);
	}
	return n;
}

uint64_t
ws_topk_total_packets(const struct ws_topk *t)
{
	return t->total;
}

uint64_t
ws_topk_error_bound(const struct ws_topk *t)
{
	return t->floor;
}

uint32_t
ws_topk_size(const struct ws_topk *t)
{
	return t->size;
}

uint32_t
ws_topk_capacity(const struct ws_topk *t)
{
	return t->capacity;
}

uint64_t
ws_topk_evictions(const struct ws_topk *t)
{
	return t->evictions;
}

uint64_t
ws_topk_filtered(const struct ws_topk *t)
{
	return t->filtered;
}
