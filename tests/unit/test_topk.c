/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Space-Saving summary tests: exactness, the Space-Saving and merge bounds
 * against brute-force counts of seeded Zipf streams, tie order, keys of every
 * length, reset, copy and bad arguments.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ws_topk.h>

#include "test_rng.h"

/* ---- seeded streams and their true counts ---- */

/* Zipf(1) over ranks 0 .. n - 1: P(r) proportional to 1 / (r + 1). */
struct zipf {
	uint32_t n;
	double *cdf;
};

static void
zipf_init(struct zipf *z, uint32_t n)
{
	double sum = 0;

	z->n = n;
	z->cdf = malloc(n * sizeof(*z->cdf));
	assert_non_null(z->cdf);
	for (uint32_t r = 0; r < n; r++) {
		sum += 1.0 / (r + 1);
		z->cdf[r] = sum;
	}
	for (uint32_t r = 0; r < n; r++)
		z->cdf[r] /= sum;
}

static uint32_t
zipf_draw(const struct zipf *z, uint64_t *s)
{
	double u = (rng_next(s) >> 11) * 0x1.0p-53;
	uint32_t lo = 0, hi = z->n - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Keys: family + IPv4 address (5 bytes), or a hostname of varying length. */
enum key_kind { KEY_IP, KEY_HOST };

static uint16_t
key_encode(enum key_kind kind, uint32_t id, uint8_t *buf)
{
	if (kind == KEY_HOST)
		return (uint16_t)sprintf((char *)buf, "h%u.%.*s", id, (int)(id % 23),
					 "abcdefghijklmnopqrstuvw");
	buf[0] = 4;
	buf[1] = id >> 24;
	buf[2] = id >> 16;
	buf[3] = id >> 8;
	buf[4] = id;
	return 5;
}

static uint32_t
key_decode(enum key_kind kind, const uint8_t *key, uint16_t len)
{
	char s[WS_TOPK_KEY_MAX + 1];

	if (kind == KEY_HOST) {
		assert_true(len > 1 && len < sizeof(s) && key[0] == 'h');
		memcpy(s, key, len);
		s[len] = '\0';
		return (uint32_t)strtoul(s + 1, NULL, 10);
	}
	assert_int_equal(len, 5);
	assert_int_equal(key[0], 4);
	return (uint32_t)key[1] << 24 | key[2] << 16 | key[3] << 8 | key[4];
}

/* True counts over a universe of ids. */
struct truth {
	uint32_t n_ids;
	uint64_t *packets;
	uint64_t *bytes;
	uint64_t total;
};

static void
truth_init(struct truth *tr, uint32_t n_ids)
{
	tr->n_ids = n_ids;
	tr->packets = calloc(n_ids, sizeof(*tr->packets));
	tr->bytes = calloc(n_ids, sizeof(*tr->bytes));
	tr->total = 0;
	assert_true(tr->packets != NULL && tr->bytes != NULL);
}

static void
truth_free(struct truth *tr)
{
	free(tr->packets);
	free(tr->bytes);
}

static uint32_t
truth_distinct(const struct truth *tr)
{
	uint32_t n = 0;

	for (uint32_t id = 0; id < tr->n_ids; id++)
		n += tr->packets[id] > 0;
	return n;
}

/* A stream: Zipf ranks shifted by `offset`, 1-3 packets of 60-1500 bytes per update. */
struct stream {
	const struct zipf *z;
	uint64_t seed;
	uint32_t len;
	uint32_t offset;
	enum key_kind kind;
};

/* Feed a stream to any of t and tr (either may be NULL). */
static void
feed(const struct stream *st, struct ws_topk *t, struct truth *tr)
{
	uint64_t s = st->seed;
	uint8_t key[WS_TOPK_KEY_MAX];
	uint32_t id, pk, by;
	uint16_t len;

	for (uint32_t i = 0; i < st->len; i++) {
		id = zipf_draw(st->z, &s) + st->offset;
		pk = 1 + rng_next(&s) % 3;
		by = pk * (60 + rng_next(&s) % 1441);
		len = key_encode(st->kind, id, key);
		if (t != NULL)
			assert_int_equal(ws_topk_update(t, key, len, pk, by), 0);
		if (tr != NULL) {
			assert_true(id < tr->n_ids);
			tr->packets[id] += pk;
			tr->bytes[id] += by;
			tr->total += pk;
		}
	}
}

/* ---- checks ---- */

static uint32_t
top_all(const struct ws_topk *t, struct ws_topk_entry **out)
{
	uint32_t n;

	*out = calloc(ws_topk_capacity(t), sizeof(**out));
	assert_non_null(*out);
	n = ws_topk_top(t, *out, ws_topk_capacity(t));
	assert_int_equal(n, ws_topk_size(t));
	assert_true(n <= ws_topk_capacity(t));
	return n;
}

/* Sorted, distinct, and ws_topk_get() finds each entry as listed. */
static void
check_listing(const struct ws_topk *t, const struct ws_topk_entry *e, uint32_t n)
{
	struct ws_topk_entry g;

	for (uint32_t i = 0; i < n; i++) {
		if (i > 0)
			assert_true(ws_topk_entry_cmp(&e[i - 1], &e[i]) < 0);
		assert_int_equal(ws_topk_get(t, e[i].key, e[i].key_len, &g), 0);
		assert_true(g.key == e[i].key);
		assert_int_equal(g.packets, e[i].packets);
		assert_int_equal(g.bytes, e[i].bytes);
		assert_int_equal(g.error, e[i].error);
	}
}

/* The summary holds every key of tr with its exact counts. */
static void
check_exact(const struct ws_topk *t, const struct truth *tr, enum key_kind kind)
{
	struct ws_topk_entry *e;
	uint32_t n = top_all(t, &e), id;

	check_listing(t, e, n);
	assert_int_equal(n, truth_distinct(tr));
	assert_int_equal(ws_topk_total_packets(t), tr->total);
	assert_int_equal(ws_topk_error_bound(t), 0);
	for (uint32_t i = 0; i < n; i++) {
		id = key_decode(kind, e[i].key, e[i].key_len);
		assert_true(id < tr->n_ids);
		assert_int_equal(e[i].packets, tr->packets[id]);
		assert_int_equal(e[i].bytes, tr->bytes[id]);
		assert_int_equal(e[i].error, 0);
	}
	free(e);
}

/*
 * Space-Saving guarantees: true <= packets <= true + error, error <= bound of
 * the summary <= `bound`, keys not held occurred at most that often, and keys
 * above `bound` are held.
 */
static void
check_bounds(const struct ws_topk *t, const struct truth *tr, enum key_kind kind, uint64_t bound)
{
	uint64_t floor = ws_topk_error_bound(t);
	struct ws_topk_entry *e;
	uint32_t n = top_all(t, &e), id;
	uint8_t *seen = calloc(tr->n_ids, 1);

	assert_non_null(seen);
	check_listing(t, e, n);
	assert_int_equal(ws_topk_total_packets(t), tr->total);
	assert_true(floor <= bound);
	for (uint32_t i = 0; i < n; i++) {
		id = key_decode(kind, e[i].key, e[i].key_len);
		assert_true(id < tr->n_ids);
		assert_false(seen[id]);
		seen[id] = 1;
		assert_true(tr->packets[id] <= e[i].packets);
		assert_true(e[i].packets <= tr->packets[id] + e[i].error);
		assert_true(e[i].error <= floor);
		assert_true(e[i].packets >= floor); /* only a minimum is ever replaced */
	}
	for (id = 0; id < tr->n_ids; id++) {
		if (seen[id])
			continue;
		assert_true(tr->packets[id] <= floor);
		assert_true(tr->packets[id] <= bound);
	}
	free(seen);
	free(e);
}

/*
 * One stream: the counters add up to at most N (a newcomer inherits its cell,
 * at most the minimum it replaces), which is why the minimum is <= N / C.
 */
static void
check_sum(const struct ws_topk *t)
{
	struct ws_topk_entry *e;
	uint32_t n = top_all(t, &e);
	uint64_t sum = 0;

	for (uint32_t i = 0; i < n; i++)
		sum += e[i].packets;
	assert_true(sum <= ws_topk_total_packets(t));
	free(e);
}

static void
check_same(const struct ws_topk *a, const struct ws_topk *b)
{
	struct ws_topk_entry *ea, *eb;
	uint32_t n = top_all(a, &ea);

	assert_int_equal(top_all(b, &eb), n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(ea[i].packets, eb[i].packets);
		assert_int_equal(ea[i].bytes, eb[i].bytes);
		assert_int_equal(ea[i].error, eb[i].error);
		assert_int_equal(ea[i].key_len, eb[i].key_len);
		assert_memory_equal(ea[i].key, eb[i].key, ea[i].key_len);
	}
	assert_int_equal(ws_topk_total_packets(a), ws_topk_total_packets(b));
	assert_int_equal(ws_topk_error_bound(a), ws_topk_error_bound(b));
	free(ea);
	free(eb);
}

/* ---- tests ---- */

static void
test_create_bad_args(void **state)
{
	struct ws_topk *t;

	(void)state;
	errno = 0;
	assert_null(ws_topk_create(0, 5));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ws_topk_create(WS_TOPK_CAPACITY_MAX + 1, 5));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ws_topk_create(UINT32_MAX, 5));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ws_topk_create(16, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ws_topk_create(16, WS_TOPK_KEY_MAX + 1));
	assert_int_equal(errno, EINVAL);
	ws_topk_destroy(NULL);

	t = ws_topk_create(1, WS_TOPK_KEY_MAX);
	assert_non_null(t);
	assert_int_equal(ws_topk_capacity(t), 1);
	assert_int_equal(ws_topk_size(t), 0);
	assert_int_equal(ws_topk_top(t, NULL, 0), 0);
	ws_topk_destroy(t);
}

