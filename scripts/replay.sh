#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Replay a capture at wirestat over a net_memif pair (or real ports) and report
# what was offered, what wirestat received, analysed and dropped, and the loss.
#
#   scripts/replay.sh [-t SECONDS] [-f CAPTURE] [-s pktgen|testpmd|pace]
#                     [-r wirestat|rxonly|both] [--rate PCT] [--mpps R] [--gen-cpu N]
#                     [--rx-cpu N] [--gen-dev DEV] [--rx-dev DEV] [--rounds N] [--out FILE]
#                     [--report FILE]
#
# The source is Pktgen-DPDK when `pktgen` is on PATH (-s pktgen), otherwise
# Debian's dpdk-testpmd: a net_pcap port that loops the capture in memory
# (infinite_rx=1), io-forwarded into a net_memif server port. testpmd cannot
# limit its rate there; -s pace is the project's own paced source
# (build/tests/bench/pace, the same net_pcap port into the same memif port) at
# --mpps R million packets per second (0: flat out); it is the memif client,
# started once the receiver listens as the server. The receiver is
# wirestat, or dpdk-testpmd --forward-mode=rxonly as the baseline, or both one
# after the other against the same source (-r both). The source runs on
# --gen-cpu, the receiver on --rx-cpu; against the paced source, wirestat's
# management lcore shares the source's CPU, as an appliance gives it a core of its
# own. No hugepages.
#
# Without -f, a capture of 64-byte frames is generated: 4 repetitions of 32,768
# packets over 4,096 flows, each repetition on fresh 4-tuples (gen-traffic.py).
# net_pcap loads the whole file into mbufs, so keep looped captures small.
#
# Real ports instead of memif: --gen-dev 0000:3b:00.0 --rx-dev 0000:3b:00.1 (two
# ports cabled back to back and bound to vfio-pci); see docs/performance.md.
#
# --rounds N runs the receivers N times in turn (rxonly, wirestat, rxonly, ...);
# the ratio compares the best run of each, as the machine may be shared.
# --out FILE appends one line per receiver: receiver=... seconds=... offered=...
# sent=... received=... analysed=... dropped=... (packets), for scripts. offered is
# what the source read from the capture; sent is offered less what the source's
# TX refused (ring full), but memif's server side miscounts that by a few percent,
# so loss is taken from what the receiver itself counted. --report FILE keeps
# wirestat's last report (wirestatctl --json stats).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WS_BUILD:-$ROOT/build}
SECONDS_RUN=5
CAPTURE=""
SOURCE=""
RECEIVERS=wirestat
RATE=100
MPPS=0
NCPU=$(nproc)
GEN_CPU=0
RX_CPU=$((NCPU > 1 ? 1 : 0))
GEN_DEV=""
RX_DEV=""
OUT=""
ROUNDS=1
REPORT=""

usage() {
	sed -n '3,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	-t) SECONDS_RUN=$2; shift ;;
	-f) CAPTURE=$2; shift ;;
	-s) SOURCE=$2; shift ;;
	-r) RECEIVERS=$2; shift ;;
	--rate) RATE=$2; shift ;;
	--mpps) MPPS=$2; shift ;;
	--gen-cpu) GEN_CPU=$2; shift ;;
	--rx-cpu) RX_CPU=$2; shift ;;
	--gen-dev) GEN_DEV=$2; shift ;;
	--rx-dev) RX_DEV=$2; shift ;;
	--out) OUT=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--report) REPORT=$2; shift ;;
	-h|--help) usage ;;
	*) echo "replay: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done
case "$RECEIVERS" in wirestat|rxonly) ;; both) RECEIVERS="rxonly wirestat" ;;
*) echo "replay: -r must be wirestat, rxonly or both" >&2; exit 2 ;; esac
if [ -z "$SOURCE" ]; then
	if command -v pktgen >/dev/null; then SOURCE=pktgen; else SOURCE=testpmd; fi
fi
case "$SOURCE" in
pktgen) command -v pktgen >/dev/null || { echo "replay: pktgen is not on PATH" >&2; exit 1; } ;;
testpmd) command -v dpdk-testpmd >/dev/null ||
	{ echo "replay: dpdk-testpmd missing: apt-get install dpdk" >&2; exit 1; } ;;
