#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Multi-core scaling of the offline pipeline: wirestat -r on 1, 2, 4, 8 RX lcores.
#
#   scripts/scaling.sh [-f CAPTURE] [-l "1 2 4 8"] [-n RUNS] [--packets N] [--flows N]
#                      [--size 64|imix]
#
# Runs `wirestat -r CAPTURE --lcores N --json` RUNS times (default 3) per lcore count
# and prints the best packets/s: over the pipeline's own run time (the report's
# uptime_s, from the first statistics snapshot to the report, so without DPDK's
# start-up) and over the whole process (wall). Without -f it generates a capture of
# 64-byte frames (default 1,000,000 packets over 20,000 flows) with
# scripts/gen-traffic.py into build/bench/ (or $WS_BENCH_DIR).
#
# Offline, one net_pcap queue is read by the first RX lcore, which hands each
# packet to the lcore that owns its flow (software RSS); so this measures the
# spread and the per-lcore work behind a single reader, whose libpcap read is
# serial. Where lcores outnumber CPUs, wirestat shares the CPUs and says so here.
# WS_BUILD (default build/) names the build; WIRESTAT names the binary directly.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WS_BUILD:-$ROOT/build}
WIRESTAT=${WIRESTAT:-$BUILD/app/wirestat}
CAPTURE=""
LCORES="1 2 4 8"
RUNS=3
PACKETS=1000000
FLOWS=20000
SIZE=64

while [ $# -gt 0 ]; do
	case "$1" in
	-f) CAPTURE=$2; shift ;;
	-l) LCORES=$2; shift ;;
	-n) RUNS=$2; shift ;;
	--packets) PACKETS=$2; shift ;;
	--flows) FLOWS=$2; shift ;;
	--size) SIZE=$2; shift ;;
	-h|--help) sed -n '3,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	*) echo "scaling: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ -x "$WIRESTAT" ] || { echo "scaling: no wirestat at $WIRESTAT (WS_BUILD, WIRESTAT)" >&2; exit 1; }
if [ -z "$CAPTURE" ]; then
	dir=${WS_BENCH_DIR:-$BUILD/bench}
	mkdir -p "$dir"
	CAPTURE=$dir/scaling-$PACKETS-$FLOWS-$SIZE.pcap
	[ -f "$CAPTURE" ] || python3 "$ROOT/scripts/gen-traffic.py" --seed 1 --packets "$PACKETS" \
		--flows "$FLOWS" --size "$SIZE" -o "$CAPTURE"
fi
OUT=$(mktemp /tmp/wsscaling.XXXXXX)
trap 'rm -f "$OUT"' EXIT
CPUS=$(nproc)

echo "# wirestat -r scaling, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "machine: $CPUS CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg); capture $(basename "$CAPTURE")" \
	"($(du -m "$CAPTURE" | cut -f1) MiB); best of $RUNS runs"
echo
echo "| RX lcores | CPUs used | packets | Mpps (pipeline) | per RX lcore | speed-up | Mpps (wall) | spread to other lcores |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
base=""
for n in $LCORES; do
	best="" best_wall="" spread=""
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		"$WIRESTAT" -r "$CAPTURE" --lcores "$n" --json >"$OUT" 2>/dev/null ||
			{ echo "scaling: wirestat -r --lcores $n failed" >&2; exit 1; }
		t1=$(date +%s.%N)
		# The report's first "packets" is the total; uptime_s the pipeline's time.
		pk=$(grep -m1 -o '"packets": *[0-9]*' "$OUT" | grep -o '[0-9]*$')
		up=$(grep -m1 -o '"uptime_s": *[0-9.e+-]*' "$OUT" | sed 's/.*: *//')
		so=$(grep -o '"spread_out": *[0-9]*' "$OUT" | awk -F: '{ s += $2 } END { print s + 0 }')
		read -r rate wall < <(awk -v p="$pk" -v u="$up" -v a="$t0" -v b="$t1" \
			'BEGIN { printf "%.4f %.4f\n", p / u / 1e6, p / (b - a) / 1e6 }')
		if [ -z "$best" ] || awk -v x="$rate" -v y="$best" 'BEGIN { exit !(x > y) }'; then
			best=$rate
			spread=$(awk -v s="$so" -v p="$pk" 'BEGIN { printf "%.0f%%", 100 * s / p }')
		fi
		if [ -z "$best_wall" ] || awk -v x="$wall" -v y="$best_wall" 'BEGIN { exit !(x > y) }'; then
			best_wall=$wall
		fi
	done
	[ -z "$base" ] && base=$best
	used=$((n + 1 < CPUS ? n + 1 : CPUS))
	shared=""
	[ $((n + 1)) -gt "$CPUS" ] && shared=" (shared)"
	awk -v n="$n" -v u="$used$shared" -v p="$pk" -v r="$best" -v b="$base" -v w="$best_wall" \
		-v s="$spread" 'BEGIN { printf "| %d | %s | %d | %.2f | %.2f | %.2f | %.2f | %s |\n",
			n, u, p, r, r / n, r / b, w, s }'
done
echo
echo "CPUs used counts the management lcore; Mpps (pipeline) is packets / the report's" \
	"uptime_s, Mpps (wall) packets / the whole process's time."
