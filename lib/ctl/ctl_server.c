/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server: non-blocking, polled from the management lcore.
 * Each client has a fixed input buffer and a bounded output queue, so a slow
 * or hostile client costs bounded memory and never stalls the poller.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ws_ctl.h"

struct client {
	int fd;	     /* -1: free slot */
	int closing; /* close once out is flushed */
	struct ws_ctl_peer peer;
	uint64_t rate_tat_us; /* when the rate budget is whole again (GCRA) */
	uint64_t active_ms;   /* last accept or request */
	size_t in_len;
	uint64_t partial_since; /* ms when an unfinished request began, 0: none */
	char *in;		/* WS_CTL_REQ_MAX bytes, allocated with the server */
	char *out;
	size_t out_len, out_off, out_cap;
};

struct ws_ctl_server {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const struct ws_ctl_cmd *cmds;
	void *ctx;
	struct ws_ctl_counters cnt;
	unsigned int stall_ms;
	gid_t admin_gid; /* (gid_t)-1: none */
	char admin_name[64];
	struct client clients[WS_CTL_MAX_CLIENTS];
	struct pollfd *pfd; /* WS_CTL_MAX_CLIENTS + 1 */
};

static int
out_append(struct client *c, const char *s, size_t n)
{
	size_t need = c->out_len - c->out_off + n;
	char *p;

	if (need > WS_CTL_OUT_MAX)
		return -ENOBUFS;
	if (c->out_off > 0) {
		/* Drop what was sent before growing. */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;

		while (cap < c->out_len + n)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
	return 0;
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t
now_ms(void)
{
	return now_us() / 1000;
}

static void
client_close(struct ws_ctl_server *s, struct client *c)
{
	(void)s;
	close(c->fd);
	c->fd = -1;
	c->closing = 0;
	c->in_len = 0;
	c->partial_since = 0;
	c->out_len = c->out_off = 0;
}

/* Queue one reply line; a client that reads nothing and keeps asking is dropped. */
static void
reply(struct ws_ctl_server *s, struct client *c, json_t *msg)
{
	char *txt = json_dumps(msg, JSON_COMPACT);
	int rc;

	json_decref(msg);
	if (!txt) {
		c->closing = 1;
		return;
	}
	rc = out_append(c, txt, strlen(txt));
	if (rc == 0)
		rc = out_append(c, "\n", 1);
	free(txt);
	if (rc < 0) {
		s->cnt.dropped_clients++;
		client_close(s, c);
	}
}

/*
 * Messages quote requests, and a cut (%.64s) can split a UTF-8 sequence that
 * jansson would then refuse, leaving no reply at all: keep them ASCII.
 */
static json_t *
error_reply(int status, const char *msg)
{
	char clean[512];
	size_t i;

	for (i = 0; msg[i] && i < sizeof(clean) - 1; i++)
		clean[i] =
			(unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e ? '?' : msg[i];
	clean[i] = '\0';
	return json_pack("{s:i, s:s}", "status", status, "error", clean);
}

static json_t *
help_reply(const struct ws_ctl_cmd *cmds)
{
	json_t *list = json_array();

	json_array_append_new(list,
			      json_pack("{s:s, s:s}", "name", "help", "help", "list the commands"));
	for (; cmds && cmds->name; cmds++)
		json_array_append_new(
			list, json_pack("{s:s, s:s}", "name", cmds->name, "help", cmds->help));
	return json_pack("{s:i, s:o}", "status", 0, "result", list);
}

bool
ws_ctl_changes_always(const json_t *req)
{
	(void)req;
	return true;
}

static json_t *
denied_reply(struct ws_ctl_server *s, const struct ws_ctl_peer *peer, const char *name)
{
	char msg[256];

	s->cnt.denied++;
	if (s->admin_gid == (gid_t)-1)
		snprintf(msg, sizeof(msg),
			 "'%s' changes state: only root and the daemon's user may (you are uid "
			 "%u; socket.admin_group names a group that may too)",
			 name, (unsigned int)peer->uid);
	else
		snprintf(msg, sizeof(msg),
			 "'%s' changes state: only root, the daemon's user and members of group "
			 "'%s' may (you are uid %u)",
			 name, s->admin_name, (unsigned int)peer->uid);
	return error_reply(EPERM, msg);
}

static json_t *
dispatch(struct ws_ctl_server *s, const struct ws_ctl_peer *peer, const json_t *req)
{
	const struct ws_ctl_cmd *cmd;
	json_t *result = NULL;
	const char *name;
	char err[256], msg[320];
	int status;

	name = json_string_value(json_object_get(req, "cmd"));
	if (!name)
		return error_reply(EINVAL, "request has no \"cmd\" string");
	if (!strcmp(name, "help"))
		return help_reply(s->cmds);
	for (cmd = s->cmds; cmd && cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			break;
	if (!cmd || !cmd->name) {
		snprintf(msg, sizeof(msg), "unknown command '%.64s' (\"help\" lists them)", name);
		return error_reply(EINVAL, msg);
	}
	if (cmd->changes && !peer->admin && cmd->changes(req))
		return denied_reply(s, peer, name);
	err[0] = '\0';
	status = cmd->fn(s->ctx, req, &result, err, sizeof(err));
	if (status != 0) {
		json_decref(result);
		return error_reply(status, err[0] ? err : strerror(status));
	}
	return json_pack("{s:i, s:o}", "status", 0, "result", result ? result : json_object());
}

json_t *
ws_ctl_server_request(struct ws_ctl_server *s, const struct ws_ctl_peer *peer, const char *line,
		      size_t len)
{
	json_error_t jerr;
	char msg[300];
	json_t *req, *rep;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		snprintf(msg, sizeof(msg), "request is not JSON: %s at column %d", jerr.text,
			 jerr.column);
		rep = error_reply(EINVAL, msg);
	} else if (!json_is_object(req)) {
		rep = error_reply(EINVAL, "request must be a JSON object");
	} else {
		rep = dispatch(s, peer, req);
	}
	if (json_integer_value(json_object_get(rep, "status")) == EINVAL)
		s->cnt.bad_requests++;
	s->cnt.requests++;
	json_decref(req);
	return rep;
}

/*
 * At most WS_CTL_RATE requests a second, in bursts as large (GCRA: each
 * request moves the time the budget is whole again by 1/RATE s).
 */
static bool
rate_allows(struct client *c)
{
	const uint64_t step = 1000000 / WS_CTL_RATE, burst = 1000000;
	uint64_t now = now_us(), tat = c->rate_tat_us > now ? c->rate_tat_us : now;

	if (tat + step - now > burst)
		return false;
	c->rate_tat_us = tat + step;
	return true;
}

static void
handle_line(struct ws_ctl_server *s, struct client *c, const char *line, size_t len)
{
	char msg[96];

	c->active_ms = now_ms();
	if (!rate_allows(c)) {
		s->cnt.rate_limited++;
		snprintf(msg, sizeof(msg), "more than %u requests per second on this connection",
			 WS_CTL_RATE);
		reply(s, c, error_reply(EAGAIN, msg));
		return;
	}
	reply(s, c, ws_ctl_server_request(s, &c->peer, line, len));
}

/* Answer every complete line in the input buffer. */
static void
client_process(struct ws_ctl_server *s, struct client *c)
{
	size_t start = 0;
	char *nl;

	while (c->fd >= 0 && !c->closing &&
	       (nl = memchr(c->in + start, '\n', c->in_len - start)) != NULL) {
		size_t len = nl - (c->in + start);

		if (len > 0)
			handle_line(s, c, c->in + start, len);
		start += len + 1;
	}
	if (c->fd < 0)
		return;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	/* What is left is an unfinished request: it has stall_ms to complete. */
	if (c->in_len == 0)
		c->partial_since = 0;
	else if (start > 0 || c->partial_since == 0)
		c->partial_since = now_ms();
	if (c->in_len == WS_CTL_REQ_MAX) {
		/* No newline within the limit: there is no resynchronising. */
		s->cnt.bad_requests++;
		s->cnt.too_long++;
		reply(s, c, error_reply(EMSGSIZE, "request longer than 65536 bytes"));
		if (c->fd >= 0)
			c->closing = 1;
	}
}

static void
client_read(struct ws_ctl_server *s, struct client *c)
{
	ssize_t n;

	while (c->fd >= 0 && !c->closing && c->in_len < WS_CTL_REQ_MAX) {
		n = recv(c->fd, c->in + c->in_len, WS_CTL_REQ_MAX - c->in_len, MSG_DONTWAIT);
		if (n > 0) {
			c->in_len += n;
			client_process(s, c);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* EOF or error: finish sending what was asked, then close. */
		c->closing = 1;
	}
}

static void
client_flush(struct ws_ctl_server *s, struct client *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			client_close(s, c);
			return;
		}
		c->out_off += n;
	}
	c->out_len = c->out_off = 0;
	if (c->closing)
		client_close(s, c);
}

static bool
has_group(const gid_t *g, int n, gid_t want)
{
	int i;

	for (i = 0; i < n; i++)
		if (g[i] == want)
			return true;
	return false;
}

/*
 * Root and the daemon's own user can do anything to the process anyway; others
 * need the administrative group. The groups are the connecting process's own
 * (SO_PEERGROUPS, Linux 4.13), as for the socket file's permission check; the
 * user database (getgrouplist) where the kernel cannot say.
 */
static bool
peer_is_admin(const struct ws_ctl_server *s, int fd, const struct ucred *cr)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);
	struct passwd *pw;
	int n = 256;

	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	if (s->admin_gid == (gid_t)-1)
		return false;
	if (cr->gid == s->admin_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		return has_group(groups, len / sizeof(gid_t), s->admin_gid);
	pw = getpwuid(cr->uid);
	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	return has_group(groups, n, s->admin_gid);
}

/* Who connected; a peer the kernel cannot name gets no rights. */
static void
peer_identify(const struct ws_ctl_server *s, int fd, struct ws_ctl_peer *p)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		*p = (struct ws_ctl_peer){.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
		return;
	}
	*p = (struct ws_ctl_peer){
		.pid = cr.pid, .uid = cr.uid, .gid = cr.gid, .admin = peer_is_admin(s, fd, &cr)};
}