/* Capacity >= distinct keys: every count exact, whatever the key type. */
static void
test_exact(void **state)
{
	static const enum key_kind kinds[] = {KEY_IP, KEY_HOST};
	struct zipf z;

	(void)state;
	zipf_init(&z, 3000);
	for (unsigned int k = 0; k < 2; k++) {
		struct stream st = {&z, 42 + k, 100000, 0, kinds[k]};
		struct ws_topk *t = ws_topk_create(3000, kinds[k] == KEY_IP ? 5 : 64);
		struct ws_topk_entry e;
		struct truth tr;
		uint8_t key[8];

		assert_non_null(t);
		truth_init(&tr, 3000);
		feed(&st, t, &tr);
		assert_true(truth_distinct(&tr) > 2000);
		check_exact(t, &tr, kinds[k]);
		assert_int_equal(ws_topk_evictions(t), 0);
		assert_int_equal(ws_topk_get(t, key, key_encode(KEY_IP, 5000, key), &e), -ENOENT);
		truth_free(&tr);
		ws_topk_destroy(t);
	}
	free(z.cdf);
}

/* Capacity < distinct keys, from 1 counter up. */
static void
test_space_saving_bounds(void **state)
{
	static const uint32_t caps[] = {1, 2, 3, 10, 64, 500};
	struct zipf z;

	(void)state;
	zipf_init(&z, 20000);
	for (unsigned int c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		struct stream st = {&z, 7 * c + 1, 200000, 0, c % 2 ? KEY_HOST : KEY_IP};
		struct ws_topk *t = ws_topk_create(caps[c], 40);
		struct truth tr;

		assert_non_null(t);
		truth_init(&tr, 20000);
		feed(&st, t, &tr);
		assert_int_equal(ws_topk_size(t), caps[c]);
		assert_true(ws_topk_evictions(t) > 0);
		assert_true(ws_topk_error_bound(t) > 0);
		check_bounds(t, &tr, st.kind, tr.total / caps[c]);
		check_sum(t);
		truth_free(&tr);
		ws_topk_destroy(t);
	}
	free(z.cdf);
}

