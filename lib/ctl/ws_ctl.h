/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Control protocol between the wirestat daemon and wirestatctl.
 *
 * A Unix stream socket carrying newline-delimited JSON: each request is one
 * JSON object on one line, answered by exactly one JSON object on one line.
 *
 *   request:  {"cmd": "top", "what": "dst", "n": 10}
 *   reply:    {"status": 0, "result": {...}}
 *             {"status": 22, "error": "unknown command 'tpo'"}
 *
 * status is 0 or a positive errno value. docs/control.md lists the commands.
 *
 * The server side never blocks: it is polled from the management lcore,
 * reads and writes only what the sockets take, and bounds every client's
 * buffers and the number of clients.
 */
#ifndef WS_CTL_H
#define WS_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/** Longest request line accepted, newline included. */
#define WS_CTL_REQ_MAX 65536
/** A client silent this long (nothing under way) may lose its slot to a new one. */
#define WS_CTL_IDLE_MS 1000
/** Replies a slow client may leave unread before it is dropped. */
#define WS_CTL_OUT_MAX (8u << 20)
/**
 * Clients connected at once. A new one takes the slot of the client silent
 * longest, if for WS_CTL_IDLE_MS; otherwise it is answered with an error
 * and closed.
 */
#define WS_CTL_MAX_CLIENTS 64
/** Descriptors ws_ctl_server_pollfds() may fill. */
#define WS_CTL_POLLFDS (WS_CTL_MAX_CLIENTS + 1)
/** A request left unfinished this long is answered with ETIMEDOUT and its client closed. */
#define WS_CTL_STALL_MS 5000
/** Requests per second one connection may make, in bursts as large; more get EAGAIN. */
#define WS_CTL_RATE 100

/**
 * A command handler: fills *result (a new reference) and returns 0, or
 * returns a positive errno value with a message in err.
 */
typedef int (*ws_ctl_handler_t)(void *ctx, const json_t *req, json_t **result, char *err,
				size_t err_size);

/** Whether a request changes the daemon's state (then only administrators may send it). */
typedef bool (*ws_ctl_changes_t)(const json_t *req);

/** One entry of the command table; the table ends with a NULL name. */
struct ws_ctl_cmd {
	const char *name;
	const char *help;
	ws_ctl_handler_t fn;
	ws_ctl_changes_t changes; /**< NULL: the command only reads */
};

/** For ws_ctl_cmd.changes: every request of the command changes state. */
bool ws_ctl_changes_always(const json_t *req);

/**
 * The process at the other end of a connection, as the kernel saw it at
 * connect(2) (SO_PEERCRED). admin: root, the daemon's own user, or a member
 * of the administrative group (primary or supplementary).
 */
struct ws_ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool admin;
};

/** Counters of the server, for the daemon's own statistics. */
struct ws_ctl_counters {
	uint64_t accepted;     /**< connections accepted */
	uint64_t rejected;     /**< refused: every slot held by a client with a request under way */
	uint64_t evicted;      /**< closed, idle longest, to make room for a new client */
	uint64_t requests;     /**< requests answered */
	uint64_t bad_requests; /**< not JSON, not an object, too long, unknown command */
	uint64_t dropped_clients; /**< closed for leaving too much unread */
	uint64_t stalled_clients; /**< closed for leaving a request unfinished */
	uint64_t too_long;	  /**< closed for a request over WS_CTL_REQ_MAX */
	uint64_t denied;	  /**< state-changing requests from a non-administrator */
	uint64_t rate_limited;	  /**< requests over WS_CTL_RATE per second, refused */
};

struct ws_ctl_server;

/**
 * Listen on path with the given mode and group (gid (gid_t)-1 keeps it).
 * A stale socket left by a killed daemon is replaced; a live one is not.
 *
 * @return the server, or NULL with errno set (EADDRINUSE: a daemon answers there)
 */
struct ws_ctl_server *ws_ctl_server_create(const char *path, mode_t mode, gid_t gid,
					   const struct ws_ctl_cmd *cmds, void *ctx);

/**
 * Handle whatever is ready, waiting at most timeout_ms (0: not at all) for
 * something to be. @return requests answered, or -errno.
 */
int ws_ctl_server_poll(struct ws_ctl_server *s, int timeout_ms);

/**
 * For a caller that polls other descriptors too: fill pfd (room for
 * WS_CTL_POLLFDS) with what the server waits for, poll, then pass the same
 * entries to ws_ctl_server_handle(). ws_ctl_server_poll() does exactly this.
 *
 * @return entries filled
 */
unsigned int ws_ctl_server_pollfds(struct ws_ctl_server *s, struct pollfd *pfd);

/** Act on the revents of the entries ws_ctl_server_pollfds() filled (n 0: none ready). */
void ws_ctl_server_handle(struct ws_ctl_server *s, const struct pollfd *pfd, unsigned int n);

/** Change how long a request may stay unfinished (tests); default WS_CTL_STALL_MS. */
void ws_ctl_server_set_stall_ms(struct ws_ctl_server *s, unsigned int ms);

/**
 * Give the members of group gid (primary or supplementary) the right to send
 * requests that change state; (gid_t)-1, the default, gives it to nobody
 * beyond root and the daemon's own user. name is for error messages.
 */
void ws_ctl_server_set_admin_group(struct ws_ctl_server *s, gid_t gid, const char *name);

/**
 * Answer one request line (without its newline) as sent by peer: parse,
 * check rights, dispatch, count. The socket reader uses it for every line;
 * fuzzing and tests call it directly.
 *
 * @return the reply object (new reference), NULL only without memory
 */
json_t *ws_ctl_server_request(struct ws_ctl_server *s, const struct ws_ctl_peer *peer,
			      const char *line, size_t len);

/** Copy the server's counters. */
void ws_ctl_server_counters(const struct ws_ctl_server *s, struct ws_ctl_counters *c);

/** Close every connection and remove the socket file. */
void ws_ctl_server_destroy(struct ws_ctl_server *s);

/** Connect to a daemon. @return a socket, or -errno (-ENOENT, -ECONNREFUSED: not running). */
int ws_ctl_connect(const char *path);

/**
 * Send a request and wait up to timeout_ms for its reply.
 *
 * @return the reply object (new reference), or NULL with err filled
 */
json_t *ws_ctl_call(int fd, const json_t *req, int timeout_ms, char *err, size_t err_size);

#endif /* WS_CTL_H */
