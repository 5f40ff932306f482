/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP side of the Prometheus endpoint: a non-blocking HTTP/1.1 server
 * with one route, GET /metrics. Each connection carries one request and is
 * closed after its reply ("Connection: close"), which Prometheus handles.
 * Each client has a fixed request buffer and a reply buffer bounded by
 * WS_PROM_BODY_MAX, given back when large so idle slots stay small.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ws_prom.h"

struct client {
	int fd;		   /* -1: free slot */
	int draining;	   /* reply sent: reading what is left until EOF, then close */
	uint64_t deadline; /* ms: the request, then the reply, must be through by then */
	size_t in_len;
	char in[WS_PROM_REQ_MAX];
	char *out; /* the whole reply; pending while out_len > 0 */
	size_t out_len, out_off, out_cap;
};

struct ws_prom_server {
	int lfd;
	char addr[64];
	ws_prom_render_t render;
	void *ctx;
	unsigned int timeout_ms;
	struct ws_prom_counters cnt;
	struct ws_prom_writer body; /* rendered per scrape, then copied after the head */
	struct client clients[WS_PROM_MAX_CLIENTS];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->draining = 0;
	c->in_len = 0;
	c->out_len = c->out_off = 0;
	if (c->out_cap > 65536) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
}

/* Queue a whole reply: status line, headers, and the body unless the request was HEAD. */
static void
respond(struct ws_prom_server *s, struct client *c, int code, const char *reason, const char *extra,
	const char *type, const char *body, size_t len, int head_only)
{
	char head[256];
	size_t hl, need;
	char *p;

	hl = snprintf(head, sizeof(head),
		      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
		      "Connection: close\r\n\r\n",
		      code, reason, type, len, extra ? extra : "");
	need = hl + (head_only ? 0 : len);
	if (need > c->out_cap) {
		p = realloc(c->out, need);
		if (!p) {
			client_close(c);
			return;
		}
		c->out = p;
		c->out_cap = need;
	}
	memcpy(c->out, head, hl);
	if (!head_only && len)
		memcpy(c->out + hl, body, len);
	c->out_len = need;
	c->out_off = 0;
	c->deadline = now_ms() + s->timeout_ms;
}

static void
respond_error(struct ws_prom_server *s, struct client *c, int code, uint64_t *counter)
{
	const char *reason, *extra = NULL;
	char body[96];

	switch (code) {
	case 400:
		reason = "Bad Request";
		break;
	case 404:
		reason = "Not Found";
		break;
	case 405:
		reason = "Method Not Allowed";
		extra = "Allow: GET, HEAD\r\n";
		break;
	case 408:
		reason = "Request Timeout";
		break;
	case 431:
		reason = "Request Header Fields Too Large";
		break;
	default:
		reason = "Internal Server Error";
		break;
	}
	(*counter)++;
	snprintf(body, sizeof(body), "%d %s%s\n", code, reason,
		 code == 404 ? ": the metrics are at /metrics" : "");
	respond(s, c, code, reason, extra, "text/plain; charset=utf-8", body, strlen(body), 0);
}

static void
scrape(struct ws_prom_server *s, struct client *c, int head_only)
{
	int rc;

	ws_prom_writer_reset(&s->body);
	rc = s->render(s->ctx, &s->body);
	if (rc == 0)
		rc = ws_prom_writer_error(&s->body);
	if (rc < 0) {
		respond_error(s, c, 500, &s->cnt.failed);
		return;
	}
	s->cnt.scrapes++;
	respond(s, c, 200, "OK", NULL, "text/plain; version=0.0.4; charset=utf-8", s->body.buf,
		s->body.len, head_only);
}

/*
 * "METHOD SP TARGET SP HTTP/1.x" then headers, the head complete (it ends in
 * an empty line). @return the status to answer with: 200 or an error.
 */
static int
request_check(char *line, size_t head_len, int *head_only)
{
	char *eol = memchr(line, '\n', head_len), *sp1, *sp2, *q;

	if (!eol || memchr(line, '\0', head_len))
		return 400;
	*eol = '\0';
	if (eol > line && eol[-1] == '\r')
		eol[-1] = '\0';
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || sp1[1] != '/' || strchr(sp2 + 1, ' ') ||
	    (strcmp(sp2 + 1, "HTTP/1.1") && strcmp(sp2 + 1, "HTTP/1.0")))
		return 400;
	*sp1 = *sp2 = '\0';
	q = strchr(sp1 + 1, '?'); /* a query string is allowed and ignored */
	if (q)
		*q = '\0';
	*head_only = !strcmp(line, "HEAD");
	if (strcmp(line, "GET") && !*head_only)
		return 405;
	return strcmp(sp1 + 1, "/metrics") ? 404 : 200;
}