pace) [ -x "$BUILD/tests/bench/pace" ] ||
	{ echo "replay: build the paced source first (ninja -C build)" >&2; exit 1; }
 ;;
*) echo "replay: -s must be pktgen, testpmd or pace" >&2; exit 2 ;;
esac
[ -x "$BUILD/app/wirestat" ] || { echo "replay: build wirestat first (ninja -C build)" >&2; exit 1; }
if ! [[ "$SECONDS_RUN" =~ ^[1-9][0-9]*$ ]]; then
	echo "replay: -t takes whole seconds" >&2
	exit 2
fi
if ! [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
	echo "replay: --rounds takes a count" >&2
	exit 2
fi
ORDER=""
for _ in $(seq "$ROUNDS"); do ORDER="$ORDER $RECEIVERS"; done

DIR=$(mktemp -d /tmp/wsreplay.XXXXXX)
TAG=wsrp$$
PIDS=()
cleanup() {
	local p
	exec 3>&- 4>&- 2>/dev/null || true
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$DIR" /var/run/dpdk/"$TAG"-*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$CAPTURE" ]; then
	CAPTURE=$DIR/replay.pcap
	python3 "$ROOT/scripts/gen-traffic.py" --seed 1 --flows 4096 --packets 32768 --size 64 \
		--repeat 4 -o "$CAPTURE" 2>/dev/null
fi
CAPTURE=$(realpath "$CAPTURE")
case "$CAPTURE" in *,*) echo "replay: net_pcap cannot take a path with ','" >&2; exit 1 ;; esac
NPKT=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import wslib; print(wslib.pcap_count(sys.argv[2]))' \
	"$ROOT/tests/integration" "$CAPTURE")
SOCK=$DIR/memif.sock
# memif: no hugepages. Real ports: hugepages for DMA, and EAL numbers PCI ports
# before vdevs, so the capture's net_pcap port comes second.
PCAP_PORT=0 OUT_PORT=1
# The memif server listens first: the testpmd and Pktgen sources are servers; the
# paced source is a client, connecting once the receiver listens.
if [ "$SOURCE" = pace ]; then GEN_ROLE=client RX_ROLE=server; else GEN_ROLE=server RX_ROLE=client; fi
if [ -n "$GEN_DEV" ]; then
	GEN_EAL=(-a "$GEN_DEV")
	GEN_MEM=()
	PCAP_PORT=1 OUT_PORT=0
else
	GEN_EAL=(--no-pci --vdev "net_memif0,role=$GEN_ROLE,socket=$SOCK")
	GEN_MEM=(--no-huge)
fi
if [ -n "$RX_DEV" ]; then
	RX_PORT=$RX_DEV
	RX_EAL=(-a "$RX_DEV")
	RX_MEM=()
	RX_HUGE=true
else
	RX_PORT=net_memif0,role=$RX_ROLE,socket=$SOCK
	RX_EAL=(--no-pci --vdev "$RX_PORT")
	RX_MEM=(--no-huge -m 512)
	RX_HUGE=false
fi

# Wait until FILE has a line matching PATTERN (grep -E) after line SKIP, or give up.
wait_for() {
	local file=$1 skip=$2 pattern=$3 t=0
	until tail -n +"$((skip + 1))" "$file" 2>/dev/null | grep -qE "$pattern"; do
		sleep 0.2
		t=$((t + 1))
		if [ $t -gt 150 ]; then
			echo "replay: timed out waiting for '$pattern' in $file:" >&2
			tail -20 "$file" >&2
			exit 1
		fi
	done
}

# "name: value" from the testpmd statistics block for PORT after line SKIP.
testpmd_stat() {
	local file=$1 skip=$2 port=$3 name=$4
	tail -n +"$((skip + 1))" "$file" | awk -v p="statistics for port $port " -v n="$name:" '
		index($0, p) { inblk = 1; next }
		inblk && /----------------------------------/ { exit }
		inblk { for (i = 1; i < NF; i++) if ($i == n) { print $(i + 1); exit } }'
}

now() { date +%s.%N; }

