/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Merging and copying summaries.
 *
 * Each summary keeps a floor f: every error is <= f, and every key it does not
 * hold occurred at most f times (Space-Saving: the count of the last counter
 * replaced, 0 before any). Every counter holds at least f packets. Merging A
 * into B, a key gets c_A + c_B where a side that does not hold it contributes
 * its floor, and the same for errors; all those sums are >= f_A + f_B. The
 * capacity largest are kept, and the new floor covers what was dropped:
 * max(f_A + f_B, largest count dropped), which is <= the smallest kept.
 */
#include <errno.h>
#include <string.h>

#include "topk_internal.h"

/* Add src's counts to every key dst holds; those src lacks get src's floor. */
static void
merge_held(struct ws_topk *dst, const struct ws_topk *src)
{
	const struct topk_counter *s;
	struct topk_counter *c;
	const uint8_t *key;
	uint32_t i, j, pos;

	for (i = 0; i < dst->size; i++) {
		c = &dst->ctr[i];
		key = topk_key(dst, i);
		j = topk_find(src, topk_hash(src->seed, key, c->key_len), key, c->key_len, &pos);
		if (j == TOPK_NONE) {
			c->packets += src->floor;
			c->error += src->floor;
			continue;
		}
		s = &src->ctr[j];
		c->packets += s->packets;
		c->bytes += s->bytes;
		c->error += s->error;
	}
	topk_heapify(dst);
}

/*
 * Offer dst the keys only src holds, with dst's floor (as it was before the
 * merge) added. Returns the largest count dropped.
 *
 * A key held by both may have been combined by merge_held() and then replaced
 * here; it is then no longer found in dst and is offered again, but with
 * c_src + f_dst, at most the combined count it was replaced with and so at
 * most dst's minimum from then on: it is dropped, never counted twice.
 */
static uint64_t
merge_new(struct ws_topk *dst, const struct ws_topk *src, uint64_t dst_floor)
{
	const struct topk_counter *s;
	struct topk_counts v;
	uint64_t dropped = 0, min;
	const uint8_t *key;
	uint32_t j, h, pos;

	for (j = 0; j < src->size; j++) {
		s = &src->ctr[j];
		key = topk_key(src, j);
		h = topk_hash(dst->seed, key, s->key_len);
		if (topk_find(dst, h, key, s->key_len, &pos) != TOPK_NONE)
			continue;
		v = (struct topk_counts){s->packets + dst_floor, s->bytes, s->error + dst_floor};
		if (dst->size < dst->capacity) {
			topk_add(dst, pos, h, key, s->key_len, &v);
			continue;
		}
		min = dst->heap[0].packets;
		if (v.packets <= min) {
			dropped = v.packets > dropped ? v.packets : dropped;
			continue;
		}
		dropped = min > dropped ? min : dropped;
		topk_replace_min(dst, h, key, s->key_len, &v);
	}
	return dropped;
}

int
ws_topk_merge(struct ws_topk *dst, const struct ws_topk *src)
{
	uint64_t dst_floor, dropped;

	if (dst == src || src->key_size > dst->key_size)
		return -EINVAL;
	dst_floor = dst->floor;
	merge_held(dst, src);
	dropped = merge_new(dst, src, dst_floor);
	dst->floor = dst_floor + src->floor;
	if (dropped > dst->floor)
		dst->floor = dropped;
	dst->total += src->total;
	dst->evictions += src->evictions;
	dst->filtered += src->filtered;
	/* A key dst does not hold now occurred at most floor times in all. */
	for (uint32_t g = 0; g <= dst->filter_mask; g++)
		dst->filter[g] = dst->floor;
	return 0;
}

int
ws_topk_copy(struct ws_topk *dst, const struct ws_topk *src)
{
	if (dst->capacity != src->capacity || dst->key_size != src->key_size)
		return -EINVAL;
	if (dst == src)
		return 0;
	memcpy(dst->ctr, src->ctr, (size_t)src->size * sizeof(*src->ctr));
	memcpy(dst->heap, src->heap, (size_t)src->size * sizeof(*src->heap));
	memcpy(dst->slot, src->slot, ((size_t)src->mask + 1) * sizeof(*src->slot));
	memcpy(dst->keys, src->keys, (size_t)src->size * src->key_size);
	memcpy(dst->filter, src->filter, ((size_t)src->filter_mask + 1) * sizeof(*src->filter));
	dst->seed = src->seed;
	dst->size = src->size;
	dst->floor = src->floor;
	dst->total = src->total;
	dst->evictions = src->evictions;
	dst->filtered = src->filtered;
	return 0;
}
