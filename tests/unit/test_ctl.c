/* SPDX-License-Identifier: BSD-3-Clause */
/* Control socket: protocol, errors, hostile clients, stale sockets. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include <ws_ctl.h>

struct fixture {
	char dir[64];
	char path[128];
	struct ws_ctl_server *srv;
	pthread_t thread;
	int stop;
	int calls;
};

static int
cmd_echo(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	struct fixture *f = ctx;

	(void)err;
	(void)err_size;
	__atomic_fetch_add(&f->calls, 1, __ATOMIC_RELAXED);
	*result = json_deep_copy(req);
	return 0;
}

static int
cmd_fail(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	(void)ctx;
	(void)req;
	(void)result;
	snprintf(err, err_size, "no such thing");
	return ENOENT;
}

static const struct ws_ctl_cmd cmds[] = {
	{"echo", "return the request", cmd_echo},
	{"fail", "always fails", cmd_fail},
	{"poke", "changes state", cmd_echo, ws_ctl_changes_always},
	{NULL, NULL, NULL, NULL},
};

static void *
serve(void *arg)
{
	struct fixture *f = arg;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		ws_ctl_server_poll(f->srv, 5);
	}
	return NULL;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/wsctl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
	f->srv = ws_ctl_server_create(f->path, 0600, (gid_t)-1, cmds, f);
	assert_non_null(f->srv);
	assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	__atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
	pthread_join(f->thread, NULL);
	ws_ctl_server_destroy(f->srv);
	rmdir(f->dir);
	free(f);
	return 0;
}

static json_t *
call(struct fixture *f, json_t *req)
{
	char err[256];
	json_t *rep;
	int fd = ws_ctl_connect(f->path);

	assert_true(fd >= 0);
	rep = ws_ctl_call(fd, req, 5000, err, sizeof(err));
	if (!rep)
		fail_msg("%s", err);
	close(fd);
	json_decref(req);
	return rep;
}

/* Send raw bytes on a fresh connection and read one reply line. */
static json_t *
raw(struct fixture *f, const char *bytes, size_t len)
{
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	int fd = ws_ctl_connect(f->path);

	assert_true(fd >= 0);
	assert_int_equal(send(fd, bytes, len, MSG_NOSIGNAL), (ssize_t)len);
	while (got < sizeof(buf) - 1 && (n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0) {
		got += n;
		if (memchr(buf, '\n', got))
			break;
	}
	close(fd);
	buf[got] = '\0';
	return json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
}

static int
status_of(const json_t *rep)
{
	return (int)json_integer_value(json_object_get(rep, "status"));
}

static void
test_echo_and_help(void **state)
{
	struct fixture *f = *state;
	json_t *rep;

	rep = call(f, json_pack("{s:s, s:i}", "cmd", "echo", "n", 42));
	assert_int_equal(status_of(rep), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rep, "result"), "n")),
			 42);
	json_decref(rep);

	rep = call(f, json_pack("{s:s}", "cmd", "help"));
	assert_int_equal(status_of(rep), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "result")), 4);
	json_decref(rep);
}

static void
test_errors(void **state)
{
	struct fixture *f = *state;
	struct ws_ctl_counters c;
	json_t *rep;

	rep = call(f, json_pack("{s:s}", "cmd", "nope"));
	assert_int_equal(status_of(rep), EINVAL);
	assert_non_null(strstr(json_string_value(json_object_get(rep, "error")), "'nope'"));
	json_decref(rep);

	rep = call(f, json_pack("{s:s}", "cmd", "fail"));
	assert_int_equal(status_of(rep), ENOENT);
	assert_string_equal(json_string_value(json_object_get(rep, "error")), "no such thing");
	json_decref(rep);

	rep = call(f, json_pack("{s:i}", "command", 1));
	assert_int_equal(status_of(rep), EINVAL);
	json_decref(rep);

	rep = raw(f, "this is not json\n", 17);
	assert_int_equal(status_of(rep), EINVAL);
	assert_non_null(strstr(json_string_value(json_object_get(rep, "error")), "not JSON"));
	json_decref(rep);

	rep = raw(f, "[1,2]\n", 6);
	assert_int_equal(status_of(rep), EINVAL);
	json_decref(rep);

	ws_ctl_server_counters(f->srv, &c);
	assert_int_equal(c.bad_requests, 4);
}

static void
test_too_long(void **state)
{
	struct fixture *f = *state;
	size_t len = WS_CTL_REQ_MAX + 100;
	char *big = malloc(len);
	json_t *rep;

	memset(big, 'x', len);
	rep = raw(f, big, len);
	free(big);
	assert_non_null(rep);
	assert_int_equal(status_of(rep), EMSGSIZE);
	json_decref(rep);

	/* Still answering. */
	rep = call(f, json_pack("{s:s}", "cmd", "echo"));
	assert_int_equal(status_of(rep), 0);
	json_decref(rep);
}

