#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The demo: build if needed, make the bundled demo capture with the project's
# seeded generator, and analyse it.
#   scripts/demo.sh [CAPTURE]   analyse CAPTURE instead
set -eu
cd "$(dirname "$0")/.."

if [ ! -x build/app/wirestat ]; then
	if [ "$(id -u)" -eq 0 ]; then
		scripts/setup.sh	# packages, hugepages, build
	elif command -v meson >/dev/null && pkg-config --exists libdpdk 2>/dev/null; then
		[ -f build/build.ninja ] || meson setup build
		ninja -C build
	else
		echo "demo: run it as root once (sudo $0) to install what wirestat needs" >&2
		exit 1
	fi
fi

capture=${1:-build/demo.pcap}
if [ $# -eq 0 ] && [ ! -f "$capture" ]; then
	# Hundreds of hosts; DNS, TLS and HTTP; IPv4 and IPv6; a VLAN.
	python3 scripts/gen-pcap.py --profile mix --seed 2026 --hosts 300 --flows 3000 \
		--packets 50000 -o "$capture"
fi
# The same path as a live port: DPDK's net_pcap device, RX lcores, management lcore.
exec build/app/wirestat -r "$capture" --lcores 2
