#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Soak the daemon: a looping capture with every flow new on each loop, sent
# through a memif pair by the paced source at MPPS (default 0.5), for SECONDS
# (default 600), sampled every second (tests/integration/soak.py says what is
# checked). Fails if memory grows after the warm-up, mbufs leak, a counter goes
# backwards, a request goes unanswered or a packet sent is not counted.
#   scripts/soak.sh [SECONDS] [RX_LCORES] [MPPS]
set -eu
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build --werror
ninja -C build app/wirestat tests/bench/pace
exec python3 tests/integration/soak.py "$PWD/build" "${1:-600}" "${2:-1}" "${3:-0.5}"
