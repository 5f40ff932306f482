#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# run-fuzz.sh FUZZER PCAP2CORPUS SECONDS CAPTURE...
# Seeds a corpus from the captures and runs the fuzzer for SECONDS. A crash
# fails the run and its input is kept in ./fuzz-artifacts/ (the build dir):
# copy it to tests/fuzz/regress/ once fixed.
set -eu
fuzzer=$1 seeder=$2 secs=$3
shift 3
work=$(mktemp -d "${TMPDIR:-/tmp}/wsfuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seeds" "$work/corpus" fuzz-artifacts
caps=""
for c in "$@"; do [ -e "$c" ] && caps="$caps $c"; done
# shellcheck disable=SC2086
"$seeder" "$work/seeds" $caps
# libFuzzer's default error exit code, 77, would read as "skipped" to meson.
exec "$fuzzer" -max_total_time="$secs" -max_len=4096 -error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$PWD/fuzz-artifacts/" -print_final_stats=1 "$work/corpus" "$work/seeds"