static void
test_pipelined(void **state)
{
	struct fixture *f = *state;
	static const char reqs[] = "{\"cmd\":\"echo\",\"i\":1}\n{\"cmd\":\"echo\",\"i\":2}\n";
	char buf[512];
	size_t got = 0;
	ssize_t n;
	int fd = ws_ctl_connect(f->path);

	assert_true(fd >= 0);
	assert_int_equal(send(fd, reqs, sizeof(reqs) - 1, 0), (ssize_t)sizeof(reqs) - 1);
	shutdown(fd, SHUT_WR); /* replies still come after our EOF */
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd);
	assert_non_null(strstr(buf, "\"i\":1"));
	assert_non_null(strstr(buf, "\"i\":2"));
	assert_true(strstr(buf, "\"i\":1") < strstr(buf, "\"i\":2"));
}

/* Clients that stall half-way, and more clients than allowed: others are still served. */
static void
test_hostile_clients(void **state)
{
	struct fixture *f = *state;
	int fds[WS_CTL_MAX_CLIENTS + 8];
	struct ws_ctl_counters c;
	unsigned int i, n = sizeof(fds) / sizeof(fds[0]);
	json_t *rep;
	char buf[256];

	for (i = 0; i < n; i++) {
		fds[i] = ws_ctl_connect(f->path);
		assert_true(fds[i] >= 0);
		assert_int_equal(send(fds[i], "{\"cmd\":", 7, MSG_NOSIGNAL), 7);
	}
	/* The extra ones are told why and closed. */
	ssize_t got = recv(fds[n - 1], buf, sizeof(buf) - 1, 0);

	assert_true(got > 0);
	buf[got] = '\0';
	assert_non_null(strstr(buf, "too many clients"));
	ws_ctl_server_counters(f->srv, &c);
	assert_true(c.rejected >= 8);

	for (i = 0; i < n; i++)
		close(fds[i]);
	/* Slots are freed once the stalled clients go away. */
	for (i = 0; i < 100; i++) {
		json_t *req = json_pack("{s:s}", "cmd", "echo");
		int fd = ws_ctl_connect(f->path);

		assert_true(fd >= 0);
		rep = ws_ctl_call(fd, req, 5000, buf, sizeof(buf));
		json_decref(req);
		close(fd);
		if (rep && status_of(rep) == 0) {
			json_decref(rep);
			break;
		}
		json_decref(rep);
		usleep(10000);
	}
	assert_true(i < 100);
}

/* Half a request, then silence: answered with ETIMEDOUT and closed, the slot freed. */
static void
test_stalled_request(void **state)
{
	struct fixture *f = *state;
	struct ws_ctl_counters c;
	char buf[256];
	ssize_t got = 0, n;
	int fd;

	ws_ctl_server_set_stall_ms(f->srv, 200);
	fd = ws_ctl_connect(f->path);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "{\"cmd\": \"ec", 11, MSG_NOSIGNAL), 11);
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += n; /* ends at EOF: the daemon closed it */
	close(fd);
	buf[got] = '\0';
	assert_non_null(strstr(buf, "\"status\":110"));
	assert_non_null(strstr(buf, "unfinished after 200 ms"));
	ws_ctl_server_counters(f->srv, &c);
	assert_int_equal(c.stalled_clients, 1);

	/* A request that completes in time is not touched. */
	fd = ws_ctl_connect(f->path);
	assert_int_equal(send(fd, "{\"cmd\": ", 8, MSG_NOSIGNAL), 8);
	usleep(50000);
	assert_int_equal(send(fd, "\"echo\"}\n", 8, MSG_NOSIGNAL), 8);
	got = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(got > 0);
	buf[got] = '\0';
	assert_non_null(strstr(buf, "\"status\":0"));
	close(fd);
}

