#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Get a NIC ready for wirestat: find it, bind it, reserve hugepages, lay out lcores.

    nic-setup.py list                          NICs: driver, NUMA node, DPDK support
    nic-setup.py bind ADDR... [--apply]        checks, then vfio-pci with dpdk-devbind.py
    nic-setup.py hugepages [--size 2G] [--apply]   dpdk-hugepages.py
    nic-setup.py layout ADDR... [--rx N] [--write FILE]
                                               RX lcores on the NIC's NUMA node, management
                                               apart; a config from conf/wirestat.yaml

Dry run by default: bind and hugepages print the commands they would run; --apply
runs them (as root). --sysfs ROOT reads ROOT/sys instead of /sys (tests). DPDK
support is read from the PCI IDs in DPDK's own driver files (dpdk-pmdinfo.py, which
needs python3-pyelftools; --pmdinfo FILE reads its saved output instead).
"""
import argparse
import glob
import json
import os
import re
import shlex
import subprocess
import sys

PMD_GLOB = "/usr/lib/*/dpdk/pmds-*/librte_net_*.so.*.*"
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conf", "wirestat.yaml")
PCI_RE = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$")


class Sys:
    """Reads under ROOT/sys."""

    def __init__(self, root):
        self.root = root

    def path(self, *p):
        return os.path.join(self.root, "sys", *p)

    def read(self, *p, default=""):
        try:
            with open(self.path(*p)) as f:
                return f.read().strip()
        except OSError:
            return default

    def link(self, *p):
        """Last component of a symlink's target ("" when absent)."""
        try:
            return os.path.basename(os.readlink(self.path(*p)))
        except OSError:
            return ""


def cpulist(text):
    """"0-3,8,10-11" -> [0, 1, 2, 3, 8, 10, 11]."""
    cpus = []
    for part in filter(None, text.split(",")):
        lo, _, hi = part.partition("-")
        cpus += range(int(lo), int(hi or lo) + 1)
    return cpus


def pmd_table(saved=None):
    """(vendor, device) -> DPDK net driver, from the driver files' embedded PCI IDs
    (or from a saved `dpdk-pmdinfo.py` output: it takes seconds)."""
    if saved:
        with open(saved) as f:
            drivers = json.load(f)
    else:
        files = sorted(glob.glob(PMD_GLOB))
        if not files:
            return None
        p = subprocess.run(["dpdk-pmdinfo.py"] + files, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"nic-setup: dpdk-pmdinfo.py failed ({p.stderr.strip()[-200:]}); "
                  "install python3-pyelftools", file=sys.stderr)
            return None
        drivers = json.loads(p.stdout)
    table = {}
    for drv in drivers:
        for i in drv.get("pci_ids", []):
            table.setdefault((i["vendor"], i["device"]), drv["name"])
    return table


def nics(s, table):
    """Ethernet controllers (PCI class 0x0200) in address order."""
    out = []
    for addr in sorted(os.listdir(s.path("bus/pci/devices")) if os.path.isdir(
            s.path("bus/pci/devices")) else []):
        dev = ("bus/pci/devices", addr)
        if not s.read(*dev, "class").startswith("0x0200"):
            continue
        ven, did = s.read(*dev, "vendor")[2:], s.read(*dev, "device")[2:]
        ifs = sorted(os.listdir(s.path(*dev, "net"))) if os.path.isdir(s.path(*dev, "net")) \
            else []
        node = int(s.read(*dev, "numa_node", default="-1") or -1)
        out.append({"addr": addr, "id": f"{ven}:{did}", "driver": s.link(*dev, "driver"),
                    "node": node, "ifaces": ifs, "iommu_group": s.link(*dev, "iommu_group"),
                    "pmd": table.get((ven, did)) if table is not None else "?",
                    "up": [i for i in ifs if s.read("class/net", i, "operstate") == "up"]})
    return out


def cmd_list(s, args):
    table = pmd_table(args.pmdinfo)
    found = nics(s, table)
    if not found:
        print("no Ethernet controller found under " + s.path("bus/pci/devices"))
        return 1
    print(f"{'PCI address':13} {'vendor:dev':10} {'driver':10} {'NUMA':4} {'interface':12} DPDK")
    for n in found:
        dpdk = n["pmd"] or "not supported"
        print(f"{n['addr']:13} {n['id']:10} {n['driver'] or '-':10} {n['node']:>4} "
              f"{','.join(n['ifaces']) or '-':12} {dpdk}")
    if table is None:
        print("(DPDK support unknown: no DPDK driver files or dpdk-pmdinfo.py failed)")
    return 0


