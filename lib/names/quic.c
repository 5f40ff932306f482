/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC v1 client Initials (RFC 9000 17.2.2, RFC 9001 5): derive the keys from
 * the Destination Connection ID, remove header protection, open the payload
 * with AES-128-GCM, gather its CRYPTO frames and read the ClientHello's SNI.
 *
 *   long header:  1 1 T T R R P P | version (4) | DCID len | DCID | SCID len | SCID
 *                 | token length (varint) | token | length (varint) | PN (1-4) | payload
 *
 * Every read is checked against the packet's bounds. HKDF is HMAC-SHA256 on
 * the SHA256_* calls, which do not allocate (OpenSSL 3.0's EVP digests and
 * MACs allocate on every init); the two cipher contexts are created once and
 * re-keyed with a NULL cipher, which does not allocate either.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "ws_names.h"
#include "names_internal.h"

#define QUIC_V1 0x00000001u
#define CID_MAX 20
#define TAG_LEN 16
#define SAMPLE_LEN 16
/* RFC 9000 14.1: a datagram with a client Initial is at least this long. */
#define INITIAL_MIN 1200

/* RFC 9001 5.2 */
static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
				    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};

/* A ClientHello being gathered: CRYPTO bytes from offset 0, and which are here. */
struct hello {
	uint8_t dcid[CID_MAX];
	uint8_t dcid_len;
	uint8_t open; /* gathering: no name yet */
	uint64_t have[WS_QUIC_CRYPTO_MAX / 64];
	uint8_t crypto[WS_QUIC_CRYPTO_MAX];
};

struct ws_quic {
	EVP_CIPHER_CTX *gcm; /* AES-128-GCM, re-keyed per packet */
	EVP_CIPHER_CTX *ecb; /* AES-128-ECB: header protection */
	/* the last DCID's keys: the Initials of one hello share them */
	uint8_t key_dcid[CID_MAX];
	uint8_t key_dcid_len; /* 0: none */
	struct ws_quic_keys keys;
	/* ClientHellos being gathered, one per connection, the oldest replaced first */
	struct hello hello[WS_QUIC_HELLOS];
	unsigned int next;    /* the slot a new hello takes */
	uint8_t plain[65536]; /* one opened payload */
};

/* ---- HKDF-SHA256 (RFC 5869) and HKDF-Expand-Label (RFC 8446 7.1) ---- */

static void
hmac_sha256(const uint8_t *key, unsigned int klen, const uint8_t *m1, unsigned int n1,
	    const uint8_t *m2, unsigned int n2, uint8_t out[32])
{
	uint8_t pad[64], inner[32];
	SHA256_CTX c;
	unsigned int i;

	/* keys here are at most 32 bytes: no need to hash a long one first */
	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, klen);
	for (i = 0; i < 64; i++)
		pad[i] ^= 0x36;
	SHA256_Init(&c);
	SHA256_Update(&c, pad, 64);
	SHA256_Update(&c, m1, n1);
	if (n2)
		SHA256_Update(&c, m2, n2);
	SHA256_Final(inner, &c);
	for (i = 0; i < 64; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	SHA256_Init(&c);
	SHA256_Update(&c, pad, 64);
	SHA256_Update(&c, inner, 32);
	SHA256_Final(out, &c);
}

/* One block of HKDF-Expand is enough: every output here is at most 32 bytes. */
static void
expand_label(const uint8_t secret[32], const char *label, uint8_t *out, unsigned int len)
{
	uint8_t info[2 + 1 + 255 + 1 + 1], t[32];
	unsigned int llen = strlen(label), n = 0;

	info[n++] = len >> 8;
	info[n++] = len & 0xff;
	info[n++] = 6 + llen;
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = 0; /* empty context */
	info[n++] = 1; /* block counter */
	hmac_sha256(secret, 32, info, n, NULL, 0, t);
	memcpy(out, t, len);
}

int
ws_quic_client_keys(uint32_t version, const uint8_t *dcid, unsigned int dcid_len,
		    struct ws_quic_keys *k)
{
	uint8_t initial[32];