static void
test_socket_file(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ws_ctl_server *other;
	char stale[160];
	struct stat st;
	int fd;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* A live daemon is not replaced. */
	other = ws_ctl_server_create(f->path, 0600, (gid_t)-1, cmds, f);
	assert_null(other);
	assert_int_equal(errno, EADDRINUSE);

	/* A socket file left by a killed daemon is. */
	snprintf(stale, sizeof(stale), "%s/stale.sock", f->dir);
	strcpy(sa.sun_path, stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	other = ws_ctl_server_create(stale, 0660, (gid_t)-1, cmds, f);
	assert_non_null(other);
	assert_int_equal(stat(stale, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	ws_ctl_server_destroy(other);
	assert_int_not_equal(stat(stale, &st), 0); /* removed */

	assert_int_equal(ws_ctl_connect("/nonexistent/wirestat.sock"), -ENOENT);
}

static json_t *
request_as(struct fixture *f, const struct ws_ctl_peer *p, const char *line)
{
	json_t *rep = ws_ctl_server_request(f->srv, p, line, strlen(line));

	assert_non_null(rep);
	return rep;
}

/* State-changing commands need an administrator; reading does not. */
static void
test_rights(void **state)
{
	struct fixture *f = *state;
	const struct ws_ctl_peer user = {.pid = 1, .uid = 4242, .gid = 4242, .admin = false};
	const struct ws_ctl_peer admin = {.pid = 1, .uid = 4243, .gid = 4243, .admin = true};
	struct ws_ctl_counters c;
	json_t *rep;

	rep = request_as(f, &user, "{\"cmd\":\"poke\"}");
	assert_int_equal(status_of(rep), EPERM);
	assert_non_null(strstr(json_string_value(json_object_get(rep, "error")), "uid 4242"));
	json_decref(rep);
	rep = request_as(f, &user, "{\"cmd\":\"echo\"}");
	assert_int_equal(status_of(rep), 0);
	json_decref(rep);
	ws_ctl_server_set_admin_group(f->srv, 4300, "wsadm");
	rep = request_as(f, &user, "{\"cmd\":\"poke\"}");
	assert_int_equal(status_of(rep), EPERM);
	assert_non_null(strstr(json_string_value(json_object_get(rep, "error")), "'wsadm'"));
	json_decref(rep);
	rep = request_as(f, &admin, "{\"cmd\":\"poke\"}");
	assert_int_equal(status_of(rep), 0);
	json_decref(rep);
	ws_ctl_server_counters(f->srv, &c);
	assert_int_equal(c.denied, 2);
}

/* The daemon's own user is an administrator over the socket. */
static void
test_rights_own_user(void **state)
{
	struct fixture *f = *state;
	json_t *rep = call(f, json_pack("{s:s}", "cmd", "poke"));

	assert_int_equal(status_of(rep), 0);
	json_decref(rep);
}

/* More than WS_CTL_RATE requests at once on one connection: the excess is refused. */
static void
test_rate(void **state)
{
	struct fixture *f = *state;
	static const char req[] = "{\"cmd\":\"echo\"}\n";
	unsigned int i, n = 2 * WS_CTL_RATE, ok = 0, limited = 0, lines = 0;
	size_t len = (sizeof(req) - 1) * n, got = 0, cap = 1 << 20;
	char *out = malloc(len), *in = malloc(cap), *p;
	struct ws_ctl_counters c;
	ssize_t r;
	int fd = ws_ctl_connect(f->path);

	assert_true(fd >= 0);
	for (i = 0; i < n; i++)
		memcpy(out + i * (sizeof(req) - 1), req, sizeof(req) - 1);
	assert_int_equal(send(fd, out, len, MSG_NOSIGNAL), (ssize_t)len);
	shutdown(fd, SHUT_WR);
	while (got < cap - 1 && (r = recv(fd, in + got, cap - 1 - got, 0)) > 0)
		got += r;
	in[got] = '\0';
	close(fd);
	for (p = in; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	for (p = in; (p = strstr(p, "\"status\":0")) != NULL; p++)
		ok++;
	for (p = in; (p = strstr(p, "\"status\":11,")) != NULL; p++)
		limited++;
	free(out);
	free(in);
	assert_int_equal(lines, n);
	assert_int_equal(ok + limited, n);
	assert_true(ok >= WS_CTL_RATE);
	assert_true(limited >= 1);
	ws_ctl_server_counters(f->srv, &c);
	assert_int_equal(c.rate_limited, limited);
}

/* Silent connections holding every slot give way, the longest silent first. */
static void
test_idle_evicted(void **state)
{
	struct fixture *f = *state;
	int fds[WS_CTL_MAX_CLIENTS];
	struct ws_ctl_counters c;
	unsigned int i;
	char buf[256];
	ssize_t got;
	json_t *rep;

	for (i = 0; i < WS_CTL_MAX_CLIENTS; i++) {
		fds[i] = ws_ctl_connect(f->path);
		assert_true(fds[i] >= 0);
		usleep(1000); /* the first is the longest silent */
	}
	usleep((WS_CTL_IDLE_MS + 200) * 1000);
	rep = call(f, json_pack("{s:s}", "cmd", "echo"));
	assert_int_equal(status_of(rep), 0);
	json_decref(rep);
	got = recv(fds[0], buf, sizeof(buf) - 1, 0);
	assert_true(got > 0);
	buf[got] = '\0';
	assert_non_null(strstr(buf, "idle while every client slot was wanted"));
	ws_ctl_server_counters(f->srv, &c);
	assert_int_equal(c.evicted, 1);
	assert_int_equal(c.rejected, 0);
	for (i = 0; i < WS_CTL_MAX_CLIENTS; i++)
		close(fds[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_and_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rights_own_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_evicted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
