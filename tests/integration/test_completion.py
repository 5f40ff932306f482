#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bash completion of wirestatctl, driven as bash drives it.

    python3 tests/integration/test_completion.py BUILD_DIR SOURCE_DIR

Sources conf/wirestatctl.bash in bash, sets COMP_WORDS and COMP_CWORD, calls the
function `complete -p wirestatctl` names and reads COMPREPLY. What it offers is
checked against `wirestatctl --help`, and every option it offers for a command
is then given to wirestatctl: it must pass the command line check (exit 3, no
daemon at the socket, rather than 2, a usage error).
"""
import os
import re
import subprocess
import sys
import tempfile

from wslib import Results


def complete(script, words):
    """COMPREPLY for the command line `words`, the last being completed."""
    prog = ("source \"$1\"; shift; f=$(complete -p wirestatctl | sed 's/.*-F \\([^ ]*\\).*/\\1/');"
            " COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); $f;"
            " printf '%s\\n' \"${COMPREPLY[@]}\"")
    p = subprocess.run(["bash", "-c", prog, "bash", script] + words, capture_output=True,
                       text=True, timeout=30)
    return sorted(x for x in p.stdout.split("\n") if x), p.stderr


def main(argv):
    build, src = (os.path.abspath(a) for a in argv[1:3])
    script = os.path.join(src, "conf/wirestatctl.bash")
    ctl = os.path.join(build, "app/wirestatctl")
    res = Results()
    helptext = subprocess.run([ctl, "--help"], capture_output=True, text=True).stdout
    commands = sorted(set(re.findall(r"^  ([a-z]+)\b", helptext.split("options:")[0], re.M)))
    top = re.search(r"^  top (\S+)", helptext, re.M).group(1).split("|")
    sort = re.search(r"--sort (\S+)\]", helptext).group(1).split("|")

    got, err = complete(script, ["wirestatctl", ""])
    res.check("no word yet: every command of --help", got == commands and not err, f"{got} {err}")
    got, _ = complete(script, ["wirestatctl", "st"])
    res.check("st: status, stats", got == ["stats", "status"], str(got))
    got, _ = complete(script, ["wirestatctl", "-s", "/tmp/x.sock", "--json", "to"])
    res.check("options and their values before the command are skipped", got == ["top"], str(got))
    got, _ = complete(script, ["wirestatctl", "top", ""])
    res.check("top: the lists of --help", got == sorted(top), str(got))
    got, _ = complete(script, ["wirestatctl", "flows", "--sort", ""])
    res.check("flows --sort: the keys of --help", got == sorted(sort), str(got))
    got, _ = complete(script, ["wirestatctl", "filter", ""])
    res.check("filter: get, set, clear", got == ["clear", "get", "set"], str(got))
    got, _ = complete(script, ["wirestatctl", "stats", "-n", ""])
    res.check("a number is not guessed", got == [], str(got))
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "wirestat.sock"), "w").close()
        got, _ = complete(script, ["wirestatctl", "--socket", os.path.join(tmp, "wire")])
        res.check("--socket: file names", got == [os.path.join(tmp, "wirestat.sock")], str(got))

        bad = []
        for cmd in commands:
            words = ["wirestatctl", cmd] + (["dst"] if cmd == "top" else []) + ["--"]
            opts, _ = complete(script, words)
            if cmd == "watch" and not {"--interval", "--count"} <= set(opts):
                bad.append("watch lacks --interval/--count")
            for o in opts:
                if o == "--help":
                    continue
                val = {"--sort": ["bytes"], "--socket": [os.path.join(tmp, "none.sock")]}.get(
                    o, [] if o == "--json" else ["100"])
                args = words[1:-1] + [o] + val
                p = subprocess.run([ctl, "-s", os.path.join(tmp, "none.sock")] + args,
                                   capture_output=True, text=True, timeout=30)
                if p.returncode != 3:
                    bad.append(f"{' '.join(args)}: exit {p.returncode} {p.stderr.strip()}")
        res.check("every option offered is one wirestatctl takes there", not bad, "; ".join(bad))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
