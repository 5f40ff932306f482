#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The man pages render without a warning and cover what the programs accept.

    python3 tests/integration/test_man.py BUILD_DIR SOURCE_DIR

Each page of docs/man goes through `man --warnings -l` (man-db, groff -ww) and
`groff -man -ww -z`: no output on stderr. A page with an unknown macro must
draw a warning, so the check can fail. Then, against independent sources: every
long option in `wirestat --help` and every command and long option in
`wirestatctl --help` is in its page, and every key of conf/wirestat.yaml is in
wirestat.yaml(5).
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

from wslib import Results

ENV = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="1000")


def render(page):
    """(rendered text, warnings): man-db's own rendering, and groff's lint pass."""
    m = subprocess.run(["man", "--warnings", "--nh", "--nj", "-l", page], capture_output=True,
                       text=True, env=ENV, timeout=60)
    g = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True,
                       env=ENV, timeout=60)
    text = m.stdout.replace("\u2010", "-").replace("\u2212", "-")
    return text, (m.stderr + g.stderr).strip() + ("" if m.returncode == 0 else " man failed")


def keys(node, path=""):
    """Every key path of a YAML mapping: eal.hugepages, ports[].name ..."""
    if isinstance(node, dict):
        for k, v in node.items():
            p = f"{path}.{k}" if path else k
            yield p
            yield from keys(v, p)
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        yield from keys(node[0], path + "[]")


def main(argv):
    build, src = (os.path.abspath(a) for a in argv[1:3])
    res = Results()
    pages = {}
    for name in ("wirestat.8", "wirestatctl.8", "wirestat.yaml.5"):
        text, warn = render(os.path.join(src, "docs/man", name))
        res.check(f"{name}: renders without warnings", warn == "" and "NAME" in text, warn)
        pages[name] = text
    with tempfile.NamedTemporaryFile("w", suffix=".8") as bad:
        bad.write(".TH BAD 8\n.SH NAME\nbad \\- bad\n.XYZZY no such macro\n")
        bad.flush()
        _, warn = render(bad.name)
        res.check("a page with an unknown macro does draw a warning", "XYZZY" in warn, warn)

    helps = {}
    for prog in ("wirestat", "wirestatctl"):
        p = subprocess.run([os.path.join(build, "app", prog), "--help"], capture_output=True,
                           text=True, timeout=30)
        helps[prog] = p.stdout
    for prog in ("wirestat", "wirestatctl"):
        opts = sorted(set(re.findall(r"--[a-z][a-z-]+", helps[prog])))
        missing = [o for o in opts if o not in pages[prog + ".8"]]
        res.check(f"{prog}(8) has every option of --help ({len(opts)})", opts and not missing,
                  str(missing))
    cmds = re.findall(r"^  ([a-z]+)\b", helps["wirestatctl"].split("options:")[0], re.M)
    missing = [c for c in set(cmds) if not re.search(rf"^ {{7}}{c}\b", pages["wirestatctl.8"],
                                                     re.M)]
    res.check(f"wirestatctl(8) describes every command of --help ({len(set(cmds))})",
              len(set(cmds)) >= 10 and not missing, str(missing))
    with open(os.path.join(src, "conf/wirestat.yaml")) as f:
        conf_keys = list(keys(yaml.safe_load(f)))
    missing = [k for k in conf_keys if k not in pages["wirestat.yaml.5"]]
    res.check(f"wirestat.yaml(5) has every key of conf/wirestat.yaml ({len(conf_keys)})",
              len(conf_keys) > 30 and not missing, str(missing))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
