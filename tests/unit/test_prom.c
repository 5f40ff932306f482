/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus writer (format, escaping, name rules) and its HTTP server (routes, limits). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <ws_prom.h>

static void
test_writer_format(void **state)
{
	struct ws_prom_writer w;
	const struct ws_prom_label l[] = {{"port", "up\"link\\1\n"}, {"lcore", "2"}};

	(void)state;
	ws_prom_writer_init(&w, 1 << 20);
	ws_prom_family(&w, "wirestat_packets_total", WS_PROM_COUNTER, "Packets\\seen\nhere.");
	ws_prom_sample(&w, NULL, 0, 18446744073709551615ull);
	ws_prom_family(&w, "wirestat_busy_ratio", WS_PROM_GAUGE, "Busy.");
	ws_prom_sample(&w, l, 2, 7);
	ws_prom_sample_f(&w, l + 1, 1, 0.25);
	assert_int_equal(ws_prom_writer_error(&w), 0);
	assert_true(w.len < w.cap);
	w.buf[w.len] = '\0';
	assert_string_equal(w.buf,
			    "# HELP wirestat_packets_total Packets\\\\seen\\nhere.\n"
			    "# TYPE wirestat_packets_total counter\n"
			    "wirestat_packets_total 18446744073709551615\n"
			    "# HELP wirestat_busy_ratio Busy.\n"
			    "# TYPE wirestat_busy_ratio gauge\n"
			    "wirestat_busy_ratio{port=\"up\\\"link\\\\1\\n\",lcore=\"2\"} 7\n"
			    "wirestat_busy_ratio{lcore=\"2\"} 0.25\n");
	ws_prom_writer_free(&w);
}

static void
expect_error(void (*write)(struct ws_prom_writer *), const char *msg)
{
	struct ws_prom_writer w;

	ws_prom_writer_init(&w, 1 << 20);
	write(&w);
	assert_int_equal(ws_prom_writer_error(&w), -EINVAL);
	assert_non_null(strstr(w.err_msg, msg));
	ws_prom_writer_free(&w);
}

static void
bad_counter(struct ws_prom_writer *w)
{
	ws_prom_family(w, "wirestat_packets", WS_PROM_COUNTER, "x");
}

static void
bad_name(struct ws_prom_writer *w)
{
	ws_prom_family(w, "2wirestat-x", WS_PROM_GAUGE, "x");
}

static void
twice(struct ws_prom_writer *w)
{
	ws_prom_family(w, "a_total", WS_PROM_COUNTER, "x");
	ws_prom_family(w, "b", WS_PROM_GAUGE, "x");
	ws_prom_family(w, "a_total", WS_PROM_COUNTER, "x");
}

static void
bad_label(struct ws_prom_writer *w)
{
	const struct ws_prom_label l = {"port-name", "x"};

	ws_prom_family(w, "a", WS_PROM_GAUGE, "x");
	ws_prom_sample(w, &l, 1, 1);
}

static void
reserved_label(struct ws_prom_writer *w)
{
	const struct ws_prom_label l = {"__name__", "x"};

	ws_prom_family(w, "a", WS_PROM_GAUGE, "x");
	ws_prom_sample(w, &l, 1, 1);
}

static void
orphan(struct ws_prom_writer *w)
{
	ws_prom_sample(w, NULL, 0, 1);
}

static void
test_writer_errors(void **state)
{
	struct ws_prom_writer w;
	int i;

	(void)state;
	expect_error(bad_counter, "does not end in _total");
	expect_error(bad_name, "not a metric name");
	expect_error(twice, "written twice");
	expect_error(bad_label, "not a label name");
	expect_error(reserved_label, "not a label name");
	expect_error(orphan, "before any family");
	/* Bounded: past max the exposition fails with ENOBUFS instead of growing. */
	ws_prom_writer_init(&w, 1000);
	ws_prom_family(&w, "a", WS_PROM_GAUGE, "x");
	for (i = 0; i < 200; i++)
		ws_prom_sample(&w, NULL, 0, i);
	assert_int_equal(ws_prom_writer_error(&w), -ENOBUFS);
	assert_true(w.len <= 1000);
	ws_prom_writer_reset(&w);
	ws_prom_family(&w, "a", WS_PROM_GAUGE, "x");
	assert_int_equal(ws_prom_writer_error(&w), 0);
	ws_prom_writer_free(&w);
}

static void
test_parse_addr(void **state)
{
	static const char *const good[] = {"127.0.0.1:9573", "0.0.0.0:0", "[::1]:9573",
					   "[::]:65535"};
	static const char *const bad[] = {"127.0.0.1",	  "localhost:9573", "127.0.0.1:65536",
					  "127.0.0.1:",	  ":9573",	    "::1:9573",
					  "127.0.0.1:-1", "[::1:9573",	    "1.2.3.4:95x3"};
	struct sockaddr_storage sa;
	char err[200];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(ws_prom_parse_addr(good[i], &sa, err, sizeof(err)), 0);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&sa)->sin6_port), 65535);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ws_prom_parse_addr(bad[i], &sa, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, bad[i]));
	}
}

/* ---- the HTTP server, polled by a thread as the management lcore polls it ---- */

struct fixture {
	struct ws_prom_server *srv;
	pthread_t thread;
	int stop;
	int fail_render;
	int port;
};