# --- the source -------------------------------------------------------------
start_testpmd_source() {
	local mbufs=$((NPKT + 16384))
	mkfifo "$DIR/gen.in"
	# net_pcap holds every packet of the file in an mbuf: -m covers them.
	stdbuf -oL taskset -c "$GEN_CPU" dpdk-testpmd --lcores "(0,1)@$GEN_CPU" "${GEN_MEM[@]}" \
		-m $((256 + mbufs * 3 / 1024)) --file-prefix "$TAG-gen" --log-level=lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$CAPTURE,infinite_rx=1" "${GEN_EAL[@]}" -- -i \
		--forward-mode=io --nb-cores=1 --total-num-mbufs=$mbufs --no-lsc-interrupt \
		<"$DIR/gen.in" >"$DIR/gen.out" 2>&1 &
	PIDS+=("$!")
	exec 3>"$DIR/gen.in"
	wait_for "$DIR/gen.out" 0 '^testpmd> |Done$'
	sleep 1
}

# testpmd: start forwarding, T seconds, stop; sets OFFERED and SENT (packets).
run_testpmd_source() {
	local skip
	echo "start" >&3
	T0=$(now)
	sleep "$SECONDS_RUN"
	skip=$(wc -l <"$DIR/gen.out")
	echo "stop" >&3
	T1=$(now)
	wait_for "$DIR/gen.out" "$skip" 'Accumulated forward statistics'
	sleep 0.3
	# Port 0 (net_pcap) read OFFERED from the file; what port 1 could not
	# enqueue, because the receiver did not free ring slots, testpmd counts as
	# TX-dropped.
	OFFERED=$(testpmd_stat "$DIR/gen.out" "$skip" "$PCAP_PORT" RX-packets)
	SENT=$((OFFERED - $(testpmd_stat "$DIR/gen.out" "$skip" "$OUT_PORT" TX-dropped)))
}

# Pktgen-DPDK: a Lua script waits for the receiver, sends for T seconds at RATE
# percent, writes its TX counter and quits. One pktgen run per receiver.
run_pktgen_source() {
	local lua=$DIR/run.lua
	rm -f "$DIR/go" "$DIR/pktgen.stats"
	cat >"$lua" <<EOF
while not io.open("$DIR/go") do pktgen.delay(100) end
pktgen.set("0", "rate", $RATE)
pktgen.pcap("0", "on")
pktgen.clr()
pktgen.start("0")
pktgen.delay($((SECONDS_RUN * 1000)))
pktgen.stop("0")
pktgen.delay(500)
local s = pktgen.portStats("0", "port")[0]
local f = io.open("$DIR/pktgen.stats", "w")
f:write(string.format("%d\n", s.opackets))
f:close()
pktgen.quit()
EOF
	taskset -c "$GEN_CPU" pktgen --lcores "(0-2)@$GEN_CPU" -n 4 "${GEN_MEM[@]}" -m 1024 \
		--file-prefix "$TAG-gen" --log-level=lib.eal:error "${GEN_EAL[@]}" -- -P \
		-m "[1:2].0" -s "0:$CAPTURE" -f "$lua" >"$DIR/gen.out" 2>&1 </dev/null &
	PKTGEN_PID=$!
	PIDS+=("$PKTGEN_PID")
}

finish_pktgen_source() {
	touch "$DIR/go"
	T0=$(now)
	wait "$PKTGEN_PID" || true
	T1=$(now)
	# Pktgen counts what the port took; memif's server-side TX counter may read 0.
	SENT=$(cat "$DIR/pktgen.stats" 2>/dev/null || echo 0)
	OFFERED=$SENT
	T1=$(python3 -c "print(min($T1, $T0 + $SECONDS_RUN + 0.5))")
}