/*
 * The admission filter: one-packet keys of a long tail raise their cells and
 * leave the heavy keys alone; a key that keeps coming is admitted once its
 * cell reaches the minimum, with that cell as its error.
 */
static void
test_filter_admission(void **state)
{
	struct ws_topk *t = ws_topk_create(2, 5);
	struct ws_topk_entry e;
	uint8_t key[8];
	uint32_t i, x = 1000;

	(void)state;
	assert_non_null(t);
	assert_int_equal(ws_topk_update(t, key, key_encode(KEY_IP, 1, key), 100, 6400), 0);
	assert_int_equal(ws_topk_update(t, key, key_encode(KEY_IP, 2, key), 90, 5760), 0);
	for (i = 0; i < 50; i++)
		assert_int_equal(ws_topk_update(t, key, key_encode(KEY_IP, 100 + i, key), 1, 64),
				 0);
	assert_int_equal(ws_topk_filtered(t), 50);
	assert_int_equal(ws_topk_evictions(t), 0);
	assert_int_equal(ws_topk_get(t, key, key_encode(KEY_IP, 1, key), &e), 0);
	assert_true(e.packets == 100 && e.error == 0 && e.bytes == 6400);
	assert_int_equal(ws_topk_get(t, key, key_encode(KEY_IP, 2, key), &e), 0);
	assert_true(e.packets == 90 && e.error == 0);
	/* 8 cells took 50 packets: the fullest holds at least 7, at most 50 */
	assert_true(ws_topk_error_bound(t) >= 7 && ws_topk_error_bound(t) <= 50);

	for (i = 1; ws_topk_get(t, key, key_encode(KEY_IP, x, key), &e) == -ENOENT; i++) {
		assert_true(i <= 90);
		assert_int_equal(ws_topk_update(t, key, key_encode(KEY_IP, x, key), 1, 64), 0);
	}
	i--; /* updates of x */
	assert_int_equal(ws_topk_evictions(t), 1);
	assert_int_equal(ws_topk_get(t, key, key_encode(KEY_IP, 2, key), &e), -ENOENT);
	assert_int_equal(ws_topk_get(t, key, key_encode(KEY_IP, x, key), &e), 0);
	assert_int_equal(e.packets, 90); /* admitted at the minimum's count */
	assert_true(e.packets >= i && e.packets <= i + e.error);
	assert_int_equal(e.error, 89);
	assert_int_equal(ws_topk_error_bound(t), 90);
	assert_int_equal(ws_topk_filtered(t), 50 + i - 1);
	ws_topk_destroy(t);
}

