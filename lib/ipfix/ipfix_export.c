/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPFIX transport to one collector (RFC 7011, section 10).
 *
 * UDP: each message is sent as it is finished; templates ride in the first
 * message and again every template_refresh_s, or after a failed send.
 * TCP: finished messages wait in a byte ring with a FIFO of their lengths;
 * a non-blocking socket drains it from poll(). A new connection first gets
 * a templates message. A message that does not fit, or that a connection
 * lost half-sent, is dropped and counted: the collector sees the gap in the
 * sequence numbers. The connection is retried with a doubling backoff.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ws_ipfix.h"

#define BACKOFF_MIN_NS 1000000000ull
#define BACKOFF_MAX_NS 30000000000ull
#define CONNECT_TIMEOUT_NS 5000000000ull
#define DEFAULT_REFRESH_S 600
#define DEFAULT_BUFFER (1u << 20)
/* Most messages queued for TCP; with flushes at most every second, minutes of them. */
#define QUEUE_MAX 1024
/* Room for a templates message. */
#define TEMPLATES_MAX 512

enum state { ST_DOWN, ST_CONNECTING, ST_UP };

struct queued {
	uint32_t len;
	uint32_t records;
	uint32_t seq;
};

struct ws_ipfix_exporter {
	struct ws_ipfix_conf conf;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int fd;
	enum state state;
	uint64_t next_connect_ns, backoff_ns, connect_start_ns;
	uint32_t seq; /* data records in messages made so far */
	/* The message being filled. */
	struct ws_ipfix_msg msg;
	uint8_t *msg_buf;
	uint32_t msg_max;
	uint64_t msg_first_ns;
	bool msg_templates;    /* UDP: the open message carries templates */
	uint64_t templates_ns; /* UDP: when templates last went out, 0: never */
	/* TCP: templates for a new connection, then the ring. */
	uint8_t tmpl[TEMPLATES_MAX];
	uint32_t tmpl_len, tmpl_off;
	uint8_t *ring;
	uint32_t ring_size, ring_head, ring_used, head_sent;
	struct queued q[QUEUE_MAX];
	uint32_t q_head, q_n;
	struct ws_ipfix_counters cnt;
};

int
ws_ipfix_parse_collector(const char *s, char *host, size_t host_size, uint16_t *port)
{
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	unsigned long p;

	if (s[0] == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL; /* an IPv6 address needs brackets */
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= host_size || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p < 1 || p > 65535)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static int
resolve(struct ws_ipfix_exporter *e, char *err, size_t err_size)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC}, *ai;
	char host[256], port[8];
	uint16_t p;
	int rc;

	if (ws_ipfix_parse_collector(e->conf.collector, host, sizeof(host), &p) < 0) {
		snprintf(err, err_size,
			 "collector '%s': want HOST:PORT or [IPv6]:PORT, port 1..65535",
			 e->conf.collector);
		return -EINVAL;
	}
	snprintf(port, sizeof(port), "%u", p);
	hints.ai_socktype = e->conf.transport == WS_IPFIX_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, err_size, "collector '%s': %s", e->conf.collector, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(&e->addr, ai->ai_addr, ai->ai_addrlen);
	e->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void