# The paced source: one run per receiver, started once the receiver listens;
# it sends for T seconds once its link is up. Sets OFFERED and SENT.
run_pace_source() {
	local mbufs=$((NPKT + 16384)) line
	if ! taskset -c "$GEN_CPU" "$BUILD/tests/bench/pace" --lcores "(0)@$GEN_CPU" "${GEN_MEM[@]}" \
		-m $((256 + mbufs * 3 / 1024)) --file-prefix "$TAG-gen" --log-level=lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$CAPTURE,infinite_rx=1" "${GEN_EAL[@]}" -- \
		--mpps "$MPPS" --seconds "$SECONDS_RUN" --warmup 1 --mbufs "$mbufs" >"$DIR/gen.out" 2>&1; then
		echo "replay: the paced source failed:" >&2
		cat "$DIR/gen.out" >&2
		exit 1
	fi
	line=$(grep '^pace: seconds=' "$DIR/gen.out")
	echo "replay: paced source: ${line#pace: }" >&2
	pace_field() { sed "s/.* $1=\([0-9.]*\).*/\1/" <<<"$line"; }
	# the receiver counted the warm-up second too: so do the totals
	OFFERED=$(($(pace_field offered) + $(pace_field warmup_offered)))
	SENT=$(($(pace_field sent) + $(pace_field warmup_sent)))
	REFUSED=$(pace_field refused)
	T0=0
	T1=$(python3 -c "print($(pace_field seconds) + 1)")
}

# --- the receivers ------------------------------------------------------------
start_rxonly() {
	mkfifo "$DIR/rx.in"
	stdbuf -oL taskset -c "$RX_CPU" dpdk-testpmd --lcores "(0,1)@$RX_CPU" "${RX_MEM[@]}" \
		--file-prefix "$TAG-rx" --log-level=lib.eal:error "${RX_EAL[@]}" -- -i \
		--forward-mode=rxonly --nb-cores=1 --total-num-mbufs=16383 --no-lsc-interrupt \
		<"$DIR/rx.in" >"$DIR/rx.out" 2>&1 &
	RX_PID=$!
	PIDS+=("$RX_PID")
	exec 4>"$DIR/rx.in"
	wait_for "$DIR/rx.out" 0 '^testpmd> |Done$'
	echo "start" >&4
	sleep 1
}

stop_rxonly() {
	local skip
	skip=$(wc -l <"$DIR/rx.out")
	echo "stop" >&4
	wait_for "$DIR/rx.out" "$skip" 'Accumulated forward statistics'
	sleep 0.3
	RECEIVED=$(testpmd_stat "$DIR/rx.out" "$skip" 0 RX-packets)
	ANALYSED=-
	DROPPED=$(testpmd_stat "$DIR/rx.out" "$skip" 0 RX-dropped)
	echo "quit" >&4
	exec 4>&-
	wait "$RX_PID" || true
	rm -f "$DIR/rx.in"
}

ws_counters() {
	"$BUILD/app/wirestatctl" -s "$DIR/ctl.sock" --json status >"$DIR/st.json"
	"$BUILD/app/wirestatctl" -s "$DIR/ctl.sock" --json ports >"$DIR/ports.json"
	python3 - "$DIR/st.json" "$DIR/ports.json" <<'EOF'
import json, sys
st, ports = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print(sum(p["ipackets"] for p in ports), st["packets"], st["drops"]["total"])
EOF
}

start_wirestat() {
	# The management lcore merges snapshots. Against the paced source it takes the
	# source's CPU, not the RX lcore's (an appliance gives it a core of its own): the
	# pace absorbs the delay. A flat-out source would slow down: then both lcores
	# share the receiver's CPU.
	if [ "$SOURCE" = pace ] && [ "$GEN_CPU" != "$RX_CPU" ]; then
		WS_LCORES="  management: $GEN_CPU
  rx: [$RX_CPU]"
	else
		WS_LCORES="  management: 0
  rx: [1]
  cpus: [$RX_CPU]"
	fi
	cat >"$DIR/wirestat.yaml" <<EOF
eal:
  hugepages: $RX_HUGE
  memory_mb: 512
  file_prefix: $TAG-ws
  log_level: err
  extra_args: [--no-telemetry]
ports:
  - name: replay
    device: "$RX_PORT"
    rx_queues: 1
lcores:
$WS_LCORES
mempool:
  mbufs: 16383
socket:
  path: $DIR/ctl.sock
  mode: "0600"
EOF
	"$BUILD/app/wirestat" -c "$DIR/wirestat.yaml" >"$DIR/ws.out" 2>&1 &
	RX_PID=$!
	PIDS+=("$RX_PID")
	local t=0
	until "$BUILD/app/wirestatctl" -s "$DIR/ctl.sock" status >/dev/null 2>&1; do
		sleep 0.2
		t=$((t + 1))
		if [ $t -gt 150 ] || ! kill -0 "$RX_PID" 2>/dev/null; then
			echo "replay: wirestat did not start:" >&2
			cat "$DIR/ws.out" >&2
			exit 1
		fi
	done
	sleep 1
	read -r WS0_RX WS0_AN WS0_DR < <(ws_counters)
}