/* Capacities suffice: merging equals one summary of the concatenated streams. */
static void
test_merge_exact(void **state)
{
	struct zipf z;
	struct stream a = {&z, 3, 60000, 0, KEY_HOST};
	struct stream b = {&z, 4, 50000, 200, KEY_HOST};
	struct ws_topk *ta = ws_topk_create(700, 48), *tb = ws_topk_create(400, 40);
	struct ws_topk *ta2 = ws_topk_create(400, 32), *all = ws_topk_create(700, 48);
	struct ws_topk *mgmt = ws_topk_create(1000, 64);
	struct truth tr;

	(void)state;
	zipf_init(&z, 400);
	assert_true(ta && tb && ta2 && all && mgmt);
	truth_init(&tr, 600);
	feed(&a, ta, &tr);
	feed(&b, tb, &tr);
	feed(&a, all, NULL);
	feed(&b, all, NULL);
	assert_true(truth_distinct(&tr) > 500);
	check_exact(all, &tr, KEY_HOST);

	/* b into a; then b and a, in that order, into an empty larger one. */
	assert_int_equal(ws_topk_merge(ta, tb), 0);
	check_exact(ta, &tr, KEY_HOST);
	check_same(ta, all);
	feed(&a, ta2, NULL);
	assert_int_equal(ws_topk_merge(mgmt, tb), 0);
	assert_int_equal(ws_topk_merge(mgmt, ta2), 0);
	check_exact(mgmt, &tr, KEY_HOST);
	check_same(mgmt, all);
	assert_int_equal(ws_topk_evictions(mgmt), 0);

	truth_free(&tr);
	free(z.cdf);
	ws_topk_destroy(ta);
	ws_topk_destroy(tb);
	ws_topk_destroy(ta2);
	ws_topk_destroy(all);
	ws_topk_destroy(mgmt);
}

