/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * After start-up the daemon gives up the privileges it no longer needs: the
 * mempool, ports, rings and control socket exist, so what is left is reading
 * queues, answering the socket and, at exit, removing files it created.
 *
 * Kept (docs/reliability.md says why):
 *   CAP_NET_ADMIN, CAP_NET_RAW  kernel-backed PMDs (af_packet, af_xdp, mlx5, tap)
 *                               read and set link state through netlink/ioctl
 *   CAP_IPC_LOCK                memory EAL adds at run time is DMA-mapped (vfio)
 *                               and locked beyond RLIMIT_MEMLOCK
 *   CAP_SYS_ADMIN               only with IOVA as physical addresses: EAL reads
 *                               them for new memory from /proc/self/pagemap
 * Everything else goes from the effective, permitted, inheritable, ambient and
 * bounding sets, and no_new_privs stops a later execve() from gaining any.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <rte_eal.h>

#include "wirestat.h"

static const struct {
	int cap;
	const char *name;
} kept_caps[] = {
	{CAP_NET_ADMIN, "net_admin"},
	{CAP_NET_RAW, "net_raw"},
	{CAP_IPC_LOCK, "ipc_lock"},
	{CAP_SYS_ADMIN, "sys_admin"},
};

static uint64_t
keep_mask(void)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++) {
		if (kept_caps[i].cap == CAP_SYS_ADMIN && rte_eal_iova_mode() != RTE_IOVA_PA)
			continue;
		m |= 1ull << kept_caps[i].cap;
	}
	return m;
}

static int
caps_set(uint64_t keep)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[0].effective = d[0].permitted & (uint32_t)keep;
	d[1].effective = d[1].permitted & (uint32_t)(keep >> 32);
	d[0].permitted = d[0].effective;
	d[1].permitted = d[1].effective;
	d[0].inheritable = d[1].inheritable = 0;
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int
ws_privs_drop(char *kept, size_t kept_size)
{
	uint64_t keep = keep_mask();
	size_t n = 0;
	unsigned int i;
	int cap, rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	/* Without CAP_SETPCAP (not root) the bounding set cannot shrink: nothing to drop. */
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!(keep >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL && errno != EPERM)
			return -errno;
	rc = caps_set(keep);
	if (rc < 0)
		return rc;
	kept[0] = '\0';
	for (i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]) && n < kept_size; i++)
		if (keep >> kept_caps[i].cap & 1)
			n += snprintf(kept + n, kept_size - n, "%s%s", n ? " " : "",
				      kept_caps[i].name);
	return 0;
}