stop_wirestat() {
	sleep 1 # the last snapshot (analytics.snapshot_ms)
	read -r rx an dr < <(ws_counters)
	RECEIVED=$((rx - WS0_RX))
	ANALYSED=$((an - WS0_AN))
	DROPPED=$((dr - WS0_DR))
	[ -z "$REPORT" ] || "$BUILD/app/wirestatctl" -s "$DIR/ctl.sock" --json stats -n 100 >"$REPORT"
	kill -TERM "$RX_PID"
	wait "$RX_PID" || true
}

# --- one run per receiver -----------------------------------------------------
echo "replay: $SOURCE$([ "$SOURCE" = pace ] && echo " at ${MPPS} Mpps (0: flat out)") -> {$RECEIVERS}, $NPKT packets looped from $(basename "$CAPTURE")," \
	"${SECONDS_RUN}s each, source on CPU $GEN_CPU, receiver on CPU $RX_CPU" >&2
[ "$SOURCE" = testpmd ] && start_testpmd_source
ROWS=()
for recv in $ORDER; do
	[ "$SOURCE" = pktgen ] && run_pktgen_source && sleep 2
	if [ "$recv" = rxonly ]; then start_rxonly; else start_wirestat; fi
	case "$SOURCE" in
	pktgen) finish_pktgen_source ;;
	pace) run_pace_source ;;
	*) run_testpmd_source ;;
	esac
	if [ "$recv" = rxonly ]; then stop_rxonly; else stop_wirestat; fi
	# memif's server-side port counters read 0 here: what memif took was received
	[ "$SOURCE" != pace ] || RECEIVED=$SENT
	secs=$(python3 -c "print('%.2f' % ($T1 - $T0))")
	line="receiver=$recv seconds=$secs offered=$OFFERED sent=$SENT received=$RECEIVED"
	line="$line analysed=$ANALYSED dropped=$DROPPED"
	[ "$SOURCE" != pace ] || line="$line refused_after_warmup=$REFUSED"
	ROWS+=("$line")
	[ -n "$OUT" ] && echo "$line" >>"$OUT"
done
[ "$SOURCE" = testpmd ] && { echo "quit" >&3; exec 3>&-; }

python3 - "${ROWS[@]}" <<'EOF'
import sys
rows = [dict(kv.split("=", 1) for kv in line.split()) for line in sys.argv[1:]]
def mpps(n, s):
    return "%.3f" % (int(n) / float(s) / 1e6) if n not in ("-", "") else "-"
print("| receiver | seconds | offered Mpps | received Mpps | analysed Mpps | dropped by receiver"
      " | loss |")
print("|---|---:|---:|---:|---:|---:|---:|")
got = {}
for r in rows:
    s, off = float(r["seconds"]), int(r["offered"])
    got[r["receiver"]] = max(got.get(r["receiver"], 0), int(r["received"]) / s)
    counted = int(r["analysed"]) if r["analysed"] != "-" else int(r["received"])
    loss = "%.1f%%" % (100.0 * (off - counted) / off) if off else "-"
    print("| %s | %.1f | %s | %s | %s | %s | %s |" % (
        "dpdk-testpmd rxonly" if r["receiver"] == "rxonly" else "wirestat", s,
        mpps(off, s), mpps(r["received"], s), mpps(r["analysed"], s), r["dropped"], loss))
if "rxonly" in got and "wirestat" in got and got["rxonly"]:
    print("\nwirestat / testpmd rxonly received rate, best run of each: %.2f (goal >= 0.9)"
          % (got["wirestat"] / got["rxonly"]))
EOF
