/* SPDX-License-Identifier: BSD-3-Clause */
/* ws_parse_host() plus the names that need state: QUIC, split ClientHellos, DNS answers. */
#include <errno.h>
#include <stdlib.h>

#include "ws_names.h"
#include "names_internal.h"

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define PORT_DNS 53
/* RFC 9000 14.1: a datagram carrying a client Initial is at least this long. */
#define QUIC_INITIAL_MIN 1200

struct ws_names {
	struct ws_quic *quic;
	struct hello_pool *hello;
	struct dnsmap *dns;
	size_t memory;
};

static int
conf_get(const struct ws_names_conf *c, struct ws_names_conf *out)
{
	*out = c ? *c : (struct ws_names_conf){0};
	if (!out->hello_slots)
		out->hello_slots = WS_NAMES_DEFAULT_HELLO_SLOTS;
	if (!out->hello_bytes)
		out->hello_bytes = WS_NAMES_DEFAULT_HELLO_BYTES;
	if (!out->hello_timeout_ns)
		out->hello_timeout_ns = WS_NAMES_DEFAULT_HELLO_TIMEOUT_NS;
	if (!out->dns_answers)
		out->dns_answers = WS_NAMES_DEFAULT_DNS_ANSWERS;
	if (out->hello_slots > WS_NAMES_SLOTS_MAX || out->dns_answers > WS_NAMES_SLOTS_MAX ||
	    out->hello_bytes > WS_NAMES_HELLO_BYTES_MAX || out->hello_bytes < 64)
		return -EINVAL;
	return 0;
}

struct ws_names *
ws_names_create(const struct ws_names_conf *c)
{
	struct ws_names_conf conf;
	struct ws_names *nm;

	if (conf_get(c, &conf) < 0) {
		errno = EINVAL;
		return NULL;
	}
	nm = calloc(1, sizeof(*nm));
	if (!nm)
		return NULL;
	nm->quic = ws_quic_create();
	nm->hello = hello_pool_create(conf.hello_slots, conf.hello_bytes, conf.hello_timeout_ns);
	nm->dns = dnsmap_create(conf.dns_answers);
	if (!nm->quic || !nm->hello || !nm->dns) {
		ws_names_destroy(nm);
		errno = ENOMEM;
		return NULL;
	}
	nm->memory = sizeof(*nm) + ws_quic_memory() + hello_pool_memory(nm->hello) +
		     dnsmap_memory(nm->dns);
	return nm;
}

void
ws_names_destroy(struct ws_names *nm)
{
	if (!nm)
		return;
	ws_quic_destroy(nm->quic);
	hello_pool_destroy(nm->hello);
	dnsmap_destroy(nm->dns);
	free(nm);
}

size_t
ws_names_memory(const struct ws_names *nm)
{
	return nm->memory;
}

int
ws_names_host(struct ws_names *nm, const uint8_t *data, uint32_t len, const struct ws_pkt *p,
	      uint64_t ts_ns, struct ws_host *h, struct ws_names_counters *cnt)
{
	const struct ws_ip *ip = &p->inner;
	int rc = ws_parse_host(data, len, p, h);
	const uint8_t *pl;
	uint32_t n;

	/* ws_parse_host() checked these bounds for any payload it read; these are its checks */
	if (!ip->has_l4 || ip->end > len || ip->payload_off > ip->end ||
	    ip->frag & (WS_FRAG_MORE | WS_FRAG_LATER))
		return rc;
	pl = data + ip->payload_off;
	n = ip->end - ip->payload_off;
	/* a header cut short leaves payload_off at the header: nothing to read */
	if (ip->proto == IPPROTO_TCP_ && ip->payload_off >= ip->l4_off + 20)
		return hello_segment(nm->hello, data, p, rc, ts_ns, h, cnt);
	if (ip->proto != IPPROTO_UDP_ || rc != -ENOENT || ip->payload_off < ip->l4_off + 8)
		return rc;
	if (ip->sport == PORT_DNS) {
		dnsmap_learn(nm->dns, pl, n, cnt);
		return rc;
	}
	if (n >= QUIC_INITIAL_MIN && (pl[0] & 0x80))
		return ws_quic_initial_sni(nm->quic, pl, n, h, cnt);
	return rc;
}

unsigned int
ws_names_addr(const struct ws_names *nm, uint8_t version, const uint8_t *addr, char *out,
	      unsigned int size)
{
	return dnsmap_find(nm->dns, version, addr, out, size);
}