/* Per-core summaries merged on a management summary, then counting on. */
static void
test_merge_bounds_equal(void **state)
{
	enum { CORES = 4, CAP = 64, IDS = 40000 };
	struct ws_topk *core[CORES], *mgmt = ws_topk_create(CAP, 5);
	struct stream st[CORES];
	uint64_t evictions = 0;
	struct truth tr;
	struct zipf z;

	(void)state;
	zipf_init(&z, 30000);
	truth_init(&tr, IDS);
	assert_non_null(mgmt);
	for (unsigned int i = 0; i < CORES; i++) {
		st[i] = (struct stream){&z, 100 + i, 50000, 2500 * i, KEY_IP};
		core[i] = ws_topk_create(CAP, 5);
		assert_non_null(core[i]);
		feed(&st[i], core[i], &tr);
		assert_true(ws_topk_evictions(core[i]) > 0);
	}
	ws_topk_reset(mgmt);
	for (unsigned int i = 0; i < CORES; i++) {
		assert_int_equal(ws_topk_merge(mgmt, core[i]), 0);
		evictions += ws_topk_evictions(core[i]);
	}
	check_bounds(mgmt, &tr, KEY_IP, tr.total / CAP);
	assert_true(ws_topk_evictions(mgmt) > evictions); /* the cores', and the merges' own */

	/* The merged summary keeps its guarantees as it counts on. */
	st[0].seed = 999;
	feed(&st[0], mgmt, &tr);
	check_bounds(mgmt, &tr, KEY_IP, tr.total / CAP);

	for (unsigned int i = 0; i < CORES; i++)
		ws_topk_destroy(core[i]);
	ws_topk_destroy(mgmt);
	truth_free(&tr);
	free(z.cdf);
}

/* Different capacities, either way round: error <= N_dst / k_dst + N_src / min(k). */
static void
test_merge_bounds_unequal(void **state)
{
	static const uint32_t caps[][2] = {
		{100, 40}, {40, 100}, {1, 7}, {7, 1}, {50, 50}, {12000, 40}, {40, 12000},
	};
	struct zipf z;

	(void)state;
	zipf_init(&z, 10000);
	for (unsigned int c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint32_t kd = caps[c][0], ks = caps[c][1], km = kd < ks ? kd : ks;
		struct stream a = {&z, 11 + c, 80000, 0, KEY_IP};
		struct stream b = {&z, 21 + c, 30000, 3000, KEY_IP};
		struct stream more = {&z, 31 + c, 30000, 1500, KEY_IP};
		struct ws_topk *d = ws_topk_create(kd, 5), *s = ws_topk_create(ks, 5);
		struct truth tr;
		uint64_t na, nb;

		assert_true(d && s);
		truth_init(&tr, 13000);
		feed(&a, d, &tr);
		na = tr.total;
		feed(&b, s, &tr);
		nb = tr.total - na;
		assert_int_equal(ws_topk_merge(d, s), 0);
		check_bounds(d, &tr, KEY_IP, (na * km + nb * kd) / ((uint64_t)kd * km));
		assert_true(ws_topk_error_bound(d) > 0);
		/* Still sound as it counts on, even while not full (a large dst). */
		feed(&more, d, &tr);
		check_bounds(d, &tr, KEY_IP, UINT64_MAX);
		truth_free(&tr);
		ws_topk_destroy(d);
		ws_topk_destroy(s);
	}
	free(z.cdf);
}

static void
update_id(struct ws_topk *t, uint32_t id, uint32_t packets)
{
	uint8_t key[8];

	assert_int_equal(ws_topk_update(t, key, key_encode(KEY_IP, id, key), packets, 64 * packets),
			 0);
}

/*
 * Two exact summaries whose union overflows: the largest are kept, even where
 * the merge reordered the heap, and the bound covers the largest dropped.
 */
