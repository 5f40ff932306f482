/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/names: QUIC Initials against RFC 9001 Appendix A, CRYPTO frames in any
 * order and over two Initials; TCP ClientHello reassembly (in order, three
 * segments, retransmission, gap, FIN, timeout, pool exhaustion); DNS answers
 * with CNAME chains and replacement; bounds on every truncation; and no
 * allocation after create (OpenSSL's through CRYPTO_set_mem_functions, ours
 * through -Wl,--wrap).
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
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <ws_names.h>
#include <ws_parse.h>

/* ---- allocation counting ---- */

static int counting;
static unsigned long allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

void *
__wrap_malloc(size_t n)
{
	allocs += counting;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t m)
{
	allocs += counting;
	return __real_calloc(n, m);
}

void *
__wrap_realloc(void *p, size_t n)
{
	allocs += counting;
	return __real_realloc(p, n);
}

static void *
ossl_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	allocs += counting;
	return __real_malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	allocs += counting;
	return __real_realloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
	(void)file, (void)line;
	free(p);
}

/* ---- helpers ---- */

static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned int v;

	while (s[0] && s[1] && s[0] != '\n' && n < max) {
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static size_t
load_hex(const char *name, uint8_t *out, size_t max)
{
	char path[512], *buf;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/data/quic/%s", WS_SOURCE_ROOT, name);
	f = fopen(path, "r");
	assert_non_null(f);
	buf = __real_calloc(1, 2 * max + 2);
	assert_non_null(buf);
	n = fread(buf, 1, 2 * max + 1, f);
	fclose(f);
	buf[n] = '\0';
	n = unhex(buf, out, max);
	free(buf);
	return n;
}

struct buf {
	uint8_t b[8192];
	uint32_t len;
};

static void
put(struct buf *f, const void *p, uint32_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	if (n) /* p may be NULL for no bytes */
		memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void
put8(struct buf *f, uint8_t v)
{
	put(f, &v, 1);
}

static void
put16(struct buf *f, uint16_t v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void
set16(struct buf *f, uint32_t off, uint16_t v)
{
	f->b[off] = v >> 8;
	f->b[off + 1] = v & 0xff;
}

/*
 * A TLS 1.3 ClientHello handshake message (RFC 8446 4.1.2) with a post-quantum
 * sized key_share (X25519MLKEM768: 1216 + 32 bytes) before the server_name, so
 * that the SNI lies about 1.3 KB in, as browsers put it.
 */
static void
client_hello(struct buf *m, const char *sni)
{
	uint32_t ext_len_at, i;
	uint16_t n = strlen(sni);

	m->len = 0;
	put8(m, 1); /* ClientHello */
	put8(m, 0);
	put16(m, 0); /* length, set below */
	put16(m, 0x0303);
	for (i = 0; i < 32; i++)
		put8(m, i); /* random */
	put8(m, 32);
	for (i = 0; i < 32; i++)
		put8(m, 0xa0 + i); /* legacy session id */
	put16(m, 2);
	put16(m, 0x1301);
	put8(m, 1);
	put8(m, 0);
	ext_len_at = m->len;
	put16(m, 0);
	put16(m, 0x0033); /* key_share */
	put16(m, 2 + 4 + 1216 + 32);
	put16(m, 4 + 1216 + 32);
	put16(m, 0x11ec);
	put16(m, 1216 + 32);
	for (i = 0; i < 1216 + 32; i++)
		put8(m, (uint8_t)(i * 7));
	put16(m, 0x002b); /* supported_versions */
	put16(m, 3);
	put8(m, 2);
	put16(m, 0x0304);
	put16(m, 0x0000); /* server_name */
	put16(m, n + 5);
	put16(m, n + 3);
	put8(m, 0);
	put16(m, n);
	put(m, sni, n);
	set16(m, ext_len_at, m->len - ext_len_at - 2);
	m->b[1] = (m->len - 4) >> 16;
	set16(m, 2, (m->len - 4) & 0xffff);
}

/* The same in a TLS record, as the client writes it on TCP. */
static void
tls_record(struct buf *r, const char *sni)
{
	struct buf m;

	client_hello(&m, sni);
	r->len = 0;
	put8(r, 0x16);
	put16(r, 0x0301);
	put16(r, m.len);
	put(r, m.b, m.len);
}

/* An Ethernet/IPv4 frame: TCP (with seq and flags) or UDP from 10.0.0.1:sport to 10.0.0.2:dport. */
static void
frame(struct buf *f, uint8_t proto, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
      const uint8_t *pl, uint32_t n)
{
	static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
	uint32_t l4 = proto == 6 ? 20 : 8;

	f->len = 0;
	put(f, eth, sizeof(eth));
	put8(f, 0x45);
	put8(f, 0);
	put16(f, 20 + l4 + n);
	put16(f, 1);
	put16(f, 0);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, (uint8_t[]){10, 0, 0, 1, 10, 0, 0, 2}, 8);
	put16(f, sport);
	put16(f, dport);
	if (proto == 6) {
		put16(f, seq >> 16);
		put16(f, seq & 0xffff);
		put16(f, 0);
		put16(f, 0);
		put8(f, 0x50);
		put8(f, flags);
		put16(f, 65535);
		put16(f, 0);
		put16(f, 0);
	} else {
		put16(f, 8 + n);
		put16(f, 0);
	}
	put(f, pl, n);
}

static int
feed(struct ws_names *nm, const struct buf *f, uint64_t ts, struct ws_host *h,
     struct ws_names_counters *c)
{
	struct ws_pkt p;

	assert_int_equal(ws_parse_pkt(f->b, f->len, &p), WS_PARSE_OK);
	return ws_names_host(nm, f->b, f->len, &p, ts, h, c);
}

/* ---- QUIC ---- */

static const uint8_t rfc_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

/* RFC 9001 A.1: the client's Initial secret, key, IV and header protection key. */
static void
test_quic_keys_rfc9001(void **state)
{
	struct ws_quic_keys k;
	uint8_t want[32];

	(void)state;
	assert_int_equal(ws_quic_client_keys(1, rfc_dcid, sizeof(rfc_dcid), &k), 0);
	unhex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", want, 32);
	assert_memory_equal(k.secret, want, 32);
	unhex("1f369613dd76d5467730efcbe3b1a22d", want, 16);
	assert_memory_equal(k.key, want, 16);
	unhex("fa044b2f42a3fd3b46fb255c", want, 12);
	assert_memory_equal(k.iv, want, 12);
	unhex("9f50449e04a0e810283a1e9933adedd2", want, 16);
	assert_memory_equal(k.hp, want, 16);
	assert_int_equal(ws_quic_client_keys(0x6b3343cf, rfc_dcid, 8, &k), -ENOTSUP);
}

/* RFC 9001 A.2: the protected client Initial opens, and its ClientHello names example.com. */
static void
test_quic_packet_rfc9001(void **state)
{
	struct ws_names_counters c = {0};
	struct ws_quic *q = ws_quic_create();
	uint8_t pkt[1200];
	struct ws_host h;

	(void)state;
	assert_non_null(q);
	assert_int_equal(load_hex("rfc9001-a2-client-initial.hex", pkt, sizeof(pkt)), 1200);
	assert_int_equal(ws_quic_initial_sni(q, pkt, sizeof(pkt), &h, &c), 0);
	assert_string_equal(h.name, "example.com");
	assert_int_equal(h.source, WS_HOST_QUIC);
	assert_int_equal(c.quic_initials, 1);
	assert_int_equal(c.quic_opened, 1);
	/* the same packet again (a retransmission) names it again, as tshark counts */
	assert_int_equal(ws_quic_initial_sni(q, pkt, sizeof(pkt), &h, &c), 0);
	/* one bit changed anywhere after the header: the tag does not check */
	for (unsigned int i = 30; i < sizeof(pkt); i += 97) {
		pkt[i] ^= 0x10;
		assert_int_equal(ws_quic_initial_sni(q, pkt, sizeof(pkt), &h, &c), -ENOENT);
		assert_string_equal(h.name, "");
		pkt[i] ^= 0x10;
	}
	assert_int_equal(c.quic_opened, 2);
	/* not version 1, or not an Initial (a Handshake packet's type bits) */
	pkt[4] = 2;
	assert_int_equal(ws_quic_initial_sni(q, pkt, sizeof(pkt), &h, &c), -ENOENT);
	pkt[4] = 1;
	pkt[0] ^= 0x20;
	assert_int_equal(ws_quic_initial_sni(q, pkt, sizeof(pkt), &h, &c), -ENOENT);
	pkt[0] ^= 0x20;
	/* a datagram shorter than a client Initial may be */
	assert_int_equal(ws_quic_initial_sni(q, pkt, 1199, &h, &c), -ENOENT);
	ws_quic_destroy(q);
}

/*
 * Seal a client Initial (RFC 9001 5.3, 5.4) with OpenSSL directly: DCID, no
 * SCID or token, a 2-byte packet number, payload padded to fill 1200 bytes.
 * The caller's buffer is large enough for any payload that fits a 2-byte Length.
 */
static void
seal(struct buf *out, const uint8_t *dcid, uint8_t dcid_len, uint16_t pn, const uint8_t *frames,
     uint32_t n)
{
	struct ws_quic_keys k;
	uint8_t payload[2048] = {0}, nonce[12], mask[16];
	uint32_t hdr, plen, length;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l;

	assert_int_equal(ws_quic_client_keys(1, dcid, dcid_len, &k), 0);
	hdr = 1 + 4 + 1 + dcid_len + 1 + 1 + 2 + 2;
	plen = 1200 - hdr - 16;
	if (n > plen)
		plen = n; /* a longer datagram, no padding */
	assert_true(plen + 2 + 16 < 0x4000);
	memcpy(payload, frames, n); /* the rest is PADDING */
	length = 2 + plen + 16;
	out->len = 0;
	put8(out, 0xc1); /* long header, Initial, packet number length 2 */
	put(out, (uint8_t[]){0, 0, 0, 1}, 4);
	put8(out, dcid_len);
	put(out, dcid, dcid_len);
	put8(out, 0); /* SCID */
	put8(out, 0); /* token length */
	put16(out, 0x4000 | length);
	put16(out, pn);
	memcpy(nonce, k.iv, 12);
	nonce[10] ^= pn >> 8;
	nonce[11] ^= pn & 0xff;
	assert_true(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce));
	assert_true(EVP_EncryptUpdate(c, NULL, &l, out->b, hdr));
	assert_true(EVP_EncryptUpdate(c, out->b + hdr, &l, payload, plen));
	assert_true(EVP_EncryptFinal_ex(c, out->b + hdr + l, &l));
	assert_true(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out->b + hdr + plen));
	out->len = hdr + plen + 16;
	assert_true(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL));
	assert_true(EVP_EncryptUpdate(c, mask, &l, out->b + hdr - 2 + 4, 16));
	out->b[0] ^= mask[0] & 0x0f;
	out->b[hdr - 2] ^= mask[1];
	out->b[hdr - 1] ^= mask[2];
	EVP_CIPHER_CTX_free(c);
}

