/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Daemon configuration: one YAML file, loaded once and frozen before lcores start.
 *
 * ws_config_load() reads the file, checks its shape against the schema, fills in
 * defaults and checks every field. The daemon must not start half-configured: on
 * any problem it returns NULL, frees everything and writes one message of the form
 *
 *     FILE:LINE: PATH: problem; what is allowed
 *
 * for example `conf/x.yaml:12: ports[1].rx_queues: 0 is out of range 1..64`.
 * YAML syntax errors read `FILE:LINE:COLUMN: YAML syntax error: ...`; a file that
 * cannot be read gives `FILE: cannot open: ...`.
 *
 * Every key, default and range is listed in docs/config.md. Plain C, no DPDK.
 */
#ifndef WS_CONFIG_H
#define WS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most ports in `ports`. */
#define WS_CONFIG_MAX_PORTS 32
/** Most lcores in `lcores.rx`. */
#define WS_CONFIG_MAX_RX_LCORES 128
/** Lcore ids must be below this. */
#define WS_CONFIG_LCORE_LIMIT 1024
/** Most entries in `eal.extra_args`. */
#define WS_CONFIG_MAX_EXTRA_ARGS 64
/** Most entries in `export.ipfix`. */
#define WS_CONFIG_MAX_COLLECTORS 8
/** A good size for the err buffer of ws_config_load(). */
#define WS_CONFIG_ERR_SIZE 512

/** EAL settings (YAML `eal`); ws_config_eal_args() turns them into arguments. */
struct ws_config_eal {
	bool hugepages;	       /**< false: `--no-huge -m memory_mb` */
	uint32_t memory_mb;    /**< MiB of ordinary memory, used only without hugepages */
	char file_prefix[33];  /**< `--file-prefix`, [A-Za-z0-9_-]{1,32} */
	bool in_memory;	       /**< `--in-memory` */
	char log_level[16];    /**< as written: emerg, alert, crit, err, warning, notice, ... */
	char **extra_args;     /**< appended verbatim after the generated arguments */
	uint32_t n_extra_args; /**< entries in extra_args */
};

/** One NIC or virtual device (YAML `ports[i]`). */
struct ws_config_port {
	char name[32];		 /**< unique, [a-z0-9_-]{1,31} */
	char *device;		 /**< PCI address (`-a`) or vdev string (`--vdev`) */
	uint32_t rx_queues;	 /**< 1..64 */
	uint32_t rx_descriptors; /**< per queue, power of two 64..16384 */
	uint32_t mtu;		 /**< 68..9600 */
	bool promiscuous;
};

/** Lcore roles (YAML `lcores`). */
struct ws_config_lcores {
	uint32_t management;		      /**< EAL main lcore */
	uint32_t rx[WS_CONFIG_MAX_RX_LCORES]; /**< RX lcores, unique, none is management */
	uint32_t n_rx;			      /**< entries in rx */
	/** CPUs all lcores share (EAL --lcores); none: lcore N runs on CPU N. */
	uint32_t cpus[WS_CONFIG_MAX_RX_LCORES];
	uint32_t n_cpus; /**< entries in cpus */
};

/** Packet buffer pool (YAML `mempool`). */
struct ws_config_mempool {
	uint32_t mbufs;	    /**< 1023..4194303 */
	uint32_t cache;	    /**< per-lcore cache, 0..512 and at most mbufs / 1.5 */
	uint32_t data_room; /**< bytes per mbuf, headroom included, 1024..65535 */
};

/** Software RSS between RX lcores (YAML `spread`). */
struct ws_config_spread {
	uint32_t ring_size; /**< SPSC ring entries, power of two 64..1048576 */
};

/** Control socket (YAML `socket`). */
struct ws_config_socket {
	char path[108];	      /**< absolute; fits sockaddr_un.sun_path */
	char mode[8];	      /**< four octal digits, e.g. "0660" */
	char group[33];	      /**< group owning the socket; "" keeps the daemon's */
	char admin_group[33]; /**< group allowed to change state; "" for none */
};