static void
test_merge_overflow(void **state)
{
	static const uint32_t want[] = {3, 2, 1, 0, 11, 7, 10, 6};
	struct ws_topk *dst = ws_topk_create(8, 5), *src = ws_topk_create(8, 5);
	struct ws_topk_entry e[8];
	struct truth tr;

	(void)state;
	assert_true(dst && src);
	truth_init(&tr, 12);
	for (uint32_t id = 0; id < 8; id++) {
		update_id(dst, id, 100 + 10 * id); /* 100 .. 170 */
		tr.packets[id] += 100 + 10 * id;
	}
	for (uint32_t id = 8; id < 12; id++) {
		update_id(src, id, 145 + 10 * (id - 8)); /* 145 .. 175 */
		tr.packets[id] += 145 + 10 * (id - 8);
	}
	for (uint32_t id = 0; id < 4; id++) {
		update_id(src, id, 200); /* dst's smallest become its largest */
		tr.packets[id] += 200;
	}
	for (uint32_t id = 0; id < 12; id++)
		tr.total += tr.packets[id];
	assert_int_equal(ws_topk_merge(dst, src), 0);
	assert_int_equal(ws_topk_top(dst, e, 8), 8);
	for (unsigned int i = 0; i < 8; i++) {
		assert_int_equal(key_decode(KEY_IP, e[i].key, e[i].key_len), want[i]);
		assert_int_equal(e[i].packets, tr.packets[want[i]]);
		assert_int_equal(e[i].bytes, 64 * tr.packets[want[i]]);
		assert_int_equal(e[i].error, 0);
	}
	assert_int_equal(ws_topk_error_bound(dst), 155); /* id 9 */
	assert_int_equal(ws_topk_evictions(dst), 4); /* ids 4, 8 (admitted, then replaced), 5, 9 */
	check_bounds(dst, &tr, KEY_IP, tr.total / 8);
	truth_free(&tr);
	ws_topk_destroy(dst);
	ws_topk_destroy(src);
}

static void
test_merge_bad_args(void **state)
{
	struct ws_topk *a = ws_topk_create(8, 5), *b = ws_topk_create(8, 17);

	(void)state;
	assert_true(a && b);
	assert_int_equal(ws_topk_update(b, "0123456789abcdef", 16, 1, 100), 0);
	assert_int_equal(ws_topk_merge(a, a), -EINVAL);
	assert_int_equal(ws_topk_merge(a, b), -EINVAL);
	assert_int_equal(ws_topk_size(a), 0);
	assert_int_equal(ws_topk_total_packets(a), 0);
	/* A smaller key size merges into a larger one. */
	assert_int_equal(ws_topk_update(a, "abcde", 5, 2, 200), 0);
	assert_int_equal(ws_topk_merge(b, a), 0);
	assert_int_equal(ws_topk_size(b), 2);
	assert_int_equal(ws_topk_total_packets(b), 3);
	ws_topk_destroy(a);
	ws_topk_destroy(b);
}

struct tie {
	const char *key;
	uint32_t packets, bytes;
};