	if (version != QUIC_V1)
		return -ENOTSUP;
	hmac_sha256(salt_v1, sizeof(salt_v1), dcid, dcid_len, NULL, 0, initial);
	expand_label(initial, "client in", k->secret, 32);
	expand_label(k->secret, "quic key", k->key, 16);
	expand_label(k->secret, "quic iv", k->iv, 12);
	expand_label(k->secret, "quic hp", k->hp, 16);
	return 0;
}

/* ---- context ---- */

struct ws_quic *
ws_quic_create(void)
{
	struct ws_quic *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->gcm = EVP_CIPHER_CTX_new();
	q->ecb = EVP_CIPHER_CTX_new();
	if (!q->gcm || !q->ecb ||
	    !EVP_DecryptInit_ex(q->gcm, EVP_aes_128_gcm(), NULL, NULL, NULL) ||
	    !EVP_EncryptInit_ex(q->ecb, EVP_aes_128_ecb(), NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(q->ecb, 0)) {
		ws_quic_destroy(q);
		errno = ENOMEM;
		return NULL;
	}
	return q;
}

void
ws_quic_destroy(struct ws_quic *q)
{
	if (!q)
		return;
	EVP_CIPHER_CTX_free(q->gcm);
	EVP_CIPHER_CTX_free(q->ecb);
	free(q);
}

size_t
ws_quic_memory(void)
{
	return sizeof(struct ws_quic);
}

/* ---- packet ---- */

/* RFC 9000 16: variable-length integer. @return its length, or 0 if cut short. */
static unsigned int
varint(const uint8_t *p, uint32_t n, uint64_t *v)
{
	unsigned int len = 1u << (p[0] >> 6), i;

	if (n < len)
		return 0;
	*v = p[0] & 0x3f;
	for (i = 1; i < len; i++)
		*v = *v << 8 | p[i];
	return len;
}

/* The long header's fields up to the packet number. */
struct initial {
	const uint8_t *dcid;
	uint8_t dcid_len;
	uint32_t pn_off; /* packet number */
	uint32_t end;	 /* end of this packet: pn_off + Length */
};

static int
initial_header(const uint8_t *p, uint32_t n, struct initial *in)
{
	uint32_t off = 6;
	uint64_t v;
	unsigned int l;

	in->dcid_len = p[5];
	in->dcid = p + 6;
	if (in->dcid_len > CID_MAX)
		return -ENOENT; /* v1 CIDs are at most 20 bytes (RFC 9000 17.2) */
	off += in->dcid_len;
	if (off >= n || p[off] > CID_MAX)
		return -ENOENT;
	off += 1 + p[off]; /* SCID */
	if (off >= n || (l = varint(p + off, n - off, &v)) == 0 || v > n - off - l)
		return -ENOENT;
	off += l + (uint32_t)v; /* token */
	if (off >= n || (l = varint(p + off, n - off, &v)) == 0 || v > n - off - l)
		return -ENOENT;
	in->pn_off = off + l;
	in->end = in->pn_off + (uint32_t)v;
	/* the sample starts 4 bytes after the packet number's start (RFC 9001 5.4.2) */
	if (in->end < in->pn_off + 4 + SAMPLE_LEN)
		return -ENOENT;
	return 0;
}

static const struct ws_quic_keys *
keys_for(struct ws_quic *q, const struct initial *in)
{
	if (q->key_dcid_len != in->dcid_len + 1 ||
	    memcmp(q->key_dcid, in->dcid, in->dcid_len) != 0) {
		ws_quic_client_keys(QUIC_V1, in->dcid, in->dcid_len, &q->keys);
		memcpy(q->key_dcid, in->dcid, in->dcid_len);
		q->key_dcid_len = in->dcid_len + 1; /* +1: an empty DCID is a key too */
	}
	return &q->keys;
}

/*
 * Remove header protection and open the payload into q->plain.
 * @return the plaintext's length, or -1 if the tag does not check.
 */
static int
initial_open(struct ws_quic *q, const uint8_t *p, const struct initial *in)
{
	const struct ws_quic_keys *k = keys_for(q, in);
	uint8_t mask[SAMPLE_LEN], first, pn[4], nonce[12];
	unsigned int pn_len, i;
	uint32_t ct_off, ct_len;
	uint64_t pnum = 0;
	int l;

	if (!EVP_EncryptInit_ex(q->ecb, NULL, NULL, k->hp, NULL) ||
	    !EVP_EncryptUpdate(q->ecb, mask, &l, p + in->pn_off + 4, SAMPLE_LEN))
		return -1;
	first = p[0] ^ (mask[0] & 0x0f);
	pn_len = (first & 3) + 1;
	ct_off = in->pn_off + pn_len;
	if (in->end < ct_off + TAG_LEN)
		return -1;
	ct_len = in->end - ct_off - TAG_LEN;
	for (i = 0; i < pn_len; i++) {
		pn[i] = p[in->pn_off + i] ^ mask[1 + i];
		pnum = pnum << 8 | pn[i];
	}
	/* The first Initials' numbers are small: the truncated one is the full one. */
	memcpy(nonce, k->iv, 12);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pnum >> (8 * i));
	/* AAD: the header with protection removed, fed in three parts */
	if (!EVP_DecryptInit_ex(q->gcm, NULL, NULL, k->key, nonce) ||
	    !EVP_DecryptUpdate(q->gcm, NULL, &l, &first, 1) ||
	    !EVP_DecryptUpdate(q->gcm, NULL, &l, p + 1, in->pn_off - 1) ||
	    !EVP_DecryptUpdate(q->gcm, NULL, &l, pn, pn_len) ||
	    !EVP_DecryptUpdate(q->gcm, q->plain, &l, p + ct_off, ct_len) ||
	    !EVP_CIPHER_CTX_ctrl(q->gcm, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
				 (void *)(uintptr_t)(p + ct_off + ct_len)) ||
	    EVP_DecryptFinal_ex(q->gcm, q->plain + l, &l) <= 0)
		return -1;
	return (int)ct_len;
}

