#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""scripts/nic-setup.py against a fake sysfs, with dpdk-devbind.py and modprobe faked.

    python3 tests/integration/test_nic_setup.py SOURCE_DIR

The fake machine: two NUMA nodes of 8 cores with 2 threads each (CPU c and c+16),
an Intel X710 (8086:1572) with two ports on node 1, a Mellanox ConnectX-5
(15b3:1017), a Realtek RTL8111 (10ec:8168) on node 0, and an NVMe drive. Whether
DPDK drives each comes from DPDK's driver files (dpdk-pmdinfo.py), not from the
test (their output is saved once and given with --pmdinfo). Fake dpdk-devbind.py, modprobe and dpdk-hugepages.py in PATH record their
arguments: a dry run must call none of them, --apply exactly the commands shown.
"""
import glob
import os
import subprocess
import sys
import tempfile

import yaml

from wslib import Results

X710 = ("0000:3b:00.0", "0000:3b:00.1")
MLX, RTL, NVME = "0000:5e:00.0", "0000:02:00.0", "0000:01:00.0"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text + "\n")


def fake_sysfs(root, iommu=True, vfio=False):
    sys_ = os.path.join(root, "sys")
    for node, cpus in ((0, range(0, 8)), (1, range(8, 16))):
        write(f"{sys_}/devices/system/node/node{node}/cpulist",
              f"{cpus[0]}-{cpus[-1]},{cpus[0] + 16}-{cpus[-1] + 16}")
        for c in cpus:
            for t in (c, c + 16):
                write(f"{sys_}/devices/system/cpu/cpu{t}/topology/thread_siblings_list",
                      f"{c},{c + 16}")
    write(f"{sys_}/devices/system/cpu/online", "0-31")
    devs = {X710[0]: ("0x020000", "8086", "1572", "i40e", 1, "30", "ens1f0", "down"),
            X710[1]: ("0x020000", "8086", "1572", "i40e", 1, "31", "ens1f1", "up"),
            MLX: ("0x020000", "15b3", "1017", "mlx5_core", 1, "40", "ens2f0", "up"),
            RTL: ("0x020000", "10ec", "8168", "r8169", 0, "12", "enp2s0", "up"),
            NVME: ("0x010802", "144d", "a808", "nvme", 0, "11", None, None)}
    os.makedirs(f"{sys_}/kernel/iommu_groups")
    for addr, (cls, ven, dev, drv, node, group, ifname, state) in devs.items():
        d = f"{sys_}/bus/pci/devices/{addr}"
        write(f"{d}/class", cls)
        write(f"{d}/vendor", "0x" + ven)
        write(f"{d}/device", "0x" + dev)
        write(f"{d}/numa_node", str(node))
        os.makedirs(f"{sys_}/bus/pci/drivers/{drv}", exist_ok=True)
        os.symlink(f"../../../bus/pci/drivers/{drv}", f"{d}/driver")
        if iommu:
            os.makedirs(f"{sys_}/kernel/iommu_groups/{group}/devices", exist_ok=True)
            os.symlink(f"../../../kernel/iommu_groups/{group}", f"{d}/iommu_group")
            write(f"{sys_}/kernel/iommu_groups/{group}/devices/{addr}", "")
        if ifname:
            os.makedirs(f"{d}/net/{ifname}")
            write(f"{sys_}/class/net/{ifname}/operstate", state)
    if iommu:  # a function without a driver of its own shares the second port's group
        write(f"{sys_}/kernel/iommu_groups/31/devices/0000:3b:00.2", "")
    os.makedirs(f"{sys_}/module/{'vfio_pci' if vfio else 'i40e'}")
    return root


def fake_tools(bindir, log):
    for tool in ("dpdk-devbind.py", "modprobe", "dpdk-hugepages.py"):
        write(os.path.join(bindir, tool), f'#!/bin/sh\necho "{tool} $*" >> {log}\n')
        os.chmod(os.path.join(bindir, tool), 0o755)


class Tool:
    def __init__(self, src, bindir, log, pmdinfo):
        self.exe = os.path.join(src, "scripts/nic-setup.py")
        self.pmdinfo = pmdinfo
        self.env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"])
        self.log = log

    def __call__(self, root, *args):
        if os.path.exists(self.log):
            os.unlink(self.log)
        p = subprocess.run([self.exe, "--sysfs", root, "--pmdinfo", self.pmdinfo] + list(args), capture_output=True,
                           text=True, env=self.env, timeout=120)
        ran = open(self.log).read().splitlines() if os.path.exists(self.log) else []
        return p.returncode, p.stdout + p.stderr, ran


def rows(out):
    return {line.split()[0]: line.split() for line in out.splitlines() if line[:4] == "0000"}


def check_list(res, tool, root):
    rc, out, _ = tool(root, "list")
    r = rows(out)
    res.check("list: every Ethernet controller, not the NVMe drive",
              rc == 0 and sorted(r) == sorted([*X710, MLX, RTL]), out)
    res.check("list: X710 on i40e, NUMA 1, its interface, DPDK's net_i40e",
              r.get(X710[0], [])[1:] == ["8086:1572", "i40e", "1", "ens1f0", "net_i40e"], out)
    res.check("list: ConnectX-5 driven by DPDK's mlx5",
              r.get(MLX, [""])[-1].startswith("mlx5"), out)
    res.check("list: the Realtek is not supported by DPDK",
              r.get(RTL, [])[-2:] == ["not", "supported"], out)


def check_bind(res, tool, root, noiommu, withvfio):
    rc, out, ran = tool(root, "bind", "3b:00.0")
    res.check("bind, dry run: prints modprobe and dpdk-devbind.py, runs nothing",
              rc == 0 and "would run: modprobe vfio-pci" in out
              and "would run: dpdk-devbind.py --bind=vfio-pci 0000:3b:00.0" in out and not ran,
              out + str(ran))
    rc, out, ran = tool(root, "bind", "--apply", X710[0])
    res.check("bind --apply runs exactly those commands",
              rc == 0 and ran == ["modprobe vfio-pci", "dpdk-devbind.py --bind=vfio-pci "
                                  "0000:3b:00.0"], str(ran))
    rc, out, ran = tool(root, "bind", X710[1])
    res.check("bind: warns that the interface is up and the IOMMU group is shared",
              "interface ens1f1 is up" in out and "also holds 0000:3b:00.2" in out, out)
    rc, out, ran = tool(root, "bind", "--apply", MLX)
    res.check("bind Mellanox: advice to keep mlx5_core, nothing run",
              "do not bind it to vfio-pci" in out and not ran, out)
    rc, out, ran = tool(root, "bind", "--apply", RTL)
    res.check("bind an unsupported NIC: says so, nothing run",
              "has no DPDK driver" in out and not ran, out)
    rc, out, ran = tool(noiommu, "bind", "--apply", X710[0])
    res.check("no IOMMU: the kernel options to set, nothing run",
              "intel_iommu=on" in out and "amd_iommu=on" in out and not ran, out)
    rc, out, ran = tool(withvfio, "bind", "--apply", X710[0])
    res.check("vfio-pci already loaded: no modprobe",
              ran == ["dpdk-devbind.py --bind=vfio-pci 0000:3b:00.0"], str(ran))
    rc, out, _ = tool(root, "bind", "3b:00.7")
    res.check("bind an address that is no NIC: clear error", rc != 0 and "no such" in out, out)
    rc, out, ran = tool(root, "hugepages", "--size", "4G")
    res.check("hugepages dry run: the dpdk-hugepages.py command, not run",
              "would run: dpdk-hugepages.py --pagesize 2M --reserve 4G --mount" in out
              and not ran, out)


def node_cores(root, node):
    """First thread of each core of a node of the fake machine, read back from it."""
    with open(f"{root}/sys/devices/system/node/node{node}/cpulist") as f:
        lo, hi = map(int, f.read().split(",")[0].split("-"))
    return list(range(lo, hi + 1))


def check_layout(res, src, tool, root, tmp):
    n1 = node_cores(root, 1)
    out_conf = os.path.join(tmp, "wirestat.yaml")
    rc, out, _ = tool(root, "layout", *X710, "--write", out_conf)
    res.check("layout: management and RX lcores on the NICs' node 1, one per core",
              rc == 0 and f"NUMA node 1: management lcore {n1[0]}, RX lcores "
              f"{n1[1:5]}" in out, out)
    with open(out_conf) as f:
        conf = yaml.safe_load(f)
    with open(os.path.join(src, "conf/wirestat.yaml")) as f:
        tmpl = yaml.safe_load(f)
    res.check("config: the ports, two RX queues each", [
        (p["device"], p["rx_queues"]) for p in conf["ports"]] == [(a, 2) for a in X710],
        str(conf["ports"]))
    res.check("config: the lcores", conf["lcores"] == dict(tmpl["lcores"], management=n1[0],
                                                          rx=n1[1:5]), str(conf["lcores"]))
    res.check("config: the rest as conf/wirestat.yaml",
              {k: v for k, v in conf.items() if k not in ("ports", "lcores")}
              == {k: v for k, v in tmpl.items() if k not in ("ports", "lcores")})
    n0 = node_cores(root, 0)
    rc, out, _ = tool(root, "layout", RTL, "--rx", "3")
    res.check("layout on node 0 leaves CPU 0's core to the kernel",
              f"management lcore {n0[1]}, RX lcores {n0[2:5]}" in out, out)


def main(argv):
    src = os.path.abspath(argv[1])
    res = Results()
    with tempfile.TemporaryDirectory() as tmp:
        bindir, log = os.path.join(tmp, "bin"), os.path.join(tmp, "ran.log")
        fake_tools(bindir, log)
        # DPDK's driver files read once: dpdk-pmdinfo.py takes seconds.
        pmdinfo = os.path.join(tmp, "pmdinfo.json")
        with open(pmdinfo, "w") as f:
            drivers = glob.glob("/usr/lib/*/dpdk/pmds-*/librte_net_*.so.*.*")
            p = subprocess.run(["dpdk-pmdinfo.py"] + drivers, stdout=f, timeout=300)
        if not res.check("dpdk-pmdinfo.py reads DPDK's net drivers", drivers and p.returncode == 0):
            return res.finish()
        tool = Tool(src, bindir, log, pmdinfo)
        root = fake_sysfs(os.path.join(tmp, "root"))
        noiommu = fake_sysfs(os.path.join(tmp, "noiommu"), iommu=False)
        withvfio = fake_sysfs(os.path.join(tmp, "vfio"), vfio=True)
        check_list(res, tool, root)
        check_bind(res, tool, root, noiommu, withvfio)
        check_layout(res, src, tool, root, tmp)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
