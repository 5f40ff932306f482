/* SPDX-License-Identifier: BSD-3-Clause */
/* The EAL command line, built from a loaded configuration; see ws_config_eal_args(). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "ws_config.h"

struct argv_builder {
	char **argv;
	int argc;
	int max;
	char *buf;
	size_t used;
	size_t size;
};

static int push(struct argv_builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append one argument; one argv slot always stays free for the terminating NULL. */
static int
push(struct argv_builder *b, const char *fmt, ...)
{
	size_t room = b->size - b->used;
	va_list ap;
	int n;

	if (b->argc + 1 >= b->max)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -ENOSPC;
	b->argv[b->argc++] = b->buf + b->used;
	b->argv[b->argc] = NULL;
	b->used += n + 1;
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* "-l 0,2,3": management and RX lcores, ascending. */
static int
push_lcores(struct argv_builder *b, const struct ws_config_lcores *l)
{
	uint32_t ids[WS_CONFIG_MAX_RX_LCORES + 1];
	char list[(WS_CONFIG_MAX_RX_LCORES + 1) * 5];
	size_t n = 0;
	uint32_t i;
	int rc;

	ids[0] = l->management;
	memcpy(ids + 1, l->rx, l->n_rx * sizeof(ids[0]));
	qsort(ids, l->n_rx + 1, sizeof(ids[0]), cmp_u32);
	for (i = 0; i <= l->n_rx; i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%u", i ? "," : "", ids[i]);
	if (l->n_cpus) {
		/* "(0,1,2)@(0,1)": every lcore may run on any of these CPUs. */
		char cpus[WS_CONFIG_MAX_RX_LCORES * 5];
		size_t m = 0;

		for (i = 0; i < l->n_cpus; i++)
			m += snprintf(cpus + m, sizeof(cpus) - m, "%s%u", i ? "," : "", l->cpus[i]);
		rc = push(b, "--lcores");
		if (rc == 0)
			rc = push(b, "(%s)@(%s)", list, cpus);
	} else {
		rc = push(b, "-l");
		if (rc == 0)
			rc = push(b, "%s", list);
	}
	if (rc == 0)
		rc = push(b, "--main-lcore");
	if (rc == 0)
		rc = push(b, "%u", l->management);
	return rc;
}

static int
push_memory(struct argv_builder *b, const struct ws_config_eal *e)
{
	int rc = 0;

	if (!e->hugepages) {
		rc = push(b, "--no-huge");
		if (rc == 0)
			rc = push(b, "-m");
		if (rc == 0)
			rc = push(b, "%u", e->memory_mb);
	}
	if (rc == 0 && e->in_memory)
		rc = push(b, "--in-memory");
	else if (rc == 0 && e->hugepages)
		rc = push(b,
			  "--huge-unlink"); /* nothing left in /dev/hugepages, even after a kill */
	if (rc == 0)
		rc = push(b, "--file-prefix");
	if (rc == 0)
		rc = push(b, "%s", e->file_prefix);
	if (rc == 0)
		rc = push(b, "--log-level");
	if (rc == 0)
		rc = push(b, "%s", config_log_level_dpdk(e->log_level));
	return rc;
}

/* -a / --vdev per port; --no-pci first when there is no PCI port, so EAL probes none. */
static int
push_devices(struct argv_builder *b, const struct ws_config *c)
{
	bool any_pci = false;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < c->n_ports; i++)
		any_pci |= config_device_kind(c->ports[i].device) == CONFIG_DEV_PCI;
	if (!any_pci)
		rc = push(b, "--no-pci");
	for (i = 0; i < c->n_ports && rc == 0; i++) {
		bool pci = config_device_kind(c->ports[i].device) == CONFIG_DEV_PCI;

		rc = push(b, pci ? "-a" : "--vdev");
		if (rc == 0)
			rc = push(b, "%s", c->ports[i].device);
	}
	return rc;
}

int
ws_config_eal_args(const struct ws_config *c, char **argv, int max, char *buf, size_t buf_size)
{
	struct argv_builder b = {.argv = argv, .max = max, .buf = buf, .size = buf_size};
	uint32_t i;
	int rc;

	if (c == NULL || argv == NULL || buf == NULL)
		return -EINVAL;
	rc = push(&b, "wirestat");
	if (rc == 0)
		rc = push_lcores(&b, &c->lcores);
	if (rc == 0)
		rc = push_memory(&b, &c->eal);
	if (rc == 0)
		rc = push_devices(&b, c);
	for (i = 0; i < c->eal.n_extra_args && rc == 0; i++)
		rc = push(&b, "%s", c->eal.extra_args[i]);
	return rc < 0 ? rc : b.argc;
}