static void
request(struct ws_prom_server *s, struct client *c, size_t head_len)
{
	int head_only = 0, code = request_check(c->in, head_len, &head_only);

	if (code == 200)
		scrape(s, c, head_only);
	else
		respond_error(s, c, code,
			      code == 400   ? &s->cnt.bad_request
			      : code == 405 ? &s->cnt.bad_method
					    : &s->cnt.not_found);
}

/* The end of the request head (after "\r\n\r\n" or "\n\n"), or 0. */
static size_t
head_end(const char *p, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (p[i] == '\n' &&
		    (p[i - 1] == '\n' || (i >= 3 && !memcmp(p + i - 3, "\r\n\r", 3))))
			return i + 1;
	return 0;
}

static void
client_read(struct ws_prom_server *s, struct client *c)
{
	size_t end;
	ssize_t n;

	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone before asking anything whole: nothing to answer. */
		if (c->in_len)
			s->cnt.bad_request++;
		client_close(c);
		return;
	}
	c->in_len += n;
	end = head_end(c->in, c->in_len);
	if (end)
		request(s, c, end);
	else if (c->in_len == sizeof(c->in))
		respond_error(s, c, 431, &s->cnt.too_large);
}

static void
client_flush(struct client *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			break;
		}
		c->out_off += n;
	}
	if (c->out_off < c->out_len) {
		client_close(c);
		return;
	}
	/*
	 * Closing with unread input (the rest of an oversized head, a body) would
	 * send a reset that can destroy the reply before the client reads it: say
	 * we are done writing, and close when the client does (or the timeout).
	 */
	c->out_len = c->out_off = 0;
	c->draining = 1;
	shutdown(c->fd, SHUT_WR);
}

/* Read and drop what the client still sends, until it closes. */
static void
client_drain(struct client *c)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		client_close(c);
}

static void
accept_clients(struct ws_prom_server *s)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
				   "Connection: close\r\n\r\n";
	unsigned int i;
	int fd;

	while ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < WS_PROM_MAX_CLIENTS; i++)
			if (s->clients[i].fd < 0)
				break;
		if (i == WS_PROM_MAX_CLIENTS) {
			s->cnt.rejected++;
			if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				(void)0; /* best effort: it is closed either way */
			close(fd);
			continue;
		}
		s->clients[i].fd = fd;
		s->clients[i].deadline = now_ms() + s->timeout_ms;
		s->cnt.accepted++;
	}
}

/* A request not sent in time gets 408; a reply not read in time is abandoned. */
static void
close_late(struct ws_prom_server *s)
{
	uint64_t now = now_ms();
	unsigned int i;

	for (i = 0; i < WS_PROM_MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];

		if (c->fd < 0 || now < c->deadline)
			continue;
		if (c->draining) {
			client_close(c);
			continue;
		}
		if (c->out_len) {
			s->cnt.timed_out++;
			client_close(c);
			continue;
		}
		respond_error(s, c, 408, &s->cnt.timed_out);
		if (c->fd >= 0)
			client_flush(c);
	}
}

unsigned int
ws_prom_server_pollfds(struct ws_prom_server *s, struct pollfd *pfd)
{
	unsigned int i;

	pfd[0] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
	for (i = 0; i < WS_PROM_MAX_CLIENTS; i++) {
		const struct client *c = &s->clients[i];

		pfd[i + 1] = (struct pollfd){.fd = c->fd, .events = c->out_len ? POLLOUT : POLLIN};
	}
	return WS_PROM_POLLFDS;
}

void
ws_prom_server_handle(struct ws_prom_server *s, const struct pollfd *pfd, unsigned int n)
{
	unsigned int i;

	for (i = 0; i + 1 < n && i < WS_PROM_MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];
		short ev = pfd[i + 1].revents;

		if (c->fd < 0 || pfd[i + 1].fd != c->fd || !ev)
			continue;
		if (c->draining) {
			client_drain(c);
			continue;
		}
		if (!c->out_len && (ev & (POLLIN | POLLHUP | POLLERR)))
			client_read(s, c);
		if (c->fd >= 0 && c->out_len)
			client_flush(c);
	}
	/* Accept after serving, so a slot freed above can take a waiting client. */
	if (n > 0 && (pfd[0].revents & POLLIN))
		accept_clients(s);
	close_late(s);
}

