#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The differential test must fail when the dissector is wrong.

Wraps wsdissect in a script that corrupts one column of one packet, and
checks compare.py reports a mismatch for each kind of corruption, and none
for the unmodified output.

usage: selftest.py COMPARE_PY WSDISSECT CAPTURE
"""
import os
import stat
import subprocess
import sys
import tempfile

WRAPPER = """#!{py}
import subprocess, sys
out = subprocess.run([{real!r}] + sys.argv[1:], capture_output=True, check=True).stdout.decode()
lines = out.split("\\n")
col, value = {col}, {value!r}
for i, l in enumerate(lines):
    c = l.split("\\t")
    if len(c) > col and c[col] != "-" and c[col] != value and {cond}:
        c[col] = value
        lines[i] = "\\t".join(c)
        break
sys.stdout.write("\\n".join(lines))
"""

# (name, column, new value, condition on the columns c)
CASES = [  # columns of `wsdissect --packets`, 0-based
    ("untouched", 0, "", "False"),
    ("outer dst address", 5, "192.0.2.254", "True"),
    ("outer dst port", 8, "1", "c[6] in ('6', '17')"),
    ("vlan id", 3, "4000", "True"),
    ("fragment state", 9, "later", "c[9] == 'first'"),
    ("inner src address", 11, "198.51.100.9", "c[10] != '0'"),
    ("hostname", 18, "wrong.example", "True"),
    ("http method", 19, "PUT", "True"),
]


def main(argv):
    compare, wsdissect, capture = argv[1:4]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, col, value, cond in CASES:
            wrapper = os.path.join(tmp, "ws")
            with open(wrapper, "w") as f:
                f.write(WRAPPER.format(py=sys.executable, real=os.path.abspath(wsdissect),
                                       col=col, value=value, cond=cond))
            os.chmod(wrapper, stat.S_IRWXU)
            r = subprocess.run([sys.executable, compare, wrapper, capture], capture_output=True)
            want = 0 if name == "untouched" else 1
            ok = r.returncode == want
            failures += not ok
            print(f"{'ok' if ok else 'FAIL'}: {name}: compare.py exit {r.returncode}, want {want}")
            if not ok:
                print(r.stdout.decode()[-2000:])
    print(f"{len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
