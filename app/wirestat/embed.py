#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""report.html -> a C header: the page before and after the line <!-- REPORT JSON -->."""
import sys

MARK = "<!-- REPORT JSON -->\n"


def c_string(text):
    out = []
    for line in text.splitlines(keepends=True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        out.append(f'\t"{esc}"')
    return "\n".join(out) or '\t""'


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        text = f.read()
    if text.count(MARK) != 1:
        sys.exit(f"{src}: want the line {MARK.strip()} exactly once")
    head, tail = text.split(MARK)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(f"/* Generated from {src.split('/')[-1]} by embed.py. */\n"
                f"static const char report_html_head[] =\n{c_string(head)};\n"
                f"static const char report_html_tail[] =\n{c_string(tail)};\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
