/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostnames from DNS queries, TLS ClientHello SNI and HTTP/1.x Host headers.
 * Bounded and allocation-free: the name is copied into the caller's struct.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "ws_parse.h"
#include "wire.h"

/* Follow at most this many DNS compression pointers (RFC 1035 4.1.4). */
#define DNS_MAX_PTRS 16

static inline char
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Append one byte of a name; non-printable bytes as \ooo, as tshark shows them. */
static int
name_put(struct ws_host *h, uint8_t c)
{
	if (c > 0x20 && c < 0x7f && c != '\\') {
		if (h->len >= WS_HOST_MAX)
			return -EBADMSG;
		h->name[h->len++] = lower(c);
		return 0;
	}
	if (h->len + 4 > WS_HOST_MAX)
		return -EBADMSG;
	h->name[h->len++] = '\\';
	h->name[h->len++] = '0' + (c >> 6);
	h->name[h->len++] = '0' + ((c >> 3) & 7);
	h->name[h->len++] = '0' + (c & 7);
	return 0;
}

/* The public forms start from an empty name and leave a string whatever happens. */
static int
name_out(struct ws_host *h, int rc)
{
	if (rc < 0) {
		h->source = WS_HOST_NONE;
		h->len = 0;
	}
	h->name[h->len] = '\0';
	return rc;
}

/*
 * A DNS name at off (RFC 1035 4.1.2, 4.1.4). Pointers must go backwards, so
 * a loop cannot form, and their number is bounded too.
 */
static int
dns_name(const uint8_t *msg, uint32_t n, uint32_t off, struct ws_host *h)
{
	uint32_t lim = n;
	unsigned int ptrs = 0, i;
	uint8_t l;

	for (;;) {
		if (off >= lim)
			return -EBADMSG;
		l = msg[off];
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= lim || ++ptrs > DNS_MAX_PTRS)
				return -EBADMSG;
			lim = off; /* the target must lie before this pointer */
			off = (l & 0x3f) << 8 | msg[off + 1];
			continue;
		}
		if (l & 0xc0)
			return -EBADMSG; /* extended label types (RFC 6891) */
		if (l == 0)
			break;
		if (l > lim - off - 1)
			return -EBADMSG;
		if (h->len > 0 && name_put(h, '.') < 0)
			return -EBADMSG;
		for (i = 1; i <= l; i++)
			if (name_put(h, msg[off + i]) < 0)
				return -EBADMSG;
		off += l + 1;
	}
	if (h->len == 0) {
		memcpy(h->name, "<root>", 6);
		h->len = 6;
	}
	h->source = WS_HOST_DNS;
	return 0;
}

/* First question name of a DNS query. */
static int
dns_qname(const uint8_t *msg, uint32_t n, struct ws_host *h)
{
	if (n < 12)
		return -EBADMSG;
	if (msg[2] & 0x80 || get_be16(msg + 4) == 0)
		return -ENOENT; /* a response, or no question */
	return dns_name(msg, n, 12, h);
}

int
ws_parse_dns_name(const uint8_t *msg, uint32_t n, uint32_t off, struct ws_host *h)
{
	h->source = WS_HOST_NONE;
	h->method = WS_HTTP_NONE;
	h->len = 0;
	return name_out(h, dns_name(msg, n, off, h));
}

static int
host_dns(const uint8_t *d, const struct ws_ip *ip, struct ws_host *h)
{
	const uint8_t *msg = d + ip->payload_off;
	uint32_t n = ip->end - ip->payload_off;

	if (ip->proto == IPPROTO_TCP_) {
		/* RFC 1035 4.2.2: a 2-byte length prefix; only whole messages. */
		if (n < 2)
			return -ENOENT;
		if (get_be16(msg) > n - 2)
			return -ENODATA;
		n = get_be16(msg);
		msg += 2;
	}
	return dns_qname(msg, n, h);
}

static int
copy_name(struct ws_host *h, const uint8_t *s, uint32_t n, int source)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (name_put(h, s[i]) < 0)
			return -EBADMSG;
	h->source = source;
	return 0;
}

/* server_name extension (RFC 6066 3): list length, then type 0 (host_name) entries. */
static int
tls_sni(const uint8_t *e, uint32_t n, struct ws_host *h)
{
	uint32_t off = 2, len;

	if (n < 2 || get_be16(e) > n - 2)
		return -EBADMSG;
	n = 2 + get_be16(e);
	while (n - off >= 3) {
		len = get_be16(e + off + 1);
		if (len > n - off - 3)
			return -EBADMSG;
		if (e[off] == 0) /* host_name: at least one byte (RFC 6066 3) */
			return len ? copy_name(h, e + off + 3, len, WS_HOST_TLS) : -EBADMSG;
		off += 3 + len;
	}
	return -ENOENT;
}

