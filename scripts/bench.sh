#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end and side-by-side benchmarks; prints the tables of docs/performance.md.
#
#   scripts/bench.sh [-t SECONDS] [--rounds N] [--packets N] [--flows N]
#                    [--no-replay] [--no-peers] [--no-install] [--pipeline]
#
# 1. End to end over memif (scripts/replay.sh -r both): a looping testpmd (or
#    Pktgen-DPDK) source, received for SECONDS (default 5) by dpdk-testpmd
#    --forward-mode=rxonly and by wirestat in turn, --rounds times (default 2):
#    received rates and their ratio. Then the highest rate wirestat takes without
#    loss, by bisection of the source's rate: Pktgen-DPDK's when present, else the
#    project's paced source (scripts/replay.sh -s pace), for testpmd rxonly too.
# 2. Peers on one generated capture (default 2,000,000 packets over 50,000 flows,
#    IMIX, kept in build/bench/): whole-process wall time, CPU time and peak RSS
#    of wirestat -r --lcores 1, tshark -q -z conv,ip, ndpiReader, pmacctd and
#    softflowd, each also on a 1,000-packet capture to show its fixed start-up
#    and exit cost, and the flows each one reported.
# 3. --pipeline: the per-core table (meson test --benchmark pipeline), and from its
#    whole-path figures the cores 100 GbE of 64-byte frames would take.
#
# The peers come from Debian (libndpi-bin, pmacct, softflowd, tshark): as root
# the script installs what is missing (not with --no-install); otherwise it names
# the packages and leaves those rows out. It takes 5 to 10 minutes on a 2-core VM.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WS_BUILD:-$ROOT/build}
T=5
ROUNDS=2
PACKETS=2000000
FLOWS=50000
REPLAY=1
PEERS=1
PIPELINE=0
INSTALL=1

while [ $# -gt 0 ]; do
	case "$1" in
	-t) T=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--packets) PACKETS=$2; shift ;;
	--flows) FLOWS=$2; shift ;;
	--no-replay) REPLAY=0 ;;
	--no-peers) PEERS=0 ;;
	--pipeline) PIPELINE=1 ;;
	--no-install) INSTALL=0 ;;
	-h|--help) sed -n '3,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	*) echo "bench: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ -x "$BUILD/app/wirestat" ] || { echo "bench: build wirestat first (scripts/setup.sh)" >&2; exit 1; }

