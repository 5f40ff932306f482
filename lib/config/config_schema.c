/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The YAML schema, as libcyaml arrays, and the default of every optional key.
 *
 * The schema is the one list of keys: libcyaml loads with it, and the libyaml walk
 * in config_yaml.c checks the document against it first (for messages with line
 * numbers). Ranges and formats are checked afterwards, in config_check.c.
 * A key added here needs a default below, a check and a line in docs/config.md.
 */
#include <stddef.h>
#include <stdio.h>

#include "config_internal.h"
#include "ws_config.h"

#define OPT CYAML_FLAG_OPTIONAL

static const cyaml_schema_value_t string_ptr = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_value_t lcore_id = {
	CYAML_VALUE_UINT(CYAML_FLAG_DEFAULT, uint32_t),
};

static const cyaml_schema_field_t eal_fields[] = {
	CYAML_FIELD_BOOL("hugepages", OPT, struct ws_config_eal, hugepages),
	CYAML_FIELD_UINT("memory_mb", OPT, struct ws_config_eal, memory_mb),
	CYAML_FIELD_STRING("file_prefix", OPT, struct ws_config_eal, file_prefix, 0),
	CYAML_FIELD_BOOL("in_memory", OPT, struct ws_config_eal, in_memory),
	CYAML_FIELD_STRING("log_level", OPT, struct ws_config_eal, log_level, 0),
	CYAML_FIELD_SEQUENCE_COUNT("extra_args", OPT | CYAML_FLAG_POINTER, struct ws_config_eal,
				   extra_args, n_extra_args, &string_ptr, 0,
				   WS_CONFIG_MAX_EXTRA_ARGS),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t port_fields[] = {
	CYAML_FIELD_STRING("name", CYAML_FLAG_DEFAULT, struct ws_config_port, name, 0),
	CYAML_FIELD_STRING_PTR("device", CYAML_FLAG_DEFAULT, struct ws_config_port, device, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_UINT("rx_queues", OPT, struct ws_config_port, rx_queues),
	CYAML_FIELD_UINT("rx_descriptors", OPT, struct ws_config_port, rx_descriptors),
	CYAML_FIELD_UINT("mtu", OPT, struct ws_config_port, mtu),
	CYAML_FIELD_BOOL("promiscuous", OPT, struct ws_config_port, promiscuous),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t port = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct ws_config_port, port_fields),
};

static const cyaml_schema_field_t lcores_fields[] = {
	CYAML_FIELD_UINT("management", OPT, struct ws_config_lcores, management),
	CYAML_FIELD_SEQUENCE_COUNT("rx", CYAML_FLAG_DEFAULT, struct ws_config_lcores, rx, n_rx,
				   &lcore_id, 1, WS_CONFIG_MAX_RX_LCORES),
	CYAML_FIELD_SEQUENCE_COUNT("cpus", OPT, struct ws_config_lcores, cpus, n_cpus, &lcore_id, 0,
				   WS_CONFIG_MAX_RX_LCORES),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t mempool_fields[] = {
	CYAML_FIELD_UINT("mbufs", OPT, struct ws_config_mempool, mbufs),
	CYAML_FIELD_UINT("cache", OPT, struct ws_config_mempool, cache),
	CYAML_FIELD_UINT("data_room", OPT, struct ws_config_mempool, data_room),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t spread_fields[] = {
	CYAML_FIELD_UINT("ring_size", OPT, struct ws_config_spread, ring_size),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t socket_fields[] = {
	CYAML_FIELD_STRING("path", OPT, struct ws_config_socket, path, 0),
	CYAML_FIELD_STRING("mode", OPT, struct ws_config_socket, mode, 0),
	CYAML_FIELD_STRING("group", OPT, struct ws_config_socket, group, 0),
	CYAML_FIELD_STRING("admin_group", OPT, struct ws_config_socket, admin_group, 0),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t analytics_fields[] = {
	CYAML_FIELD_UINT("top_capacity", OPT, struct ws_config_analytics, top_capacity),
	CYAML_FIELD_UINT("host_capacity", OPT, struct ws_config_analytics, host_capacity),
	CYAML_FIELD_UINT("top_n", OPT, struct ws_config_analytics, top_n),
	CYAML_FIELD_UINT("snapshot_ms", OPT, struct ws_config_analytics, snapshot_ms),
	CYAML_FIELD_UINT("rate_seconds", OPT, struct ws_config_analytics, rate_seconds),
	CYAML_FIELD_UINT("flow_capacity", OPT, struct ws_config_analytics, flow_capacity),
	CYAML_FIELD_UINT("flow_idle_s", OPT, struct ws_config_analytics, flow_idle_s),
	CYAML_FIELD_UINT("flow_active_s", OPT, struct ws_config_analytics, flow_active_s),
	CYAML_FIELD_UINT("tls_hello_slots", OPT, struct ws_config_analytics, tls_hello_slots),
	CYAML_FIELD_UINT("tls_hello_bytes", OPT, struct ws_config_analytics, tls_hello_bytes),
	CYAML_FIELD_UINT("tls_hello_timeout_ms", OPT, struct ws_config_analytics,
			 tls_hello_timeout_ms),
	CYAML_FIELD_UINT("dns_answers", OPT, struct ws_config_analytics, dns_answers),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t prometheus_fields[] = {
	CYAML_FIELD_STRING("listen", OPT, struct ws_config_prometheus, listen, 0),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t ipfix_fields[] = {
	CYAML_FIELD_STRING("collector", CYAML_FLAG_DEFAULT, struct ws_config_ipfix, collector, 0),
	CYAML_FIELD_STRING("transport", OPT, struct ws_config_ipfix, transport, 0),
	CYAML_FIELD_UINT("observation_domain", OPT, struct ws_config_ipfix, observation_domain),
	CYAML_FIELD_UINT("template_refresh_s", OPT, struct ws_config_ipfix, template_refresh_s),
	CYAML_FIELD_UINT("buffer_kb", OPT, struct ws_config_ipfix, buffer_kb),
	CYAML_FIELD_BOOL("host", OPT, struct ws_config_ipfix, host),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t ipfix = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct ws_config_ipfix, ipfix_fields),
};

static const cyaml_schema_field_t export_fields[] = {
	CYAML_FIELD_SEQUENCE_COUNT("ipfix", OPT, struct ws_config_export, ipfix, n_ipfix, &ipfix, 0,
				   WS_CONFIG_MAX_COLLECTORS),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t config_fields[] = {
	CYAML_FIELD_MAPPING("eal", OPT, struct ws_config, eal, eal_fields),
	CYAML_FIELD_SEQUENCE_COUNT("ports", CYAML_FLAG_DEFAULT, struct ws_config, ports, n_ports,
				   &port, 1, WS_CONFIG_MAX_PORTS),
	CYAML_FIELD_MAPPING("lcores", CYAML_FLAG_DEFAULT, struct ws_config, lcores, lcores_fields),
	CYAML_FIELD_MAPPING("mempool", OPT, struct ws_config, mempool, mempool_fields),
	CYAML_FIELD_MAPPING("spread", OPT, struct ws_config, spread, spread_fields),
	CYAML_FIELD_MAPPING("socket", OPT, struct ws_config, socket, socket_fields),
	CYAML_FIELD_MAPPING("analytics", OPT, struct ws_config, analytics, analytics_fields),
	CYAML_FIELD_MAPPING("export", OPT, struct ws_config, export, export_fields),
	CYAML_FIELD_STRING("filter", OPT, struct ws_config, filter, 0),
	CYAML_FIELD_MAPPING("prometheus", OPT, struct ws_config, prometheus, prometheus_fields),
	CYAML_FIELD_END,
};

const cyaml_schema_value_t config_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct ws_config, config_fields),
};

/* Set lvalue unless the file has the key at the printf-formatted path. */
#define DEFAULT(x, lvalue, value, ...)                                                             \
	do {                                                                                       \
		if (config_node_find(x, __VA_ARGS__) == NULL)                                      \
			(lvalue) = (value);                                                        \
	} while (0)

#define DEFAULT_STR(x, array, value, ...)                                                          \
	do {                                                                                       \
		if (config_node_find(x, __VA_ARGS__) == NULL)                                      \
			snprintf(array, sizeof(array), "%s", value);                               \
	} while (0)

static void
port_defaults_apply(const struct load_ctx *x, struct ws_config_port *p, unsigned int i)
{
	DEFAULT(x, p->rx_queues, 1, "ports[%u].rx_queues", i);
	DEFAULT(x, p->rx_descriptors, 1024, "ports[%u].rx_descriptors", i);
	DEFAULT(x, p->mtu, 1500, "ports[%u].mtu", i);
	DEFAULT(x, p->promiscuous, true, "ports[%u].promiscuous", i);
}

static void
ipfix_defaults_apply(const struct load_ctx *x, struct ws_config_ipfix *p, unsigned int i)
{
	DEFAULT_STR(x, p->transport, "udp", "export.ipfix[%u].transport", i);
	DEFAULT(x, p->observation_domain, 1, "export.ipfix[%u].observation_domain", i);
	DEFAULT(x, p->template_refresh_s, 600, "export.ipfix[%u].template_refresh_s", i);
	DEFAULT(x, p->buffer_kb, 1024, "export.ipfix[%u].buffer_kb", i);
	DEFAULT(x, p->host, true, "export.ipfix[%u].host", i);
}

void
config_defaults_apply(const struct load_ctx *x, struct ws_config *c)
{
	unsigned int i;

	DEFAULT(x, c->eal.hugepages, true, "eal.hugepages");
	DEFAULT(x, c->eal.memory_mb, 256, "eal.memory_mb");
	DEFAULT_STR(x, c->eal.file_prefix, "wirestat", "eal.file_prefix");
	DEFAULT(x, c->eal.in_memory, false, "eal.in_memory");
	DEFAULT_STR(x, c->eal.log_level, "notice", "eal.log_level");
	for (i = 0; i < c->n_ports; i++)
		port_defaults_apply(x, &c->ports[i], i);
	DEFAULT(x, c->lcores.management, 0, "lcores.management");
	DEFAULT(x, c->mempool.mbufs, 16383, "mempool.mbufs");
	DEFAULT(x, c->mempool.cache, 256, "mempool.cache");
	DEFAULT(x, c->mempool.data_room, 2176, "mempool.data_room");
	DEFAULT(x, c->spread.ring_size, 4096, "spread.ring_size");
	DEFAULT_STR(x, c->socket.path, "/run/wirestat/wirestat.sock", "socket.path");
	DEFAULT_STR(x, c->socket.mode, "0660", "socket.mode");
	DEFAULT_STR(x, c->socket.group, "", "socket.group");
	DEFAULT_STR(x, c->socket.admin_group, "", "socket.admin_group");
	DEFAULT(x, c->analytics.top_capacity, 4096, "analytics.top_capacity");
	DEFAULT(x, c->analytics.host_capacity, 1024, "analytics.host_capacity");
	DEFAULT(x, c->analytics.top_n, 10, "analytics.top_n");
	DEFAULT(x, c->analytics.snapshot_ms, 100, "analytics.snapshot_ms");
	DEFAULT(x, c->analytics.rate_seconds, 900, "analytics.rate_seconds");
	DEFAULT(x, c->analytics.flow_capacity, 1048576, "analytics.flow_capacity");
	DEFAULT(x, c->analytics.flow_idle_s, 30, "analytics.flow_idle_s");
	DEFAULT(x, c->analytics.flow_active_s, 300, "analytics.flow_active_s");
	DEFAULT(x, c->analytics.tls_hello_slots, 256, "analytics.tls_hello_slots");
	DEFAULT(x, c->analytics.tls_hello_bytes, 4096, "analytics.tls_hello_bytes");
	DEFAULT(x, c->analytics.tls_hello_timeout_ms, 2000, "analytics.tls_hello_timeout_ms");
	DEFAULT(x, c->analytics.dns_answers, 65536, "analytics.dns_answers");
	DEFAULT_STR(x, c->prometheus.listen, "127.0.0.1:9573", "prometheus.listen");
	for (i = 0; i < c->export.n_ipfix; i++)
		ipfix_defaults_apply(x, &c->export.ipfix[i], i);
}