/*
 * ClientHello handshake message (RFC 8446 4.1.2), from its type byte. Only
 * the n bytes given are read: a hello that goes on past them returns -ENODATA.
 */
static int
client_hello(const uint8_t *b, uint32_t n, struct ws_host *h)
{
	uint32_t off, ext_end, len;

	if (n < 4 || b[0] != 1)
		return -ENOENT;
	/* Skip handshake header (4), version (2), random (32). */
	off = 4 + 2 + 32;
	if (n < off + 1)
		return -ENODATA;
	off += 1 + b[off]; /* session id */
	if (n < off + 2)
		return -ENODATA;
	off += 2 + get_be16(b + off); /* cipher suites */
	if (n < off + 1)
		return -ENODATA;
	off += 1 + b[off]; /* compression methods */
	if (n < off + 2)
		return n == off ? -ENOENT : -ENODATA; /* no extensions at all */
	ext_end = off + 2 + get_be16(b + off);
	off += 2;
	while (off + 4 <= ext_end) {
		if (n < off + 4)
			return -ENODATA;
		len = get_be16(b + off + 2);
		if (get_be16(b + off) == 0) {
			if (n < off + 4 + len)
				return -ENODATA;
			return tls_sni(b + off + 4, len, h);
		}
		off += 4 + len;
	}
	return -ENOENT;
}

/* A TLS record (RFC 8446 5.1) holding a ClientHello, from the record header. */
static int
record_hello(const uint8_t *b, uint32_t n, struct ws_host *h)
{
	if (n < 9 || b[0] != 0x16 || b[5] != 1)
		return -ENOENT;
	return client_hello(b + 5, n - 5, h);
}

static int
host_tls(const uint8_t *d, const struct ws_ip *ip, struct ws_host *h)
{
	return record_hello(d + ip->payload_off, ip->end - ip->payload_off, h);
}

int
ws_parse_tls_client_hello(const uint8_t *msg, uint32_t n, struct ws_host *h)
{
	h->source = WS_HOST_NONE;
	h->method = WS_HTTP_NONE;
	h->len = 0;
	return name_out(h, client_hello(msg, n, h));
}

int
ws_parse_tls_record_hello(const uint8_t *rec, uint32_t n, struct ws_host *h)
{
	h->source = WS_HOST_NONE;
	h->method = WS_HTTP_NONE;
	h->len = 0;
	return name_out(h, record_hello(rec, n, h));
}

static const struct {
	const char *tok;
	uint8_t len;
	uint8_t method;
} http_methods[] = {
	{"GET ", 4, WS_HTTP_GET},	  {"POST ", 5, WS_HTTP_POST},
	{"HEAD ", 5, WS_HTTP_HEAD},	  {"PUT ", 4, WS_HTTP_PUT},
	{"DELETE ", 7, WS_HTTP_DELETE},	  {"CONNECT ", 8, WS_HTTP_CONNECT},
	{"OPTIONS ", 8, WS_HTTP_OPTIONS}, {"TRACE ", 6, WS_HTTP_TRACE},
	{"PATCH ", 6, WS_HTTP_PATCH},	  {"M-SEARCH ", 9, WS_HTTP_MSEARCH},
	{"NOTIFY ", 7, WS_HTTP_NOTIFY},
};

static const char *const method_names[WS_HTTP_METHOD_MAX] = {
	[WS_HTTP_NONE] = "",	       [WS_HTTP_GET] = "GET",	       [WS_HTTP_HEAD] = "HEAD",
	[WS_HTTP_POST] = "POST",       [WS_HTTP_PUT] = "PUT",	       [WS_HTTP_DELETE] = "DELETE",
	[WS_HTTP_CONNECT] = "CONNECT", [WS_HTTP_OPTIONS] = "OPTIONS",  [WS_HTTP_TRACE] = "TRACE",
	[WS_HTTP_PATCH] = "PATCH",     [WS_HTTP_MSEARCH] = "M-SEARCH", [WS_HTTP_NOTIFY] = "NOTIFY",
};

const char *
ws_http_method_str(int method)
{
	if (method < 0 || method >= WS_HTTP_METHOD_MAX)
		return "";
	return method_names[method];
}

