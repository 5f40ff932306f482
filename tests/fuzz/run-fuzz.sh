#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# run-fuzz.sh FUZZER PCAP2CORPUS SECONDS CAPTURE...
# Seeds a corpus from the captures and runs the fuzzer for SECONDS.
set -eu
fuzzer=$1 seeder=$2 secs=$3
shift 3
work=$(mktemp -d "${TMPDIR:-/tmp}/wsfuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/seeds" "$work/corpus"
caps=""
for c in "$@"; do [ -e "$c" ] && caps="$caps $c"; done
# shellcheck disable=SC2086
"$seeder" "$work/seeds" $caps
# Crashes land in $work and fail the run; -runs is unbounded, time is the limit.
"$fuzzer" -max_total_time="$secs" -max_len=4096 -artifact_prefix="$work/" \
	-print_final_stats=1 "$work/corpus" "$work/seeds"
