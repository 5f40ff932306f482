#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# run-fuzz.sh FUZZER SECONDS MAXLEN SEEDING PCAP2CORPUS SEED... [-- LIBFUZZER-OPTION...]
# Seeds a corpus and runs the fuzzer for SECONDS. SEEDING says what SEED is:
#   frames  captures, one seed per frame (fuzz_parse)
#   app     captures, one seed per TCP/UDP payload a name parser reads (fuzz_app)
#   files   seed files or directories, used as they are (PCAP2CORPUS unused: "-")
# A crash fails the run and its input is kept in ./fuzz-artifacts/ (the build
# dir): copy it to tests/fuzz/regress/TARGET/ once fixed.
set -eu
fuzzer=$1 secs=$2 maxlen=$3 seeding=$4 seeder=$5
shift 5
work=$(mktemp -d "${TMPDIR:-/tmp}/wsfuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seeds" "$work/corpus" fuzz-artifacts
seeds=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	[ -e "$1" ] && seeds="$seeds $1"
	shift
done
[ $# -gt 0 ] && shift # the "--"
# shellcheck disable=SC2086
case $seeding in
frames) "$seeder" "$work/seeds" $seeds ;;
app) "$seeder" -a "$work/seeds" $seeds ;;
files) for s in $seeds; do cp -r "$s"/. "$work/seeds/" 2>/dev/null || cp "$s" "$work/seeds/"; done ;;
*) echo "run-fuzz.sh: seeding '$seeding'?" >&2; exit 2 ;;
esac
# libFuzzer's default error exit code, 77, would read as "skipped" to meson. Not
# exec'd: the trap must remove the work directory afterwards.
rc=0
"$fuzzer" -max_total_time="$secs" -max_len="$maxlen" -error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$PWD/fuzz-artifacts/$(basename "$fuzzer")-" -print_final_stats=1 "$@" \
	"$work/corpus" "$work/seeds" || rc=$?
exit $rc