DIR=$(mktemp -d /tmp/wsbench.XXXXXX)
SINK_PID=""
cleanup() {
	if [ -n "$SINK_PID" ]; then
		kill "$SINK_PID" 2>/dev/null || true
		wait "$SINK_PID" 2>/dev/null || true
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT

echo "# wirestat benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)," \
	"$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo

# --- 1. end to end ------------------------------------------------------------------
if [ "$REPLAY" = 1 ]; then
	echo "## End to end over net_memif ($T s per run, $ROUNDS rounds)"
	echo
	echo "\`scripts/replay.sh -t $T -r both --rounds $ROUNDS\`"
	echo
	"$ROOT/scripts/replay.sh" -t "$T" -r both --rounds "$ROUNDS" --out "$DIR/replay.txt"
	echo
	if command -v pktgen >/dev/null; then
		# Bisect Pktgen-DPDK's rate (percent of the link) for no loss.
		lo=0 hi=100 rate=100
		for _ in 1 2 3 4 5 6; do
			: >"$DIR/rate.txt"
			"$ROOT/scripts/replay.sh" -s pktgen -t "$T" -r wirestat --rate "$rate" \
				--out "$DIR/rate.txt" >/dev/null
			read -r sent analysed < <(sed 's/.* sent=\([0-9]*\) .* analysed=\([0-9]*\) .*/\1 \2/' \
				"$DIR/rate.txt")
			echo "pktgen rate $rate%: sent $sent, wirestat analysed $analysed"
			if [ "$analysed" -ge "$sent" ]; then lo=$rate; else hi=$rate; fi
			[ "$lo" = 100 ] && break
			rate=$(((lo + hi) / 2))
		done
		echo "highest rate without loss: $lo% of the link (Pktgen-DPDK 'set 0 rate')"
	else
		# Bisect the paced source's rate (scripts/replay.sh -s pace): lossless means
		# nothing refused at the memif ring after the warm-up second, no drop in the
		# receiver, and every packet sent counted. testpmd rxonly is bisected the same
		# way: on a shared machine the scheduler's stalls, not the receiver, may set it.
		pace_run() {
			: >"$DIR/rate.txt"
			"$ROOT/scripts/replay.sh" -s pace --mpps "$2" -t "$T" -r "$1" \
				--out "$DIR/rate.txt" >/dev/null 2>"$DIR/rate.err" || { cat "$DIR/rate.err" >&2; return 1; }
			awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
				END { got = v["analysed"] == "-" ? v["received"] : v["analysed"]
					ok = v["refused_after_warmup"] == 0 && v["dropped"] == 0 &&
						got + 0 >= v["sent"] + 0
					printf "%s %.3f %d %d %d\n", ok ? "lossless" : "loss",
						v["offered"] / v["seconds"] / 1e6, v["refused_after_warmup"],
						v["dropped"], v["sent"] - got }' "$DIR/rate.txt"
		}
		for recv in rxonly wirestat; do
			read -r verdict top refused dropped missing < <(pace_run "$recv" 0)
			echo "$recv, paced source flat out: $top Mpps offered, $verdict (refused after" \
				"warm-up $refused, dropped $dropped, sent but not counted $missing)"
			if [ "$verdict" = lossless ]; then
				echo "$recv: highest rate without loss: at least $top Mpps (the source's limit)"
				continue
			fi
			lo=0 hi=$top
			for _ in 1 2 3 4 5 6; do
				rate=$(python3 -c "print('%.3f' % (($lo + $hi) / 2))")
				read -r verdict got refused dropped missing < <(pace_run "$recv" "$rate")
				echo "$recv, paced at $rate Mpps: $got offered, $verdict (refused after" \
					"warm-up $refused, dropped $dropped, not counted $missing)"
				if [ "$verdict" = lossless ]; then lo=$rate; else hi=$rate; fi
			done
			echo "$recv: highest rate without loss: $lo Mpps (between $lo and $hi; paced" \
				"source, ${T} s after a 1 s warm-up)"
		done
	fi
	echo
fi

# --- 2. peers ---------------------------------------------------------------------
# Run "NAME JOB -- COMMAND..." under /usr/bin/time; appends a row to $DIR/peers.
peer() {
	local name=$1 job=$2 cap=$3 tag=$4
	shift 4
	local out=$DIR/$name.$tag
	if ! /usr/bin/time -f "%e %U %S %M" -o "$out.time" "$@" >"$out.out" 2>"$out.err"; then
		echo "bench: $name failed, left out:" >&2
		tail -5 "$out.err" >&2
		return 0
	fi
	echo "$name|$job|$tag|$(cat "$out.time")|$(flows_of "$name" "$out")" >>"$DIR/peers"
}

# Flows (conversations) each tool reported, from its output (PREFIX.out, .err):
# a check that it did the job.
flows_of() {
	case "$1" in
	wirestat) python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flows"]["total"])' \
		"$2.out" 2>/dev/null || echo "?" ;;
	tshark) echo "$(grep -c '<->' "$2.out" || true) IP pairs" ;;
	ndpiReader) cat "$2.out" "$2.err" | sed -n 's/.*Unique flows: *\([0-9]*\).*/\1/p' ;;
	pmacctd) echo "$(($(wc -l <"$DIR/pmacct.csv") - 1)) one-way" ;;
	softflowd) cat "$2.out" "$2.err" | sed -n 's/^Flows exported: \([0-9]*\).*/\1/p' ;;
	esac
}

ensure_peers() {
	local missing="" p
	for p in tshark:tshark ndpiReader:libndpi-bin pmacctd:pmacct softflowd:softflowd; do
		command -v "${p%%:*}" >/dev/null || missing="$missing ${p#*:}"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -eq 0 ] && [ "$INSTALL" = 1 ]; then
		echo "bench: installing$missing" >&2
		export DEBIAN_FRONTEND=noninteractive
		# shellcheck disable=SC2086
		if ! apt-get install -y -q --no-install-recommends $missing >&2; then
			apt-get update -q >&2
			apt-get install -y -q --no-install-recommends $missing >&2
		fi
	else
		echo "bench: not installed:$missing (sudo apt-get install$missing); their rows are" \
			"left out" >&2
	fi
}

run_peers() {
	local cap=$1 tag=$2 port
	peer wirestat "counters, top-N, hostnames, flows" "$cap" "$tag" \
		"$BUILD/app/wirestat" -r "$cap" --lcores 1 --json
	command -v tshark >/dev/null && peer tshark "full dissection, IP conversations" "$cap" \
		"$tag" tshark -n -q -z conv,ip -r "$cap"
	command -v ndpiReader >/dev/null && peer ndpiReader "flows, DPI protocol per flow" \
		"$cap" "$tag" ndpiReader -i "$cap"
	if command -v pmacctd >/dev/null; then
		rm -f "$DIR/pmacct.csv"
		cat >"$DIR/pmacct.conf" <<EOF
daemonize: false
pcap_savefile: $cap
aggregate: src_host, dst_host, src_port, dst_port, proto
plugins: print
print_output: csv
print_output_file: $DIR/pmacct.csv
print_refresh_time: 3600
plugin_buffer_size: 1048576
plugin_pipe_size: 134217728
EOF
		peer pmacctd "5-tuple accounting, CSV" "$cap" "$tag" pmacctd -f "$DIR/pmacct.conf"
	fi
	if command -v softflowd >/dev/null; then
		port=$(cat "$DIR/sink.port")
		peer softflowd "flows, NetFlow v9 export" "$cap" "$tag" \
			softflowd -r "$cap" -n "127.0.0.1:$port" -v 9 -m 4000000 -d
	fi
}

