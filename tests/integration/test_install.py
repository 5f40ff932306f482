#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""`meson install` into a staging directory, then the systemd unit's own command line.

    python3 tests/integration/test_install.py BUILD_DIR SOURCE_DIR CAPTURE

1. `meson install --destdir STAGE`: the binaries, man pages, default configuration,
   unit and completion are where the build's directory options say, and the data
   files are the repository's.
2. `systemd-analyze verify` on the staged unit. This machine has no wirestat in
   /usr/local/sbin, and verify checks that ExecStart= names an executable, so it
   verifies a copy whose paths point into the stage (nothing else changed); with
   MANPATH on the staged man pages, it also checks that Documentation= resolves.
   verify exits 0 on warnings, so any output fails; a copy with a misspelt key
   proves that it would.
3. ExecStart= of the staged unit, its paths mapped into the stage, run as systemd
   would (RuntimeDirectory= created first), with the staged default configuration
   changed only where a test machine needs it: a net_pcap port replaying CAPTURE,
   no hugepages, its own file prefix, socket and lcores. The staged wirestatctl
   must then report OK with every packet of CAPTURE, and KillSignal= must stop the
   daemon cleanly. ExecStartPre= (hugepage reservation) is not run: it changes the
   host.
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import yaml

from wslib import Results, ctl, pcap_count, runtime_dir


def build_dirs(build):
    """Install directories from the build's options, as absolute paths."""
    out = subprocess.run(["meson", "introspect", build, "--buildoptions"], capture_output=True,
                         text=True, check=True).stdout
    o = {x["name"]: x["value"] for x in json.loads(out)}
    d = {k: os.path.join(o["prefix"], o[k]) for k in ("bindir", "sbindir", "sysconfdir",
                                                       "mandir", "datadir")}
    d["unitdir"] = o["systemdunitdir"] or os.path.join(o["prefix"], "lib/systemd/system")
    return d


def unit_settings(path):
    """[Section] Key=value lines of a unit file, as {(section, key): [values]}."""
    s, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            k, v = line.split("=", 1)
            s.setdefault((section, k.strip()), []).append(v.strip())
    return s


def staged(stage, path):
    return stage + path


def check_files(res, src, stage, d):
    want = {
        "wirestat": os.path.join(d["sbindir"], "wirestat"),
        "wirestatctl": os.path.join(d["bindir"], "wirestatctl"),
        "wsdissect": os.path.join(d["bindir"], "wsdissect"),
        "wirestat.8": os.path.join(d["mandir"], "man8/wirestat.8"),
        "wirestatctl.8": os.path.join(d["mandir"], "man8/wirestatctl.8"),
        "wirestat.yaml.5": os.path.join(d["mandir"], "man5/wirestat.yaml.5"),
        "wirestat.yaml": os.path.join(d["sysconfdir"], "wirestat/wirestat.yaml"),
        "wirestat.service": os.path.join(d["unitdir"], "wirestat.service"),
        "completion": os.path.join(d["datadir"], "bash-completion/completions/wirestatctl"),
    }
    for name, path in want.items():
        res.check(f"installed: {name} at {path}", os.path.isfile(staged(stage, path)))
    for name in ("wirestat", "wirestatctl", "wsdissect"):
        res.check(f"{name} is executable", os.access(staged(stage, want[name]), os.X_OK))
    for name, repo in (("wirestat.yaml", "conf/wirestat.yaml"),
                       ("completion", "conf/wirestatctl.bash"),
                       ("wirestat.8", "docs/man/wirestat.8")):
        with open(os.path.join(src, repo), "rb") as a, open(staged(stage, want[name]), "rb") as b:
            res.check(f"{name} is the repository's {repo}", a.read() == b.read())
    return want


def check_unit(res, u, d):
    svc = lambda k: u.get(("Service", k), [])  # noqa: E731
    exe = shlex.split(svc("ExecStart")[0]) if svc("ExecStart") else []
    res.check("ExecStart= runs the installed daemon on the installed configuration",
              exe == [os.path.join(d["sbindir"], "wirestat"), "-c",
                      os.path.join(d["sysconfdir"], "wirestat/wirestat.yaml")], str(exe))
    res.check("Restart=on-failure", svc("Restart") == ["on-failure"])
    res.check("RuntimeDirectory=wirestat, where socket.path points by default",
              svc("RuntimeDirectory") == ["wirestat"])
    res.check("log on stderr goes to the journal", svc("StandardError") == ["journal"])
    res.check("hugepages reserved by dpdk-hugepages.py, failure tolerated",
              any(v.startswith("-/usr/bin/dpdk-hugepages.py ") and "--reserve" in v
                  for v in svc("ExecStartPre")), str(svc("ExecStartPre")))
    res.check("the unit binds no NIC", not any("devbind" in v or "driver_override" in v
                                               for vs in u.values() for v in vs))
    res.check("wanted by multi-user.target", u.get(("Install", "WantedBy")) == ["multi-user.target"])
    return exe


