/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One check per field, after defaults are applied. Each returns 0, or -EINVAL /
 * -ERANGE with a message that names the YAML path, the value and what is allowed.
 * Numbers with a plain range are rows of the tables below.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ws_prom.h>

#include "config_internal.h"
#include "ws_config.h"

struct range {
	const char *path; /* for port fields, the key under ports[i] */
	size_t offset;	  /* of the uint32_t in struct ws_config or ws_config_port */
	uint32_t lo;
	uint32_t hi;
	bool pow2;
};

/* clang-format off */
#define TOP(path, member, lo, hi, pow2) {path, offsetof(struct ws_config, member), lo, hi, pow2}
#define PORT(key, lo, hi, pow2) {#key, offsetof(struct ws_config_port, key), lo, hi, pow2}
/* clang-format on */

static const struct range top_ranges[] = {
	TOP("eal.memory_mb", eal.memory_mb, 64, 1048576, false),
	TOP("lcores.management", lcores.management, 0, WS_CONFIG_LCORE_LIMIT - 1, false),
	TOP("mempool.mbufs", mempool.mbufs, 1023, 4194303, false),
	TOP("mempool.cache", mempool.cache, 0, 512, false),
	TOP("mempool.data_room", mempool.data_room, 1024, 65535, false),
	TOP("spread.ring_size", spread.ring_size, 64, 1048576, true),
	TOP("analytics.top_capacity", analytics.top_capacity, 16, 1048576, false),
	TOP("analytics.host_capacity", analytics.host_capacity, 16, 1048576, false),
	TOP("analytics.top_n", analytics.top_n, 1, 1000, false),
	TOP("analytics.snapshot_ms", analytics.snapshot_ms, 10, 60000, false),
	TOP("analytics.rate_seconds", analytics.rate_seconds, 60, 86400, false),
	TOP("analytics.flow_capacity", analytics.flow_capacity, 64, 67108864, false),
	TOP("analytics.flow_idle_s", analytics.flow_idle_s, 1, 86400, false),
	TOP("analytics.flow_active_s", analytics.flow_active_s, 1, 86400, false),
	TOP("analytics.tls_hello_slots", analytics.tls_hello_slots, 1, 1048576, false),
	TOP("analytics.tls_hello_bytes", analytics.tls_hello_bytes, 512, 65536, false),
	TOP("analytics.tls_hello_timeout_ms", analytics.tls_hello_timeout_ms, 10, 60000, false),
	TOP("analytics.dns_answers", analytics.dns_answers, 16, 16777216, false),
};

static const struct range port_ranges[] = {
	PORT(rx_queues, 1, 64, false),
	PORT(rx_descriptors, 64, 16384, true),
	PORT(mtu, 68, 9600, false),
};

/* Log levels as syslog names them, and as DPDK's --log-level spells them. */
static const char *const log_levels[][2] = {
	{"emerg", "emergency"}, {"alert", "alert"},   {"crit", "critical"}, {"err", "error"},
	{"warning", "warning"}, {"notice", "notice"}, {"info", "info"},	    {"debug", "debug"},
};

static int
check_range(struct load_ctx *x, const char *path, const struct range *r, const void *base)
{
	uint32_t v;

	memcpy(&v, (const char *)base + r->offset, sizeof(v));
	if (r->pow2 && (v & (v - 1)) == 0 && v >= r->lo && v <= r->hi)
		return 0;
	if (r->pow2)
		return config_fail(x, v >= r->lo && v <= r->hi ? -EINVAL : -ERANGE, path,
				   "%u is not a power of two in %u..%u", v, r->lo, r->hi);
	if (v < r->lo || v > r->hi)
		return config_fail(x, -ERANGE, path, "%u is out of range %u..%u", v, r->lo, r->hi);
	return 0;
}

#define PORT_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"
#define PREFIX_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ" PORT_CHARS
#define GROUP_CHARS PREFIX_CHARS "."

/* 1..max characters, all from set. */
static bool
is_word(const char *s, const char *set, size_t max)
{
	size_t n = strspn(s, set);

	return s[n] == '\0' && n >= 1 && n <= max;
}

const char *
config_log_level_dpdk(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcmp(name, log_levels[i][0]) == 0 || strcmp(name, log_levels[i][1]) == 0)
			return log_levels[i][1];
	return NULL;
}