if [ "$PEERS" = 1 ]; then
	ensure_peers
	mkdir -p "$BUILD/bench"
	BIG=$BUILD/bench/peers-$PACKETS-$FLOWS.pcap
	SMALL=$BUILD/bench/peers-1000.pcap
	[ -f "$BIG" ] || python3 "$ROOT/scripts/gen-traffic.py" --seed 1 --flows "$FLOWS" \
		--packets "$PACKETS" --size imix -o "$BIG"
	[ -f "$SMALL" ] || python3 "$ROOT/scripts/gen-traffic.py" --seed 1 --flows 100 \
		--packets 1000 --size imix -o "$SMALL"
	# A UDP sink for softflowd's NetFlow: counts nothing, only reads.
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
while True:
    s.recv(65536)' "$DIR/sink.port" &
	SINK_PID=$!
	until [ -s "$DIR/sink.port" ]; do sleep 0.1; done
	: >"$DIR/peers"
	run_peers "$SMALL" small
	run_peers "$BIG" big
	echo "## Peers on one capture"
	echo
	echo "\`scripts/gen-traffic.py --seed 1 --flows $FLOWS --packets $PACKETS --size imix\`" \
		"($(du -m "$BIG" | cut -f1) MiB), each tool run once on it, one after the other;" \
		"load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo
	python3 - "$DIR/peers" "$PACKETS" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, job, tag, times, flows = line.rstrip("\n").split("|")
    wall, user, sys_, rss = times.split()
    rows.setdefault(name, {"job": job})[tag] = (float(wall), float(user) + float(sys_),
                                               int(rss), flows)
packets = int(sys.argv[2])
base = rows["wirestat"]["big"][0]
print("| tool | job | wall s | CPU s | wall / wirestat | packets/s (wall) | peak RSS MiB"
      " | 1,000-packet run: wall s | flows reported |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for name, r in rows.items():
    if "big" not in r:
        continue
    wall, cpu, rss, flows = r["big"]
    small = r.get("small", (float("nan"),))[0]
    print("| %s | %s | %.2f | %.2f | %.1f | %s | %.0f | %.2f | %s |" % (
        name, r["job"], wall, cpu, wall / base, "{:,.0f}".format(packets / wall),
        rss / 1024, small, flows))
EOF
	echo
	echo "Peak RSS is that of the largest process (pmacctd runs two)."
	echo
fi

# --- 3. per core --------------------------------------------------------------------
if [ "$PIPELINE" = 1 ]; then
	echo "## Per core (bench_pipeline)"
	echo
	echo "\`meson test -C build --benchmark pipeline\`"
	echo
	meson test -C "$BUILD" --benchmark pipeline >/dev/null 2>&1 || echo "(the benchmark failed)"
	echo '```'
	python3 -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["name"] == "pipeline":
        print(r["stdout"].rstrip())' "$BUILD/meson-logs/testlog.json" | tee "$DIR/pipeline.txt"
	echo '```'
	echo
	echo "## 100 GbE on paper (148.8 Mpps of 64-byte frames), from the whole-path figures above"
	echo
	python3 - "$DIR/pipeline.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
tsc = re.search(r"TSC ([0-9.]+) GHz", text)
rows = []
for block in re.split(r"\n\s*\n", text):
    head = block.strip().splitlines()[0] if block.strip() else ""
    m = re.search(r"\(whole path\)\s+([0-9.]+)", block)
    if m and ":" in head:
        rows.append((head.split(":")[0], float(m.group(1))))
if not tsc or not rows:
    print("(could not read the whole-path figures from bench_pipeline's output)")
    sys.exit(0)
ghz = float(tsc.group(1))
print("| input | cycles/packet | Mpps per core at %.2f GHz | cores at %.2f GHz | cores at 3.0 GHz |"
      % (ghz, ghz))
print("|---|---:|---:|---:|---:|")
for name, cyc in rows:
    print("| %s | %.0f | %.2f | %.1f | %.1f |" % (name, cyc, ghz * 1e3 / cyc,
                                                   148.8e6 * cyc / (ghz * 1e9),
                                                   148.8e6 * cyc / 3.0e9))
PY
fi
