#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Soak the daemon: a looping capture with flows that never stop churning, for
# SECONDS (default 600), sampled every second (tests/integration/soak.py says
# what is checked). Fails if memory grows after the warm-up, mbufs leak, a
# counter goes backwards or a request goes unanswered.
#   scripts/soak.sh [SECONDS] [RX_LCORES]
set -eu
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build --werror
ninja -C build app/wirestat
exec python3 tests/integration/soak.py "$PWD/build" "${1:-600}" "${2:-1}"