/** Aggregation on the management lcore (YAML `analytics`). */
struct ws_config_analytics {
	uint32_t top_capacity;	       /**< flows tracked for top-N, 16..1048576 */
	uint32_t host_capacity;	       /**< hosts tracked, 16..1048576 */
	uint32_t top_n;		       /**< entries reported, 1..1000 */
	uint32_t snapshot_ms;	       /**< RX lcore publish period, 10..60000 */
	uint32_t rate_seconds;	       /**< seconds of per-second traffic kept, 60..86400 */
	uint32_t flow_capacity;	       /**< flows per RX lcore, preallocated, 64..67108864 */
	uint32_t flow_idle_s;	       /**< end a flow without packets for this long, 1..86400 */
	uint32_t flow_active_s;	       /**< cut a record of a longer flow, 1..86400 */
	uint32_t tls_hello_slots;      /**< split ClientHellos reassembled at once per RX lcore */
	uint32_t tls_hello_bytes;      /**< bytes kept per ClientHello, 512..65536 */
	uint32_t tls_hello_timeout_ms; /**< a reassembly idle this long is given up, 10..60000 */
	uint32_t dns_answers;	       /**< addresses from DNS answers kept per RX lcore */
};

/** One IPFIX collector (YAML `export.ipfix[i]`); see docs/ipfix.md. */
struct ws_config_ipfix {
	char collector[128];	     /**< "host:port" or "[IPv6]:port", port 1..65535 */
	char transport[8];	     /**< "udp" or "tcp" */
	uint32_t observation_domain; /**< observation domain id */
	uint32_t template_refresh_s; /**< UDP: resend templates this often, 10..86400 */
	uint32_t buffer_kb;	     /**< TCP: KiB of messages queued, 64..65536 */
	bool host;		     /**< add the hostname element (enterprise-specific) */
};

/** Flow export (YAML `export`). */
struct ws_config_export {
	struct ws_config_ipfix ipfix[WS_CONFIG_MAX_COLLECTORS];
	uint32_t n_ipfix; /**< entries in ipfix */
};

/** Prometheus endpoint (YAML `prometheus`). */
struct ws_config_prometheus {
	char listen[64]; /**< "ADDR:PORT" to serve /metrics on; "" for none */
};

/** The whole configuration; read-only once ws_config_load() has returned it. */
struct ws_config {
	struct ws_config_eal eal;
	struct ws_config_port ports[WS_CONFIG_MAX_PORTS];
	uint32_t n_ports;
	struct ws_config_lcores lcores;
	struct ws_config_mempool mempool;
	struct ws_config_spread spread;
	struct ws_config_socket socket;
	struct ws_config_analytics analytics;
	struct ws_config_prometheus prometheus;
	struct ws_config_export export;
	char filter[1024]; /**< capture filter, tcpdump syntax; "" lets everything through */
};

/**
 * Load, complete with defaults and check a configuration file.
 *
 * @param path      YAML file.
 * @param err       Receives one message on failure ("" on success); may be NULL.
 * @param err_size  Size of err; WS_CONFIG_ERR_SIZE is enough for any message.
 * @return The configuration, to be released with ws_config_free(); NULL on error,
 *         with errno set: ENOENT and other open(2) errors, EINVAL for a syntax or
 *         shape error or a bad value, ERANGE for a number out of range, EFBIG for a
 *         file over 1 MiB, ENOMEM.
 */
struct ws_config *ws_config_load(const char *path, char *err, size_t err_size);

/**
 * ws_config_load() from bytes in memory (fuzzing, tests); name stands for the
 * file in messages. Same errors, without the open(2) ones.
 */
struct ws_config *ws_config_load_data(const char *name, const void *data, size_t len, char *err,
				      size_t err_size);

/** Release a configuration from ws_config_load(); NULL is ignored. */
void ws_config_free(struct ws_config *c);

/**
 * Build the EAL command line for rte_eal_init().
 *
 * argv[0] is "wirestat", then: `-l` (management and RX lcores, ascending),
 * `--main-lcore`, `--no-huge -m MB` when hugepages is false, `--in-memory`,
 * `--file-prefix`, `--log-level`, `--no-pci` when no port is a PCI device,
 * `-a PCI` or `--vdev VDEV` per port in order, then eal.extra_args verbatim.
 * argv[argc] is NULL. The strings live in buf.
 *
 * @param c         Loaded configuration.
 * @param argv      Receives the arguments.
 * @param max       Entries in argv, the terminating NULL included.
 * @param buf       Storage for the argument strings.
 * @param buf_size  Size of buf.
 * @return argc, or -EINVAL for a NULL argument, -ENOSPC if argv or buf is too small.
 */
int ws_config_eal_args(const struct ws_config *c, char **argv, int max, char *buf, size_t buf_size);

#endif /* WS_CONFIG_H */
