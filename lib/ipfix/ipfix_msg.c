/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPFIX message encoding (RFC 7011, section 3): one header, a template set,
 * data sets. Every write checks the room left first; a record that does not
 * fit leaves the message as it was.
 *
 *   0                   1                   2                   3
 *   +-------------------------------+-------------------------------+
 *   |     version (10)              |     length (whole message)    |
 *   +-------------------------------+-------------------------------+
 *   |                     export time (s, epoch)                    |
 *   |          sequence number (data records sent before)           |
 *   |                    observation domain id                      |
 *   +-------------------------------+-------------------------------+
 *   |     set id (2, 256, 257)      |     set length (header incl.) |
 */
#include <errno.h>
#include <string.h>

#include "ws_ipfix.h"

#define ENTERPRISE_BIT 0x8000

/* One template field: IANA id (PEN 0) or enterprise-specific. */
struct field {
	uint32_t pen;
	uint16_t id;
	uint16_t len;
};

/* Order and lengths of the data records below; docs/ipfix.md has the same table. */
/* clang-format off */
#define FIELDS_COMMON \
	{0, 7, 2},			/* sourceTransportPort */ \
	{0, 11, 2},			/* destinationTransportPort */ \
	{0, 4, 1},			/* protocolIdentifier */ \
	{WS_IPFIX_PEN_REVERSE, 6, 2},	/* reverse tcpControlBits, first: see record_put() */ \
	{0, 6, 2},			/* tcpControlBits */ \
	{0, 58, 2},			/* vlanId */ \
	{0, 152, 8},			/* flowStartMilliseconds */ \
	{0, 153, 8},			/* flowEndMilliseconds */ \
	{0, 1, 8},			/* octetDeltaCount */ \
	{0, 2, 8},			/* packetDeltaCount */ \
	{WS_IPFIX_PEN_REVERSE, 1, 8},	/* reverse octetDeltaCount */ \
	{WS_IPFIX_PEN_REVERSE, 2, 8},	/* reverse packetDeltaCount */ \
	{0, 136, 1},			/* flowEndReason */ \
	{0, 239, 1},			/* biflowDirection: 1, the source initiated */ \
	{WS_IPFIX_PEN_WIRESTAT, WS_IPFIX_IE_HOST, WS_IPFIX_VARLEN} /* hostname, optional */
/* clang-format on */

static const struct field fields_v4[] = {
	{0, 8, 4},  /* sourceIPv4Address */
	{0, 12, 4}, /* destinationIPv4Address */
	FIELDS_COMMON,
};

static const struct field fields_v6[] = {
	{0, 27, 16}, /* sourceIPv6Address */
	{0, 28, 16}, /* destinationIPv6Address */
	FIELDS_COMMON,
};

#define N_FIELDS (sizeof(fields_v4) / sizeof(fields_v4[0]))
/* Fixed part of a data record (the fields above but the last), as record_put() writes it. */
#define REC_V4 69u
#define REC_V6 93u
#define BIFLOW_INITIATOR 1

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, (uint16_t)v);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

static uint32_t
room(const struct ws_ipfix_msg *m)
{
	return m->cap - m->len;
}

void
ws_ipfix_msg_init(struct ws_ipfix_msg *m, uint8_t *buf, uint32_t cap, bool host)
{
	*m = (struct ws_ipfix_msg){.buf = buf,
				   .cap = cap > WS_IPFIX_MSG_MAX ? WS_IPFIX_MSG_MAX : cap,
				   .len = WS_IPFIX_HDR_LEN,
				   .host = host};
}

static void
set_close(struct ws_ipfix_msg *m)
{
	if (m->set_off)
		put16(m->buf + m->set_off + 2, (uint16_t)(m->len - m->set_off));
	m->set_off = 0;
}

static uint32_t
n_fields(const struct ws_ipfix_msg *m)
{
	return m->host ? N_FIELDS : N_FIELDS - 1;
}

static uint32_t
template_len(const struct ws_ipfix_msg *m, const struct field *f)
{
	uint32_t i, n = 4;

	for (i = 0; i < n_fields(m); i++)
		n += f[i].pen ? 8 : 4;
	return n;
}

