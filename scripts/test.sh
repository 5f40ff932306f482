#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite: set-up, build with warnings as errors, unit, golden and
# integration tests, the same (and the daemon) under ASan/UBSan, a one-minute
# soak, then a short libFuzzer run of every target.
#   WS_FUZZ_SECONDS=N   fuzz time per target (default 30)
set -eu
cd "$(dirname "$0")/.."

scripts/setup.sh

meson test -C build --suite unit --suite golden --suite integration --print-errorlogs

# Sanitizers need b_lundef off to link with clang; gcc builds this one.
[ -f build-asan/build.ninja ] ||
	meson setup build-asan --werror -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --suite unit --suite golden --print-errorlogs
# The daemon itself under ASan, UBSan and leak checking: faults and the control
# socket's security, each ending with a clean stop (a leak fails it).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --logbase testlog-daemon faults security

# One minute of the soak (scripts/soak.sh runs as long as asked).
meson test -C build --suite soak --print-errorlogs --logbase testlog-soak

[ -f build-fuzz/build.ninja ] ||
	CC=clang meson setup build-fuzz -Dfuzz=enabled -Db_sanitize=address,undefined \
		-Db_lundef=false
meson configure build-fuzz -Dfuzz_seconds="${WS_FUZZ_SECONDS:-30}"
meson test -C build-fuzz --suite fuzz --print-errorlogs

# One closing line for all three builds (each meson test run leaves its own log).
python3 - build build-asan build-fuzz <<'PY'
import glob, json, sys
ok = fail = skip = 0
for d in sys.argv[1:]:
    for log in glob.glob(d + "/meson-logs/testlog*.json"):
        for line in open(log):
            r = json.loads(line)["result"]
            ok += r == "OK"
            fail += r in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS")
            skip += r in ("SKIP", "EXPECTEDFAIL")
print(f"{ok} passed, {fail} failed, {skip} skipped")
PY
