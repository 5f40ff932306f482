/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/names. One context lives across inputs, so that
 * reassembly slots, the QUIC hello being gathered and the DNS answers carry
 * state from one input to the next, as on an RX lcore.
 *
 * First byte below 0x80: it picks the link type, as in fuzz_parse (so its
 * seeds from captures serve here too), and the rest is a frame given to
 * ws_names_host(); each input is 1 ms later than the one before. From 0x80:
 * the second byte picks a DCID and a packet number, and the rest is the
 * plaintext of a client Initial, sealed here with that DCID's keys, so that
 * the frame walk and the ClientHello behind the AEAD are reached.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ws_names.h>
#include <ws_parse.h>
#include "fuzz_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ws_names *nm;
static struct ws_quic *quic;
static struct ws_names_counters cnt;
static uint64_t now;

static void
check(int rc, const struct ws_host *h)
{
	if (rc == 0 && (h->len == 0 || strlen(h->name) != h->len))
		abort();
	if (rc != 0 && h->name[h->len] != '\0')
		abort();
}

/* RFC 9001 5.3-5.4: a long header with a 2-byte packet number, the payload, its tag. */
static size_t
seal(uint8_t *out, const uint8_t *dcid, uint8_t dcid_len, uint16_t pn, const uint8_t *pl, size_t n)
{
	size_t hdr = 1 + 4 + 1 + dcid_len + 1 + 1 + 2 + 2, len = 2 + n + 16;
	uint8_t nonce[12], mask[16];
	struct ws_quic_keys k;
	EVP_CIPHER_CTX *c;
	int l, ok;

	ws_quic_client_keys(1, dcid, dcid_len, &k);
	out[0] = 0xc1;
	memcpy(out + 1, "\0\0\0\1", 4);
	out[5] = dcid_len;
	memcpy(out + 6, dcid, dcid_len);
	out[6 + dcid_len] = 0;
	out[7 + dcid_len] = 0;
	out[8 + dcid_len] = 0x40 | len >> 8;
	out[9 + dcid_len] = len & 0xff;
	out[10 + dcid_len] = pn >> 8;
	out[11 + dcid_len] = pn & 0xff;
	memcpy(nonce, k.iv, 12);
	nonce[10] ^= pn >> 8;
	nonce[11] ^= pn & 0xff;
	c = EVP_CIPHER_CTX_new();
	if (!c)
		abort();
	ok = EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce) &&
	     EVP_EncryptUpdate(c, NULL, &l, out, hdr) &&
	     EVP_EncryptUpdate(c, out + hdr, &l, pl, n) &&
	     EVP_EncryptFinal_ex(c, out + hdr + n, &l) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + hdr + n) &&
	     EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL) &&
	     EVP_EncryptUpdate(c, mask, &l, out + hdr + 2, 16);
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		abort();
	out[0] ^= mask[0] & 0x0f;
	out[hdr - 2] ^= mask[1];
	out[hdr - 1] ^= mask[2];
	return hdr + n + 16;
}

static void
quic_input(const uint8_t *data, size_t size)
{
	static const uint8_t dcids[4][8] = {{1}, {2, 2}, {3, 3, 3}, {4, 4, 4, 4, 4, 4, 4, 4}};
	uint8_t pl[1200] = {0}, *pkt;
	struct ws_host h;
	size_t n, len;

	if (size < 2 || size - 2 > 16000)
		return;
	n = size - 2 < sizeof(pl) - 20 ? sizeof(pl) - 20 : size - 2; /* padded to 1200 */
	pkt = malloc(n + 64);
	if (!pkt)
		abort();
	if (n > size - 2) {
		memcpy(pl, data + 2, size - 2);
		len = seal(pkt, dcids[data[1] & 3], 1 + (data[1] & 3), data[1] >> 2, pl, n);
	} else {
		len = seal(pkt, dcids[data[1] & 3], 1 + (data[1] & 3), data[1] >> 2, data + 2, n);
	}
	check(ws_quic_initial_sni(quic, pkt, len, &h, &cnt), &h);
	free(pkt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_names_conf conf = {.hello_slots = 4, .hello_bytes = 2048, .dns_answers = 16};
	struct ws_host h;
	struct ws_pkt p;
	uint8_t *frame;
	size_t n;

	if (!nm) {
		nm = ws_names_create(&conf);
		quic = ws_quic_create();
		if (!nm || !quic)
			abort();
	}
	if (size < 2 || size > 65536)
		return 0;
	if (data[0] & 0x80) {
		quic_input(data, size);
		return 0;
	}
	/* An exact-size copy, so ASan flags any read past the frame. */
	n = size - 1;
	frame = malloc(n ? n : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, n);
	ws_parse_link(fuzz_linktypes[data[0] % FUZZ_N_LINKTYPES], frame, n, &p);
	now += 1000000;
	check(ws_names_host(nm, frame, n, &p, now, &h, &cnt), &h);
	free(frame);
	return 0;
}