/* A CRYPTO frame (RFC 9000 19.6) with 4-byte varints. */
static void
crypto_frame(struct buf *f, uint32_t off, const uint8_t *d, uint32_t n)
{
	put8(f, 0x06);
	put16(f, 0x8000 | (off >> 16));
	put16(f, off & 0xffff);
	put16(f, 0x8000);
	put16(f, n);
	put(f, d, n);
}

/* Chrome's shape: PING, CRYPTO pieces out of order, an ACK; the hello over two Initials. */
static void
test_quic_crypto_order_and_split(void **state)
{
	static const uint8_t dcid[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	struct ws_names_counters c = {0};
	struct ws_quic *q = ws_quic_create();
	struct buf m, fr, pkt, pkt2;
	struct ws_host h;
	uint32_t cut = 700;

	(void)state;
	client_hello(&m, "pq.example.org");
	assert_true(m.len > 1300);
	/* packet 1: PING, bytes [300, cut), ACK, bytes [0, 300) */
	fr.len = 0;
	put8(&fr, 0x01);
	crypto_frame(&fr, 300, m.b + 300, cut - 300);
	put(&fr, (uint8_t[]){0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, 7); /* ACK, 1 range */
	crypto_frame(&fr, 0, m.b, 300);
	seal(&pkt, dcid, sizeof(dcid), 0, fr.b, fr.len);
	/* packet 2: the rest */
	fr.len = 0;
	crypto_frame(&fr, cut, m.b + cut, m.len - cut);
	seal(&pkt2, dcid, sizeof(dcid), 1, fr.b, fr.len);

	/* packet 2 alone starts nothing */
	assert_int_equal(ws_quic_initial_sni(q, pkt2.b, pkt2.len, &h, &c), -ENOENT);
	assert_int_equal(ws_quic_initial_sni(q, pkt.b, pkt.len, &h, &c), -ENODATA);
	assert_int_equal(c.quic_partial, 1);
	assert_int_equal(ws_quic_initial_sni(q, pkt2.b, pkt2.len, &h, &c), 0);
	assert_string_equal(h.name, "pq.example.org");
	assert_int_equal(c.quic_opened, 3);
	/* the hello is named: packet 2 again names nothing */
	assert_int_equal(ws_quic_initial_sni(q, pkt2.b, pkt2.len, &h, &c), -ENOENT);

	/* two connections' hellos interleaved: each is gathered by its DCID */
	{
		static const uint8_t dcid2[] = {9, 9, 9, 9, 9, 9, 9, 9};
		struct buf a1, a2, b1, b2, m2;

		client_hello(&m2, "second.example.net");
		fr.len = 0;
		crypto_frame(&fr, 0, m.b, cut);
		seal(&a1, dcid, sizeof(dcid), 10, fr.b, fr.len);
		fr.len = 0;
		crypto_frame(&fr, cut, m.b + cut, m.len - cut);
		seal(&a2, dcid, sizeof(dcid), 11, fr.b, fr.len);
		fr.len = 0;
		crypto_frame(&fr, 0, m2.b, cut);
		seal(&b1, dcid2, sizeof(dcid2), 0, fr.b, fr.len);
		fr.len = 0;
		crypto_frame(&fr, cut, m2.b + cut, m2.len - cut);
		seal(&b2, dcid2, sizeof(dcid2), 1, fr.b, fr.len);
		assert_int_equal(ws_quic_initial_sni(q, a1.b, a1.len, &h, &c), -ENODATA);
		assert_int_equal(ws_quic_initial_sni(q, b1.b, b1.len, &h, &c), -ENODATA);
		assert_int_equal(ws_quic_initial_sni(q, a2.b, a2.len, &h, &c), 0);
		assert_string_equal(h.name, "pq.example.org");
		assert_int_equal(ws_quic_initial_sni(q, b2.b, b2.len, &h, &c), 0);
		assert_string_equal(h.name, "second.example.net");
	}

	/* all of it in one packet, pieces reversed */
	client_hello(&m, "one.example.org");
	fr.len = 0;
	crypto_frame(&fr, 600, m.b + 600, m.len - 600);
	crypto_frame(&fr, 0, m.b, 600);
	seal(&pkt, dcid, 4, 5, fr.b, fr.len);
	assert_int_equal(ws_quic_initial_sni(q, pkt.b, pkt.len, &h, &c), 0);
	assert_string_equal(h.name, "one.example.org");

	/* a frame type an Initial may not carry (STREAM): malformed */
	fr.len = 0;
	crypto_frame(&fr, 0, m.b, 100);
	put8(&fr, 0x08);
	seal(&pkt, dcid, 4, 6, fr.b, fr.len);
	assert_int_equal(ws_quic_initial_sni(q, pkt.b, pkt.len, &h, &c), -EBADMSG);
	/* a CRYPTO frame longer than the packet */
	fr.len = 0;
	crypto_frame(&fr, 0, m.b, 100);
	fr.b[6] = 0x7f;
	seal(&pkt, dcid, 4, 7, fr.b, fr.len);
	assert_int_equal(ws_quic_initial_sni(q, pkt.b, pkt.len, &h, &c), -EBADMSG);
	ws_quic_destroy(q);
}

/* Every cut of the header fields and of the Length: rejected, nothing read past n. */
static void
test_quic_bounds(void **state)
{
	struct ws_names_counters c = {0};
	struct ws_quic *q = ws_quic_create();
	uint8_t pkt[1300], *copy;
	struct ws_host h;
	unsigned int i, v;

	(void)state;
	assert_int_equal(load_hex("rfc9001-a2-client-initial.hex", pkt, 1200), 1200);
	/* the packet claims to run past the datagram: each Length too large by 1..64 */
	for (i = 1; i <= 64; i++) {
		copy = __real_malloc(1200);
		memcpy(copy, pkt, 1200);
		v = ((copy[16] & 0x3f) << 8 | copy[17]) + i;
		copy[16] = 0x40 | v >> 8;
		copy[17] = v & 0xff;
		assert_int_equal(ws_quic_initial_sni(q, copy, 1200, &h, &c), -ENOENT);
		free(copy);
	}
	/* DCID and SCID lengths over 20, and every value of the byte after the DCID */
	for (v = 0; v < 256; v++) {
		copy = __real_malloc(1200);
		memcpy(copy, pkt, 1200);
		copy[5] = v;
		assert_true(v == pkt[5] || ws_quic_initial_sni(q, copy, 1200, &h, &c) < 0);
		memcpy(copy, pkt, 1200);
		copy[14] = v;
		assert_true(v == pkt[14] || ws_quic_initial_sni(q, copy, 1200, &h, &c) < 0);
		free(copy);
	}
	ws_quic_destroy(q);
}

/* After the first packet, opening Initials allocates nothing (OpenSSL included). */
static void
test_quic_no_alloc(void **state)
{
	struct ws_names_counters c = {0};
	struct ws_quic *q = ws_quic_create();
	uint8_t pkt[1200];
	struct ws_host h;
	int i;

	(void)state;
	load_hex("rfc9001-a2-client-initial.hex", pkt, sizeof(pkt));
	assert_int_equal(ws_quic_initial_sni(q, pkt, sizeof(pkt), &h, &c), 0);
	allocs = 0;
	counting = 1;
	for (i = 0; i < 10; i++) {
		pkt[6] ^= i & 1; /* another DCID: new keys, and a tag that fails */
		ws_quic_initial_sni(q, pkt, sizeof(pkt), &h, &c);
	}
	pkt[6] ^= 1; /* toggled 5 times: back to the RFC's DCID */
	assert_int_equal(ws_quic_initial_sni(q, pkt, sizeof(pkt), &h, &c), 0);
	counting = 0;
	assert_int_equal(allocs, 0);
	ws_quic_destroy(q);
}

/* ---- TCP ClientHello reassembly ---- */

static struct ws_names *
names(uint32_t slots)
{
	struct ws_names_conf conf = {.hello_slots = slots};
	struct ws_names *nm = ws_names_create(&conf);

	assert_non_null(nm);
	return nm;
}

/* Segment k of the record cut at the offsets given (0 and the length implied). */
static void
segment(struct buf *f, const struct buf *rec, const uint32_t *cuts, unsigned int k, uint16_t sport,
	uint32_t isn, uint8_t flags)
{
	uint32_t from = k ? cuts[k - 1] : 0, to = cuts[k];

	frame(f, 6, sport, 443, isn + from, flags, rec->b + from, to - from);
}

static void
test_hello_in_order(void **state)
{
	struct ws_names_counters c = {0};
	struct ws_names *nm = names(0);
	struct buf rec, f;
	struct ws_host h;
	uint32_t two[2], three[3];

	(void)state;
	tls_record(&rec, "split.example.com");
	two[0] = 1000, two[1] = rec.len;
	segment(&f, &rec, two, 0, 40000, 1000, 0x18);
	assert_int_equal(feed(nm, &f, 1, &h, &c), -ENODATA);
	assert_int_equal(c.hello_started, 1);
	/* a bare ACK and a retransmission of the first segment change nothing */
	frame(&f, 6, 40000, 443, 2000, 0x10, NULL, 0);
	assert_int_equal(feed(nm, &f, 2, &h, &c), -ENOENT);
	segment(&f, &rec, two, 0, 40000, 1000, 0x18);
	assert_int_equal(feed(nm, &f, 3, &h, &c), -ENODATA);
	assert_int_equal(c.hello_started, 1);
	segment(&f, &rec, two, 1, 40000, 1000, 0x18);
	assert_int_equal(feed(nm, &f, 4, &h, &c), 0);
	assert_string_equal(h.name, "split.example.com");
	assert_int_equal(h.source, WS_HOST_TLS);
	assert_int_equal(c.hello_reassembled, 1);
	/* the slot is free again: the same segment is just data now */
	assert_int_equal(feed(nm, &f, 5, &h, &c), -ENOENT);

	/* three segments, the SNI in the third; sequence numbers wrapping */
	three[0] = 600, three[1] = 1200, three[2] = rec.len;
	for (unsigned int k = 0; k < 3; k++) {
		segment(&f, &rec, three, k, 40001, UINT32_MAX - 700, 0x18);
		assert_int_equal(feed(nm, &f, 10 + k, &h, &c), k < 2 ? -ENODATA : 0);
	}
	assert_string_equal(h.name, "split.example.com");
	/* an overlapping resend that carries new bytes too */
	segment(&f, &rec, two, 0, 40002, 5, 0x18);
	assert_int_equal(feed(nm, &f, 20, &h, &c), -ENODATA);
	frame(&f, 6, 40002, 443, 5 + 900, 0x18, rec.b + 900, rec.len - 900);
	assert_int_equal(feed(nm, &f, 21, &h, &c), 0);
	assert_int_equal(c.hello_reassembled, 3);
	assert_int_equal(c.hello_gave_up, 0);
	ws_names_destroy(nm);
}

static void
test_hello_give_up(void **state)
{
	struct ws_names_counters c = {0};
	struct ws_names *nm = names(0);
	uint32_t three[3];
	struct buf rec, f;
	struct ws_host h;

	(void)state;
	tls_record(&rec, "gap.example.com");
	three[0] = 600, three[1] = 1200, three[2] = rec.len;
	/* a segment missing: the third comes after the first */
	segment(&f, &rec, three, 0, 41000, 7, 0x18);
	assert_int_equal(feed(nm, &f, 1, &h, &c), -ENODATA);
	segment(&f, &rec, three, 2, 41000, 7, 0x18);
	assert_int_equal(feed(nm, &f, 2, &h, &c), -ENOENT);
	assert_int_equal(c.hello_gave_up, 1);
	segment(&f, &rec, three, 1, 41000, 7, 0x18);
	assert_int_equal(feed(nm, &f, 3, &h, &c), -ENOENT); /* too late: no slot */
	/* out of order from the start: the second segment first keeps nothing */
	segment(&f, &rec, three, 1, 41001, 7, 0x18);
	assert_int_equal(feed(nm, &f, 4, &h, &c), -ENOENT);
	assert_int_equal(c.hello_started, 1);
	/* FIN before the hello is complete */
	segment(&f, &rec, three, 0, 41002, 7, 0x18);
	assert_int_equal(feed(nm, &f, 5, &h, &c), -ENODATA);
	segment(&f, &rec, three, 1, 41002, 7, 0x19);
	assert_int_equal(feed(nm, &f, 6, &h, &c), -ENOENT);
	assert_int_equal(c.hello_gave_up, 2);
	/* timeout: the next segment comes 3 s later (default 2 s) */
	segment(&f, &rec, three, 0, 41003, 7, 0x18);
	assert_int_equal(feed(nm, &f, 1000000000ull, &h, &c), -ENODATA);
	segment(&f, &rec, three, 1, 41003, 7, 0x18);
	assert_int_equal(feed(nm, &f, 4000000000ull, &h, &c), -ENOENT);
	assert_int_equal(c.hello_gave_up, 3);
	assert_int_equal(c.hello_reassembled, 0);
	ws_names_destroy(nm);
}

static void
test_hello_pool_full(void **state)
{
	struct ws_names_counters c = {0};
	struct ws_names *nm = names(2);
	uint32_t two[2];
	struct buf rec, f;
	struct ws_host h;
	unsigned int i;

	(void)state;
	tls_record(&rec, "pool.example.com");
	two[0] = 800, two[1] = rec.len;
	for (i = 0; i < 3; i++) {
		segment(&f, &rec, two, 0, 42000 + i, 1, 0x18);
		assert_int_equal(feed(nm, &f, 1, &h, &c), -ENODATA);
	}
	assert_int_equal(c.hello_started, 2);
	assert_int_equal(c.hello_pool_full, 1);
	for (i = 0; i < 3; i++) {
		segment(&f, &rec, two, 1, 42000 + i, 1, 0x18);
		assert_int_equal(feed(nm, &f, 2, &h, &c), i < 2 ? 0 : -ENOENT);
	}
	assert_int_equal(c.hello_reassembled, 2);
	/* freed slots are used again; a slot past its timeout is taken over when full */
	for (i = 0; i < 2; i++) {
		segment(&f, &rec, two, 0, 43000 + i, 1, 0x18);
		assert_int_equal(feed(nm, &f, 10, &h, &c), -ENODATA);
	}
	segment(&f, &rec, two, 0, 43005, 1, 0x18);
	assert_int_equal(feed(nm, &f, 10 + 3000000000ull, &h, &c), -ENODATA);
	assert_int_equal(c.hello_gave_up, 2);
	assert_int_equal(c.hello_pool_full, 1);
	ws_names_destroy(nm);
}

/* Every prefix of every segment, in every slot state: no read past the frame. */
static void
test_hello_truncations(void **state)
{
	struct ws_names_counters c = {0};
	struct ws_names *nm = names(4);
	uint32_t two[2], n;
	struct buf rec, f;
	struct ws_host h;
	struct ws_pkt p;
	uint8_t *copy;

	(void)state;
	tls_record(&rec, "cut.example.com");
	two[0] = 1000, two[1] = rec.len;
	for (unsigned int k = 0; k < 2; k++) {
		segment(&f, &rec, two, k, 44000, 1, 0x18);
		for (n = 0; n <= f.len; n++) {
			copy = __real_malloc(n ? n : 1);
			memcpy(copy, f.b, n);
			ws_parse_pkt(copy, n, &p);
			ws_names_host(nm, copy, n, &p, 1, &h, &c);
			free(copy);
		}
	}
	ws_names_destroy(nm);
}

/* ---- DNS answers ---- */

static void
dns_name(struct buf *m, const char *name)
{
	const char *dot;

	while (*name) {
		dot = strchr(name, '.');
		if (!dot)
			dot = name + strlen(name);
		put8(m, dot - name);
		put(m, name, dot - name);
		name = *dot ? dot + 1 : dot;
	}
	put8(m, 0);
}

/* www.example.com: CNAME edge.cdn.example.net, which has A 192.0.2.7 and AAAA 2001:db8::7. */
static void
dns_response(struct buf *m, uint16_t ancount)
{
	uint32_t rd;

	m->len = 0;
	put(m, (uint8_t[]){0x12, 0x34, 0x81, 0x80, 0, 1}, 6);
	put16(m, ancount);
	put(m, (uint8_t[]){0, 0, 0, 0}, 4);
	dns_name(m, "WWW.Example.com");
	put(m, (uint8_t[]){0, 1, 0, 1}, 4);
	put16(m, 0xc00c); /* CNAME */
	put(m, (uint8_t[]){0, 5, 0, 1, 0, 0, 0, 60}, 8);
	rd = m->len;
	put16(m, 0);
	dns_name(m, "edge.cdn.example.net");
	set16(m, rd, m->len - rd - 2);
	put16(m, 0xc000 | (rd + 2)); /* A, named by a pointer to the CNAME's target */
	put(m, (uint8_t[]){0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7}, 14);
	put16(m, 0xc000 | (rd + 2)); /* AAAA */
	put(m, (uint8_t[]){0, 28, 0, 1, 0, 0, 0, 60, 0, 16}, 10);
	put(m, (uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}, 16);
}

static void
test_dns_answers(void **state)
{
	static const uint8_t v4[4] = {192, 0, 2, 7};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
	struct ws_names_conf conf = {.dns_answers = 2};
	struct ws_names_counters c = {0};
	struct ws_names *nm = ws_names_create(&conf);
	struct buf m, f;
	struct ws_host h;
	char name[64];
	uint8_t a[4];

	(void)state;
	assert_non_null(nm);
	dns_response(&m, 3);
	frame(&f, 17, 53, 33000, 0, 0, m.b, m.len);
	assert_int_equal(feed(nm, &f, 1, &h, &c), -ENOENT); /* a response names no packet */
	assert_int_equal(c.dns_answers, 2);
	assert_int_equal(ws_names_addr(nm, 4, v4, name, sizeof(name)), 15);
	assert_string_equal(name, "www.example.com");
	assert_int_equal(ws_names_addr(nm, 6, v6, name, sizeof(name)), 15);
	assert_int_equal(ws_names_addr(nm, 6, v6, name, 4), 3); /* cut to the room */
	assert_string_equal(name, "www");
	a[0] = 192, a[1] = 0, a[2] = 2, a[3] = 8;
	assert_int_equal(ws_names_addr(nm, 4, a, name, sizeof(name)), 0);
	/* an answer count larger than the records: those there are read again, in place */
	dns_response(&m, 9);
	frame(&f, 17, 53, 33000, 0, 0, m.b, m.len);
	feed(nm, &f, 2, &h, &c);
	assert_int_equal(c.dns_replaced, 0);
	/* a third address replaces the oldest (the table holds 2) */
	dns_response(&m, 3);
	m.b[m.len - 1] = 9;
	frame(&f, 17, 53, 33000, 0, 0, m.b, m.len);
	feed(nm, &f, 3, &h, &c);
	assert_int_equal(c.dns_replaced, 1);
	assert_int_equal(ws_names_addr(nm, 4, v4, name, sizeof(name)), 0);
	assert_int_equal(ws_names_addr(nm, 6, v6, name, sizeof(name)), 15);
	/* every truncation of the response */
	dns_response(&m, 3);
	for (uint32_t n = 0; n < m.len; n++) {
		uint8_t *copy = __real_malloc(n ? n : 1);

		memcpy(copy, m.b, n);
		frame(&f, 17, 53, 33000, 0, 0, copy, n);
		feed(nm, &f, 4, &h, &c);
		free(copy);
	}
	ws_names_destroy(nm);
}

/* No allocation on any path once created. */
static void
test_no_alloc_after_create(void **state)
{
	struct ws_names_counters c = {0};
	struct ws_names *nm = names(2);
	struct buf rec, m, f;
	uint32_t two[2];
	struct ws_host h;

	(void)state;
	tls_record(&rec, "alloc.example.com");
	two[0] = 1000, two[1] = rec.len;
	dns_response(&m, 3);
	allocs = 0;
	counting = 1;
	for (unsigned int i = 0; i < 3; i++) {
		segment(&f, &rec, two, 0, 45000 + i, 1, 0x18);
		feed(nm, &f, 1, &h, &c);
		segment(&f, &rec, two, 1, 45000 + i, 1, 0x18);
		feed(nm, &f, 2, &h, &c);
		frame(&f, 17, 53, 33000, 0, 0, m.b, m.len);
		feed(nm, &f, 3, &h, &c);
	}
	counting = 0;
	assert_int_equal(allocs, 0);
	assert_int_equal(c.hello_reassembled, 3);
	ws_names_destroy(nm);
}

static void
test_conf(void **state)
{
	struct ws_names_conf conf = {.hello_bytes = 63};

	(void)state;
	errno = 0;
	assert_null(ws_names_create(&conf));
	assert_int_equal(errno, EINVAL);
	conf = (struct ws_names_conf){.dns_answers = WS_NAMES_SLOTS_MAX + 1};
	assert_null(ws_names_create(&conf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quic_keys_rfc9001),
		cmocka_unit_test(test_quic_packet_rfc9001),
		cmocka_unit_test(test_quic_crypto_order_and_split),
		cmocka_unit_test(test_quic_bounds),
		cmocka_unit_test(test_quic_no_alloc),
		cmocka_unit_test(test_hello_in_order),
		cmocka_unit_test(test_hello_give_up),
		cmocka_unit_test(test_hello_pool_full),
		cmocka_unit_test(test_hello_truncations),
		cmocka_unit_test(test_dns_answers),
		cmocka_unit_test(test_no_alloc_after_create),
		cmocka_unit_test(test_conf),
	};

	/* before OpenSSL allocates anything */
	CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
