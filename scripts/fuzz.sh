#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run every libFuzzer target (tests/fuzz) for SECONDS each, one after the other,
# with ASan and UBSan, and print the executions each made.
#   scripts/fuzz.sh [SECONDS] [TARGET...]    default 600 s; targets: parse app ctl config names
# A finding fails its target and leaves the input in build-fuzz/fuzz-artifacts/;
# once fixed it goes to tests/fuzz/regress/TARGET/, which every build replays.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-600}
[ $# -gt 0 ] && shift
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=enabled -Db_sanitize=address,undefined \
		-Db_lundef=false
fi
meson configure build-fuzz -Dfuzz_seconds="$secs"
tests=""
for t in "$@"; do tests="$tests fuzz-$t"; done
rc=0
# shellcheck disable=SC2086
meson test -C build-fuzz --suite fuzz --num-processes 1 --print-errorlogs $tests || rc=$?
python3 - build-fuzz/meson-logs/testlog.json <<'PY'
import json, re, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout", "") + (t.get("stderr") or "")
    runs = re.findall(r"stat::number_of_executed_units: (\d+)", out)
    secs = re.findall(r"Done (\d+) runs in (\d+) second", out)
    print(f"{t['name']}: {t['result']}, {runs[-1] if runs else '?'} executions"
          f"{' in ' + secs[-1][1] + ' s' if secs else ''}")
PY
exit $rc