void
ws_prom_server_set_timeout_ms(struct ws_prom_server *s, unsigned int ms)
{
	s->timeout_ms = ms;
}

void
ws_prom_server_counters(const struct ws_prom_server *s, struct ws_prom_counters *c)
{
	*c = s->cnt;
}

const char *
ws_prom_server_addr(const struct ws_prom_server *s)
{
	return s->addr;
}

int
ws_prom_parse_addr(const char *str, struct sockaddr_storage *sa, char *err, size_t err_size)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
	char host[48], *end;
	const char *colon = strrchr(str, ':');
	unsigned long port;
	size_t hl;

	memset(sa, 0, sizeof(*sa));
	if (!colon || colon == str) {
		snprintf(err, err_size, "'%s' is not ADDRESS:PORT (127.0.0.1:9573, [::1]:9573)",
			 str);
		return -EINVAL;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535 || colon[1] < '0' || colon[1] > '9') {
		snprintf(err, err_size, "'%s': the port must be a number from 0 to 65535", str);
		return -EINVAL;
	}
	hl = colon - str;
	if (str[0] == '[' && hl >= 2 && str[hl - 1] == ']' && hl - 2 < sizeof(host)) {
		memcpy(host, str + 1, hl - 2);
		host[hl - 2] = '\0';
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1)
			return 0;
	} else if (hl < sizeof(host)) {
		memcpy(host, str, hl);
		host[hl] = '\0';
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &v4->sin_addr) == 1)
			return 0;
	}
	snprintf(err, err_size,
		 "'%s': the address must be an IPv4 address or an IPv6 one in brackets "
		 "(127.0.0.1:9573, [::1]:9573, 0.0.0.0:9573 for every interface)",
		 str);
	return -EINVAL;
}

/* The bound address as text, with the port the kernel picked. */
static void
addr_text(struct ws_prom_server *s)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	char ip[INET6_ADDRSTRLEN] = "?";

	if (getsockname(s->lfd, (struct sockaddr *)&sa, &len) < 0)
		return;
	if (sa.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, ip, sizeof(ip));
		snprintf(s->addr, sizeof(s->addr), "[%s]:%u", ip,
			 ntohs(((struct sockaddr_in6 *)&sa)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, ip, sizeof(ip));
		snprintf(s->addr, sizeof(s->addr), "%s:%u", ip,
			 ntohs(((struct sockaddr_in *)&sa)->sin_port));
	}
}

static int
listen_on(struct ws_prom_server *s, const struct sockaddr_storage *sa)
{
	int one = 1;

	s->lfd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	/* A restarted daemon must not wait for the old connections' TIME_WAIT. */
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, (const struct sockaddr *)sa,
		 sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in)) < 0 ||
	    listen(s->lfd, 64) < 0) {
		int rc = -errno;

		close(s->lfd);
		return rc;
	}
	addr_text(s);
	return 0;
}

struct ws_prom_server *
ws_prom_server_create(const char *addr, ws_prom_render_t render, void *ctx)
{
	struct sockaddr_storage sa;
	struct ws_prom_server *s;
	unsigned int i;
	char err[160];
	int rc;

	if (ws_prom_parse_addr(addr, &sa, err, sizeof(err)) < 0) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->render = render;
	s->ctx = ctx;
	s->timeout_ms = WS_PROM_TIMEOUT_MS;
	ws_prom_writer_init(&s->body, WS_PROM_BODY_MAX);
	for (i = 0; i < WS_PROM_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	rc = listen_on(s, &sa);
	if (rc < 0) {
		ws_prom_writer_free(&s->body);
		free(s);
		errno = -rc;
		return NULL;
	}
	return s;
}

void
ws_prom_server_destroy(struct ws_prom_server *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < WS_PROM_MAX_CLIENTS; i++) {
		if (s->clients[i].fd >= 0)
			close(s->clients[i].fd);
		free(s->clients[i].out);
	}
	ws_prom_writer_free(&s->body);
	close(s->lfd);
	free(s);
}