sock_close(struct ws_ipfix_exporter *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

/* Open the socket; TCP's connect() completes in the background. */
static int
sock_open(struct ws_ipfix_exporter *e)
{
	int type = e->conf.transport == WS_IPFIX_TCP ? SOCK_STREAM : SOCK_DGRAM;

	e->fd = socket(e->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->fd < 0)
		return -errno;
	if (connect(e->fd, (struct sockaddr *)&e->addr, e->addr_len) == 0)
		return 0;
	return errno == EINPROGRESS ? -EINPROGRESS : -errno;
}

/* Free the oldest queued message's ring space; the caller counts it. */
static void
queue_pop(struct ws_ipfix_exporter *e)
{
	struct queued *h = &e->q[e->q_head];

	e->ring_head = (e->ring_head + h->len) % e->ring_size;
	e->ring_used -= h->len;
	e->q_head = (e->q_head + 1) % QUEUE_MAX;
	e->q_n--;
	e->head_sent = 0;
}

static void
queue_drop_head(struct ws_ipfix_exporter *e)
{
	struct queued *h = &e->q[e->q_head];

	e->cnt.messages_dropped++;
	e->cnt.records_dropped += h->records;
	queue_pop(e);
}

static void
tcp_connected(struct ws_ipfix_exporter *e)
{
	struct ws_ipfix_msg m;
	uint32_t seq = e->q_n ? e->q[e->q_head].seq : e->seq;

	e->state = ST_UP;
	e->cnt.connects++;
	e->backoff_ns = BACKOFF_MIN_NS;
	/* The templates first; its sequence number that of the first message queued. */
	ws_ipfix_msg_init(&m, e->tmpl, sizeof(e->tmpl), e->conf.host);
	ws_ipfix_msg_add_templates(&m);
	e->tmpl_len = ws_ipfix_msg_finish(&m, (uint32_t)time(NULL), seq, e->conf.domain);
	e->tmpl_off = 0;
}

static void
tcp_down(struct ws_ipfix_exporter *e, uint64_t now_ns, bool failed_connect)
{
	if (failed_connect)
		e->cnt.connect_failures++;
	else
		e->cnt.send_errors++;
	/* A message cut short would corrupt the next connection's stream. */
	if (e->head_sent && e->q_n)
		queue_drop_head(e);
	sock_close(e);
	e->state = ST_DOWN;
	e->tmpl_len = e->tmpl_off = 0;
	e->next_connect_ns = now_ns + e->backoff_ns;
	e->backoff_ns = e->backoff_ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : e->backoff_ns * 2;
}

static void
tcp_connect(struct ws_ipfix_exporter *e, uint64_t now_ns)
{
	int rc = sock_open(e);

	e->connect_start_ns = now_ns;
	if (rc == 0)
		tcp_connected(e);
	else if (rc == -EINPROGRESS)
		e->state = ST_CONNECTING;
	else
		tcp_down(e, now_ns, true);
}

/* Has the connection been made, refused, or timed out? */
static void
tcp_check_connect(struct ws_ipfix_exporter *e, uint64_t now_ns)
{
	struct pollfd p = {.fd = e->fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int so_err = 0;

	if (poll(&p, 1, 0) <= 0) {
		if (now_ns - e->connect_start_ns > CONNECT_TIMEOUT_NS)
			tcp_down(e, now_ns, true);
		return;
	}
	if (getsockopt(e->fd, SOL_SOCKET, SO_ERROR, &so_err, &len) < 0 || so_err)
		tcp_down(e, now_ns, true);
	else
		tcp_connected(e);
}

/* A collector does not talk back: readable means closed (or reset). */
static bool
tcp_peer_closed(struct ws_ipfix_exporter *e)
{
	struct pollfd p = {.fd = e->fd, .events = POLLIN};
	uint8_t b[256];

	if (poll(&p, 1, 0) <= 0)
		return false;
	return recv(e->fd, b, sizeof(b), MSG_DONTWAIT) <= 0 || (p.revents & (POLLERR | POLLHUP));
}

static void
queue_sent_head(struct ws_ipfix_exporter *e)
{
	struct queued *h = &e->q[e->q_head];

	e->cnt.messages++;
	e->cnt.records += h->records;
	e->cnt.bytes += h->len;
	queue_pop(e);
}

/* Send what the socket takes: templates, then queued messages in order. */
static void
tcp_send(struct ws_ipfix_exporter *e, uint64_t now_ns)
{
	const uint8_t *p;
	uint32_t pos, n;
	ssize_t sent;

	while (e->state == ST_UP && (e->tmpl_off < e->tmpl_len || e->q_n)) {
		if (e->tmpl_off < e->tmpl_len) {
			p = e->tmpl + e->tmpl_off;
			n = e->tmpl_len - e->tmpl_off;
		} else {
			pos = (e->ring_head + e->head_sent) % e->ring_size;
			n = e->q[e->q_head].len - e->head_sent;
			if (n > e->ring_size - pos)
				n = e->ring_size - pos;
			p = e->ring + pos;
		}
		sent = send(e->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (sent <= 0) {
			tcp_down(e, now_ns, false);
			return;
		}
		if (e->tmpl_off < e->tmpl_len) {
			e->tmpl_off += (uint32_t)sent;
			if (e->tmpl_off == e->tmpl_len)
				e->cnt.templates++;
		} else {
			e->head_sent += (uint32_t)sent;
			if (e->head_sent == e->q[e->q_head].len)
				queue_sent_head(e);
		}
	}
}

/* Copy a finished message into the ring, or drop it if it does not fit. */
static void
tcp_enqueue(struct ws_ipfix_exporter *e, const uint8_t *m, uint32_t len, uint32_t records,
	    uint32_t seq)
{
	uint32_t tail, first;

	if (e->q_n == QUEUE_MAX || e->ring_size - e->ring_used < len) {
		e->cnt.messages_dropped++;
		e->cnt.records_dropped += records;
		return;
	}
	tail = (e->ring_head + e->ring_used) % e->ring_size;
	first = len < e->ring_size - tail ? len : e->ring_size - tail;
	memcpy(e->ring + tail, m, first);
	memcpy(e->ring, m + first, len - first);
	e->ring_used += len;
	e->q[(e->q_head + e->q_n) % QUEUE_MAX] = (struct queued){len, records, seq};
	e->q_n++;
}

static void
udp_send(struct ws_ipfix_exporter *e, uint32_t len, uint64_t now_ns)
{
	if (send(e->fd, e->msg_buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len) {
		e->cnt.messages++;
		e->cnt.records += e->msg.records;
		e->cnt.bytes += len;
		if (e->msg_templates) {
			e->cnt.templates++;
			e->templates_ns = now_ns;
		}
		return;
	}
	/* ECONNREFUSED (an ICMP error for an earlier datagram), ENOBUFS, EAGAIN... */
	e->cnt.send_errors++;
	e->cnt.messages_dropped++;
	e->cnt.records_dropped += e->msg.records;
	if (e->msg_templates)
		e->templates_ns = 0;
}

static bool
msg_open(const struct ws_ipfix_exporter *e)
{
	return e->msg.buf != NULL;
}

static void
msg_start(struct ws_ipfix_exporter *e, uint64_t now_ns)
{
	uint64_t refresh = (uint64_t)e->conf.template_refresh_s * 1000000000u;

	ws_ipfix_msg_init(&e->msg, e->msg_buf, e->msg_max, e->conf.host);
	e->msg_first_ns = now_ns;
	e->msg_templates = e->conf.transport == WS_IPFIX_UDP &&
			   (e->templates_ns == 0 || now_ns - e->templates_ns >= refresh);
	if (e->msg_templates)
		ws_ipfix_msg_add_templates(&e->msg);
}

void
ws_ipfix_exporter_flush(struct ws_ipfix_exporter *e, uint64_t now_ns)
{
	uint32_t len, seq = e->seq;

	if (!msg_open(e))
		return;
	if (e->msg.records) {
		len = ws_ipfix_msg_finish(&e->msg, (uint32_t)time(NULL), seq, e->conf.domain);
		/* Counted whether or not it leaves: a lost message is a gap to the collector. */
		e->seq += e->msg.records;
		if (e->conf.transport == WS_IPFIX_UDP)
			udp_send(e, len, now_ns);
		else
			tcp_enqueue(e, e->msg_buf, len, e->msg.records, seq);
	}
	e->msg.buf = NULL;
	tcp_send(e, now_ns);
}

void
ws_ipfix_exporter_add(struct ws_ipfix_exporter *e, const struct ws_flow *f, uint64_t now_ns)
{
	int rc;

	if (!msg_open(e))
		msg_start(e, now_ns);
	rc = ws_ipfix_msg_add_flow(&e->msg, f);
	if (rc == -ENOSPC) {
		ws_ipfix_exporter_flush(e, now_ns);
		msg_start(e, now_ns);
		rc = ws_ipfix_msg_add_flow(&e->msg, f);
	}
	if (rc < 0)
		e->cnt.records_dropped++; /* not IPv4 or IPv6: nothing to describe it with */
}

void
ws_ipfix_exporter_poll(struct ws_ipfix_exporter *e, uint64_t now_ns)
{
	if (msg_open(e) && now_ns - e->msg_first_ns >= WS_IPFIX_FLUSH_NS)
		ws_ipfix_exporter_flush(e, now_ns);
	if (e->conf.transport != WS_IPFIX_TCP)
		return;
	if (e->state == ST_DOWN && now_ns >= e->next_connect_ns)
		tcp_connect(e, now_ns);
	if (e->state == ST_CONNECTING)
		tcp_check_connect(e, now_ns);
	if (e->state == ST_UP && e->tmpl_off == e->tmpl_len && !e->q_n && tcp_peer_closed(e))
		tcp_down(e, now_ns, false);
	tcp_send(e, now_ns);
}

int
ws_ipfix_exporter_drain(struct ws_ipfix_exporter *e, unsigned int timeout_ms)
{
	uint64_t now = mono_ns(), deadline = now + (uint64_t)timeout_ms * 1000000u;
	struct pollfd p;

	ws_ipfix_exporter_flush(e, now);
	ws_ipfix_exporter_poll(e, now);
	while (e->conf.transport == WS_IPFIX_TCP &&
	       (e->state == ST_CONNECTING ||
		(e->state == ST_UP && (e->tmpl_off < e->tmpl_len || e->q_n)))) {
		now = mono_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		p = (struct pollfd){.fd = e->fd, .events = POLLOUT};
		poll(&p, 1, 10);
		ws_ipfix_exporter_poll(e, mono_ns());
	}
	return 0;
}

void
ws_ipfix_exporter_counters(const struct ws_ipfix_exporter *e, struct ws_ipfix_counters *c)
{
	*c = e->cnt;
	c->queued = e->ring_used + (e->tmpl_len - e->tmpl_off);
	c->connected = e->conf.transport == WS_IPFIX_UDP ? e->fd >= 0 : e->state == ST_UP;
}

struct ws_ipfix_exporter *
ws_ipfix_exporter_create(const struct ws_ipfix_conf *c, char *err, size_t err_size)
{
	struct ws_ipfix_exporter *e = calloc(1, sizeof(*e));
	int rc;

	if (!e)
		goto out_nomem;
	e->conf = *c;
	e->fd = -1;
	if (!e->conf.template_refresh_s)
		e->conf.template_refresh_s = DEFAULT_REFRESH_S;
	if (!e->conf.buffer_size)
		e->conf.buffer_size = DEFAULT_BUFFER;
	e->backoff_ns = BACKOFF_MIN_NS;
	if (resolve(e, err, err_size) < 0)
		goto out_free;
	e->msg_max = c->transport == WS_IPFIX_TCP ? WS_IPFIX_TCP_MSG : WS_IPFIX_UDP_MSG;
	if (c->transport == WS_IPFIX_TCP && e->conf.buffer_size < e->msg_max) {
		snprintf(err, err_size, "collector '%s': buffer of %u bytes is less than a message",
			 c->collector, e->conf.buffer_size);
		goto out_free;
	}
	e->msg_buf = malloc(e->msg_max);
	e->ring_size = c->transport == WS_IPFIX_TCP ? e->conf.buffer_size : 0;
	e->ring = e->ring_size ? malloc(e->ring_size) : NULL;
	if (!e->msg_buf || (e->ring_size && !e->ring))
		goto out_nomem;
	if (c->transport == WS_IPFIX_TCP)
		return e; /* the first poll connects, on the caller's clock */
	rc = sock_open(e);
	if (rc < 0) {
		snprintf(err, err_size, "collector '%s': %s", c->collector, strerror(-rc));
		goto out_free;
	}
	return e;

out_nomem:
	snprintf(err, err_size, "out of memory for the IPFIX exporter");
out_free:
	ws_ipfix_exporter_destroy(e);
	return NULL;
}

void
ws_ipfix_exporter_destroy(struct ws_ipfix_exporter *e)
{
	if (!e)
		return;
	sock_close(e);
	free(e->ring);
	free(e->msg_buf);
	free(e);
}
