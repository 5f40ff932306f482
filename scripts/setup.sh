#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Set up a Debian 12 machine for wirestat: packages, hugepages, build.
#   scripts/setup.sh            everything (needs root for apt and hugepages)
#   WS_SKIP_APT=1 scripts/setup.sh   only hugepages and the build
set -eu
cd "$(dirname "$0")/.."

# Build, test and oracle tools, all from Debian's archive; systemd for systemd-analyze
# verify of the unit, man-db and groff-base to render the man pages, python3-pyelftools for
# dpdk-pmdinfo.py (scripts/nic-setup.py), tmux to drive watch, chromium to render --html.
PACKAGES="
	build-essential pkg-config meson ninja-build python3
	libdpdk-dev dpdk dpdk-dev libcyaml-dev libyaml-dev libcmocka-dev libpcap-dev libjansson-dev
	libssl-dev
	clang libclang-rt-14-dev
	tshark tcpdump valgrind nfdump libcap2-bin
	curl prometheus
	systemd man-db groff-base python3-yaml python3-pyelftools tmux chromium
"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ] && [ -z "${WS_SKIP_APT:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages:$missing" >&2
		echo "setup: run as root (sudo $0) so apt-get can install them" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

# Hugepages make DPDK faster; without them wirestat runs with --no-huge.
want=512
have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$have" -lt "$want" ]; then
	if [ "$(id -u)" -eq 0 ] && echo "$want" > /proc/sys/vm/nr_hugepages 2>/dev/null; then
		echo "setup: reserved $(cat /proc/sys/vm/nr_hugepages) hugepages of 2 MiB"
	else
		echo "setup: no hugepages reserved (have $have); wirestat falls back to" \
			"--no-huge with small mempools, fine for captures and tests"
	fi
fi
if [ "$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)" -gt 0 ] &&
	! grep -q "^[^ ]* /dev/hugepages hugetlbfs" /proc/mounts && [ "$(id -u)" -eq 0 ]; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null ||
		echo "setup: could not mount hugetlbfs on /dev/hugepages"
fi

if [ ! -f build/build.ninja ]; then
	meson setup build --werror
fi
ninja -C build
