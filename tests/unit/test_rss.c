/* SPDX-License-Identifier: BSD-3-Clause */
/* Software RSS: equal to DPDK's reference Toeplitz (rte_softrss), and symmetric. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_thash.h>

#include <ws_rss.h>

static struct ws_rss_table table;

static uint32_t
rnd(void)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (uint32_t)x;
}

/* rte_softrss takes the tuple as host-order 32-bit words. */
static uint32_t
reference(const uint8_t *in, unsigned int len)
{
	uint32_t words[WS_RSS_INPUT_MAX / 4];
	unsigned int i;

	for (i = 0; i < len / 4; i++)
		words[i] = (uint32_t)in[4 * i] << 24 | in[4 * i + 1] << 16 | in[4 * i + 2] << 8 |
			   in[4 * i + 3];
	return rte_softrss(words, len / 4, ws_rss_key);
}

static void
test_matches_reference(void **state)
{
	uint8_t in[WS_RSS_INPUT_MAX];
	unsigned int i, j, len;

	(void)state;
	ws_rss_table_init(&table, ws_rss_key);
	for (i = 0; i < 10000; i++) {
		for (j = 0; j < sizeof(in); j++)
			in[j] = rnd();
		len = (i % 3 == 0) ? 8 : (i % 3 == 1) ? 12 : 36;
		assert_int_equal(ws_rss_hash(&table, in, len), reference(in, len));
	}
}

/* Swapping (src, dst) and (sport, dport) leaves the hash unchanged. */
static void
test_symmetric(void **state)
{
	uint8_t a[WS_RSS_INPUT_MAX], b[WS_RSS_INPUT_MAX];
	unsigned int i, j, alen;

	(void)state;
	ws_rss_table_init(&table, ws_rss_key);
	for (i = 0; i < 10000; i++) {
		alen = i % 2 ? 4 : 16;
		for (j = 0; j < 2 * alen + 4; j++)
			a[j] = rnd();
		memcpy(b, a + alen, alen);
		memcpy(b + alen, a, alen);
		memcpy(b + 2 * alen, a + 2 * alen + 2, 2);
		memcpy(b + 2 * alen + 2, a + 2 * alen, 2);
		assert_int_equal(ws_rss_hash(&table, a, 2 * alen + 4),
				 ws_rss_hash(&table, b, 2 * alen + 4));
		assert_int_equal(reference(a, 2 * alen + 4), reference(b, 2 * alen + 4));
		assert_int_equal(ws_rss_hash(&table, a, 2 * alen),
				 ws_rss_hash(&table, b, 2 * alen));
	}
}

/* Both directions of a decoded TCP packet hash alike; targets cover 0..n-1. */
static void
test_packet_directions(void **state)
{
	uint8_t f[54] = {[12] = 0x08, [14] = 0x45, [17] = 40, [23] = 6, [46] = 0x50};
	uint8_t r[54];
	unsigned int seen[4] = {0}, i;
	struct ws_pkt p;

	(void)state;
	ws_rss_table_init(&table, ws_rss_key);
	for (i = 0; i < 4000; i++) {
		uint32_t h1, h2;

		for (unsigned int j = 26; j < 38; j++)
			f[j] = rnd();
		memcpy(r, f, sizeof(f));
		memcpy(r + 26, f + 30, 4);
		memcpy(r + 30, f + 26, 4);
		memcpy(r + 34, f + 36, 2);
		memcpy(r + 36, f + 34, 2);
		ws_parse_pkt(f, sizeof(f), &p);
		h1 = ws_rss_hash_pkt(&table, f, &p);
		ws_parse_pkt(r, sizeof(r), &p);
		h2 = ws_rss_hash_pkt(&table, r, &p);
		assert_int_equal(h1, h2);
		seen[ws_rss_target(h1, 4)]++;
	}
	for (i = 0; i < 4; i++)
		assert_true(seen[i] > 800); /* roughly even spread */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_symmetric),
		cmocka_unit_test(test_packet_directions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
