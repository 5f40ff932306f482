/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Prometheus metrics: a writer for the text exposition format 0.0.4 and a
 * small HTTP/1.1 server that serves it at GET /metrics. Plain C, no DPDK.
 *
 * The writer keeps every sample of a metric family together, as the format
 * requires, and checks names: a bad name, a counter not ending in _total or a
 * family written twice makes ws_prom_writer_error() non-zero, so a renderer
 * with a mistake is caught by its unit test rather than by a scraper.
 *
 * The server never blocks: the management lcore polls its descriptors with
 * its own (ws_prom_server_pollfds/_handle). It answers one request per
 * connection and closes it; clients, request size, time to send a request
 * and reply size are bounded, and every refusal is counted.
 */
#ifndef WS_PROM_H
#define WS_PROM_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Largest response body; a renderer that writes more gets ENOBUFS (HTTP 500). */
#define WS_PROM_BODY_MAX (4u << 20)
/** Longest request head (request line and headers) accepted. */
#define WS_PROM_REQ_MAX 8192
/** Connections served at once; more are answered 503 and closed. */
#define WS_PROM_MAX_CLIENTS 16
/** A connection that has not sent its whole request head, or read its reply, within this. */
#define WS_PROM_TIMEOUT_MS 5000
/** Descriptors ws_prom_server_pollfds() may fill. */
#define WS_PROM_POLLFDS (WS_PROM_MAX_CLIENTS + 1)

enum ws_prom_type { WS_PROM_COUNTER, WS_PROM_GAUGE };

/** One label of a sample; values are escaped by the writer. */
struct ws_prom_label {
	const char *name;
	const char *value;
};

/** An exposition being written: a growable buffer with a sticky error. */
struct ws_prom_writer {
	char *buf;
	size_t len, cap, max;
	int err;	     /**< first error (-ENOBUFS, -EINVAL, -ENOMEM), 0: none */
	char family[128];    /**< the family samples are written to */
	unsigned int n_done; /**< families finished, for the duplicate check */
	uint32_t done[256];  /**< hashes of the families written */
	char err_msg[160];   /**< what was wrong, for the test or the log */
};

/** Start an empty exposition of at most max bytes. */
void ws_prom_writer_init(struct ws_prom_writer *w, size_t max);

/** Free the buffer. */
void ws_prom_writer_free(struct ws_prom_writer *w);

/** Empty it for the next exposition (keeps the buffer). */
void ws_prom_writer_reset(struct ws_prom_writer *w);

/**
 * Begin a metric family: its HELP and TYPE lines. Counters must end in
 * `_total`; names are [a-zA-Z_:][a-zA-Z0-9_:]*.
 */
void ws_prom_family(struct ws_prom_writer *w, const char *name, enum ws_prom_type type,
		    const char *help);

/** One sample of the current family with n labels (names [a-zA-Z_][a-zA-Z0-9_]*). */
void ws_prom_sample(struct ws_prom_writer *w, const struct ws_prom_label *labels, unsigned int n,
		    uint64_t value);

/** Same, with a value that is not an integer (ratios, seconds). */
void ws_prom_sample_f(struct ws_prom_writer *w, const struct ws_prom_label *labels, unsigned int n,
		      double value);

/** @return 0, or the first error (-errno) with its message in w->err_msg. */
int ws_prom_writer_error(const struct ws_prom_writer *w);

/**
 * Fills a writer with the whole exposition, on each scrape.
 * @return 0, or -errno (the scrape gets 500).
 */
typedef int (*ws_prom_render_t)(void *ctx, struct ws_prom_writer *w);

/** Counters of the server, for its own metrics. */
struct ws_prom_counters {
	uint64_t accepted;    /**< connections accepted */
	uint64_t rejected;    /**< turned away with 503: too many connections */
	uint64_t scrapes;     /**< GET/HEAD /metrics answered 200 */
	uint64_t bad_request; /**< 400: not an HTTP/1.x request */
	uint64_t not_found;   /**< 404: another path */
	uint64_t bad_method;  /**< 405: not GET or HEAD */
	uint64_t too_large;   /**< 431: request head over WS_PROM_REQ_MAX */
	uint64_t timed_out;   /**< 408 or closed: request or reply not through in time */
	uint64_t failed;      /**< 500: the renderer failed */
};

struct ws_prom_server;

/**
 * Listen on addr ("127.0.0.1:9573", "[::1]:9573"; port 0: any free port).
 * @return the server, or NULL with errno set (EINVAL: a bad address)
 */
struct ws_prom_server *ws_prom_server_create(const char *addr, ws_prom_render_t render, void *ctx);

/** The address listened on, with the port the kernel chose for port 0. */
const char *ws_prom_server_addr(const struct ws_prom_server *s);

/**
 * Fill pfd (room for WS_PROM_POLLFDS) with what the server waits for.
 * @return entries filled
 */
unsigned int ws_prom_server_pollfds(struct ws_prom_server *s, struct pollfd *pfd);

/** Act on the revents of the entries ws_prom_server_pollfds() filled; closes timed-out ones. */
void ws_prom_server_handle(struct ws_prom_server *s, const struct pollfd *pfd, unsigned int n);

/** Change WS_PROM_TIMEOUT_MS (tests). */
void ws_prom_server_set_timeout_ms(struct ws_prom_server *s, unsigned int ms);

/** Copy the counters. */
void ws_prom_server_counters(const struct ws_prom_server *s, struct ws_prom_counters *c);

/** Close every connection and the listener. */
void ws_prom_server_destroy(struct ws_prom_server *s);

/**
 * Split "ADDR:PORT" ("127.0.0.1:9573", "[::1]:0") into a socket address.
 * @return 0, or -EINVAL with a reason in err
 */
int ws_prom_parse_addr(const char *s, struct sockaddr_storage *sa, char *err, size_t err_size);

#endif /* WS_PROM_H */