/* ---- frames ---- */

static void
crypto_put(struct hello *hl, uint64_t off, const uint8_t *d, uint64_t len)
{
	uint64_t i;

	if (off >= WS_QUIC_CRYPTO_MAX)
		return;
	if (len > WS_QUIC_CRYPTO_MAX - off)
		len = WS_QUIC_CRYPTO_MAX - off; /* the rest is past what is kept */
	memcpy(hl->crypto + off, d, len);
	for (i = off; i < off + len; i++)
		hl->have[i / 64] |= 1ull << (i % 64);
}

/* Bytes present from offset 0 without a hole. */
static uint32_t
crypto_prefix(const struct hello *hl)
{
	uint32_t w;

	for (w = 0; w < WS_QUIC_CRYPTO_MAX / 64; w++)
		if (hl->have[w] != UINT64_MAX)
			return w * 64 + __builtin_ctzll(~hl->have[w]);
	return WS_QUIC_CRYPTO_MAX;
}

/* An ACK frame's fields after its type (RFC 9000 19.3). @return bytes, 0 if malformed. */
static uint32_t
ack_len(const uint8_t *b, uint32_t n, int ecn)
{
	uint64_t v, ranges = 0, i;
	uint32_t off = 0;
	unsigned int l, k;

	for (k = 0; k < 4; k++) { /* largest, delay, range count, first range */
		if (off >= n || (l = varint(b + off, n - off, &v)) == 0)
			return 0;
		off += l;
		if (k == 2)
			ranges = v;
	}
	/* each range takes at least 2 bytes, so the loop ends with the payload */
	for (i = 0; i < 2 * ranges + (ecn ? 3 : 0); i++) {
		if (off >= n || (l = varint(b + off, n - off, &v)) == 0)
			return 0;
		off += l;
	}
	return off;
}

/*
 * The frames an Initial may carry (RFC 9000 12.4): PADDING, PING, ACK, CRYPTO,
 * CONNECTION_CLOSE. With a hello to put into, CRYPTO data goes there.
 * @return 0, or -EBADMSG for a frame cut short or not allowed.
 */