static void
template_put(struct ws_ipfix_msg *m, uint16_t id, const struct field *f)
{
	uint8_t *p = m->buf + m->len;
	uint32_t i;

	put16(p, id);
	put16(p + 2, (uint16_t)n_fields(m));
	p += 4;
	for (i = 0; i < n_fields(m); i++) {
		put16(p, f[i].id | (f[i].pen ? ENTERPRISE_BIT : 0));
		put16(p + 2, f[i].len);
		p += 4;
		if (f[i].pen) {
			put32(p, f[i].pen);
			p += 4;
		}
	}
	m->len = (uint32_t)(p - m->buf);
}

int
ws_ipfix_msg_add_templates(struct ws_ipfix_msg *m)
{
	uint32_t need =
		WS_IPFIX_SET_HDR_LEN + template_len(m, fields_v4) + template_len(m, fields_v6);

	if (need > room(m))
		return -ENOSPC;
	set_close(m);
	m->set_off = m->len;
	m->set_id = WS_IPFIX_SET_TEMPLATE;
	put16(m->buf + m->len, WS_IPFIX_SET_TEMPLATE);
	m->len += WS_IPFIX_SET_HDR_LEN;
	template_put(m, WS_IPFIX_TEMPLATE_V4, fields_v4);
	template_put(m, WS_IPFIX_TEMPLATE_V6, fields_v6);
	set_close(m);
	return 0;
}

static size_t
host_len(const struct ws_flow *f)
{
	return strnlen(f->host, sizeof(f->host) - 1);
}

uint32_t
ws_ipfix_record_len(const struct ws_flow *f, bool host)
{
	uint32_t n = f->key.version == 4 ? REC_V4 : REC_V6;

	/* Variable length under 255 bytes: one length byte (RFC 7011, 7). */
	return n + (host ? 1 + (uint32_t)host_len(f) : 0);
}

/* Source is the initiator: side s of the key, the other side d. */
static uint8_t *
record_put(uint8_t *p, const struct ws_flow *f, bool host)
{
	unsigned int s = f->initiator & 1, d = s ^ 1, alen = f->key.version == 4 ? 4 : 16;
	size_t n;

	memcpy(p, f->key.addr[s], alen);
	memcpy(p + alen, f->key.addr[d], alen);
	p += 2 * alen;
	put16(p, f->key.port[s]);
	put16(p + 2, f->key.port[d]);
	p[4] = f->key.proto;
	/* nfdump 1.7 reads a reverse element it has no mapping for as the forward one: the
	 * forward flags come last so that they win there. */
	put16(p + 5, f->tcp_flags[d]);
	put16(p + 7, f->tcp_flags[s]);
	put16(p + 9, f->key.vlan);
	put64(p + 11, f->first_ns / 1000000);
	put64(p + 19, f->last_ns / 1000000);
	put64(p + 27, f->bytes[s]);
	put64(p + 35, f->packets[s]);
	put64(p + 43, f->bytes[d]);
	put64(p + 51, f->packets[d]);
	p[59] = f->end_reason;
	p[60] = BIFLOW_INITIATOR;
	p += 61;
	if (host) {
		n = host_len(f);
		*p++ = (uint8_t)n;
		memcpy(p, f->host, n);
		p += n;
	}
	return p;
}

int
ws_ipfix_msg_add_flow(struct ws_ipfix_msg *m, const struct ws_flow *f)
{
	uint16_t id;
	uint32_t need;

	if (f->key.version != 4 && f->key.version != 6)
		return -EINVAL;
	id = f->key.version == 4 ? WS_IPFIX_TEMPLATE_V4 : WS_IPFIX_TEMPLATE_V6;
	need = ws_ipfix_record_len(f, m->host);
	if (!m->set_off || m->set_id != id)
		need += WS_IPFIX_SET_HDR_LEN;
	if (need > room(m))
		return -ENOSPC;
	if (!m->set_off || m->set_id != id) {
		set_close(m);
		m->set_off = m->len;
		m->set_id = id;
		put16(m->buf + m->len, id);
		m->len += WS_IPFIX_SET_HDR_LEN;
	}
	m->len = (uint32_t)(record_put(m->buf + m->len, f, m->host) - m->buf);
	m->records++;
	return 0;
}

uint32_t
ws_ipfix_msg_finish(struct ws_ipfix_msg *m, uint32_t export_s, uint32_t seq, uint32_t domain)
{
	set_close(m);
	put16(m->buf, WS_IPFIX_VERSION);
	put16(m->buf + 2, (uint16_t)m->len);
	put32(m->buf + 4, export_s);
	put32(m->buf + 8, seq);
	put32(m->buf + 12, domain);
	return m->len;
}