static int
check_eal(struct load_ctx *x, const struct ws_config_eal *e)
{
	uint32_t i;

	if (!is_word(e->file_prefix, PREFIX_CHARS, 32))
		return config_fail(x, -EINVAL, "eal.file_prefix",
				   "'%s' is not a valid file prefix; allowed: 1..32 characters "
				   "from A-Z a-z 0-9 _ -",
				   e->file_prefix);
	if (e->in_memory && !e->hugepages)
		return config_fail(x, -EINVAL, "eal.in_memory",
				   "true needs hugepages (DPDK cannot keep --no-huge memory "
				   "without files); set eal.hugepages: true or in_memory: false");
	if (config_log_level_dpdk(e->log_level) == NULL)
		return config_fail(x, -EINVAL, "eal.log_level",
				   "'%s' is not a log level; allowed: emerg, alert, crit, err, "
				   "warning, notice, info, debug",
				   e->log_level);
	for (i = 0; i < e->n_extra_args; i++) {
		char path[CONFIG_PATH_MAX];

		snprintf(path, sizeof(path), "eal.extra_args[%u]", i);
		if (e->extra_args[i][0] == '\0')
			return config_fail(x, -EINVAL, path,
					   "an empty argument; give EAL options such as "
					   "'--socket-mem'");
	}
	return 0;
}

static size_t
hex_run(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			break;
	return i;
}

/* DDDD:BB:DD.F or BB:DD.F, device 00..1f, function 0..7; returns its length or 0. */
static size_t
pci_len(const char *s)
{
	size_t n = 0;

	if (hex_run(s, 5) == 4 && s[4] == ':')
		n = 5;
	if (hex_run(s + n, 3) != 2 || s[n + 2] != ':' || hex_run(s + n + 3, 3) != 2 ||
	    s[n + 3] > '1' || s[n + 5] != '.' || s[n + 6] < '0' || s[n + 6] > '7')
		return 0;
	return n + 7;
}

/* net_ followed by letters, digits and '_'; returns its length or 0. */
static size_t
vdev_len(const char *s)
{
	size_t i;

	if (strncmp(s, "net_", 4) != 0)
		return 0;
	for (i = 4; (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
	     i++)
		;
	return i > 4 ? i : 0;
}

/* Device arguments after the name: ",k=v[,k=v...]", no empty item, no control byte. */
static bool
devargs_ok(const char *s)
{
	if (s[0] == '\0')
		return true;
	if (s[0] != ',')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f ||
		    (s[0] == ',' && (s[1] == ',' || s[1] == '\0')))
			return false;
	return true;
}

enum config_dev_kind
config_device_kind(const char *dev)
{
	size_t n = pci_len(dev);

	if (n > 0)
		return devargs_ok(dev + n) ? CONFIG_DEV_PCI : CONFIG_DEV_BAD;
	n = vdev_len(dev);
	if (n > 0)
		return devargs_ok(dev + n) ? CONFIG_DEV_VDEV : CONFIG_DEV_BAD;
	return CONFIG_DEV_BAD;
}