/*
 * A free slot, or that of the client silent longest, if for WS_CTL_IDLE_MS:
 * connections that sit silent must not lock everyone else out. Clients with
 * a request under way keep theirs (they time out after stall_ms), and so do
 * new ones whose first request may be on its way. WS_CTL_MAX_CLIENTS: none.
 */
static unsigned int
slot_take(struct ws_ctl_server *s)
{
	static const char bye[] = "{\"status\":16,\"error\":\"closed: idle while every "
				  "client slot was wanted\"}\n";
	unsigned int i, idle = WS_CTL_MAX_CLIENTS;
	uint64_t now = now_ms();

	for (i = 0; i < WS_CTL_MAX_CLIENTS; i++) {
		const struct client *c = &s->clients[i];

		if (c->fd < 0)
			return i;
		if (!c->closing && c->in_len == 0 && c->out_len == c->out_off &&
		    now - c->active_ms >= WS_CTL_IDLE_MS &&
		    (idle == WS_CTL_MAX_CLIENTS || c->active_ms < s->clients[idle].active_ms))
			idle = i;
	}
	if (idle < WS_CTL_MAX_CLIENTS) {
		if (send(s->clients[idle].fd, bye, sizeof(bye) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) <
		    0)
			(void)0; /* best effort: it is closed either way */
		client_close(s, &s->clients[idle]);
		s->cnt.evicted++;
	}
	return idle;
}

