/* SPDX-License-Identifier: BSD-3-Clause */
/* Control socket client: one request line out, one reply line back. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ws_ctl.h"

/* Replies can be large (top lists of hostnames), but not without bound. */
#define REPLY_MAX (64u << 20)

int
ws_ctl_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for events until the deadline. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t left = deadline - now_ms();
	int rc;

	if (left <= 0)
		return -ETIMEDOUT;
	rc = poll(&p, 1, (int)left);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	return rc == 0 ? -ETIMEDOUT : 0;
}

static int
send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0) {
			buf += n;
			len -= n;
		}
	}
	return 0;
}

/* Read up to the first newline; *out is malloc'ed. */
static int
recv_line(int fd, char **out, size_t *out_len, int64_t deadline)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap), *p;
	ssize_t n;
	int rc;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		rc = wait_fd(fd, POLLIN, deadline);
		if (rc < 0)
			goto out_free;
		n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (n == 0) {
			rc = -ECONNRESET;
			goto out_free;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			rc = -errno;
			goto out_free;
		}
		if (memchr(buf + len, '\n', n)) {
			len += n;
			break;
		}
		len += n;
		if (len == cap) {
			rc = -EMSGSIZE;
			if (cap >= REPLY_MAX)
				goto out_free;
			p = realloc(buf, cap * 2);
			if (!p) {
				rc = -ENOMEM;
				goto out_free;
			}
			buf = p;
			cap *= 2;
		}
	}
	*out = buf;
	*out_len = (char *)memchr(buf, '\n', len) - buf;
	return 0;

out_free:
	free(buf);
	return rc;
}

json_t *
ws_ctl_call(int fd, const json_t *req, int timeout_ms, char *err, size_t err_size)
{
	int64_t deadline = now_ms() + timeout_ms;
	json_error_t jerr;
	json_t *rep = NULL;
	size_t len = 0;
	char *txt;
	int rc;

	txt = json_dumps(req, JSON_COMPACT);
	if (!txt) {
		snprintf(err, err_size, "cannot encode the request");
		return NULL;
	}
	rc = send_all(fd, txt, strlen(txt), deadline);
	if (rc == 0)
		rc = send_all(fd, "\n", 1, deadline);
	free(txt);
	if (rc == 0)
		rc = recv_line(fd, &txt, &len, deadline);
	if (rc < 0) {
		snprintf(err, err_size, "%s",
			 rc == -ETIMEDOUT ? "no reply from the daemon in time" : strerror(-rc));
		return NULL;
	}
	rep = json_loadb(txt, len, 0, &jerr);
	free(txt);
	if (!rep || !json_is_object(rep)) {
		snprintf(err, err_size, "bad reply from the daemon: %s",
			 rep ? "not an object" : jerr.text);
		json_decref(rep);
		return NULL;
	}
	return rep;
}