def find(s, addrs, table):
    by_addr = {n["addr"]: n for n in nics(s, table)}
    out = []
    for a in addrs:
        a = a.lower() if a.count(":") == 2 else "0000:" + a.lower()
        if not PCI_RE.match(a) or a not in by_addr:
            raise SystemExit(f"nic-setup: {a}: no such Ethernet controller; "
                             "`nic-setup.py list` shows them")
        out.append(by_addr[a])
    return out


def bind_plan(s, n):
    """(advice lines, commands) to give one NIC to vfio-pci."""
    advice, cmds = [], []
    if n["pmd"] is None:
        advice.append(f"{n['addr']} ({n['id']}) has no DPDK driver: wirestat cannot use it")
        return advice, cmds
    if n["pmd"] and n["pmd"].startswith("mlx"):
        advice.append(f"{n['addr']} is a Mellanox NIC ({n['pmd']}): DPDK runs beside the "
                      f"kernel's {n['driver'] or 'mlx5_core'}; do not bind it to vfio-pci")
        return advice, cmds
    if n["driver"] == "vfio-pci":
        advice.append(f"{n['addr']} is already bound to vfio-pci")
        return advice, cmds
    groups = s.path("kernel/iommu_groups")
    if not (os.path.isdir(groups) and os.listdir(groups)):
        advice.append("no IOMMU: /sys/kernel/iommu_groups is empty. Turn VT-d / AMD-Vi on in "
                      "the firmware and boot with intel_iommu=on iommu=pt (or amd_iommu=on), "
                      "then reboot. Without it vfio-pci refuses the device (on a test box only: "
                      "modprobe vfio enable_unsafe_noiommu_mode=1)")
        return advice, cmds
    if not n["iommu_group"]:
        advice.append(f"{n['addr']} is in no IOMMU group: check the firmware's VT-d setting")
        return advice, cmds
    members = os.listdir(s.path("kernel/iommu_groups", n["iommu_group"], "devices")) \
        if os.path.isdir(s.path("kernel/iommu_groups", n["iommu_group"], "devices")) else []
    others = sorted(set(members) - {n["addr"]})
    if others:
        advice.append(f"IOMMU group {n['iommu_group']} also holds {', '.join(others)}: "
                      "vfio-pci needs every device of the group unbound from its driver")
    if n["up"]:
        advice.append(f"interface {', '.join(n['up'])} is up: binding takes it from the "
                      "kernel (check nothing, e.g. your SSH session, uses it)")
    if not os.path.isdir(s.path("module/vfio_pci")):
        cmds.append(["modprobe", "vfio-pci"])
    cmds.append(["dpdk-devbind.py", "--bind=vfio-pci", n["addr"]])
    return advice, cmds


def run(cmds, apply):
    for c in cmds:
        print(("+ " if apply else "would run: ") + shlex.join(c))
        if apply:
            r = subprocess.run(c)
            if r.returncode != 0:
                print(f"nic-setup: {c[0]} failed with exit {r.returncode}", file=sys.stderr)
                return 1
    if cmds and not apply:
        print("(dry run: --apply runs these, as root)")
    return 0


def cmd_bind(s, args):
    cmds = []
    for n in find(s, args.addr, pmd_table(args.pmdinfo)):
        advice, c = bind_plan(s, n)
        for a in advice:
            print(f"{n['addr']}: {a}")
        cmds += c
    return run(list(dict.fromkeys(map(tuple, cmds))), args.apply)


def cmd_hugepages(s, args):
    if not re.fullmatch(r"[0-9]+[KMG]", args.size):
        raise SystemExit(f"nic-setup: --size {args.size}: a size such as 2G or 512M")
    return run([["dpdk-hugepages.py", "--pagesize", "2M", "--reserve", args.size, "--mount"]],
               args.apply)