static void
accept_clients(struct ws_ctl_server *s)
{
	static const char busy[] = "{\"status\":16,\"error\":\"too many clients\"}\n";
	unsigned int i;
	int fd;

	while ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		i = slot_take(s);
		if (i == WS_CTL_MAX_CLIENTS) {
			s->cnt.rejected++;
			if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				(void)0; /* best effort: it is closed either way */
			close(fd);
			continue;
		}
		s->clients[i].fd = fd;
		s->clients[i].rate_tat_us = 0;
		s->clients[i].active_ms = now_ms();
		peer_identify(s, fd, &s->clients[i].peer);
		s->cnt.accepted++;
	}
}

/* A client holding an unfinished request past stall_ms loses its slot. */
static void
close_stalled(struct ws_ctl_server *s)
{
	uint64_t now = now_ms();
	unsigned int i;
	char msg[96];

	for (i = 0; i < WS_CTL_MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];

		if (c->fd < 0 || c->closing || !c->partial_since ||
		    now - c->partial_since <= s->stall_ms)
			continue;
		s->cnt.stalled_clients++;
		snprintf(msg, sizeof(msg), "request unfinished after %u ms", s->stall_ms);
		reply(s, c, error_reply(ETIMEDOUT, msg));
		if (c->fd >= 0) {
			c->closing = 1;
			client_flush(s, c);
		}
	}
}

void
ws_ctl_server_set_admin_group(struct ws_ctl_server *s, gid_t gid, const char *name)
{
	s->admin_gid = gid;
	snprintf(s->admin_name, sizeof(s->admin_name), "%s", name ? name : "");
}