/* Packets desc, bytes desc, then key bytes ascending with the shorter key first. */
static void
test_sort_ties(void **state)
{
	/* In the order expected; "x\0" (index 7) is two bytes. */
	static const struct tie order[] = {
		{"z", 20, 10},	 {"a", 10, 2000},  {"ab", 10, 1000}, {"b", 10, 1000},
		{"c", 10, 1000}, {"", 5, 500},	   {"x", 5, 500},    {"x\0", 5, 500},
		{"xy", 5, 500},	 {"\xff", 5, 500}, {"y", 5, 499},    {"ya", 1, 1},
	};
	enum { N = sizeof(order) / sizeof(order[0]) };
	static const unsigned int shuffle[N] = {7, 2, 11, 0, 9, 4, 1, 10, 6, 3, 8, 5};
	struct ws_topk *t = ws_topk_create(N, 4);
	struct ws_topk_entry e[N + 1];
	uint32_t n;

	(void)state;
	assert_non_null(t);
	for (unsigned int i = 0; i < N; i++) {
		const struct tie *p = &order[shuffle[i]];
		uint16_t len = shuffle[i] == 7 ? 2 : (uint16_t)strlen(p->key);

		/* In two halves, so that the heap is repaired on existing keys too. */
		assert_int_equal(ws_topk_update(t, p->key, len, p->packets / 2, p->bytes / 2), 0);
		assert_int_equal(ws_topk_update(t, p->key, len, p->packets - p->packets / 2,
						p->bytes - p->bytes / 2),
				 0);
	}
	n = ws_topk_top(t, e, N + 1);
	assert_int_equal(n, N);
	for (unsigned int i = 0; i < N; i++) {
		uint16_t len = i == 7 ? 2 : (uint16_t)strlen(order[i].key);

		assert_int_equal(e[i].packets, order[i].packets);
		assert_int_equal(e[i].bytes, order[i].bytes);
		assert_int_equal(e[i].key_len, len);
		assert_memory_equal(e[i].key, order[i].key, len);
	}
	/* The best three, and nothing written past them. */
	memset(e, 0, sizeof(e));
	assert_int_equal(ws_topk_top(t, e, 3), 3);
	assert_memory_equal(e[0].key, "z", 1);
	assert_memory_equal(e[1].key, "a", 1);
	assert_memory_equal(e[2].key, "ab", 2);
	assert_null(e[3].key);
	assert_int_equal(ws_topk_top(t, e, 0), 0);
	ws_topk_destroy(t);
}

/* Hostnames: every length from 0 to key_size, each a prefix of the next. */
static void
test_key_lengths(void **state)
{
	uint8_t name[WS_TOPK_KEY_MAX + 1];
	struct ws_topk_entry e[WS_TOPK_KEY_MAX + 1], g;
	struct ws_topk *t = ws_topk_create(WS_TOPK_KEY_MAX + 1, WS_TOPK_KEY_MAX);
	struct ws_topk *small = ws_topk_create(4, 17);

	(void)state;
	assert_true(t && small);
	for (unsigned int i = 0; i < sizeof(name); i++)
		name[i] = 'a' + i % 26;
	for (unsigned int len = 0; len <= WS_TOPK_KEY_MAX; len++)
		assert_int_equal(ws_topk_update(t, name, len, 1 + len % 3, 100), 0);
	assert_int_equal(ws_topk_update(t, NULL, 0, 1, 0), 0); /* empty key again */

	/* Longer than key_size: rejected, nothing counted. */
	assert_int_equal(ws_topk_update(t, name, WS_TOPK_KEY_MAX + 1, 1, 100), -EINVAL);
	assert_int_equal(ws_topk_update(t, NULL, 3, 1, 100), -EINVAL);
	assert_int_equal(ws_topk_get(t, name, WS_TOPK_KEY_MAX + 1, &g), -EINVAL);
	assert_int_equal(ws_topk_total_packets(t), 2 * 86 + 3 * 85 + 1 * 86 + 1);
	assert_int_equal(ws_topk_size(t), WS_TOPK_KEY_MAX + 1);

	/* Within equal counts, shorter prefixes first. */
	assert_int_equal(ws_topk_top(t, e, WS_TOPK_KEY_MAX + 1), WS_TOPK_KEY_MAX + 1);
	check_listing(t, e, WS_TOPK_KEY_MAX + 1);
	for (unsigned int i = 0; i <= WS_TOPK_KEY_MAX; i++) {
		assert_int_equal(ws_topk_get(t, name, i, &g), 0);
		assert_int_equal(g.key_len, i);
		assert_int_equal(g.packets, 1 + i % 3 + (i == 0));
		assert_int_equal(g.bytes, 100);
	}
	/* 85 keys of 3 packets (lengths 2, 5 .. 254), then the empty key, 1, 4 .. with 2. */
	assert_int_equal(e[0].key_len, 2);
	assert_int_equal(e[0].packets, 3);
	assert_int_equal(e[1].key_len, 5);
	assert_int_equal(e[84].key_len, 254);
	assert_int_equal(e[85].key_len, 0);
	assert_int_equal(e[85].packets, 2);
	assert_int_equal(e[86].key_len, 1);
	assert_int_equal(e[WS_TOPK_KEY_MAX].key_len, 255);

	assert_int_equal(ws_topk_update(small, name, 17, 1, 1), 0);
	assert_int_equal(ws_topk_update(small, name, 18, 1, 1), -EINVAL);
	assert_int_equal(ws_topk_size(small), 1);
	assert_int_equal(ws_topk_total_packets(small), 1);
	ws_topk_destroy(t);
	ws_topk_destroy(small);
}