def cores(s, node):
    """Physical cores of a NUMA node as lists of their CPUs (hyperthreads), CPU order."""
    cpus = cpulist(s.read("devices/system/node", f"node{node}", "cpulist")) if node >= 0 else []
    if not cpus:
        cpus = cpulist(s.read("devices/system/cpu/online"))
    seen, out = set(), []
    for c in cpus:
        sib = cpulist(s.read(f"devices/system/cpu/cpu{c}/topology/thread_siblings_list")) or [c]
        sib = [x for x in sib if x in cpus]
        if sib[0] not in seen:
            seen.add(sib[0])
            out.append(sib)
    return out


def layout(s, found, rx_want):
    """Management lcore and RX lcores: one per physical core on the NICs' NUMA node,
    leaving the core of CPU 0 to the kernel and the management lcore apart."""
    node = found[0]["node"]
    notes = []
    if any(n["node"] != node for n in found):
        notes.append("the ports are on different NUMA nodes; RX lcores follow the first")
    avail = [c for c in cores(s, node) if 0 not in c]
    if len(avail) < 2:
        raise SystemExit(f"nic-setup: NUMA node {node} has {len(avail)} core(s) besides "
                         "CPU 0's; wirestat needs a management and an RX lcore on cores of their "
                         "own (lcores.cpus can share CPUs, for tests only)")
    mgmt = avail[0][0]
    rx = [c[0] for c in avail[1:1 + rx_want]]
    if len(rx) < rx_want:
        notes.append(f"only {len(rx)} free cores on node {node}, not {rx_want}")
    return mgmt, rx, node, notes


def write_config(path, found, mgmt, rx):
    """conf/wirestat.yaml with ports and lcores filled, every comment kept."""
    with open(TEMPLATE) as f:
        text = f.read()
    start = text.index("\nports:\n") + 1
    end = text.index("\n# Which CPU cores")
    per_port = max(1, len(rx) // len(found))
    ports = "ports:\n" + "".join(
        f"  - name: port{i}\n    device: {n['addr']}\n    rx_queues: {per_port}\n"
        "    rx_descriptors: 1024\n    mtu: 1500\n    promiscuous: true\n"
        for i, n in enumerate(found))
    text = text[:start] + ports + text[end:]
    text = re.sub(r"(?m)^(  management:) \d+$", rf"\1 {mgmt}", text, count=1)
    text = re.sub(r"(?m)^(  rx:) \[[0-9, ]*\]$", rf"\1 [{', '.join(map(str, rx))}]", text,
                  count=1)
    with open(path, "w") as f:
        f.write(text)


def cmd_layout(s, args):
    found = find(s, args.addr, {})
    rx_want = args.rx or max(1, min(4, len(found) * 2))
    mgmt, rx, node, notes = layout(s, found, rx_want)
    print(f"NUMA node {node}: management lcore {mgmt}, RX lcores {rx}")
    for n in notes:
        print("note: " + n)
    print("keep them from the scheduler: isolcpus=" + ",".join(map(str, [mgmt] + rx)) +
          " on the kernel command line")
    if args.write:
        write_config(args.write, found, mgmt, rx)
        print(f"wrote {args.write}: ports {', '.join(n['addr'] for n in found)}, "
              f"{max(1, len(rx) // len(found))} RX queue(s) each")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sysfs", default="/", metavar="ROOT", help="read ROOT/sys (tests)")
    ap.add_argument("--pmdinfo", metavar="FILE", help="saved output of dpdk-pmdinfo.py on "
                    "DPDK's net drivers (default: run it)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="NICs with driver, NUMA node and DPDK support")
    b = sub.add_parser("bind", help="give NICs to vfio-pci")
    b.add_argument("addr", nargs="+")
    b.add_argument("--apply", action="store_true", help="run the commands, not only print")
    h = sub.add_parser("hugepages", help="reserve and mount 2 MiB hugepages")
    h.add_argument("--size", default="2G")
    h.add_argument("--apply", action="store_true")
    lay = sub.add_parser("layout", help="lcores for these NICs, and a configuration")
    lay.add_argument("addr", nargs="+")
    lay.add_argument("--rx", type=int, default=0, help="RX lcores (default: 2 per port, "
                     "at most 4)")
    lay.add_argument("--write", metavar="FILE", help="write conf/wirestat.yaml filled in")
    args = ap.parse_args()
    s = Sys(args.sysfs)
    return {"list": cmd_list, "bind": cmd_bind, "hugepages": cmd_hugepages,
            "layout": cmd_layout}[args.cmd](s, args)


if __name__ == "__main__":
    sys.exit(main())