def verify(unit_text, tmp, manpath):
    path = os.path.join(tmp, "wirestat.service")
    with open(path, "w") as f:
        f.write(unit_text)
    p = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                       env=dict(os.environ, MANPATH=manpath), timeout=120)
    return p.returncode, (p.stdout + p.stderr).strip()


def check_verify(res, stage, d, unit, tmp):
    with open(unit) as f:
        text = f.read()
    mapped = text.replace("ExecStart=" + d["sbindir"], "ExecStart=" + stage + d["sbindir"])
    manpath = staged(stage, d["mandir"])
    rc, out = verify(mapped, tmp, manpath)
    res.check("systemd-analyze verify: no complaint", rc == 0 and out == "", out)
    rc, out = verify(mapped.replace("Restart=", "Restrat="), tmp, manpath)
    res.check("systemd-analyze verify does complain about a misspelt key",
              "Unknown key 'Restrat'" in out, out)
    rc, out = verify(text, tmp, "/nonexistent")
    res.check("unmapped on this machine, verify finds no daemon and no man pages (why we map)",
              (os.path.exists(d["sbindir"] + "/wirestat") or "is not executable" in out)
              and (os.path.exists(d["mandir"] + "/man8/wirestat.8") or "man wirestat(8)" in out),
              out)


def run_unit(res, stage, exe, files, capture, tmp):
    prefix = f"wsinstall{os.getpid()}"
    rundir = os.path.join(stage, "run/wirestat")  # RuntimeDirectory=wirestat
    os.makedirs(rundir)
    sock = os.path.join(rundir, "wirestat.sock")
    conf_path = staged(stage, exe[2])
    with open(conf_path) as f:
        conf = yaml.safe_load(f)
    res.check("the default socket.path is in the unit's RuntimeDirectory",
              conf["socket"]["path"] == "/run/wirestat/wirestat.sock", conf["socket"]["path"])
    conf["eal"].update(hugepages=False, memory_mb=1024, file_prefix=prefix, log_level="err",
                       extra_args=["--no-telemetry"])
    conf["ports"] = [{"name": "replay", "device": f"net_pcap0,rx_pcap={capture}"}]
    conf["lcores"] = {"management": 0, "rx": [1], "cpus": [0, 1]}
    conf["mempool"]["mbufs"] = 8191
    conf["socket"]["path"] = sock
    with open(conf_path, "w") as f:
        yaml.safe_dump(conf, f)
    argv = [staged(stage, exe[0]), exe[1], conf_path]
    daemon = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    want = pcap_count(capture)
    try:
        deadline, got = time.time() + 60, -1
        while time.time() < deadline and daemon.poll() is None:
            try:
                got = ctl(sock, {"cmd": "status"})["result"]["packets"]
            except (OSError, ValueError, KeyError):
                pass
            if got == want:
                break
            time.sleep(0.2)
        if not res.check("the unit's command line starts and counts the capture", got == want,
                         f"{got} of {want}"):
            return
        p = subprocess.run([staged(stage, files["wirestatctl"]), "-s", sock, "status"],
                           capture_output=True, text=True, timeout=30)
        first = p.stdout.splitlines()[0] if p.stdout else ""
        res.check("staged wirestatctl status: healthy",
                  p.returncode == 0 and first.startswith("OK: 1 port up, nothing dropped")
                  and f"{want} packets, 1 RX lcore" in first, first + p.stderr)
        daemon.send_signal(signal.SIGTERM)  # KillSignal=SIGTERM
        out, err = daemon.communicate(timeout=30)
        res.check("KillSignal=SIGTERM: exit 0, final report", daemon.returncode == 0
                  and "dropped before analysis" in out, err[-300:])
        res.check("socket and DPDK runtime files removed",
                  not os.path.exists(sock) and not os.path.exists(runtime_dir(prefix)))
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
        shutil.rmtree(runtime_dir(prefix), ignore_errors=True)


def main(argv):
    build, src, capture = (os.path.abspath(a) for a in argv[1:4])
    res = Results()
    tmp = tempfile.mkdtemp(prefix="wsinstall.")
    stage = os.path.join(tmp, "stage")
    try:
        p = subprocess.run(["meson", "install", "-C", build, "--destdir", stage, "--no-rebuild",
                            "--quiet"], capture_output=True, text=True, timeout=300)
        if not res.check("meson install --destdir", p.returncode == 0, p.stdout + p.stderr):
            return res.finish()
        d = build_dirs(build)
        files = check_files(res, src, stage, d)
        unit = staged(stage, files["wirestat.service"])
        exe = check_unit(res, unit_settings(unit), d)
        check_verify(res, stage, d, unit, tmp)
        if len(exe) == 3:
            run_unit(res, stage, exe, files, capture, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