void
ws_ctl_server_set_stall_ms(struct ws_ctl_server *s, unsigned int ms)
{
	s->stall_ms = ms;
}

unsigned int
ws_ctl_server_pollfds(struct ws_ctl_server *s, struct pollfd *pfd)
{
	unsigned int i, n = 1;

	pfd[0] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
	for (i = 0; i < WS_CTL_MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];

		pfd[i + 1].fd = c->fd;
		pfd[i + 1].events = (c->closing ? 0 : POLLIN) | (c->out_len ? POLLOUT : 0);
		pfd[i + 1].revents = 0;
		n = c->fd >= 0 ? i + 2 : n;
	}
	return n;
}

void
ws_ctl_server_handle(struct ws_ctl_server *s, const struct pollfd *pfd, unsigned int n)
{
	unsigned int i;
	short ev;

	if (n > 0 && (pfd[0].revents & POLLIN))
		accept_clients(s);
	for (i = 0; i + 1 < n; i++) {
		struct client *c = &s->clients[i];

		ev = pfd[i + 1].revents;
		if (c->fd < 0 || pfd[i + 1].fd != c->fd || !ev)
			continue;
		if (ev & (POLLIN | POLLHUP | POLLERR))
			client_read(s, c);
		if (c->fd >= 0 && (c->out_len || c->closing))
			client_flush(s, c);
	}
	close_stalled(s);
}

int
ws_ctl_server_poll(struct ws_ctl_server *s, int timeout_ms)
{
	uint64_t before = s->cnt.requests;
	unsigned int n = ws_ctl_server_pollfds(s, s->pfd);

	if (poll(s->pfd, n, timeout_ms) <= 0)
		n = 0;
	ws_ctl_server_handle(s, s->pfd, n);
	return (int)(s->cnt.requests - before);
}

/* A socket file nobody answers on is left over from a killed daemon. */
static int
remove_stale(const char *path)
{
	int fd = ws_ctl_connect(path);

	if (fd >= 0) {
		close(fd);
		return -EADDRINUSE;
	}
	if (fd == -ECONNREFUSED && unlink(path) < 0)
		return -errno;
	return 0;
}

static int
listen_on(struct ws_ctl_server *s, mode_t mode, gid_t gid)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int rc;

	memcpy(sa.sun_path, s->path, sizeof(sa.sun_path));
	rc = remove_stale(s->path);
	if (rc < 0)
		return rc;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(s->path, mode) < 0 ||
	    (gid != (gid_t)-1 && chown(s->path, (uid_t)-1, gid) < 0) || listen(s->lfd, 64) < 0) {
		rc = -errno;
		unlink(s->path);
		close(s->lfd);
		return rc;
	}
	return 0;
}

struct ws_ctl_server *
ws_ctl_server_create(const char *path, mode_t mode, gid_t gid, const struct ws_ctl_cmd *cmds,
		     void *ctx)
{
	struct ws_ctl_server *s;
	unsigned int i;
	int rc;

	if (!path || strlen(path) >= sizeof(s->path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	strcpy(s->path, path);
	s->cmds = cmds;
	s->ctx = ctx;
	s->stall_ms = WS_CTL_STALL_MS;
	s->admin_gid = (gid_t)-1;
	s->pfd = calloc(WS_CTL_MAX_CLIENTS + 1, sizeof(*s->pfd));
	if (!s->pfd) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < WS_CTL_MAX_CLIENTS; i++) {
		s->clients[i].fd = -1;
		s->clients[i].in = malloc(WS_CTL_REQ_MAX);
		if (!s->clients[i].in) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	rc = listen_on(s, mode, gid);
	if (rc < 0)
		goto out_free;
	return s;

out_free:
	for (i = 0; i < WS_CTL_MAX_CLIENTS; i++)
		free(s->clients[i].in);
	free(s->pfd);
	free(s);
	errno = -rc;
	return NULL;
}

void
ws_ctl_server_counters(const struct ws_ctl_server *s, struct ws_ctl_counters *c)
{
	*c = s->cnt;
}

void
ws_ctl_server_destroy(struct ws_ctl_server *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < WS_CTL_MAX_CLIENTS; i++) {
		if (s->clients[i].fd >= 0)
			close(s->clients[i].fd);
		free(s->clients[i].in);
		free(s->clients[i].out);
	}
	close(s->lfd);
	unlink(s->path);
	free(s->pfd);
	free(s);
}
