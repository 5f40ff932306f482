/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPFIX export of flow records (RFC 7011), as biflows (RFC 5103).
 *
 * Plain C, no DPDK: runs on the management lcore. Two layers:
 *
 * - the encoder (struct ws_ipfix_msg) writes one message into a caller's
 *   buffer: header, template set, data sets of IPv4 and IPv6 records;
 * - the exporter (struct ws_ipfix_exporter) sends messages to one collector
 *   over UDP or TCP. It never blocks: its socket is non-blocking, TCP output
 *   waits in a fixed buffer, and what does not fit is dropped and counted.
 *
 * A record's source is the flow's initiator (struct ws_flow's initiator), so
 * the forward counters are the client's and the reverse ones (PEN 29305) the
 * server's. Templates and element ids: docs/ipfix.md.
 */
#ifndef WS_IPFIX_H
#define WS_IPFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ws_flow.h>

#define WS_IPFIX_VERSION 10
#define WS_IPFIX_HDR_LEN 16
#define WS_IPFIX_SET_HDR_LEN 4
/** Largest message: the header's length field is 16 bits. */
#define WS_IPFIX_MSG_MAX 65535
/** Set ids (RFC 7011, 3.3.2) and our template ids. */
#define WS_IPFIX_SET_TEMPLATE 2
#define WS_IPFIX_TEMPLATE_V4 256
#define WS_IPFIX_TEMPLATE_V6 257
/** Reverse Information Element PEN (RFC 5103, 6.1). */
#define WS_IPFIX_PEN_REVERSE 29305
/**
 * Enterprise number of wirestat's own element (the flow's hostname): 32473,
 * which IANA reserves for documentation (RFC 5612). Private: not registered
 * for wirestat; collectors skip it unless told.
 */
#define WS_IPFIX_PEN_WIRESTAT 32473
/** Its element id: clear of the ids IANA assigns, which nfdump 1.7 would take it for. */
#define WS_IPFIX_IE_HOST 1000
/** Element length meaning "variable" (RFC 7011, 7). */
#define WS_IPFIX_VARLEN 65535

/** One message being written. */
struct ws_ipfix_msg {
	uint8_t *buf;
	uint32_t cap;	  /**< bytes of buf, at most WS_IPFIX_MSG_MAX */
	uint32_t len;	  /**< bytes written, header included */
	uint32_t set_off; /**< offset of the open set's header, 0: none */
	uint16_t set_id;  /**< id of the open set */
	bool host;	  /**< templates and records carry the hostname element */
	uint32_t records; /**< data records written */
};

/**
 * Start a message in buf (the header is written by ws_ipfix_msg_finish()).
 *
 * @param cap  bytes of buf; at least WS_IPFIX_HDR_LEN, at most WS_IPFIX_MSG_MAX is used.
 * @param host  use the templates with the hostname element.
 */
void ws_ipfix_msg_init(struct ws_ipfix_msg *m, uint8_t *buf, uint32_t cap, bool host);

/** Add a template set with the IPv4 and IPv6 templates. @return 0, or -ENOSPC. */
int ws_ipfix_msg_add_templates(struct ws_ipfix_msg *m);

/**
 * Add one data record; a record of the other IP version opens a new set.
 *
 * @return 0, -ENOSPC if it does not fit (the message is unchanged), or
 *         -EINVAL for a flow that is neither IPv4 nor IPv6.
 */
int ws_ipfix_msg_add_flow(struct ws_ipfix_msg *m, const struct ws_flow *f);

/**
 * Close the open set and write the header.
 *
 * @param export_s  export time, seconds since the epoch.
 * @param seq       data records sent in this observation domain before this message.
 * @return the message length.
 */
uint32_t ws_ipfix_msg_finish(struct ws_ipfix_msg *m, uint32_t export_s, uint32_t seq,
			     uint32_t domain);

/** @return bytes of the data record of f, with its set header if a new set opens. */
uint32_t ws_ipfix_record_len(const struct ws_flow *f, bool host);

enum ws_ipfix_transport {
	WS_IPFIX_UDP,
	WS_IPFIX_TCP,
};

/** Largest message sent over UDP: fits an Ethernet MTU with IPv6 and UDP headers. */
#define WS_IPFIX_UDP_MSG 1400
/** Largest message sent over TCP. */
#define WS_IPFIX_TCP_MSG 8192
/** A message with records is sent at most this long after its first record. */
#define WS_IPFIX_FLUSH_NS 1000000000ull

/** One collector. */
struct ws_ipfix_conf {
	const char *collector; /**< "host:port", "[v6addr]:port"; names resolved at create */
	enum ws_ipfix_transport transport;
	uint32_t domain;	     /**< observation domain id */
	uint32_t template_refresh_s; /**< UDP: resend templates this often; 0: 600 */
	uint32_t buffer_size;	     /**< TCP: bytes of messages queued; 0: 1 MiB */
	bool host;		     /**< export the hostname element */
};

/** What the exporter did since create. */
struct ws_ipfix_counters {
	uint64_t messages;	   /**< messages sent whole */
	uint64_t records;	   /**< data records in them */
	uint64_t bytes;		   /**< bytes of them */
	uint64_t templates;	   /**< template sets sent */
	uint64_t messages_dropped; /**< messages lost: send error, buffer full, connection lost */
	uint64_t records_dropped;  /**< data records in them */
	uint64_t send_errors;	   /**< failed sends (UDP) and lost connections (TCP) */
	uint64_t connects;	   /**< TCP connections made */
	uint64_t connect_failures; /**< TCP connection attempts that failed */
	uint64_t queued;	   /**< TCP: bytes waiting now */
	bool connected;		   /**< UDP: always; TCP: a connection is up */
};

struct ws_ipfix_exporter;

/**
 * Resolve the collector, allocate the buffers, open the UDP socket. A TCP
 * connection is started by the first ws_ipfix_exporter_poll() and made in
 * the background.
 *
 * @return the exporter, or NULL with a message in err.
 */
struct ws_ipfix_exporter *ws_ipfix_exporter_create(const struct ws_ipfix_conf *c, char *err,
						   size_t err_size);

/** Close; a message still open or queued is lost. NULL is ignored. */
void ws_ipfix_exporter_destroy(struct ws_ipfix_exporter *e);

/** Add a record; a full message is sent (or queued) at once. now_ns: CLOCK_MONOTONIC. */
void ws_ipfix_exporter_add(struct ws_ipfix_exporter *e, const struct ws_flow *f, uint64_t now_ns);

/** Timers: send a message a second old, (re)connect, send what is queued. Never blocks. */
void ws_ipfix_exporter_poll(struct ws_ipfix_exporter *e, uint64_t now_ns);

/** Send the open message now, whatever its age. */
void ws_ipfix_exporter_flush(struct ws_ipfix_exporter *e, uint64_t now_ns);

/**
 * Flush, then wait up to timeout_ms for TCP output to leave (and for a TCP
 * connection still being made). For shutdown.
 *
 * @return 0 when nothing is left, -ETIMEDOUT otherwise.
 */
int ws_ipfix_exporter_drain(struct ws_ipfix_exporter *e, unsigned int timeout_ms);

void ws_ipfix_exporter_counters(const struct ws_ipfix_exporter *e, struct ws_ipfix_counters *c);

/**
 * Parse "host:port" or "[v6addr]:port" (port 1..65535, host not empty).
 *
 * @return 0, or -EINVAL.
 */
int ws_ipfix_parse_collector(const char *s, char *host, size_t host_size, uint16_t *port);

#endif /* WS_IPFIX_H */
