/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "ws_rss.h"

const uint8_t ws_rss_key[WS_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

/* The 32 key bits starting at bit i, most significant first. */
static uint32_t
key_window(const uint8_t *key, unsigned int i)
{
	uint64_t w = 0;
	unsigned int b;

	for (b = 0; b < 5; b++)
		w = w << 8 | key[i / 8 + b];
	return (uint32_t)(w >> (8 - i % 8));
}

void
ws_rss_table_init(struct ws_rss_table *t, const uint8_t *key)
{
	unsigned int pos, v, bit;

	for (pos = 0; pos < WS_RSS_INPUT_MAX; pos++) {
		for (v = 0; v < 256; v++) {
			uint32_t h = 0;

			for (bit = 0; bit < 8; bit++)
				if (v & (0x80 >> bit))
					h ^= key_window(key, pos * 8 + bit);
			t->t[pos][v] = h;
		}
	}
}

uint32_t
ws_rss_hash_pkt(const struct ws_rss_table *t, const uint8_t *data, const struct ws_pkt *p)
{
	const struct ws_ip *o = &p->outer;
	uint8_t in[WS_RSS_INPUT_MAX];
	unsigned int alen, n;

	if (o->version == 0)
		return 0;
	alen = o->version == 4 ? 4 : 16;
	memcpy(in, data + o->l3_off + (o->version == 4 ? 12 : 8), 2 * alen);
	n = 2 * alen;
	if (o->has_l4 && !(o->frag & WS_FRAG_ANY) &&
	    (o->proto == 6 || o->proto == 17 || o->proto == 132)) {
		memcpy(in + n, data + o->l4_off, 4);
		n += 4;
	}
	return ws_rss_hash(t, in, n);
}