static int
render(void *ctx, struct ws_prom_writer *w)
{
	struct fixture *f = ctx;

	if (__atomic_load_n(&f->fail_render, __ATOMIC_RELAXED))
		return -EIO;
	ws_prom_family(w, "test_scrapes_total", WS_PROM_COUNTER, "Scrapes.");
	ws_prom_sample(w, NULL, 0, 1);
	return 0;
}

static void *
serve(void *arg)
{
	struct fixture *f = arg;
	struct pollfd pfd[WS_PROM_POLLFDS];
	unsigned int n;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		n = ws_prom_server_pollfds(f->srv, pfd);
		if (poll(pfd, n, 5) <= 0)
			n = 0;
		ws_prom_server_handle(f->srv, pfd, n);
	}
	return NULL;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *addr;

	f->srv = ws_prom_server_create("127.0.0.1:0", render, f);
	assert_non_null(f->srv);
	addr = ws_prom_server_addr(f->srv);
	assert_true(strncmp(addr, "127.0.0.1:", 10) == 0);
	f->port = atoi(addr + 10);
	assert_true(f->port > 0);
	ws_prom_server_set_timeout_ms(f->srv, 300);
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
	ws_prom_server_destroy(f->srv);
	free(f);
	return 0;
}

static int
connect_to(const struct fixture *f)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(f->port)};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Send req (len bytes), read until the server closes; the reply in out. */
static void
exchange(const struct fixture *f, const char *req, size_t len, char *out, size_t size)
{
	int fd = connect_to(f);
	size_t got = 0;
	ssize_t n;

	if (len)
		assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	while (got + 1 < size && (n = recv(fd, out + got, size - 1 - got, 0)) > 0)
		got += n;
	out[got] = '\0';
	close(fd);
}

static void
get_counters(struct fixture *f, struct ws_prom_counters *c)
{
	usleep(20000); /* the server thread has counted what it answered */
	ws_prom_server_counters(f->srv, c);
}

static void
test_http_routes(void **state)
{
	struct fixture *f = *state;
	struct ws_prom_counters c;
	char out[4096];

	exchange(f, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 34, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(out, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(out, "Content-Length: "));
	assert_int_equal(atoi(strstr(out, "Content-Length: ") + 16),
			 strlen(strstr(out, "\r\n\r\n") + 4));
	assert_non_null(strstr(out, "\r\n\r\n# HELP test_scrapes_total Scrapes.\n"));
	exchange(f, "GET /metrics?x=1 HTTP/1.0\n\n", 27, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
	exchange(f, "HEAD /metrics HTTP/1.1\r\n\r\n", 26, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_true(strstr(out, "\r\n\r\n")[4] == '\0'); /* headers only */
	exchange(f, "GET / HTTP/1.1\r\n\r\n", 18, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
	exchange(f, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 45, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0);
	assert_non_null(strstr(out, "Allow: GET, HEAD\r\n"));
	exchange(f, "hello there\r\n\r\n", 15, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
	exchange(f, "GET /metrics HTTP/2.0\r\n\r\n", 25, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 400 ", 13) == 0);
	exchange(f, "GET /metrics\0 HTTP/1.1\r\n\r\n", 26, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 400 ", 13) == 0);
	__atomic_store_n(&f->fail_render, 1, __ATOMIC_RELAXED);
	exchange(f, "GET /metrics HTTP/1.1\r\n\r\n", 25, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 500 ", 13) == 0);
	get_counters(f, &c);
	assert_int_equal(c.scrapes, 3);
	assert_int_equal(c.not_found, 1);
	assert_int_equal(c.bad_method, 1);
	assert_int_equal(c.bad_request, 3);
	assert_int_equal(c.failed, 1);
	assert_int_equal(c.accepted, 9);
}

static void
test_http_limits(void **state)
{
	struct fixture *f = *state;
	struct ws_prom_counters c;
	int fds[WS_PROM_MAX_CLIENTS], i;
	char *big = malloc(WS_PROM_REQ_MAX + 100), out[4096];

	/* A request head over the limit: 431. */
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	memset(big + 26, 'a', WS_PROM_REQ_MAX + 74);
	exchange(f, big, WS_PROM_REQ_MAX, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 431 ", 13) == 0);
	free(big);
	/* Half a request, then silence: 408 after the timeout. */
	exchange(f, "GET /metr", 9, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 408 ", 13) == 0);
	/* Every slot held by a silent client: the next is told 503 at once. */
	for (i = 0; i < WS_PROM_MAX_CLIENTS; i++)
		fds[i] = connect_to(f);
	usleep(50000);
	exchange(f, "GET /metrics HTTP/1.1\r\n\r\n", 25, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 503 ", 13) == 0);
	for (i = 0; i < WS_PROM_MAX_CLIENTS; i++)
		close(fds[i]);
	usleep(50000);
	exchange(f, "GET /metrics HTTP/1.1\r\n\r\n", 25, out, sizeof(out));
	assert_true(strncmp(out, "HTTP/1.1 200 ", 13) == 0);
	get_counters(f, &c);
	assert_int_equal(c.too_large, 1);
	assert_int_equal(c.timed_out, 1);
	assert_int_equal(c.rejected, 1);
	assert_int_equal(c.scrapes, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_format),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test_setup_teardown(test_http_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