static void
test_reset(void **state)
{
	struct zipf z, z90;
	struct stream big = {&z, 5, 50000, 0, KEY_IP}, few = {&z90, 6, 2000, 0, KEY_IP};
	struct ws_topk *t = ws_topk_create(100, 5);
	struct ws_topk_entry e;
	struct truth tr;
	uint8_t key[8];

	(void)state;
	zipf_init(&z, 5000);
	zipf_init(&z90, 90);
	assert_non_null(t);
	feed(&big, t, NULL);
	assert_true(ws_topk_evictions(t) > 0);
	ws_topk_reset(t);
	assert_int_equal(ws_topk_size(t), 0);
	assert_int_equal(ws_topk_total_packets(t), 0);
	assert_int_equal(ws_topk_evictions(t), 0);
	assert_int_equal(ws_topk_error_bound(t), 0);
	assert_int_equal(ws_topk_top(t, &e, 1), 0);
	assert_int_equal(ws_topk_get(t, key, key_encode(KEY_IP, 0, key), &e), -ENOENT);

	/* Exact again on a stream that fits. */
	truth_init(&tr, 5000);
	feed(&few, t, &tr);
	check_exact(t, &tr, KEY_IP);
	truth_free(&tr);
	free(z.cdf);
	free(z90.cdf);
	ws_topk_destroy(t);
}

static void
test_copy(void **state)
{
	struct zipf z;
	struct stream st = {&z, 8, 30000, 0, KEY_HOST};
	struct ws_topk *a = ws_topk_create(50, 32), *b = ws_topk_create(50, 32);
	struct ws_topk *other = ws_topk_create(51, 32);
	struct ws_topk_entry e0, e1;
	uint64_t total;
	uint32_t size;

	(void)state;
	zipf_init(&z, 2000);
	assert_true(a && b && other);
	assert_int_equal(ws_topk_copy(other, a), -EINVAL);
	feed(&st, a, NULL);
	assert_int_equal(ws_topk_copy(b, a), 0);
	check_same(a, b);
	assert_int_equal(ws_topk_evictions(b), ws_topk_evictions(a));

	/* The copy is independent and fully working: an existing key is found, not duplicated. */
	assert_int_equal(ws_topk_top(b, &e0, 1), 1);
	size = ws_topk_size(b);
	assert_int_equal(ws_topk_update(b, e0.key, e0.key_len, 5, 7), 0);
	assert_int_equal(ws_topk_size(b), size);
	assert_int_equal(ws_topk_get(b, e0.key, e0.key_len, &e1), 0);
	assert_int_equal(e1.packets, e0.packets + 5);
	assert_int_equal(ws_topk_get(a, e0.key, e0.key_len, &e1), 0);
	assert_int_equal(e1.packets, e0.packets);
	total = ws_topk_total_packets(b);
	assert_int_equal(total, ws_topk_total_packets(a) + 5);
	st.seed = 9;
	feed(&st, a, NULL);
	assert_int_equal(ws_topk_total_packets(b), total);
	assert_true(ws_topk_total_packets(a) > total);
	free(z.cdf);
	ws_topk_destroy(a);
	ws_topk_destroy(b);
	ws_topk_destroy(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bad_args),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_space_saving_bounds),
		cmocka_unit_test(test_filter_admission),
		cmocka_unit_test(test_merge_exact),
		cmocka_unit_test(test_merge_bounds_equal),
		cmocka_unit_test(test_merge_bounds_unequal),
		cmocka_unit_test(test_merge_overflow),
		cmocka_unit_test(test_merge_bad_args),
		cmocka_unit_test(test_sort_ties),
		cmocka_unit_test(test_key_lengths),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
