#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# run-truth.sh REPORT_CMD SHARED_DIR CAPTURE...
# Makes tshark truth files for the project's own captures (make-truth.sh, a
# copy of ../shared/testdata/make-truth.sh), then compares REPORT_CMD's JSON
# report of each capture, and of those in SHARED_DIR, with its truth file.
set -eu
cmd=$1 shared=$2
shift 2
here=$(dirname "$0")
work=$(mktemp -d "${TMPDIR:-/tmp}/wstruth.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$@" "$work/"
"$here/make-truth.sh" "$work" >/dev/null
# shellcheck disable=SC2086
exec python3 "$here/truth.py" --report-cmd "$cmd" "$work" $( [ -d "$shared" ] && echo "$shared" )