static int
http_method(const uint8_t *b, uint32_t n)
{
	unsigned int i;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
		if (n >= http_methods[i].len &&
		    !memcmp(b, http_methods[i].tok, http_methods[i].len))
			return http_methods[i].method;
	return WS_HTTP_NONE;
}

/* The Host value without surrounding blanks and without ":port" (RFC 9110 7.2). */
static int
http_host_value(const uint8_t *v, uint32_t n, struct ws_host *h)
{
	uint32_t i;

	while (n > 0 && (v[0] == ' ' || v[0] == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	for (i = n; i > 0; i--) {
		if (v[i - 1] == ']' || v[i - 1] < '0' || v[i - 1] > '9')
			break;
	}
	if (i > 0 && i < n && v[i - 1] == ':')
		n = i - 1; /* digits after a colon: a port */
	if (n == 0)
		return -ENOENT; /* an empty Host names nothing */
	return copy_name(h, v, n, WS_HOST_HTTP);
}

/* Request line, then header lines up to the blank one (RFC 9112 2.1). */
static int
host_http(const uint8_t *d, const struct ws_ip *ip, struct ws_host *h)
{
	const uint8_t *b = d + ip->payload_off, *eol;
	uint32_t n = ip->end - ip->payload_off, off, llen;

	h->method = http_method(b, n);
	if (h->method == WS_HTTP_NONE)
		return -ENOENT;
	eol = memchr(b, '\n', n);
	while (eol) {
		off = eol - b + 1;
		eol = memchr(b + off, '\n', n - off);
		llen = (eol ? (uint32_t)(eol - b) : n) - off;
		if (llen == 0 || (llen == 1 && b[off] == '\r'))
			return -ENOENT; /* end of headers */
		if (llen >= 5 && strncasecmp((const char *)b + off, "host:", 5) == 0) {
			if (!eol)
				return -ENODATA; /* value may go on in the next segment */
			return http_host_value(b + off + 5, llen - 5, h);
		}
	}
	return -ENODATA;
}

/* Which parser a payload is for: by port for DNS and SSDP, by content for TLS and HTTP. */
static int
classify(const uint8_t *d, const struct ws_ip *ip)
{
	const uint8_t *pl = d + ip->payload_off;
	uint32_t n = ip->end - ip->payload_off;
	uint16_t sp = ip->sport, dp = ip->dport;

	if (sp == PORT_DNS || dp == PORT_DNS)
		return WS_HOST_DNS;
	if (ip->proto == IPPROTO_UDP_) {
		if (sp == PORT_MDNS || dp == PORT_MDNS || sp == PORT_LLMNR || dp == PORT_LLMNR)
			return WS_HOST_DNS;
		if (sp == PORT_SSDP || dp == PORT_SSDP)
			return WS_HOST_HTTP;
		return WS_HOST_NONE;
	}
	if (n >= 6 && pl[0] == 0x16 && pl[1] == 0x03)
		return WS_HOST_TLS;
	if (pl[0] >= 'C' && pl[0] <= 'T')
		return WS_HOST_HTTP; /* a candidate: host_http() checks the method */
	return WS_HOST_NONE;
}

/* Out of line, so that the common case (no name can start here) pays no frame. */
static __attribute__((noinline)) int
host_of_class(const uint8_t *data, const struct ws_ip *ip, struct ws_host *h, int cls)
{
	int rc;

	switch (cls) {
	case WS_HOST_DNS:
		rc = host_dns(data, ip, h);
		break;
	case WS_HOST_TLS:
		rc = host_tls(data, ip, h);
		break;
	default:
		rc = host_http(data, ip, h);
		break;
	}
	if (rc < 0) {
		h->source = WS_HOST_NONE;
		h->len = 0;
	}
	h->name[h->len] = '\0';
	return rc;
}

int
ws_parse_host(const uint8_t *data, uint32_t len, const struct ws_pkt *pkt, struct ws_host *h)
{
	const struct ws_ip *ip = &pkt->inner;
	int cls;

	h->source = WS_HOST_NONE;
	h->method = WS_HTTP_NONE;
	h->len = 0;
	h->name[0] = '\0';
	if (!ip->has_l4 || ip->end > len || ip->payload_off >= ip->end ||
	    ip->frag & (WS_FRAG_MORE | WS_FRAG_LATER) ||
	    (ip->proto != IPPROTO_TCP_ && ip->proto != IPPROTO_UDP_))
		return -ENOENT;
	cls = classify(data, ip);
	if (cls == WS_HOST_NONE)
		return -ENOENT;
	return host_of_class(data, ip, h, cls);
}