/* The name EAL will give the device: the PCI address in long form, or the vdev name. */
static void
device_id(const char *dev, char *id, size_t size)
{
	unsigned int dom = 0, bus, slot, fn;

	if (config_device_kind(dev) == CONFIG_DEV_VDEV) {
		snprintf(id, size, "%.*s", (int)vdev_len(dev), dev);
		return;
	}
	if (dev[4] == ':')
		sscanf(dev, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
	else
		sscanf(dev, "%x:%x.%x", &bus, &slot, &fn);
	snprintf(id, size, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
}

static int
check_port(struct load_ctx *x, const struct ws_config *c, uint32_t i)
{
	const struct ws_config_port *p = &c->ports[i];
	char path[CONFIG_PATH_MAX], a[96], b[96];
	uint32_t j;
	int rc;

	snprintf(path, sizeof(path), "ports[%u].name", i);
	if (!is_word(p->name, PORT_CHARS, 31))
		return config_fail(x, -EINVAL, path,
				   "'%s' is not a valid port name; allowed: 1..31 characters from "
				   "a-z 0-9 _ -",
				   p->name);
	for (j = 0; j < i; j++)
		if (strcmp(c->ports[j].name, p->name) == 0)
			return config_fail(x, -EINVAL, path,
					   "'%s' is already the name of ports[%u] (line %u); port "
					   "names must be unique",
					   p->name, j,
					   config_node_find(x, "ports[%u].name", j)->line);
	snprintf(path, sizeof(path), "ports[%u].device", i);
	if (config_device_kind(p->device) == CONFIG_DEV_BAD)
		return config_fail(x, -EINVAL, path,
				   "'%s' is neither a PCI address (0000:3b:00.0) nor a virtual "
				   "device (net_pcap0,rx_pcap=/x.pcap)",
				   p->device);
	device_id(p->device, a, sizeof(a));
	for (j = 0; j < i; j++) {
		device_id(c->ports[j].device, b, sizeof(b));
		if (strcmp(a, b) == 0)
			return config_fail(x, -EINVAL, path,
					   "'%s' is already the device of ports[%u] (line %u); "
					   "each device can be one port only",
					   p->device, j,
					   config_node_find(x, "ports[%u].device", j)->line);
	}
	for (j = 0; j < sizeof(port_ranges) / sizeof(port_ranges[0]); j++) {
		snprintf(path, sizeof(path), "ports[%u].%s", i, port_ranges[j].path);
		rc = check_range(x, path, &port_ranges[j], p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
check_lcores(struct load_ctx *x, const struct ws_config_lcores *l)
{
	char path[CONFIG_PATH_MAX];
	uint32_t i, j;

	for (i = 0; i < l->n_cpus; i++) {
		snprintf(path, sizeof(path), "lcores.cpus[%u]", i);
		if (l->cpus[i] >= WS_CONFIG_LCORE_LIMIT)
			return config_fail(x, -ERANGE, path, "%u is out of range 0..%u", l->cpus[i],
					   WS_CONFIG_LCORE_LIMIT - 1);
	}
	for (i = 0; i < l->n_rx; i++) {
		snprintf(path, sizeof(path), "lcores.rx[%u]", i);
		if (l->rx[i] >= WS_CONFIG_LCORE_LIMIT)
			return config_fail(x, -ERANGE, path, "%u is out of range 0..%u", l->rx[i],
					   WS_CONFIG_LCORE_LIMIT - 1);
		if (l->rx[i] == l->management)
			return config_fail(x, -EINVAL, path,
					   "lcore %u is the management lcore (lcores.management); "
					   "RX lcores must be other lcores",
					   l->rx[i]);
		for (j = 0; j < i; j++)
			if (l->rx[j] == l->rx[i])
				return config_fail(x, -EINVAL, path,
						   "lcore %u is listed twice (also lcores.rx[%u]); "
						   "RX lcores must be unique",
						   l->rx[i], j);
	}
	return 0;
}

static int
check_mempool(struct load_ctx *x, const struct ws_config_mempool *m)
{
	/* rte_mempool_create() refuses a cache whose flush threshold exceeds the pool. */
	if (m->cache * 3 / 2 > m->mbufs)
		return config_fail(x, -ERANGE, "mempool.cache",
				   "%u is too large for %u mbufs; at most mempool.mbufs / 1.5 "
				   "(%u)",
				   m->cache, m->mbufs, m->mbufs * 2 / 3);
	return 0;
}

/* "" or up to 32 characters (the array's size) from A-Z a-z 0-9 . _ -, no leading '-'. */
static int
check_group(struct load_ctx *x, const char *path, const char *g)
{
	if (g[0] == '\0' || (is_word(g, GROUP_CHARS, 32) && g[0] != '-'))
		return 0;
	return config_fail(x, -EINVAL, path,
			   "'%s' is not a valid group name; allowed: empty, or up to 32 "
			   "characters from A-Z a-z 0-9 . _ - not starting with '-'",
			   g);
}

static int
check_socket(struct load_ctx *x, const struct ws_config_socket *s)
{
	int rc;

	if (s->path[0] != '/')
		return config_fail(x, -EINVAL, "socket.path",
				   "'%s' is not an absolute path; it must start with '/'", s->path);
	if (strlen(s->mode) != 4 || strspn(s->mode, "01234567") != 4)
		return config_fail(x, -EINVAL, "socket.mode",
				   "'%s' is not a mode; allowed: four octal digits such as 0660",
				   s->mode);
	rc = check_group(x, "socket.group", s->group);
	if (rc == 0)
		rc = check_group(x, "socket.admin_group", s->admin_group);
	return rc;
}

/* "" or an address the endpoint can listen on, read by its own parser. */
static int
check_prometheus(struct load_ctx *x, const struct ws_config_prometheus *p)
{
	struct sockaddr_storage sa;
	char msg[256];

	if (p->listen[0] == '\0' || ws_prom_parse_addr(p->listen, &sa, msg, sizeof(msg)) == 0)
		return 0;
	return config_fail(x, -EINVAL, "prometheus.listen", "%s; \"\" turns the endpoint off", msg);
}

/* HOST:PORT or [IPv6]:PORT, port 1..65535; the host is resolved when the daemon starts. */
static bool
collector_ok(const char *s)
{
	const char *colon = s[0] == '[' ? strchr(s, ']') : strrchr(s, ':');
	unsigned long port;
	char *end;

	if (s[0] == '[') {
		if (!colon || colon == s + 1 || colon[1] != ':')
			return false;
		colon++;
	} else if (!colon || colon == s || memchr(s, ':', (size_t)(colon - s))) {
		return false;
	}
	if (colon[1] < '0' || colon[1] > '9')
		return false;
	port = strtoul(colon + 1, &end, 10);
	return *end == '\0' && port >= 1 && port <= 65535;
}

static int
check_ipfix(struct load_ctx *x, const struct ws_config_export *e, uint32_t i)
{
	static const struct range ranges[] = {
		{"template_refresh_s", offsetof(struct ws_config_ipfix, template_refresh_s), 10,
		 86400, false},
		{"buffer_kb", offsetof(struct ws_config_ipfix, buffer_kb), 64, 65536, false},
	};
	const struct ws_config_ipfix *p = &e->ipfix[i];
	char path[CONFIG_PATH_MAX];
	uint32_t j;
	int rc;

	snprintf(path, sizeof(path), "export.ipfix[%u].collector", i);
	if (!collector_ok(p->collector))
		return config_fail(x, -EINVAL, path,
				   "'%s' is not a collector; allowed: HOST:PORT or [IPv6]:PORT, "
				   "port 1..65535, e.g. 127.0.0.1:4739",
				   p->collector);
	snprintf(path, sizeof(path), "export.ipfix[%u].transport", i);
	if (strcmp(p->transport, "udp") != 0 && strcmp(p->transport, "tcp") != 0)
		return config_fail(x, -EINVAL, path, "'%s' is not a transport; allowed: udp, tcp",
				   p->transport);
	for (j = 0; j < i; j++)
		if (!strcmp(e->ipfix[j].collector, p->collector) &&
		    !strcmp(e->ipfix[j].transport, p->transport))
			return config_fail(x, -EINVAL, path,
					   "%s %s is already export.ipfix[%u]; each collector "
					   "once",
					   p->transport, p->collector, j);
	for (j = 0; j < sizeof(ranges) / sizeof(ranges[0]); j++) {
		snprintf(path, sizeof(path), "export.ipfix[%u].%s", i, ranges[j].path);
		rc = check_range(x, path, &ranges[j], p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
config_check(struct load_ctx *x, const struct ws_config *c)
{
	uint32_t i;
	int rc;

	for (i = 0; i < sizeof(top_ranges) / sizeof(top_ranges[0]); i++) {
		rc = check_range(x, top_ranges[i].path, &top_ranges[i], c);
		if (rc < 0)
			return rc;
	}
	rc = check_eal(x, &c->eal);
	for (i = 0; i < c->n_ports && rc == 0; i++)
		rc = check_port(x, c, i);
	if (rc == 0)
		rc = check_lcores(x, &c->lcores);
	if (rc == 0)
		rc = check_mempool(x, &c->mempool);
	if (rc == 0)
		rc = check_socket(x, &c->socket);
	if (rc == 0)
		rc = check_prometheus(x, &c->prometheus);
	for (i = 0; i < c->export.n_ipfix && rc == 0; i++)
		rc = check_ipfix(x, &c->export, i);
	return rc;
}