static int
frames_walk(struct hello *put, const uint8_t *b, uint32_t n, int *has_zero)
{
	uint32_t off = 0, l;
	uint64_t coff, clen;
	unsigned int vl;

	*has_zero = 0;
	while (off < n) {
		switch (b[off++]) {
		case 0x00: /* PADDING */
		case 0x01: /* PING */
			break;
		case 0x02: /* ACK */
		case 0x03: /* ACK with ECN counts */
			l = ack_len(b + off, n - off, b[off - 1] == 0x03);
			if (l == 0)
				return -EBADMSG;
			off += l;
			break;
		case 0x06: /* CRYPTO: offset, length, data */
			if (off >= n || (vl = varint(b + off, n - off, &coff)) == 0)
				return -EBADMSG;
			off += vl;
			if (off >= n || (vl = varint(b + off, n - off, &clen)) == 0 ||
			    clen > n - off - vl)
				return -EBADMSG;
			off += vl;
			*has_zero |= coff == 0;
			if (put)
				crypto_put(put, coff, b + off, clen);
			off += (uint32_t)clen;
			break;
		case 0x1c: /* CONNECTION_CLOSE: nothing after it matters */
			return 0;
		default:
			return -EBADMSG;
		}
	}
	return 0;
}

/*
 * Gather this packet's CRYPTO frames: one with offset 0 starts a hello (a
 * retransmitted first Initial starts it again), in the slot of its DCID or
 * else the oldest; a packet with the DCID of a hello being gathered adds to
 * it; any other is left alone. @return the hello, or NULL with *rc set.
 */
static struct hello *
gather(struct ws_quic *q, const struct initial *in, int plen, int *rc)
{
	struct hello *hl = NULL;
	unsigned int i;
	int zero;

	*rc = frames_walk(NULL, q->plain, (uint32_t)plen, &zero);
	if (*rc < 0)
		return NULL;
	for (i = 0; i < WS_QUIC_HELLOS && !hl; i++)
		if (q->hello[i].open && q->hello[i].dcid_len == in->dcid_len &&
		    memcmp(q->hello[i].dcid, in->dcid, in->dcid_len) == 0)
			hl = &q->hello[i];
	if (zero) {
		if (!hl) {
			hl = &q->hello[q->next];
			q->next = (q->next + 1) % WS_QUIC_HELLOS;
		}
		memset(hl->have, 0, sizeof(hl->have));
		memcpy(hl->dcid, in->dcid, in->dcid_len);
		hl->dcid_len = in->dcid_len;
		hl->open = 1;
	} else if (!hl) {
		*rc = -ENOENT; /* a later flight (ACKs), or a hello already named */
		return NULL;
	}
	*rc = frames_walk(hl, q->plain, (uint32_t)plen, &zero);
	return *rc < 0 ? NULL : hl;
}

int
ws_quic_initial_sni(struct ws_quic *q, const uint8_t *p, uint32_t n, struct ws_host *h,
		    struct ws_names_counters *cnt)
{
	struct hello *hl;
	struct initial in;
	int plen, rc;

	h->source = WS_HOST_NONE;
	h->len = 0;
	h->name[0] = '\0';
	/* long header, type Initial (00), version 1, in a datagram a client may send */
	if (n < INITIAL_MIN || n > sizeof(q->plain) || (p[0] & 0xb0) != 0x80 ||
	    be32(p + 1) != QUIC_V1)
		return -ENOENT; /* a UDP payload is at most 65,527 bytes: plain holds any */
	if (initial_header(p, n, &in) < 0 || in.end > n)
		return -ENOENT;
	cnt->quic_initials++;
	plen = initial_open(q, p, &in);
	if (plen < 0)
		return -ENOENT; /* a server's Initial, or a later client one with new DCID */
	cnt->quic_opened++;
	hl = gather(q, &in, plen, &rc);
	if (!hl)
		return rc;
	rc = ws_parse_tls_client_hello(hl->crypto, crypto_prefix(hl), h);
	if (rc == -ENODATA && crypto_prefix(hl) == WS_QUIC_CRYPTO_MAX)
		rc = -ENOENT; /* the SNI lies past what is kept */
	if (rc == -ENODATA) {
		cnt->quic_partial++;
		return rc;
	}
	hl->open = 0; /* named or not, later Initials of it count nothing */
	if (rc == 0)
		h->source = WS_HOST_QUIC;
	return rc;
}
